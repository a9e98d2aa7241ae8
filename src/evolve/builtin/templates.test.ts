/**
 * Every policy template under templates/ that the built-in agent tunes through knobs.json: its knobs, params and
 * README agree, every value the search can write is one the policy accepts, its tasks.json names registered tasks,
 * and it loads in the sandbox (a misspelt knob fails the load by name). Then what each template's figures rest on:
 * zip-tie-cut's start cuts outside the window where the example heuristic's constants cut inside it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Env } from "../../core/env.js";
import { PolicyError } from "../../core/errors.js";
import { policyContext } from "../../core/policy.js";
import { listTasks, makeEnv, prepareTask, taskSpec } from "../../env/registry.js";
import { loadPolicy } from "../../policy/load.js";
import { loadParamSpace, readParams } from "./param-space.js";

const ROOT = fileURLToPath(new URL("../../../templates/", import.meta.url));
const TUNED = fs
  .readdirSync(ROOT)
  .filter((d) => fs.existsSync(path.join(ROOT, d, "knobs.json")))
  .sort();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-templates-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The task ids a template is the workspace for: its own name when that is a task, and its tasks.json's. */
function tasksOf(dir: string): string[] {
  const file = path.join(ROOT, dir, "tasks.json");
  const listed = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")).tasks as string[]) : [];
  return listed.length > 0 ? listed : [dir];
}

test("the templates the built-in agent tunes are there", () => {
  for (const name of ["pin-insertion", "pusht", "pusht-arm", "zip-tie-cut"]) assert.ok(TUNED.includes(name), name);
});

for (const dir of TUNED) {
  const template = path.join(ROOT, dir);
  const space = loadParamSpace(template);
  const start = readParams(template);

  test(`${dir}: knobs.json, params.json and README agree; the search writes only values the policy accepts`, async () => {
    const names = space.knobs.map((k) => k.name);
    assert.deepEqual(Object.keys(start), names, "params.json lists the knobs in knobs.json's order");
    const readme = fs.readFileSync(path.join(template, "README.md"), "utf8");
    for (const k of space.knobs) {
      assert.ok(readme.includes(`| \`${k.name}\` | ${k.unit} | ${k.min}..${k.max} | ${k.scale} |`), k.name);
    }
    for (const [i, u] of space.encode(start).entries()) assert.ok(u >= 0 && u <= 1, `${names[i]}: u = ${u}`);
    assert.deepEqual(space.decode(space.encode(start)), start);
    const mod = (await import(path.join(template, "policy.ts"))) as { checkParams?: (raw: unknown) => unknown };
    if (mod.checkParams) {
      for (const corner of [0, 1]) {
        const point = space.decode(space.knobs.map(() => corner));
        // a template whose knobs depend on each other (a min below a max) may refuse a corner, by name
        try {
          mod.checkParams(point);
        } catch (err) {
          assert.match(String(err), /params\.json "\w+"/);
        }
      }
    }
  });

  test(`${dir}: tasks.json names registered tasks; the policy loads in the sandbox and a misspelt knob fails by name`, async () => {
    const known = listTasks().map((t) => t.id);
    const tasks = tasksOf(dir);
    for (const id of tasks) assert.ok(known.includes(id), `${id} is a registered task`);
    const ctx = policyContext(taskSpec(tasks[0]));
    const policy = await loadPolicy<number[], number[]>(path.join(template, "policy.ts"), ctx);
    policy.close();
    const copy = path.join(tmp, dir);
    fs.cpSync(template, copy, { recursive: true });
    const [first, ...rest] = Object.keys(start);
    const misspelt = { ...Object.fromEntries(rest.map((k) => [k, start[k]])), [`${first}x`]: start[first] };
    fs.writeFileSync(path.join(copy, "params.json"), JSON.stringify(misspelt));
    await assert.rejects(
      loadPolicy(path.join(copy, "policy.ts"), ctx),
      (e: unknown) => e instanceof PolicyError && e.kind === "load" && e.message.includes(`${first}x`),
    );
  });
}

/** Runs the template's policy with `params` on `task` from `seed`; the verdict. */
async function episode(dir: string, task: string, params: Record<string, number>, seed: number) {
  const mod = (await import(path.join(ROOT, dir, "policy.ts"))) as {
    checkParams(raw: unknown): unknown;
    createPolicyWith(p: unknown): { reset(): void; act(obs: readonly number[]): readonly number[] };
  };
  const policy = mod.createPolicyWith(mod.checkParams(params));
  await prepareTask(task);
  const env = makeEnv(task) as Env<number[], number[]>;
  try {
    let obs = env.reset({ seed });
    policy.reset();
    for (let t = 0; t < env.spec.maxSteps; t++) {
      const r = env.step([...policy.act(obs)]);
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    return env.verify();
  } finally {
    env.close();
  }
}

test("zip-tie-cut: the start cuts below the window; the example heuristic's constants cut inside it", async () => {
  const start = readParams(path.join(ROOT, "zip-tie-cut"));
  const heuristic = { cutBelowHead: 15, approachGrip: 0.2, gain: 0.4, atTarget: 1.5 };
  for (const seed of [0, 1]) {
    const a = await episode("zip-tie-cut", "zip-tie-cut", start, seed);
    assert.equal(a.success, false);
    assert.match(a.reason ?? "", /cut too far from the head/);
    const b = await episode("zip-tie-cut", "zip-tie-cut", heuristic, seed);
    assert.equal(b.success, true, b.reason ?? "");
  }
});
