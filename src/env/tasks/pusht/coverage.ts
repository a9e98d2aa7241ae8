/**
 * Push-T coverage: the fraction of the goal T that the block covers, area(goal ∩ block) / area(goal), as the
 * reference computes it with shapely (there on the two rectangles of each T; here on the T's 8-corner outline,
 * the same region, which the clipper handles in two thirds of the time). Runs on every step, so it works in the
 * goal's own frame (an exact rigid motion that makes the goal axis-aligned), allocates little, and answers 0
 * without clipping when the bounding boxes are disjoint (exact: disjoint boxes share no area).
 */
import { Clipper, Clipper64, ClipType, FillRule, type Paths64 } from "@countertype/clipper2-ts";
import { GOAL_POSE, type Pose, SUCCESS_COVERAGE, T_AREA } from "./geometry.js";

/** The T's outline in body coordinates (px): the union of its bar and stem as one simple polygon. */
const T_OUTLINE: readonly (readonly [number, number])[] = [
  [-60, 0],
  [60, 0],
  [60, 30],
  [15, 30],
  [15, 120],
  [-15, 120],
  [-15, 30],
  [-60, 30],
];

// Clipper works on integers: 1e-6 px resolution keeps coverage within ~2e-8 of shapely, and coordinate
// differences (< 4000 px) times the scale stay below 2^32, which clipper2-ts' exact collinearity test needs.
const SCALE = 1e6;
const GOAL_AREA = T_AREA * SCALE * SCALE;

// In the goal's frame the goal is the outline itself, and its bounding box is the T's.
const goalPaths: Paths64 = [T_OUTLINE.map(([x, y]) => ({ x: x * SCALE, y: y * SCALE }))];
const GOAL_MIN_X = -60 * SCALE;
const GOAL_MAX_X = 60 * SCALE;
const GOAL_MIN_Y = 0;
const GOAL_MAX_Y = 120 * SCALE;
const GOAL_COS = Math.cos(GOAL_POSE[2]);
const GOAL_SIN = Math.sin(GOAL_POSE[2]);

// Reused on every call: the block's scaled corners, a clipper, a solution list.
const blockPaths: Paths64 = [T_OUTLINE.map(() => ({ x: 0, y: 0 }))];
const clipper = new Clipper64();
const solution: Paths64 = [];

/**
 * Coverage of the goal (256, 256, π/4) by the block with its origin (top-centre of the bar) at (x, y) px and
 * angle `angle` rad, in [0, 1].
 * @example blockCoverage(256, 256, Math.PI / 4) // 1
 */
export function blockCoverage(x: number, y: number, angle: number): number {
  // the block's pose relative to the goal
  const dx = x - GOAL_POSE[0];
  const dy = y - GOAL_POSE[1];
  const rx = GOAL_COS * dx + GOAL_SIN * dy;
  const ry = -GOAL_SIN * dx + GOAL_COS * dy;
  const c = Math.cos(angle - GOAL_POSE[2]);
  const s = Math.sin(angle - GOAL_POSE[2]);
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  const path = blockPaths[0];
  for (let i = 0; i < T_OUTLINE.length; i++) {
    const px = T_OUTLINE[i][0];
    const py = T_OUTLINE[i][1];
    const wx = Math.round((rx + c * px - s * py) * SCALE);
    const wy = Math.round((ry + s * px + c * py) * SCALE);
    path[i].x = wx;
    path[i].y = wy;
    if (wx < minX) minX = wx;
    if (wx > maxX) maxX = wx;
    if (wy < minY) minY = wy;
    if (wy > maxY) maxY = wy;
  }
  if (maxX <= GOAL_MIN_X || minX >= GOAL_MAX_X || maxY <= GOAL_MIN_Y || minY >= GOAL_MAX_Y) return 0;
  clipper.clear();
  clipper.addSubject(blockPaths);
  clipper.addClip(goalPaths);
  solution.length = 0;
  clipper.execute(ClipType.Intersection, FillRule.NonZero, solution);
  return Math.min(Math.abs(Clipper.areaPaths(solution)) / GOAL_AREA, 1);
}

/** {@link blockCoverage} of a pose [x, y, angle]. */
export function poseCoverage(pose: Pose): number {
  return blockCoverage(pose[0], pose[1], pose[2]);
}

/**
 * The reference's reward: coverage normalised by the success threshold and clipped to [0, 1].
 * @example coverageReward(0.475) // 0.5
 */
export function coverageReward(coverage: number): number {
  return Math.min(Math.max(coverage / SUCCESS_COVERAGE, 0), 1);
}

/** Success as the reference judges it: strictly more than 95% of the goal covered. */
export function isCoverageSuccess(coverage: number): boolean {
  return coverage > SUCCESS_COVERAGE;
}
