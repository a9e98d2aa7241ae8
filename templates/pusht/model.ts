/**
 * The policy's internal model of Push-T: T geometry, a quasi-static frictionless push model, the pusher's PD
 * tracking, a pose cost and an exact coverage. Self-contained (the policy runs in a sandbox and sees only the
 * observation), so the geometry is restated here rather than imported from the simulator.
 *
 * Units are px (y down) and radians. A block pose here is CoG-based, [cx, cy, angle], because the block turns
 * about its centre of gravity; `fromOrigin`/`toOrigin` convert from and to the observation's body-origin pose.
 */

/** A mutable 2-vector or pose; plain arrays keep the hot loops allocation-light. */
export type Vec = [number, number];
export type BlockPose = [cx: number, cy: number, angle: number];

export const PUSHER_RADIUS = 15;
/** Centre of gravity in body coordinates, as the reference computes it (mean of the two parts' centroids). */
export const COG_Y = 45;
export const MASS = 1;
/** Moment of inertia about the CoG (the reference's odd value). */
export const MOMENT = 3000;
/** The T's two boxes in body coordinates [x0, y0, x1, y1]; the body origin is the top-centre of the bar. */
export const BOXES: readonly (readonly [number, number, number, number])[] = [
  [-60, 0, 60, 30],
  [-15, 30, 15, 120],
];
/** The convex hull of the T in body coordinates, clockwise on screen (y down). */
export const HULL: readonly Vec[] = [
  [-60, 0],
  [60, 0],
  [60, 30],
  [15, 120],
  [-15, 120],
  [-60, 30],
];
/** The eight polygon corners, the points whose squared error makes the pose cost. */
const CORNERS: readonly Vec[] = [
  [-60, 0],
  [60, 0],
  [60, 30],
  [-60, 30],
  [-15, 30],
  [15, 30],
  [15, 120],
  [-15, 120],
];
/** Goal pose of the body origin. */
export const GOAL_ORIGIN: readonly [number, number, number] = [256, 256, Math.PI / 4];
/** Walls keep the block's points inside [WALL_MIN, WALL_MAX] (segments at 5 and 506 px with radius 2). */
export const WALL_MIN = 7;
export const WALL_MAX = 504;
export const ARENA = 512;

/** PD tracking of the commanded target, exactly as the environment integrates the (kinematic) pusher. */
export const KP = 100;
export const KV = 20;
export const SUBSTEPS = 10;
export const DT = 0.01;

export function wrapAngle(a: number): number {
  let r = a % (2 * Math.PI);
  if (r > Math.PI) r -= 2 * Math.PI;
  if (r <= -Math.PI) r += 2 * Math.PI;
  return r;
}

/** CoG pose from an observation-style origin pose [x, y, angle]. */
export function fromOrigin(x: number, y: number, angle: number): BlockPose {
  return [x - Math.sin(angle) * COG_Y, y + Math.cos(angle) * COG_Y, angle];
}

/** Body-origin pose [x, y, angle] of a CoG pose. */
export function toOrigin(p: BlockPose): [number, number, number] {
  return [p[0] + Math.sin(p[2]) * COG_Y, p[1] - Math.cos(p[2]) * COG_Y, p[2]];
}

/** World point of a body-frame point for a CoG pose. */
export function bodyToWorld(p: BlockPose, bx: number, by: number): Vec {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  const y = by - COG_Y;
  return [p[0] + c * bx - s * y, p[1] + s * bx + c * y];
}

/** Body-frame point of a world point for a CoG pose. */
export function worldToBody(p: BlockPose, wx: number, wy: number): Vec {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  const dx = wx - p[0];
  const dy = wy - p[1];
  return [c * dx + s * dy, -s * dx + c * dy + COG_Y];
}

/** Body-frame direction to world, and back. */
export function dirToWorld(angle: number, dx: number, dy: number): Vec {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c * dx - s * dy, s * dx + c * dy];
}

/** Distance from a body-frame point to the T (0 inside). */
export function distanceToT(bx: number, by: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const b of BOXES) {
    const qx = Math.min(Math.max(bx, b[0]), b[2]);
    const qy = Math.min(Math.max(by, b[1]), b[3]);
    const d = Math.hypot(bx - qx, by - qy);
    if (d < best) best = d;
  }
  return best;
}

const GOAL_COG = fromOrigin(GOAL_ORIGIN[0], GOAL_ORIGIN[1], GOAL_ORIGIN[2]);
const GOAL_CORNERS: Vec[] = CORNERS.map(([x, y]) => bodyToWorld(GOAL_COG, x, y));

/** Mean squared corner error against the goal in px²: 0 at the goal, about 4 px² at 2 px or 0.03 rad off. */
export function poseCost(p: BlockPose): number {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  let sum = 0;
  for (let i = 0; i < CORNERS.length; i++) {
    const bx = CORNERS[i][0];
    const by = CORNERS[i][1] - COG_Y;
    const dx = p[0] + c * bx - s * by - GOAL_CORNERS[i][0];
    const dy = p[1] + s * bx + c * by - GOAL_CORNERS[i][1];
    sum += dx * dx + dy * dy;
  }
  return sum / CORNERS.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Quasi-static frictionless contact: the block has no momentum, so each contact only removes penetration along its
// normal, splitting the correction between translation and rotation by the effective mass at the contact point.

const scratch: Vec = [0, 0];

/**
 * Resolves the pusher (a circle at world (px, py)) against the block and the walls by a few Gauss-Seidel
 * projections, moving `pose` in place. Returns true when the pusher touched the block.
 */
export function resolveContacts(pose: BlockPose, px: number, py: number, walls: boolean): boolean {
  let touched = false;
  for (let iter = 0; iter < 4; iter++) {
    let moved = false;
    for (const b of BOXES) {
      if (projectCircleBox(pose, px, py, b)) {
        moved = true;
        touched = true;
      }
    }
    if (walls && projectWalls(pose)) moved = true;
    if (!moved) break;
  }
  return touched;
}

/** Applies a position correction `depth` along world normal (nx, ny) at world contact point (wx, wy). */
function applyCorrection(pose: BlockPose, wx: number, wy: number, nx: number, ny: number, depth: number): void {
  const rx = wx - pose[0];
  const ry = wy - pose[1];
  const rn = rx * ny - ry * nx;
  const k = 1 / (1 / MASS + (rn * rn) / MOMENT);
  const lambda = depth * k;
  pose[0] += (lambda * nx) / MASS;
  pose[1] += (lambda * ny) / MASS;
  pose[2] += (lambda * rn) / MOMENT;
}

function projectCircleBox(
  pose: BlockPose,
  px: number,
  py: number,
  b: readonly [number, number, number, number],
): boolean {
  const c = Math.cos(pose[2]);
  const s = Math.sin(pose[2]);
  const dx = px - pose[0];
  const dy = py - pose[1];
  const bx = c * dx + s * dy;
  const by = -s * dx + c * dy + COG_Y;
  // Quick reject on the box grown by the radius.
  if (bx < b[0] - PUSHER_RADIUS || bx > b[2] + PUSHER_RADIUS || by < b[1] - PUSHER_RADIUS || by > b[3] + PUSHER_RADIUS)
    return false;
  let qx: number;
  let qy: number;
  let nx: number;
  let ny: number;
  let depth: number;
  const inside = bx > b[0] && bx < b[2] && by > b[1] && by < b[3];
  if (!inside) {
    qx = Math.min(Math.max(bx, b[0]), b[2]);
    qy = Math.min(Math.max(by, b[1]), b[3]);
    const ex = qx - bx;
    const ey = qy - by;
    const d = Math.hypot(ex, ey);
    if (d >= PUSHER_RADIUS || d === 0) return false;
    nx = ex / d;
    ny = ey / d;
    depth = PUSHER_RADIUS - d;
  } else {
    // Centre inside the box: leave through the nearest face.
    const dl = bx - b[0];
    const dr = b[2] - bx;
    const dt = by - b[1];
    const db = b[3] - by;
    const m = Math.min(dl, dr, dt, db);
    if (m === dl) {
      qx = b[0];
      qy = by;
      nx = 1;
      ny = 0;
    } else if (m === dr) {
      qx = b[2];
      qy = by;
      nx = -1;
      ny = 0;
    } else if (m === dt) {
      qx = bx;
      qy = b[1];
      nx = 0;
      ny = 1;
    } else {
      qx = bx;
      qy = b[3];
      nx = 0;
      ny = -1;
    }
    depth = PUSHER_RADIUS + m;
  }
  // To world.
  const wy0 = qy - COG_Y;
  const wx = pose[0] + c * qx - s * wy0;
  const wy = pose[1] + s * qx + c * wy0;
  const wnx = c * nx - s * ny;
  const wny = s * nx + c * ny;
  applyCorrection(pose, wx, wy, wnx, wny, depth);
  return true;
}

function projectWalls(pose: BlockPose): boolean {
  let moved = false;
  for (const [hx, hy] of HULL) {
    const w = bodyToWorldInto(pose, hx, hy, scratch);
    if (w[0] < WALL_MIN) {
      applyCorrection(pose, w[0], w[1], 1, 0, WALL_MIN - w[0]);
      moved = true;
    } else if (w[0] > WALL_MAX) {
      applyCorrection(pose, w[0], w[1], -1, 0, w[0] - WALL_MAX);
      moved = true;
    }
    const v = bodyToWorldInto(pose, hx, hy, scratch);
    if (v[1] < WALL_MIN) {
      applyCorrection(pose, v[0], v[1], 0, 1, WALL_MIN - v[1]);
      moved = true;
    } else if (v[1] > WALL_MAX) {
      applyCorrection(pose, v[0], v[1], 0, -1, v[1] - WALL_MAX);
      moved = true;
    }
  }
  return moved;
}

function bodyToWorldInto(p: BlockPose, bx: number, by: number, out: Vec): Vec {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  const y = by - COG_Y;
  out[0] = p[0] + c * bx - s * y;
  out[1] = p[1] + s * bx + c * y;
  return out;
}

/** Largest pusher move between two contact resolutions, px: small enough that contacts slide smoothly. */
const MAX_INCREMENT = 0.5;

/**
 * Moves the pusher along the straight segment from (ax, ay) to (bx, by), pushing `pose` in place.
 * Returns true when the pusher touched the block on the way.
 */
export function sweepPusher(pose: BlockPose, ax: number, ay: number, bx: number, by: number, walls: boolean): boolean {
  const len = Math.hypot(bx - ax, by - ay);
  const n = Math.max(1, Math.ceil(len / MAX_INCREMENT));
  let touched = false;
  for (let i = 1; i <= n; i++) {
    const t = i / n;
    if (resolveContacts(pose, ax + (bx - ax) * t, ay + (by - ay) * t, walls)) touched = true;
  }
  return touched;
}

/** One PD substep of the pusher tracking target (tx, ty); state is [x, y, vx, vy], updated in place. */
export function pdSubstep(state: number[], tx: number, ty: number): void {
  state[2] += (KP * (tx - state[0]) - KV * state[2]) * DT;
  state[3] += (KP * (ty - state[1]) - KV * state[3]) * DT;
  state[0] += state[2] * DT;
  state[1] += state[3] * DT;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact coverage: the T's two boxes are disjoint convex parts, so area(goal ∩ block) is the sum of four convex
// intersections, each by Sutherland-Hodgman clipping.

function partPolygon(p: BlockPose, b: readonly [number, number, number, number]): Vec[] {
  return [
    bodyToWorld(p, b[0], b[1]),
    bodyToWorld(p, b[2], b[1]),
    bodyToWorld(p, b[2], b[3]),
    bodyToWorld(p, b[0], b[3]),
  ];
}

function polygonArea(poly: readonly Vec[]): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i];
    const q = poly[(i + 1) % poly.length];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

function clipConvex(subject: Vec[], clip: readonly Vec[]): Vec[] {
  const sign = polygonArea(clip) >= 0 ? 1 : -1;
  let out = subject;
  for (let i = 0; i < clip.length && out.length > 0; i++) {
    const a = clip[i];
    const b = clip[(i + 1) % clip.length];
    const side = (p: Vec): number => sign * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    const input = out;
    out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j];
      const q = input[(j + 1) % input.length];
      const sp = side(p);
      const sq = side(q);
      if (sp >= 0) out.push(p);
      if (sp >= 0 !== sq >= 0) {
        const t = sp / (sp - sq);
        out.push([p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]);
      }
    }
  }
  return out;
}

const GOAL_PARTS = BOXES.map((b) => partPolygon(GOAL_COG, b));
const T_AREA = 6300;

/** Fraction of the goal T covered by the block at CoG pose `p`, in [0, 1]. */
export function coverage(p: BlockPose): number {
  let area = 0;
  for (const b of BOXES) {
    const part = partPolygon(p, b);
    for (const g of GOAL_PARTS) area += Math.abs(polygonArea(clipConvex(part, g)));
  }
  return area / T_AREA;
}
