/**
 * Control tools: each answers the NEXT ACTION in the task's own action space (as Push-T's skills do), so a policy
 * calls one every step and returns its action; nothing here moves the simulation. `stateIn` reads the robot's
 * proprioception and how an action maps to motion. In delta-ee mode a move is measured from the commanded EE
 * target (where earlier actions put it), so the commands add up exactly; in joint mode the next point of the line
 * is turned into joint targets by IK on a kinematic twin. Locked axes are left alone (their action element is 0).
 */
import type { ArmEnv } from "../arm-env.js";
import { DiffIk } from "../ik.js";
import type { Vec3 } from "../scene.js";
import { matToRpy, quatToMat } from "./rpy.js";

export const CONTROL_DEFAULTS = Object.freeze({
  tolerance: 0.001, // m: a move has arrived when the EE is this close to the goal (on the unlocked axes)
  gripperClosedN: 1, // N: a grip force reading above this means the gripper is commanded closed
  jointStepRad: 0.05, // rad: largest change of one joint target per step in joint mode
  ikIterations: 30, // Newton steps of the joint-mode IK per step
});

export interface ActionLayout {
  mode: "delta-ee" | "joint";
  length: number; // elements in an action
  scalePerUnitM: Vec3 | null; // delta-ee: m per unit action, per axis
  deltaCapM: Vec3 | null; // delta-ee: m, largest target move per step, per axis
  lockedAxes: [boolean, boolean, boolean]; // delta-ee: x, y, z elements that are ignored
  gripper: "action" | "locked-closed" | "locked-open";
  gripperIndex: number | null; // the gripper element (+1 closes, −1 opens), when the action has one
  controlHz: number;
}

export interface ArmState {
  jointNames: string[];
  jointPositions: number[]; // rad
  eePos: Vec3; // m, world
  eeRpy: Vec3; // deg
  eeTargetPos: Vec3; // m, the commanded EE target
  gripperWidthM: number;
  gripperForceN: number; // positive squeezes
  eeForceN: Vec3; // contact force the world applies to the robot side, world frame
  eeForceNormN: number;
  action: ActionLayout;
}

export interface Motion {
  action: number[];
  arrived: boolean;
  distance: number; // m from the EE to the goal (unlocked axes)
  goal: Vec3;
}

/** The action layout of an env. */
export function actionLayout(env: ArmEnv): ActionLayout {
  const { action, arm } = env.toolView();
  const nArm = action.mode === "delta-ee" ? 3 : arm.joints.length;
  const hasGripper = action.gripper === "action";
  return {
    mode: action.mode,
    length: nArm + (hasGripper ? 1 : 0),
    scalePerUnitM: action.mode === "delta-ee" ? [...action.translationScale] : null,
    deltaCapM: action.mode === "delta-ee" ? [...action.deltaCap] : null,
    lockedAxes: action.mode === "delta-ee" && action.lock ? [...action.lock] : [false, false, false],
    gripper: action.gripper,
    gripperIndex: hasGripper ? nArm : null,
    controlHz: env.spec.controlHz,
  };
}

export function stateIn(env: ArmEnv): ArmState {
  const r = env.robotState();
  const { scene, arm } = env.toolView();
  return {
    jointNames: r.jointNames,
    jointPositions: r.jointPositions,
    eePos: r.eePosition,
    eeRpy: matToRpy(quatToMat(r.eeQuat)),
    eeTargetPos: r.eeTargetPosition,
    gripperWidthM: 2 * scene.qposView()[scene.qposAdr(arm.fingerJoints[0])], // the fingers' joint readback
    gripperForceN: r.gripperForce,
    eeForceN: r.eeForce,
    eeForceNormN: Math.hypot(...r.eeForce),
    action: actionLayout(env),
  };
}

/** The gripper element to send: given, else what the gripper is doing now (squeezing → +1, else −1). */
function gripperValue(env: ArmEnv, given: number | boolean | undefined): number {
  if (typeof given === "boolean") return given ? 1 : -1;
  if (typeof given === "number") return Math.max(-1, Math.min(1, given));
  return env.robotState().gripperForce > CONTROL_DEFAULTS.gripperClosedN ? 1 : -1;
}

/**
 * The next action of a straight-line move of the EE toward `pos` (m, world) at up to `speed` m/s (default: the
 * per-step cap), clipped to the per-step cap with its direction kept.
 */
export function moveLinearIn(
  env: ArmEnv,
  opts: { pos: readonly number[]; speed?: number; tolerance?: number; gripper?: number | boolean },
): Motion {
  const goal = vec3(opts?.pos, "pos");
  const layout = actionLayout(env);
  const r = env.robotState();
  const tol = opts.tolerance ?? CONTROL_DEFAULTS.tolerance;
  const lock = layout.lockedAxes;
  const free = (k: number) => !lock[k];
  const distance = Math.hypot(...[0, 1, 2].map((k) => (free(k) ? goal[k] - r.eePosition[k] : 0)));
  const grip = layout.gripperIndex === null ? [] : [gripperValue(env, opts.gripper)];
  if (layout.mode === "delta-ee") {
    const scale = layout.scalePerUnitM as Vec3;
    const cap = layout.deltaCapM as Vec3;
    const d = [0, 1, 2].map((k) => (free(k) ? goal[k] - r.eeTargetPosition[k] : 0));
    const len = Math.hypot(...d);
    let f = 1;
    for (let k = 0; k < 3; k++) {
      const most = Math.min(cap[k], scale[k]);
      if (Math.abs(d[k]) > most) f = Math.min(f, most / Math.abs(d[k]));
    }
    if (opts.speed !== undefined) {
      if (!(opts.speed > 0)) throw new Error("speed must be above 0 (m/s)");
      const perStep = opts.speed / layout.controlHz;
      if (len > perStep) f = Math.min(f, perStep / len);
    }
    const action = [...d.map((v, k) => (f * v) / scale[k]), ...grip];
    return { action, arrived: distance <= tol && len <= tol, distance, goal };
  }
  // joint mode: the next point of the line, through IK from the current joint targets
  const { scene, arm } = env.toolView();
  const perStep = opts.speed !== undefined ? opts.speed / layout.controlHz : Number.POSITIVE_INFINITY;
  const from = r.eeTargetPosition;
  const d = [0, 1, 2].map((k) => goal[k] - from[k]);
  const len = Math.hypot(...d);
  const f = len > perStep ? perStep / len : 1;
  const next: Vec3 = [from[0] + f * d[0], from[1] + f * d[1], from[2] + f * d[2]];
  const ik = new DiffIk(scene, arm.joints, arm.eeSite);
  try {
    const mat = quatToMat(r.eeTargetQuat);
    const q = ik.solve(r.jointTargets, { pos: next, mat }, { iterations: CONTROL_DEFAULTS.ikIterations }).q;
    const step = Array.from(q, (v, i) => {
      const dq = v - r.jointTargets[i];
      const cap = CONTROL_DEFAULTS.jointStepRad;
      return r.jointTargets[i] + Math.max(-cap, Math.min(cap, dq));
    });
    return { action: [...step, ...grip], arrived: distance <= tol, distance, goal };
  } finally {
    ik.dispose();
  }
}

/** The action for one small move of the EE by (dx, dy, dz) m from its commanded target (clipped to the step cap). */
export function nudgeIn(
  env: ArmEnv,
  opts: { dx?: number; dy?: number; dz?: number; gripper?: number | boolean },
): Motion {
  const t = env.robotState().eeTargetPosition;
  const d = [opts?.dx ?? 0, opts?.dy ?? 0, opts?.dz ?? 0];
  return moveLinearIn(env, { pos: [t[0] + d[0], t[1] + d[1], t[2] + d[2]], gripper: opts?.gripper });
}

/** The next action toward the EE's home: where it was after the episode's reset. */
export function goHomeIn(env: ArmEnv, opts: { speed?: number; gripper?: number | boolean } = {}): Motion {
  return moveLinearIn(env, { pos: env.toolView().startEe, speed: opts?.speed, gripper: opts?.gripper });
}

/** The action that holds the arm and opens or closes the gripper; ok false (with the reason) when the task locks it. */
export function gripperIn(
  env: ArmEnv,
  opts: { close: boolean },
): { action: number[]; ok: boolean; reason: string | null; widthM: number; forceN: number } {
  if (typeof opts?.close !== "boolean") throw new Error("gripper({ close: true | false })");
  const layout = actionLayout(env);
  const s = stateIn(env);
  const hold = env.holdAction(new Array(layout.length).fill(0));
  if (layout.gripperIndex === null) {
    return {
      action: hold,
      ok: false,
      reason: `this task's gripper is ${layout.gripper}: its actions have no gripper element`,
      widthM: s.gripperWidthM,
      forceN: s.gripperForceN,
    };
  }
  hold[layout.gripperIndex] = opts.close ? 1 : -1;
  return { action: hold, ok: true, reason: null, widthM: s.gripperWidthM, forceN: s.gripperForceN };
}

export function vec3(v: unknown, name: string): Vec3 {
  const ok =
    (Array.isArray(v) || ArrayBuffer.isView(v)) &&
    (v as ArrayLike<unknown>).length === 3 &&
    Array.from(v as ArrayLike<unknown>).every((x) => typeof x === "number" && Number.isFinite(x));
  if (!ok) throw new Error(`${name} must be 3 finite numbers [x, y, z] (m)`);
  const a = v as ArrayLike<number>;
  return [a[0], a[1], a[2]];
}
