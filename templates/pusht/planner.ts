/**
 * Push planning. A push is a straight pusher stroke along a fixed body-frame line, from a start point a few px off
 * the T's outline to some depth past first contact. The planner simulates every candidate stroke with the
 * quasi-static model (model.ts), adds the steps needed to reach its start around the block, and picks the stroke
 * with the fastest predicted fall of the pose cost (log cost per step). Every number that shapes a plan comes from
 * `PlannerParams` (params.json), so `createPlanner` builds the candidate strokes and detour corners once per set.
 */
import {
  ARENA,
  type BlockPose,
  bodyToWorld,
  dirToWorld,
  distanceToT,
  HULL,
  PUSHER_RADIUS,
  poseCost,
  sweepPusher,
  type Vec,
  worldToBody,
} from "./model.js";
import { stepsForMove } from "./pd.js";

/** The planner's knobs (see README.md for units, ranges and what each one does). */
export interface PlannerParams {
  strokeSpeed: number; // px/s the pusher may reach during a stroke
  standoff: number; // px between the pusher and the outline at a stroke's start
  maxDepth: number; // px the deepest candidate stroke goes past first contact
  costFloor: number; // px² added to the pose cost before taking its log
  waypointOffset: number; // px the detour corners sit outside the T's hull
}

/** px the pusher's centre keeps from the T while travelling: its radius and 2 px to spare. */
const CLEARANCE = PUSHER_RADIUS + 2;
/** px between candidate contact points along an edge. */
const EDGE_SPACING = 10;

/** Candidate depths, px, for maxDepth 90 (scaled to maxDepth): dense near contact, where small pushes need fine steps. */
const DEPTHS_AT_90 = [1, 2, 3, 5, 8, 12, 17, 24, 32, 42, 55, 70, 90];

/** A candidate stroke in body coordinates: the pusher centre's start and the unit push direction. */
export interface Stroke {
  start: Vec;
  dir: Vec;
}

/** A chosen push in world coordinates, with the model's prediction of its outcome. */
export interface PushPlan {
  stroke: Stroke;
  depth: number;
  start: Vec;
  end: Vec;
  block: BlockPose; // pose the plan was made for
  predicted: BlockPose;
  predictedCost: number;
  steps: number;
  rate: number;
}

export interface Route {
  waypoints: Vec[]; // world points to visit in order, ending with the destination
  length: number;
}

export interface Planner {
  /** The best stroke for a block at CoG pose `block` with the pusher at world `pusher`, or null if none is reachable. */
  planPush(block: BlockPose, pusher: Vec): PushPlan | null;
  /** Shortest route from `from` to `to` around the block that keeps CLEARANCE, or null when there is none. */
  route(block: BlockPose, from: Vec, to: Vec): Route | null;
  /** Actions a stroke of `distance` px takes: the fewest rest-to-rest deadbeat actions under `strokeSpeed`. */
  strokeSteps(distance: number): number;
}

/** Builds a planner for one set of knobs: candidate strokes, detour corners and stroke timings, computed once. */
export function createPlanner(p: PlannerParams): Planner {
  const strokes = buildStrokes(p.standoff);
  const depths = DEPTHS_AT_90.map((d) => (d * p.maxDepth) / 90);
  const offsetHull = growHull(p.waypointOffset);
  const strokeSteps = (distance: number): number => stepsForMove(distance, p.strokeSpeed);
  const stepCache = depths.map((d) => strokeSteps(p.standoff + d));

  const route = (block: BlockPose, from: Vec, to: Vec): Route | null => {
    const fromBody = worldToBody(block, from[0], from[1]);
    // A route may leave a point where the pusher already touches the block, as long as it does not get closer.
    const fromClear = Math.min(CLEARANCE, distanceToT(fromBody[0], fromBody[1]) - 0.5);
    const nodes: Vec[] = [from, to];
    for (const w of offsetHull) {
      const q = bodyToWorld(block, w[0], w[1]);
      if (q[0] < 0 || q[0] > ARENA || q[1] < 0 || q[1] > ARENA) continue;
      nodes.push(q);
    }
    const n = nodes.length;
    const dist = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const prev = new Array<number>(n).fill(-1);
    const done = new Array<boolean>(n).fill(false);
    dist[0] = 0;
    for (;;) {
      let u = -1;
      for (let i = 0; i < n; i++) if (!done[i] && (u < 0 || dist[i] < dist[u])) u = i;
      if (u < 0 || dist[u] === Number.POSITIVE_INFINITY) return null;
      if (u === 1) break;
      done[u] = true;
      for (let v = 1; v < n; v++) {
        if (done[v]) continue;
        const d = Math.hypot(nodes[v][0] - nodes[u][0], nodes[v][1] - nodes[u][1]);
        if (dist[u] + d >= dist[v]) continue;
        const need = u === 0 ? fromClear : CLEARANCE;
        if (segmentClearance(block, nodes[u], nodes[v]) < need) continue;
        dist[v] = dist[u] + d;
        prev[v] = u;
      }
    }
    const waypoints: Vec[] = [];
    for (let v = 1; v > 0; v = prev[v]) waypoints.unshift(nodes[v]);
    return { waypoints, length: dist[1] };
  };

  const planPush = (block: BlockPose, pusher: Vec): PushPlan | null => {
    const l0 = Math.log(poseCost(block) + p.costFloor);
    let best: PushPlan | null = null;
    const pose: BlockPose = [0, 0, 0];
    for (const stroke of strokes) {
      const start = bodyToWorld(block, stroke.start[0], stroke.start[1]);
      if (start[0] < 0 || start[0] > ARENA || start[1] < 0 || start[1] > ARENA) continue;
      const dir = dirToWorld(block[2], stroke.dir[0], stroke.dir[1]);
      const r = route(block, pusher, start);
      if (!r) continue;
      const travel = travelSteps(r);
      pose[0] = block[0];
      pose[1] = block[1];
      pose[2] = block[2];
      let from = 0;
      let touched = false;
      for (let depthIndex = 0; depthIndex < depths.length; depthIndex++) {
        const depth = depths[depthIndex];
        const to = p.standoff + depth;
        const end: Vec = [start[0] + dir[0] * to, start[1] + dir[1] * to];
        if (end[0] < 0 || end[0] > ARENA || end[1] < 0 || end[1] > ARENA) break;
        if (sweepPusher(pose, start[0] + dir[0] * from, start[1] + dir[1] * from, end[0], end[1], true) || touched) {
          touched = true;
        } else if (depth > 3) break; // the stroke misses the block
        from = to;
        const cost = poseCost(pose);
        const steps = travel + stepCache[depthIndex] + 1;
        const rate = (l0 - Math.log(cost + p.costFloor)) / steps;
        if (!best || rate > best.rate) {
          best = {
            stroke,
            depth,
            start,
            end,
            block: [block[0], block[1], block[2]],
            predicted: [pose[0], pose[1], pose[2]],
            predictedCost: cost,
            steps,
            rate,
          };
        }
      }
    }
    return best;
  };

  return { planPush, route, strokeSteps };
}

/** Every candidate stroke: along each edge's inward normal, fanned at convex corners, into the concave corners. */
function buildStrokes(standoff: number): Stroke[] {
  const strokes: Stroke[] = [];
  const back = PUSHER_RADIUS + standoff;
  const add = (cx: number, cy: number, dx: number, dy: number): void => {
    const l = Math.hypot(dx, dy);
    const ux = dx / l;
    const uy = dy / l;
    const start: Vec = [cx - ux * back, cy - uy * back];
    if (distanceToT(start[0], start[1]) < back - 0.01) return;
    strokes.push({ start, dir: [ux, uy] });
  };
  // Outline edges [from, to, inward normal] (body frame, y down).
  // biome-ignore format: one edge per line reads as a table
  const edges: [Vec, Vec, Vec][] = [
    [[-60, 0], [60, 0], [0, 1]],
    [[60, 0], [60, 30], [-1, 0]],
    [[60, 30], [15, 30], [0, -1]],
    [[15, 30], [15, 120], [-1, 0]],
    [[15, 120], [-15, 120], [0, -1]],
    [[-15, 120], [-15, 30], [1, 0]],
    [[-15, 30], [-60, 30], [0, -1]],
    [[-60, 30], [-60, 0], [1, 0]],
  ];
  for (const [a, b, n] of edges) {
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const count = Math.max(2, Math.round(len / EDGE_SPACING) + 1);
    for (let i = 0; i < count; i++) {
      const t = (1 + i * ((len - 2) / (count - 1))) / len;
      add(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, n[0], n[1]);
    }
  }
  // Convex corners [corner, normal of one side, normal of the other]: directions fanned between the two normals.
  // biome-ignore format: one corner per line reads as a table
  const corners: [Vec, Vec, Vec][] = [
    [[-60, 0], [0, 1], [1, 0]],
    [[60, 0], [0, 1], [-1, 0]],
    [[60, 30], [-1, 0], [0, -1]],
    [[15, 120], [-1, 0], [0, -1]],
    [[-15, 120], [1, 0], [0, -1]],
    [[-60, 30], [1, 0], [0, -1]],
  ];
  for (const [c, n1, n2] of corners) {
    for (const f of [0.2, 0.5, 0.8]) add(c[0], c[1], n1[0] * (1 - f) + n2[0] * f, n1[1] * (1 - f) + n2[1] * f);
  }
  // Concave corners: the pusher nestles against the bar's underside and the stem's side at once.
  for (const side of [1, -1]) {
    const nest: Vec = [side * (15 + PUSHER_RADIUS), 30 + PUSHER_RADIUS];
    for (const f of [0.25, 0.5, 0.75]) {
      const dx = -side * (1 - f);
      const dy = -f;
      const l = Math.hypot(dx, dy);
      strokes.push({
        start: [nest[0] - (dx / l) * standoff, nest[1] - (dy / l) * standoff],
        dir: [dx / l, dy / l],
      });
    }
  }
  return strokes;
}

// ---------------------------------------------------------------------------------------------------------------
// Travel: the pusher goes around the block through the corners of the T's hull grown by a margin.

/** The hull's corners pushed out along their bisectors so that each hull edge moves out by `offset` px. */
function growHull(offset: number): Vec[] {
  return HULL.map((v, i) => {
    const n1 = outwardNormal(HULL[(i + HULL.length - 1) % HULL.length], v);
    const n2 = outwardNormal(v, HULL[(i + 1) % HULL.length]);
    const k = offset / (1 + n1[0] * n2[0] + n1[1] * n2[1]);
    return [v[0] + (n1[0] + n2[0]) * k, v[1] + (n1[1] + n2[1]) * k];
  });
}

function outwardNormal(a: Vec, b: Vec): Vec {
  // The hull's centroid is inside; the outward normal points away from it.
  const ex = b[0] - a[0];
  const ey = b[1] - a[1];
  const l = Math.hypot(ex, ey);
  let nx = ey / l;
  let ny = -ex / l;
  const mx = (a[0] + b[0]) / 2;
  const my = (a[1] + b[1]) / 2;
  if (nx * (mx - 0) + ny * (my - 50) < 0) {
    nx = -nx;
    ny = -ny;
  }
  return [nx, ny];
}

/** Smallest distance from the T to the world segment a→b, sampled every few px. */
function segmentClearance(block: BlockPose, a: Vec, b: Vec, step = 3): number {
  const pa = worldToBody(block, a[0], a[1]);
  const pb = worldToBody(block, b[0], b[1]);
  const len = Math.hypot(pb[0] - pa[0], pb[1] - pa[1]);
  const n = Math.max(1, Math.ceil(len / step));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const d = distanceToT(pa[0] + (pb[0] - pa[0]) * t, pa[1] + (pb[1] - pa[1]) * t);
    if (d < best) best = d;
  }
  return best;
}

/** Actions to travel a route and arrive at rest: a deadbeat move per leg, fewer for short legs. */
function travelSteps(r: Route): number {
  if (r.length < 0.5) return 0;
  const direct = r.length < 60 ? 2 : r.length < 150 ? 3 : 4;
  return direct + 1.5 * (r.waypoints.length - 1);
}
