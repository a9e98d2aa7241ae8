/**
 * The procedural reset's push planner: which straight push of the round pusher brings the T closest to a target pose.
 *
 * Model: quasi-static pushing (Mason; Lynch, Maekawa & Tanie 1992). The T slides on the table with a uniform
 * pressure distribution, whose limit surface is approximated by an ellipsoid: a force F at a point r from the
 * centroid moves the T with the twist (v, ω) ∝ (F, (r × F) / c²), c = the mean distance of the T's area from its
 * centroid. The pusher touches an edge with Coulomb friction μ: the two edges of the friction cone map to two
 * contact velocities (the motion cone); a pusher velocity inside the motion cone sticks (the contact point is fixed
 * on the T), one outside slides along the cone's nearer edge. A push is integrated in small pusher steps while the
 * contact stays on its edge.
 * Planner: candidate pushes are contact points along the T's 8 edges × push directions around the inward normal ×
 * depths; a candidate is kept only if its start (the pusher lowered beside the T) is clear of the T, the pusher's
 * sweep towards the contact touches nothing else first, and every pusher position stays in the workspace. The one
 * whose predicted pose is closest to the target (cost: centroid distance plus a length-weighted heading error)
 * wins. Pure geometry: no MuJoCo, no simulator state.
 */
import { insideT, outlineDistance, T_OUTLINE, tToWorld } from "./t-block.js";

/** The planner's constants. */
export const PUSH_PLANNER = Object.freeze({
  angleWeight: 0.1, // m per rad in the pose cost: a 10° heading error weighs like 17 mm of position
  pusherRadius: 0.011, // m, half the width of the closed fingers, the pusher's footprint
  standoff: 0.015, // m, gap between the pusher and the T where a push starts (the pusher is lowered there)
  startClearance: 0.004, // m, extra gap the lowered pusher keeps from every other part of the T
  depths: [0.008, 0.016, 0.03, 0.05, 0.08], // m, how far the pusher goes past first contact
  pushAngles: [-0.4, 0, 0.4], // rad, push direction relative to the edge's inward normal
  contactSpacing: 0.02, // m between candidate contact points along an edge
  pusherFriction: 0.5, // μ assumed at the pusher contact (the episode's is 0.3-0.8, unknown to the reset)
  modelStep: 0.002, // m of pusher travel per integration step of the model
  workspaceMargin: 0.005, // m, pusher positions stay this far inside the workspace box
  depthPenalty: 0.02, // cost per m of push depth, so that of two equal outcomes the shorter push wins
});

export type Pose2 = [x: number, y: number, yaw: number];
type V2 = [number, number];

/** A straight push: the pusher's centre goes from `start` to `end` (m, world), touching the T at `contact`. */
export interface Push {
  start: V2;
  end: V2;
  contact: V2; // m, world, where the pusher first touches the T (for messages)
  predicted: Pose2; // the T's pose the model predicts after the push
  cost: number; // the predicted pose's cost to the target
}

/** The box the pusher's centre must stay in, m (world x and y ranges). */
export interface Workspace {
  x: readonly number[];
  y: readonly number[];
}

/** a − b wrapped to (−π, π]. */
function angleDiff(a: number, b: number): number {
  let d = (a - b) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/** How far a pose is from the target: centroid distance (m) and heading error weighted by PUSH_PLANNER.angleWeight. */
export function poseCost(pose: Pose2, target: Pose2): number {
  return Math.hypot(pose[0] - target[0], pose[1] - target[1], PUSH_PLANNER.angleWeight * angleDiff(pose[2], target[2]));
}

/** The limit surface's length c (m): the mean distance of the T's area from its centroid, on a 1 mm grid. */
const LIMIT_LENGTH = (() => {
  let sum = 0;
  let n = 0;
  for (let x = -0.0795; x < 0.08; x += 0.001) {
    for (let y = -0.0795; y < 0.11; y += 0.001) {
      if (!insideT(x, y)) continue;
      sum += Math.hypot(x, y);
      n++;
    }
  }
  return sum / n;
})();

/** The T's edges in its body frame: start, unit direction, length, inward normal (the outline runs counter-clockwise). */
const EDGES = T_OUTLINE.map((a, i) => {
  const b = T_OUTLINE[(i + 1) % T_OUTLINE.length];
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const dir: V2 = [(b[0] - a[0]) / length, (b[1] - a[1]) / length];
  return { a: [a[0], a[1]] as V2, dir, length, inward: [-dir[1], dir[0]] as V2 };
});

function rotate(v: V2, angle: number): V2 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c * v[0] - s * v[1], s * v[0] + c * v[1]];
}

const dot = (a: V2, b: V2) => a[0] * b[0] + a[1] * b[1];
const cross = (a: V2, b: V2) => a[0] * b[1] - a[1] * b[0];

/**
 * The T's twist per unit force at world offset `r` from its centroid: the contact point's velocity for a force `f`.
 */
function contactVelocity(f: V2, r: V2): { v: V2; omega: number; vc: V2 } {
  const c2 = LIMIT_LENGTH * LIMIT_LENGTH;
  const omega = cross(r, f) / c2;
  const vc: V2 = [f[0] - omega * r[1], f[1] + omega * r[0]];
  return { v: f, omega, vc };
}

/**
 * The T's pose after the pusher moves `depth` (m) past first contact along the world direction `dir`, touching
 * edge `edge` at `s` m along it (body frame), by the quasi-static model. Stops early when the contact slides off
 * the edge or the pusher would leave the T.
 */
export function predictPush(pose: Pose2, edge: number, s: number, dir: V2, depth: number): Pose2 {
  const e = EDGES[edge];
  const R = PUSH_PLANNER.pusherRadius;
  const mu = PUSH_PLANNER.pusherFriction;
  const ds = PUSH_PLANNER.modelStep;
  let p: Pose2 = [...pose];
  let along = s;
  for (let travelled = 0; travelled < depth - 1e-9; travelled += ds) {
    if (along < 0 || along > e.length) break;
    const n = rotate(e.inward, p[2]); // into the T
    const t = rotate(e.dir, p[2]);
    const contact = tToWorld(p, [e.a[0] + e.dir[0] * along, e.a[1] + e.dir[1] * along]);
    const r: V2 = [contact[0] - p[0], contact[1] - p[1]];
    const un = dot(dir, n);
    if (un <= 1e-6) break; // the pusher moves away from the edge
    // the motion cone: contact velocities of the friction cone's two edges (n + μt lies clockwise of n)
    const cw = contactVelocity([n[0] + mu * t[0], n[1] + mu * t[1]], r);
    const ccw = contactVelocity([n[0] - mu * t[0], n[1] - mu * t[1]], r);
    let twist: { v: V2; omega: number; vc: V2 };
    if (cross(cw.vc, dir) >= 0 && cross(dir, ccw.vc) >= 0) {
      // sticking: the contact point moves with the pusher; solve (I + w wᵀ / c²) F = u, w = k × r
      const c2 = LIMIT_LENGTH * LIMIT_LENGTH;
      const w: V2 = [-r[1], r[0]];
      const k = dot(w, dir) / (c2 + dot(w, w));
      twist = contactVelocity([dir[0] - k * w[0], dir[1] - k * w[1]], r);
    } else {
      // sliding on the cone's edge nearer the pusher's direction
      twist = cross(cw.vc, dir) < 0 ? cw : ccw;
    }
    const vcn = dot(twist.vc, n);
    if (vcn <= 1e-9) break;
    const scale = (un * ds) / vcn; // the contact's normal speed matches the pusher's
    const next: Pose2 = [p[0] + twist.v[0] * scale, p[1] + twist.v[1] * scale, p[2] + twist.omega * scale];
    // where the pusher touches the edge now (it moved ds along dir; its centre sits R off the edge)
    const pusher: V2 = [contact[0] - n[0] * R + dir[0] * ds, contact[1] - n[1] * R + dir[1] * ds];
    const c = Math.cos(next[2]);
    const sn = Math.sin(next[2]);
    const dx = pusher[0] - next[0];
    const dy = pusher[1] - next[1];
    const body: V2 = [c * dx + sn * dy, -sn * dx + c * dy];
    along = (body[0] - e.a[0]) * e.dir[0] + (body[1] - e.a[1]) * e.dir[1];
    p = next;
  }
  return p;
}

/**
 * The best push from `pose` towards `target` whose pusher stays inside `workspace`, or null when no push is
 * predicted to bring the T closer than it is now.
 */
export function planPush(pose: Pose2, target: Pose2, workspace: Workspace): Push | null {
  const P = PUSH_PLANNER;
  const R = P.pusherRadius;
  const now = poseCost(pose, target);
  const m = P.workspaceMargin;
  const inBox = (q: V2) =>
    q[0] >= workspace.x[0] + m &&
    q[0] <= workspace.x[1] - m &&
    q[1] >= workspace.y[0] + m &&
    q[1] <= workspace.y[1] - m;
  let best: Push | null = null;
  let bestScore = now;
  EDGES.forEach((e, edge) => {
    const usable = e.length - 2 * R;
    if (usable < 0) return;
    const count = Math.max(1, Math.round(usable / P.contactSpacing));
    for (let j = 0; j <= count; j++) {
      const s = R + (usable * j) / count;
      const contact = tToWorld(pose, [e.a[0] + e.dir[0] * s, e.a[1] + e.dir[1] * s]);
      const n = rotate(e.inward, pose[2]);
      const touch: V2 = [contact[0] - n[0] * R, contact[1] - n[1] * R]; // the pusher's centre at first contact
      if (outlineDistance(pose, touch) < R - 0.0005) continue; // another part of the T is in the way (a concave corner)
      for (const a of P.pushAngles) {
        const dir = rotate(n, a);
        const gap = P.standoff / Math.cos(a); // the start stands `standoff` off the edge's line
        const start: V2 = [touch[0] - dir[0] * gap, touch[1] - dir[1] * gap];
        if (!inBox(start) || outlineDistance(pose, start) < R + P.startClearance) continue;
        if (!sweepIsClear(pose, start, dir, gap)) continue;
        for (const depth of P.depths) {
          const end: V2 = [touch[0] + dir[0] * depth, touch[1] + dir[1] * depth];
          if (!inBox(end)) continue;
          const predicted = predictPush(pose, edge, s, dir, depth);
          const cost = poseCost(predicted, target);
          const score = cost + P.depthPenalty * depth;
          if (score < bestScore) {
            bestScore = score;
            best = { start, end, contact, predicted, cost };
          }
        }
      }
    }
  });
  return best;
}

/** Whether the pusher sweeping from `start` along `dir` for `length` m stays clear of the T before its contact. */
function sweepIsClear(pose: Pose2, start: V2, dir: V2, length: number): boolean {
  const R = PUSH_PLANNER.pusherRadius;
  for (let d = 0; d < length - 0.002; d += 0.002) {
    if (outlineDistance(pose, [start[0] + dir[0] * d, start[1] + dir[1] * d]) < R - 0.0005) return false;
  }
  return true;
}
