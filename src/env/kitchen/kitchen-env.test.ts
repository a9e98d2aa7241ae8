import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import type { TaskStepOutcome } from "../mujoco/arm-env.js";
import { body, freejoint, geom } from "../mujoco/mjcf.js";
import { GRIPPER } from "../mujoco/robot.js";
import { loadMujocoOnce } from "../mujoco/runtime.js";
import type { Vec3 } from "../mujoco/scene.js";
import {
  KITCHEN_CONTROL,
  KitchenEnv,
  kitchenActionSpace,
  kitchenObservationSpace,
  kitchenProprioNames,
} from "./kitchen-env.js";
import { mobileManipulatorMjcf } from "./robot.js";

before(async () => {
  await loadMujocoOnce();
});

const COUNTER_TOP = 0.9; // m
const COUNTER_EDGE = 0.5; // m ahead of the robot's start
const CUBE_HALF = 0.02; // m

/** A small kitchen of our own until the scene generator lands: a floor, a counter 0.5 m ahead, a cube on it. */
const SCENE = [
  geom({ name: "floor", type: "plane", size: [0, 0, 0.05], rgba: [0.6, 0.6, 0.6, 1] }),
  geom({
    name: "counter",
    type: "box",
    size: [0.3, 0.8, COUNTER_TOP / 2],
    pos: [COUNTER_EDGE + 0.3, 0, COUNTER_TOP / 2],
    rgba: [0.8, 0.75, 0.65, 1],
  }),
  body({ name: "cube", pos: [0.68, 0, COUNTER_TOP + CUBE_HALF] }, [
    freejoint("cube"),
    geom({ name: "cube_geom", type: "box", size: [CUBE_HALF, CUBE_HALF, CUBE_HALF], rgba: [0.8, 0.2, 0.2, 1] }),
  ]),
].join("\n");

/** A test task: the cube's place on the counter jitters by the seed; it never ends by itself. */
class CounterCube extends KitchenEnv {
  constructor(start: { pos: [number, number]; yaw: number } = { pos: [0, 0], yaw: 0 }) {
    super({
      spec: {
        id: "kitchen-test-cube",
        version: 0,
        description: "test scene",
        observationSpace: kitchenObservationSpace(),
        actionSpace: kitchenActionSpace(),
        maxSteps: 200,
        controlHz: KITCHEN_CONTROL.controlHz,
        evaluation: {},
      },
      robotMjcf: mobileManipulatorMjcf(start),
      sceneMjcf: SCENE,
      heldBodies: ["cube"],
    });
  }
  protected resetScene(seed: number): void {
    const rng = new RandomState(seed);
    const qpos = this.scene.qposView();
    const adr = this.scene.qposAdr("cube");
    qpos[adr] += (rng.randomSample() * 2 - 1) * 0.01;
    qpos[adr + 1] += (rng.randomSample() * 2 - 1) * 0.01;
  }
  protected afterControlStep(): TaskStepOutcome {
    return { reward: 0, terminated: false, info: {} };
  }
  verify(): Verification {
    return { success: false, score: null, reason: "a test scene has no goal", metrics: {} };
  }
  cubePos(): Vec3 {
    return this.scene.bodyPos("cube");
  }
  get = (name: string): number => this.observe()[kitchenProprioNames().indexOf(name)];
}

/** An arm-mode action moving the hand towards `goal` (world; the base faces +x) with the gripper at `grip`. */
function towards(env: CounterCube, goal: Vec3, grip: number): number[] {
  const ee = env.eeWorldPos();
  const d = [0, 1, 2].map((k) => Math.max(-1, Math.min(1, (goal[k] - ee[k]) / KITCHEN_CONTROL.maxDeltaPos)));
  return [...d, 0, 0, 0, grip, 0, 0, 0, 0, -1];
}

function drive(env: CounterCube, goal: Vec3, grip: number, steps: number): number {
  for (let i = 0; i < steps; i++) env.step(towards(env, goal, grip));
  const ee = env.eeWorldPos();
  return Math.hypot(ee[0] - goal[0], ee[1] - goal[1], ee[2] - goal[2]);
}

test("the arm reaches points on a counter 0.5 m ahead within 1 cm through delta actions, the tool held down", () => {
  const env = new CounterCube();
  try {
    env.reset({ seed: 0 });
    const down0 = env.get("ee quat x (base)"); // the home pose points the tool straight down: quat ≈ (0, ±1, 0, 0)
    for (const goal of [
      [0.62, 0.2, COUNTER_TOP + 0.03],
      [0.72, -0.15, COUNTER_TOP + 0.03],
      [0.55, 0, COUNTER_TOP + 0.1],
    ] as Vec3[]) {
      const err = drive(env, goal, -1, 40);
      assert.ok(err < 0.01, `hand ${(err * 1000).toFixed(1)} mm from ${goal}`);
    }
    assert.ok(Math.abs(Math.abs(env.get("ee quat x (base)")) - Math.abs(down0)) < 0.02, "orientation held");
  } finally {
    env.close();
  }
});

test("rotation deltas accumulate: ten steps of 0.1 rad about z turn the hand 1 rad, the tool still down", () => {
  const env = new CounterCube();
  try {
    env.reset({ seed: 0 });
    const yaw = () => {
      // the hand's heading about world z (the tool points down, so a turn about z keeps it down)
      const names = kitchenProprioNames();
      const [w, x, y, z] = ["w", "x", "y", "z"].map((c) => env.observe()[names.indexOf(`ee quat ${c} (world)`)]);
      return Math.atan2(2 * (x * y + w * z), 1 - 2 * (y * y + z * z));
    };
    const before = yaw();
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0.2, -1, 0, 0, 0, 0, -1]); // 10 × 0.1 rad about z
    const turned = Math.atan2(Math.sin(yaw() - before), Math.cos(yaw() - before));
    assert.ok(Math.abs(turned - 1) < 0.03, `turned ${turned} rad, wanted 1`);
  } finally {
    env.close();
  }
});

test("the base drives and turns in base mode, carrying the hand; arm mode leaves it where it is", () => {
  const env = new CounterCube({ pos: [-0.5, 0.3], yaw: 0.3 });
  try {
    env.reset({ seed: 0 });
    const handInBase = () => [0, 1, 2].map((k) => env.get(`ee ${"xyz"[k]} m (base)`));
    const hand0 = handInBase();
    const p0 = env.basePose();
    // back up at full speed for 1 s: about 0.5 m along the start heading (the servo lags a little)
    for (let i = 0; i < 20; i++) env.step([0, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0, 1]);
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]);
    const p1 = env.basePose();
    const along = (p1.pos[0] - p0.pos[0]) * Math.cos(0.3) + (p1.pos[1] - p0.pos[1]) * Math.sin(0.3);
    const across = -(p1.pos[0] - p0.pos[0]) * Math.sin(0.3) + (p1.pos[1] - p0.pos[1]) * Math.cos(0.3);
    assert.ok(Math.abs(along + 0.5) < 0.03, `moved ${along} m along the heading, wanted −0.5`);
    assert.ok(Math.abs(across) < 0.01, `drifted ${across} m sideways`);
    // turn left at 1 rad/s for 1 s, then stop
    for (let i = 0; i < 20; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 1]);
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]);
    const p2 = env.basePose();
    assert.ok(Math.abs(p2.yaw - p1.yaw - 1) < 0.03, `turned ${p2.yaw - p1.yaw} rad, wanted 1`);
    // then forward: the motion follows the new heading
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 0, 1]);
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]);
    const p3 = env.basePose();
    const heading = Math.atan2(p3.pos[1] - p2.pos[1], p3.pos[0] - p2.pos[0]);
    assert.ok(Math.abs(heading - p2.yaw) < 0.03, `drove towards ${heading} rad, facing ${p2.yaw}`);
    // the hand rode along: the same place in the base frame
    const hand1 = handInBase();
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(hand1[k] - hand0[k]) < 0.01, `hand moved in the base frame`);
    // arm mode ignores the base elements
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, -1]);
    const p4 = env.basePose();
    assert.ok(Math.hypot(p4.pos[0] - p3.pos[0], p4.pos[1] - p3.pos[1]) < 0.002, "base held in arm mode");
    assert.ok(Math.abs(p4.yaw - p3.yaw) < 0.002, "yaw held in arm mode");
  } finally {
    env.close();
  }
});

test("the torso lifts the arm in base mode", () => {
  const env = new CounterCube();
  try {
    env.reset({ seed: 0 });
    const z0 = env.eeWorldPos()[2];
    for (let i = 0; i < 20; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 1, 1]); // 1 s at 0.2 m/s
    for (let i = 0; i < 10; i++) env.step([0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]);
    const lift = env.get("robot0_torso_lift m");
    assert.ok(Math.abs(lift - 0.2) < 0.01, `torso at ${lift} m`);
    assert.ok(Math.abs(env.eeWorldPos()[2] - z0 - 0.2) < 0.01, "the hand rose with it");
  } finally {
    env.close();
  }
});

test("the gripper closes on a cube with the force limit and lifts it off the counter", () => {
  const env = new CounterCube();
  try {
    env.reset({ seed: 3 });
    const cube = env.cubePos();
    assert.ok(drive(env, [cube[0], cube[1], cube[2] + 0.1], -1, 40) < 0.01, "above the cube");
    assert.ok(drive(env, [cube[0], cube[1], cube[2] + 0.005], -1, 30) < 0.01, "around the cube");
    for (let i = 0; i < 15; i++) env.step([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1]);
    const width = env.get("gripper width m");
    const force = env.get("gripper force N");
    assert.ok(Math.abs(width - 2 * CUBE_HALF) < 0.004, `gripper width ${width} m on a ${2 * CUBE_HALF} m cube`);
    assert.ok(Math.abs(force - GRIPPER.forceLimit) < 0.5, `grip force ${force} N, limit ${GRIPPER.forceLimit} N`);
    drive(env, [cube[0], cube[1], cube[2] + 0.1], 1, 30);
    const lifted = env.cubePos();
    assert.ok(lifted[2] - cube[2] > 0.08, `cube lifted ${lifted[2] - cube[2]} m`);
  } finally {
    env.close();
  }
});

test("the robot's three cameras render 256 px frames that see the counter", () => {
  const env = new CounterCube();
  try {
    env.reset({ seed: 0 });
    const names = env.cameraNames();
    assert.deepEqual(names.slice(0, 3), ["robot0_agentview_left", "robot0_agentview_right", "robot0_eye_in_hand"]);
    // point the hand at the counter so the wrist camera sees it
    drive(env, [0.65, 0, COUNTER_TOP + 0.15], -1, 20);
    for (const camera of names.slice(0, 3)) {
      const frame = env.cameraFrame(camera, 256, { segmentation: true });
      assert.equal(frame.rgb?.length, 256 * 256 * 3, camera);
      const seen = new Set(frame.segmentation);
      const counter = env.sceneGeometry().geoms.find((g) => g.name === "counter")?.id;
      assert.ok(counter !== undefined && seen.has(counter), `${camera} sees the counter`);
    }
    assert.deepEqual(env.render(64), env.renderCamera("robot0_agentview_left", 64));
  } finally {
    env.close();
  }
});

test("same seed, same actions: the same qpos; actions are checked", () => {
  const rng = new RandomState(11);
  const actions = Array.from({ length: 30 }, (_, i) =>
    Array.from({ length: 12 }, (_, k) => (k === 11 ? (i < 15 ? -1 : 1) : rng.randomSample() * 2 - 1)),
  );
  const run = () => {
    const env = new CounterCube();
    try {
      env.reset({ seed: 5 });
      for (const a of actions) env.step(a);
      return Array.from(env.observe());
    } finally {
      env.close();
    }
  };
  assert.deepEqual(run(), run());
  const env = new CounterCube();
  try {
    env.reset({ seed: 1 });
    assert.throws(() => env.step([0, 0, 0]), InvalidInputError);
    assert.throws(() => env.step(Array(12).fill(Number.NaN)), InvalidInputError);
    assert.equal(env.observe().length, kitchenProprioNames().length);
  } finally {
    env.close();
  }
});

// Speed is measured by `npm run bench:mujoco -- --tasks kitchen-…` (a benchmark, not a timed test).

/** A task whose kitchen follows the seed: odd seeds put the counter 10 cm lower. */
class TwoKitchens extends CounterCube {
  protected override modelFor(seed: number): { robotMjcf: string; sceneMjcf: string } {
    const lower = seed % 2 === 1 ? SCENE.replaceAll(`${COUNTER_TOP / 2}`, `${(COUNTER_TOP - 0.1) / 2}`) : SCENE;
    return { robotMjcf: mobileManipulatorMjcf({ pos: [0, 0], yaw: 0 }), sceneMjcf: lower };
  }
}

test("a task can change the kitchen with the seed: reset rebuilds it, and a seed always gives the same start", () => {
  const env = new TwoKitchens();
  try {
    const counterHeight = () => {
      const g = env.sceneGeometry().geoms.find((x) => x.name === "counter");
      return 2 * (g?.size[2] ?? 0);
    };
    const first = env.reset({ seed: 0 });
    assert.ok(Math.abs(counterHeight() - COUNTER_TOP) < 1e-9);
    env.reset({ seed: 1 });
    assert.ok(Math.abs(counterHeight() - (COUNTER_TOP - 0.1)) < 1e-9, `counter ${counterHeight()} m high`);
    for (let i = 0; i < 5; i++) env.step([0, 0, -1, 0, 0, 0, -1, 0, 0, 0, 0, -1]);
    assert.deepEqual(env.reset({ seed: 0 }), first);
  } finally {
    env.close();
  }
});
