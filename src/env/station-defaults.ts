/**
 * What each MuJoCo task's station applies by default, beside the task itself: its 3D safety limits (the runner wraps
 * every trial's env in them: `withStationSafety`) and its pixel observation (obsType "pixels": which cameras, what
 * size). The limits are part of the evaluation side: the registry folds them into the task's fingerprint, so a
 * change here changes every result's fingerprint.
 *
 * Safety limits per task (src/env/wrappers/safety-3d.ts), and why:
 *   workspace     the paper's out-of-range box (enpire-paper.md §2.3, relative to the EE's start) around every start
 *                 the reset can draw, made absolute: [lowest start + box low, highest start + box high]. The task
 *                 itself fails an episode that leaves the box around *its* start ("out-of-range"); this is the
 *                 station's hard limit on the commanded target, checked before the arm moves. Push-T on the arm has
 *                 no out-of-range check in the paper: its box is the task's workspace grown by two action steps (the
 *                 task clips its target at the workspace's edge itself, after a delay of up to 2 steps).
 *   deltaCap      the paper's per-step delta cap, the same as the env's own cap: a second line, as on the real runner.
 *   jointLimits   0.05 rad inside each joint's range (the heuristics stay at least 0.43 rad inside).
 *   contactForce  twice the task's own force limit on the held object (its "too much force" failure) for any body
 *                 pair between the robot side and the world; 20 N on Push-T (the T slides at under 1 N).
 *   gripperForce  1.25 × the gripper servo's force range (15 N): a simulated grip cannot pass it (the servo is
 *                 force-limited); a real station's reading can.
 * Measured with the shipped heuristics (examples/policies/*-heuristic.ts, 10 seeds each): peak contact 3.8 N (pin
 * expert, limit 10), 2.6 N (gpu, limit 30), 1.4 N (zip tie, limit 20), 0.6 N (Push-T arm, limit 20); commanded
 * targets inside every box; no stop.
 */
import type { Env } from "../core/env.js";
import type { DictSpace } from "../core/space.js";
import { KITCHEN_TASK_IDS } from "./kitchen/kitchen-tasks.js";
import { type PixelObservation, pixelObservationSpace } from "./mujoco/arm-env.js";
import { armNames, GRIPPER } from "./mujoco/robot.js";
import { deepFreeze } from "./mujoco/task-kit.js";
import { SLOT } from "./tasks/gpu-insertion/card-slot.js";
import { GPU_TASK } from "./tasks/gpu-insertion/gpu-insertion.js";
import { PIN_TASK } from "./tasks/pin-insertion/pin-insertion.js";
import { PUSHT_ARM } from "./tasks/pusht-arm/pusht-arm.js";
import { CUT_TASK } from "./tasks/zip-tie/zip-tie-cut.js";
import { TIE_STARTS, TIE_TASK } from "./tasks/zip-tie/zip-tie-tie.js";
import { type EStopEnv, type Safety3dLimits, type SafetyLimits, withSafety, withSafety3d } from "./wrappers/index.js";
import type { Vec3 } from "./wrappers/safety-3d.js";

/** Numbers every task's defaults share. */
export const STATION_DEFAULTS = Object.freeze({
  jointMarginRad: 0.05, // rad, how far inside each joint's range the arm must stay
  contactForceFactor: 2, // × the task's own force limit: the station's contact-force stop
  gripperForceFactor: 1.25, // × the gripper servo's force range: the station's grip-force stop
  pixelSize: 96, // px, side of each camera image of obsType "pixels" (Push-T's and Diffusion Policy's size)
});

type Box = { low: Vec3; high: Vec3 };

/** The paper's relative out-of-range box around every start in [startLow, startHigh], made absolute (m). */
function aroundStarts(startLow: Vec3, startHigh: Vec3, relative: { low: number[]; high: number[] }): Box {
  const r = (v: number) => Math.round(v * 1e6) / 1e6; // µm: no float dust in the fingerprinted numbers
  return {
    low: [0, 1, 2].map((k) => r(startLow[k] + relative.low[k])) as Vec3,
    high: [0, 1, 2].map((k) => r(startHigh[k] + relative.high[k])) as Vec3,
  };
}

function limits(workspace: Box, deltaCap: Vec3, taskForceLimitN: number): Safety3dLimits {
  return {
    workspace: { box: workspace },
    deltaCap: { perStepM: [...deltaCap] },
    jointLimits: { marginRad: STATION_DEFAULTS.jointMarginRad },
    gripperForce: { maxN: STATION_DEFAULTS.gripperForceFactor * GRIPPER.forceLimit },
    contactForce: { maxN: STATION_DEFAULTS.contactForceFactor * taskForceLimitN },
  };
}

// Where each reset (state or procedural) can put the EE (m): the nominal start with the paper's jitter (each task's
// header; GPU insertion's slot is also placed per episode), rounded outwards by 0.5-1 mm because the grasp settles
// for 0.3 s after the jitter is drawn. station-defaults.test.ts checks them against resets of both modes.
const PIN_STARTS: [Vec3, Vec3] = [
  [0.3475, -0.2025, 0.0645],
  [0.3525, -0.1975, 0.0675],
];
const GPU_XY = [SLOT.axis[0], SLOT.axis[1]].map((c, k) => [
  c - SLOT.range[k] - GPU_TASK.jitter.xy - 0.0005,
  c + SLOT.range[k] + GPU_TASK.jitter.xy + 0.0005,
]);
const GPU_STARTS: [Vec3, Vec3] = [
  [GPU_XY[0][0], GPU_XY[1][0], 0.0405],
  [GPU_XY[0][1], GPU_XY[1][1], 0.0455],
];
const CUT_STARTS: [Vec3, Vec3] = [
  [0.3975, -0.2035, 0.1595],
  [0.4025, -0.1965, 0.1805],
];
const PIN_LIMITS = limits(aroundStarts(...PIN_STARTS, PIN_TASK.outOfRange), PIN_TASK.deltaCap, PIN_TASK.forceLimit);

/** The per-task defaults: 3D safety limits, the arm whose proprioception the pixel observation carries, cameras. */
const DEFAULTS: Readonly<Record<string, { safety: Safety3dLimits; arm: "left" | "right"; cameras: string[] }>> =
  deepFreeze({
    "pin-insertion": { safety: PIN_LIMITS, arm: "right", cameras: ["top", "right_wrist_cam"] },
    "pin-insertion-easy": { safety: PIN_LIMITS, arm: "right", cameras: ["top", "right_wrist_cam"] },
    "pin-insertion-expert": { safety: PIN_LIMITS, arm: "right", cameras: ["top", "right_wrist_cam"] },
    "gpu-insertion": {
      safety: limits(aroundStarts(...GPU_STARTS, GPU_TASK.outOfRange), GPU_TASK.deltaCap, GPU_TASK.forceLimit),
      arm: "left",
      cameras: ["top", "left_wrist_cam"],
    },
    "pusht-arm": {
      safety: limits(
        {
          low: [PUSHT_ARM.workspace.x[0] - 0.02, PUSHT_ARM.workspace.y[0] - 0.02, PUSHT_ARM.pusherZ - 0.01],
          high: [PUSHT_ARM.workspace.x[1] + 0.02, PUSHT_ARM.workspace.y[1] + 0.02, PUSHT_ARM.pusherZ + 0.01],
        },
        PUSHT_ARM.deltaCap,
        10, // the task has no force limit of its own: 10 N → a 20 N stop
      ),
      arm: "left",
      cameras: [PUSHT_ARM.camera.name, "left_wrist_cam"],
    },
    "zip-tie-cut": {
      safety: limits(aroundStarts(...CUT_STARTS, CUT_TASK.outOfRange), CUT_TASK.deltaCap, CUT_TASK.forceLimit),
      arm: "right",
      cameras: ["top", "right_wrist_cam"],
    },
    "zip-tie-tie": {
      safety: limits(aroundStarts(...TIE_STARTS, TIE_TASK.outOfRange), TIE_TASK.deltaCap, TIE_TASK.forceLimit),
      arm: "right",
      cameras: ["top", "right_wrist_cam"],
    },
  });

/**
 * The kitchen stations' limits (the mobile manipulator, src/env/kitchen): the grip force as on the arm stations, and a
 * contact-force stop at 200 N on any robot/world body pair: opening a door, a drawer or a mixer's head takes under
 * 60 N (the reference scripts, 10 search seeds each), a base driven into a counter over 1 kN. No joint-limit margin (the
 * simulator's joint ranges hold the arm, as RoboCasa's simulation does, and the IK drives a wrist onto its stop when
 * asked for an orientation it cannot reach), no workspace box (the base drives through each kitchen, and kitchens
 * differ) and no second delta cap (the env moves the hand's goal from where the hand is, RoboCasa's ≤ 0.05 m a step).
 */
const KITCHEN_SAFETY: Safety3dLimits = deepFreeze({
  gripperForce: { maxN: STATION_DEFAULTS.gripperForceFactor * GRIPPER.forceLimit },
  contactForce: { maxN: 200 },
});

/**
 * A task's default 3D safety limits, or null for a task without a robot arm (Push-T uses `withSafety` alone).
 * @example safety3dDefaults("pin-insertion")?.contactForce // { maxN: 10 }
 */
export function safety3dDefaults(taskId: string): Safety3dLimits | null {
  if ((KITCHEN_TASK_IDS as readonly string[]).includes(taskId)) return KITCHEN_SAFETY;
  return Object.hasOwn(DEFAULTS, taskId) ? DEFAULTS[taskId].safety : null;
}

/**
 * A task's pixel observation: the arm's proprioception and these cameras at `size` px; null for tasks without one
 * here (Push-T has its own pixel observations).
 * @example pixelDefaults("gpu-insertion") // { cameras: ["top", "left_wrist_cam"], size: 96 }
 */
export function pixelDefaults(taskId: string): PixelObservation | null {
  if (!Object.hasOwn(DEFAULTS, taskId)) return null;
  return { kind: "pixels", cameras: [...DEFAULTS[taskId].cameras], size: STATION_DEFAULTS.pixelSize };
}

/**
 * The observation space of a task's "pixels" observation, computed without MuJoCo (the same an env made with
 * obsType "pixels" has). Null for a task without default cameras.
 */
export function pixelSpaceFor(taskId: string): DictSpace | null {
  const pixels = pixelDefaults(taskId);
  if (!pixels) return null;
  return pixelObservationSpace(armNames(DEFAULTS[taskId].arm), pixels);
}

/**
 * The safety stack the runner puts around a trial's env: for a MuJoCo task `withSafety3d` with the task's default
 * limits, each overridden by `overrides3d` where given, around `withSafety` with the job's own action limits; for
 * any other task `withSafety` alone. The outermost layer of a 3D stack is the e-stop (findEStop finds it).
 * @example
 * const env = withStationSafety(makeEnv("pin-insertion"), "pin-insertion");
 * env.name; // "e-stop(workspace(delta-cap-3d(joint-limits(gripper-force-limit(contact-force-limit(safety(…)))))))"
 */
export function withStationSafety<O, A>(
  env: Env<O, A>,
  taskId: string,
  actionLimits?: SafetyLimits,
  overrides3d: Safety3dLimits = {},
): Env<O, A> | EStopEnv<O, A> {
  const inner = withSafety(env, actionLimits);
  const defaults = safety3dDefaults(taskId);
  if (!defaults) return inner;
  return withSafety3d(inner, { ...defaults, ...overrides3d });
}
