/**
 * Tests of the 3D safety wrappers on the real pin-insertion station (MuJoCo): each wrapper stops (or, for an elastic
 * safety zone, clamps) on a scripted violation and lets a compliant episode through, the stopping step does not move
 * the robot, and the station runs its next trial as usual. Joint-target limits use a small joint-mode arm env built
 * on ArmEnv here, since pin insertion takes delta-EE actions only.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Env, StepResult, TaskSpec, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { ArmEnv, armActionSpace, proprioSpace, type TaskStepOutcome } from "../mujoco/arm-env.js";
import { armNames, stationMjcf } from "../mujoco/robot.js";
import { makeEnv, prepareTask } from "../registry.js";
import {
  contactForceLimit,
  deltaCap3d,
  distanceToHull,
  eeWorkspace,
  eStop,
  findEStop,
  findRobot,
  gripperForceLimit,
  jointLimits,
  type Keypose,
  quatAngle,
  type RobotStateSource,
  safetyZone,
  withSafety3d,
} from "./safety-3d.js";
import { wrapperStack } from "./wrap.js";

type PinEnv = Env<number[], readonly number[]>;
let easy: PinEnv; // 3 mm clearance: straight down seats the pin (the compliant episode)
let hard: PinEnv; // 0.5 mm clearance

before(async () => {
  await prepareTask("pin-insertion");
  await prepareTask("pin-insertion-easy");
  easy = makeEnv("pin-insertion-easy") as PinEnv;
  hard = makeEnv("pin-insertion") as PinEnv;
});
after(() => {
  easy?.close();
  hard?.close();
});

/** Runs `act` from a reset until the episode ends or `maxSteps`; returns every step's result. */
function episode(env: PinEnv, seed: number, act: (i: number) => readonly number[], maxSteps = 160) {
  env.reset({ seed });
  const results: StepResult<number[]>[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const r = env.step(act(i));
    results.push(r);
    if (r.terminated || r.truncated) break;
  }
  return { results, last: results[results.length - 1], verdict: env.verify() };
}

const down = () => [0, 0, -1];

/** The compliant episode: straight down seats the pin at 3 mm clearance with no stop. */
function assertCompliant(env: PinEnv, label: string): void {
  const { results, last, verdict } = episode(env, 0, down);
  assert.equal(verdict.success, true, `${label}: ${verdict.reason}`);
  assert.ok(
    results.every((r) => !r.info.safety),
    `${label}: ${JSON.stringify(last.info.safety)}`,
  );
}

test("ArmEnv exposes the robot state the wrappers read, cheaply and without moving anything", () => {
  const robot: RobotStateSource = findRobot(hard); // compile-time: ArmEnv fits the capability
  hard.reset({ seed: 0 });
  const s = robot.robotState();
  assert.equal(s.jointPositions.length, 6);
  assert.deepEqual(s.jointLimits[2], [-0.2, 2.8]); // the elbow's range (robot.ts)
  assert.ok(Math.hypot(...s.eePosition.map((v, k) => v - s.eeTargetPosition[k])) < 0.001, "EE near its target");
  assert.ok(quatAngle(s.eeQuat, s.eeTargetQuat) < 0.01);
  assert.ok(Math.abs(s.gripperForce - 15) < 0.5, `grip ${s.gripperForce} N`); // the pin is held at the force limit
  assert.deepEqual(s.contactForces, []); // hovering: the grasp's own contacts are not listed
  // commandedTarget is the env's own arithmetic: one unit of dz is 0.6 mm, and asking changes nothing
  const c = robot.commandedTarget([0, 0, -1]);
  assert.ok(Math.abs(c.eePosition[2] - (s.eeTargetPosition[2] - 0.0006)) < 1e-12);
  assert.deepEqual(robot.robotState().eeTargetPosition, s.eeTargetPosition);
  assert.deepEqual(robot.holdAction([0.3, 0.2, 0.1]), [0, 0, 0]);
});

test("contact-force limit: pushing the pin hard onto the box stops the trial; seating it does not", () => {
  const env = contactForceLimit(hard, { maxN: 2, pairs: [["pin_box", "pin"]] });
  // 5 mm sideways (past the hole), then down onto the box top
  const { results, last, verdict } = episode(env, 0, (i) => (i < 17 ? [1, 0, 0] : [0, 0, -1]));
  assert.equal(last.info.safety?.kind, "force");
  assert.equal(last.info.safety?.wrapper, "contact-force-limit");
  assert.match(last.info.safety?.reason ?? "", /^contact force between pin and pin_box is [\d.]+ N, limit 2\.00 N$/);
  assert.equal(last.reward, 0);
  assert.ok(
    results.slice(0, -1).every((r) => !r.terminated),
    "the task itself had not ended the trial yet",
  );
  assert.ok("peakForceN" in last.info, "the env's own info is kept beside the stop");
  assert.equal(verdict.success, false);
  // a stopped trial stays stopped: the next step repeats the stop and does not move the arm
  const target = findRobot(env).robotState().eeTargetPosition;
  assert.deepEqual(env.step([0, 0, -1]).info.safety, last.info.safety);
  assert.deepEqual(findRobot(env).robotState().eeTargetPosition, target);
  // the station resets on the next trial as usual, and a compliant one passes
  assertCompliant(contactForceLimit(easy, { maxN: 2, pairs: [["pin_box", "pin"]] }), "contact force");
});

test("EE workspace: driving out of a small box stops before the env moves there", () => {
  hard.reset({ seed: 0 });
  const start = findRobot(hard).robotState().eeTargetPosition;
  const box = {
    low: [start[0] - 0.004, start[1] - 0.004, start[2] - 0.06] as [number, number, number],
    high: [start[0] + 0.004, start[1] + 0.004, start[2] + 0.003] as [number, number, number],
  };
  const env = eeWorkspace(hard, { box });
  const { results, last } = episode(env, 0, () => [1, 0, 0]);
  assert.equal(last.info.safety?.kind, "workspace");
  assert.match(
    last.info.safety?.reason ?? "",
    /^EE target x = [\d.]+ mm is outside the workspace [\d.]+\.\.[\d.]+ mm$/,
  );
  // 4 mm at 0.3 mm per step: 13 steps inside, the 14th would leave
  assert.equal(results.length, 14);
  const target = findRobot(env).robotState().eeTargetPosition;
  assert.ok(target[0] <= box.high[0] && target[0] > box.high[0] - 0.0003, `target x ${target[0]}`);
  easy.reset({ seed: 0 });
  const easyStart = findRobot(easy).robotState().eeTargetPosition;
  assertCompliant(
    eeWorkspace(easy, {
      box: {
        low: [easyStart[0] - 0.004, easyStart[1] - 0.004, 0],
        high: [easyStart[0] + 0.004, easyStart[1] + 0.004, 0.2],
      },
    }),
    "workspace",
  );
});

test("per-step delta cap on the commanded EE move", () => {
  const env = deltaCap3d(hard, { perStepM: [0.0002, 0.0002, 0.0004] });
  env.reset({ seed: 0 });
  assert.equal(env.step([0.5, -0.5, -0.5]).info.safety, undefined); // 0.15, 0.15, 0.3 mm
  const r = env.step([0, 1, 0]);
  assert.equal(r.info.safety?.kind, "delta-cap");
  assert.equal(r.info.safety?.reason, "EE target would move 0.30 mm along y in one step, cap is 0.20 mm per step");
  assertCompliant(deltaCap3d(easy, { perStepM: [0.0003, 0.0003, 0.0006] }), "delta cap"); // the task's own caps
});

test("gripper-force limit: a station with a lower limit than the grasp stops after the first step", () => {
  const low = gripperForceLimit(hard, { maxN: 10 });
  const { results, last } = episode(low, 0, down);
  assert.equal(results.length, 1);
  assert.equal(last.info.safety?.kind, "gripper-force");
  assert.match(last.info.safety?.reason ?? "", /^gripper squeezes with 1[45]\.\d\d N, limit 10\.00 N$/);
  assertCompliant(gripperForceLimit(easy, { maxN: 20 }), "gripper force");
});

/** Four keyposes around the hover (a tetrahedron: a triangle 5 mm above, a point 40 mm below), EE orientation. */
function zoneAround(env: PinEnv): { keyposes: Keypose[]; start: number[] } {
  env.reset({ seed: 0 });
  const s = findRobot(env).robotState();
  const [x, y, z] = s.eeTargetPosition;
  const q = s.eeTargetQuat;
  const r = 0.005;
  const keyposes: Keypose[] = [
    [x + r, y, z + 0.005, ...q],
    [x - r / 2, y + r * 0.866, z + 0.005, ...q],
    [x - r / 2, y - r * 0.866, z + 0.005, ...q],
    [x, y, z - 0.04, ...q],
  ];
  return { keyposes, start: [x, y, z] };
}

test("safety zone: elastic clamps at the boundary and the trial goes on; hard stops; both let a descent through", () => {
  const { keyposes } = zoneAround(hard);
  const zone = { keyposes, posMarginM: 0.001, oriMarginRad: 0.1 };
  const points = keyposes.map((k) => [k[0], k[1], k[2]]);

  const elastic = safetyZone(hard, { ...zone, mode: "elastic" });
  const { results } = episode(elastic, 0, () => [1, 0.3, 0], 40);
  assert.equal(results.length, 40, "no stop: the trial went on");
  assert.ok(results.every((r) => !r.info.safety));
  const clamped = results.filter((r) => r.info.clamped === true);
  assert.ok(clamped.length > 20, `${clamped.length} clamped steps`);
  assert.ok(
    results.slice(0, 3).every((r) => r.info.clamped === undefined),
    "inside, nothing is clamped",
  );
  const target = findRobot(elastic).robotState().eeTargetPosition;
  const outside = distanceToHull(target, points);
  assert.ok(outside <= 0.001 + 1e-6 && outside > 0.001 - 1e-5, `target ${outside * 1000} mm from the hull`);
  // from the boundary, a move back inwards passes unclamped
  const back = elastic.step([-1, 0, 0]);
  assert.equal(back.info.clamped, undefined);

  const hardZone = safetyZone(hard, { ...zone, mode: "hard" });
  const stopped = episode(hardZone, 0, () => [1, 0.3, 0], 40);
  assert.equal(stopped.last.info.safety?.kind, "safety-zone");
  assert.ok(stopped.results.length < 40);
  assert.match(
    stopped.last.info.safety?.reason ?? "",
    /^the EE target would be 0\.\d\d mm outside the safety zone \(hull of 4 keyposes grown by 1\.00 mm\)$/,
  );

  // keyposes turned 90° about z: the held orientation is outside the 0.1 rad margin from the first step
  const turned = keyposes.map((k): Keypose => {
    const [w, qx, qy, qz] = [k[3], k[4], k[5], k[6]];
    const c = Math.SQRT1_2; // q ⊗ (cos 45°, 0, 0, sin 45°)
    return [k[0], k[1], k[2], c * (w - qz), c * (qx + qy), c * (qy - qx), c * (qz + w)];
  });
  const wrongWay = episode(safetyZone(hard, { ...zone, keyposes: turned, mode: "hard" }), 0, down);
  assert.equal(wrongWay.results.length, 1);
  assert.match(wrongWay.last.info.safety?.reason ?? "", /orientation would be 90\.0° from the nearest keypose's/);

  const easyZone = { ...zone, keyposes: zoneAround(easy).keyposes };
  for (const mode of ["elastic", "hard"] as const) {
    const { results: rs, verdict } = episode(safetyZone(easy, { ...easyZone, mode }), 0, down);
    assert.equal(verdict.success, true, `${mode}: ${verdict.reason}`);
    assert.ok(
      rs.every((r) => !r.info.safety && r.info.clamped === undefined),
      mode,
    );
  }
});

/** A right arm alone on a station, driven by joint targets: for the joint-target limit (pin insertion is delta-EE). */
class JointArm extends ArmEnv {
  static readonly ARM = armNames("right");
  static readonly Q0 = [0, 0.3, 1.66, 1.17, 0, 0];
  constructor() {
    const action = { mode: "joint", gripper: "locked-open" } as const;
    const spec: TaskSpec = {
      id: "joint-arm",
      version: 1,
      description: "test arm in joint mode",
      observationSpace: proprioSpace(JointArm.ARM),
      actionSpace: armActionSpace(JointArm.ARM, action),
      maxSteps: 50,
      controlHz: 20,
      evaluation: {},
    };
    const xml = stationMjcf({ name: "joint-arm", arms: [{ prefix: "right", base: [0, -0.2, 0] }] });
    super({ spec, xml, arm: JointArm.ARM, action });
  }
  protected resetScene(): void {
    this.holdArm(JointArm.Q0);
  }
  protected afterControlStep(): TaskStepOutcome {
    return { reward: 0, terminated: false, info: {} };
  }
  verify(): Verification {
    return { success: false, score: null, reason: "no goal", metrics: {} };
  }
}

test("joint limits: a joint target beyond the margin stops before the step; a measured joint inside the margin stops after it", () => {
  const arm = new JointArm();
  try {
    const env = jointLimits(arm, { marginRad: 0.1 });
    env.reset({ seed: 0 });
    const q = [...JointArm.Q0];
    for (let i = 0; i < 5; i++) {
      q[2] += 0.05; // the elbow towards 2.8 rad, within the margin's bound of 2.7
      assert.equal(env.step(q).info.safety, undefined);
    }
    const before = findRobot(env).robotState().jointTargets;
    const r = env.step([0, 0.3, 2.75, 1.17, 0, 0]);
    assert.equal(r.info.safety?.kind, "joint-limit");
    assert.equal(
      r.info.safety?.reason,
      "joint right_elbow commanded to 2.750 rad, allowed -0.100..2.700 rad (range -0.200..2.800 rad less a 0.100 rad margin)",
    );
    assert.deepEqual(findRobot(env).robotState().jointTargets, before, "the stopping step did not move the arm");
  } finally {
    arm.close();
  }
  // delta-EE pin insertion: no joint targets to judge, so the measured joints are checked after each step
  hard.reset({ seed: 0 });
  const s = findRobot(hard).robotState();
  const nearest = Math.min(
    ...s.jointPositions.map((v, i) => Math.min(v - s.jointLimits[i][0], s.jointLimits[i][1] - v)),
  );
  const tight = episode(jointLimits(hard, { marginRad: nearest + 0.01 }), 0, down);
  assert.equal(tight.results.length, 1);
  assert.match(tight.last.info.safety?.reason ?? "", /^joint right_\w+ is at [\d.-]+ rad, allowed/);
  assertCompliant(jointLimits(easy, { marginRad: 0.05 }), "joint limits");
});

test("e-stop: a trigger mid-episode stops the next step without stepping; the next trial runs", () => {
  const env = eStop(hard);
  env.reset({ seed: 0 });
  for (let i = 0; i < 5; i++) assert.equal(env.step([0, 0, -1]).info.safety, undefined);
  env.trigger("operator pressed stop");
  assert.equal(env.pending, "operator pressed stop");
  const target = findRobot(env).robotState().eeTargetPosition;
  const r = env.step([0, 0, -1]);
  assert.deepEqual(r.info.safety, { wrapper: "e-stop", kind: "e-stop", reason: "e-stop: operator pressed stop" });
  assert.equal(r.terminated, true);
  assert.deepEqual(findRobot(env).robotState().eeTargetPosition, target);
  assert.equal(env.pending, null, "the trigger is consumed by its stop");
  env.reset({ seed: 1 });
  assert.equal(env.step([0, 0, -1]).info.safety, undefined, "the next trial runs");
  // a trigger beats even a malformed action
  env.trigger("fleet pause");
  assert.equal(env.step([Number.NaN, 0, 0]).info.safety?.kind, "e-stop");
});

test("a malformed action stops before the env steps, in any wrapper and in the whole stack", () => {
  for (const env of [contactForceLimit(hard, { maxN: 5 }), withSafety3d(hard, { contactForce: { maxN: 5 } })]) {
    env.reset({ seed: 0 });
    const target = findRobot(env).robotState().eeTargetPosition;
    const r = env.step([0, Number.NaN, -1]);
    assert.equal(r.info.safety?.kind, "malformed-action");
    assert.match(r.info.safety?.reason ?? "", /element 1 is NaN; expected 3 finite numbers \[dx/);
    assert.deepEqual(findRobot(env).robotState().eeTargetPosition, target);
    assert.equal(env.step([0, 0]).info.safety?.kind, "malformed-action", "the stop repeats until reset");
  }
});

test("withSafety3d stacks the limits in the documented order and passes a compliant episode", () => {
  const { keyposes } = zoneAround(easy);
  const limits = {
    safetyZone: { keyposes, posMarginM: 0.001, oriMarginRad: 0.1, mode: "elastic" as const },
    workspace: {
      box: { low: [0.3, -0.25, 0] as [number, number, number], high: [0.4, -0.15, 0.2] as [number, number, number] },
    },
    deltaCap: { perStepM: [0.0003, 0.0003, 0.0006] as [number, number, number] },
    jointLimits: { marginRad: 0.05 },
    gripperForce: { maxN: 20 },
    contactForce: { maxN: 3, pairs: [["pin", "pin_box"]] as [string, string][] },
  };
  const env = withSafety3d(easy, limits);
  assert.deepEqual(
    wrapperStack(env).map((l) => l.name),
    [
      "e-stop",
      "safety-zone",
      "workspace",
      "delta-cap-3d",
      "joint-limits",
      "gripper-force-limit",
      "contact-force-limit",
    ],
  );
  assert.equal(findEStop(env), env);
  assertCompliant(env, "stack");
  // driving sideways out of the zone: the elastic zone (outermost of the action checks) scales the command back, so
  // the workspace, delta cap and joint limits inside it see a command within the zone, and the trial goes on
  const { results } = episode(env, 0, () => [1, 1, 0], 30);
  assert.equal(results.length, 30);
  assert.ok(results.some((r) => r.info.clamped === true));
});

test("limits that cannot work are refused when the wrapper is built", () => {
  const pusht = makeEnv("pusht");
  assert.throws(() => contactForceLimit(pusht, { maxN: 5 }), /needs a robot env .* pusht@\d has none/);
  pusht.close();
  assert.throws(() => eeWorkspace(hard, { box: { low: [0, 0, 1], high: [1, 1, 0] } }), InvalidInputError);
  assert.throws(() => jointLimits(hard, { marginRad: 1.7 }), /leaves nothing of right_shoulder's range/);
  assert.throws(() => gripperForceLimit(hard, { maxN: 0 }), InvalidInputError);
  assert.throws(() => deltaCap3d(hard, { perStepM: [0.001, -1, 0] }), InvalidInputError);
  const pose: Keypose = [0.35, -0.2, 0.1, 1, 0, 0, 0];
  assert.throws(
    () => safetyZone(hard, { keyposes: [], posMarginM: 0, oriMarginRad: 0, mode: "hard" }),
    InvalidInputError,
  );
  assert.throws(
    () => safetyZone(hard, { keyposes: [[0.35, -0.2, 0.1, 2, 0, 0, 0]], posMarginM: 0, oriMarginRad: 0, mode: "hard" }),
    /unit quaternion/,
  );
  assert.throws(
    () => safetyZone(hard, { keyposes: [pose], posMarginM: -1, oriMarginRad: 0, mode: "hard" }),
    InvalidInputError,
  );
});

test("distance to a convex hull: inside, faces, edges, corners, and flat, line and point hulls", () => {
  const cube = [0, 1].flatMap((x) => [0, 1].flatMap((y) => [0, 1].map((z) => [x, y, z])));
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  close(distanceToHull([0.5, 0.5, 0.5], cube), 0);
  close(distanceToHull([1, 0.2, 0.7], cube), 0); // on a face
  close(distanceToHull([2, 0.5, 0.5], cube), 1);
  close(distanceToHull([2, 2, 0.5], cube), Math.SQRT2);
  close(distanceToHull([-1, 2, 3], cube), Math.sqrt(1 + 1 + 4));
  const square = [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
  ];
  close(distanceToHull([0.3, 0.6, 0.25], square), 0.25);
  close(distanceToHull([0.3, 0.6, 0], square), 0);
  close(distanceToHull([2, 0.5, 0], square), 1);
  close(
    distanceToHull(
      [0.5, 3, 4],
      [
        [0, 0, 0],
        [1, 0, 0],
      ],
    ),
    5,
  );
  close(distanceToHull([1, 2, 2], [[0, 0, 0]]), 3);
  // random clouds, against two bounds: the distance is at most any vertex's, and at least the gap of every plane
  // through the query (min over the points of their distance behind it), which is what duality makes it equal to
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  };
  for (let t = 0; t < 200; t++) {
    const pts = Array.from({ length: 3 + (t % 12) }, () => [rand(), rand(), rand()]);
    const x = [rand() * 2, rand() * 2, rand() * 2];
    const d = distanceToHull(x, pts);
    assert.ok(d <= Math.min(...pts.map((p) => Math.hypot(p[0] - x[0], p[1] - x[1], p[2] - x[2]))) + 1e-12);
    for (let k = 0; k < 8; k++) {
      const dir = [rand(), rand(), rand()];
      const n = Math.hypot(...dir);
      const u = dir.map((v) => v / n);
      const gap = Math.min(...pts.map((p) => (x[0] - p[0]) * u[0] + (x[1] - p[1]) * u[1] + (x[2] - p[2]) * u[2]));
      assert.ok(d >= gap - 1e-9, "the distance is at least every separating plane's gap");
    }
  }
});
