import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { before, test } from "node:test";
import { encodePng } from "../image/png.js";
import { geom, mujocoModel } from "../mujoco/mjcf.js";
import { armMjcf } from "../mujoco/robot.js";
import { loadMujocoOnce } from "../mujoco/runtime.js";
import { MjScene } from "../mujoco/scene.js";
import { CABINET } from "./fixtures/cabinet.js";
import { SINK } from "./fixtures/sink.js";
import { STOVE } from "./fixtures/stove.js";
import { type KitchenScene, type KitchenTriplet, kitchenScene, LAYOUT_COUNT } from "./scene.js";

/** A whole model: the kitchen plus a fixed 7-joint station arm on a pedestal where the mobile base starts. */
function compile(kitchen: KitchenScene): MjScene {
  const { pos, yaw } = kitchen.robotBase;
  const arm = armMjcf({ prefix: "robot0", base: [pos[0], pos[1], 0.8], baseYaw: yaw, joints: 7 });
  const xml = mujocoModel({
    name: "kitchen-test",
    option: { timestep: 0.002, integrator: "implicitfast", cone: "pyramidal", solver: "Newton" },
    world: [
      kitchen.mjcf,
      geom({ type: "cylinder", size: [0.15, 0.4], pos: [pos[0], pos[1], 0.4], contype: 0, conaffinity: 0 }),
      arm.body,
    ],
    actuators: arm.actuators,
    equalities: arm.equalities,
    contactExcludes: arm.excludes,
  });
  return MjScene.fromXml(xml);
}

/** 60 triplets that cover every layout and every style once (37 is prime to 60). */
const SWEEP: KitchenTriplet[] = Array.from({ length: LAYOUT_COUNT }, (_, i) => ({
  seed: 3,
  layoutId: i + 1,
  styleId: ((37 * i) % 60) + 1,
}));

before(async () => {
  await loadMujocoOnce();
});

test("the same triplet gives the same MJCF byte for byte; layout, style and seed each change it", () => {
  const a = kitchenScene({ seed: 5, layoutId: 12, styleId: 30 });
  assert.equal(kitchenScene({ seed: 5, layoutId: 12, styleId: 30 }).mjcf, a.mjcf);
  assert.deepEqual(kitchenScene({ seed: 5, layoutId: 12, styleId: 30 }).fixtures, a.fixtures);
  assert.notEqual(kitchenScene({ seed: 5, layoutId: 13, styleId: 30 }).mjcf, a.mjcf);
  assert.notEqual(kitchenScene({ seed: 5, layoutId: 12, styleId: 31 }).mjcf, a.mjcf);
  assert.notEqual(kitchenScene({ seed: 6, layoutId: 12, styleId: 30 }).mjcf, a.mjcf);
  const distinct = new Set(
    Array.from({ length: LAYOUT_COUNT }, (_, i) => kitchenScene({ seed: 0, layoutId: i + 1, styleId: 1 }).mjcf),
  );
  assert.equal(distinct.size, LAYOUT_COUNT);
  const shapes = new Set(
    Array.from({ length: LAYOUT_COUNT }, (_, i) => kitchenScene({ seed: 0, layoutId: i + 1, styleId: 1 }).layout.shape),
  );
  assert.deepEqual([...shapes].sort(), ["L", "straight"]);
});

test("ids outside 1..60 and bad seeds are refused with the allowed range", () => {
  assert.throws(() => kitchenScene({ seed: 0, layoutId: 0, styleId: 1 }), /layoutId is an integer in 1\.\.60; got 0/);
  assert.throws(() => kitchenScene({ seed: 0, layoutId: 1, styleId: 61 }), /styleId is an integer in 1\.\.60; got 61/);
  assert.throws(() => kitchenScene({ seed: -1, layoutId: 1, styleId: 1 }), /seed is an integer/);
});

test("every one of the 3600 layout×style kitchens holds every task's fixture, with unique names", () => {
  for (let layoutId = 1; layoutId <= 60; layoutId++) {
    for (let styleId = 1; styleId <= 60; styleId++) {
      const k = kitchenScene({ seed: 0, layoutId, styleId });
      const byName = new Map(k.fixtures.map((f) => [f.name, f]));
      assert.equal(byName.size, k.fixtures.length, "fixture names are unique");
      const kindOf = (role: string) => byName.get(role)?.kind;
      const r = k.roles;
      const where = `layout ${layoutId} style ${styleId}`;
      assert.equal(kindOf(r.cabinet), "cabinet", where);
      assert.equal(kindOf(r.drawer), "drawer", where);
      assert.equal(kindOf(r.sink), "sink", where);
      assert.equal(kindOf(r.stove), "stove", where);
      assert.equal(kindOf(r.standMixer), "stand_mixer", where);
      assert.equal(kindOf(r.coffeeMachine), "coffee_machine", where);
      for (const o of [r.mug, r.counterObject, r.sinkObject, r.container]) assert.equal(kindOf(o), "object", where);
      assert.ok(byName.get(r.cabinet)!.joints.length >= 1, where);
      assert.ok(byName.get(r.cabinet)!.interior, where);
      assert.ok(byName.get(r.drawer)!.interior, where);
      // the robot starts on free floor inside the room, in front of the counters
      const [bx, by] = k.robotBase.pos;
      assert.ok(bx > k.bounds.low[0] && bx < k.bounds.high[0] && by > k.bounds.low[1] && by < -0.5, where);
      for (const f of k.fixtures) {
        const a = f.approach!;
        assert.ok(a.pos[0] >= k.bounds.low[0] && a.pos[0] <= k.bounds.high[0], `${where}: ${f.name} approach x`);
        assert.ok(a.pos[1] >= k.bounds.low[1] && a.pos[1] <= k.bounds.high[1], `${where}: ${f.name} approach y`);
      }
    }
  }
});

test("60 kitchens covering every layout and style compile with a 7-joint arm; joints have their intended ranges", () => {
  for (const triplet of SWEEP) {
    const k = kitchenScene(triplet);
    const s = compile(k);
    try {
      const m = s.model;
      assert.ok(m.ngeom < 260, `layout ${triplet.layoutId}: ${m.ngeom} geoms`);
      const range = (j: string): [number, number] => {
        const id = s.id("joint", j);
        const r = m.jnt_range as Float64Array;
        return [r[2 * id], r[2 * id + 1]];
      };
      for (const f of k.fixtures) {
        for (const j of f.joints) s.id("joint", j); // throws naming a missing joint
        for (const site of Object.values(f.sites)) s.id("site", site);
        s.id("body", f.body);
        if (f.kind === "cabinet") for (const j of f.joints) assertRange(range(j), [...CABINET.hingeRange], j);
        if (f.kind === "stove") {
          assert.equal(f.joints.length, 4);
          for (const j of f.joints) assertRange(range(j), [-Math.PI, Math.PI], j);
        }
        if (f.kind === "sink") assertRange(range(f.joints[0]), [...SINK.handleRange], f.joints[0]);
        if (f.kind === "drawer") {
          // RoboCasa's normalisation: full range = 0.55 × the drawer's depth (the interior plus its back wall)
          const [lo, hi] = range(f.joints[0]);
          const depth = f.interior!.high[1] + 0.012;
          assert.equal(lo, 0);
          assert.ok(Math.abs(hi - 0.55 * depth) < 1e-3, `${f.joints[0]}: ${hi} vs 0.55 × ${depth}`);
        }
        if (f.kind === "stand_mixer") assertRange(range(f.joints[0]), [0, 1], f.joints[0]);
      }
    } finally {
      s.dispose();
    }
  }
});

test("at rest, objects stay where they were put and no two fixture parts touch", () => {
  for (const triplet of SWEEP.filter((_, i) => i % 12 === 0)) {
    const k = kitchenScene(triplet);
    const s = compile(k);
    try {
      const objects = k.fixtures.filter((f) => f.kind === "object");
      const start = objects.map((o) => s.bodyPos(o.body));
      s.step(500); // 1 s
      objects.forEach((o, i) => {
        const p = s.bodyPos(o.body);
        const moved = Math.hypot(p[0] - start[i][0], p[1] - start[i][1], p[2] - start[i][2]);
        assert.ok(moved < 0.01, `layout ${triplet.layoutId}: ${o.name} moved ${moved.toFixed(4)} m at rest`);
      });
      const objectBodies = new Set(objects.map((o) => s.id("body", o.body)));
      const rootOf = (b: number) => (s.model.body_rootid as Int32Array)[b];
      for (const c of s.contacts()) {
        const involvesObject = objectBodies.has(rootOf(c.body1)) || objectBodies.has(rootOf(c.body2));
        assert.ok(
          involvesObject,
          `layout ${triplet.layoutId}: fixture contact ${s.name("body", c.body1)}–${s.name("body", c.body2)}`,
        );
      }
      // the sink's object lies in the basin
      const sink = k.fixtures.find((f) => f.name === k.roles.sink)!;
      const inSink = s.bodyPos(k.roles.sinkObject);
      const basin = s.sitePos(sink.sites.basin);
      assert.ok(Math.abs(inSink[2] - basin[2]) < 0.1 && Math.hypot(inSink[0] - basin[0], inSink[1] - basin[1]) < 0.2);
    } finally {
      s.dispose();
    }
  }
});

test("doors, drawers, knobs, the faucet and the mixer head stay where they are set, inside their ranges", () => {
  const k = kitchenScene({ seed: 1, layoutId: 3, styleId: 2 });
  const s = compile(k);
  try {
    const set: [string, number][] = [];
    for (const f of k.fixtures) {
      if (f.kind === "cabinet") for (const j of f.joints) set.push([j, 1.2]);
      if (f.kind === "drawer") set.push([f.joints[0], 0.3]);
      if (f.kind === "stove") set.push([f.joints[0], 2.0]);
      if (f.kind === "sink") set.push([f.joints[0], 1.5]);
      if (f.kind === "stand_mixer") set.push([f.joints[0], 1.0]);
    }
    const q = s.qposView();
    for (const [j, v] of set) q[s.qposAdr(j)] = v;
    s.forward();
    s.step(500);
    for (const [j, v] of set) {
      const now = s.qpos()[s.qposAdr(j)];
      assert.ok(Math.abs(now - v) < 0.02, `${j} drifted from ${v} to ${now}`);
    }
    // set past the hinge's end, a door is pushed back inside its range
    const door = k.fixtures.find((f) => f.name === k.roles.cabinet)!.joints[0];
    s.qposView()[s.qposAdr(door)] = 1.75;
    s.forward();
    s.step(250);
    const after = s.qpos()[s.qposAdr(door)];
    assert.ok(after <= 1.57 + 0.005 && after >= 0, `door at ${after}`);
  } finally {
    s.dispose();
  }
  assert.equal(STOVE.burners.length, 4);
});

test("a picture of a kitchen (written to docs/screenshots/kitchen.png when ENPIRE_SHOTS is set)", () => {
  const k = kitchenScene({ seed: 0, layoutId: 1, styleId: 5 });
  const s = MjScene.fromXml(mujocoModel({ name: "kitchen-picture", world: [k.mjcf] }));
  try {
    const cx = (k.bounds.low[0] + k.bounds.high[0]) / 2;
    const width = 800;
    const height = 450;
    const frame = s.renderer().render(s.data, {
      camera: { position: [cx, -3.4, 2.2], lookAt: [cx, 0.2, 0.95] },
      width,
      height,
    });
    const rgb = frame.rgb!;
    // a kitchen fills the picture: few background pixels, many colours
    let background = 0;
    const colours = new Set<number>();
    for (let i = 0; i < rgb.length; i += 3) {
      colours.add((rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2]);
      if (rgb[i] === 41 && rgb[i + 1] === 46 && rgb[i + 2] === 56) background++;
    }
    assert.ok(background < 0.2 * width * height, `${background} background pixels`);
    assert.ok(colours.size > 40, `${colours.size} colours`);
    const dir = process.env.ENPIRE_SHOTS;
    if (dir) writeFileSync(`${dir}/kitchen.png`, encodePng(rgb, width, height));
  } finally {
    s.dispose();
  }
});

function assertRange(actual: [number, number], expected: number[], name: string): void {
  assert.ok(
    Math.abs(actual[0] - expected[0]) < 1e-6 && Math.abs(actual[1] - expected[1]) < 1e-6,
    `${name}: range ${actual} vs ${expected}`,
  );
}
