import assert from "node:assert/strict";
import { test } from "node:test";
import { ResetFailedError } from "../../../core/errors.js";
import { loadMujocoOnce } from "../../mujoco/runtime.js";
import { GPU_SPEC, GpuInsertion, gpuEvalFingerprint, gpuSpec } from "./gpu-insertion.js";

/** A gpu env whose test set-up can lay the card flat on the table (as an accident would). */
class TestGpu extends GpuInsertion {
  layFlat(): void {
    this.scene.ctrlView()[this.scene.id("actuator", "left_gripper")] = 0.03;
    this.scene.step(100);
    const adr = this.scene.qposAdr("card_free");
    this.scene.qposView().set([0.3, 0.32, 0.002, Math.SQRT1_2, Math.SQRT1_2, 0, 0], adr);
    this.scene.forward();
    this.scene.step(300);
  }
}

/** The hardest-phase start: the EE over this episode's slot within the jitter, the card held upright above it. */
function assertValidStart(env: GpuInsertion, obs: number[], what: string): void {
  const [sx, sy] = env.slotCentre();
  assert.ok(Math.abs(obs[6] - sx) < 0.0045 && Math.abs(obs[7] - sy) < 0.0045, `${what}: EE ${obs[6]}, ${obs[7]}`);
  assert.ok(obs[14] > 10, `${what}: grip force ${obs[14]} N`);
  const card = env.cardState();
  for (const h of card.edgeAboveFloor) assert.ok(h > 0.009 && h < 0.022, `${what}: edge ${h} m above the floor`);
  assert.ok(card.tiltDeg < 4 && Math.abs(card.across) < 0.005, `${what}: ${JSON.stringify(card)}`);
  const r = env.lastReset();
  assert.ok(r?.success && r.mode === "procedural" && r.simSeconds > 0.5, JSON.stringify(r));
}

test("gpu procedural resets: a fresh env and a finished episode end hovering over the episode's slot; a flat card fails", async () => {
  await loadMujocoOnce();
  const env = new TestGpu({ reset: "procedural" });
  try {
    assertValidStart(env, env.reset({ seed: 0 }), "fresh");
    assert.equal(env.lastReset()?.found, "fresh scene (standing)");
    // seat the card (the test knows the slot: privileged), then the reset unplugs it and moves to the next slot
    const clip = (v: number) => Math.max(-1, Math.min(1, v));
    let obs = env.observe();
    for (let i = 0; i < 200; i++) {
      const [sx, sy] = env.slotCentre();
      const there = Math.hypot(sx - obs[6], sy - obs[7]) < 0.0002 || i > 40;
      const r = env.step([clip((sx - obs[6]) / 0.00025), clip((sy - obs[7]) / 0.00025), there ? -1 : 0]);
      obs = r.observation;
      if (r.terminated) break;
    }
    assert.equal(env.verify().success, true, env.verify().reason ?? "");
    const before = env.slotCentre();
    assertValidStart(env, env.reset({ seed: 1 }), "after success");
    assert.equal(env.lastReset()?.found, "held");
    assert.notDeepEqual(env.slotCentre(), before);
    env.layFlat();
    assert.throws(
      () => env.reset({ seed: 2 }),
      (err: unknown) => err instanceof ResetFailedError && /the card lies flat at .* a person must/.test(err.message),
    );
  } finally {
    env.close();
  }
});

test("gpu: the reset mode is part of the evaluation side", () => {
  assert.equal(GPU_SPEC.evaluation.resetMode, "state");
  assert.equal(gpuSpec("procedural").evaluation.resetMode, "procedural");
  assert.notEqual(gpuEvalFingerprint("state"), gpuEvalFingerprint("procedural"));
});
