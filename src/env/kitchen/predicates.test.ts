import assert from "node:assert/strict";
import { test } from "node:test";
import {
  boxCorners,
  burnerOn,
  coffeeSetupMugSuccess,
  doorsOpen,
  drawerState,
  horizontalRadius,
  interiorRegion,
  jointStateDraw,
  normalizeJoint,
  objInsideOf,
  openCabinetSuccess,
  openDrawerSuccess,
  openStandMixerHeadSuccess,
  pnpCounterToCabinetSuccess,
  pnpSinkToCounterSuccess,
  stoveKnobOnDraw,
  turnOffStoveSuccess,
  turnOnSinkFaucetSuccess,
  type Vec3,
  waterOn,
  wrapAngle,
} from "./predicates.js";

const EPS = 1e-6;
const TWO_PI = 2 * Math.PI;
const RIGHT: readonly [number, number] = [0, 1.57]; // RoboCasa's right / single door hinge
const LEFT: readonly [number, number] = [-1.57, 0]; // RoboCasa's left door hinge, opening towards -1.57

test("doors: every door joint at >= 0.90 of its range, a left door's negative range read from its other end", () => {
  assert.equal(normalizeJoint(-1.57, LEFT), 1);
  assert.equal(normalizeJoint(0, LEFT), 0);
  const at = 0.9 * 1.57;
  assert.equal(openCabinetSuccess([{ name: "cab0_door_r", qpos: at + EPS, range: RIGHT }]).success, true);
  assert.equal(openCabinetSuccess([{ name: "cab0_door_r", qpos: at - EPS, range: RIGHT }]).success, false);
  assert.equal(doorsOpen([{ name: "cab0_door_l", qpos: -at - EPS, range: LEFT }]).success, true);
  assert.equal(doorsOpen([{ name: "cab0_door_l", qpos: -at + EPS, range: LEFT }]).success, false);
  // a double door needs both; the reason names the one that is short, with its number
  const half = doorsOpen([
    { name: "cab0_door_l", qpos: -1.5, range: LEFT },
    { name: "cab0_door_r", qpos: 0.8, range: RIGHT },
  ]);
  assert.equal(half.success, false);
  assert.match(half.reason, /cab0_door_r at 0\.510 of its range \(0\.800 rad\) < 0\.9/);
  assert.match(half.reason, /cab0_door_l at 0\.955 of its range/);
  assert.throws(() => doorsOpen([]), /at least one door/);
});

test("drawer: travel / (0.55 × depth) >= 0.95", () => {
  const depth = 0.5; // 0.55 × 0.5 = 0.275 m counts as fully open
  const edge = 0.95 * 0.275;
  assert.equal(openDrawerSuccess({ name: "drawer0", travel: edge + EPS, depth }).success, true);
  const short = openDrawerSuccess({ name: "drawer0", travel: edge - EPS, depth });
  assert.equal(short.success, false);
  assert.match(short.reason, /state 0\.950 < 0\.95/);
  assert.equal(drawerState(0.5, depth) > 1, true); // not clipped: pulled out past 0.55 × depth reads above 1
  assert.equal(openDrawerSuccess({ name: "drawer0", travel: 0, depth }).success, false);
  assert.throws(() => drawerState(0.1, 0), /depth must be positive/);
});

test("stand mixer head: normalised head joint > 0.99, strictly", () => {
  const range: readonly [number, number] = [0, 1.2];
  assert.equal(openStandMixerHeadSuccess({ name: "mixer_head", qpos: 0.99 * 1.2 + EPS, range }).success, true);
  assert.equal(openStandMixerHeadSuccess({ name: "mixer_head", qpos: 0.99 * 1.2 - EPS, range }).success, false);
  assert.equal(openStandMixerHeadSuccess({ name: "mixer_head", qpos: 0.6, range }).success, false);
});

test("stove: a burner is on in [0.35, 2π − 0.35] (mod 2π); TurnOffStove succeeds outside it", () => {
  const off = (qpos: number) => turnOffStoveSuccess({ name: "stove_knob_front_left", qpos }).success;
  assert.equal(off(0.35 - EPS), true);
  assert.equal(off(0.35), false); // inclusive lower end
  assert.equal(off(TWO_PI - 0.35 - EPS), false);
  assert.equal(off(TWO_PI - 0.35 + EPS), true);
  assert.equal(off(0), true);
  // wrap-around: a knob turned back past zero, or a full turn further, reads as Python's q % 2π
  assert.equal(off(-0.3), true); // 2π − 0.3, above the band
  assert.equal(off(-0.4), false); // 2π − 0.4, inside it
  assert.equal(off(TWO_PI + 0.3), true);
  assert.equal(off(2 * TWO_PI + 1), false);
  assert.equal(wrapAngle(-1e-20), TWO_PI); // Python: -1e-20 % (2π) == 2π by rounding, outside the band
  assert.equal(burnerOn(-1e-20), false);
  assert.match(
    turnOffStoveSuccess({ name: "k", qpos: 1 }).reason,
    /knob k at 1\.000 rad \(mod 2π\) is inside the "on" band \[0\.35, 5\.933\]: burner still on/,
  );
});

test("faucet: water on when the handle mod 2π is in (0.40, π), both ends excluded", () => {
  assert.equal(waterOn(0.4), false);
  assert.equal(waterOn(0.4 + EPS), true);
  assert.equal(waterOn(Math.PI - EPS), true);
  assert.equal(waterOn(Math.PI), false);
  assert.equal(waterOn(TWO_PI + 0.5), true);
  assert.equal(waterOn(-0.5), false); // 2π − 0.5
  assert.equal(waterOn(-(TWO_PI - 0.5)), true); // 0.5 after wrapping
  const r = turnOnSinkFaucetSuccess({ name: "sink_handle", qpos: 0.2 });
  assert.equal(r.success, false);
  assert.match(r.reason, /0\.200 rad \(mod 2π\) is outside \(0\.4, π\): water off/);
});

test("coffee mug: xy < 0.04 m and |dz| < 0.10 m from the receptacle site, gripper > 0.25 m from the mug", () => {
  const site: Vec3 = [1, 2, 1];
  const eefFar: Vec3 = [1, 2, 1.5];
  const ok = (mugPos: Vec3, eefPos: Vec3 = eefFar) =>
    coffeeSetupMugSuccess({ mugPos, receptacleSitePos: site, eefPos }).success;
  assert.equal(ok([1.04 - EPS, 2, 1]), true);
  assert.equal(ok([1.04 + EPS, 2, 1]), false);
  assert.equal(ok([1.03, 2.03, 1]), false); // 0.0424 m in xy: the distance is Euclidean, not per axis
  assert.equal(ok([1, 2, 1 - 0.1 + EPS]), true);
  assert.equal(ok([1, 2, 1 - 0.1 - EPS]), false);
  assert.equal(ok([1, 2, 1], [1, 2, 1.25 + EPS]), true);
  assert.equal(ok([1, 2, 1], [1, 2, 1.25 - EPS]), false); // the gripper still holds the mug
  assert.match(
    coffeeSetupMugSuccess({ mugPos: [1.05, 2, 1], receptacleSitePos: site, eefPos: eefFar }).reason,
    /mug 0\.050 m from the receptacle site in xy >= 0\.04, \|dz\| 0\.000 m < 0\.1, gripper 0\.502 m from it > 0\.25/,
  );
});

test("box corners follow the body quaternion (w, x, y, z), as get_bbox_points", () => {
  const s = Math.SQRT1_2; // 90° about z: the box's x half-size 0.1 lies along world y
  const corners = boxCorners([1, 2, 3], [s, 0, 0, s], { low: [-0.1, -0.05, -0.02], high: [0.1, 0.05, 0.02] });
  assert.equal(corners.length, 8);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  assert.ok(Math.abs(Math.max(...xs) - 1.05) < 1e-12 && Math.abs(Math.min(...xs) - 0.95) < 1e-12);
  assert.ok(Math.abs(Math.max(...ys) - 2.1) < 1e-12 && Math.abs(Math.min(...ys) - 1.9) < 1e-12);
});

test("inside of: all 8 corners inside the interior with RoboCasa's 0.05 tolerance on unnormalised edges", () => {
  // interior 0.6 (x) × 0.4 (y) × 0.4 (z) in the cabinet frame; cabinet at (1, 2, 0.5) turned 90° (its x along world y)
  const region = interiorRegion(
    { low: [-0.3, -0.2, 0], high: [0.3, 0.2, 0.4] },
    { pos: [1, 2, 0.5], yaw: Math.PI / 2 },
  );
  const cube = (c: Vec3) => boxCorners(c, [1, 0, 0, 0], { low: [-0.05, -0.05, -0.05], high: [0.05, 0.05, 0.05] });
  assert.equal(objInsideOf(cube([1, 2, 0.7]), [region]).inside, true);
  // along the 0.6 m edge (world y) the tolerance is 0.05 / 0.6 = 0.0833 m past the wall
  assert.equal(objInsideOf(cube([1, 2 + 0.25 + 0.083, 0.7]), [region]).inside, true);
  assert.equal(objInsideOf(cube([1, 2 + 0.25 + 0.084, 0.7]), [region]).inside, false);
  // along the 0.4 m edges (world x, and z) it is 0.05 / 0.4 = 0.125 m
  assert.equal(objInsideOf(cube([1 - 0.15 - 0.124, 2, 0.7]), [region]).inside, true);
  assert.equal(objInsideOf(cube([1 - 0.15 - 0.126, 2, 0.7]), [region]).inside, false);
  assert.equal(objInsideOf(cube([1, 2, 0.55 - 0.124]), [region]).inside, true);
  assert.equal(objInsideOf(cube([1, 2, 0.55 - 0.126]), [region]).inside, false);
  // any one of several interior regions (e.g. shelves) will do
  const upper = interiorRegion(
    { low: [-0.3, -0.2, 0.5], high: [0.3, 0.2, 0.9] },
    { pos: [1, 2, 0.5], yaw: Math.PI / 2 },
  );
  const inUpper = objInsideOf(cube([1, 2, 1.2]), [region, upper]);
  assert.deepEqual([inUpper.inside, inUpper.region], [true, 1]);
});

test("pick-and-place counter to cabinet: inside AND gripper far", () => {
  const region = interiorRegion({ low: [-0.3, -0.2, 0], high: [0.3, 0.2, 0.4] }, { pos: [0, 0, 1], yaw: 0 });
  const objPos: Vec3 = [0, 0, 1.1];
  const run = (o: Vec3, eefPos: Vec3) =>
    pnpCounterToCabinetSuccess({
      objCorners: boxCorners(o, [1, 0, 0, 0], { low: [-0.04, -0.04, -0.06], high: [0.04, 0.04, 0.06] }),
      objPos: o,
      cabinetRegions: [region],
      eefPos,
    });
  assert.equal(run(objPos, [0, -0.3, 1.1]).success, true);
  assert.equal(run(objPos, [0, -0.2, 1.1]).success, false); // the hand still in the cabinet
  const onCounter = run([0, -0.6, 1.1], [0, -1.2, 1.1]);
  assert.equal(onCounter.success, false);
  // its far corners (y = -0.64) are 0.44 m in front of the interior's face (y = -0.2): 0.315 m past the tolerance of
  // 0.05 / 0.4 = 0.125 m along that 0.4 m edge
  assert.match(onCounter.reason, /a bbox corner lies 0\.315 m outside the cabinet interior/);
});

test("pnp sink to counter: touching, xy within 0.7 × container radius, container on the counter, gripper far", () => {
  const radius = horizontalRadius(0.1, 0.1); // 0.1414 m, so the object must sit within 0.099 m of the centre in xy
  const base = {
    containerPos: [0, 0, 0.9] as Vec3,
    containerHorizontalRadius: radius,
    objTouchesContainer: true,
    containerTouchesCounter: true,
    eefPos: [0, 0, 1.3] as Vec3,
  };
  const limit = 0.7 * radius;
  assert.equal(pnpSinkToCounterSuccess({ ...base, objPos: [limit - EPS, 0, 0.93] }).success, true);
  assert.equal(pnpSinkToCounterSuccess({ ...base, objPos: [limit + EPS, 0, 0.93] }).success, false);
  assert.equal(pnpSinkToCounterSuccess({ ...base, objPos: [0, 0, 0.93], objTouchesContainer: false }).success, false);
  const lifted = pnpSinkToCounterSuccess({ ...base, objPos: [0, 0, 0.93], containerTouchesCounter: false });
  assert.equal(lifted.success, false);
  assert.match(lifted.reason, /container does not touch the counter/);
  assert.equal(pnpSinkToCounterSuccess({ ...base, objPos: [0, 0, 0.93], eefPos: [0, 0, 1.1] }).success, false);
});

test("reset draws: the stove knob starts on in [0.50, joint max); opened doors at 0.90..1.0 of their range", () => {
  assert.equal(
    stoveKnobOnDraw(() => 0, Math.PI),
    0.5,
  );
  assert.ok(Math.abs(stoveKnobOnDraw(() => 0.5, Math.PI) - (0.5 + (Math.PI - 0.5) / 2)) < 1e-12);
  for (const u of [0, 0.25, 0.999999]) {
    const q = stoveKnobOnDraw(() => u, Math.PI);
    assert.equal(turnOffStoveSuccess({ name: "k", qpos: q }).success, false); // every episode starts unsolved
  }
  assert.throws(() => stoveKnobOnDraw(() => 0, 0.4), /exceed 0\.5/);
  const right = [0, 0.5, 0.999999].map((u) => jointStateDraw(() => u, RIGHT, 0.9, 1));
  const left = [0, 0.5, 0.999999].map((u) => jointStateDraw(() => u, LEFT, 0.9, 1));
  assert.ok(Math.abs(right[0] - 1.413) < 1e-12 && Math.abs(left[0] + 1.57) < 1e-12);
  for (const q of right) assert.ok(normalizeJoint(q, RIGHT) >= 0.9 - 1e-12 && normalizeJoint(q, RIGHT) <= 1);
  for (const q of left) assert.ok(normalizeJoint(q, LEFT) >= 0.9 - 1e-12 && normalizeJoint(q, LEFT) <= 1);
  assert.equal(
    jointStateDraw(() => 0.7, LEFT, 0, 0),
    0,
  ); // close_door: a left door closes at 0
});
