import assert from "node:assert/strict";
import { before, test } from "node:test";
import { geom } from "../mujoco/mjcf.js";
import { loadMujocoOnce } from "../mujoco/runtime.js";
import { MjScene } from "../mujoco/scene.js";
import { KITCHEN_CONTROL, kitchenModelXml } from "./kitchen-env.js";
import { mobileManipulatorMjcf, mobileManipulatorNames } from "./robot.js";

before(async () => {
  await loadMujocoOnce();
});

const N = mobileManipulatorNames();
const FLOOR = geom({ name: "floor", type: "plane", size: [0, 0, 0.05] });

test("every name the robot declares is in its model, with the cameras RoboCasa names", () => {
  const s = MjScene.fromXml(mobileManipulatorMjcf({ pos: [0, 0], yaw: 0 }));
  try {
    for (const b of N.bodies) assert.ok(s.id("body", b) >= 0, b);
    for (const j of [...N.baseJoints, N.torsoJoint, ...N.arm.joints, ...N.arm.fingerJoints]) s.id("joint", j);
    for (const a of [...N.baseActuators, N.torsoActuator, ...N.arm.actuators, N.arm.gripperActuator]) {
      s.id("actuator", a);
    }
    const cameras = Array.from({ length: s.model.ncam }, (_, i) => s.name("camera", i)).sort();
    assert.deepEqual(cameras, ["robot0_agentview_left", "robot0_agentview_right", "robot0_eye_in_hand"]);
    assert.equal(N.arm.joints.length, 7);
  } finally {
    s.dispose();
  }
});

test("the start pose is baked into the base: joints read 0 and the base faces the given heading", () => {
  const s = MjScene.fromXml(mobileManipulatorMjcf({ pos: [1, 2], yaw: Math.PI / 2 }));
  try {
    for (const j of N.baseJoints) assert.equal(s.qposView()[s.qposAdr(j)], 0);
    const p = s.bodyPos(N.baseBody);
    assert.ok(Math.abs(p[0] - 1) < 1e-12 && Math.abs(p[1] - 2) < 1e-12 && p[2] === 0, `${p}`);
    // the base's forward axis (its x, the first column) points along world +y; the arm's mount is ahead of it
    const m = s.bodyMat(N.baseBody);
    assert.ok(Math.abs(m[3] - 1) < 1e-12, `forward = (${m[0]}, ${m[3]}, ${m[6]})`);
    assert.ok(s.bodyPos(N.arm.bodies[0])[1] > 2.1, "the arm is mounted ahead of the base's centre");
  } finally {
    s.dispose();
  }
});

test("at home on a floor the robot touches nothing: not itself, not the floor", () => {
  const s = MjScene.fromXml(kitchenModelXml(mobileManipulatorMjcf({ pos: [0, 0], yaw: 0 }), FLOOR));
  try {
    const qpos = s.qposView();
    N.arm.joints.forEach((j, i) => {
      qpos[s.qposAdr(j)] = KITCHEN_CONTROL.homeArm[i];
    });
    s.forward();
    assert.deepEqual(
      s.contacts().map((c) => `${s.name("body", c.body1)}-${s.name("body", c.body2)}`),
      [],
    );
    // and a folded arm does not collide with the torso or the base (they share the robot's collision bits)
    N.arm.joints.forEach((j, i) => {
      qpos[s.qposAdr(j)] = [0, -1.5, 0, 2.8, 2, 0, 0][i];
    });
    s.forward();
    const robotOnRobot = s
      .contacts()
      .filter((c) => s.name("body", c.body1).startsWith("robot0") && s.name("body", c.body2).startsWith("robot0"));
    assert.deepEqual(robotOnRobot, []);
  } finally {
    s.dispose();
  }
});

test("the scene joins the robot's worldbody; a model without exactly one worldbody is refused", () => {
  const xml = kitchenModelXml(mobileManipulatorMjcf({ pos: [0, 0], yaw: 0 }), FLOOR);
  assert.ok(xml.indexOf('name="floor"') < xml.indexOf("</worldbody>"));
  assert.throws(() => kitchenModelXml("<mujoco/>", FLOOR), /exactly one <worldbody>/);
});
