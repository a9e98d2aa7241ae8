import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateAgentPosition, estimateBlockPose } from "./perception.js";
import { renderPushT } from "./render.js";

/** Block poses spread over the arena and every angle, the pusher away from the block. */
function poses(count: number): [number, number, number][] {
  return Array.from({ length: count }, (_, i) => [
    130 + ((i * 37) % 250),
    130 + ((i * 53) % 250),
    (i * 0.731) % (2 * Math.PI),
  ]);
}

const angleError = (a: number, b: number) => Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));

for (const size of [96, 256]) {
  test(`the block's pose read from a ${size} px frame is within a few arena px and degrees of the truth`, () => {
    const errors: number[] = [];
    const angles: number[] = [];
    for (const [x, y, a] of poses(40)) {
      const est = estimateBlockPose(renderPushT({ agent: [40, 40], block: [x, y, a] }, size), size);
      assert.ok(est, `block at ${x}, ${y} seen`);
      errors.push(Math.hypot(est.pose[0] - x, est.pose[1] - y));
      angles.push(angleError(est.pose[2], a));
      assert.ok(est.agreement > 0.95, `the pose explains the pixels (${est.agreement})`);
    }
    const mean = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
    // one 96 px pixel is 5.3 arena px, and at the end of the 60 px half-bar about 5°
    const limit = size === 96 ? { mean: 3.5, worst: 8, degrees: 6 } : { mean: 2.5, worst: 5, degrees: 3 };
    assert.ok(mean(errors) < limit.mean, `mean position error ${mean(errors).toFixed(2)} px`);
    assert.ok(Math.max(...errors) < limit.worst, `worst position error ${Math.max(...errors).toFixed(2)} px`);
    assert.ok(
      Math.max(...angles) < (limit.degrees * Math.PI) / 180,
      `worst angle error ${((Math.max(...angles) * 180) / Math.PI).toFixed(2)}°`,
    );
  });
}

test("the pusher drawn over the block does not throw the estimate off, and the pusher is found", () => {
  const block: [number, number, number] = [250, 220, 1.1];
  const agent: [number, number] = [232, 262];
  const frame = renderPushT({ agent, block }, 96);
  const est = estimateBlockPose(frame, 96);
  assert.ok(est);
  assert.ok(Math.hypot(est.pose[0] - block[0], est.pose[1] - block[1]) < 10);
  assert.ok(angleError(est.pose[2], block[2]) < 0.1);
  const at = estimateAgentPosition(frame, 96);
  assert.ok(at && Math.hypot(at[0] - agent[0], at[1] - agent[1]) < 6, `pusher at ${at}`);
});

test("a frame without the block gives null, and a frame of the wrong size is refused", () => {
  const blank = new Uint8Array(96 * 96 * 3).fill(255);
  assert.equal(estimateBlockPose(blank, 96), null);
  assert.equal(estimateAgentPosition(blank, 96), null);
  assert.throws(() => estimateBlockPose(blank, 128), /128×128 has 49152 bytes, got 27648/);
});
