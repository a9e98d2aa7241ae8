/**
 * The kitchen tool set on real kitchen tasks: every function described, perception that finds the stove's knobs
 * on pixels within a few cm of where they are (the test reads the truth from the model's sites;
 * the tools never do), moveEef converging on a point in front of the counter in a closed loop, and clear errors.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ToolHost } from "../../../core/tools.js";
import type { MjScene } from "../../mujoco/scene.js";
import { makeEnv, prepareTask } from "../../registry.js";
import type { KitchenTask } from "../kitchen-tasks.js";
import { KITCHEN_TOOLS_DESCRIBE, kitchenTools } from "./kitchen-tools.js";

type Fn = (...a: unknown[]) => unknown;
let stove: KitchenTask;
let drawer: KitchenTask;

before(async () => {
  await prepareTask("kitchen-turn-off-stove");
  stove = makeEnv("kitchen-turn-off-stove") as unknown as KitchenTask;
  drawer = makeEnv("kitchen-open-drawer") as unknown as KitchenTask;
});
after(() => {
  stove?.close();
  drawer?.close();
});

function toolsOn(env: KitchenTask): Record<string, Fn> {
  const host: ToolHost = { observation: () => undefined, step: () => 0, env: () => env };
  return kitchenTools(host).functions as unknown as Record<string, Fn>;
}
const sceneOf = (env: KitchenTask) => (env as unknown as { scene: MjScene }).scene;
type Seen = { detections: { centroidWorldXyz: number[] | null; maskArea: number }[] };

test("every kitchen tool is described in one line", () => {
  const set = kitchenTools({ observation: () => undefined, step: () => 0 });
  assert.equal(set.namespace, "kitchen");
  const names = Object.keys(set.functions).sort();
  assert.deepEqual(Object.keys(set.describe).sort(), names);
  for (const n of names) assert.ok(!set.describe[n].includes("\n") && set.describe[n].startsWith(`${n}(`), n);
  for (const n of ["state", "taskDescription", "cameras", "image", "segmentAll", "moveEef", "moveBase", "gripper"])
    assert.ok(n in KITCHEN_TOOLS_DESCRIBE, n);
  assert.throws(() => (set.functions.state as Fn)(), /no station env/);
});

test("segmentAll finds the stove's four knobs within a few cm of where they are", () => {
  stove.reset({ seed: 0 });
  const t = toolsOn(stove);
  const r = t.segmentAll({ query: "knob", size: 256, filters: [{ metric: "area", op: "<=", value: 400 }] }) as Seen;
  const s = sceneOf(stove);
  const truth = stove.episodeKitchen.fixtures
    .find((f) => f.kind === "stove")
    ?.joints.map((j) => s.sitePos(j)) as number[][];
  assert.equal(truth.length, 4);
  for (const k of truth) {
    const near = r.detections
      .filter((d) => d.centroidWorldXyz)
      .map((d) => Math.hypot(...(d.centroidWorldXyz as number[]).map((v, i) => v - k[i])));
    assert.ok(
      Math.min(...near) < 0.03,
      `a knob at ${k.map((v) => v.toFixed(3))}: nearest detection ${Math.min(...near)} m`,
    );
  }
});

test("an unknown query's error lists the kitchen's words", () => {
  stove.reset({ seed: 1 });
  assert.throws(() => toolsOn(stove).segmentAll({ query: "banana" }), /does not know "banana".*knob/);
  assert.throws(() => toolsOn(stove).segmentAll({ query: "knob", camera: "ceiling" }), /no camera "ceiling"/);
});

test("state, taskDescription, cameras and image answer plain data without poses of things", () => {
  stove.reset({ seed: 2 });
  const t = toolsOn(stove);
  const st = t.state() as { jointPositions: number[]; eePos: number[]; eeRpyBase: number[]; base: { yawDeg: number } };
  assert.equal(st.jointPositions.length, 7);
  assert.ok(
    Math.abs(Math.abs(st.eeRpyBase[1]) - 180) < 1 || Math.abs(st.eeRpyBase[0]) > 170,
    `tool down ${st.eeRpyBase}`,
  );
  const d = t.taskDescription() as { description: string; fixtures: { joints: string[] }[]; words: string[] };
  assert.match(d.description, /burner/);
  assert.ok(d.words.includes("knob") && d.words.includes("handle"));
  assert.ok(!JSON.stringify(d).includes("pos"), "no positions in the description");
  assert.deepEqual(t.cameras(), ["robot0_agentview_left", "robot0_agentview_right", "robot0_eye_in_hand"]);
  const im = t.image({ size: 32, depth: true }) as { rgb: Uint8Array; depth: Float32Array; intrinsics: { fx: number } };
  assert.equal(im.rgb.length, 32 * 32 * 3);
  assert.equal(im.depth.length, 32 * 32);
  assert.ok(im.intrinsics.fx > 0);
});

test("moveEef converges on a point in front of the counter; gripper, nudge, goHome and moveBase answer actions", () => {
  drawer.reset({ seed: 0 });
  const t = toolsOn(drawer);
  const st = t.state() as { eePos: number[]; base: { x: number; y: number; yawDeg: number } };
  // 5 cm towards the counter (the base faces it), 0.35 m lower: in front of the drawer fronts, below the top
  const yaw = (st.base.yawDeg * Math.PI) / 180;
  const goal = [st.eePos[0] + 0.05 * Math.cos(yaw), st.eePos[1] + 0.05 * Math.sin(yaw), st.eePos[2] - 0.35];
  let m = t.moveEef({ pos: goal }) as { action: number[]; arrived: boolean; distance: number };
  const start = m.distance;
  let steps = 0;
  for (; steps < 60 && !m.arrived; steps++) {
    assert.equal(m.action.length, 12);
    assert.ok(m.action[11] < 0, "arm mode");
    drawer.step(m.action);
    m = t.moveEef({ pos: goal }) as typeof m;
  }
  assert.ok(m.arrived, `arrived within 60 steps: ${m.distance} m left of ${start}`);
  assert.ok(steps >= 20, `it moved at most 0.015 m per step: ${steps} steps for 0.35 m`);
  const g = t.gripper({ close: true }) as { action: number[] };
  assert.equal(g.action[6], 1);
  for (let i = 0; i < 10; i++) drawer.step(g.action);
  assert.equal((t.nudge({ dz: 0.2 }) as { action: number[] }).action[6], 1, "the gripper stays closed");
  assert.ok(Math.abs((t.nudge({ dz: 0.2 }) as { action: number[] }).action[2] - 1) < 1e-9, "clipped to one step up");
  let h = t.goHome() as { action: number[]; arrived: boolean };
  for (let i = 0; i < 60 && !h.arrived; i++) {
    drawer.step(h.action);
    h = t.goHome() as typeof h;
  }
  assert.ok(h.arrived, "back home");
  const b0 = t.state() as typeof st;
  let mb = t.moveBase({ x: b0.base.x - 0.1 * Math.cos(yaw), y: b0.base.y - 0.1 * Math.sin(yaw), yaw: b0.base.yawDeg });
  for (let i = 0; i < 40 && !(mb as { arrived: boolean }).arrived; i++) {
    drawer.step((mb as { action: number[] }).action);
    mb = t.moveBase({ x: b0.base.x - 0.1 * Math.cos(yaw), y: b0.base.y - 0.1 * Math.sin(yaw), yaw: b0.base.yawDeg });
  }
  assert.ok((mb as { arrived: boolean }).arrived, `the base backed off 0.1 m: ${JSON.stringify(mb)}`);
  const slow = t.moveBase({ x: b0.base.x, y: b0.base.y, yaw: b0.base.yawDeg, maxSpeed: 0.1 }) as { action: number[] };
  assert.ok(Math.hypot(slow.action[7], slow.action[8]) <= 0.2 + 1e-9, "0.1 m/s is a fifth of the base's top speed");
  assert.ok(Math.hypot(slow.action[7], slow.action[8]) > 0.19, "and it goes at that speed while far off");
  assert.throws(() => t.moveBase({ x: 0, y: 0, yaw: 0, maxSpeed: 2 }), /maxSpeed must be in/);
  assert.throws(() => t.moveEef({ pos: [1, 2] }), /pos/);
});

test("moveEef paces the hand (≤ 0.015 m, ≤ 0.08 rad per step) and tips the tool without drift", () => {
  drawer.reset({ seed: 3 });
  const t = toolsOn(drawer);
  type M = { action: number[]; arrived: boolean; distance: number };
  const b0 = t.state() as { eePos: number[]; base: { x: number; y: number; yawDeg: number } };
  const yaw = (b0.base.yawDeg * Math.PI) / 180;
  // the base backs off 0.2 m (pointing forward needs the hand ≥ 0.35 m ahead of the shoulder at this height)
  const back = { x: b0.base.x - 0.2 * Math.cos(yaw), y: b0.base.y - 0.2 * Math.sin(yaw), yaw: b0.base.yawDeg };
  let mb = t.moveBase(back) as M;
  for (let i = 0; i < 60 && !mb.arrived; i++) {
    drawer.step(mb.action);
    mb = t.moveBase(back) as M;
  }
  assert.ok(mb.arrived, "the base backed off");
  const st = t.state() as typeof b0;
  // lowered 0.2 m and 0.1 m towards the counter
  const pos = [st.eePos[0] + 0.1 * Math.cos(yaw), st.eePos[1] + 0.1 * Math.sin(yaw), st.eePos[2] - 0.2];
  // then the tool tips 60° toward forward, 10° a goal at a time, as the reference scripts do (further, this low and
  // this close, the elbow and the wrist reach their limits: the scripts tip the rest of the way farther out)
  const tips = [170, 160, 150, 140, 130, 120].map((pitch) => [0, pitch, b0.base.yawDeg]);
  for (const rpy of [undefined, ...tips]) {
    let m = t.moveEef({ pos, rpy }) as M;
    for (let i = 0; i < 120 && !m.arrived; i++) {
      const a = m.action;
      assert.ok(
        Math.hypot(a[0], a[1], a[2]) * 0.05 <= 0.015 + 1e-9,
        `a step of ${Math.hypot(a[0], a[1], a[2]) * 0.05} m`,
      );
      assert.ok(Math.hypot(a[3], a[4], a[5]) * 0.5 <= 0.08 + 1e-9, "a turn of at most 0.08 rad");
      drawer.step(a);
      m = t.moveEef({ pos, rpy }) as M;
    }
    assert.ok(m.arrived, `arrived (${rpy ? `tool at pitch ${rpy[1]}°` : "tool down"}): ${m.distance} m left`);
  }
  const end = t.state() as { eePos: number[] };
  assert.ok(
    Math.hypot(...end.eePos.map((v, i) => v - pos[i])) < 0.01,
    `the hand stayed put while tipping: ${end.eePos}`,
  );
});
