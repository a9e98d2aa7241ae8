import assert from "node:assert/strict";
import { test } from "node:test";
import { ResetFailedError } from "../../../core/errors.js";
import { armNames, stationMjcf } from "../robot.js";
import { loadMujocoOnce } from "../runtime.js";
import { MjScene } from "../scene.js";
import { ArmMotion, StepBudget } from "./motion.js";
import { runProcedure } from "./procedure.js";

const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1];

test("ArmMotion moves the EE along a line with the servos, and refuses a goal out of reach with ResetFailedError", async () => {
  await loadMujocoOnce();
  const scene = MjScene.fromXml(stationMjcf({ name: "m", arms: [{ prefix: "right", base: [0, 0, 0] }] }));
  const motion = new ArmMotion(scene, armNames("right"));
  try {
    const budget = new StepBudget(20000, "test reset");
    const err = motion.moveTo({ pos: [0.35, 0, 0.15], mat: DOWN }, budget);
    assert.ok(err < 0.002, `EE ${err} m from the goal`);
    const before = budget.used;
    motion.moveBy([0, 0.05, 0], budget);
    assert.ok(budget.used - before >= 0.05 / 0.2 / 0.002, "a 5 cm move at 0.2 m/s takes at least 0.25 s of physics");
    assert.ok(Math.abs(motion.ee().pos[1] - 0.05) < 0.002);
    assert.throws(
      () => motion.moveTo({ pos: [1.5, 0, 0.1], mat: DOWN }, budget, { label: "reaching far" }),
      (e: unknown) =>
        e instanceof ResetFailedError &&
        /right arm cannot reach \(1500\.0, 0\.0, 100\.0\) mm while reaching far/.test(e.message),
    );
    const tight = new StepBudget(50, "tight reset");
    assert.throws(() => motion.moveBy([0, -0.05, 0], tight), /tight reset: ran out of its 50-step budget/);
  } finally {
    motion.dispose();
    scene.dispose();
  }
});

test("runProcedure retries failed tries and records them; other errors propagate", () => {
  let calls = 0;
  const ok = runProcedure({ what: "r", attempts: 3, budgetSteps: 10, timestep: 0.002 }, (budget) => {
    calls++;
    budget.charge(5, "x");
    if (calls < 2) throw new ResetFailedError("slipped");
    return "held";
  });
  assert.equal(ok.error, null);
  assert.equal(ok.record.attempts, 2);
  assert.equal(ok.record.simSeconds, 0.02);
  assert.deepEqual(ok.record.retries, ["slipped"]);
  const bad = runProcedure({ what: "r", attempts: 2, budgetSteps: 10, timestep: 0.002 }, () => {
    throw new ResetFailedError("no pin");
  });
  assert.equal(bad.record.success, false);
  assert.match(bad.error?.message ?? "", /^r failed after 2 attempts: no pin$/);
  assert.throws(
    () =>
      runProcedure({ what: "r", attempts: 2, budgetSteps: 10, timestep: 0.002 }, () => {
        throw new TypeError("bug");
      }),
    TypeError,
  );
});
