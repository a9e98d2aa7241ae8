/**
 * Perception tests on real MuJoCo frames of pin-insertion: the built-in segmenter finds the pin from the wrist camera
 * (held) and the top camera (lying on the table) within a few mm of where it truly is (the test reads the true pose to
 * check; the tools never do), the robot self-filter, crops, filters, ranking, the unknown-query error, deproject.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PinInsertion } from "../../tasks/pin-insertion/pin-insertion.js";
import type { ArmEnv } from "../arm-env.js";
import { loadMujocoOnce } from "../runtime.js";
import { deprojectIn, segmentAllIn, unRle } from "./segment.js";

let env: ArmEnv;
before(async () => {
  await loadMujocoOnce();
  env = new PinInsertion("pin-insertion-easy");
});
after(() => env.close());

/** Puts the pin lying on the table at (x, y), its axis turned yaw rad from +x (test only: the tools never do this). */
function layPin(x: number, y: number, yaw: number): { tip: number[]; end: number[] } {
  env.reset({ seed: 1 });
  const { scene } = env.toolView();
  const q = scene.qposView();
  // pin frame: shaft along −z; a quarter turn about y lays it along −x, then yaw about z
  const qy = [Math.SQRT1_2, 0, Math.SQRT1_2, 0];
  const qz = [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
  const quat = [
    qz[0] * qy[0] - qz[3] * qy[3],
    qz[0] * qy[1] - qz[3] * qy[2],
    qz[0] * qy[2] + qz[3] * qy[1],
    qz[0] * qy[3] + qz[3] * qy[0],
  ];
  q.set([x, y, 0.0055, ...quat], scene.qposAdr("pin_free"));
  scene.forward();
  const tip = scene.sitePos("pin_tip");
  const o = scene.bodyPos("pin");
  // the head's far end: the head (20 mm) continues the 30 mm shaft past the body's origin
  const end = [0, 1, 2].map((k) => o[k] + ((o[k] - tip[k]) * 2) / 3);
  return { tip, end };
}

/** Distance in x, y from p to the segment a–b. */
function offAxis(p: readonly number[], a: readonly number[], b: readonly number[]): number {
  const ab = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / (ab[0] ** 2 + ab[1] ** 2)));
  return Math.hypot(p[0] - a[0] - t * ab[0], p[1] - a[1] - t * ab[1]);
}

test("the wrist camera finds the held pin within a few mm of its head", () => {
  env.reset({ seed: 3 });
  const r = segmentAllIn(env, { query: "small black nail", camera: "right_wrist_cam", size: 128 });
  assert.ok(r.detections.length >= 1, "the pin is seen");
  const best = r.detections[0];
  const c = best.centroidWorldXyz as number[];
  const head = env.toolView().scene.bodyPos("pin"); // the head's underside on the pin's axis
  assert.ok(Math.abs(c[0] - head[0]) < 0.006, `x ${c[0]} vs ${head[0]}`);
  assert.ok(Math.abs(c[1] - head[1]) < 0.003, `y ${c[1]} vs ${head[1]}`);
  assert.ok(c[2] > head[2] - 0.005 && c[2] < head[2] + 0.025, `z ${c[2]} within the head's height above ${head[2]}`);
  assert.ok(best.score >= 0.1 && best.score <= 1);
});

test("the top camera finds a pin lying on the table on its axis, and its principal axis", () => {
  for (const [x, y, yaw] of [
    [0.45, 0.05, 0],
    [0.3, 0.1, Math.PI / 4],
  ]) {
    const { tip, end } = layPin(x, y, yaw);
    const r = segmentAllIn(env, { query: "nail", camera: "top", size: 256, returnMasks: true });
    assert.equal(r.detections.length, 1, `one pin at ${x}, ${y}`);
    const d = r.detections[0];
    const c = d.centroidWorldXyz as number[];
    assert.ok(offAxis(c, tip, end) < 0.003, `centroid ${c} is ${offAxis(c, tip, end)} m off the pin's axis`);
    assert.ok(c[2] > 0 && c[2] < 0.015, `z ${c[2]} on the lying pin`);
    assert.ok(d.aspectRatio > 2.5, `a pin is long: AR ${d.aspectRatio}`);
    const mask = unRle(d.mask as { size: [number, number]; counts: number[] });
    assert.equal(
      mask.reduce((s, v) => s + v, 0),
      d.maskArea,
      "the RLE mask has the area",
    );
    const [bx, by, bw, bh] = d.bboxXywh;
    const p = deprojectIn(env, Math.round(bx + bw / 2), Math.round(by + bh / 2), "top", 256);
    assert.ok(Math.hypot(p[0] - c[0], p[1] - c[1]) < 0.01, "deproject of the box centre lands near the centroid");
  }
});

test("the robot self-filter keeps the arms' dark links out; crops and excluded boxes blank pixels", () => {
  layPin(0.45, 0.05, 0);
  const withRobot = segmentAllIn(env, { query: "nail", camera: "top", size: 128, excludeRobot: false });
  const without = segmentAllIn(env, { query: "nail", camera: "top", size: 128 });
  assert.equal(without.detections.length, 1);
  assert.ok(withRobot.detections.length > 1, "unfiltered, the dark joints of the arms look like nails too");
  const [bx, by, bw, bh] = without.detections[0].bboxXywh;
  const box: [number, number, number, number] = [bx - 1, by - 1, bx + bw, by + bh];
  assert.equal(segmentAllIn(env, { query: "nail", size: 128, imageExcludeBboxes: [box] }).detections.length, 0);
  assert.equal(segmentAllIn(env, { query: "nail", size: 128, imageBbox: [0, 0, 20, 20] }).detections.length, 0);
  assert.equal(segmentAllIn(env, { query: "nail", size: 128, imageBbox: box }).detections.length, 1);
});

test("filters AND together, rankBy orders, scoreThresh drops", () => {
  layPin(0.45, 0.05, 0);
  const all = segmentAllIn(env, { query: "pin", size: 128 }).detections;
  const box = segmentAllIn(env, { query: "pin box", size: 128 }).detections;
  assert.equal(all.length, 1);
  assert.ok(box.length >= 1);
  const area = all[0].maskArea;
  assert.equal(
    segmentAllIn(env, { query: "pin", filters: [{ metric: "area", op: ">=", value: area + 1 }] }).detections.length,
    0,
  );
  assert.equal(
    segmentAllIn(env, {
      query: "pin",
      filters: [
        { metric: "area", op: "<=", value: area },
        { metric: "AR", op: ">=", value: 2 },
      ],
    }).detections.length,
    1,
  );
  assert.equal(segmentAllIn(env, { query: "pin", scoreThresh: 0.99 }).detections.length, 0);
  // ranking: the pin box's top splits into several components (its holes) at 256 px
  const pieces = segmentAllIn(env, { query: "pin box", size: 256, rankBy: { metric: "area", direction: "min" } });
  const areas = pieces.detections.map((d) => d.maskArea);
  assert.deepEqual(
    areas,
    [...areas].sort((a, b) => a - b),
  );
  const maxFirst = segmentAllIn(env, { query: "pin box", size: 256, rankBy: { metric: "area", direction: "max" } });
  assert.equal(maxFirst.detections[0].maskArea, Math.max(...areas));
});

test("an unknown query is refused with the words the task knows", () => {
  env.reset({ seed: 0 });
  assert.throws(() => segmentAllIn(env, { query: "banana" }), /does not know "banana".*known: pin \/ nail/);
  assert.throws(() => segmentAllIn(env, { query: "pin", camera: "ceiling" }), /no camera "ceiling"/);
});
