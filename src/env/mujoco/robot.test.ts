import assert from "node:assert/strict";
import { before, test } from "node:test";
import { armCollisionBits, armNames, stationMjcf } from "./robot.js";
import { loadMujocoOnce } from "./runtime.js";
import { MjScene } from "./scene.js";

before(async () => {
  await loadMujocoOnce();
});

const RIGHT = armNames("right");
const LEFT = armNames("left");

/** A two-arm station with the arms' joints set to qRight / qLeft; the contacts between bodies of the given sets. */
function contactsBetween(
  qRight: number[],
  qLeft: number[],
  count: (b1: string, b2: string) => boolean,
): { pairs: string[]; scene: MjScene } {
  const scene = MjScene.fromXml(
    stationMjcf({
      name: "arms",
      arms: [
        { prefix: "right", base: [0, -0.2, 0] },
        { prefix: "left", base: [0, 0.2, 0] },
      ],
    }),
  );
  const qpos = scene.qposView();
  RIGHT.joints.forEach((j, i) => {
    qpos[scene.qposAdr(j)] = qRight[i];
  });
  LEFT.joints.forEach((j, i) => {
    qpos[scene.qposAdr(j)] = qLeft[i];
  });
  scene.forward();
  const pairs = scene
    .contacts({ names: false })
    .map((c) => [scene.name("body", c.body1), scene.name("body", c.body2)] as const)
    .filter(([a, b]) => count(a, b))
    .map(([a, b]) => `${a}-${b}`);
  return { pairs, scene };
}

const rightLeft = (a: string, b: string) =>
  (a.startsWith("right_") && b.startsWith("left_")) || (a.startsWith("left_") && b.startsWith("right_"));

test("the two arms of a station collide with each other", () => {
  // both arms turn towards the middle (yaw ±90°) and lean 1 rad over: the upper arms (in link1) cross at y = 0
  const { pairs, scene } = contactsBetween([Math.PI / 2, 1, 0, 0, 0, 0], [-Math.PI / 2, 1, 0, 0, 0, 0], rightLeft);
  try {
    assert.ok(pairs.length > 0, "crossed arms touch");
    assert.ok(pairs.includes("right_link1-left_link1") || pairs.includes("left_link1-right_link1"), pairs.join(", "));
  } finally {
    scene.dispose();
  }
  // apart (both upright), they do not
  const apart = contactsBetween([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], rightLeft);
  assert.deepEqual(apart.pairs, []);
  apart.scene.dispose();
});

test("an arm does not collide with its own links, even folded", () => {
  // elbow folded fully and the wrist bent back: the forearm and hand lie along the upper arm
  const own = (a: string, b: string) =>
    (a.startsWith("right_") && b.startsWith("right_")) || (a.startsWith("left_") && b.startsWith("left_"));
  const { pairs, scene } = contactsBetween([0, 0.3, 2.8, 2, 0, 0], [0, -0.3, 2.8, -2, 0, 0], own);
  scene.dispose();
  assert.deepEqual(pairs, []);
});

test("collision bits: arm i has its own type and is attracted to the world and the other arms only", () => {
  assert.deepEqual(armCollisionBits(0, 1), { contype: 2, conaffinity: 1 });
  assert.deepEqual(armCollisionBits(0, 2), { contype: 2, conaffinity: 1 | 4 });
  assert.deepEqual(armCollisionBits(1, 2), { contype: 4, conaffinity: 1 | 2 });
});
