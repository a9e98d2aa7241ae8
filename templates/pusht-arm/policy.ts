/**
 * A pusht-arm policy (state observation) whose every tunable number lives in params.json: closed-loop push planning
 * with a quasi-static pushing model, for an arm that pushes a T at a fixed height (it cannot lift over the T).
 *
 * Observation  24 numbers: 21 of the arm's proprioception (EE x, y at 6, 7) then the T's centroid x, y m and heading
 *              rad (body +y along the stem)
 * Action       [dx, dy, done]: dx, dy in [-1, 1] × 0.01 m; done > 0 when the T sits inside `donePos` and `doneAngle`
 *
 * Each decision picks one straight push: a contact point on the T's outline (points along its 8 edges), the inward
 * normal as direction and a depth (four depths from `minDepth` to `maxDepth`); each candidate is rolled out with a
 * quasi-static model (ellipsoidal limit surface of size `limitSurface`, sticking or sliding contact with friction
 * `pusherFriction` at the pusher) and the one whose predicted cost (position error plus `angleWeight` × heading
 * error) falls fastest per control step, travel included, wins. The pusher travels around the T on a circle of radius
 * `orbit`, approaches along the edge's normal from `standoff` away, pushes, then the policy re-plans from the new pose.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: mm, degrees, steps, fractions). */
export interface Params {
  orbit: number; // mm, radius of the travel circle around the T's centroid
  standoff: number; // mm, gap before contact at a push's start
  minDepth: number; // mm past first contact, the shallowest push tried
  maxDepth: number; // mm past first contact, the deepest push tried
  limitSurface: number; // mm, the model's limit-surface length (how easily the T turns rather than slides)
  pusherFriction: number; // friction the model assumes at the pusher contact
  angleWeight: number; // mm of position error one degree of heading error weighs in the cost
  travelGain: number; // fraction of the remaining distance commanded per step while travelling
  pushGain: number; // fraction of the remaining distance commanded per step while pushing
  arrive: number; // mm, a waypoint counts as reached within this
  replanMove: number; // mm, the T may drift this much during travel before the plan is dropped
  stallSteps: number; // steps on one waypoint before the plan is dropped
  donePos: number; // mm, each axis: say done inside this …
  doneAngle: number; // degrees … and this
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "orbit",
  "standoff",
  "minDepth",
  "maxDepth",
  "limitSurface",
  "pusherFriction",
  "angleWeight",
  "travelGain",
  "pushGain",
  "arrive",
  "replanMove",
  "stallSteps",
  "donePos",
  "doneAngle",
] as const satisfies readonly (keyof Params)[];

const GOAL = [0.37, 0, 0] as const; // m, m, rad (the task's goal)
const WORKSPACE = { x: [0.2, 0.52], y: [-0.22, 0.22] } as const; // m, the EE box
const STEP = 0.01; // m per unit action
const PUSHER = 0.011; // m, the pusher's half width
const DEPTH_COUNT = 4; // push depths tried, spaced in equal ratios from minDepth to maxDepth
const MM = 0.001; // m per mm

/**
 * Checks a parsed params.json: every key present, a finite number > 0, gains at most 1, steps whole, minDepth not
 * above maxDepth; anything else is refused by name, so a typo is a load error rather than a different policy.
 */
export function checkParams(raw: unknown): Params {
  if (typeof raw !== "object" || raw === null) throw new Error(`params.json must hold an object, got ${String(raw)}`);
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`params.json has unknown keys ${unknown.join(", ")}; the keys are ${PARAM_NAMES.join(", ")}`);
  }
  for (const name of PARAM_NAMES) {
    const v = record[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new Error(`params.json "${name}" must be a finite number > 0, got ${JSON.stringify(v)}`);
    }
    if (name.endsWith("Gain") && v > 1) throw new Error(`params.json "${name}" is a fraction, at most 1, got ${v}`);
    if (name === "stallSteps" && !Number.isInteger(v)) {
      throw new Error(`params.json "stallSteps" must be a whole number of steps, got ${v}`);
    }
  }
  const p = record as unknown as Params;
  if (p.minDepth > p.maxDepth)
    throw new Error(`params.json "minDepth" ${p.minDepth} is above "maxDepth" ${p.maxDepth}`);
  return p;
}

/** The parameters in the planner's units (m, rad). */
interface Knobs {
  orbit: number;
  standoff: number;
  depths: number[];
  limitSurface: number;
  pusherFriction: number;
  angleWeight: number; // m per rad
  travelGain: number;
  pushGain: number;
  arrive: number;
  replanMove: number;
  stallSteps: number;
  donePos: number;
  doneAngle: number;
}

function knobs(p: Params): Knobs {
  const ratio = (p.maxDepth / p.minDepth) ** (1 / (DEPTH_COUNT - 1));
  return {
    orbit: p.orbit * MM,
    standoff: p.standoff * MM,
    depths: Array.from({ length: DEPTH_COUNT }, (_, i) => p.minDepth * MM * ratio ** i),
    limitSurface: p.limitSurface * MM,
    pusherFriction: p.pusherFriction,
    angleWeight: (p.angleWeight * MM * 180) / Math.PI,
    travelGain: p.travelGain,
    pushGain: p.pushGain,
    arrive: p.arrive * MM,
    replanMove: p.replanMove * MM,
    stallSteps: p.stallSteps,
    donePos: p.donePos * MM,
    doneAngle: (p.doneAngle * Math.PI) / 180,
  };
}

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

function cost(k: Knobs, p: Pose): number {
  return Math.hypot(p[0] - GOAL[0], p[1] - GOAL[1], k.angleWeight * wrap(p[2] - GOAL[2]));
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
function predict(k: Knobs, pose: Pose, edge: number, s: number, depth: number): Pose {
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
    const c2 = k.limitSurface * k.limitSurface;
    const along = (w[0] * u[0] + w[1] * u[1]) / (c2 + w[0] * w[0] + w[1] * w[1]);
    let f: V2 = [u[0] - along * w[0], u[1] - along * w[1]];
    const fn = f[0] * n[0] + f[1] * n[1];
    const ft = f[0] * t[0] + f[1] * t[1];
    let sliding = false;
    if (fn <= 0) break;
    if (Math.abs(ft) > k.pusherFriction * fn) {
      sliding = true;
      const ftc = Math.sign(ft) * k.pusherFriction * fn;
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
function travel(k: Knobs, pose: Pose, from: V2, entry: V2): V2[] {
  const pts: V2[] = [];
  const centre: V2 = [pose[0], pose[1]];
  let cur = from;
  const dist = Math.hypot(cur[0] - centre[0], cur[1] - centre[1]);
  if (dist < k.orbit - 0.005) {
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
    cur = clampToWorkspace([centre[0] + k.orbit * Math.cos(a), centre[1] + k.orbit * Math.sin(a)]);
    pts.push(cur);
  }
  const a0 = Math.atan2(cur[1] - centre[1], cur[0] - centre[0]);
  const a1 = Math.atan2(entry[1] - centre[1], entry[0] - centre[0]);
  const da = wrap(a1 - a0);
  const n = Math.ceil(Math.abs(da) / 0.35);
  for (let i = 1; i <= n; i++) {
    const a = a0 + (da * i) / n;
    pts.push(clampToWorkspace([centre[0] + k.orbit * Math.cos(a), centre[1] + k.orbit * Math.sin(a)]));
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

function plan(k: Knobs, pose: Pose, ee: V2): Plan | null {
  const now = cost(k, pose);
  let best: { score: number; plan: Plan } | null = null;
  for (const c of CONTACTS) {
    const e = EDGES[c.edge];
    const cb: V2 = [e.a[0] + e.t[0] * c.s, e.a[1] + e.t[1] * c.s];
    const cw = toWorld(pose, cb);
    const n = rot(pose[2], e.n);
    const start: V2 = [cw[0] - n[0] * (PUSHER + k.standoff), cw[1] - n[1] * (PUSHER + k.standoff)];
    // the entry: back out along the normal to the circle
    let back = PUSHER + k.standoff;
    const out = (b: number): V2 => [cw[0] - n[0] * b, cw[1] - n[1] * b];
    while (Math.hypot(out(back)[0] - pose[0], out(back)[1] - pose[1]) < k.orbit && inWorkspace(out(back + 0.01))) {
      back += 0.01;
    }
    const entry: V2 = [cw[0] - n[0] * back, cw[1] - n[1] * back];
    if (!inWorkspace(start)) continue;
    const way = travel(k, pose, ee, entry);
    way.push(start);
    const travelSteps = pathLength(ee, way) / (STEP * k.travelGain);
    for (const depth of k.depths) {
      const end: V2 = [cw[0] + n[0] * (depth - PUSHER), cw[1] + n[1] * (depth - PUSHER)];
      if (!inWorkspace(end)) continue;
      const after = predict(k, pose, c.edge, c.s, depth);
      const gain = now - cost(k, after);
      const steps = travelSteps + (k.standoff + depth) / (STEP * k.pushGain) + 3;
      const score = gain / steps;
      if (!best || score > best.score) {
        best = { score, plan: { waypoints: [...way, end], pushFrom: way.length, pose } };
      }
    }
  }
  return best && best.score > 0 ? best.plan : null;
}

/** The policy for one set of parameters (the default export uses params.json; tests and benches pass their own). */
export function createPolicyWith(p: Params): {
  reset(): void;
  act(obs: readonly number[]): [number, number, number];
} {
  const k = knobs(p);
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
      if (Math.abs(err[0]) < k.donePos && Math.abs(err[1]) < k.donePos && Math.abs(err[2]) < k.doneAngle) {
        return [0, 0, 1];
      }
      if (current && index < current.pushFrom) {
        // travelling: drop the plan if the T moved under us
        const moved = Math.hypot(
          pose[0] - current.pose[0],
          pose[1] - current.pose[1],
          k.angleWeight * wrap(pose[2] - current.pose[2]),
        );
        if (moved > k.replanMove) current = null;
      }
      if (current && (index >= current.waypoints.length || onWaypoint > k.stallSteps)) current = null;
      if (!current) {
        current = plan(k, pose, ee);
        index = 0;
        onWaypoint = 0;
        if (!current) return [0, 0, 1]; // nothing helps any more
      }
      let wp = current.waypoints[index];
      while (Math.hypot(wp[0] - ee[0], wp[1] - ee[1]) < k.arrive) {
        index++;
        onWaypoint = 0;
        if (index >= current.waypoints.length) return [0, 0, 0]; // re-plan next step
        wp = current.waypoints[index];
      }
      onWaypoint++;
      const gain = index >= current.pushFrom ? k.pushGain : k.travelGain;
      return [clip(((wp[0] - ee[0]) / STEP) * gain), clip(((wp[1] - ee[1]) / STEP) * gain), 0];
    },
  };
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
