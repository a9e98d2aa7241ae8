/**
 * MuJoCo software render speed: frames per second of SceneRenderer at 96, 128 and 256 px on one core, for a
 * bimanual-station-like scene of 31 geoms (a table plane and top, two 7-link capsule arms with box fingers, a pin
 * box, pins, a ball and a card), seen by a perspective camera over the table. Each frame is a new arm pose
 * (qpos set and `mj_forward` between frames, outside the timing); RGB only, then RGB + depth + segmentation.
 * Run: node --import tsx bench/mujoco-render.ts [seconds per measurement, default 1]
 * Last line: one JSON object for scripts, `render_fps` being the RGB-only figures.
 */

import loadMujoco from "@mujoco/mujoco";
import { SceneRenderer } from "../src/env/mujoco/render/index.js";

const seconds = Number(process.argv[2] ?? 1);

function arm(name: string, x: number, rgba: string): string {
  let xml = "";
  let close = "";
  for (let i = 0; i < 7; i++) {
    const axis = i % 2 === 0 ? "0 0 1" : "0 1 0";
    xml += `<body name="${name}${i}" pos="0 0 ${i === 0 ? 0 : 0.12}">`;
    xml += `<joint name="${name}j${i}" type="hinge" axis="${axis}"/>`;
    xml += `<geom type="capsule" fromto="0 0 0 0 0 0.12" size="${0.035 - i * 0.003}" rgba="${rgba}"/>`;
    close += "</body>";
  }
  const fingers =
    '<geom type="box" pos="0.015 0 0.15" size="0.006 0.012 0.03" rgba="0.2 0.2 0.2 1"/>' +
    '<geom type="box" pos="-0.015 0 0.15" size="0.006 0.012 0.03" rgba="0.2 0.2 0.2 1"/>';
  return `<body name="${name}" pos="${x} 0 0.4">${xml}${fingers}${close}</body>`;
}

const SCENE = `<mujoco><worldbody>
  <geom type="plane" size="1.5 1.5 0.01" rgba="0.55 0.55 0.5 1"/>
  <geom type="box" pos="0 0.15 0.39" size="0.5 0.3 0.01" rgba="0.6 0.45 0.3 1"/>
  ${arm("left", -0.3, "0.85 0.85 0.88 1")}
  ${arm("right", 0.3, "0.85 0.85 0.88 1")}
  <geom type="box" pos="0 0.25 0.42" size="0.05 0.005 0.02" rgba="0.2 0.4 0.8 1"/>
  <geom type="box" pos="0 0.35 0.42" size="0.05 0.005 0.02" rgba="0.2 0.4 0.8 1"/>
  <geom type="box" pos="-0.045 0.3 0.42" size="0.005 0.045 0.02" rgba="0.2 0.4 0.8 1"/>
  <geom type="box" pos="0.045 0.3 0.42" size="0.005 0.045 0.02" rgba="0.2 0.4 0.8 1"/>
  <geom type="cylinder" pos="-0.15 0.2 0.43" size="0.004 0.03" rgba="0.8 0.7 0.2 1"/>
  <geom type="cylinder" pos="-0.17 0.2 0.43" size="0.004 0.03" rgba="0.8 0.7 0.2 1"/>
  <geom type="cylinder" pos="-0.19 0.2 0.43" size="0.004 0.03" rgba="0.8 0.7 0.2 1"/>
  <geom type="sphere" pos="0.2 0.3 0.43" size="0.03" rgba="0.8 0.2 0.2 1"/>
  <geom type="box" pos="0.15 0.1 0.45" size="0.06 0.002 0.05" rgba="0.1 0.5 0.2 1"/>
  <geom type="ellipsoid" pos="0.25 0.05 0.42" size="0.03 0.02 0.015" rgba="0.5 0.2 0.6 1"/>
  <camera name="top" pos="0 -1.1 1.6" xyaxes="1 0 0 0 0.8 0.6" fovy="55"/>
</worldbody></mujoco>`;

const mj = await loadMujoco();
const model = mj.MjModel.from_xml_string(SCENE);
const data = new mj.MjData(model);
const renderer = new SceneRenderer(mj, model);
const POSES = 240;
const geoms = model.ngeom;

function pose(i: number): void {
  const t = (i % POSES) / POSES;
  const qpos = data.qpos as Float64Array;
  for (let j = 0; j < model.nq; j++) qpos[j] = 0.6 * Math.sin(2 * Math.PI * t + j * 0.7);
  mj.mj_forward(model, data);
}

function measure(size: number, all: boolean): number {
  const req = { camera: "top", width: size, height: size, depth: all, segmentation: all };
  for (let i = 0; i < 300; i++) {
    pose(i);
    renderer.render(data, req); // warm up the JIT
  }
  let frames = 0;
  let rendering = 0;
  while (rendering < seconds * 1e9) {
    pose(frames);
    const start = process.hrtime.bigint();
    renderer.render(data, req);
    rendering += Number(process.hrtime.bigint() - start);
    frames++;
  }
  return frames / (rendering / 1e9);
}

console.log(`scene: ${geoms} geoms, camera "top" (perspective, fovy 55)`);
const fps: Record<string, number> = {};
const fpsAll: Record<string, number> = {};
for (const size of [96, 128, 256]) {
  fps[size] = Math.round(measure(size, false));
  fpsAll[size] = Math.round(measure(size, true));
  console.log(
    `${`${size}x${size}`.padEnd(8)} RGB ${String(fps[size]).padStart(6)} frames/s   ` +
      `RGB+depth+seg ${String(fpsAll[size]).padStart(6)} frames/s`,
  );
}
renderer.dispose();
data.delete();
model.delete();
console.log(JSON.stringify({ render_fps: fps, render_fps_rgb_depth_seg: fpsAll, geoms }));
