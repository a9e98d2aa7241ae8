import assert from "node:assert/strict";
import { test } from "node:test";
import { DiffIk, rotationError, rotvecToMat } from "./ik.js";
import { armNames, stationMjcf } from "./robot.js";
import { loadMujocoOnce } from "./runtime.js";
import { MjScene } from "./scene.js";

const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1];

test("rotation vectors round-trip through matrices", () => {
  const r = [0.3, -0.2, 0.5];
  const back = rotationError(rotvecToMat(r), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(back[k] - r[k]) < 1e-12);
});

for (const joints of [6, 7] as const) {
  test(`IK puts a ${joints}-joint arm's EE within 1 mm of targets, and the servos hold it there`, async () => {
    await loadMujocoOnce();
    const arm = armNames("right", joints);
    const s = MjScene.fromXml(stationMjcf({ name: "ik", arms: [{ prefix: "right", base: [0, -0.2, 0], joints }] }));
    const ik = new DiffIk(s, arm.joints, arm.eeSite);
    try {
      const seed = joints === 7 ? [0, 0.3, 0, 1.66, 1.17, 0, 0] : [0, 0.3, 1.66, 1.17, 0, 0];
      for (const pos of [
        [0.35, -0.2, 0.1],
        [0.45, -0.1, 0.2],
        [0.3, -0.3, 0.05],
      ] as [number, number, number][]) {
        const r = ik.solve(seed, { pos, mat: DOWN }, { iterations: 200 });
        assert.ok(r.posError < 0.001, `${pos}: ${r.posError} m`);
        assert.ok(r.rotError < 0.01, `${pos}: ${r.rotError} rad`);
        // drive the simulated arm there with its servos
        const qpos = s.qposView();
        const ctrl = s.ctrlView();
        arm.joints.forEach((j, i) => {
          qpos[s.qposAdr(j)] = r.q[i];
          ctrl[s.id("actuator", arm.actuators[i])] = r.q[i];
        });
        s.forward();
        s.step(250);
        const ee = s.sitePos(arm.eeSite);
        const err = Math.hypot(ee[0] - pos[0], ee[1] - pos[1], ee[2] - pos[2]);
        assert.ok(err < 0.001, `held ${err} m off`);
      }
    } finally {
      ik.dispose();
      s.dispose();
    }
  });
}
