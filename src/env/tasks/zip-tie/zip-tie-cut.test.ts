import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint, listTasks, makeEnv, prepareTask, taskSpec } from "../../registry.js";
import { HEAD, STRAP } from "./strap.js";
import { ZipTieCut } from "./zip-tie-cut.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const GAP = 13; // observation index of the gripper width (the blade gap), m
const CUT_POINT = 24; // observation index of the cutting point's x
const TIP = 27; // observation index of the strap tip's x
const CUT_DISTANCE = 30; // observation index of the cut's distance from the head, m (−1 uncut)

type Act = (obs: number[], i: number) => number[];

/** Runs a scripted policy to the end of the episode; returns the verdict, the steps and the last observation. */
function run(env: ZipTieCut, seed: number, act: Act) {
  let obs = env.reset({ seed });
  let i = 0;
  for (; i < env.spec.maxSteps; i++) {
    const r = env.step(act(obs, i));
    obs = r.observation;
    if (r.terminated) break;
  }
  return { verdict: env.verify(), steps: Math.min(i + 1, env.spec.maxSteps), obs };
}

/** Moves the cutting point to `below` m under the head on the strap's line with the blades part-open, then closes. */
function cutAt(below: number): Act {
  let closing = false;
  return (obs) => {
    const target = [HEAD.anchor[0], HEAD.anchor[1], HEAD.anchor[2] - below];
    const err = [0, 1, 2].map((k) => target[k] - obs[CUT_POINT + k]);
    if (err.every((e) => Math.abs(e) < 0.0015)) closing = true;
    if (closing) return [0, 0, 0, 1];
    return [...err.map((e) => Math.max(-1, Math.min(1, (0.4 * e) / 0.001))), 0.2];
  };
}

test("the registry lists zip-tie-cut, gives its spec without MuJoCo, and builds it after prepareTask", async () => {
  assert.ok(listTasks().some((t) => t.id === "zip-tie-cut"));
  assert.equal(taskSpec("zip-tie-cut").maxSteps, 200); // 10 s at 20 Hz
  assert.throws(() => taskSpec("zip-tie-cut", "audio"), /no observation type "audio"/);
  assert.match(evalFingerprint("zip-tie-cut"), /^[0-9a-f]{64}$/);
  await prepareTask("zip-tie-cut");
  const env = makeEnv("zip-tie-cut");
  assert.equal(env.name, "zip-tie-cut@2");
  assert.equal((env.reset({ seed: 0 }) as number[]).length, 31);
  env.close();
});

test("reset is seeded, and starts with the whole strap hanging between the open blades", async () => {
  await prepareTask("zip-tie-cut");
  const env = new ZipTieCut();
  try {
    const a = env.reset({ seed: 5 });
    env.step([1, -1, 1, 1]);
    assert.deepEqual(env.reset({ seed: 5 }), a);
    assert.notDeepEqual(env.reset({ seed: 6 }), a);
    for (const seed of [0, 1, 2]) {
      const obs = env.reset({ seed });
      assert.deepEqual(env.linksActive(), new Array(STRAP.segments).fill(true));
      assert.equal(obs[CUT_DISTANCE], -1);
      // the strap hangs straight and unstretched: its tip 96 mm under the head, within a millimetre
      const length = STRAP.segments * STRAP.segmentLength;
      assert.ok(Math.abs(HEAD.anchor[2] - length - obs[TIP + 2]) < 0.001, `tip z ${obs[TIP + 2]}`);
      assert.ok(Math.hypot(obs[TIP] - HEAD.anchor[0], obs[TIP + 1] - HEAD.anchor[1]) < 0.001);
      // the cutting point 20-40 mm under the head, within 3 mm of the strap's line; blades 10-14 mm apart
      const below = HEAD.anchor[2] - obs[CUT_POINT + 2];
      assert.ok(below > 0.019 && below < 0.041, `${below}`);
      assert.ok(Math.abs(obs[CUT_POINT + 1] - HEAD.anchor[1]) < 0.0035);
      assert.ok(obs[GAP] > 0.0095 && obs[GAP] < 0.0145, `gap ${obs[GAP]}`);
    }
  } finally {
    env.close();
  }
});

test("closing the blades on the strap near the head severs it; closing them beside it or too low does not succeed", async () => {
  await prepareTask("zip-tie-cut");
  const env = new ZipTieCut();
  try {
    for (const seed of [0, 1]) {
      const { verdict, steps, obs } = run(env, seed, cutAt(0.015));
      assert.equal(verdict.success, true, `seed ${seed}: ${verdict.reason}`);
      const cut = Number(verdict.metrics.cutDistanceMm);
      assert.ok(cut >= 12 && cut <= 18, `cut at ${cut} mm, the blades closed 15 mm under the head`);
      assert.ok(Number(verdict.metrics.separationMm) > 20, "the tail fell away");
      assert.ok(steps < 100, `${steps} steps`);
      assert.ok(Math.abs(obs[CUT_DISTANCE] * 1000 - cut) < 1e-9, `observed ${obs[CUT_DISTANCE]} m`);
      assert.ok(obs[GAP] < 0.001, "the blades closed");
    }
    // the blades pulled back 20 mm along the tool axis, past the strap, then closed: nothing between them
    const missed = run(env, 0, (_obs, i) => (i < 20 ? [-1, 0, 0, 0.2] : [0, 0, 0, 1]));
    assert.equal(missed.verdict.success, false);
    assert.match(missed.verdict.reason ?? "", /^not cut: the strap is whole/);
    assert.equal(missed.steps, 200);
    assert.ok(missed.obs[GAP] < 0.001, "the blades closed on nothing");
    assert.deepEqual(env.linksActive(), new Array(STRAP.segments).fill(true));
    // closing where the blades are, 35 mm under the head: cut, but outside the 5-25 mm window
    const low = run(env, 0, cutAt(0.035));
    assert.match(low.verdict.reason ?? "", /^cut too far from the head: (30|36)\.00 mm/);
  } finally {
    env.close();
  }
});

test("a cut is part of the simulator's state: it survives saving, a new episode and restoring", async () => {
  await prepareTask("zip-tie-cut");
  const env = new ZipTieCut();
  try {
    const { verdict } = run(env, 2, cutAt(0.015));
    assert.equal(verdict.success, true, verdict.reason ?? "");
    const joint = Number(verdict.metrics.cutJoint);
    const saved = env.saveState();
    const links = env.linksActive();
    assert.equal(links[joint], false);
    env.reset({ seed: 3 });
    assert.deepEqual(env.linksActive(), new Array(STRAP.segments).fill(true));
    env.restoreState(saved);
    assert.deepEqual(env.linksActive(), links);
    for (let i = 0; i < 5; i++) env.step([0, 0, 0, 1]);
    const after = env.cutState();
    assert.equal(after.cutJoint, joint);
    assert.ok(after.separation > 0.02, `ends ${after.separation} m apart`);
  } finally {
    env.close();
  }
});

test("evaluate() runs zip-tie cutting with the example heuristic through a thread station", async () => {
  const { RunStore } = await import("../../../rollout/store.js");
  const { evaluate } = await import("../../../rollout/evaluate.js");
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-zip-")));
  const result = await evaluate(store, {
    taskId: "zip-tie-cut",
    policyFile: path.join(ROOT, "examples/policies/zip-tie-cut-heuristic.ts"),
    episodes: 2,
    seedStart: 0,
    stations: 1,
  });
  assert.equal(result.status, "finished");
  assert.equal(result.trials.length, 2);
  assert.equal(result.summary.successes, 2);
});
