import assert from "node:assert/strict";
import { test } from "node:test";
import { type Pose2, PUSH_PLANNER, planPush, poseCost, predictPush } from "./push-planner.js";
import { outlineDistance } from "./t-block.js";

const WORKSPACE = { x: [0.2, 0.52], y: [-0.22, 0.22] };

test("the push model: a centred push on the bar slides the T straight, an off-centre one turns it away", () => {
  // edge 0 is the bar's outer edge (body y −0.054, x −0.08..0.08); at heading 0 its inward normal is world +y
  const straight = predictPush([0.37, 0, 0], 0, 0.08, [0, 1], 0.04);
  assert.ok(Math.abs(straight[1] - 0.04) < 0.002, `moved ${straight[1]} m along the push`);
  assert.ok(Math.abs(straight[0] - 0.37) < 0.001 && Math.abs(straight[2]) < 0.01, `${straight}`);
  // pushing the bar's left end (world −x) towards +y turns the T clockwise (yaw falls), and less far along
  const left = predictPush([0.37, 0, 0], 0, 0.02, [0, 1], 0.04);
  assert.ok(left[2] < -0.15, `turned ${left[2]} rad`);
  assert.ok(left[1] < straight[1], "an off-centre push moves the centroid less");
  const right = predictPush([0.37, 0, 0], 0, 0.14, [0, 1], 0.04);
  assert.ok(right[2] > 0.15, `turned ${right[2]} rad`);
});

test("the planner closes in on a far target pose push by push, in the model, with every push clear and in the box", () => {
  let pose: Pose2 = [0.3, 0.1, 2.5];
  const target: Pose2 = [0.4, -0.05, 0.3];
  const costs = [poseCost(pose, target)];
  for (let i = 0; i < 12 && costs[costs.length - 1] > 0.005; i++) {
    const push = planPush(pose, target, WORKSPACE);
    assert.ok(push, `push ${i}: a push that helps exists`);
    for (const p of [push.start, push.end]) {
      assert.ok(p[0] >= 0.2 && p[0] <= 0.52 && p[1] >= -0.22 && p[1] <= 0.22, `push ${i} leaves the box: ${p}`);
    }
    assert.ok(outlineDistance(pose, push.start) >= PUSH_PLANNER.pusherRadius, `push ${i} starts on the T`);
    pose = push.predicted;
    costs.push(push.cost);
  }
  assert.ok(costs.length <= 10, `${costs.length - 1} pushes`);
  assert.ok(costs[costs.length - 1] <= 0.005, `ends ${costs[costs.length - 1]} from the target`);
  for (let i = 1; i < costs.length; i++) assert.ok(costs[i] < costs[i - 1], "every push gets closer");
});

test("the planner offers nothing when the T is already there or no push fits the workspace", () => {
  assert.equal(planPush([0.37, 0, 0], [0.37, 0, 0], WORKSPACE), null);
  // a box the pusher cannot get around the T in
  assert.equal(planPush([0.37, 0, 0], [0.3, 0, 1], { x: [0.36, 0.38], y: [-0.01, 0.01] }), null);
});
