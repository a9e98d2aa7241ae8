/**
 * Collision-free free-space motion for the driven arm: RRT-connect in joint space, then shortcut smoothing, with
 * MuJoCo's own collision detection as the check. The planner keeps its own MjData of the station's model (the
 * station's world as it is when planning starts, the arm's joints set per query; mj_kinematics + mj_collision), so
 * planning never touches the simulation. A configuration collides when a geom of the robot (the arm's bodies and
 * fingers) penetrates a geom that is not the robot's; pairs of bodies already touching at the start (a held object
 * in the pads, a resting contact) are allowed. `followPathIn` turns a path into the next action.
 */
import type { MjData } from "@mujoco/mujoco";
import { RandomState } from "../../../core/rng.js";
import type { ArmEnv } from "../arm-env.js";
import { DiffIk } from "../ik.js";
import type { Vec3 } from "../scene.js";
import { actionLayout, type Motion, moveLinearIn, vec3 } from "./control.js";
import { quatToMat, rpyToMat } from "./rpy.js";

export const PLANNER_DEFAULTS = Object.freeze({
  maxMs: 2000, // ms a plan may take before giving up
  extendRad: 0.15, // rad: the longest step (per joint) one RRT extension takes
  checkRad: 0.02, // rad: edges are checked for collision at this spacing (per joint)
  goalTolM: 0.002, // m: the goal's IK must reach this close
  ikIterations: 200, // Newton steps for the goal's IK
  shortcutTries: 150, // random shortcut attempts in smoothing
  penetrationM: 0, // m: contacts deeper than this (dist < −this) count as collisions
  followDensifyRad: 0.05, // rad: path spacing used when following it by EE targets
  followArriveM: 0.002, // m: a waypoint is passed when the EE target is this close to it
  followJointStepRad: 0.05, // rad: largest change of one joint target per step when following in joint mode
});

export interface PlanResult {
  path: number[][]; // joint waypoints, start to goal (rad, arm order)
  ok: boolean;
  reason: string | null;
  ms: number;
  nodes: number; // tree nodes grown
}

/** Collision checks of the driven arm's configurations against the station's world as it is now. */
export class ArmCollisionChecker {
  private readonly data: MjData;
  private readonly qposAdr: number[];
  private readonly robotBody: boolean[];
  private readonly allowed = new Set<string>();
  private readonly bodyOf: Int32Array;
  readonly lower: number[];
  readonly upper: number[];
  private disposed = false;

  constructor(private readonly env: ArmEnv) {
    const { scene, arm } = env.toolView();
    const { mj, model } = scene;
    this.data = new mj.MjData(model);
    (this.data.qpos as Float64Array).set(scene.qposView());
    this.qposAdr = arm.joints.map((j) => scene.qposAdr(j));
    const range = model.jnt_range as Float64Array;
    const ids = arm.joints.map((j) => scene.id("joint", j));
    this.lower = ids.map((id) => range[2 * id]);
    this.upper = ids.map((id) => range[2 * id + 1]);
    const mine = new Set(arm.bodies.map((b) => scene.id("body", b)));
    this.robotBody = Array.from({ length: model.nbody }, (_, b) => mine.has(b));
    this.bodyOf = model.geom_bodyid as Int32Array;
    for (const [a, b] of this.touching(env.robotState().jointPositions)) this.allowed.add(`${a}|${b}`);
  }

  /** Whether the arm at q collides with the world (beyond the pairs allowed at the start). */
  collides(q: readonly number[]): boolean {
    for (const [a, b] of this.touching(q)) if (!this.allowed.has(`${a}|${b}`)) return true;
    return false;
  }

  /** Whether the straight joint-space segment from a to b is free, checked every checkRad. */
  edgeFree(a: readonly number[], b: readonly number[]): boolean {
    const span = Math.max(...a.map((v, i) => Math.abs(b[i] - v)));
    const n = Math.max(1, Math.ceil(span / PLANNER_DEFAULTS.checkRad));
    for (let s = 1; s <= n; s++) {
      const t = s / n;
      if (this.collides(a.map((v, i) => v + t * (b[i] - v)))) return false;
    }
    return true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.data.delete();
  }

  /** Robot-world body pairs in penetration at q, robot body first. */
  private touching(q: readonly number[]): [number, number][] {
    const { scene } = this.env.toolView();
    const { mj, model } = scene;
    const d = this.data;
    const qpos = d.qpos as Float64Array;
    for (let i = 0; i < this.qposAdr.length; i++) qpos[this.qposAdr[i]] = q[i];
    mj.mj_kinematics(model, d);
    mj.mj_collision(model, d);
    const out: [number, number][] = [];
    const vec = d.contact;
    try {
      for (let i = 0; i < d.ncon; i++) {
        const c = vec.get(i);
        if (!c) continue;
        try {
          if (c.dist >= -PLANNER_DEFAULTS.penetrationM) continue;
          const b1 = this.bodyOf[c.geom1];
          const b2 = this.bodyOf[c.geom2];
          const r1 = this.robotBody[b1];
          if (r1 === this.robotBody[b2]) continue;
          out.push(r1 ? [b1, b2] : [b2, b1]);
        } finally {
          c.delete();
        }
      }
    } finally {
      vec.delete();
    }
    return out;
  }
}

/**
 * A collision-free joint path for the driven arm from where it is to an EE pose (pos m; rpy deg, default the EE's
 * orientation now). `ok` false with the reason when the goal is unreachable, in collision, or no path was found in
 * time.
 */
export function planFreespaceIn(
  env: ArmEnv,
  opts: { pos: readonly number[]; rpy?: readonly number[]; maxMs?: number; seed?: number },
): PlanResult {
  const t0 = performance.now();
  const P = PLANNER_DEFAULTS;
  const pos = vec3(opts?.pos, "pos");
  const { scene, arm } = env.toolView();
  const r = env.robotState();
  const mat = opts.rpy ? rpyToMat(vec3(opts.rpy, "rpy")) : quatToMat(r.eeQuat);
  const start = r.jointPositions;
  const done = (path: number[][], ok: boolean, reason: string | null, nodes = 0): PlanResult => ({
    path,
    ok,
    reason,
    ms: Math.round((performance.now() - t0) * 1000) / 1000,
    nodes,
  });
  const ik = new DiffIk(scene, arm.joints, arm.eeSite);
  const checker = new ArmCollisionChecker(env);
  try {
    const sol = ik.solve(start, { pos, mat }, { iterations: P.ikIterations });
    if (sol.posError > P.goalTolM || sol.rotError > 0.05)
      return done(
        [],
        false,
        `goal unreachable: IK leaves ${(sol.posError * 1000).toFixed(1)} mm, ${sol.rotError.toFixed(3)} rad`,
      );
    const goal = Array.from(sol.q);
    if (checker.collides(goal)) return done([], false, "the goal pose is in collision");
    if (checker.edgeFree(start, goal)) return done([start, goal], true, null, 2);
    const rrt = rrtConnect(checker, start, goal, opts.maxMs ?? P.maxMs, t0, new RandomState(opts.seed ?? 0));
    if (!rrt.path) return done([], false, `no path found in ${opts.maxMs ?? P.maxMs} ms`, rrt.nodes);
    return done(shortcut(checker, rrt.path, new RandomState((opts.seed ?? 0) + 1)), true, null, rrt.nodes);
  } finally {
    ik.dispose();
    checker.dispose();
  }
}

interface Tree {
  q: number[][];
  parent: number[];
}

function rrtConnect(
  checker: ArmCollisionChecker,
  start: number[],
  goal: number[],
  maxMs: number,
  t0: number,
  rs: RandomState,
): { path: number[][] | null; nodes: number } {
  const a: Tree = { q: [start], parent: [-1] };
  const b: Tree = { q: [goal], parent: [-1] };
  let from = a;
  let to = b;
  while (performance.now() - t0 < maxMs) {
    const sample = checker.lower.map((lo, i) => lo + rs.randomSample() * (checker.upper[i] - lo));
    const added = extend(checker, from, sample);
    if (added >= 0) {
      // connect: grow the other tree toward the new node until it reaches it or is blocked
      const target = from.q[added];
      let last = -1;
      for (;;) {
        const k = extend(checker, to, target);
        if (k < 0) break;
        last = k;
        if (dist(to.q[k], target) < 1e-9) {
          const pa = trace(from, added);
          const pb = trace(to, last);
          const path = from === a ? [...pa.reverse(), ...pb] : [...pb.reverse(), ...pa];
          return { path, nodes: a.q.length + b.q.length };
        }
      }
    }
    [from, to] = [to, from];
  }
  return { path: null, nodes: a.q.length + b.q.length };
}

/** Adds a node one step from the tree's nearest node toward q; its index, or −1 when the step collides. */
function extend(checker: ArmCollisionChecker, tree: Tree, q: number[]): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < tree.q.length; i++) {
    const d = dist(tree.q[i], q);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  const near = tree.q[best];
  const f = bestD > PLANNER_DEFAULTS.extendRad ? PLANNER_DEFAULTS.extendRad / bestD : 1;
  const next = near.map((v, i) => v + f * (q[i] - v));
  if (!checker.edgeFree(near, next)) return -1;
  tree.q.push(next);
  tree.parent.push(best);
  return tree.q.length - 1;
}

function trace(tree: Tree, i: number): number[][] {
  const out: number[][] = [];
  for (let k = i; k >= 0; k = tree.parent[k]) out.push(tree.q[k]);
  return out; // node first, root last
}

/** The largest joint difference (the L∞ distance). */
function dist(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function shortcut(checker: ArmCollisionChecker, path: number[][], rs: RandomState): number[][] {
  let p = path;
  for (let t = 0; t < PLANNER_DEFAULTS.shortcutTries && p.length > 2; t++) {
    const i = Math.floor(rs.randomSample() * (p.length - 2));
    const j = i + 2 + Math.floor(rs.randomSample() * (p.length - i - 2));
    if (j >= p.length) continue;
    if (checker.edgeFree(p[i], p[j])) p = [...p.slice(0, i + 1), ...p.slice(j)];
  }
  return p;
}

/**
 * The next action along a joint path. Joint mode: the next joint targets toward the path's next waypoint (at most
 * jointStepRad per joint). Delta-ee mode: the path is densified, its waypoints turned into EE positions by forward
 * kinematics, and the EE target moves toward the first one not yet passed (the orientation stays as the task holds
 * it, so the arm's joints may differ from the path's).
 */
export function followPathIn(env: ArmEnv, path: readonly (readonly number[])[], opts: { speed?: number } = {}): Motion {
  if (!Array.isArray(path) || path.length === 0) throw new Error("path must be a non-empty list of joint waypoints");
  const layout = actionLayout(env);
  const { scene, arm } = env.toolView();
  const r = env.robotState();
  if (layout.mode === "joint") {
    const cur = r.jointTargets;
    // the segment nearest to the commanded joints; aim at its far end (or the following one once there)
    let seg = 0;
    let segD = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < path.length; i++) {
      const d = pointSegment(cur, path[i], path[i + 1]);
      if (d < segD - 1e-12) {
        segD = d;
        seg = i;
      }
    }
    let nextIdx = Math.min(seg + 1, path.length - 1);
    while (nextIdx < path.length - 1 && dist(path[nextIdx], cur) < 1e-6) nextIdx++;
    const next = path[nextIdx];
    const cap = PLANNER_DEFAULTS.followJointStepRad;
    const q = cur.map((v, i) => v + Math.max(-cap, Math.min(cap, next[i] - v)));
    const gi = layout.gripperIndex;
    const action = gi === null ? q : [...q, r.gripperForce > 1 ? 1 : -1];
    const last = path[path.length - 1];
    const ik = new DiffIk(scene, arm.joints, arm.eeSite);
    try {
      const goal = ik.forward(last).pos;
      const distance = Math.hypot(...goal.map((g, k) => g - r.eePosition[k]));
      const atEnd = nextIdx === path.length - 1 && dist(last, cur) < 1e-6;
      return { action, arrived: atEnd && distance <= PLANNER_DEFAULTS.followArriveM * 2.5, distance, goal };
    } finally {
      ik.dispose();
    }
  }
  const ik = new DiffIk(scene, arm.joints, arm.eeSite);
  let points: Vec3[];
  try {
    const dense: number[][] = [Array.from(path[0])];
    for (let i = 1; i < path.length; i++) {
      const a = path[i - 1];
      const b = path[i];
      const n = Math.max(1, Math.ceil(dist(a, b) / PLANNER_DEFAULTS.followDensifyRad));
      for (let s = 1; s <= n; s++) dense.push(a.map((v: number, k: number) => v + (s / n) * (b[k] - v)));
    }
    points = dense.map((q) => ik.forward(q).pos);
  } finally {
    ik.dispose();
  }
  // the segment of the EE polyline nearest to the commanded target; aim at its far end (or the next one when there)
  const t = r.eeTargetPosition;
  let seg = 0;
  let segD = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < points.length; i++) {
    const d = pointSegment(t, points[i], points[i + 1]);
    if (d < segD - 1e-12) {
      segD = d;
      seg = i;
    }
  }
  let idx = Math.min(seg + 1, points.length - 1);
  while (idx < points.length - 1 && Math.hypot(...points[idx].map((v, k) => v - t[k])) < PLANNER_DEFAULTS.followArriveM)
    idx++;
  const m = moveLinearIn(env, { pos: points[idx], speed: opts.speed });
  const goal = points[points.length - 1];
  const distance = Math.hypot(...goal.map((g, k) => g - r.eePosition[k]));
  return { ...m, arrived: idx === points.length - 1 && m.arrived, distance, goal };
}

/** Euclidean distance from p to the segment a–b (any dimension). */
function pointSegment(p: readonly number[], a: readonly number[], b: readonly number[]): number {
  let len2 = 0;
  let dot = 0;
  for (let k = 0; k < a.length; k++) {
    len2 += (b[k] - a[k]) ** 2;
    dot += (p[k] - a[k]) * (b[k] - a[k]);
  }
  const t = len2 > 0 ? Math.max(0, Math.min(1, dot / len2)) : 0;
  let d2 = 0;
  for (let k = 0; k < a.length; k++) d2 += (p[k] - a[k] - t * (b[k] - a[k])) ** 2;
  return Math.sqrt(d2);
}
