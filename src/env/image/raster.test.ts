import assert from "node:assert/strict";
import { test } from "node:test";
import {
  blendLinear,
  createPlane,
  fatSegment,
  fillCircle,
  fillPolygon,
  type LabelPlane,
  linearTaps,
  pyRound,
  thickLine,
} from "./raster.js";

function painted(plane: LabelPlane): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < plane.height; y++) {
    for (let x = 0; x < plane.width; x++) if (plane.data[y * plane.width + x]) out.push([x, y]);
  }
  return out;
}

function bounds(points: [number, number][]): [number, number, number, number] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

test("pyRound rounds halves to even, like Python's round()", () => {
  assert.deepEqual([2.5, 3.5, -2.5, 0.5, 1.4999, 255.5, 256.50001].map(pyRound), [2, 4, -2, 0, 1, 256, 257]);
});

test("a filled polygon includes its boundary pixels, as pygame's draw_fillpoly does", () => {
  const plane = createPlane(20, 20);
  fillPolygon(plane, [2, 12, 12, 2], [3, 3, 13, 13], 4, 1);
  const points = painted(plane);
  assert.equal(points.length, 11 * 11);
  assert.deepEqual(bounds(points), [2, 3, 12, 13]);
});

test("a filled triangle follows pygame's truncating scanline rule", () => {
  const plane = createPlane(12, 12);
  fillPolygon(plane, [0, 10, 0], [0, 10, 10], 3, 1);
  // row y spans x = 0 .. y: the hypotenuse x = y is drawn, nothing right of it
  for (let y = 0; y <= 10; y++) {
    const row = [...plane.data.subarray(y * 12, y * 12 + 12)];
    assert.deepEqual(
      row,
      row.map((_, x) => (x <= y && x <= 10 ? 1 : 0)),
      `row ${y}`,
    );
  }
});

test("pygame's radius-2 disc is a 4x4 square without corners, centred half a pixel up-left", () => {
  const plane = createPlane(10, 10);
  fillCircle(plane, 5, 5, 2, 1);
  const rows = [3, 4, 5, 6].map((y) => [...plane.data.subarray(y * 10 + 3, y * 10 + 7)].join(""));
  assert.deepEqual(rows, ["0110", "1111", "1111", "0110"]);
  assert.equal(painted(plane).length, 12);
});

test("a radius-15 disc has about the area of a circle and spans 30 pixels", () => {
  const plane = createPlane(64, 64);
  fillCircle(plane, 30, 30, 15, 1);
  const points = painted(plane);
  assert.ok(Math.abs(points.length - Math.PI * 15 * 15) < 25, `area ${points.length}`);
  assert.deepEqual(bounds(points), [15, 15, 44, 44]);
});

test("a width-4 steep line paints x-1 .. x+2 on every row, both ends included", () => {
  const plane = createPlane(30, 30);
  thickLine(plane, 5, 5, 5, 20, 4, 1);
  const points = painted(plane);
  assert.equal(points.length, 4 * 16);
  assert.deepEqual(bounds(points), [4, 5, 7, 20]);
});

test("a wall (fat segment of radius 2) covers a band of five pixels", () => {
  const plane = createPlane(40, 40);
  fatSegment(plane, 5, 30, 5, 5, 2, 1);
  const points = painted(plane);
  assert.deepEqual(bounds(points), [3, 3, 7, 31]);
  for (let y = 6; y <= 29; y++)
    assert.equal(plane.data.subarray(y * 40, y * 40 + 10).join(""), "0001111100", `row ${y}`);
});

test("painting clips to the plane and to a clip rectangle", () => {
  const plane = createPlane(10, 10);
  fillCircle(plane, 0, 0, 5, 1);
  fillPolygon(plane, [-20, 30, 30, -20], [8, 8, 40, 40], 4, 2, { x0: 2, y0: 0, x1: 5, y1: 9 });
  assert.equal(plane.data[0], 1);
  assert.deepEqual([...plane.data.subarray(80, 90)], [0, 0, 2, 2, 2, 2, 0, 0, 0, 0]);
});

test("linear taps match OpenCV INTER_LINEAR: 512 to 96 starts at 2.1667, 512 to 512 copies", () => {
  const down = linearTaps(512, 96);
  assert.equal(down.lo[0], 2);
  assert.equal(down.hi[0], 3);
  assert.equal(down.w1[0], 341); // 0.1667 · 2048
  assert.equal(down.w0[0], 1707);
  assert.equal(down.lo[95], 508);
  const same = linearTaps(512, 512);
  assert.ok(same.lo.every((s, d) => s === d) && same.w0.every((w) => w === 2048));
  const up = linearTaps(512, 680);
  assert.equal(up.lo[0], 0);
  assert.equal(up.w0[0], 2048); // clamped at the left edge
  assert.equal(up.lo[679], 511);
  assert.equal(up.hi[679], 511);
});

test("the fixed-point blend keeps a flat colour and averages a 2x2 for weights of a half", () => {
  for (const c of [0, 1, 143, 254, 255]) assert.equal(blendLinear(c, c, c, c, 1707, 341, 683, 1365), c);
  assert.equal(blendLinear(0, 255, 255, 255, 1024, 1024, 1024, 1024), 191); // (765 + 2) >> 2
});
