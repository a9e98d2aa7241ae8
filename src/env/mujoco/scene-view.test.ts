/**
 * The scene view of a raw MuJoCo model (loaded with `loadMujoco()` straight from an MJCF string): which geoms it
 * shows (hidden groups, alpha 0 and meshless types left out), their shapes, MuJoCo sizes, colours (a material's when
 * the geom kept the default grey) and names, and poses that follow a body moved through qpos, matching MuJoCo's own
 * geom_xpos / geom_xmat.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import loadMujoco, { type MainModule, type MjData, type MjModel } from "@mujoco/mujoco";
import { hasSceneView, POSE_STRIDE, SceneGeometrySchema } from "../scene-view.js";
import { mujocoSceneGeometry, mujocoScenePoses } from "./scene-view.js";

const XML = `<mujoco model="scene-view-test">
  <asset><material name="blue" rgba="0.1 0.2 0.9 1"/></asset>
  <worldbody>
    <geom name="floor" type="plane" size="1 2 0.1" rgba="0.8 0.8 0.8 1"/>
    <geom name="collision-only" type="box" size="0.1 0.1 0.1" group="3"/>
    <geom name="invisible" type="sphere" size="0.05" rgba="1 0 0 0"/>
    <body name="cart" pos="0.2 0 0.5">
      <joint name="slide" type="slide" axis="1 0 0"/>
      <joint name="turn" type="hinge" axis="0 0 1"/>
      <geom name="deck" type="box" size="0.1 0.05 0.02" rgba="0.9 0.3 0.1 1"/>
      <geom type="capsule" fromto="0 0 0 0 0 0.3" size="0.01" material="blue"/>
      <geom name="wheel" type="cylinder" size="0.03 0.005" pos="0.1 0 0" euler="90 0 0"/>
      <geom name="egg" type="ellipsoid" size="0.01 0.02 0.03" pos="-0.1 0 0"/>
      <geom name="ball" type="sphere" size="0.04" pos="0 0 0.1"/>
    </body>
  </worldbody>
</mujoco>`;

let mj: MainModule;
let model: MjModel;
let data: MjData;

before(async () => {
  mj = await loadMujoco();
  model = mj.MjModel.from_xml_string(XML);
  data = new mj.MjData(model);
  mj.mj_forward(model, data);
});

after(() => {
  data?.delete();
  model?.delete();
});

test("the geometry lists the visible geoms with their shapes, MuJoCo sizes, colours and names", () => {
  const g = SceneGeometrySchema.parse(mujocoSceneGeometry(model));
  assert.deepEqual(
    g.geoms.map((x) => [x.name, x.type]),
    [
      ["floor", "plane"],
      ["deck", "box"],
      [null, "capsule"],
      ["wheel", "cylinder"],
      ["egg", "ellipsoid"],
      ["ball", "sphere"],
    ],
    "the group-3 box and the alpha-0 sphere are left out; an unnamed geom has a null name",
  );
  const byName = new Map(g.geoms.map((x) => [x.name, x]));
  const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
  assert.ok(close(byName.get("floor")!.size, [1, 2, 0.1]));
  assert.ok(close(byName.get("deck")!.size, [0.1, 0.05, 0.02]));
  assert.ok(close(g.geoms[2].size.slice(0, 2), [0.01, 0.15]), "capsule: radius and half length from fromto");
  assert.ok(close(byName.get("wheel")!.size.slice(0, 2), [0.03, 0.005]));
  assert.ok(close(byName.get("egg")!.size, [0.01, 0.02, 0.03]));
  assert.ok(close(byName.get("deck")!.rgba, [0.9, 0.3, 0.1, 1]));
  assert.ok(close(g.geoms[2].rgba, [0.1, 0.2, 0.9, 1]), "the capsule takes its material's colour");
  assert.deepEqual(
    g.geoms.map((x) => x.id),
    [0, 3, 4, 5, 6, 7],
    "model ids, in order",
  );
  assert.equal(mujocoSceneGeometry(model, { hiddenGroups: [] }).geoms.length, 7, "group 3 shown when asked");
});

test("poses follow a body moved through qpos and match MuJoCo's geom_xpos and geom_xmat", () => {
  const geometry = mujocoSceneGeometry(model);
  const before = mujocoScenePoses(model, data);
  assert.equal(before.length, geometry.geoms.length * POSE_STRIDE);
  const deck = geometry.geoms.findIndex((x) => x.name === "deck");
  const at = (p: Float32Array, i: number) => Array.from(p.subarray(i * POSE_STRIDE, (i + 1) * POSE_STRIDE));
  const near = (a: number[], b: number[], what: string) =>
    assert.ok(
      a.every((v, i) => Math.abs(v - b[i]) < 1e-6),
      `${what}: ${a.map((v) => v.toFixed(4))} vs ${b.map((v) => v.toFixed(4))}`,
    );
  near(at(before, deck), [0.2, 0, 0.5, 1, 0, 0, 0, 1, 0, 0, 0, 1], "the deck at its body's place, unrotated");

  // slide the cart 0.3 m along x and turn it 90 degrees about z
  const qpos = data.qpos as Float64Array;
  qpos[0] = 0.3;
  qpos[1] = Math.PI / 2;
  mj.mj_forward(model, data);
  const out = new Float32Array(before.length);
  const moved = mujocoScenePoses(model, data, out);
  assert.equal(moved, out, "written into the array given");
  near(at(moved, deck), [0.5, 0, 0.5, 0, -1, 0, 1, 0, 0, 0, 0, 1], "the deck slid and turned");
  const ball = geometry.geoms.findIndex((x) => x.name === "ball");
  near(at(moved, ball).slice(0, 3), [0.5, 0, 0.6], "the ball rides along, 0.1 m above");
  near(at(moved, 0), at(before, 0), "the floor stays");
  // every pose equals MuJoCo's own arrays for that geom
  const xpos = data.geom_xpos as Float64Array;
  const xmat = data.geom_xmat as Float64Array;
  geometry.geoms.forEach((x, i) => {
    near(at(moved, i), [...xpos.subarray(3 * x.id, 3 * x.id + 3), ...xmat.subarray(9 * x.id, 9 * x.id + 9)], x.type);
  });
});

test("hasSceneView tells an env with both methods from one without", () => {
  const base = { spec: {} as never, name: "x", reset: () => 0, observe: () => 0, step: () => ({}) as never };
  const env = { ...base, verify: () => ({}) as never, close() {} };
  assert.equal(hasSceneView(env), false);
  assert.equal(hasSceneView({ ...env, sceneGeometry: () => mujocoSceneGeometry(model) }), false);
  assert.equal(
    hasSceneView({ ...env, sceneGeometry: () => mujocoSceneGeometry(model), scenePoses: () => new Float32Array() }),
    true,
  );
});
