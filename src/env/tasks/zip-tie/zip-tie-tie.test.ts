import assert from "node:assert/strict";
import { test } from "node:test";
import createPolicy from "../../../../examples/policies/zip-tie-tie-heuristic.js";
import { loadMujocoOnce } from "../../mujoco/runtime.js";
import { TIE_HEAD } from "./tie-scene.js";
import { TIE_SPEC, TIE_STARTS, TIE_TASK, tieEvalFingerprint, ZipTieTie } from "./zip-tie-tie.js";

const EE = 6; // observation index of the EE's x, m
const ENTRANCE = 21; // observation index of the slot entrance's x
const EXIT = 24; // observation index of the slot exit's x
const TIP = 27; // observation index of the strap tip's x
const LATCH = 30; // observation index of the latched length, m (−1 not engaged)

type Act = (obs: readonly number[], i: number) => number[];

/** Runs a policy to the end of the episode (or `steps`); returns the verdict, the steps and the last observation. */
function run(env: ZipTieTie, seed: number, act: Act, steps = env.spec.maxSteps) {
  let obs = env.reset({ seed });
  let i = 0;
  let terminated = false;
  for (; i < steps; i++) {
    const r = env.step(act(obs, i));
    obs = r.observation;
    if (r.terminated) {
      terminated = true;
      break;
    }
  }
  return { verdict: env.verify(), steps: Math.min(i + 1, steps), obs, terminated };
}

const heuristic = (): Act => {
  const policy = createPolicy({} as never);
  return (obs) => [...policy.act(obs)];
};

test("the spec: 31 observations, 3 actions, 10 s at 20 Hz, held-out and search seeds, a fingerprint", () => {
  assert.equal(TIE_SPEC.id, "zip-tie-tie");
  assert.equal(TIE_SPEC.observationSpace.kind === "box" && TIE_SPEC.observationSpace.shape[0], 31);
  assert.equal(TIE_SPEC.actionSpace.kind === "box" && TIE_SPEC.actionSpace.shape[0], 3);
  assert.equal(TIE_SPEC.maxSteps, 200);
  assert.deepEqual(TIE_SPEC.evaluation.seeds, {
    heldOut: { start: 100000, count: 50 },
    search: { start: 0, end: 99999 },
  });
  assert.match(tieEvalFingerprint(), /^[0-9a-f]{64}$/);
});

test("reset is seeded and starts with the tip under the slot, the latch open, the EE inside TIE_STARTS", async () => {
  await loadMujocoOnce();
  const env = new ZipTieTie();
  try {
    const a = env.reset({ seed: 5 });
    env.step([1, -1, 1]);
    assert.deepEqual(env.reset({ seed: 5 }), a);
    assert.notDeepEqual(env.reset({ seed: 6 }), a);
    for (const seed of [0, 1, 2, 100000]) {
      const obs = env.reset({ seed });
      assert.equal(obs.length, 31);
      assert.equal(obs[LATCH], -1);
      // the tip 10-20 mm under the entrance, within 5 mm of the slot's axis
      const below = obs[ENTRANCE + 2] - obs[TIP + 2];
      assert.ok(below > 0.01 && below < 0.021, `seed ${seed}: tip ${below} m under the entrance`);
      assert.ok(Math.hypot(obs[TIP] - obs[ENTRANCE], obs[TIP + 1] - obs[ENTRANCE + 1]) < 0.005);
      assert.ok(Math.abs(obs[EXIT + 2] - obs[ENTRANCE + 2] - TIE_HEAD.length) < 1e-9);
      for (let k = 0; k < 3; k++) {
        assert.ok(obs[EE + k] >= TIE_STARTS[0][k] && obs[EE + k] <= TIE_STARTS[1][k], `seed ${seed} EE ${k}`);
      }
      assert.equal(env.peakForce, 0);
    }
  } finally {
    env.close();
  }
});

test("the heuristic ties the strap: latch engaged, tip 15 mm past the exit, little force", async () => {
  await loadMujocoOnce();
  const env = new ZipTieTie();
  try {
    for (const seed of [100000, 100001, 100002]) {
      const { verdict, steps, obs, terminated } = run(env, seed, heuristic());
      assert.equal(verdict.success, true, `seed ${seed}: ${verdict.reason}`);
      assert.ok(terminated && steps < 150, `seed ${seed}: ${steps} steps`);
      assert.ok(obs[TIP + 2] - obs[EXIT + 2] >= TIE_TASK.successPast);
      assert.ok(obs[LATCH] >= TIE_TASK.successPast - TIE_TASK.tooth, `latched ${obs[LATCH]} m`);
      assert.ok(env.peakForce < 2, `peak ${env.peakForce} N`);
    }
  } finally {
    env.close();
  }
});

test("the latch engages only once the tip is through, and holds the strap against a pull-back", async () => {
  await loadMujocoOnce();
  const env = new ZipTieTie();
  try {
    const policy = heuristic();
    let obs = env.reset({ seed: 3 });
    // push until the tip is 8 mm past the exit: under a tooth past it the latch is open
    let sawShort = false;
    for (let i = 0; i < 200 && obs[TIP + 2] - obs[EXIT + 2] < 0.008; i++) {
      const past = obs[TIP + 2] - obs[EXIT + 2];
      if (past < TIE_TASK.tooth - 0.0002) {
        assert.equal(obs[LATCH], -1, `latched with the tip ${past} m past the exit`);
        sawShort = true;
      }
      obs = env.step(policy(obs, i)).observation;
    }
    assert.ok(sawShort);
    const latched = obs[LATCH];
    const before = obs[TIP + 2] - obs[EXIT + 2];
    assert.ok(latched >= 0.006, `latched ${latched} m`);
    // pull the hand back down: the latch holds the tip through the slot until the strap's pull on the head ends the
    // episode ("too much force"); it never lets go
    let ended = false;
    for (let i = 0; i < 30 && !ended; i++) {
      const r = env.step([0, 0, -1]);
      obs = r.observation;
      ended = r.terminated;
      assert.ok(
        obs[TIP + 2] - obs[EXIT + 2] > before / 2,
        `step ${i}: the tip slid back to ${obs[TIP + 2] - obs[EXIT + 2]} m`,
      );
      assert.ok(obs[LATCH] >= latched, "the latch never opens");
    }
    assert.ok(ended, "pulling against the latch ends the episode");
    assert.match(env.verify().reason ?? "", /^too much force: the head's contacts reached/);
  } finally {
    env.close();
  }
});

test("failures say why: doing nothing, pushing beside the slot, leaving the box", async () => {
  await loadMujocoOnce();
  const env = new ZipTieTie();
  try {
    const idle = run(env, 0, () => [0, 0, 0]);
    assert.equal(idle.steps, 200);
    assert.equal(idle.verdict.success, false);
    assert.match(idle.verdict.reason ?? "", /^not far enough: the latch has not engaged/);
    // 8 mm to the side (outside the slot's 2.5 mm half width and 2 mm wall), then straight up
    const beside = run(env, 0, (_o, i) => (i < 8 ? [1, 0, 0] : [0, 0, 1]));
    assert.equal(beside.verdict.success, false);
    assert.match(beside.verdict.reason ?? "", /^missed the slot: the tip went/);
    const away = run(env, 0, () => [-1, 0, 0]);
    assert.match(away.verdict.reason ?? "", /^out-of-range: end effector x moved/);
    assert.ok(away.steps <= 32, `${away.steps} steps`);
  } finally {
    env.close();
  }
});
