/**
 * Pin insertion v1 (state reset): push a grasped 4 mm pin into its hole in the pin box, on a simulated bimanual
 * station (robot.ts), as the paper's pin-insertion runner does with its right arm.
 * Ids         pin-insertion (hard, 0.5 mm diametral clearance, the paper's), pin-insertion-easy (3 mm),
 *             pin-insertion-expert (0.2 mm); each has its own fingerprint.
 * Observation the right arm's proprioception, 21 numbers (mujoco/arm-env.ts): 6 joint angles rad, EE position m,
 *             EE quaternion, gripper width m, grip force N, EE contact wrench N / N·m (world frame). The pin box is
 *             fixed on the station: the target hole's axis is at x 0.35, y −0.2 m, its top at z 0.02 m.
 * Action      delta_ee_pose_translation: [dx, dy, dz] in [-1, 1] × (0.0003, 0.0003, 0.0006) m per step, capped at
 *             the same per step; orientation held, gripper held closed (force-limited at 15 N).
 * Control     20 Hz (25 physics steps of 2 ms): a whole number of substeps, close to the paper's 30 Hz policy rate.
 *             8 s timeout = 160 steps.
 * Success     (ground truth from the simulator, Factory-style) the pin's tip within 1 mm of the hole's floor AND
 *             within 2.5 mm of its axis, held 3 control steps, AND no pin contact force above 5 N during the episode.
 *             Failures as the paper labels them: "out-of-range" (the EE left the box x, y [−15, +12] mm, z [−70, +3] mm
 *             around its start), "too much force", "too high" (not seated when time ran out).
 * Reset       chosen when the env is made (`new PinInsertion(id, { reset })`), part of the evaluation side.
 *             "state" (the default, the simulator shortcut): the hardest phase, pin grasped and hovering over the
 *             hole. From the seed only: EE at the nominal hover (tip 10 mm above the box) moved x, y ±2 mm and z
 *             −4..−5 mm (the paper's jitter), the pin's place in the grasp ±1 mm along the pads and ±2 mm in height;
 *             then the grip closes and the scene settles 0.3 s.
 *             "procedural": the right arm re-stages the pin from wherever the last episode left it (pin-reset.ts:
 *             pull it out of the hole, or find it on pixels, regrasp it upright in the pin stand) and moves to the
 *             same seeded hover pose; a fresh env starts with the pin lying on the table at a seeded place. Retries
 *             up to 3 times, then ResetFailedError; `lastReset()` records success, attempts, simulated and wall time.
 * History     v1: first version. v2: the pin stand (the procedural reset's fixture) beside the box; reset modes.
 */
import type { TaskSpec, Verification } from "../../../core/env.js";
import { RandomState } from "../../../core/rng.js";
import {
  type ArmActionConfig,
  ArmEnv,
  armActionSpace,
  proprioSpace,
  type TaskStepOutcome,
} from "../../mujoco/arm-env.js";
import { ArmMotion } from "../../mujoco/reset/motion.js";
import { type ObjectLocator, toolLocator } from "../../mujoco/reset/perception.js";
import {
  type ResetMode,
  type ResetRecord,
  resetModeOf,
  runProcedure,
  stateResetRecord,
} from "../../mujoco/reset/procedure.js";
import { armNames, contactForceSensor, GRIPPER, stationMjcf } from "../../mujoco/robot.js";
import type { Vec3 } from "../../mujoco/scene.js";
import {
  deepFreeze,
  MUJOCO_PHYSICS,
  mm,
  outOfRangeReason,
  RESEARCH_SEEDS,
  round3,
  sourceFingerprint,
} from "../../mujoco/task-kit.js";
import { BOX_TOP, PIN, PIN_BOX, PIN_STAND, pinBoxMjcf, pinMjcf, pinStandMjcf } from "./pin-box.js";
import { PIN_RESET, restagePin, scatterPin } from "./pin-reset.js";

/** The evaluation constants shared by every clearance. */
export const PIN_TASK = Object.freeze({
  controlHz: 20, // policy steps per second (25 substeps of 2 ms)
  timeoutS: 8, // the paper's episode timeout
  translationScale: [0.0003, 0.0003, 0.0006] as Vec3, // m per unit action (the paper's eef_pos action scale)
  deltaCap: [0.0003, 0.0003, 0.0006] as Vec3, // m per step (the paper's per-step delta cap)
  outOfRange: { low: [-0.015, -0.015, -0.07], high: [0.012, 0.012, 0.003] }, // m, EE relative to its start
  jitter: { xy: 0.002, zLow: -0.005, zHigh: -0.004 }, // m, the paper's initial-pose jitter
  graspJitter: { along: 0.001, height: 0.002 }, // m, where the pin sits in the grasp
  hoverTipHeight: 0.01, // m, the pin tip above the box top at the nominal hover (before the z jitter)
  settleSteps: 150, // physics steps after the grip closes (0.3 s)
  seatTolerance: 0.001, // m, tip within this of the hole floor counts as seated
  axisTolerance: 0.0025, // m, tip within this of the hole axis
  forceLimit: 5, // N, largest total normal force of pin contacts with the box or table (straight seating peaks at 1-4 N)
  holdSteps: 3, // control steps the seated state must hold before success ends the episode
});

const ARM = armNames("right");
const LEFT = armNames("left");
const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down, fingers closing along world y
const Q_SEED = [0, 0.3, 1.66, 1.17, 0, 0]; // a posture near the hover, for IK to start from
const ACTION: ArmActionConfig = {
  mode: "delta-ee",
  translationScale: PIN_TASK.translationScale,
  deltaCap: PIN_TASK.deltaCap,
  gripper: "locked-closed",
};

export const PIN_VARIANTS = Object.freeze({
  "pin-insertion-easy": { clearance: 0.003, label: "easy" },
  "pin-insertion": { clearance: 0.0005, label: "hard" },
  "pin-insertion-expert": { clearance: 0.0002, label: "expert" },
});
export type PinTaskId = keyof typeof PIN_VARIANTS;

function makeSpec(id: PinTaskId, resetMode: ResetMode): TaskSpec {
  const { clearance, label } = PIN_VARIANTS[id];
  return deepFreeze({
    id,
    version: 2,
    description:
      `Insert a grasped 4 mm pin into its hole (${clearance * 1000} mm diametral clearance, ${label}) with the right ` +
      "arm of a simulated bimanual MuJoCo station. Starts hovering over the hole (the hardest phase). Success: tip " +
      "within 1 mm of full depth and 2.5 mm of the axis, no contact force above the limit.",
    observationSpace: proprioSpace(ARM),
    actionSpace: armActionSpace(ARM, ACTION),
    maxSteps: PIN_TASK.timeoutS * PIN_TASK.controlHz,
    controlHz: PIN_TASK.controlHz,
    evaluation: {
      reference: "ENPIRE pin insertion (paper §2.3 runner config, §3.2), Factory PegInsert success criteria",
      clearance, // m, hole diameter − pin diameter
      pinDiameter: 2 * PIN.radius,
      holeDepth: PIN_BOX.depth,
      holeAxis: [...PIN_BOX.target],
      boxTop: BOX_TOP,
      ...structuredClone({ ...PIN_TASK }),
      physics: MUJOCO_PHYSICS,
      gripper: { forceLimit: GRIPPER.forceLimit, padFriction: GRIPPER.padFriction },
      resetMode,
      reset:
        resetMode === "state"
          ? "state: hover pose jitter + grasp jitter from RandomState(seed), grip, settle"
          : "procedural: the right arm re-stages the pin (pull out / find on pixels, regrasp in the stand) and moves " +
            "to the hover pose jitter from RandomState(seed); a fresh env's pin lies on the table",
      ...(resetMode === "procedural" ? { procedural: structuredClone({ ...PIN_RESET }), stand: { ...PIN_STAND } } : {}),
      seeds: RESEARCH_SEEDS, // research projects tune on search seeds, judge a goal on held-out ones
    },
  });
}

/** The specs with the default ("state") reset. */
export const PIN_SPECS: Readonly<Record<PinTaskId, TaskSpec>> = Object.freeze({
  "pin-insertion": makeSpec("pin-insertion", "state"),
  "pin-insertion-easy": makeSpec("pin-insertion-easy", "state"),
  "pin-insertion-expert": makeSpec("pin-insertion-expert", "state"),
});
const PROCEDURAL_SPECS: Readonly<Record<PinTaskId, TaskSpec>> = Object.freeze({
  "pin-insertion": makeSpec("pin-insertion", "procedural"),
  "pin-insertion-easy": makeSpec("pin-insertion-easy", "procedural"),
  "pin-insertion-expert": makeSpec("pin-insertion-expert", "procedural"),
});

/** A variant's spec for a reset mode (the mode is in `evaluation.resetMode`). */
export function pinSpec(id: PinTaskId, mode: ResetMode = "state"): TaskSpec {
  return mode === "state" ? PIN_SPECS[id] : PROCEDURAL_SPECS[id];
}

const PIN_BOX_SENSOR = "pin_box_contact";
const PIN_TABLE_SENSOR = "pin_table_contact";

/** The station's MJCF for a clearance: two arms, the pin box, the pin. */
export function pinStationXml(clearance: number): string {
  return stationMjcf({
    name: "pin-insertion",
    arms: [
      { prefix: "right", base: [0, -0.2, 0] },
      { prefix: "left", base: [0, 0.2, 0] },
    ],
    objects: [
      pinBoxMjcf(2 * PIN.radius + clearance),
      pinStandMjcf(),
      pinMjcf([PIN_BOX.target[0], PIN_BOX.target[1], 0.2]),
    ],
    // the force watch: the pin's contacts with the box and with the table (the world body)
    sensors: [
      contactForceSensor(PIN_BOX_SENSOR, "pin", "pin_box"),
      contactForceSensor(PIN_TABLE_SENSOR, "pin", "world"),
    ],
  });
}

/** The verdict's inputs, measured from the simulator. */
export interface PinState {
  tipAboveSeat: number; // m, tip height above the hole floor
  offAxis: number; // m, tip distance from the hole axis
}

/**
 * The pin-insertion environment for one clearance. Needs MuJoCo loaded on this thread (registry prepareTask).
 * @example
 * await loadMujocoOnce();
 * const env = new PinInsertion("pin-insertion-easy");
 * env.reset({ seed: 0 });
 * env.step([0, 0, -1]); // descend 0.6 mm
 */
export class PinInsertion extends ArmEnv {
  readonly clearance: number;
  readonly resetMode: ResetMode;
  private readonly motion: ArmMotion;
  private readonly locator: ObjectLocator;
  private lastRecord: ResetRecord | null = null;
  private staged = false;
  private readonly initial: Float64Array;
  private readonly boxSensor: number;
  private readonly tableSensor: number;
  private readonly pinQposAdr: number;
  private maxForce = 0;
  private outOfRange: string | null = null;
  private heldSteps = 0;
  private succeeded = false;

  /**
   * `reset`: "state" (default) or "procedural"; `locator`: how the procedural reset finds the pin on pixels (default:
   * the built-in colour locator on the top camera's RGB-D frames).
   */
  constructor(id: PinTaskId = "pin-insertion", options: { reset?: ResetMode; locator?: ObjectLocator } = {}) {
    const variant = PIN_VARIANTS[id];
    if (!variant) throw new Error(`unknown pin-insertion variant "${String(id)}"`);
    const mode = resetModeOf(options.reset, id);
    super({
      spec: pinSpec(id, mode),
      xml: pinStationXml(variant.clearance),
      arm: ARM,
      action: ACTION,
      heldBodies: ["pin"],
    });
    this.clearance = variant.clearance;
    this.boxSensor = this.scene.id("sensor", PIN_BOX_SENSOR);
    this.tableSensor = this.scene.id("sensor", PIN_TABLE_SENSOR);
    this.pinQposAdr = this.scene.qposAdr("pin_free");
    this.initial = this.scene.saveState();
    this.resetMode = mode;
    this.motion = new ArmMotion(this.scene, ARM);
    this.locator = options.locator ?? toolLocator(this);
  }

  /** The last reset's record (mode, success, attempts, simulated s, wall ms, where it found the pin); null before one. */
  lastReset(): ResetRecord | null {
    return this.lastRecord;
  }

  override close(): void {
    this.motion.dispose();
    super.close();
  }

  /** Where the pin is relative to the target hole now. */
  pinState(): PinState {
    const tip = this.scene.sitePos("pin_tip");
    return {
      tipAboveSeat: tip[2] - PIN_BOX.plateTop,
      offAxis: Math.hypot(tip[0] - PIN_BOX.target[0], tip[1] - PIN_BOX.target[1]),
    };
  }

  /** The largest pin contact force seen this episode, N. */
  get peakForce(): number {
    return this.maxForce;
  }

  protected resetScene(seed: number): void {
    const rs = new RandomState(seed);
    const u = (lo: number, hi: number) => lo + (hi - lo) * rs.randomSample();
    const j = PIN_TASK.jitter;
    const jx = u(-j.xy, j.xy);
    const jy = u(-j.xy, j.xy);
    const jz = u(j.zLow, j.zHigh);
    const along = u(-PIN_TASK.graspJitter.along, PIN_TASK.graspJitter.along);
    const height = u(-PIN_TASK.graspJitter.height, PIN_TASK.graspJitter.height);

    const s = this.scene;
    // nominal hover: EE (= the head's centre) so that the tip is hoverTipHeight above the box
    const eeZ = BOX_TOP + PIN_TASK.hoverTipHeight + PIN.shaftLength + PIN.headHalf[2];
    const hover: Vec3 = [PIN_BOX.target[0] + jx, PIN_BOX.target[1] + jy, eeZ + jz];
    this.clearEpisode();
    if (this.resetMode === "procedural") {
      this.proceduralReset(hover, u);
      return;
    }
    const t0 = performance.now();
    s.restoreState(this.initial);
    const q = this.ik.solve(Q_SEED, { pos: hover, mat: DOWN }, { iterations: 100 }).q;
    // open just wider than the head, put the pin between the pads, then close and settle
    const fingerOpen = PIN.headHalf[1] + 0.0003;
    const qpos = s.qposView();
    qpos[s.qposAdr(ARM.fingerJoints[0])] = fingerOpen;
    qpos[s.qposAdr(ARM.fingerJoints[1])] = fingerOpen;
    this.holdArm(q, GRIPPER.closedTarget);
    const pinQ = s.qposView();
    // the hand's x axis points along world −x in this orientation
    pinQ.set([hover[0] - along, hover[1], hover[2] + height - PIN.headHalf[2], 1, 0, 0, 0], this.pinQposAdr);
    s.forward();
    s.step(PIN_TASK.settleSteps);
    this.lastRecord = stateResetRecord(PIN_TASK.settleSteps, s.timestep, t0);
  }

  /** The station's own reset: a fresh env first scatters the pin on the table, then the arm re-stages it. */
  private proceduralReset(hover: Vec3, u: (lo: number, hi: number) => number): void {
    const s = this.scene;
    const t0 = performance.now();
    let scatterSteps = 0;
    if (!this.staged) {
      s.restoreState(this.initial);
      // the fresh scene: the arm at its home pose (out of the top camera's way), the pin lying on the table
      const home = this.ik.solve(Q_SEED, { pos: PIN_RESET.home, mat: DOWN }, { iterations: 100 }).q;
      this.holdArm(home, GRIPPER.maxOpening);
      scatterPin(s, this.pinQposAdr, u);
      scatterSteps = PIN_RESET.settleSteps;
      s.step(scatterSteps);
      this.staged = true;
    }
    const { record, error } = runProcedure(
      {
        what: `${this.spec.id} procedural reset`,
        attempts: PIN_RESET.attempts,
        budgetSteps: PIN_RESET.budgetSteps,
        timestep: s.timestep,
      },
      (budget, attempt) => restagePin(this.motion, this.locator, hover, budget, attempt > 0),
    );
    this.lastRecord = {
      ...record,
      found: scatterSteps > 0 && record.success ? `fresh scene (${record.found})` : record.found,
      wallMs: Math.round(performance.now() - t0),
    };
    if (error) throw error;
    // the env's own command and EE target take over where the reset's motions left the servos
    this.holdArm(this.motion.currentQ(), GRIPPER.closedTarget);
  }

  private clearEpisode(): void {
    this.maxForce = 0;
    this.outOfRange = null;
    this.heldSteps = 0;
    this.succeeded = false;
  }

  protected override onSubstep(): void {
    // total normal force of the pin's contacts with the box and the table, from the scene's contact sensors
    const s = this.scene;
    const force = s.contactSensorNormalForce(this.boxSensor) + s.contactSensorNormalForce(this.tableSensor);
    if (force > this.maxForce) this.maxForce = force;
  }

  protected afterControlStep(): TaskStepOutcome {
    const ee = this.scene.sitePos(ARM.eeSite);
    this.outOfRange ??= outOfRangeReason("EE", ee, this.startEe, PIN_TASK.outOfRange);
    const state = this.pinState();
    const seated = isSeated(state);
    this.heldSteps = seated ? this.heldSteps + 1 : 0;
    const tooMuch = this.maxForce > PIN_TASK.forceLimit;
    if (this.heldSteps >= PIN_TASK.holdSteps && !tooMuch && !this.outOfRange) this.succeeded = true;
    const info = {
      tipAboveSeatMm: round3(state.tipAboveSeat * 1000),
      offAxisMm: round3(state.offAxis * 1000),
      peakForceN: round3(this.maxForce),
      isSuccess: this.succeeded,
    };
    return {
      reward: this.succeeded ? 1 : 0,
      terminated: this.succeeded || tooMuch || this.outOfRange !== null,
      info,
    };
  }

  verify(): Verification {
    const state = this.pinState();
    const metrics = {
      tipAboveSeatMm: round3(state.tipAboveSeat * 1000),
      offAxisMm: round3(state.offAxis * 1000),
      peakForceN: round3(this.maxForce),
      clearanceMm: this.clearance * 1000,
    };
    const fail = (reason: string): Verification => ({ success: false, score: 0, reason, metrics });
    if (this.outOfRange) return fail(`out-of-range: ${this.outOfRange}`);
    if (this.maxForce > PIN_TASK.forceLimit) {
      return fail(`too much force: pin contact force reached ${this.maxForce.toFixed(1)} N > ${PIN_TASK.forceLimit} N`);
    }
    if (!isSeated(state)) {
      return fail(
        `too high: tip ${mm(state.tipAboveSeat)} mm above the hole floor (≤ 1 mm to count), ` +
          `${mm(state.offAxis)} mm off the axis (≤ 2.5 mm)`,
      );
    }
    return { success: true, score: 1, reason: null, metrics };
  }
}

function isSeated(state: PinState): boolean {
  return state.tipAboveSeat <= PIN_TASK.seatTolerance && state.offAxis <= PIN_TASK.axisTolerance;
}

const EVALUATION_FILES = [
  "tasks/pin-insertion/pin-insertion",
  "tasks/pin-insertion/pin-box",
  "tasks/pin-insertion/pin-reset",
  "mujoco/reset/motion",
  "mujoco/reset/perception",
  "mujoco/reset/procedure",
  "mujoco/arm-env",
  "mujoco/robot",
  "mujoco/ik",
  "mujoco/scene",
  "mujoco/mjcf",
  "../core/rng",
] as const;
const fingerprints = new Map<string, string>();

/**
 * sha256 of a variant's evaluation side: its spec's evaluation constants and the source of the files that build
 * the scene, reset it and judge it. Read from src/ whether this runs from src/ (tsx) or dist/.
 */
export function pinEvalFingerprint(id: PinTaskId, mode: ResetMode = "state"): string {
  const key = `${id}/${mode}`;
  const cached = fingerprints.get(key);
  if (cached) return cached;
  const value = sourceFingerprint(pinSpec(id, mode).evaluation, EVALUATION_FILES);
  fingerprints.set(key, value);
  return value;
}

export { ARM as RIGHT_ARM_NAMES, LEFT as LEFT_ARM_NAMES };
