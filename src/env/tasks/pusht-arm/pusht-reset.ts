/**
 * pusht-arm's procedural reset, as the paper's Push-T station does it (§3.1: detect the T, bring it to the recorded
 * start pose, go home), but by pushing, since this arm is a pusher: the arm moves out of the top camera's view, the
 * T's pose is fitted on the camera's pixels (pixel-verifier.ts `fitT`), the push planner (push-planner.ts) picks one
 * straight push, the arm does it at the pusher's height through its own servos (reset/motion.ts `ArmMotion`,
 * stepping the real physics), leaves the view again and looks again; until the T lies within the tolerance of the
 * seed's start pose. Then the pusher goes to the seed's start. Every failure is a ResetFailedError sentence: no T in
 * view, a red blob that is no flat T, a T out of the pusher's reach, no push that helps, pushes that stopped helping,
 * too many pushes, or the step budget spent.
 * `scatterT` draws a fresh env's first scene: the T at a seeded place and heading.
 */
import { ResetFailedError } from "../../../core/errors.js";
import type { ArmMotion, StepBudget } from "../../mujoco/reset/motion.js";
import type { MjScene, Vec3 } from "../../mujoco/scene.js";
import { angleDiff, PIXEL_VERIFIER, type PixelFit } from "./pixel-verifier.js";
import { type Pose2, planPush, poseCost, type Workspace } from "./push-planner.js";
import { outlineDistance, T_SHAPE, yawQuat } from "./t-block.js";

/** The reset script's constants. */
export const PUSHT_RESET = Object.freeze({
  attempts: 3, // tries of the whole script before ResetFailedError
  budgetSteps: 60000, // physics steps per try (120 s simulated)
  maxPushes: 30, // pushes per try
  tolerance: { pos: 0.015, angleDeg: 10 }, // m, °: the perceived T this close to the start pose counts as placed
  aim: { pos: 0.006, angleDeg: 4 }, // m, °: pushes go on until the perceived T is this close (or stop helping)
  stallPushes: 4, // pushes in a row that gained less than minGain: stop there (placed if within tolerance)
  minGain: 0.001, // m of pose cost (push-planner.ts poseCost) a push must gain to count as progress
  home: [0.08, 0, 0.15] as Vec3, // m, EE where the top camera sees no part of the arm (checked by a test)
  travelZ: 0.055, // m, EE height for moves over the T (the pads' lower edge 12 mm below it; the T's top at 25 mm)
  travelSpeed: 0.4, // m/s, moves in free space
  lowerSpeed: 0.15, // m/s, lowering the pusher beside the T
  pushSpeed: 0.06, // m/s, the push itself (slow enough for the quasi-static model)
  retreat: 0.008, // m, the pusher backs off along the push before it lifts
  settleSteps: 60, // physics steps to let the T come to rest before a look (0.12 s)
  frameSize: 128, // px, the top camera's frame for the fit (within about 0.5 mm and 0.5° at this size)
  reach: { x: [0.24, 0.48], y: [-0.19, 0.19] }, // m, where the T's centroid must lie for the pusher to get around it
  startClearance: 0.016, // m, the pusher's start must stand this far off the placed T's outline
  scatter: { x: [0.28, 0.46], y: [-0.14, 0.14] }, // m, a fresh env's T centroid; heading uniform
});

const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down

/** What the reset script works with: the arm, the eyes, where the T and the pusher must end. */
export interface RestageContext {
  motion: ArmMotion;
  /** The T fitted on a fresh frame of the top camera (the arm out of view), or null when no red T is seen. */
  look(): PixelFit | null;
  target: Pose2; // m, m, rad: the seed's start pose of the T
  eeStart: [number, number]; // m: the seed's start of the pusher
  pusherZ: number; // m, the EE's height while pushing
  workspace: Workspace; // m, where the pusher may go
}

/** How far a pose is from the target: centroid distance, m, and heading error, degrees. */
function errorOf(pose: Pose2, target: Pose2): { pos: number; deg: number } {
  return {
    pos: Math.hypot(pose[0] - target[0], pose[1] - target[1]),
    deg: (Math.abs(angleDiff(pose[2], target[2])) * 180) / Math.PI,
  };
}

/** A pose for messages: "(x, y) mm, yaw°", whole numbers. */
function describe(pose: Pose2): string {
  const whole = (v: number) => String(Math.round(v) || 0); // never "-0"
  return `(${whole(pose[0] * 1000)}, ${whole(pose[1] * 1000)}) mm, ${whole((pose[2] * 180) / Math.PI)}°`;
}

/**
 * Pushes the T to `ctx.target` and puts the pusher at its start; returns what it found and did (e.g. "the T
 * 142 mm, 87° off; 11 pushes"). Throws ResetFailedError with what failed.
 */
export function restageT(ctx: RestageContext, budget: StepBudget): string {
  const R = PUSHT_RESET;
  const { motion, target } = ctx;
  motion.adoptCommand();
  leaveView(ctx, budget);
  let pose = see(ctx, budget);
  const first = errorOf(pose, target);
  const placed = (p: Pose2, limit: { pos: number; deg: number }) => {
    const e = errorOf(p, target);
    return e.pos <= limit.pos && e.deg <= limit.deg && outlineDistance(p, ctx.eeStart) >= R.startClearance;
  };
  const tolerance = { pos: R.tolerance.pos, deg: R.tolerance.angleDeg };
  const aim = { pos: R.aim.pos, deg: R.aim.angleDeg };
  let pushes = 0;
  let stalled = 0;
  while (!placed(pose, aim)) {
    if (stalled >= R.stallPushes || pushes >= R.maxPushes) {
      if (placed(pose, tolerance)) break;
      const e = errorOf(pose, target);
      throw new ResetFailedError(
        `${stalled >= R.stallPushes ? `pushing stopped making progress (${stalled} pushes in a row)` : `${pushes} pushes were not enough`}: ` +
          `the T is ${(e.pos * 1000).toFixed(0)} mm and ${e.deg.toFixed(0)}° from its start pose ` +
          `(tolerance ${R.tolerance.pos * 1000} mm, ${R.tolerance.angleDeg}°)`,
      );
    }
    const push = planPush(pose, target, ctx.workspace);
    if (!push) {
      if (placed(pose, tolerance)) break;
      throw new ResetFailedError(
        `no push from inside the workspace brings the T closer to its start pose: it lies at ${describe(pose)}, ` +
          `the start is ${describe(target)}`,
      );
    }
    doPush(ctx, push.start, push.end, budget);
    pushes++;
    const before = poseCost(pose, target);
    pose = see(ctx, budget);
    stalled = before - poseCost(pose, target) < R.minGain ? stalled + 1 : 0;
  }
  // the pusher to the seed's start, lowered from above beside the placed T
  const [sx, sy] = ctx.eeStart;
  motion.moveTo({ pos: [sx, sy, R.travelZ], mat: DOWN }, budget, {
    speed: R.travelSpeed,
    label: "moving over the pusher's start",
  });
  motion.moveTo({ pos: [sx, sy, ctx.pusherZ], mat: DOWN }, budget, {
    speed: R.lowerSpeed,
    label: "lowering the pusher to its start",
  });
  motion.settle(budget, 200, "settling at the start pose");
  return `the T ${(first.pos * 1000).toFixed(0)} mm, ${first.deg.toFixed(0)}° off; ${pushes} push${pushes === 1 ? "" : "es"}`;
}

/** Lifts the pusher clear of the T (if it is low) and takes the arm out of the top camera's view. */
function leaveView(ctx: RestageContext, budget: StepBudget): void {
  const R = PUSHT_RESET;
  const ee = ctx.motion.ee().pos;
  if (ee[2] < R.travelZ) {
    ctx.motion.moveTo({ pos: [ee[0], ee[1], R.travelZ], mat: DOWN }, budget, {
      speed: R.lowerSpeed,
      label: "lifting the pusher off the table",
    });
  }
  ctx.motion.moveTo({ pos: R.home, mat: DOWN }, budget, {
    speed: R.travelSpeed,
    label: "moving out of the top camera's view",
  });
}

/** Lets the scene settle and fits the T on the top camera's pixels; throws when there is no flat T within reach. */
function see(ctx: RestageContext, budget: StepBudget): Pose2 {
  const R = PUSHT_RESET;
  ctx.motion.physics(R.settleSteps, budget, "waiting for the T to come to rest");
  const fit = ctx.look();
  if (!fit) {
    throw new ResetFailedError(
      `the top camera sees no red T (no red component of at least ${PIXEL_VERIFIER.minArea256} px at 256 px)`,
    );
  }
  if (fit.iou < PIXEL_VERIFIER.minIou) {
    throw new ResetFailedError(
      `the red blob the top camera sees is no flat T (the T's outline fits it with IoU ${fit.iou.toFixed(2)} < ` +
        `${PIXEL_VERIFIER.minIou}): the T is on its side, tilted or partly out of view`,
    );
  }
  const [x, y] = fit.pose;
  if (x < R.reach.x[0] || x > R.reach.x[1] || y < R.reach.y[0] || y > R.reach.y[1]) {
    throw new ResetFailedError(
      `the T lies out of the pusher's reach at ${describe(fit.pose)} (its centre must be within x ` +
        `${R.reach.x.map((v) => v * 1000).join("..")} mm, y ${R.reach.y.map((v) => v * 1000).join("..")} mm)`,
    );
  }
  return fit.pose;
}

/** One push: over the start, lowered beside the T, along the line at the push speed, back off, up and away. */
function doPush(ctx: RestageContext, start: [number, number], end: [number, number], budget: StepBudget): void {
  const R = PUSHT_RESET;
  const { motion } = ctx;
  const z = ctx.pusherZ;
  motion.moveTo({ pos: [start[0], start[1], R.travelZ], mat: DOWN }, budget, {
    speed: R.travelSpeed,
    label: "moving over a push's start",
  });
  motion.moveTo({ pos: [start[0], start[1], z], mat: DOWN }, budget, {
    speed: R.lowerSpeed,
    label: "lowering the pusher beside the T",
  });
  motion.moveTo({ pos: [end[0], end[1], z], mat: DOWN }, budget, { speed: R.pushSpeed, label: "pushing the T" });
  const len = Math.hypot(end[0] - start[0], end[1] - start[1]);
  const back: Vec3 = [(-(end[0] - start[0]) / len) * R.retreat, (-(end[1] - start[1]) / len) * R.retreat, 0];
  motion.moveBy(back, budget, { speed: R.lowerSpeed, label: "backing off the T" });
  leaveView(ctx, budget);
}

/** A fresh env's T: at a seeded place and heading on the table. `u` draws in [lo, hi). */
export function scatterT(scene: MjScene, tQposAdr: number, u: (lo: number, hi: number) => number): Pose2 {
  const s = PUSHT_RESET.scatter;
  const pose: Pose2 = [u(s.x[0], s.x[1]), u(s.y[0], s.y[1]), u(-Math.PI, Math.PI)];
  scene.qposView().set([pose[0], pose[1], T_SHAPE.height / 2, ...yawQuat(pose[2])], tQposAdr);
  scene.forward();
  return pose;
}
