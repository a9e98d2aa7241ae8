import assert from "node:assert/strict";
import { test } from "node:test";
import { ResetFailedError } from "../../../core/errors.js";
import { loadMujocoOnce } from "../../mujoco/runtime.js";
import { PIN_BOX } from "./pin-box.js";
import { PIN_SPECS, PinInsertion, pinEvalFingerprint, pinSpec } from "./pin-insertion.js";

/** A pin env whose test set-up can let go of the pin or put it somewhere (as a person or an accident would). */
class TestPin extends PinInsertion {
  /** Opens the gripper and lets the physics run: the pin falls wherever it falls. */
  drop(): void {
    const ctrl = this.scene.ctrlView();
    ctrl[this.scene.id("actuator", "right_gripper")] = 0.03;
    this.scene.step(600);
  }
  /** Opens the gripper and moves the pin to (x, y) on the table, lying. */
  knockTo(x: number, y: number): void {
    this.scene.ctrlView()[this.scene.id("actuator", "right_gripper")] = 0.03;
    this.scene.step(100);
    const adr = this.scene.qposAdr("pin_free");
    this.scene.qposView().set([x, y, 0.006, Math.SQRT1_2, 0, Math.SQRT1_2, 0], adr);
    this.scene.forward();
    this.scene.step(300);
  }
}

/** The hardest-phase start: the EE at the seed's hover (within the jitter ranges), the pin held upright over the hole. */
function assertValidStart(env: PinInsertion, obs: number[], what: string): void {
  const [x, y, z] = obs.slice(6, 9);
  const nominalZ = 0.02 + 0.01 + 0.03 + 0.01; // box top + hover tip height + shaft + head half
  assert.ok(
    Math.abs(x - PIN_BOX.target[0]) < 0.0035 && Math.abs(y - PIN_BOX.target[1]) < 0.0035,
    `${what}: EE x, y ${x}, ${y}`,
  );
  assert.ok(z > nominalZ - 0.0065 && z < nominalZ - 0.0025, `${what}: EE z ${z}`);
  assert.ok(obs[14] > 10, `${what}: grip force ${obs[14]} N`);
  const pin = env.pinState();
  assert.ok(pin.tipAboveSeat > 0.016 && pin.tipAboveSeat < 0.028, `${what}: tip ${pin.tipAboveSeat} m above the seat`);
  assert.ok(pin.offAxis < 0.006, `${what}: tip ${pin.offAxis} m off the axis`);
  const r = env.lastReset();
  assert.ok(r?.success && r.mode === "procedural" && r.attempts >= 1 && r.simSeconds > 0.5, JSON.stringify(r));
}

test("procedural resets: a fresh env, after a seated episode, and after the pin was dropped all end hovering", async () => {
  await loadMujocoOnce();
  const env = new TestPin("pin-insertion-easy", { reset: "procedural" });
  try {
    // (c) fresh: the pin lies on the table; the arm finds it on pixels, regrasps it in the stand, hovers
    assertValidStart(env, env.reset({ seed: 1 }), "fresh");
    assert.match(env.lastReset()?.found ?? "", /^fresh scene \(lying\)/);
    // (a) a successful episode: straight down seats it at 3 mm clearance; the reset pulls it out of the hole
    let seated = false;
    for (let i = 0; i < 80 && !seated; i++) seated = env.step([0, 0, -1]).terminated;
    assert.equal(env.verify().success, true);
    assertValidStart(env, env.reset({ seed: 2 }), "after success");
    assert.equal(env.lastReset()?.found, "held");
    // (b) dropped: the pin falls from the hover onto the box or the table
    env.drop();
    assertValidStart(env, env.reset({ seed: 3 }), "after a drop");
    assert.match(env.lastReset()?.found ?? "", /^(lying|standing)$/);
  } finally {
    env.close();
  }
});

test("a pin out of the station's reach fails the reset with a sentence saying why", async () => {
  await loadMujocoOnce();
  const env = new TestPin("pin-insertion", { reset: "procedural" });
  try {
    env.reset({ seed: 0 });
    env.knockTo(0.75, -0.1);
    assert.throws(
      () => env.reset({ seed: 1 }),
      (err: unknown) =>
        err instanceof ResetFailedError &&
        /procedural reset failed after 3 attempts: the top camera does not see the pin/.test(err.message),
    );
    const r = env.lastReset();
    assert.equal(r?.success, false);
    assert.equal(r?.attempts, 3);
  } finally {
    env.close();
  }
});

test("the reset mode is part of the evaluation side; state stays the default", () => {
  assert.equal(PIN_SPECS["pin-insertion"].evaluation.resetMode, "state");
  assert.equal(pinSpec("pin-insertion", "procedural").evaluation.resetMode, "procedural");
  assert.notEqual(pinEvalFingerprint("pin-insertion", "state"), pinEvalFingerprint("pin-insertion", "procedural"));
  assert.equal(pinEvalFingerprint("pin-insertion"), pinEvalFingerprint("pin-insertion", "state"));
  assert.throws(() => new PinInsertion("pin-insertion", { reset: "magic" as "state" }), /reset must be "state" or/);
});
