import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint, listTasks, makeEnv, prepareTask, taskSpec } from "../../registry.js";
import { PinInsertion } from "./pin-insertion.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

test("the registry lists the variants, gives specs without MuJoCo, and refuses makeEnv before prepareTask", async () => {
  const ids = listTasks().map((t) => t.id);
  for (const id of ["pin-insertion", "pin-insertion-easy", "pin-insertion-expert"]) assert.ok(ids.includes(id));
  assert.equal(taskSpec("pin-insertion").maxSteps, 160); // 8 s at 20 Hz
  assert.throws(() => taskSpec("pin-insertion", "video"), /no observation type "video"/);
  assert.throws(() => makeEnv("pin-insertion"), /await prepareTask\("pin-insertion"\)/);
  const prints = new Set(
    ["pin-insertion", "pin-insertion-easy", "pin-insertion-expert"].map((id) => evalFingerprint(id)),
  );
  assert.equal(prints.size, 3);
  await prepareTask("pin-insertion");
  const env = makeEnv("pin-insertion");
  assert.equal(env.name, "pin-insertion@2");
  env.close();
});

/** Runs a scripted policy to the end of the episode; returns the verdict and the steps taken. */
function run(env: PinInsertion, seed: number, act: (i: number) => number[]) {
  env.reset({ seed });
  let i = 0;
  for (; i < env.spec.maxSteps; i++) if (env.step(act(i)).terminated) break;
  return { verdict: env.verify(), steps: Math.min(i + 1, env.spec.maxSteps) };
}

test("reset is seeded: the same seed gives the same start, another seed another", async () => {
  await prepareTask("pin-insertion");
  const env = new PinInsertion("pin-insertion");
  try {
    const a = env.reset({ seed: 7 });
    const tipA = env.pinState();
    env.step([1, 1, -1]);
    const b = env.reset({ seed: 7 });
    assert.deepEqual(b, a);
    assert.deepEqual(env.pinState(), tipA);
    const c = env.reset({ seed: 8 });
    assert.notDeepEqual(c, a);
    // hovering: the tip above the box, near the axis, the pin held
    assert.ok(tipA.tipAboveSeat > 0.015 + 0.002 && tipA.tipAboveSeat < 0.015 + 0.01, `${tipA.tipAboveSeat}`);
    assert.ok(tipA.offAxis < 0.0035);
    assert.ok(a[14] > 10, `grip force ${a[14]} N`);
  } finally {
    env.close();
  }
});

test("straight down seats the pin at 3 mm clearance; pushing off the hole is too much force; leaving is out-of-range", async () => {
  await prepareTask("pin-insertion-easy");
  const env = new PinInsertion("pin-insertion-easy");
  try {
    for (const seed of [0, 1]) {
      const { verdict, steps } = run(env, seed, () => [0, 0, -1]);
      assert.equal(verdict.success, true, `seed ${seed}: ${verdict.reason}`);
      assert.ok(steps < 60, `ended on success after ${steps} steps`);
    }
    // 5 mm sideways (past the 3.5 mm hole radius), then down onto the box top: the contact force passes the limit
    const pushed = run(env, 0, (i) => (i < 17 ? [1, 0, 0] : [0, 0, -1]));
    assert.equal(pushed.verdict.success, false);
    assert.match(pushed.verdict.reason ?? "", /^too much force/);
    const left = run(env, 0, () => [1, 0, 0]);
    assert.match(left.verdict.reason ?? "", /^out-of-range: EE x moved/);
    assert.ok(left.steps < 60);
    const idle = run(env, 0, () => [0, 0, 0]);
    assert.match(idle.verdict.reason ?? "", /^too high/);
    assert.equal(idle.steps, 160);
  } finally {
    env.close();
  }
});

test("evaluate() runs pin insertion through a thread station", async () => {
  const { RunStore } = await import("../../../rollout/store.js");
  const { evaluate } = await import("../../../rollout/evaluate.js");
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-pin-")));
  const result = await evaluate(store, {
    taskId: "pin-insertion-easy",
    policyFile: path.join(ROOT, "examples/policies/pin-insertion-heuristic.ts"),
    episodes: 2,
    seedStart: 0,
    stations: 1,
  });
  assert.equal(result.status, "finished");
  assert.equal(result.trials.length, 2);
  assert.equal(result.summary.successes, 2);
});
