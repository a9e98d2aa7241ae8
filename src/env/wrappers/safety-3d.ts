/**
 * Safety in 3D: composable wrappers for robot stations (MuJoCo arms now, real ones later) that end a trial as a
 * failure before harm, exactly as Push-T's safety stop does (safety.ts): the stopping step returns reward 0,
 * `terminated: true` and `info.safety = { wrapper, kind, reason }`, and every further step returns the same stop
 * until the next reset. Nothing is repaired, with one documented exception: a safety zone in "elastic" mode scales
 * an action that would leave the zone back to its boundary and marks the step `info.clamped = true`.
 *
 * The wrappers know nothing task-specific. They read the robot through an optional Env capability,
 * `RobotStateSource` (robotState(), commandedTarget(action), holdAction(action)), which ArmEnv implements; they find
 * it by walking the wrapper stack inwards, and refuse to wrap an env without one.
 *
 * Wrappers (kind of stop in brackets):
 *   eStop              [e-stop]          trigger(reason) stops the trial at its next step
 *   safetyZone         [safety-zone]     the commanded EE pose inside the convex hull of keypose positions grown by a
 *                                        margin, and its orientation within a margin of the nearest keypose's
 *   eeWorkspace        [workspace]       the commanded EE target inside an absolute box (station frame)
 *   deltaCap3d         [delta-cap]       the commanded EE target moves at most perStepM per axis per step
 *   jointLimits        [joint-limit]     commanded joint targets (joint mode) and measured joints inside each range
 *                                        less a margin
 *   gripperForceLimit  [gripper-force]   the grip force after a step at most maxN
 *   contactForceLimit  [force]           the summed normal force per body pair between the robot side and the world
 *                                        after a step at most maxN
 * Every one of them also stops a malformed action (kind malformed-action) before the env steps.
 * `withSafety3d(env, limits)` stacks the configured ones in that order, outermost first (see its comment).
 */
import type { Env, SafetyStop, StepResult } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import { boxSize, describeMalformed } from "../../core/space.js";
import { boxActionSpace, type WrappedEnv, wrap } from "./wrap.js";

/** Numerical settings of the checks. */
export const SAFETY_3D = Object.freeze({
  positionToleranceM: 1e-9, // m: a commanded position this close past a limit still counts as inside (float noise)
  angleToleranceRad: 1e-9, // rad: the same for orientation and joint limits
  elasticBisections: 24, // halvings when scaling an action back to the zone's boundary (≈ 6e-8 of the step)
  hullIterations: 100, // most support-point iterations of the point-to-hull distance (GJK)
  hullRelativeGap: 1e-12, // GJK stops when |v|² − v·w is below this fraction of |v|²
  maxKeyposes: 64, // most keyposes a safety zone takes
});

export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number]; // w, x, y, z
/** A keypose as the paper's set_safety_zone takes it: position m, then orientation quaternion w, x, y, z. */
export type Keypose = readonly [number, number, number, number, number, number, number];

/** The robot's state as the wrappers read it (ArmEnv.robotState() has this shape). */
export interface RobotState {
  jointNames: string[];
  jointPositions: number[]; // rad
  jointLimits: [number, number][]; // rad, each joint's range
  jointTargets: number[]; // rad, what the servos track now
  eePosition: Vec3; // m, station (world) frame
  eeQuat: Quat;
  eeTargetPosition: Vec3; // m, the EE target commanded so far
  eeTargetQuat: Quat;
  eeForce: Vec3; // N, contact force the world applies to the robot side
  gripperForce: number; // N, positive squeezes
  /** Summed normal force per body pair between the robot side (arm, fingers, held bodies) and the rest, N. */
  contactForces: { pair: string; bodies: [string, string]; normal: number }[];
}

/** Where an action would send the arm (ArmEnv.commandedTarget). */
export interface RobotCommand {
  eePosition: Vec3;
  eeQuat: Quat;
  jointTargets: number[] | null; // rad, as commanded (joint mode); null when the action moves the EE
}

/** The optional Env capability the wrappers need; an env (or one it wraps) exposes it. */
export interface RobotStateSource {
  robotState(): RobotState;
  /** What a well-formed action would command, without moving anything. */
  commandedTarget(action: readonly number[]): RobotCommand;
  /** The action that keeps the arm's command where it is, with the action's other elements (gripper) kept. */
  holdAction(action: readonly number[]): number[];
}

export function isRobotStateSource(value: unknown): value is RobotStateSource {
  const v = value as Partial<RobotStateSource> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.robotState === "function" &&
    typeof v.commandedTarget === "function" &&
    typeof v.holdAction === "function"
  );
}

/** The robot under `env`: env itself or the first env inwards through the wrapper stack that has the capability. */
export function findRobot<O, A>(env: Env<O, A>, wrapper = "safety-3d"): RobotStateSource {
  let e: unknown = env;
  while (e && typeof e === "object") {
    if (isRobotStateSource(e)) return e;
    e = (e as { inner?: unknown }).inner;
  }
  throw new InvalidInputError(
    `the ${wrapper} wrapper needs a robot env (one with robotState(), e.g. a MuJoCo arm task), but ${env.name} has none`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// One safety layer: the stop bookkeeping every wrapper shares

type Stop = [kind: SafetyStop["kind"], reason: string];

interface Guard {
  /** Before anything else looks at the action (even a malformed one): a stop or null. */
  first?(): Stop | null;
  /** Before the env steps, on a well-formed action: a stop, or the action to pass on and info to add. */
  before?(action: number[], robot: RobotStateSource): Stop | { action: number[]; info: Record<string, unknown> } | null;
  /** After the env stepped (and no inner layer stopped): a stop or null. */
  after?(robot: RobotStateSource): Stop | null;
}

function guardLayer<O, A>(env: Env<O, A>, name: string, params: unknown, guard: Guard): WrappedEnv<O, A> {
  const space = boxActionSpace(env, name);
  const robot = findRobot(env, name);
  const shape = `${boxSize(space)} finite numbers${space.names ? ` [${space.names.join(", ")}]` : ""}`;
  let stopped: StepResult<O> | undefined;

  const stop = ([kind, reason]: Stop, result?: StepResult<O>): StepResult<O> => {
    stopped = {
      observation: result ? result.observation : env.observe(),
      reward: 0,
      terminated: true,
      truncated: false,
      info: { ...(result?.info ?? {}), safety: { wrapper: name, kind, reason } },
    };
    return stopped;
  };

  return wrap(env, name, params, {
    reset(opts) {
      stopped = undefined;
      return env.reset(opts);
    },
    step(action) {
      if (stopped) return { ...stopped, observation: env.observe() };
      const early = guard.first?.();
      if (early) return stop(early);
      const malformed = describeMalformed(action, space);
      if (malformed !== undefined)
        return stop(["malformed-action", `malformed action: ${malformed}; expected ${shape}`]);
      let passed = action;
      let extra: Record<string, unknown> | undefined;
      if (guard.before) {
        const verdict = guard.before(Array.from(action as ArrayLike<number>), robot);
        if (Array.isArray(verdict)) return stop(verdict);
        if (verdict) {
          passed = verdict.action as A;
          extra = verdict.info;
        }
      }
      const result = env.step(passed);
      // an inner layer stopped: pass its stop on untouched, and keep returning it
      if (result.info.safety) {
        stopped = result;
        return result;
      }
      const late = guard.after?.(robot);
      if (late) return stop(late, result);
      return extra ? { ...result, info: { ...result.info, ...extra } } : result;
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The wrappers

/** An env with an emergency stop. */
export interface EStopEnv<O, A> extends WrappedEnv<O, A> {
  /** Stops the trial at its next step (a trigger between trials stops the next trial's first step). */
  trigger(reason: string): void;
  /** The reason of a trigger that has not stopped a step yet, or null. */
  readonly pending: string | null;
}

/**
 * An emergency stop: `trigger(reason)` makes the next step stop without stepping the env (kind "e-stop"), whatever
 * the action. A trigger is consumed by the stop it causes; the station resets on the next trial as usual.
 * @example
 * const env = eStop(makeEnv("pin-insertion"));
 * env.trigger("operator pressed stop"); // from the fleet's station control
 * env.step([0, 0, 0]).info.safety;      // { wrapper: "e-stop", kind: "e-stop", reason: "e-stop: operator pressed stop" }
 */
export function eStop<O, A>(env: Env<O, A>): EStopEnv<O, A> {
  let pending: string | null = null;
  const layer = guardLayer(
    env,
    "e-stop",
    {},
    {
      // before the malformed check: the operator's stop comes first, whatever the action
      first() {
        if (pending === null) return null;
        const reason = pending;
        pending = null;
        return ["e-stop", `e-stop: ${reason}`];
      },
    },
  );
  // defineProperties, not Object.assign: `pending` must stay a live getter
  return Object.defineProperties(layer, {
    trigger: {
      value(reason: string): void {
        pending = String(reason) || "triggered";
      },
    },
    pending: { get: () => pending },
  }) as EStopEnv<O, A>;
}

export interface WorkspaceLimit {
  /** Absolute box for the commanded EE target, m, station (world) frame, inclusive. */
  box: { low: Vec3; high: Vec3 };
}

/**
 * Stops (kind "workspace") when the EE target an action commands would leave `box`, before the env steps. The check
 * is on the commanded target, so the robot never heads outside.
 * @example eeWorkspace(env, { box: { low: [0.3, -0.25, 0.02], high: [0.4, -0.15, 0.12] } })
 */
export function eeWorkspace<O, A>(env: Env<O, A>, limit: WorkspaceLimit): WrappedEnv<O, A> {
  const box = checkBox(limit?.box, "eeWorkspace", env.name);
  return guardLayer(
    env,
    "workspace",
    { box },
    {
      before(action, robot) {
        const p = robot.commandedTarget(action).eePosition;
        for (let k = 0; k < 3; k++) {
          const tol = SAFETY_3D.positionToleranceM;
          if (p[k] >= box.low[k] - tol && p[k] <= box.high[k] + tol) continue;
          return [
            "workspace",
            `EE target ${AXES[k]} = ${mm(p[k])} mm is outside the workspace ${mm(box.low[k])}..${mm(box.high[k])} mm`,
          ];
        }
        return null;
      },
    },
  );
}

export interface DeltaCap3d {
  /** Largest move of the commanded EE target per step, m, per axis x, y, z. */
  perStepM: Vec3;
}

/**
 * Stops (kind "delta-cap") when an action would move the EE target by more than `perStepM` along an axis in one step:
 * the commanded delta, i.e. the action times the env's scale after the env's own clipping (read from the env, so it
 * holds in joint mode too, where the delta is the commanded pose's move).
 * @example deltaCap3d(env, { perStepM: [0.0002, 0.0002, 0.0004] })
 */
export function deltaCap3d<O, A>(env: Env<O, A>, cap: DeltaCap3d): WrappedEnv<O, A> {
  const perStep = checkVec(cap?.perStepM, "deltaCap3d perStepM", env.name, { min: 0 });
  return guardLayer(
    env,
    "delta-cap-3d",
    { perStepM: perStep },
    {
      before(action, robot) {
        const from = robot.robotState().eeTargetPosition;
        const to = robot.commandedTarget(action).eePosition;
        for (let k = 0; k < 3; k++) {
          const d = Math.abs(to[k] - from[k]);
          if (d <= perStep[k] + SAFETY_3D.positionToleranceM) continue;
          return [
            "delta-cap",
            `EE target would move ${mm(d)} mm along ${AXES[k]} in one step, cap is ${mm(perStep[k])} mm per step`,
          ];
        }
        return null;
      },
    },
  );
}

export interface JointLimitMargin {
  /** How far inside each joint's range the arm must stay, rad. */
  marginRad: number;
}

/**
 * Stops (kind "joint-limit") when a commanded joint target (joint-mode actions, before the env steps) or a measured
 * joint position (after the step) comes within `marginRad` of the end of its range.
 * @example jointLimits(env, { marginRad: 0.05 })
 */
export function jointLimits<O, A>(env: Env<O, A>, margin: JointLimitMargin): WrappedEnv<O, A> {
  const m = margin?.marginRad;
  if (typeof m !== "number" || !Number.isFinite(m) || m < 0) {
    throw new InvalidInputError(
      `jointLimits for ${env.name}: marginRad must be a finite number >= 0, got ${String(m)}`,
    );
  }
  const state = findRobot(env, "joint-limits").robotState();
  state.jointLimits.forEach(([lo, hi], i) => {
    if (hi - lo <= 2 * m) {
      throw new InvalidInputError(
        `jointLimits for ${env.name}: a ${m} rad margin leaves nothing of ${state.jointNames[i]}'s range ` +
          `${lo}..${hi} rad`,
      );
    }
  });
  const check = (values: readonly number[], limits: [number, number][], names: string[], what: string): Stop | null => {
    for (let i = 0; i < values.length; i++) {
      const [lo, hi] = limits[i];
      const v = values[i];
      const tol = SAFETY_3D.angleToleranceRad;
      if (v >= lo + m - tol && v <= hi - m + tol) continue;
      return [
        "joint-limit",
        `joint ${names[i]} ${what} ${rad(v)} rad, allowed ${rad(lo + m)}..${rad(hi - m)} rad ` +
          `(range ${rad(lo)}..${rad(hi)} rad less a ${rad(m)} rad margin)`,
      ];
    }
    return null;
  };
  return guardLayer(
    env,
    "joint-limits",
    { marginRad: m },
    {
      before(action, robot) {
        const q = robot.commandedTarget(action).jointTargets;
        if (!q) return null;
        const s = robot.robotState();
        return check(q, s.jointLimits, s.jointNames, "commanded to");
      },
      after(robot) {
        const s = robot.robotState();
        return check(s.jointPositions, s.jointLimits, s.jointNames, "is at");
      },
    },
  );
}

export interface ForceLimit {
  /** Largest allowed force, N. */
  maxN: number;
}

/**
 * Stops (kind "gripper-force") when the gripper squeezes harder than `maxN` after a step.
 * @example gripperForceLimit(env, { maxN: 20 })
 */
export function gripperForceLimit<O, A>(env: Env<O, A>, limit: ForceLimit): WrappedEnv<O, A> {
  const maxN = checkForce(limit?.maxN, "gripperForceLimit", env.name);
  return guardLayer(
    env,
    "gripper-force-limit",
    { maxN },
    {
      after(robot) {
        const f = robot.robotState().gripperForce;
        return f > maxN ? ["gripper-force", `gripper squeezes with ${newton(f)} N, limit ${newton(maxN)} N`] : null;
      },
    },
  );
}

export interface ContactForceLimit extends ForceLimit {
  /**
   * Body pairs to watch, by body name, either order (e.g. [["pin", "pin_box"]]); default every pair between the
   * robot side (arm, fingers, held bodies) and the rest. The grasp's own contacts never count.
   */
  pairs?: [string, string][];
}

/**
 * Stops (kind "force") when, after a step, the summed normal force between a watched body pair passes `maxN`. The
 * reading is the control step's last physics step (a peak inside the step and gone by its end is not seen).
 * @example contactForceLimit(env, { maxN: 5, pairs: [["pin", "pin_box"]] })
 */
export function contactForceLimit<O, A>(env: Env<O, A>, limit: ContactForceLimit): WrappedEnv<O, A> {
  const maxN = checkForce(limit?.maxN, "contactForceLimit", env.name);
  const pairs = limit.pairs?.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((b) => typeof b === "string" && b.length > 0)) {
      throw new InvalidInputError(`contactForceLimit for ${env.name}: pairs[${i}] must be two body names`);
    }
    return [p[0], p[1]] as [string, string];
  });
  const watched = (bodies: [string, string]) =>
    !pairs || pairs.some(([a, b]) => (a === bodies[0] && b === bodies[1]) || (a === bodies[1] && b === bodies[0]));
  return guardLayer(
    env,
    "contact-force-limit",
    { maxN, pairs: pairs ?? null },
    {
      after(robot) {
        for (const c of robot.robotState().contactForces) {
          if (c.normal > maxN && watched(c.bodies)) {
            return [
              "force",
              `contact force between ${c.bodies[0]} and ${c.bodies[1]} is ${newton(c.normal)} N, limit ${newton(maxN)} N`,
            ];
          }
        }
        return null;
      },
    },
  );
}

export interface SafetyZone {
  /** Keyposes [x, y, z, qw, qx, qy, qz] (m, unit quaternion), 1 to 64 of them, station frame. */
  keyposes: readonly Keypose[];
  /** How far outside the keyposes' convex hull the EE may go, m. */
  posMarginM: number;
  /** How far the EE orientation may turn from the nearest keypose orientation, rad. */
  oriMarginRad: number;
  /** "elastic": an action that would leave is scaled back to the boundary (info.clamped); "hard": the trial stops. */
  mode: "elastic" | "hard";
}

/**
 * The paper's set_safety_zone: the commanded EE pose must stay inside the convex hull of the keypose positions grown
 * by `posMarginM` (every point within that distance of the hull) with its orientation within `oriMarginRad` of the
 * nearest keypose orientation (nearest by angle). An action whose commanded pose would leave:
 *   "hard"    stops the trial (kind "safety-zone") before the env steps;
 *   "elastic" is scaled towards the hold action (no arm motion) until its commanded pose is on the boundary, and the
 *             step is marked `info.clamped = true`, `info.zoneScale` (the fraction of the action kept). When the arm's
 *             command is already outside (e.g. the zone was set elsewhere), an action that brings it closer passes
 *             and any other is replaced by the hold action, so the arm can only come back.
 * @example
 * safetyZone(env, { keyposes: [[0.35, -0.2, 0.1, 0, 1, 0, 0], ...], posMarginM: 0.003, oriMarginRad: 0.1, mode: "hard" })
 */
export function safetyZone<O, A>(env: Env<O, A>, zone: SafetyZone): WrappedEnv<O, A> {
  const { points, quats, posMargin, oriMargin, mode } = checkZone(zone, env.name);
  /** How far the pose is outside the zone: metres past the grown hull, radians past the orientation margin. */
  const excess = (c: RobotCommand) => ({
    pos: distanceToHull(c.eePosition, points) - posMargin,
    ori: Math.min(...quats.map((q) => quatAngle(q, c.eeQuat))) - oriMargin,
  });
  const inside = (e: { pos: number; ori: number }) =>
    e.pos <= SAFETY_3D.positionToleranceM && e.ori <= SAFETY_3D.angleToleranceRad;
  const describe = (e: { pos: number; ori: number }) =>
    e.pos > SAFETY_3D.positionToleranceM
      ? `the EE target would be ${mm(e.pos)} mm outside the safety zone (hull of ${points.length} keyposes grown ` +
        `by ${mm(posMargin)} mm)`
      : `the EE target orientation would be ${deg(e.ori + oriMargin)}° from the nearest keypose's, margin ` +
        `${deg(oriMargin)}°`;

  return guardLayer(
    env,
    "safety-zone",
    { keyposes: zone.keyposes.map((k) => [...k]), posMarginM: posMargin, oriMarginRad: oriMargin, mode },
    {
      before(action, robot) {
        const wanted = excess(robot.commandedTarget(action));
        if (inside(wanted)) return null;
        if (mode === "hard") return ["safety-zone", describe(wanted)];
        const hold = robot.holdAction(action);
        const mix = (t: number) => hold.map((h, i) => h + t * (action[i] - h));
        const now = excess(robot.commandedTarget(hold));
        if (!inside(now)) {
          // already outside: only a move that reduces the excess passes
          const closer =
            Math.max(0, wanted.pos) + Math.max(0, wanted.ori) < Math.max(0, now.pos) + Math.max(0, now.ori);
          return closer ? null : { action: hold, info: { clamped: true, zoneScale: 0 } };
        }
        let lo = 0; // inside
        let hi = 1; // outside
        for (let i = 0; i < SAFETY_3D.elasticBisections; i++) {
          const t = (lo + hi) / 2;
          if (inside(excess(robot.commandedTarget(mix(t))))) lo = t;
          else hi = t;
        }
        return { action: mix(lo), info: { clamped: true, zoneScale: lo } };
      },
    },
  );
}

/** The limits withSafety3d stacks; leave one out to skip it. */
export interface Safety3dLimits {
  safetyZone?: SafetyZone;
  workspace?: WorkspaceLimit;
  deltaCap?: DeltaCap3d;
  jointLimits?: JointLimitMargin;
  gripperForce?: ForceLimit;
  contactForce?: ContactForceLimit;
}

/**
 * The standard 3D stack, outermost first:
 *   e-stop (always: a pending trigger stops the step whatever the action)
 *   → safety-zone → workspace → delta-cap-3d → joint-limits → gripper-force-limit → contact-force-limit → env.
 * So on a step: a malformed action is stopped by the first layer before anything else looks at it; then the checks
 * on the commanded target run outside in (the zone first, so that an elastic zone's scaled action is what the
 * workspace, delta cap and joint limits judge); then the env steps; then the post-step checks run inside out:
 * contact force, gripper force, measured joints. The first stop wins and the layers outside pass it on.
 * Returns the e-stop layer, so `withSafety3d(env, limits).trigger(reason)` stops the running trial.
 * @example
 * const env = withSafety3d(makeEnv("pin-insertion"), { workspace: { box }, contactForce: { maxN: 5 } });
 * env.name; // "e-stop(workspace(contact-force-limit(pin-insertion@1)))"
 */
export function withSafety3d<O, A>(env: Env<O, A>, limits: Safety3dLimits = {}): EStopEnv<O, A> {
  let e: Env<O, A> = env;
  if (limits.contactForce) e = contactForceLimit(e, limits.contactForce);
  if (limits.gripperForce) e = gripperForceLimit(e, limits.gripperForce);
  if (limits.jointLimits) e = jointLimits(e, limits.jointLimits);
  if (limits.deltaCap) e = deltaCap3d(e, limits.deltaCap);
  if (limits.workspace) e = eeWorkspace(e, limits.workspace);
  if (limits.safetyZone) e = safetyZone(e, limits.safetyZone);
  return eStop(e);
}

/** The e-stop layer of a wrapper stack (outermost first), or null when the stack has none. */
export function findEStop<O, A>(env: Env<O, A>): EStopEnv<O, A> | null {
  let e: unknown = env;
  while (e && typeof e === "object") {
    const layer = e as Partial<EStopEnv<O, A>>;
    if (layer.wrapper?.name === "e-stop" && typeof layer.trigger === "function") return layer as EStopEnv<O, A>;
    e = layer.inner;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry: distance to a convex hull (GJK), quaternion angles

/**
 * Distance (m) from `x` to the convex hull of `points` (0 inside or on it), by the Gilbert–Johnson–Keerthi
 * algorithm: the hull is only ever touched through its support points, so flat, line-like or single-point hulls
 * need no special case. The simplex step tries every face of the current simplex (at most 15) and keeps the nearest
 * point that is a true convex combination, so every answer is the distance to a point of the hull.
 */
export function distanceToHull(x: readonly number[], points: readonly (readonly number[])[]): number {
  if (points.length === 0) throw new InvalidInputError("distanceToHull needs at least one point");
  const y = points.map((p): Vec3 => [p[0] - x[0], p[1] - x[1], p[2] - x[2]]);
  let simplex: Vec3[] = [y[0]];
  let v: Vec3 = y[0];
  let vv = dot(v, v);
  for (let it = 0; it < SAFETY_3D.hullIterations && vv > 0; it++) {
    // support point in direction −v
    let w = y[0];
    let best = dot(w, v);
    for (const p of y) {
      const d = dot(p, v);
      if (d < best) {
        best = d;
        w = p;
      }
    }
    if (vv - best <= SAFETY_3D.hullRelativeGap * vv) break; // v is (nearly) the nearest point
    const next = nearestOnSimplex([...simplex, w]);
    if (next.dd >= vv) break; // no progress: numerical floor
    simplex = next.support;
    v = next.point;
    vv = next.dd;
  }
  return Math.sqrt(vv);
}

/** The point of conv(s) nearest the origin, with the vertices whose weights are positive. |s| ≤ 4. */
function nearestOnSimplex(s: Vec3[]): { point: Vec3; dd: number; support: Vec3[] } {
  let best: { point: Vec3; dd: number; support: Vec3[] } | null = null;
  for (let mask = 1; mask < 1 << s.length; mask++) {
    const face = s.filter((_, i) => mask & (1 << i));
    const weights = affineNearestWeights(face);
    if (!weights || weights.some((l) => l < 0)) continue;
    const point: Vec3 = [0, 0, 0];
    face.forEach((p, i) => {
      point[0] += weights[i] * p[0];
      point[1] += weights[i] * p[1];
      point[2] += weights[i] * p[2];
    });
    const dd = dot(point, point);
    if (!best || dd < best.dd) best = { point, dd, support: face.filter((_, i) => weights[i] > 0) };
  }
  // a single vertex always qualifies, so best is set
  return best as { point: Vec3; dd: number; support: Vec3[] };
}

/**
 * Weights λ (Σλ = 1) of the point of the affine hull of `face` nearest the origin, or null when the face is
 * degenerate (its points affinely dependent).
 */
function affineNearestWeights(face: Vec3[]): number[] | null {
  const k = face.length - 1;
  if (k === 0) return [1];
  const p0 = face[0];
  const e = face.slice(1).map((p): Vec3 => [p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]]);
  // minimise |p0 + Σ μ_i e_i|²: G μ = −E p0, G = E Eᵀ
  const G = e.map((a) => e.map((b) => dot(a, b)));
  const r = e.map((a) => -dot(a, p0));
  const scale = Math.max(...e.map((a) => dot(a, a)));
  const mu = solveSmall(G, r, 1e-12 * scale);
  if (!mu) return null;
  return [1 - mu.reduce((a, b) => a + b, 0), ...mu];
}

/** Gaussian elimination with partial pivoting for n ≤ 3; null when a pivot is below `tiny`. */
function solveSmall(A: number[][], b: number[], tiny: number): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (!(Math.abs(M[p][c]) > tiny)) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = M[r][n];
    for (let k = r + 1; k < n; k++) sum -= M[r][k] * x[k];
    x[r] = sum / M[r][r];
  }
  return x;
}

/** The angle (rad, 0..π) of the rotation between two unit quaternions, whichever sign each has. */
export function quatAngle(a: readonly number[], b: readonly number[]): number {
  const d = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * Math.acos(Math.min(1, d));
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

// ---------------------------------------------------------------------------------------------------------------
// Checks on the limits (refused when the wrapper is built) and number formats for reasons

const AXES = ["x", "y", "z"] as const;

function checkVec(v: unknown, what: string, envName: string, opts: { min?: number } = {}): Vec3 {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((n) => typeof n === "number" && Number.isFinite(n))) {
    throw new InvalidInputError(`${what} for ${envName} must be 3 finite numbers [x, y, z], got ${JSON.stringify(v)}`);
  }
  if (opts.min !== undefined && v.some((n) => n < (opts.min as number))) {
    throw new InvalidInputError(`${what} for ${envName} must be >= ${opts.min}, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2]];
}

function checkBox(box: unknown, what: string, envName: string): { low: Vec3; high: Vec3 } {
  const b = box as { low?: unknown; high?: unknown } | undefined;
  const low = checkVec(b?.low, `${what} box.low`, envName);
  const high = checkVec(b?.high, `${what} box.high`, envName);
  for (let k = 0; k < 3; k++) {
    if (low[k] > high[k]) {
      throw new InvalidInputError(`${what} for ${envName}: box.low ${AXES[k]} ${low[k]} is above box.high ${high[k]}`);
    }
  }
  return { low, high };
}

function checkForce(maxN: unknown, what: string, envName: string): number {
  if (typeof maxN !== "number" || !Number.isFinite(maxN) || maxN <= 0) {
    throw new InvalidInputError(`${what} for ${envName}: maxN must be a finite number > 0 N, got ${String(maxN)}`);
  }
  return maxN;
}

function checkZone(zone: SafetyZone, envName: string) {
  const refuse = (what: string): never => {
    throw new InvalidInputError(`safetyZone for ${envName}: ${what}`);
  };
  const keyposes = zone?.keyposes;
  if (!Array.isArray(keyposes) || keyposes.length === 0 || keyposes.length > SAFETY_3D.maxKeyposes) {
    refuse(`keyposes must be 1..${SAFETY_3D.maxKeyposes} poses [x, y, z, qw, qx, qy, qz]`);
  }
  const points: Vec3[] = [];
  const quats: Quat[] = [];
  keyposes.forEach((k, i) => {
    if (!Array.isArray(k) || k.length !== 7 || !k.every((n) => typeof n === "number" && Number.isFinite(n))) {
      refuse(`keyposes[${i}] must be 7 finite numbers [x, y, z, qw, qx, qy, qz], got ${JSON.stringify(k)}`);
    }
    const norm = Math.hypot(k[3], k[4], k[5], k[6]);
    if (Math.abs(norm - 1) > 1e-3) refuse(`keyposes[${i}]'s quaternion has norm ${norm}; it must be a unit quaternion`);
    points.push([k[0], k[1], k[2]]);
    quats.push([k[3] / norm, k[4] / norm, k[5] / norm, k[6] / norm]);
  });
  const posMargin = zone.posMarginM;
  const oriMargin = zone.oriMarginRad;
  if (typeof posMargin !== "number" || !Number.isFinite(posMargin) || posMargin < 0) {
    refuse(`posMarginM must be a finite number >= 0 m, got ${String(posMargin)}`);
  }
  if (typeof oriMargin !== "number" || !(oriMargin >= 0 && oriMargin <= Math.PI)) {
    refuse(`oriMarginRad must be in 0..π rad, got ${String(oriMargin)}`);
  }
  if (zone.mode !== "elastic" && zone.mode !== "hard")
    refuse(`mode must be "elastic" or "hard", got ${String(zone.mode)}`);
  return { points, quats, posMargin, oriMargin, mode: zone.mode };
}

function mm(m: number): string {
  return (m * 1000).toFixed(2);
}
function rad(v: number): string {
  return v.toFixed(3);
}
function deg(r: number): string {
  return ((r * 180) / Math.PI).toFixed(1);
}
function newton(f: number): string {
  return f.toFixed(2);
}
