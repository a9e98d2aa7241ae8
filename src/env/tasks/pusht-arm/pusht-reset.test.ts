import assert from "node:assert/strict";
import { test } from "node:test";
import { ResetFailedError } from "../../../core/errors.js";
import { RandomState } from "../../../core/rng.js";
import { evalFingerprint, makeEnv, prepareTask, taskSpec } from "../../registry.js";
import { angleDiff } from "./pixel-verifier.js";
import { PUSHT_ARM, PUSHT_ARM_SPEC, PushTArm, pushtArmEvalFingerprint, pushtArmSpec } from "./pusht-arm.js";
import { PUSHT_RESET } from "./pusht-reset.js";

/** A pusht-arm env whose test set-up can tip the T onto its side (as an accident would). */
class TestPushT extends PushTArm {
  tipOver(): void {
    const adr = this.scene.qposAdr("t_free");
    // 90° about world x: the stem points up, the T stands on its bar's outer face
    this.scene.qposView().set([0.37, 0.05, 0.0543, Math.SQRT1_2, Math.SQRT1_2, 0, 0], adr);
    this.scene.forward();
    this.scene.step(300);
  }
}

/** The T (simulator ground truth) within the reset's tolerance of the seed's start; the pusher at its start. */
function assertPlaced(env: PushTArm, obs: number[], what: string): void {
  const { pose, tilt } = env.tPose();
  const start = env.episode.tStart;
  const posErr = Math.hypot(pose[0] - start[0], pose[1] - start[1]);
  const angErr = (Math.abs(angleDiff(pose[2], start[2])) * 180) / Math.PI;
  assert.ok(posErr <= PUSHT_RESET.tolerance.pos, `${what}: the T ${(posErr * 1000).toFixed(1)} mm from its start`);
  assert.ok(angErr <= PUSHT_RESET.tolerance.angleDeg, `${what}: the T ${angErr.toFixed(1)}° from its start`);
  assert.ok(tilt < 0.05, `${what}: the T lies flat`);
  const ee = obs.slice(6, 9);
  const want = env.episode.eeStart;
  assert.ok(Math.hypot(ee[0] - want[0], ee[1] - want[1]) < 0.003, `${what}: EE at ${ee} not at its start ${want}`);
  assert.ok(Math.abs(ee[2] - PUSHT_ARM.pusherZ) < 0.002, `${what}: EE z ${ee[2]}`);
  // the observation's T is the simulator's
  assert.ok(Math.abs(obs[21] - pose[0]) < 1e-9 && Math.abs(obs[23] - pose[2]) < 1e-9);
  const r = env.lastReset();
  assert.ok(r?.success && r.mode === "procedural" && r.attempts >= 1 && r.simSeconds > 3, JSON.stringify(r));
}

test("procedural resets: a fresh env's, then one after an episode that pushed the T away, end at the seed's start", async () => {
  await prepareTask("pusht-arm");
  const env = new PushTArm({ reset: "procedural" });
  try {
    assertPlaced(env, env.reset({ seed: 3 }), "fresh");
    assert.match(env.lastReset()?.found ?? "", /^fresh scene \(the T \d+ mm, \d+° off; \d+ push(es)?\)$/);
    // an episode: drive the pusher into the T for a while, then a few random actions (seeded), then the verdict
    const rs = new RandomState(7);
    const from = env.tPose().pose;
    for (let i = 0; i < 15; i++) {
      const ee = env.robotState().eePosition;
      const t = env.tPose().pose;
      env.step([(t[0] - ee[0]) / 0.03, (t[1] - ee[1]) / 0.03, 0]);
    }
    for (let i = 0; i < 10; i++) env.step([2 * rs.randomSample() - 1, 2 * rs.randomSample() - 1, 0]);
    env.verify(); // the arm leaves the view for the verdict, as the runner does it
    const moved = env.tPose().pose;
    assert.ok(Math.hypot(moved[0] - from[0], moved[1] - from[1]) > 0.02, "the episode pushed the T away");
    const obs = env.reset({ seed: 4 });
    assertPlaced(env, obs, "after an episode");
    assert.doesNotMatch(env.lastReset()?.found ?? "", /fresh/);
    // the episode goes on from there as after a state reset
    assert.equal(env.step([1, 0, 0]).terminated, false);
  } finally {
    env.close();
  }
});

test("a T out of the pusher's reach, or on its side, fails the reset with a sentence saying why", async () => {
  await prepareTask("pusht-arm");
  const env = new TestPushT({ reset: "procedural" });
  try {
    env.reset({ seed: 0 });
    env.placeT([0.6, 0, Math.PI / 2]); // beyond the workspace: the pusher cannot get behind it
    assert.throws(
      () => env.reset({ seed: 1 }),
      (err: unknown) =>
        err instanceof ResetFailedError &&
        /^pusht-arm procedural reset failed after 3 attempts: the T lies out of the pusher's reach at \(60\d, 0\) mm/.test(
          err.message,
        ),
    );
    const r = env.lastReset();
    assert.equal(r?.success, false);
    assert.equal(r?.attempts, 3);
    // the reset looked with the arm out of the top camera's view
    assert.equal(env.armPixelsInView(PUSHT_RESET.frameSize), 0);
    env.tipOver();
    assert.throws(
      () => env.reset({ seed: 1 }),
      (err: unknown) => err instanceof ResetFailedError && /the top camera sees no red T|no flat T/.test(err.message),
    );
  } finally {
    env.close();
  }
});

test("the reset mode is part of the evaluation side; state stays the default; the seeds are declared", () => {
  assert.equal(PUSHT_ARM_SPEC.evaluation.resetMode, "state");
  assert.equal(pushtArmSpec("procedural").evaluation.resetMode, "procedural");
  assert.notEqual(pushtArmEvalFingerprint("state"), pushtArmEvalFingerprint("procedural"));
  assert.equal(pushtArmEvalFingerprint(), pushtArmEvalFingerprint("state"));
  assert.notEqual(evalFingerprint("pusht-arm"), evalFingerprint("pusht-arm", { reset: "procedural" }));
  assert.equal(taskSpec("pusht-arm", undefined, { reset: "procedural" }).evaluation.resetMode, "procedural");
  assert.deepEqual(PUSHT_ARM_SPEC.evaluation.seeds, {
    heldOut: { start: 100000, count: 50 },
    search: { start: 0, end: 99999 },
  });
  assert.throws(() => new PushTArm({ reset: "magic" as "state" }), /reset must be "state" or/);
  assert.throws(() => makeEnv("pusht-arm", { reset: "magic" as "state" }), /no reset mode "magic"/);
});
