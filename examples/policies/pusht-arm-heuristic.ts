/**
 * A hand-written policy (no learning) for pusht-arm: closed-loop push planning with a quasi-static pushing model,
 * in the spirit of pusht-heuristic.ts, adapted to the arm (a pusher at a fixed height that cannot lift over the T).
 *
 * Observation  24 numbers: 21 of the arm's proprioception (EE x, y at 6, 7) then the T's centroid x, y m and heading
 *              rad (body +y along the stem), from the state
 * Action       [dx, dy, done]: dx, dy in [-1, 1] × 0.01 m; done > 0 when the T sits well inside the tolerances
 *
 * Each decision picks one straight push: a contact point on the T's outline (points along its 8 edges), the inward
 * normal as direction and a depth; each candidate is rolled out with a quasi-static model (ellipsoidal limit
 * surface, sticking or sliding contact with friction at the pusher) and the one whose predicted cost (position error
 * plus weighted heading error) falls fastest per control step, travel included, wins. The pusher travels around
 * the T on a circle, approaches along the edge's normal, pushes, then the policy re-plans from the new pose.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const GOAL = [0.37, 0, 0] as const; // m, m, rad (the task's goal)
const WORKSPACE = { x: [0.2, 0.52], y: [-0.22, 0.22] } as const; // m, the EE box
const STEP = 0.01; // m per unit action
const ANGLE_WEIGHT = 0.12; // m per rad in the cost: 10° weighs like 2 cm
const DONE_POS = 0.01; // m, both axes: say done inside this …
const DONE_ANGLE = (5 * Math.PI) / 180; // … and this
const ORBIT = 0.145; // m, radius of the travel circle around the T's centroid
const PUSHER = 0.011; // m, the pusher's half width
const STANDOFF = 0.02; // m, gap before contact at a push's start
const DEPTHS = [0.015, 0.03, 0.05, 0.08]; // m past first contact
const LIMIT_C = 0.055; // m, the limit surface's characteristic length
const MU_PUSHER = 0.5; // friction assumed at the pusher contact
const ARRIVE = 0.006; // m, a waypoint counts as reached within this
const GAIN = 0.8; // fraction of the remaining distance commanded per step (actions arrive late)
const REPLAN_MOVE = 0.01; // m (and REPLAN_MOVE / ANGLE_WEIGHT rad) the T may drift during travel
const STALL_STEPS = 25; // steps on one waypoint before the plan is dropped (blocked by the T or the workspace)

// the T's outline (body frame, m), the task's: bar 0.16 × 0.04, stem 0.04 × 0.12, origin at the area centroid
const TOP = -0.054286;
const OUTLINE: [number, number][] = [
  [-0.08, TOP],
  [0.08, TOP],
  [0.08, TOP + 0.04],
  [0.02, TOP + 0.04],
  [0.02, TOP + 0.16],
  [-0.02, TOP + 0.16],
  [-0.02, TOP + 0.04],
  [-0.08, TOP + 0.04],
];

type Pose = [number, number, number];
type V2 = [number, number];

const clip = (v: number, lo = -1, hi = 1) => Math.min(hi, Math.max(lo, v));
const wrap = (a: number) => Math.atan2(Math.sin(a), Math.cos(a));
const toWorld = (p: Pose, b: V2): V2 => {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  return [p[0] + c * b[0] - s * b[1], p[1] + s * b[0] + c * b[1]];
};
const toBody = (p: Pose, w: V2): V2 => {
  const c = Math.cos(p[2]);
  const s = Math.sin(p[2]);
  const dx = w[0] - p[0];
  const dy = w[1] - p[1];
  return [c * dx + s * dy, -s * dx + c * dy];
};
const rot = (a: number, v: V2): V2 => [
  Math.cos(a) * v[0] - Math.sin(a) * v[1],
  Math.sin(a) * v[0] + Math.cos(a) * v[1],
];

function cost(p: Pose): number {
  return Math.hypot(p[0] - GOAL[0], p[1] - GOAL[1], ANGLE_WEIGHT * wrap(p[2] - GOAL[2]));
}

const clampToWorkspace = (p: V2): V2 => [
  clip(p[0], WORKSPACE.x[0], WORKSPACE.x[1]),
  clip(p[1], WORKSPACE.y[0], WORKSPACE.y[1]),
];
const inWorkspace = (p: V2) =>
  p[0] >= WORKSPACE.x[0] && p[0] <= WORKSPACE.x[1] && p[1] >= WORKSPACE.y[0] && p[1] <= WORKSPACE.y[1];

/** The body-frame edges: start, end, inward normal. */
const EDGES = OUTLINE.map((a, i) => {
  const b = OUTLINE[(i + 1) % OUTLINE.length];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const t: V2 = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
  return { a, b, len, t, n: [-t[1], t[0]] as V2 }; // counter-clockwise outline: the left normal points inwards
});

/** Candidate contacts: points along each edge, away from its ends. */
const CONTACTS = EDGES.flatMap((e, ei) => {
  const usable = e.len - 2 * PUSHER;
  if (usable <= 0) return [];
  const k = Math.max(1, Math.round(usable / 0.025));
  return Array.from({ length: k + 1 }, (_, j) => ({ edge: ei, s: PUSHER + (usable * j) / Math.max(1, k) }));
});

/** Rolls a push out with the quasi-static model: the T's pose after the pusher moved `depth` into the contact. */
function predict(pose: Pose, edge: number, s: number, depth: number): Pose {
  const e = EDGES[edge];
  let p: Pose = [...pose];
  let bodyS = s;
  const u = rot(p[2], e.n); // the push direction, fixed in the world
  const ds = 0.004;
  for (let d = 0; d < depth; d += ds) {
    if (bodyS < 0 || bodyS > e.len) break; // slid off the edge
    const cb: V2 = [e.a[0] + e.t[0] * bodyS, e.a[1] + e.t[1] * bodyS];
    const cw = toWorld(p, cb);
    const r: V2 = [cw[0] - p[0], cw[1] - p[1]];
    const w: V2 = [-r[1], r[0]];
    const n = rot(p[2], e.n);
    const t = rot(p[2], e.t);
    // sticking: V = M⁻¹u with M = I + w wᵀ / c²
    const c2 = LIMIT_C * LIMIT_C;
    const k = (w[0] * u[0] + w[1] * u[1]) / (c2 + w[0] * w[0] + w[1] * w[1]);
    let f: V2 = [u[0] - k * w[0], u[1] - k * w[1]];
    const fn = f[0] * n[0] + f[1] * n[1];
    const ft = f[0] * t[0] + f[1] * t[1];
    let sliding = false;
    if (fn <= 0) break;
    if (Math.abs(ft) > MU_PUSHER * fn) {
      sliding = true;
      const ftc = Math.sign(ft) * MU_PUSHER * fn;
      f = [fn * n[0] + ftc * t[0], fn * n[1] + ftc * t[1]];
    }
    let omega = (w[0] * f[0] + w[1] * f[1]) / c2;
    // scale so that the contact's normal speed matches the pusher's
    const vn = (f[0] + omega * w[0]) * n[0] + (f[1] + omega * w[1]) * n[1];
    const un = u[0] * n[0] + u[1] * n[1];
    if (vn <= 1e-9 || un <= 0) break;
    const scale = (un / vn) * ds;
    const V: V2 = [f[0] * scale, f[1] * scale];
    omega *= scale;
    const next: Pose = [p[0] + V[0], p[1] + V[1], p[2] + omega];
    if (sliding) {
      // the pusher moved u·ds; where it touches the edge now
      const pusherW: V2 = [cw[0] + u[0] * ds, cw[1] + u[1] * ds];
      const pb = toBody(next, pusherW);
      bodyS = (pb[0] - e.a[0]) * e.t[0] + (pb[1] - e.a[1]) * e.t[1];
    }
    p = next;
  }
  return p;
}

interface Plan {
  waypoints: V2[];
  pushFrom: number; // index of the first stroke waypoint
  pose: Pose; // the T's pose the plan was made for
}

/** The travel from the pusher to the entry point: escape the T, orbit the circle, come in along the normal. */
function travel(pose: Pose, from: V2, entry: V2): V2[] {
  const pts: V2[] = [];
  const centre: V2 = [pose[0], pose[1]];
  let cur = from;
  const dist = Math.hypot(cur[0] - centre[0], cur[1] - centre[1]);
  if (dist < ORBIT - 0.005) {
    // away from the nearest edge first, then out to the circle
    const b = toBody(pose, cur);
    let best = Number.POSITIVE_INFINITY;
    let away: V2 = [0, 0];
    for (const e of EDGES) {
      const s = clip((b[0] - e.a[0]) * e.t[0] + (b[1] - e.a[1]) * e.t[1], 0, e.len);
      const q: V2 = [e.a[0] + e.t[0] * s, e.a[1] + e.t[1] * s];
      const d = Math.hypot(b[0] - q[0], b[1] - q[1]);
      if (d < best) {
        best = d;
        away = rot(pose[2], [-e.n[0], -e.n[1]]);
      }
    }
    cur = [cur[0] + away[0] * 0.03, cur[1] + away[1] * 0.03];
    pts.push(cur);
    const a = Math.atan2(cur[1] - centre[1], cur[0] - centre[0]);
    cur = clampToWorkspace([centre[0] + ORBIT * Math.cos(a), centre[1] + ORBIT * Math.sin(a)]);
    pts.push(cur);
  }
  const a0 = Math.atan2(cur[1] - centre[1], cur[0] - centre[0]);
  const a1 = Math.atan2(entry[1] - centre[1], entry[0] - centre[0]);
  const da = wrap(a1 - a0);
  const n = Math.ceil(Math.abs(da) / 0.35);
  for (let i = 1; i <= n; i++) {
    const a = a0 + (da * i) / n;
    pts.push(clampToWorkspace([centre[0] + ORBIT * Math.cos(a), centre[1] + ORBIT * Math.sin(a)]));
  }
  pts.push(entry);
  return pts;
}

function pathLength(start: V2, pts: V2[]): number {
  let len = 0;
  let cur = start;
  for (const p of pts) {
    len += Math.hypot(p[0] - cur[0], p[1] - cur[1]);
    cur = p;
  }
  return len;
}

function plan(pose: Pose, ee: V2): Plan | null {
  const now = cost(pose);
  let best: { score: number; plan: Plan } | null = null;
  for (const c of CONTACTS) {
    const e = EDGES[c.edge];
    const cb: V2 = [e.a[0] + e.t[0] * c.s, e.a[1] + e.t[1] * c.s];
    const cw = toWorld(pose, cb);
    const n = rot(pose[2], e.n);
    const start: V2 = [cw[0] - n[0] * (PUSHER + STANDOFF), cw[1] - n[1] * (PUSHER + STANDOFF)];
    // the entry: back out along the normal to the circle
    let back = PUSHER + STANDOFF;
    const out = (b: number): V2 => [cw[0] - n[0] * b, cw[1] - n[1] * b];
    while (Math.hypot(out(back)[0] - pose[0], out(back)[1] - pose[1]) < ORBIT && inWorkspace(out(back + 0.01))) {
      back += 0.01;
    }
    const entry: V2 = [cw[0] - n[0] * back, cw[1] - n[1] * back];
    if (!inWorkspace(start)) continue;
    const way = travel(pose, ee, entry);
    way.push(start);
    const travelSteps = pathLength(ee, way) / (STEP * GAIN);
    for (const depth of DEPTHS) {
      const end: V2 = [cw[0] + n[0] * (depth - PUSHER), cw[1] + n[1] * (depth - PUSHER)];
      if (!inWorkspace(end)) continue;
      const after = predict(pose, c.edge, c.s, depth);
      const gain = now - cost(after);
      const steps = travelSteps + (STANDOFF + depth) / (STEP * GAIN) + 3;
      const score = gain / steps;
      if (!best || score > best.score) {
        best = { score, plan: { waypoints: [...way, end], pushFrom: way.length, pose } };
      }
    }
  }
  return best && best.score > 0 ? best.plan : null;
}

const createPolicy: CreatePolicy<readonly number[], [number, number, number]> = () => {
  let current: Plan | null = null;
  let index = 0;
  let onWaypoint = 0;
  return {
    reset() {
      current = null;
      index = 0;
      onWaypoint = 0;
    },
    act(obs) {
      const ee: V2 = [obs[6], obs[7]];
      const pose: Pose = [obs[21], obs[22], obs[23]];
      const err = [pose[0] - GOAL[0], pose[1] - GOAL[1], wrap(pose[2] - GOAL[2])];
      if (Math.abs(err[0]) < DONE_POS && Math.abs(err[1]) < DONE_POS && Math.abs(err[2]) < DONE_ANGLE) {
        return [0, 0, 1];
      }
      if (current && index < current.pushFrom) {
        // travelling: drop the plan if the T moved under us
        const moved = Math.hypot(
          pose[0] - current.pose[0],
          pose[1] - current.pose[1],
          ANGLE_WEIGHT * wrap(pose[2] - current.pose[2]),
        );
        if (moved > REPLAN_MOVE) current = null;
      }
      if (current && (index >= current.waypoints.length || onWaypoint > STALL_STEPS)) current = null;
      if (!current) {
        current = plan(pose, ee);
        index = 0;
        onWaypoint = 0;
        if (!current) return [0, 0, 1]; // nothing helps any more
      }
      let wp = current.waypoints[index];
      while (Math.hypot(wp[0] - ee[0], wp[1] - ee[1]) < ARRIVE) {
        index++;
        onWaypoint = 0;
        if (index >= current.waypoints.length) return [0, 0, 0]; // re-plan next step
        wp = current.waypoints[index];
      }
      onWaypoint++;
      const gain = index >= current.pushFrom ? 0.6 : GAIN;
      return [clip(((wp[0] - ee[0]) / STEP) * gain), clip(((wp[1] - ee[1]) / STEP) * gain), 0];
    },
  };
};
export default createPolicy;
