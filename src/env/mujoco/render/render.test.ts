/**
 * SceneRenderer on small MJCF scenes written here with the raw mj API: colours, segmentation ids and depth where
 * the geometry says they must be, the camera model reported with each frame, cameras by name, id and look-at,
 * hidden groups, near-plane clipping, determinism and flat memory. Set ENPIRE_SHOTS=<dir> to save the test scene
 * as PNGs to look at.
 */

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import loadMujoco, { type MainModule, type MjData, type MjModel } from "@mujoco/mujoco";
import { InvalidInputError } from "../../../core/errors.js";
import { encodePng } from "../../image/png.js";
import { RENDER_DEFAULTS, type RenderResult, SceneRenderer } from "./index.js";

// Camera "top" 1 m above the origin looking straight down (MuJoCo's default camera frame), "side" aslant.
const SCENE = `<mujoco>
  <asset><material name="blue" rgba="0.1 0.3 0.9 1"/></asset>
  <worldbody>
    <geom name="floor" type="plane" size="0.3 0.3 0.01" rgba="0.7 0.7 0.7 1"/>
    <geom name="box" type="box" pos="0.1 0 0.05" size="0.05 0.05 0.05" rgba="0.8 0.2 0.1 1"/>
    <geom name="ball" type="sphere" pos="-0.15 0.1 0.03" size="0.03" material="blue"/>
    <geom name="capsule" type="capsule" pos="-0.1 -0.15 0.02" size="0.02 0.06" euler="0 90 0" rgba="0.1 0.8 0.2 1"/>
    <geom name="cylinder" type="cylinder" pos="0.15 0.15 0.04" size="0.03 0.04" rgba="0.9 0.8 0.1 1"/>
    <geom name="collision" type="box" pos="0.12 -0.15 0.03" size="0.03 0.03 0.03" group="3" rgba="1 1 1 1"/>
    <geom name="invisible" type="sphere" pos="0 0.15 0.03" size="0.03" rgba="1 1 1 0"/>
    <geom name="marker" type="sphere" pos="0.05 0.22 0.1" size="0.015" rgba="1 0 1 1"/>
    <camera name="top" pos="0 0 1" fovy="45"/>
    <camera name="side" pos="0.7 -0.6 0.5" xyaxes="0.65 0.76 0 -0.3 0.26 0.92" fovy="50"/>
  </worldbody>
</mujoco>`;

let mj: MainModule;
let model: MjModel;
let data: MjData;
const ids: Record<string, number> = {};

before(async () => {
  mj = await loadMujoco();
  model = mj.MjModel.from_xml_string(SCENE);
  data = new mj.MjData(model);
  mj.mj_forward(model, data);
  for (const name of ["floor", "box", "ball", "capsule", "cylinder", "collision", "invisible", "marker"]) {
    ids[name] = mj.mj_name2id(model, mj.mjtObj.mjOBJ_GEOM.value, name);
  }
});

after(() => {
  data.delete();
  model.delete();
});

type Vec3 = [number, number, number];

/** Projects a world point with the frame's own camera model: pixel (col, row) and depth Z. */
function project(frame: RenderResult, p: Vec3): { col: number; row: number; z: number } {
  const { position, rotation: R } = frame.extrinsics;
  const d = [p[0] - position[0], p[1] - position[1], p[2] - position[2]];
  const X = R[0] * d[0] + R[3] * d[1] + R[6] * d[2]; // Rᵀ d
  const Y = R[1] * d[0] + R[4] * d[1] + R[7] * d[2];
  const Z = R[2] * d[0] + R[5] * d[1] + R[8] * d[2];
  const { fx, fy, cx, cy } = frame.intrinsics;
  return { col: Math.round((fx * X) / Z + cx), row: Math.round((fy * Y) / Z + cy), z: Z };
}

function pixelsOf(seg: Int32Array, id: number): number {
  return seg.reduce((n, v) => n + (v === id ? 1 : 0), 0);
}

const SIZE = 128;
const topFrame = () =>
  new SceneRenderer(mj, model).render(data, {
    camera: "top",
    width: SIZE,
    height: SIZE,
    depth: true,
    segmentation: true,
  });

test("a box on a plane under a top camera: its colour, its segmentation id and its depth where geometry says", () => {
  const frame = topFrame();
  const rgb = frame.rgb!;
  const seg = frame.segmentation!;
  const depth = frame.depth!;
  // the box's top face at z = 0.1, 0.9 m below the camera, facing straight up: lit by the default light
  const top = project(frame, [0.1, 0, 0.1]);
  const i = top.row * SIZE + top.col;
  assert.equal(seg[i], ids.box);
  assert.ok(Math.abs(depth[i] - 0.9) < 0.001, `depth at the box's top ${depth[i]} m, expected 0.9`);
  const [lx, ly, lz] = RENDER_DEFAULTS.lightDirection;
  const brightness = RENDER_DEFAULTS.ambient + (RENDER_DEFAULTS.diffuse * -lz) / Math.hypot(lx, ly, lz);
  assert.deepEqual(
    [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]],
    [0.8, 0.2, 0.1].map((c) => Math.round(c * brightness * 255)),
  );
  // every box pixel has the box's hue (faces differ in brightness only), and the box covers exactly the pixels its
  // eight corners span: the top face 17 px across at this distance, its side towards the camera a little more
  let minCol = SIZE;
  let maxCol = -1;
  let minRow = SIZE;
  let maxRow = -1;
  for (let k = 0; k < SIZE * SIZE; k++) {
    if (seg[k] !== ids.box) continue;
    const [r, g, b] = [rgb[3 * k], rgb[3 * k + 1], rgb[3 * k + 2]];
    assert.ok(Math.abs(g / r - 0.25) < 0.03 && Math.abs(b / r - 0.125) < 0.03, `box pixel ${k} is ${r},${g},${b}`);
    assert.ok(depth[k] >= 0.9 - 1e-4 && depth[k] <= 1 + 1e-4, `box pixel ${k} at depth ${depth[k]}`);
    minCol = Math.min(minCol, k % SIZE);
    maxCol = Math.max(maxCol, k % SIZE);
    minRow = Math.min(minRow, Math.floor(k / SIZE));
    maxRow = Math.max(maxRow, Math.floor(k / SIZE));
  }
  const corners = [0.05, 0.15].flatMap((x) =>
    [-0.05, 0.05].flatMap((y) => [0, 0.1].map((z) => project(frame, [x, y, z]))),
  );
  const near = (a: number, b: number) => Math.abs(a - b) <= 1;
  assert.ok(near(minCol, Math.min(...corners.map((c) => c.col))), `box columns from ${minCol}`);
  assert.ok(near(maxCol, Math.max(...corners.map((c) => c.col))), `box columns to ${maxCol}`);
  assert.ok(near(minRow, Math.min(...corners.map((c) => c.row))), `box rows from ${minRow}`);
  assert.ok(near(maxRow, Math.max(...corners.map((c) => c.row))), `box rows to ${maxRow}`);
  // the plane lies 1 m below the camera everywhere: every floor pixel has depth 1
  let floor = 0;
  for (let k = 0; k < SIZE * SIZE; k++) {
    if (seg[k] !== ids.floor) continue;
    floor++;
    assert.ok(Math.abs(depth[k] - 1) < 1e-4, `floor pixel ${k} at depth ${depth[k]}`);
  }
  assert.ok(floor > 0.6 * SIZE * SIZE * (0.6 / (2 * Math.tan(Math.PI / 8))) ** 2, `${floor} floor pixels`);
  // no cracks: inside the plane's outline (1 px in) every pixel shows some geom, though the plane is 200 triangles
  const [c0, c1] = [project(frame, [-0.3, 0.3, 0]), project(frame, [0.3, -0.3, 0])];
  for (let row = c0.row + 1; row < c1.row; row++) {
    for (let col = c0.col + 1; col < c1.col; col++) assert.notEqual(seg[row * SIZE + col], -1, `hole at ${col},${row}`);
  }
  // beyond the finite plane: background, no geom, no depth
  assert.equal(seg[0], -1);
  assert.equal(depth[0], Number.POSITIVE_INFINITY);
  assert.deepEqual(
    [rgb[0], rgb[1], rgb[2]],
    RENDER_DEFAULTS.background.map((c) => Math.round(c * 255)),
  );
});

test("spheres, capsules and cylinders render where and as large as they are", () => {
  const frame = topFrame();
  const seg = frame.segmentation!;
  const depth = frame.depth!;
  const rgb = frame.rgb!;
  const f = frame.intrinsics.fy;
  const at = (p: Vec3) => {
    const q = project(frame, p);
    return q.row * SIZE + q.col;
  };
  // the ball: its id at its centre, its top 0.94 m away, blue from its material, a disc of radius f·r/d
  const ball = at([-0.15, 0.1, 0.06]);
  assert.equal(seg[ball], ids.ball);
  assert.ok(Math.abs(depth[ball] - 0.94) < 0.002, `ball top at depth ${depth[ball]}`);
  assert.ok(rgb[3 * ball + 2] > 2 * rgb[3 * ball] && rgb[3 * ball + 2] > 2 * rgb[3 * ball + 1], "the ball is blue");
  const disc = Math.PI * ((f * 0.03) / 0.97) ** 2;
  const ballPixels = pixelsOf(seg, ids.ball);
  assert.ok(Math.abs(ballPixels - disc) < 0.15 * disc, `${ballPixels} ball pixels, a disc of ${disc.toFixed(0)}`);
  // the capsule lies along x: its ends are rounded caps reaching 0.08 m from its centre, no further
  assert.equal(seg[at([-0.1, -0.15, 0.04])], ids.capsule);
  assert.equal(seg[at([-0.1 - 0.07, -0.15, 0.02])], ids.capsule);
  assert.equal(seg[at([-0.1 + 0.07, -0.15, 0.02])], ids.capsule);
  assert.equal(seg[at([-0.1 + 0.095, -0.15, 0.02])], ids.floor);
  assert.equal(seg[at([-0.1, -0.15 + 0.035, 0.02])], ids.floor);
  const capsuleTop = at([-0.1, -0.15, 0.04]);
  assert.ok(Math.abs(depth[capsuleTop] - 0.96) < 0.002, `capsule top at depth ${depth[capsuleTop]}`);
  // the cylinder stands on its flat cap 0.08 m high: flat top, so depth 0.92 across the middle of its disc
  for (const [dx, dy] of [
    [0, 0],
    [0.015, 0],
    [0, -0.015],
  ]) {
    const k = at([0.15 + dx, 0.15 + dy, 0.08]);
    assert.equal(seg[k], ids.cylinder);
    assert.ok(Math.abs(depth[k] - 0.92) < 0.001, `cylinder cap at depth ${depth[k]}`);
  }
});

test("intrinsics and extrinsics of an aslant camera put a small sphere's centre on its pixels, at its depth", () => {
  const renderer = new SceneRenderer(mj, model);
  for (const [width, height] of [
    [160, 120],
    [96, 96],
  ]) {
    const frame = renderer.render(data, { camera: "side", width, height, depth: true, segmentation: true });
    const centre: Vec3 = [0.05, 0.22, 0.1];
    const { col, row, z } = project(frame, centre);
    assert.ok(col > 0 && col < width && row > 0 && row < height, `marker at pixel ${col}, ${row}`);
    const k = row * width + col;
    assert.equal(frame.segmentation![k], ids.marker);
    // along the ray through the centre the surface is r nearer; its depth along the optical axis scales by z/dist
    const dist = Math.hypot(...centre.map((c, i) => c - frame.extrinsics.position[i]));
    const expected = z * (1 - 0.015 / dist);
    assert.ok(Math.abs(frame.depth![k] - expected) < 0.002, `depth ${frame.depth![k]}, expected ${expected}`);
    // the rotation is orthonormal and its z axis (the optical axis) points from the camera towards the scene
    const R = frame.extrinsics.rotation;
    assert.ok(Math.abs(R[2] * R[2] + R[5] * R[5] + R[8] * R[8] - 1) < 1e-9);
    assert.ok(R[8] < 0, "the side camera looks down");
  }
});

test("hidden groups (default 3-5) and alpha 0 do not render; hiddenGroups: [] shows group 3", () => {
  const frame = topFrame();
  const seg = frame.segmentation!;
  assert.equal(pixelsOf(seg, ids.collision), 0);
  assert.equal(pixelsOf(seg, ids.invisible), 0);
  assert.equal(seg[project(frame, [0.12, -0.15, 0.06]).row * SIZE + project(frame, [0.12, -0.15, 0.06]).col], 0);
  const all = new SceneRenderer(mj, model, { hiddenGroups: [] }).render(data, {
    camera: "top",
    width: SIZE,
    height: SIZE,
    segmentation: true,
  });
  assert.ok(pixelsOf(all.segmentation!, ids.collision) > 50);
  assert.equal(pixelsOf(all.segmentation!, ids.invisible), 0);
});

test("a camera by name and by id, and a look-at camera in the same place, give the same frame", () => {
  const renderer = new SceneRenderer(mj, model);
  const req = { width: 64, height: 48, depth: true, segmentation: true };
  const byName = renderer.render(data, { ...req, camera: "side" });
  const byId = renderer.render(data, { ...req, camera: 1 });
  assert.deepEqual(byName, byId);
  const top = renderer.render(data, { ...req, camera: "top" });
  const free = renderer.render(data, { ...req, camera: { position: [0, 0, 1], lookAt: [0, 0, 0], fovy: 45 } });
  assert.deepEqual(free, top);
  assert.notDeepEqual(byName.rgb, top.rgb);
  assert.throws(
    () => renderer.render(data, { ...req, camera: "wrist" }),
    (e: Error) => e instanceof InvalidInputError && /0 "top", 1 "side"/.test(e.message),
  );
  assert.throws(() => renderer.render(data, { ...req, camera: 2 }), InvalidInputError);
  assert.throws(() => renderer.render(data, { ...req, camera: "top", width: 0 }), InvalidInputError);
  assert.deepEqual(renderer.render(data, { ...req, camera: "top", rgb: false }).rgb, null);
});

test("same state, same bytes: across renderers, sizes in between, and after moving away and back", () => {
  const a = new SceneRenderer(mj, model);
  const req = { camera: "side", width: 96, height: 96, depth: true, segmentation: true };
  const first = a.render(data, req);
  a.render(data, { ...req, width: 200, height: 150 });
  const b = new SceneRenderer(mj, model);
  assert.deepEqual(a.render(data, req), first);
  assert.deepEqual(b.render(data, req), first);
  assert.ok(Buffer.from(first.rgb!).equals(Buffer.from(b.render(data, req).rgb!)));
});

test("a camera skimming a large plane: the near plane clips it, the floor fills below the horizon", () => {
  const m = mj.MjModel.from_xml_string(
    `<mujoco><worldbody><geom name="floor" type="plane" size="0 0 1" rgba="0.6 0.6 0.6 1"/></worldbody></mujoco>`,
  );
  const d = new mj.MjData(m);
  try {
    mj.mj_forward(m, d);
    const frame = new SceneRenderer(mj, m).render(d, {
      camera: { position: [0, 0, 0.05], lookAt: [0, 1, 0.05] },
      width: 64,
      height: 64,
      depth: true,
      segmentation: true,
    });
    const seg = frame.segmentation!;
    const depth = frame.depth!;
    for (let col = 0; col < 64; col++) {
      // bottom row: the floor just ahead of the camera, whose triangles reach behind it
      const k = 63 * 64 + col;
      assert.equal(seg[k], 0);
      assert.ok(depth[k] > 0 && depth[k] < 0.2, `bottom-row depth ${depth[k]}`);
      assert.equal(seg[col], -1); // top row: sky
    }
  } finally {
    d.delete();
    m.delete();
  }
});

test("rendering 1,000 frames does not grow the heap", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const renderer = new SceneRenderer(mj, model);
  const req = { camera: "side", width: 128, height: 128, depth: true, segmentation: true };
  const wasmBytes = (data.geom_xpos as Float64Array).buffer.byteLength;
  for (let i = 0; i < 100; i++) renderer.render(data, req);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1000; i++) renderer.render(data, req);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 1_000_000, `heap grew by ${grown} bytes over 1,000 frames`);
  assert.equal((data.geom_xpos as Float64Array).buffer.byteLength, wasmBytes);
});

test("save the test scene as PNGs when ENPIRE_SHOTS is set", { skip: !process.env.ENPIRE_SHOTS }, () => {
  const dir = path.resolve(process.env.ENPIRE_SHOTS!);
  mkdirSync(dir, { recursive: true });
  const renderer = new SceneRenderer(mj, model);
  for (const camera of ["top", "side"]) {
    const { rgb } = renderer.render(data, { camera, width: 256, height: 256 });
    writeFileSync(path.join(dir, `mujoco-render-${camera}.png`), encodePng(rgb!, 256, 256));
  }
});
