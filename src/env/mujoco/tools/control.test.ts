/**
 * Grasp sampling on a pin lying on the table, and the control tools in a real env loop: moveLinear converges and
 * keeps to a straight line, state() describes the action space, nudge and goHome, the locked gripper is explained.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PinInsertion } from "../../tasks/pin-insertion/pin-insertion.js";
import type { ArmEnv } from "../arm-env.js";
import { loadMujocoOnce } from "../runtime.js";
import { goHomeIn, gripperIn, moveLinearIn, nudgeIn, stateIn } from "./control.js";
import { sampleGraspsIn } from "./grasps.js";

let env: ArmEnv;
before(async () => {
  await loadMujocoOnce();
  env = new PinInsertion("pin-insertion-easy");
});
after(() => env.close());

test("grasps of a lying pin close across it, at its place, reachable and narrow", () => {
  for (const yawDeg of [0, 45, -60]) {
    env.reset({ seed: 2 });
    const { scene } = env.toolView();
    const yaw = (yawDeg * Math.PI) / 180;
    // pin along −x turned by yaw: quarter turn about y, then yaw about z (test only: the tools never do this)
    const qy = [Math.SQRT1_2, 0, Math.SQRT1_2, 0];
    const c = Math.cos(yaw / 2);
    const s = Math.sin(yaw / 2);
    const quat = [c * qy[0], -s * qy[2], c * qy[2], s * qy[0]];
    scene.qposView().set([0.4, 0.05, 0.0055, ...quat], scene.qposAdr("pin_free"));
    scene.forward();
    const grasps = sampleGraspsIn(env, { query: "nail", camera: "top", size: 256, k: 3 });
    assert.ok(grasps.length >= 1);
    const g = grasps[0];
    // the pin's axis runs along (cos yaw, sin yaw); the fingers close along the hand's y = (−sin ψ, cos ψ)
    const psi = (g.rpy[2] * Math.PI) / 180;
    const across = Math.abs(-Math.sin(psi) * Math.cos(yaw) + Math.cos(psi) * Math.sin(yaw));
    assert.ok(across < Math.sin((10 * Math.PI) / 180), `yaw ${g.rpy[2]}° closes across a pin at ${yawDeg}°`);
    assert.deepEqual(g.rpy.slice(0, 2), [0, 180]);
    assert.ok(g.width > 0.002 && g.width < 0.02, `width ${g.width} m`);
    const o = scene.bodyPos("pin");
    const tip = scene.sitePos("pin_tip");
    const mid = [(o[0] + tip[0]) / 2, (o[1] + tip[1]) / 2];
    assert.ok(Math.hypot(g.pos[0] - mid[0], g.pos[1] - mid[1]) < 0.03, "on the pin");
    assert.ok(g.pos[2] >= 0.014 - 1e-9 && g.pos[2] < 0.03, `height ${g.pos[2]} keeps the pads off the table`);
    assert.equal(g.reachable, true);
    assert.ok(
      grasps.every((x, i) => i === 0 || x.score <= grasps[i - 1].score),
      "ranked",
    );
  }
});

test("state() reads the robot and describes how an action moves it", () => {
  env.reset({ seed: 0 });
  const s = stateIn(env);
  assert.equal(s.jointPositions.length, 6);
  assert.equal(s.action.mode, "delta-ee");
  assert.deepEqual(s.action.scalePerUnitM, [0.0003, 0.0003, 0.0006]);
  assert.equal(s.action.gripper, "locked-closed");
  assert.equal(s.action.gripperIndex, null);
  assert.ok(s.gripperForceN > 5, "the pin is gripped");
  assert.equal(s.gripperWidthM, env.observe()[13], "the observation's gripper width");
  assert.ok(Math.abs(Math.abs(s.eeRpy[0]) - 180) < 2 && Math.abs(s.eeRpy[1]) < 2, `tool down: rpy ${s.eeRpy}`);
  const g = gripperIn(env, { close: false });
  assert.equal(g.ok, false);
  assert.match(g.reason ?? "", /locked-closed/);
  assert.deepEqual(g.action, [0, 0, 0]);
});

test("moveLinear converges in an env loop along a straight line; nudge and goHome", () => {
  env.reset({ seed: 0 });
  const start = stateIn(env).eePos;
  const from = stateIn(env).eeTargetPos; // the commanded target, which the actions move
  const goal = [start[0] + 0.006, start[1] - 0.005, start[2] - 0.003];
  let m = moveLinearIn(env, { pos: goal });
  let steps = 0;
  let worst = 0;
  for (; steps < 80 && !m.arrived; steps++) {
    assert.ok(
      m.action.every((v) => Math.abs(v) <= 1 + 1e-9),
      "actions stay in [−1, 1]",
    );
    env.step(m.action);
    const p = stateIn(env).eeTargetPos;
    // distance of the commanded target from the start–goal line
    const d = [goal[0] - from[0], goal[1] - from[1], goal[2] - from[2]];
    const len = Math.hypot(...d);
    const t = ((p[0] - from[0]) * d[0] + (p[1] - from[1]) * d[1] + (p[2] - from[2]) * d[2]) / len ** 2;
    worst = Math.max(worst, Math.hypot(...[0, 1, 2].map((k) => p[k] - from[k] - t * d[k])));
    m = moveLinearIn(env, { pos: goal });
  }
  assert.ok(m.arrived, `arrived after ${steps} steps, ${m.distance} m left`);
  assert.ok(steps >= 15 && steps <= 40, `at 0.3 mm/step (x) it takes about 20 steps, took ${steps}`);
  assert.ok(worst < 1e-5, `the target kept to the line (${worst} m off)`);
  const n = nudgeIn(env, { dx: 0.0001 });
  assert.ok(Math.abs(n.action[0] - 1 / 3) < 1e-9 && n.action[1] === 0 && n.action[2] === 0);
  let h = goHomeIn(env);
  for (let i = 0; i < 60 && !h.arrived; i++) {
    env.step(h.action);
    h = goHomeIn(env);
  }
  assert.ok(h.arrived, "back at the pose after the reset");
  assert.ok(Math.hypot(...stateIn(env).eePos.map((v, k) => v - start[k])) < 0.001);
});
