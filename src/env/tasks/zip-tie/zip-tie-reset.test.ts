import assert from "node:assert/strict";
import { test } from "node:test";
import cutHeuristic from "../../../../examples/policies/zip-tie-cut-heuristic.js";
import tieHeuristic from "../../../../examples/policies/zip-tie-tie-heuristic.js";
import { loadMujocoOnce } from "../../mujoco/runtime.js";
import { evalFingerprint, taskSpec } from "../../registry.js";
import { HEAD, STRAP } from "./strap.js";
import { TIE_HEAD } from "./tie-scene.js";
import { CUT_SPEC, cutEvalFingerprint, cutSpec, ZipTieCut } from "./zip-tie-cut.js";
import { TIE_SPEC, TIE_STARTS, tieEvalFingerprint, tieSpec, ZipTieTie } from "./zip-tie-tie.js";

const EE = 6; // observation index of the EE's x, m
const GAP = 13; // observation index of the gripper width (the blade gap), m

/** Runs an example heuristic to the end of the episode from the observation `obs`. */
function runEpisode(env: ZipTieCut | ZipTieTie, obs: number[], act: (o: readonly number[]) => readonly number[]) {
  for (let i = 0; i < env.spec.maxSteps; i++) {
    const r = env.step([...act(obs)]);
    obs = r.observation;
    if (r.terminated) break;
  }
  return env.verify();
}

/** The cut's hardest-phase start, judged from the simulator: a whole strap hanging still between the open blades. */
function assertCutStart(env: ZipTieCut, obs: number[], state: number[], what: string): void {
  assert.ok(env.linksActive().every(Boolean), `${what}: every link of the strap is on`);
  assert.equal(env.cutState().cutJoint, -1, `${what}: the strap is whole`);
  const tip = obs.slice(27, 30);
  assert.ok(Math.hypot(tip[0] - HEAD.anchor[0], tip[1] - HEAD.anchor[1]) < 0.003, `${what}: the strap hangs straight`);
  const length = STRAP.segments * STRAP.segmentLength;
  assert.ok(
    Math.abs(HEAD.anchor[2] - tip[2] - length) < 0.003,
    `${what}: the strap hangs ${HEAD.anchor[2] - tip[2]} m`,
  );
  // the cutting point and the gap where the state reset puts them for this seed
  for (let k = 0; k < 3; k++) {
    assert.ok(
      Math.abs(obs[EE + k] - state[EE + k]) < 0.002,
      `${what}: EE axis ${k} ${obs[EE + k]} vs ${state[EE + k]}`,
    );
  }
  assert.ok(Math.abs(obs[GAP] - state[GAP]) < 0.001, `${what}: blade gap ${obs[GAP]} vs ${state[GAP]}`);
  // the strap between the blades: its line within the gap around the cutting point
  const room = obs[GAP] / 2 - STRAP.radius;
  assert.ok(Math.abs(HEAD.anchor[1] - obs[EE + 1]) < room, `${what}: the strap is between the blades`);
  const r = env.lastReset();
  assert.ok(r?.success && r.mode === "procedural" && r.attempts >= 1 && r.simSeconds > 0.5, JSON.stringify(r));
}

test("zip-tie-cut procedural resets: a fresh station, then after a cut, end with a fresh strap between the blades", async () => {
  await loadMujocoOnce();
  const state = new ZipTieCut();
  const env = new ZipTieCut({ reset: "procedural" });
  try {
    const policy = (cutHeuristic as (ctx: unknown) => ReturnType<typeof cutHeuristic>)({});
    for (const [i, seed] of [100000, 100001, 7].entries()) {
      const obs = env.reset({ seed });
      assertCutStart(env, obs, state.reset({ seed }), `seed ${seed}`);
      assert.match(env.lastReset()?.found ?? "", i === 0 ? /^a fresh station/ : /^a cut strap/);
      policy.reset?.();
      const verdict = runEpisode(env, obs, (o) => policy.act(o));
      assert.equal(verdict.success, true, `seed ${seed}: ${verdict.reason}`);
      assert.ok(env.cutState().cutJoint > 0, "the episode cut the strap");
    }
    assert.equal(state.lastReset()?.mode, "state");
  } finally {
    env.close();
    state.close();
  }
});

test("zip-tie-tie procedural resets: a fresh station, then after a latched tie, end with a fresh tail held under the slot", async () => {
  await loadMujocoOnce();
  const state = new ZipTieTie();
  const env = new ZipTieTie({ reset: "procedural" });
  try {
    const policy = tieHeuristic({} as never);
    for (const [i, seed] of [100000, 100001, 3].entries()) {
      const obs = env.reset({ seed });
      const what = `seed ${seed}`;
      const s0 = state.reset({ seed });
      // ground truth: the latch open, the tip under the slot's entrance near its axis, the EE at the seed's start
      const tie = env.tieState();
      assert.equal(tie.latched, -1, what);
      const below = TIE_HEAD.entrance[2] - tie.tip[2];
      assert.ok(below > 0.005 && below < 0.025, `${what}: the tip ${below} m under the entrance`);
      assert.ok(tie.offAxis < 0.005, `${what}: the tip ${tie.offAxis} m off the slot's axis`);
      for (let k = 0; k < 3; k++) {
        assert.ok(obs[EE + k] >= TIE_STARTS[0][k] && obs[EE + k] <= TIE_STARTS[1][k], `${what}: EE axis ${k}`);
        assert.ok(Math.abs(obs[EE + k] - s0[EE + k]) < 0.002, `${what}: EE axis ${k} vs the state reset's`);
      }
      const r = env.lastReset();
      assert.ok(r?.success && r.mode === "procedural" && r.simSeconds > 0.5, JSON.stringify(r));
      assert.match(r?.found ?? "", i === 0 ? /^a fresh station/ : /^a latched tie/);
      // the hand holds the tail: moving it 3 mm down moves the tip with it
      const before = env.tieState().tip[2];
      for (let j = 0; j < 3; j++) env.step([0, 0, -1]);
      assert.ok(env.tieState().tip[2] < before - 0.002, `${what}: the tip follows the hand`);
      const verdict = runEpisode(env, env.observe(), (o) => policy.act(o));
      assert.equal(verdict.success, true, `${what}: ${verdict.reason}`);
      assert.ok(env.tieState().latched > 0, "the episode latched the tie");
    }
  } finally {
    env.close();
    state.close();
  }
});

test("each reset mode has its own spec and fingerprint, in the task files and through the registry", () => {
  assert.equal(CUT_SPEC.evaluation.resetMode, "state");
  assert.equal(cutSpec("procedural").evaluation.resetMode, "procedural");
  assert.equal(TIE_SPEC.evaluation.resetMode, "state");
  assert.equal(tieSpec("procedural").evaluation.resetMode, "procedural");
  assert.notEqual(cutEvalFingerprint("state"), cutEvalFingerprint("procedural"));
  assert.notEqual(tieEvalFingerprint("state"), tieEvalFingerprint("procedural"));
  for (const id of ["zip-tie-cut", "zip-tie-tie"]) {
    assert.notEqual(evalFingerprint(id), evalFingerprint(id, { reset: "procedural" }), id);
    assert.equal(taskSpec(id, "state", { reset: "procedural" }).evaluation.resetMode, "procedural");
  }
  assert.throws(() => new ZipTieCut({ reset: "magic" as never }), /reset must be "state" or "procedural"/);
});
