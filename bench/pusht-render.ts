/**
 * Push-T render speed: frames per second at 96 px (the observation) and 512 px (a video frame), each frame a
 * new pose along a pushing path, rendered into a reused buffer as a rollout does.
 * Run: node --import tsx bench/pusht-render.ts [frames]     Last line: one JSON object for scripts.
 */

import { type PushTScene, renderPushT } from "../src/env/tasks/pusht/render.js";

const frames = Number(process.argv[2] ?? 20000);

function scene(i: number): PushTScene {
  const t = i / 300;
  return {
    agent: [256 + 180 * Math.cos(t * 3), 256 + 180 * Math.sin(t * 2)],
    block: [256 + 120 * Math.sin(t), 256 + 100 * Math.cos(t * 1.3), t * 0.7],
  };
}

function measure(size: number, count: number): { fps: number; usPerFrame: number } {
  const out = new Uint8Array(size * size * 3);
  const scenes = Array.from({ length: 600 }, (_, i) => scene(i));
  for (let i = 0; i < Math.min(2000, count); i++) renderPushT(scenes[i % scenes.length], size, out); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) renderPushT(scenes[i % scenes.length], size, out);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { fps: count / seconds, usPerFrame: (seconds / count) * 1e6 };
}

const r96 = measure(96, frames);
console.log(`96x96   ${r96.fps.toFixed(0).padStart(8)} frames/s  ${r96.usPerFrame.toFixed(1).padStart(7)} µs/frame`);
const r512 = measure(512, Math.max(1, Math.floor(frames / 10)));
console.log(`512x512 ${r512.fps.toFixed(0).padStart(8)} frames/s  ${r512.usPerFrame.toFixed(1).padStart(7)} µs/frame`);
console.log(
  JSON.stringify({
    bench: "pusht-render",
    node: process.version,
    fps96: Math.round(r96.fps),
    us96: Number(r96.usPerFrame.toFixed(2)),
    fps512: Math.round(r512.fps),
    us512: Number(r512.usPerFrame.toFixed(2)),
  }),
);
