import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInputError } from "../../../core/errors.js";
import { COLORS, GOAL_POSE, toWorld } from "./geometry.js";
import { PushTRenderer, type PushTScene, paintPushTCanvas, renderPushT } from "./render.js";

const SRC = 512;

/** The reference pipeline written plainly: the full 512 canvas, then a float bilinear cv2-style resize. */
function referenceImage(scene: PushTScene, size: number): Uint8Array {
  const canvas = paintPushTCanvas(scene);
  const out = new Uint8Array(size * size * 3);
  const tap = (d: number): [number, number, number] => {
    const s = (d + 0.5) * (SRC / size) - 0.5;
    if (s <= 0) return [0, 0, 0];
    if (s >= SRC - 1) return [SRC - 1, SRC - 1, 0];
    const lo = Math.floor(s);
    return [lo, lo + 1, s - lo];
  };
  for (let dy = 0; dy < size; dy++) {
    const [y0, y1, fy] = tap(dy);
    for (let dx = 0; dx < size; dx++) {
      const [x0, x1, fx] = tap(dx);
      for (let c = 0; c < 3; c++) {
        const at = (x: number, y: number) => canvas[(y * SRC + x) * 3 + c];
        const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
        const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
        out[(dy * size + dx) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}

function pixel(image: Uint8Array, size: number, x: number, y: number): number[] {
  const o = (y * size + x) * 3;
  return [image[o], image[o + 1], image[o + 2]];
}

/** The 96 px pixel whose source taps sit on the canvas pixels nearest world point (x, y). */
function at96(p: readonly [number, number]): [number, number] {
  return [Math.round(((p[0] + 0.5) * 96) / SRC - 0.5), Math.round(((p[1] + 0.5) * 96) / SRC - 0.5)];
}

/** Largest per-channel difference between two images of equal length. */
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A small seeded generator so the scene list is the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomScenes(count: number, seed: number): PushTScene[] {
  const rand = lcg(seed);
  const scenes: PushTScene[] = [
    { agent: [256, 400], block: [256, 300, 0] },
    { agent: [256, 256], block: [...GOAL_POSE] }, // agent on the goal, block exactly on it
    { agent: [8, 8], block: [40, 30, 0.3] }, // agent under the wall corner, block against the top wall
    { agent: [500, 250], block: [470, 480, 2.5] }, // near the right and bottom walls
    { agent: [-40, 600], block: [700, -300, 1] }, // bodies off the canvas
    { agent: [150.5, 202.5], block: [150.5, 180.5, 0] }, // exact halves: Python rounds them to even
  ];
  while (scenes.length < count) {
    scenes.push({
      agent: [rand() * 520 - 4, rand() * 520 - 4],
      block: [40 + rand() * 432, 40 + rand() * 432, rand() * 2 * Math.PI],
    });
  }
  return scenes;
}

test("output is size·size·3 bytes for observation and video sizes", () => {
  const scene: PushTScene = { agent: [256, 400], block: [256, 300, 0] };
  for (const size of [96, 256, 512, 680]) assert.equal(renderPushT(scene, size).length, size * size * 3);
});

test("known points have the reference colours", () => {
  const scene: PushTScene = { agent: [400, 100], block: [150, 150, 0] };
  const goalCentre = toWorld(GOAL_POSE, [0, 15]); // middle of the goal's bar
  const blockInside: [number, number] = [150, 165];
  const image512 = renderPushT(scene, 512);
  const image96 = renderPushT(scene, 96);
  for (const [image, size, where] of [
    [image512, 512, (p: readonly [number, number]) => [Math.round(p[0]), Math.round(p[1])]],
    [image96, 96, at96],
  ] as const) {
    const look = (p: readonly [number, number]) => {
      const [x, y] = where(p);
      return pixel(image, size, x, y);
    };
    assert.deepEqual(look(goalCentre), [...COLORS.goal], `goal centre at ${size}`);
    assert.deepEqual(look(blockInside), [...COLORS.blockFill], `block interior at ${size}`);
    assert.deepEqual(look([400, 100]), [...COLORS.agentInner], `agent centre at ${size}`);
    assert.deepEqual(look([480, 480]), [...COLORS.background], `far corner at ${size}`);
  }
  assert.deepEqual(pixel(image512, 512, 400, 100 - 13), [...COLORS.agent], "agent ring");
  assert.deepEqual(pixel(image512, 512, 150, 150), [...COLORS.blockOutline], "block outline on the bar's top edge");
  assert.deepEqual(pixel(image512, 512, 5, 256), [...COLORS.wall], "left wall");
  assert.deepEqual(pixel(image512, 512, 9, 256), [...COLORS.background], "inside the left wall");
});

test("the block moves in the picture when its pose moves", () => {
  const grey = (image: Uint8Array) => {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 96; x++) {
        const [r, g, b] = pixel(image, 96, x, y);
        if (Math.abs(r - 143) < 20 && Math.abs(g - 163) < 20 && Math.abs(b - 184) < 20 && b - r > 30) {
          sx += x;
          sy += y;
          n++;
        }
      }
    }
    return [sx / n, sy / n, n];
  };
  const [x0, y0, n0] = grey(renderPushT({ agent: [450, 450], block: [150, 150, 0] }, 96));
  const [x1, y1, n1] = grey(renderPushT({ agent: [450, 450], block: [150 + 128, 150 + 64, 0] }, 96));
  assert.ok(n0 > 100 && Math.abs(n1 - n0) < 10, `block pixels ${n0}, ${n1}`);
  assert.ok(Math.abs(x1 - x0 - 24) < 0.5 && Math.abs(y1 - y0 - 12) < 0.5, `moved by ${x1 - x0}, ${y1 - y0}`);
  const [xr, yr] = grey(renderPushT({ agent: [450, 450], block: [150, 150, Math.PI] }, 96));
  assert.ok(yr < y0 - 6, `turned upside down, the stem points up: centroid y ${y0} -> ${yr}`);
  assert.ok(Math.abs(xr - x0) < 0.5);
});

test("the 96 px render agrees with a plain 512 render resized bilinearly, frame after frame", () => {
  const out = new Uint8Array(96 * 96 * 3);
  let differing = 0;
  const scenes = randomScenes(60, 7);
  for (const [i, scene] of scenes.entries()) {
    const image = renderPushT(scene, 96, out);
    assert.equal(image, out);
    const reference = referenceImage(scene, 96);
    const worst = maxDiff(image, reference);
    assert.ok(worst <= 1, `scene ${i} ${JSON.stringify(scene)} differs by ${worst}`);
    for (let j = 0; j < out.length; j++) if (out[j] !== reference[j]) differing++;
  }
  // OpenCV's fixed point rounds a blended edge pixel down by one now and then; flat areas are exact
  const share = differing / (scenes.length * out.length);
  console.log(`96 px: ${(share * 100).toFixed(3)}% of bytes off by one`);
  assert.ok(share < 0.03, `${(share * 100).toFixed(2)}% of bytes differ`);
});

test("the 512 render is the reference canvas itself, and 256 and 680 are its resize", () => {
  const renderer512 = new PushTRenderer(512);
  for (const scene of randomScenes(12, 11)) {
    assert.equal(maxDiff(renderer512.render(scene), paintPushTCanvas(scene)), 0);
  }
  for (const size of [256, 680]) {
    const renderer = new PushTRenderer(size);
    for (const scene of randomScenes(8, size)) {
      const worst = maxDiff(renderer.render(scene), referenceImage(scene, size));
      assert.ok(worst <= 1, `size ${size} ${JSON.stringify(scene)} differs by ${worst}`);
    }
  }
});

test("a reused out buffer holds exactly what a fresh render gives", () => {
  const out = new Uint8Array(96 * 96 * 3).fill(7);
  const a: PushTScene = { agent: [100, 100], block: [300, 300, 1] };
  const b: PushTScene = { agent: [400, 420], block: [120, 130, 2] };
  renderPushT(a, 96, out);
  const second = renderPushT(b, 96, out);
  assert.equal(second, out);
  assert.deepEqual(out, new PushTRenderer(96).render(b));
  assert.notDeepEqual(out, new PushTRenderer(96).render(a));
});

test("the action cross is drawn in red only when an action is given", () => {
  const scene: PushTScene = { agent: [100, 100], block: [300, 300, 1] };
  const target: [number, number] = [256, 128];
  const [cx, cy] = [Math.trunc((256 / 512) * 680), Math.trunc((128 / 512) * 680)];
  const withCross = renderPushT({ ...scene, action: target }, 680);
  assert.deepEqual(pixel(withCross, 680, cx, cy), [255, 0, 0]);
  assert.deepEqual(pixel(withCross, 680, cx + 25, cy), [255, 0, 0]); // half-length int(56/2) = 28
  assert.deepEqual(pixel(withCross, 680, cx, cy - 3), [255, 0, 0]); // thickness 7
  assert.deepEqual(pixel(withCross, 680, cx + 20, cy + 20), [...COLORS.background]);
  assert.deepEqual(pixel(renderPushT({ ...scene, action: null }, 680), 680, cx, cy), [...COLORS.background]);
});

test("bad scenes and buffers are refused with the value and what is allowed", () => {
  assert.throws(() => renderPushT({ agent: [Number.NaN, 1], block: [1, 2, 3] }, 96), InvalidInputError);
  assert.throws(() => renderPushT({ agent: [1, 1], block: [1, 2, 3] }, 96, new Uint8Array(10)), /27648 bytes; got 10/);
  assert.throws(() => renderPushT({ agent: [1, 1], block: [1, 2, 3] }, 0), /integer from 1 to 8192 px; got 0/);
});
