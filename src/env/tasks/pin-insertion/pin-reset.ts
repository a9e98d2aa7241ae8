/**
 * Pin insertion's procedural reset: the right arm puts the pin back in the hardest phase (grasped, hovering over the
 * hole) from wherever the last episode left it, as the paper's station does (§3.2), stepping the real physics.
 *   held (the gripper closed on something: the episode's usual end, the pin seated or not) → pull straight up, which
 *     draws it out of the hole, check the grasp, stand it in the pin stand and grasp it afresh (an episode may have
 *     pushed it up or tilted it in the grasp), move to the hover pose;
 *   not held → open, go up and out of the top camera's way, find the pin on pixels (reset/perception.ts):
 *     standing (in a hole or the stand) → grasp the head from above, pull up, hover;
 *     lying on its side → grasp the head from above, turn the hand so the pin hangs tip down, drop it into the pin
 *     stand (a socket on the table: the regrasp fixture), grasp it again from above, pull it out, hover.
 * Grasp checks read the gripper's width (the head is 10 mm across); every failure is a ResetFailedError sentence.
 * `scatterPin` draws a fresh env's first scene: the pin lying on the table at a seeded place and heading.
 */
import { ResetFailedError } from "../../../core/errors.js";
import { type IkTarget, matMul, rotvecToMat } from "../../mujoco/ik.js";
import { type ArmMotion, fmt, rotZ, type StepBudget } from "../../mujoco/reset/motion.js";
import type { ObjectLocator, ObjectQuery, Sighting } from "../../mujoco/reset/perception.js";
import type { MjScene, Vec3 } from "../../mujoco/scene.js";
import { PIN, PIN_STAND } from "./pin-box.js";

/** The reset script's constants. */
export const PIN_RESET = Object.freeze({
  attempts: 3, // tries of the whole script before ResetFailedError
  budgetSteps: 15000, // physics steps per try (30 s simulated)
  liftHeight: 0.1, // m, EE height for moves in free space
  pullUp: 0.05, // m, how far a held pin is pulled straight up (the hole is 15 mm deep)
  pullSpeed: 0.05, // m/s, pulling out of a hole
  approachSpeed: 0.08, // m/s, the last few centimetres to a grasp
  home: [0.12, -0.38, 0.25] as Vec3, // m, EE while the top camera looks (the arm out of the pin's way)
  turnAt: [0.3, -0.28, 0.12] as Vec3, // m, where the hand turns a lying pin tip-down (the wrist has room there)
  maxRoll: 2.6, // rad, largest turn of the hand about the vertical from the plain downward grasp (the roll joint: ±3)
  heldWidth: [0.0075, 0.0125] as [number, number], // m, gripper width that means the head is between the pads
  lyingGraspAbove: 0.003, // m, EE above the lying head's top (the pads' lower edge then clears the surface)
  standingHeight: 0.025, // m, a pin whose top is this much above its surroundings stands
  dropAbove: 0.003, // m, the tip above the table when the pin is let go into the stand
  settleSteps: 300, // most physics steps to let the pin come to rest after a drop
  scatter: { x: [0.32, 0.42], y: [-0.36, -0.3] }, // m, where a fresh scene's pin lies
});

const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down, fingers closing along world y

/** The pin, to the station's segmenter: on or near the table in front of the right arm. */
export const PIN_QUERY: ObjectQuery = Object.freeze({
  label: "pin",
  region: { low: [0.15, -0.5, -0.005], high: [0.55, 0.05, 0.08] },
  minPixels: 4,
}) as ObjectQuery;

/** A fresh env's pin: lying on its side on the table, at a seeded place and heading. `u` draws in [lo, hi). */
export function scatterPin(scene: MjScene, pinQposAdr: number, u: (lo: number, hi: number) => number): void {
  const x = u(PIN_RESET.scatter.x[0], PIN_RESET.scatter.x[1]);
  const y = u(PIN_RESET.scatter.y[0], PIN_RESET.scatter.y[1]);
  const heading = u(-Math.PI, Math.PI);
  // the pin's axis (body z) horizontal along the heading: turn about z by the heading, then 90° about y
  const qz = [Math.cos(heading / 2), 0, 0, Math.sin(heading / 2)];
  const qy = [Math.SQRT1_2, 0, Math.SQRT1_2, 0];
  const q = quatMul(qz, qy);
  // origin at the head's underside; lying on a head face the axis is 5 mm above the table
  scene.qposView().set([x, y, PIN.headHalf[0] + 0.001, ...q], pinQposAdr);
  scene.forward();
}

/**
 * Re-stages the pin: ends with it grasped by the right arm, whose EE is at `hover` pointing down. Returns where it
 * found the pin. Throws ResetFailedError (with what failed) when a step cannot be done. `retry`: an earlier try
 * failed part-way, so a pin in the hand may sit any way in it: let go and start from the camera.
 */
export function restagePin(
  motion: ArmMotion,
  locator: ObjectLocator,
  hover: Vec3,
  budget: StepBudget,
  retry = false,
): string {
  motion.adoptCommand();
  let found: string;
  if (!retry && isHeld(motion) && pointsDown(motion)) {
    found = "held";
    motion.moveBy([0, 0, PIN_RESET.pullUp], budget, { speed: PIN_RESET.pullSpeed, label: "pulling the held pin up" });
    requireHeld(motion, "after pulling the held pin up");
    // an episode may have pushed the pin up or sideways in the grasp: stand it in the stand and grasp it afresh
    regraspInStand(motion, locator, { mat: DOWN, headInHand: [0, 0, 0] }, budget);
  } else {
    motion.open(budget);
    const up = motion.commandedPose();
    motion.moveTo(
      { pos: [up.pos[0], up.pos[1], Math.max(up.pos[2], Math.min(up.pos[2] + 0.06, 0.15))], mat: up.mat },
      budget,
      {
        label: "backing off the pin",
      },
    );
    motion.moveTo({ pos: PIN_RESET.home, mat: DOWN }, budget, { label: "moving out of the camera's view" });
    const seen = see(locator, motion, budget);
    if (isStanding(seen)) {
      found = "standing";
      graspStanding(motion, seen, budget);
    } else {
      found = "lying";
      const held = graspLying(motion, seen, budget);
      regraspInStand(motion, locator, held, budget);
    }
  }
  motion.moveTo({ pos: [hover[0], hover[1], PIN_RESET.liftHeight], mat: DOWN }, budget, { label: "carrying the pin" });
  motion.moveTo({ pos: hover, mat: DOWN }, budget, { speed: PIN_RESET.approachSpeed, label: "lowering to hover" });
  motion.settle(budget, 200, "settling at the hover pose");
  requireHeld(motion, "at the hover pose");
  return found;
}

/** The hand's tool axis within 10° of straight down (as every episode keeps it). */
function pointsDown(motion: ArmMotion): boolean {
  return -motion.ee().mat[8] > Math.cos((10 * Math.PI) / 180);
}

function isHeld(motion: ArmMotion): boolean {
  const w = motion.width();
  return w >= PIN_RESET.heldWidth[0] && w <= PIN_RESET.heldWidth[1] && motion.gripForce() > 5;
}

function requireHeld(motion: ArmMotion, when: string): void {
  if (!isHeld(motion)) {
    throw new ResetFailedError(
      `the pin is not in the gripper ${when}: the pads stand ${(motion.width() * 1000).toFixed(1)} mm apart ` +
        `(a held head reads ${PIN_RESET.heldWidth.map((v) => v * 1000).join("-")} mm) at ${motion.gripForce().toFixed(1)} N`,
    );
  }
}

/** Looks for the pin from the top camera (the arm at home); throws when it is not seen. */
function see(locator: ObjectLocator, motion: ArmMotion, budget: StepBudget): Sighting {
  motion.settle(budget, 100, "waiting for the scene to settle before looking");
  const seen = locator.locate(PIN_QUERY);
  if (!seen) {
    throw new ResetFailedError(
      "the top camera does not see the pin on the table in front of the right arm (fewer than " +
        `${PIN_QUERY.minPixels} pin pixels in x ${PIN_QUERY.region.low[0]}..${PIN_QUERY.region.high[0]} m, ` +
        `y ${PIN_QUERY.region.low[1]}..${PIN_QUERY.region.high[1]} m)`,
    );
  }
  return seen;
}

function isStanding(s: Sighting): boolean {
  const low = Math.min(...s.points.map((p) => p[2]));
  return s.along[1] - s.along[0] < 0.015 && s.top - Math.min(low, 0.02) > PIN_RESET.standingHeight;
}

/**
 * Grasps a standing pin's head from above and pulls it up. In the stand (`inStand`) the pin leans against a wall
 * (it leans along x, the way it was dropped), and the pads would keep that lean about their own normal: so the hand
 * closes with the pads across x, over the socket's axis, which stands the pin upright as they close, and turns back
 * to the plain downward grasp once the pin is out (a turn about the vertical keeps it upright).
 */
function graspStanding(motion: ArmMotion, seen: Sighting, budget: StepBudget, inStand = false): void {
  const head = seen.points.filter((p) => p[2] > seen.top - 0.006);
  const cx = inStand ? PIN_STAND.pos[0] : head.reduce((a, p) => a + p[0], 0) / head.length;
  const cy = head.reduce((a, p) => a + p[1], 0) / head.length;
  const eeZ = seen.top - PIN.headHalf[2];
  const mat = inStand ? matMul(rotZ(Math.PI / 2), DOWN) : DOWN;
  motion.moveTo({ pos: [cx, cy, eeZ + 0.05], mat }, budget, { label: "moving over the standing pin" });
  motion.moveTo({ pos: [cx, cy, eeZ], mat }, budget, {
    speed: PIN_RESET.approachSpeed,
    label: "lowering onto the standing pin",
  });
  motion.close(budget, "grasping the standing pin");
  requireHeld(motion, `after grasping it standing at ${fmt([cx, cy, seen.top])}`);
  motion.moveBy([0, 0, 0.06], budget, { speed: PIN_RESET.pullSpeed, label: "pulling the standing pin up" });
  if (inStand) {
    const up = motion.commandedPose();
    motion.moveTo({ pos: up.pos, mat: DOWN }, budget, { label: "turning the upright pin back to the plain grasp" });
  }
  requireHeld(motion, "after pulling the standing pin up");
}

/** How a tipped pin sits in the hand: the hand's orientation and the head's centre in the hand's frame. */
interface TippedGrasp {
  mat: number[];
  headInHand: Vec3;
}

/** Grasps a lying pin's head from above with the pads across it, lifts it and tips it tip-down. */
function graspLying(motion: ArmMotion, seen: Sighting, budget: StepBudget): TippedGrasp {
  // the head end is the higher one (the head is 10 mm tall lying, the shaft 4 mm)
  const span = seen.along[1] - seen.along[0];
  const endZ = (fromHi: boolean) => {
    const pts = seen.points.filter((p) => {
      const s = (p[0] - seen.centroid[0]) * seen.axis[0] + (p[1] - seen.centroid[1]) * seen.axis[1];
      return fromHi ? s > seen.along[1] - 0.3 * span : s < seen.along[0] + 0.3 * span;
    });
    return Math.max(...pts.map((p) => p[2]));
  };
  const headHi = endZ(true) >= endZ(false);
  const sign = headHi ? 1 : -1;
  const headFar = headHi ? seen.along[1] : seen.along[0];
  const sHead = headFar - sign * PIN.headHalf[2];
  const hx = seen.centroid[0] + sHead * seen.axis[0];
  const hy = seen.centroid[1] + sHead * seen.axis[1];
  const tipDir: [number, number] = [-sign * seen.axis[0], -sign * seen.axis[1]]; // head → tip
  // hand x along the pin, yaw within ±90° of the plain downward grasp
  let yaw = Math.atan2(tipDir[1], tipDir[0]) + Math.PI;
  while (yaw > Math.PI / 2) yaw -= Math.PI;
  while (yaw < -Math.PI / 2) yaw += Math.PI;
  const grasp: IkTarget = { pos: [hx, hy, seen.top + PIN_RESET.lyingGraspAbove], mat: matMul(rotZ(yaw), DOWN) };
  motion.moveTo({ pos: [hx, hy, grasp.pos[2] + 0.05], mat: grasp.mat }, budget, { label: "moving over the lying pin" });
  motion.moveTo(grasp, budget, { speed: PIN_RESET.approachSpeed, label: "lowering onto the lying pin" });
  motion.close(budget, "grasping the lying pin");
  requireHeld(motion, `after grasping it lying with its head at ${fmt([hx, hy, seen.top])}`);
  motion.moveBy([0, 0, PIN_RESET.liftHeight - grasp.pos[2]], budget, { label: "lifting the lying pin" });
  requireHeld(motion, "after lifting the lying pin");
  // carry it to where the hand turns freely, turn the pin's tip towards the arm's base (within ±40° of −x, the
  // way that keeps the wrist's roll smallest, in two halves so each turn is the short way), then tip it down: the
  // palm ends on the tip's side, towards the base, the tool axis roughly along +x
  const heading = Math.atan2(tipDir[1], tipDir[0]);
  let turn = Number.NaN;
  for (let k = 0; k <= 14 && Number.isNaN(turn); k++) {
    const aim = Math.PI + (k % 2 === 0 ? 1 : -1) * Math.ceil(k / 2) * 0.1; // π, then further off either side
    for (const wrap of [-2 * Math.PI, 0, 2 * Math.PI]) {
      const t = aim - heading + wrap;
      if (Math.abs(yaw + t) <= PIN_RESET.maxRoll && Math.abs(t) <= 1.5 * Math.PI) turn = t;
    }
  }
  if (Number.isNaN(turn)) turn = Math.PI - heading;
  motion.moveTo({ pos: PIN_RESET.turnAt, mat: grasp.mat }, budget, { label: "carrying the pin to turn it" });
  motion.moveTo({ pos: PIN_RESET.turnAt, mat: matMul(rotZ(turn / 2), grasp.mat) }, budget, {
    label: "turning the pin towards the arm",
  });
  const yawed = matMul(rotZ(turn), grasp.mat);
  motion.moveTo({ pos: PIN_RESET.turnAt, mat: yawed }, budget, { label: "turning the pin towards the arm" });
  const h = heading + turn; // the tip's heading now; tip it down about the horizontal axis across it
  const tipped = matMul(rotvecToMat([(-Math.sin(h) * Math.PI) / 2, (Math.cos(h) * Math.PI) / 2, 0]), yawed);
  // where the head's centre sits in the hand, from the grasp: the hand's frame is rigid with the pin from here on
  const headInHand = toHand(grasp, [hx, hy, seen.top - PIN.headHalf[0]]);
  motion.moveTo({ pos: PIN_RESET.turnAt, mat: tipped }, budget, { label: "tipping the pin tip-down" });
  requireHeld(motion, "after tipping the pin tip-down");
  return { mat: tipped, headInHand };
}

/** Drops the tip-down pin into the stand, grasps it again from above and pulls it out. */
function regraspInStand(motion: ArmMotion, locator: ObjectLocator, held: TippedGrasp, budget: StepBudget): void {
  const { mat, headInHand } = held;
  const [sx, sy] = PIN_STAND.pos;
  const headToTip = PIN.headHalf[2] + PIN.shaftLength;
  const eeFor = (headZ: number): Vec3 => {
    const off = rotate(mat, headInHand);
    return [sx - off[0], sy - off[1], headZ - off[2]];
  };
  const dropHeadZ = PIN_RESET.dropAbove + headToTip;
  motion.moveTo({ pos: eeFor(dropHeadZ + 0.03), mat }, budget, { label: "carrying the pin over the stand" });
  motion.moveTo({ pos: eeFor(dropHeadZ), mat }, budget, {
    speed: PIN_RESET.approachSpeed,
    label: "lowering the pin into the stand",
  });
  motion.open(budget, 0.03, "letting go of the pin in the stand");
  motion.moveBy([-0.05 * mat[2], -0.05 * mat[5], 0.03], budget, { label: "backing away from the stand" });
  motion.moveTo({ pos: PIN_RESET.home, mat: DOWN }, budget, { label: "moving out of the camera's view" });
  motion.settle(budget, PIN_RESET.settleSteps, "letting the pin come to rest in the stand");
  const seen = locator.locate(PIN_QUERY);
  if (!seen || !isStanding(seen)) {
    throw new ResetFailedError(
      seen
        ? `the pin did not stay upright in the stand: the camera sees it ${(seen.top * 1000).toFixed(1)} mm high, ` +
            `${((seen.along[1] - seen.along[0]) * 1000).toFixed(1)} mm long at ${fmt(seen.centroid)}`
        : "the pin vanished from the camera's view after it was dropped into the stand",
    );
  }
  motion.open(budget);
  graspStanding(motion, seen, budget, true);
}

/** A world point in the hand frame of `pose`. */
function toHand(pose: IkTarget, p: Vec3): Vec3 {
  const d = [p[0] - pose.pos[0], p[1] - pose.pos[1], p[2] - pose.pos[2]];
  const m = pose.mat;
  return [
    m[0] * d[0] + m[3] * d[1] + m[6] * d[2],
    m[1] * d[0] + m[4] * d[1] + m[7] * d[2],
    m[2] * d[0] + m[5] * d[1] + m[8] * d[2],
  ];
}

function rotate(m: readonly number[], v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

function quatMul(a: number[], b: number[]): number[] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}
