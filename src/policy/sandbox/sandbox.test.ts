import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { InvalidInputError, PolicyError } from "../../core/errors.js";
import type { PolicyContext } from "../../core/policy.js";
import { loadPolicy, type SandboxedPolicy, type SandboxOptions } from "../load.js";
import type { ToolSet } from "../tools.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/policies/", import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-sandbox-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ctx: PolicyContext = {
  task: {
    id: "pusht",
    version: 1,
    observationSpace: { kind: "box", shape: [5], low: 0, high: 512, dtype: "float64" },
    actionSpace: { kind: "box", shape: [2], low: 0, high: 512, dtype: "float64", names: ["x px", "y px"] },
    maxSteps: 300,
    controlHz: 10,
  },
};
const OBS = [100, 200, 300, 400, 0.5];

/** Loads a fixture and closes it after the test body, however the body ends. */
async function withPolicy(
  name: string,
  options: SandboxOptions,
  body: (policy: SandboxedPolicy<number[], unknown>) => Promise<void>,
): Promise<void> {
  const policy = await loadPolicy<number[], unknown>(fixture(name), ctx, options);
  try {
    await body(policy);
  } finally {
    policy.close();
  }
}

/** Asserts that `promise` rejects with a PolicyError of `kind` whose message matches `message`. */
async function rejectsWith(
  promise: Promise<unknown>,
  kind: PolicyError["kind"],
  message: RegExp,
): Promise<PolicyError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof PolicyError, `expected a PolicyError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.match(caught.message, message);
  return caught;
}

test("a TypeScript policy with a helper import loads and acts on copies of its observations", async () => {
  await withPolicy("reach.ts", {}, async (policy) => {
    assert.equal(policy.name, "reach");
    assert.equal(policy.path, fixture("reach.ts"));
    assert.equal(policy.source, fs.readFileSync(fixture("reach.ts"), "utf8"));
    assert.match(policy.sha256, /^[0-9a-f]{64}$/);
    const obs = [...OBS];
    assert.deepEqual(await policy.act(obs), [200, 300]);
    assert.deepEqual(obs, OBS, "the host's observation is untouched");
    // console output is kept for the trial's events, not printed
    assert.deepEqual(policy.drainLogs(), ['reach: first step of pusht@1 {"low":0,"high":512}']);
    await policy.act(obs);
    assert.deepEqual(policy.drainLogs(), []);
    await policy.reset(); // reach counts its steps; reset starts again, so it logs its first step again
    await policy.act(obs);
    assert.equal(policy.drainLogs().length, 1);
  });
});

test("a default-exported object with act and reset is a policy too", async () => {
  await withPolicy("object-export.js", {}, async (policy) => {
    assert.deepEqual(await policy.act(OBS), [1, 0]);
    assert.deepEqual(await policy.act(OBS), [2, 0]);
    await policy.reset();
    assert.deepEqual(await policy.act(OBS), [1, 0]);
  });
});

test("the same files bundle to the same sha256", async () => {
  const a = await loadPolicy(fixture("reach.ts"), ctx);
  const b = await loadPolicy(fixture("reach.ts"), ctx);
  a.close();
  b.close();
  assert.equal(a.sha256, b.sha256);
});

test("two sandboxes share no state, even on their global objects", async () => {
  const a = await loadPolicy(fixture("counter.js"), ctx);
  const b = await loadPolicy(fixture("counter.js"), ctx);
  try {
    assert.deepEqual(await a.act(OBS), [1, 0]);
    assert.deepEqual(await a.act(OBS), [2, 0]);
    assert.deepEqual(await b.act(OBS), [1, 0]);
  } finally {
    a.close();
    b.close();
  }
});

test("escape attempts find no process, require, import, fetch or timers inside the sandbox", async () => {
  await withPolicy("escapes.js", {}, async (policy) => {
    const attempts = ["constructor chain", "globalThis.process", "require", "import()", "fetch", "setTimeout"];
    for (const [i, what] of attempts.entries()) {
      const err = await rejectsWith(policy.act([i]), "threw", /threw in act/);
      assert.doesNotMatch(err.message, /could not be cloned/, what);
    }
  });
  await withPolicy("globals.js", {}, async (policy) => {
    const names = (await policy.act([])) as string[];
    const host = ["process", "require", "module", "Buffer", "fetch", "setTimeout", "setImmediate", "ivm", "_ivm"];
    assert.deepEqual(
      host.filter((n) => names.includes(n)),
      [],
    );
  });
});

for (const [file, named] of [
  ["imports-builtin.ts", '"node:fs" \\(a Node builtin\\)'],
  ["imports-package.ts", '"zod" \\(a package\\)'],
  ["requires-builtin.js", '"node:child_process" \\(a Node builtin\\)'],
  ["imports-dynamic.js", '"fs" \\(a Node builtin\\)'],
]) {
  test(`importing a builtin or a package is a load error naming it (${file})`, async () => {
    await rejectsWith(loadPolicy(fixture(file), ctx), "load", new RegExp(`${file}:\\d+:\\d+: cannot import ${named}`));
  });
}

test("a missing file is refused as bad input", async () => {
  await assert.rejects(loadPolicy(fixture("no-such-policy.ts"), ctx), (err: unknown) => {
    assert.ok(err instanceof InvalidInputError);
    assert.match(err.message, /^policy file ".*no-such-policy\.ts" does not exist/);
    return true;
  });
});

test("a syntax error is a load error with esbuild's location", async () => {
  const file = path.join(tmp, "broken.ts");
  fs.writeFileSync(file, "export default {\n  act(obs) { return [obs[0], obs[1] }\n};\n");
  await rejectsWith(loadPolicy(file, ctx), "load", /broken\.ts:2:\d+: Expected "\]" but found "}"/);
});

test("a module without a usable default export is a load error saying what to export", async () => {
  await rejectsWith(
    loadPolicy(fixture("no-default.ts"), ctx),
    "load",
    /no default export \(it exports: act\); a policy module must `export default function createPolicy\(ctx\)/,
  );
  const file = path.join(tmp, "returns-nothing.js");
  fs.writeFileSync(file, "export default function createPolicy() { return { step() {} }; }\n");
  await rejectsWith(
    loadPolicy(file, ctx),
    "load",
    /createPolicy\(ctx\) returned an object \(keys: step\), with no act/,
  );
});

test("module code that throws or never finishes is a load error", async () => {
  const throwing = path.join(tmp, "throws-on-load.js");
  fs.writeFileSync(throwing, 'throw new Error("no weights file");\nexport default { act() { return [0, 0]; } };\n');
  await rejectsWith(
    loadPolicy(throwing, ctx),
    "load",
    /threw while running its module code at .*throws-on-load\.js:1:\d+: no weights file/,
  );
  const looping = path.join(tmp, "loops-on-load.js");
  fs.writeFileSync(looping, "for (;;) {}\nexport default { act() { return [0, 0]; } };\n");
  await rejectsWith(loadPolicy(looping, ctx, { loadDeadlineMs: 200 }), "load", /did not finish .* within 200 ms/);
});

test("allocating past the memory limit while loading is a memory error", async () => {
  const file = path.join(tmp, "hoards-on-load.js");
  fs.writeFileSync(
    file,
    "const h = [];\nfor (;;) h.push(new Array(100000).fill(0.5));\nexport default { act() {} };\n",
  );
  await rejectsWith(
    loadPolicy(file, ctx, { memoryLimitMb: 16 }),
    "memory",
    /ran out of memory while loading \(limit 16 MB\)/,
  );
});

for (const calls of ["sync", "async"] as const) {
  test(`an infinite loop is stopped at the deadline (${calls} calls), and the sandbox still answers after`, async () => {
    await withPolicy("infinite-loop.js", { stepDeadlineMs: 200, calls }, async (policy) => {
      const started = performance.now();
      await rejectsWith(policy.act([1]), "deadline", /^policy "infinite-loop" did not answer within 200 ms$/);
      const waited = performance.now() - started;
      assert.ok(waited >= 190 && waited < 700, `stopped after ${waited.toFixed(0)} ms`);
      assert.deepEqual(await policy.act([0]), [0, 0]);
    });
  });
}

test("allocating past the memory limit is a memory error, and the sandbox is gone after", async () => {
  await withPolicy("allocate.js", { memoryLimitMb: 16 }, async (policy) => {
    await rejectsWith(policy.act(OBS), "memory", /ran out of memory in act\(observation\) \(limit 16 MB\)/);
    await rejectsWith(policy.act(OBS), "memory", /sandbox is gone/);
  });
});

test("a throw is a threw error carrying the policy's message and its own file and line", async () => {
  await withPolicy("throws.ts", {}, async (policy) => {
    await policy.act([1, 2]);
    await policy.act([1, 2]);
    const err = await rejectsWith(
      policy.act([1, 2]),
      "threw",
      /^policy "throws" threw in act\(observation\) at .*throws\.ts:3:\d+: RangeError: gains diverged at step 3$/,
    );
    const cause = err.cause as Error;
    assert.equal(cause.message, "gains diverged at step 3");
    assert.match(cause.stack ?? "", /at gains \(.*throws\.ts:3:\d+\)\n\s+at Object\.act \(.*throws\.ts:11:\d+\)/);
    assert.doesNotMatch(cause.stack ?? "", /enpire-sandbox-runtime|isolated-vm/);
  });
});

test("an answer that cannot leave the sandbox is a bad action", async () => {
  await withPolicy("bad-action.js", {}, async (policy) => {
    await rejectsWith(policy.act([0]), "bad-action", /the action is a function/);
    await rejectsWith(policy.act([1]), "bad-action", /the action is a symbol/);
    await rejectsWith(policy.act([2]), "bad-action", /the action\[1\] is a function/);
  });
});

test("an async act works when it awaits nothing real, and is a bad action when it never settles", async () => {
  await withPolicy("async-act.ts", {}, async (policy) => {
    assert.deepEqual(await policy.act([0]), [1, 0]);
    await rejectsWith(policy.act([1]), "bad-action", /returned a Promise that had not settled/);
  });
});

test("console lines are kept with their level, and capped between drains", async () => {
  await withPolicy("noisy.js", { maxLogLines: 10 }, async (policy) => {
    await policy.act([2]);
    const lines = policy.drainLogs();
    assert.equal(lines[0], 'line 0 {"at":[1,2]}');
    assert.equal(lines[2], "[warn] careful");
    assert.match(lines[3], /^\[error\] Error: shown with its stack\n\s+at Object\.act/);
    await policy.act([50]);
    const capped = policy.drainLogs();
    assert.equal(capped.length, 11);
    assert.match(capped[10], /more log lines dropped/);
  });
});

test("10,000 acts leave no references behind and do not grow the heap", async () => {
  await withPolicy("reach.ts", {}, async (policy) => {
    for (let i = 0; i < 2000; i++) await policy.act(OBS);
    const before = policy.stats();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 10_000; i++) await policy.act(OBS);
    const afterStats = policy.stats();
    // none left behind; one released late (a handle freed by the isolate's own GC after the first count) is fine
    assert.ok(
      afterStats.references <= before.references,
      `references grew from ${before.references} to ${afterStats.references}`,
    );
    const heapGrowth = afterStats.usedHeapBytes - before.usedHeapBytes;
    assert.ok(heapGrowth < 4 * 2 ** 20, `sandbox heap grew by ${heapGrowth} bytes`);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.ok(rssGrowth < 64 * 2 ** 20, `process grew by ${rssGrowth} bytes`);
  });
});

test("per-act overhead for a 5-number observation", async (t) => {
  for (const calls of ["sync", "async"] as const) {
    await withPolicy("object-export.js", { calls }, async (policy) => {
      const n = calls === "sync" ? 20_000 : 4000;
      for (let i = 0; i < 1000; i++) await policy.act(OBS);
      const started = performance.now();
      for (let i = 0; i < n; i++) await policy.act(OBS);
      const usPerAct = ((performance.now() - started) * 1000) / n;
      t.diagnostic(`${calls} calls: ${usPerAct.toFixed(1)} µs per act`);
      // generous bounds, so a busy CI machine does not fail the build; the figures above are what to read
      assert.ok(usPerAct < (calls === "sync" ? 50 : 500), `${usPerAct} µs per act`);
    });
  }
});

test("pixels and dicts of arrays cross as copies", async () => {
  const file = path.join(tmp, "pixels.js");
  fs.writeFileSync(
    file,
    "export default { act(obs) { obs.pixels[0] = 99; return [obs.pixels.length, obs.pixels[1], obs.agent[0]]; } };\n",
  );
  const policy = await loadPolicy(file, ctx);
  try {
    const pixels = new Uint8Array(96 * 96 * 3).fill(7);
    assert.deepEqual(await policy.act({ pixels, agent: [10, 20] }), [96 * 96 * 3, 7, 10]);
    assert.equal(pixels[0], 7);
  } finally {
    policy.close();
  }
});

test("bad options are refused before a sandbox starts", async () => {
  await assert.rejects(loadPolicy(fixture("reach.ts"), ctx, { memoryLimitMb: 4 }), /memoryLimitMb must be at least 8/);
  await assert.rejects(
    loadPolicy(fixture("reach.ts"), ctx, { stepDeadlineMs: 0 }),
    /stepDeadlineMs must be a number above 0/,
  );
});

test("a closed policy refuses to act", async () => {
  const policy = await loadPolicy(fixture("reach.ts"), ctx);
  policy.close();
  policy.close();
  await assert.rejects(policy.act(OBS), /policy "reach" is closed/);
});

// ---- host tools (ctx.tools) ----

/** A tool set that records what it was called with, whose functions answer, echo, and throw. */
function echoTools(host: { observation(): unknown; step(): number }) {
  const seen: unknown[][] = [];
  const state = { resets: 0, closed: 0 };
  const set: ToolSet = {
    namespace: "demo",
    describe: { add: "add(a, b) → a + b", echo: "echo(x) → x", boom: "boom() throws", where: "where() → step, obs" },
    functions: {
      add: (a: number, b: number) => a + b,
      echo: (x: unknown) => {
        seen.push([x]);
        return { back: x, bytes: new Uint8Array([1, 2, 3]) };
      },
      boom: () => {
        throw new Error("no block in view");
      },
      where: () => ({ step: host.step(), observation: host.observation() }),
      leak: () => () => 1,
    },
    reset() {
      state.resets++;
    },
    close() {
      state.closed++;
    },
  };
  return { set, seen, state };
}

/** Starts `source` (a policy module's text) with the tool sets that `makeSets` builds against the sandbox itself. */
async function withTools(
  source: string,
  options: SandboxOptions,
  makeSets: (host: { observation(): unknown; step(): number }) => ToolSet[],
  body: (policy: SandboxedPolicy<unknown, unknown>) => Promise<void>,
): Promise<void> {
  const file = path.join(tmp, `tools-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(file, source);
  let sandbox: SandboxedPolicy<unknown, unknown> | undefined;
  const host = { observation: () => sandbox?.observation(), step: () => sandbox?.step() ?? 0 };
  sandbox = await loadPolicy(file, ctx, { ...options, tools: makeSets(host) });
  try {
    await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

const TOOL_POLICY = `
export default function createPolicy(ctx) {
  const demo = ctx.tools.demo;
  return {
    act(obs) {
      const sum = demo.add(obs[0], 2);
      const echoed = demo.echo({ list: [1, "two", { three: 3 }], pixels: new Uint8Array(100).fill(9) });
      let caught = "";
      try { demo.boom(); } catch (e) { caught = (e instanceof Error) + " " + e.message; }
      const where = demo.where();
      return { sum, echoed, caught, where, frozen: Object.isFrozen(ctx.tools) && Object.isFrozen(demo) };
    },
  };
}
`;

for (const calls of ["sync", "async"] as const) {
  test(`tools: values cross both ways, a throw is a catchable Error, each call is timed with its step (${calls})`, async () => {
    const made: ReturnType<typeof echoTools>[] = [];
    await withTools(
      TOOL_POLICY,
      { calls },
      (host) => {
        made.push(echoTools(host));
        return [made[0].set];
      },
      async (policy) => {
        const { seen, state } = made[0];
        await policy.reset();
        assert.equal(state.resets, 1, "the tool set is reset with the policy");
        const answer = (await policy.act([40, 0])) as Record<string, unknown>;
        assert.equal(answer.sum, 42);
        const echoed = answer.echoed as { back: { list: unknown[]; pixels: Uint8Array }; bytes: Uint8Array };
        assert.deepEqual(echoed.back.list, [1, "two", { three: 3 }]);
        assert.ok(echoed.back.pixels instanceof Uint8Array && echoed.back.pixels.length === 100);
        assert.ok(echoed.bytes instanceof Uint8Array && echoed.bytes[2] === 3);
        assert.ok((seen[0][0] as { pixels: Uint8Array }).pixels instanceof Uint8Array, "the host got a Uint8Array");
        assert.equal(answer.caught, "true tool demo.boom failed: no block in view");
        assert.deepEqual(answer.where, { step: 0, observation: [40, 0] }, "the host sees the observation and step");
        assert.equal(answer.frozen, true);
        await policy.act([1, 0]);
        const { calls: records, dropped } = policy.drainToolCalls();
        assert.equal(dropped, 0);
        assert.deepEqual(
          records.map((r) => [r.tool, r.step, r.ok]),
          [0, 1].flatMap((step) => [
            ["demo.add", step, true],
            ["demo.echo", step, true],
            ["demo.boom", step, false],
            ["demo.where", step, true],
          ]),
        );
        for (const r of records) {
          assert.ok(r.ms >= 0 && r.ms < 1000, `ms ${r.ms}`);
          assert.ok(r.tMs >= 0, `tMs ${r.tMs}`);
        }
        assert.ok(records[4].tMs >= records[0].tMs, "records are in call order on one clock");
        assert.deepEqual(records[0].args, [40, 2]);
        assert.equal(records[0].result, 42);
        const echoArg = records[1].args?.[0] as { pixels: unknown } | undefined;
        assert.deepEqual(echoArg?.pixels, { kind: "Uint8Array", length: 100 }, "big arrays are summarised");
        assert.equal(records[2].error, "no block in view");
        assert.equal(records[2].result, undefined);
        assert.deepEqual(policy.drainToolCalls(), { calls: [], dropped: 0 }, "a drain empties the records");
        await policy.reset();
        await policy.act([0, 0]);
        assert.equal(policy.drainToolCalls().calls[0].step, 0, "steps count from the last reset");
        assert.equal(state.closed, 0);
        await policy.close();
        assert.equal(state.closed, 1, "closing the sandbox closes its tool sets");
      },
    );
  });
}

test("tools: the policy cannot replace the wrappers or reach the dispatcher", async () => {
  const source = `
export default function createPolicy(ctx) {
  const found = typeof globalThis.__enpireToolCall;
  try { ctx.tools.demo.add = () => 99; } catch (e) {}
  try { ctx.tools.demo = {}; } catch (e) {}
  return { act() { return [found, ctx.tools.demo.add(1, 1)]; } };
}
`;
  await withTools(
    source,
    {},
    (host) => [echoTools(host).set],
    async (policy) => {
      assert.deepEqual(await policy.act([0]), ["undefined", 2]);
    },
  );
});

test("tools: an answer that is not plain data fails the call, and records are capped between drains", async () => {
  const source = `
export default function createPolicy(ctx) {
  return { act(obs) {
    let msg = "";
    try { ctx.tools.demo.leak(); } catch (e) { msg = e.message; }
    for (let i = 0; i < obs[0]; i++) ctx.tools.demo.add(i, i);
    return msg;
  } };
}
`;
  await withTools(
    source,
    { maxToolCalls: 5 },
    (host) => [echoTools(host).set],
    async (policy) => {
      assert.match(
        String(await policy.act([10])),
        /^tool demo.leak failed: its answer is a function; a tool must answer with plain data$/,
      );
      const { calls, dropped } = policy.drainToolCalls();
      assert.equal(calls.length, 5);
      assert.equal(dropped, 6);
    },
  );
});

test("tools: a policy without tools sees an empty, frozen ctx.tools", async () => {
  const file = path.join(tmp, "no-tools.js");
  fs.writeFileSync(
    file,
    "export default (ctx) => ({ act() { return [Object.keys(ctx.tools).length, Object.isFrozen(ctx.tools)]; } });\n",
  );
  const policy = await loadPolicy(file, ctx);
  try {
    assert.deepEqual(await policy.act(OBS), [0, true]);
    assert.deepEqual(policy.drainToolCalls(), { calls: [], dropped: 0 });
  } finally {
    await policy.close();
  }
});

test("tools: bad tool sets are refused, and closed, before a sandbox starts", async () => {
  let closed = 0;
  const bad: ToolSet = { namespace: "not-ok", describe: {}, functions: {}, close: () => void closed++ };
  await assert.rejects(loadPolicy(fixture("reach.ts"), ctx, { tools: [bad] }), InvalidInputError);
  assert.equal(closed, 1);
  const a: ToolSet = { namespace: "t", describe: {}, functions: { f: () => 1 } };
  await assert.rejects(
    loadPolicy(fixture("reach.ts"), ctx, { tools: [a, a] }),
    /two tool sets share the namespace "t"/,
  );
});

test("tools: 10,000 calls leave no references behind", async () => {
  const source =
    "export default (ctx) => ({ act(obs) { let s = 0; for (let i = 0; i < obs[0]; i++) s += ctx.tools.demo.add(i, 1); return s; } });\n";
  await withTools(
    source,
    { maxToolCalls: 20_000 },
    (host) => [echoTools(host).set],
    async (policy) => {
      await policy.act([1000]);
      policy.drainToolCalls();
      const before = policy.stats();
      const started = performance.now();
      for (let i = 0; i < 10; i++) assert.equal(await policy.act([1000]), 500_500);
      const usPerCall = ((performance.now() - started) * 1000) / 10_000;
      assert.equal(policy.drainToolCalls().calls.length, 10_000);
      const afterStats = policy.stats();
      assert.ok(
        afterStats.references <= before.references,
        `${afterStats.references} > ${before.references} references`,
      );
      assert.ok(usPerCall < 200, `${usPerCall} µs per tool call`);
    },
  );
});
