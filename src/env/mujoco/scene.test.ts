import assert from "node:assert/strict";
import { before, test } from "node:test";
import { body, freejoint, geom, mujocoModel, site } from "./mjcf.js";
import { contactForceSensor } from "./robot.js";
import { loadMujocoOnce, mujoco } from "./runtime.js";
import { MjScene, type Vec3 } from "./scene.js";

// a box dropped on a plane, a pendulum with a site: contacts, joints and sites in a few geoms
const XML = mujocoModel({
  name: "scene-test",
  option: { timestep: 0.002, integrator: "implicitfast" },
  world: [
    geom({ name: "floor", type: "plane", size: [1, 1, 0.1] }),
    body({ name: "cube", pos: [0, 0, 0.2] }, [
      freejoint("cube_free"),
      geom({ name: "cube_geom", type: "box", size: [0.05, 0.05, 0.05], mass: 1 }),
    ]),
    body({ name: "arm", pos: [0.5, 0, 0.5] }, [
      '<joint name="swing" type="hinge" axis="0 1 0"/>',
      geom({ name: "rod", type: "capsule", fromto: [0, 0, 0, 0.2, 0, 0], size: [0.01], mass: 0.1 }),
      site({ name: "tip", pos: [0.2, 0, 0] }),
    ]),
  ],
});

before(async () => {
  await loadMujocoOnce();
});

test("loadMujocoOnce loads once and mujoco() hands out that module", async () => {
  const a = await loadMujocoOnce();
  assert.equal(a, await loadMujocoOnce());
  assert.equal(mujoco(), a);
});

test("named lookups find objects and name the missing one", () => {
  const s = MjScene.fromXml(XML);
  try {
    assert.equal(s.name("body", s.id("body", "cube")), "cube");
    assert.equal(s.name("geom", s.id("geom", "rod")), "rod");
    assert.equal(s.qposAdr("swing"), 7); // after the cube's 7 free-joint coordinates
    assert.throws(() => s.id("site", "nope"), /no site named "nope"/);
    assert.throws(
      () => MjScene.fromXml("<mujoco><worldbody><geom type='box'/></worldbody></mujoco>"),
      /could not compile/,
    );
  } finally {
    s.dispose();
  }
});

test("contacts carry names and the cube's weight as normal force", () => {
  const s = MjScene.fromXml(XML);
  try {
    s.step(500);
    const contacts = s.contacts().filter((c) => c.name1 === "floor" || c.name2 === "floor");
    assert.ok(contacts.length >= 1);
    const up = contacts.reduce((a, c) => a + (c.name2 === "cube_geom" ? c.force[2] : -c.force[2]), 0);
    assert.ok(Math.abs(up - 9.81) < 0.1, `floor carries the 1 kg cube: ${up} N`);
    const total = s.normalForceWhere((b1, b2) => b1 === 0 || b2 === 0);
    assert.ok(Math.abs(total - 9.81) < 0.1);
  } finally {
    s.dispose();
  }
});

test("a contact sensor reads the same normal force as the contact walk, also past its slots", () => {
  // the cube rests on the floor on 4 contacts: one sensor has room for them all, one for 2 (so it falls back)
  const xml = mujocoModel({
    name: "sensor-test",
    option: { timestep: 0.002, integrator: "implicitfast" },
    world: [
      geom({ name: "floor", type: "plane", size: [1, 1, 0.1] }),
      body({ name: "cube", pos: [0, 0, 0.2] }, [
        freejoint("cube_free"),
        geom({ name: "cube_geom", type: "box", size: [0.05, 0.05, 0.05], mass: 1 }),
      ]),
      body({ name: "arm", pos: [0.5, 0, 0.5] }, [
        '<joint name="swing" type="hinge" axis="0 1 0"/>',
        geom({ name: "rod", type: "capsule", fromto: [0, 0, 0, 0.2, 0, 0], size: [0.01], mass: 0.1 }),
      ]),
    ],
    sensors: [
      contactForceSensor("cube_floor", "cube", "world", 8),
      contactForceSensor("cube_floor_2", "world", "cube", 2),
      contactForceSensor("rod_floor", "arm", "world", 4),
      '<jointpos name="swing_pos" joint="swing"/>',
      '<contact name="wide" body1="cube" data="found force pos" reduce="none" num="2"/>',
    ],
  });
  const s = MjScene.fromXml(xml);
  try {
    s.step(500);
    const cube = s.id("body", "cube");
    const walk = s.normalForceWhere((b1, b2) => (b1 === cube && b2 === 0) || (b2 === cube && b1 === 0));
    assert.ok(s.data.ncon >= 4, `${s.data.ncon} contacts`);
    assert.ok(Math.abs(walk - 9.81) < 0.1, `${walk} N`);
    assert.equal(s.contactSensorNormalForce("cube_floor"), walk);
    assert.ok(Math.abs(s.contactSensorNormalForce("cube_floor_2") - walk) < 1e-9);
    assert.equal(s.contactSensorNormalForce("rod_floor"), 0); // the rod hangs in the air
    assert.throws(() => s.contactSensorNormalForce("swing_pos"), /not a contact sensor/);
    assert.throws(() => s.contactSensorNormalForce("wide"), /data="found force"/);
    assert.throws(() => s.contactSensorNormalForce("nope"), /no sensor named "nope"/);
  } finally {
    s.dispose();
  }
});

test("restoring a saved state replays bit-exactly", () => {
  const s = MjScene.fromXml(XML);
  try {
    s.qposView()[s.qposAdr("swing")] = 0.7;
    s.forward();
    s.step(37);
    const saved = s.saveState();
    s.step(300);
    const first = s.qpos();
    s.restoreState(saved);
    s.step(300);
    assert.deepEqual(Array.from(s.qpos()), Array.from(first));
    assert.throws(() => s.restoreState(new Float64Array(3)), /state has 3 numbers/);
  } finally {
    s.dispose();
  }
});

test("site Jacobian matches a finite difference of the site position", () => {
  const s = MjScene.fromXml(XML);
  try {
    const adr = s.qposAdr("swing");
    s.qposView()[adr] = 0.3;
    s.forward();
    const { jacp } = s.siteJacobian("tip");
    const p0 = s.sitePos("tip");
    s.qposView()[adr] = 0.3 + 1e-6;
    s.kinematics();
    const p1 = s.sitePos("tip");
    const dof = s.dofAdr("swing");
    const nv = s.model.nv;
    for (let k = 0; k < 3; k++) assert.ok(Math.abs((p1[k] - p0[k]) / 1e-6 - jacp[k * nv + dof]) < 1e-4);
  } finally {
    s.dispose();
  }
});

test("10,000 resets keep memory flat, and a disposed scene refuses use", () => {
  const s = MjScene.fromXml(XML);
  const start = s.saveState();
  const cycle = () => {
    s.restoreState(start);
    s.step(3);
    s.contacts();
    s.siteJacobian("tip");
  };
  for (let i = 0; i < 1000; i++) cycle(); // warm up the JIT and the allocator
  global.gc?.();
  const before = process.memoryUsage();
  for (let i = 0; i < 10000; i++) cycle();
  global.gc?.();
  const after = process.memoryUsage();
  const grownMb = (after.rss - before.rss) / 2 ** 20;
  const externalMb = (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / 2 ** 20;
  // rss also holds JS garbage not yet collected (tests run without --expose-gc): a coarse bound; the WebAssembly
  // heap (counted in external/arrayBuffers) is the one that shows a leaked MuJoCo object
  assert.ok(grownMb < 64, `rss grew ${grownMb.toFixed(1)} MB over 10,000 resets`);
  assert.ok(externalMb < 4, `wasm/external memory grew ${externalMb.toFixed(1)} MB`);
  s.dispose();
  s.dispose(); // idempotent
  assert.equal(s.disposed, true);
  assert.throws(() => s.step(), /disposed/);
  assert.throws(() => s.saveState(), /disposed/);
});

test("a scene renders a camera: an RGB frame of the size asked, with the scene in it", () => {
  const s = MjScene.fromXml(XML);
  try {
    const view = { position: [0.6, -0.6, 0.8] as Vec3, lookAt: [0, 0, 0] as Vec3 };
    const rgb = s.renderer().render(s.data, { camera: view, width: 32, height: 24 }).rgb;
    assert.ok(rgb);
    assert.equal(rgb.length, 32 * 24 * 3);
    assert.ok(new Set(rgb).size > 1, "not a blank frame");
    assert.equal(s.renderer(), s.renderer(), "one renderer per scene");
  } finally {
    s.dispose();
  }
});
