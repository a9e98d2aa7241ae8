/**
 * GPU insertion v1 (state reset): seat a grasped card's edge into a thin PCIe-like slot on a motherboard, with the
 * left arm of a simulated bimanual MuJoCo station, as the paper's gpu_insertion runner does (a card-edge peg in a
 * slot, task-references.md §3).
 * Id          gpu-insertion: a 1.6 mm card edge in a 1.9 mm slot (0.3 mm clearance, IndustReal's 0.1-0.5 mm scale),
 *             8 mm deep; the edge is 40 mm long with 2 mm free at each end of the slot.
 * Observation 23 numbers: the left arm's proprioception (21, mujoco/arm-env.ts: 6 joint angles rad, EE position m,
 *             EE quaternion, gripper width m, grip force N, EE contact wrench N / N·m, world frame), then the slot's
 *             centre x, y m. The slot's place on the board is drawn per episode from the seed: its centre line runs
 *             along x through x 0.35 ± 0.01, y 0.2 ± 0.006 m (so a policy cannot hard-code it; the start hovers over
 *             it with the paper's ±3 mm jitter); its floor is at z 0.004 m. Pixel observations leave the slot out:
 *             a pixel policy finds it itself (ctx.tools.arm.segment({ query: "slot" })).
 * Action      delta_ee_pose_translation: [dx, dy, dz] in [-1, 1] × (0.00025, 0.00025, 0.0004) m per step, capped at
 *             the same per step (the paper's per-step delta cap); orientation held, gripper held closed (15 N).
 * Control     25 Hz (20 physics steps of 2 ms): the paper's policy runs at 30 Hz, which is no whole number of 2 ms
 *             substeps with a whole number of steps in 30 s; 25 Hz is the nearest rate that is. 30 s timeout = 750
 *             steps. At the caps the EE moves up to 6.25 mm/s sideways and 10 mm/s vertically.
 * Success     (ground truth from the simulator) both ends of the card's edge within 1 mm of the slot's floor, the
 *             edge's middle within 1 mm of the slot's centre line across it and 2.5 mm along it, the card within 2°
 *             of upright, held 3 control steps, AND no card contact force (with the slot, board or table) above 15 N
 *             during the episode. Failures as the paper labels them: "out-of-range" (the EE left the box x, y ±50 mm,
 *             z −140..+30 mm around its start), "too much force", "tilted" (not seated and the card more than 2°
 *             off upright, e.g. one end in the slot), "too high" (not seated when time ran out).
 * Reset       chosen when the env is made (`new GpuInsertion({ reset })`), part of the evaluation side.
 *             "state" (the default, the simulator shortcut): the hardest phase, card grasped with its edge over the
 *             slot. From the seed only: EE at the nominal hover (edge 5 mm above the housing) moved x, y ±3 mm and z
 *             0..+3 mm (the paper's jitter), the card's place in the grasp ±1 mm along the edge and ±2 mm in height,
 *             and the slot's place; then the grip closes and the scene settles 0.3 s.
 *             "procedural": the left arm unplugs the card (or finds it standing on pixels and grasps it), the slot is
 *             moved to the episode's place once the card is clear, and the arm lowers the card to the same seeded
 *             hover (gpu-reset.ts); a fresh env starts with the card standing in the slot, not held. Retries up to
 *             3 times, then ResetFailedError; `lastReset()` records success, attempts, simulated and wall time.
 * History     v1: first version. v2: the slot's place drawn per episode (and observed by state policies); reset
 *             modes; research seeds.
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
import { armNames, GRIPPER, stationMjcf } from "../../mujoco/robot.js";
import type { MjScene, Vec3 } from "../../mujoco/scene.js";
import {
  deepFreeze,
  MUJOCO_PHYSICS,
  mm,
  outOfRangeReason,
  perResetMode,
  RESEARCH_SEEDS,
  round3,
  sourceFingerprint,
} from "../../mujoco/task-kit.js";
import { CARD, cardMjcf, SLOT, SLOT_FLOOR, SLOT_TOP, slotMjcf } from "./card-slot.js";
import { GPU_RESET, restageCard } from "./gpu-reset.js";

/** Every evaluation constant of the task. */
export const GPU_TASK = Object.freeze({
  clearance: 0.0003, // m, slot width − card thickness (IndustReal's rectangular pegs: 0.14-0.26 mm; hole range 0.1-0.5)
  controlHz: 25, // policy steps per second (20 substeps of 2 ms)
  timeoutS: 30, // the paper's episode timeout
  translationScale: [0.00025, 0.00025, 0.0004] as Vec3, // m per unit action (equal to the cap)
  deltaCap: [0.00025, 0.00025, 0.0004] as Vec3, // m per step (the paper's per-step delta cap)
  outOfRange: { low: [-0.05, -0.05, -0.14], high: [0.05, 0.05, 0.03] }, // m, EE relative to its start (the paper's)
  jitter: { xy: 0.003, zLow: 0, zHigh: 0.003 }, // m, the paper's initial-pose jitter
  graspJitter: { along: 0.001, height: 0.002 }, // m, where the card sits in the grasp
  gripHeight: 0.024, // m, the pads' centre (the EE) above the card's edge at the nominal grasp
  hoverEdgeHeight: 0.005, // m, the edge above the housing's top at the nominal hover (before the z jitter)
  settleSteps: 150, // physics steps after the grip closes (0.3 s)
  seatTolerance: 0.001, // m, both ends of the edge within this of the slot's floor count as seated
  acrossTolerance: 0.001, // m, the edge's middle within this of the slot's centre line, across the slot (y)
  alongTolerance: 0.0025, // m, the edge's middle within this of the slot's centre, along the slot (x)
  tiltLimitDeg: 2, // degrees, largest angle between the card's up axis and the world's for a seated card
  forceLimit: 15, // N, largest total normal force of the card's contacts with slot, board or table (see README)
  holdSteps: 3, // control steps the seated state must hold before success ends the episode
  couplingSolref: [0.004, 1] as [number, number], // the gripper fingers' coupling: as stiff as dt 2 ms allows
  couplingSolimp: [0.95, 0.99, 0.0005, 0.5, 2] as [number, number, number, number, number], // (MuJoCo's solimp)
});

const ARM = armNames("left");
const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down, fingers closing along world y
const Q_SEED = [0, 0.3, 1.66, 1.17, 0, 0]; // a posture near the hover, for IK to start from
const ACTION: ArmActionConfig = {
  mode: "delta-ee",
  translationScale: GPU_TASK.translationScale,
  deltaCap: GPU_TASK.deltaCap,
  gripper: "locked-closed",
};

export const GPU_TASK_ID = "gpu-insertion";

function makeSpec(resetMode: ResetMode): TaskSpec {
  return deepFreeze({
    id: GPU_TASK_ID,
    version: 2,
    description:
      "Seat a grasped card's 1.6 mm edge into a PCIe-like slot (0.3 mm clearance, 8 mm deep) with the left arm of a " +
      "simulated bimanual MuJoCo station. Starts with the edge over the slot (the hardest phase). Success: edge within " +
      "1 mm of full depth, centred and upright, no contact force above the limit.",
    observationSpace: proprioSpace(ARM, ["slot x m", "slot y m"]),
    actionSpace: armActionSpace(ARM, ACTION),
    maxSteps: GPU_TASK.timeoutS * GPU_TASK.controlHz,
    controlHz: GPU_TASK.controlHz,
    evaluation: {
      reference: "ENPIRE GPU insertion (paper §2.3 runner config), card-edge peg in slot with Factory-style criteria",
      cardThickness: CARD.thickness,
      edgeLength: CARD.edgeLength,
      slotWidth: CARD.thickness + GPU_TASK.clearance,
      slotDepth: SLOT.depth,
      slotAxis: [...SLOT.axis], // the nominal centre; each episode's is drawn within ± slotRange
      slotRange: [...SLOT.range],
      slotFloor: SLOT_FLOOR,
      ...structuredClone({ ...GPU_TASK }),
      physics: MUJOCO_PHYSICS,
      gripper: { forceLimit: GRIPPER.forceLimit, padFriction: GRIPPER.padFriction },
      resetMode,
      reset:
        resetMode === "state"
          ? "state: hover pose jitter + grasp jitter + slot place from RandomState(seed), grip, settle"
          : "procedural: the left arm unplugs the card (or grasps it standing, found on pixels), the slot moves to its " +
            "place from RandomState(seed), the arm lowers the card to the seeded hover; a fresh env's card stands in the slot",
      ...(resetMode === "procedural" ? { procedural: structuredClone({ ...GPU_RESET }) } : {}),
      seeds: RESEARCH_SEEDS, // research projects tune on search seeds, judge a goal on held-out ones
    },
  });
}

/** The spec for a reset mode (the mode is in `evaluation.resetMode`; default "state"). */
export const gpuSpec: (mode?: ResetMode) => TaskSpec = perResetMode(makeSpec);
/** The spec with the default ("state") reset. */
export const GPU_SPEC: TaskSpec = gpuSpec("state");

/** The station's MJCF: two arms, the motherboard with its slot, the card. */
export function gpuStationXml(): string {
  return stationMjcf({
    name: "gpu-insertion",
    arms: [
      { prefix: "right", base: [0, -0.2, 0] },
      { prefix: "left", base: [0, 0.2, 0] },
    ],
    objects: [slotMjcf(CARD.thickness + GPU_TASK.clearance), cardMjcf([SLOT.axis[0], SLOT.axis[1] - 0.1, 0.2])],
  });
}

/** The verdict's inputs, measured from the simulator. */
export interface CardState {
  edgeAboveFloor: [number, number]; // m, the two ends of the edge above the slot's floor
  across: number; // m, the edge's middle from the slot's centre line, across the slot (signed, world y)
  along: number; // m, the edge's middle from the slot's centre, along the slot (signed, world x)
  tiltDeg: number; // degrees between the card's up axis and the world's
}

/**
 * The gpu-insertion environment. Needs MuJoCo loaded on this thread (registry prepareTask).
 * @example
 * await loadMujocoOnce();
 * const env = new GpuInsertion();
 * env.reset({ seed: 0 });
 * env.step([0, 0, -1]); // descend 0.4 mm
 */
export class GpuInsertion extends ArmEnv {
  readonly resetMode: ResetMode;
  private readonly initial: Float64Array;
  private readonly cardBody: number;
  private readonly slotBody: number;
  private readonly boardBody: number;
  private readonly motion: ArmMotion;
  private readonly locator: ObjectLocator;
  private slotXY: [number, number] = [SLOT.axis[0], SLOT.axis[1]];
  private lastRecord: ResetRecord | null = null;
  private staged = false;
  private readonly cardQposAdr: number;
  private maxForce = 0;
  private outOfRange: string | null = null;
  private heldSteps = 0;
  private succeeded = false;

  /**
   * `reset`: "state" (default) or "procedural"; `locator`: how the procedural reset finds the card on pixels (default:
   * the built-in colour locator on the top camera's RGB-D frames).
   */
  constructor(options: { reset?: ResetMode; locator?: ObjectLocator } = {}) {
    const mode = resetModeOf(options.reset, GPU_TASK_ID);
    super({ spec: gpuSpec(mode), xml: gpuStationXml(), arm: ARM, action: ACTION, heldBodies: ["card"] });
    this.resetMode = mode;
    this.cardBody = this.scene.id("body", "card");
    this.slotBody = this.scene.id("body", "slot");
    this.boardBody = this.scene.id("body", "motherboard");
    this.cardQposAdr = this.scene.qposAdr("card_free");
    stiffenFingerCouplings(this.scene);
    this.initial = this.scene.saveState();
    this.motion = new ArmMotion(this.scene, ARM);
    this.locator = options.locator ?? toolLocator(this);
  }

  /** The slot's centre x, y m, after the arm's proprioception (a state policy is told where the slot is). */
  protected override taskState(): number[] {
    return [...this.slotXY];
  }

  /** This episode's slot centre, world x, y m (drawn from the seed). */
  slotCentre(): [number, number] {
    return [...this.slotXY];
  }

  /** The last reset's record (mode, success, attempts, simulated s, wall ms, where it found the card); null before one. */
  lastReset(): ResetRecord | null {
    return this.lastRecord;
  }

  override close(): void {
    this.motion.dispose();
    super.close();
  }

  /** Moves the slot housing (a static body on the board) to centre x, y. */
  private placeSlot(x: number, y: number): void {
    const bodyPos = this.scene.model.body_pos as Float64Array;
    bodyPos[3 * this.slotBody] = x;
    bodyPos[3 * this.slotBody + 1] = y;
    this.slotXY = [x, y];
    this.scene.forward();
  }
  /** Where the card is relative to the slot now. */
  cardState(): CardState {
    const a = this.scene.sitePos("card_edge_a");
    const b = this.scene.sitePos("card_edge_b");
    const mat = this.scene.bodyMat(this.cardBody);
    return {
      edgeAboveFloor: [a[2] - SLOT_FLOOR, b[2] - SLOT_FLOOR],
      across: (a[1] + b[1]) / 2 - this.slotXY[1],
      along: (a[0] + b[0]) / 2 - this.slotXY[0],
      tiltDeg: (Math.acos(Math.min(1, Math.max(-1, mat[8]))) * 180) / Math.PI,
    };
  }

  /** The largest card contact force seen this episode, N. */
  get peakForce(): number {
    return this.maxForce;
  }

  protected resetScene(seed: number): void {
    const rs = new RandomState(seed);
    const u = (lo: number, hi: number) => lo + (hi - lo) * rs.randomSample();
    const j = GPU_TASK.jitter;
    const jx = u(-j.xy, j.xy);
    const jy = u(-j.xy, j.xy);
    const jz = u(j.zLow, j.zHigh);
    const along = u(-GPU_TASK.graspJitter.along, GPU_TASK.graspJitter.along);
    const height = u(-GPU_TASK.graspJitter.height, GPU_TASK.graspJitter.height);
    const slotX = SLOT.axis[0] + u(-SLOT.range[0], SLOT.range[0]);
    const slotY = SLOT.axis[1] + u(-SLOT.range[1], SLOT.range[1]);
    const s = this.scene;
    // nominal hover: EE (= the pads' centre) so that the edge is hoverEdgeHeight above the housing
    const eeZ = SLOT_TOP + GPU_TASK.hoverEdgeHeight + GPU_TASK.gripHeight;
    const hover: Vec3 = [slotX + jx, slotY + jy, eeZ + jz];
    this.clearEpisode();
    if (this.resetMode === "procedural") {
      this.proceduralReset(hover, () => this.placeSlot(slotX, slotY));
      return;
    }
    const t0 = performance.now();
    s.restoreState(this.initial);
    this.placeSlot(slotX, slotY);
    const q = this.ik.solve(Q_SEED, { pos: hover, mat: DOWN }, { iterations: 100 }).q;
    // open just wider than the board, put the card between the pads, then close and settle
    const fingerOpen = CARD.thickness / 2 + 0.0003;
    const qpos = s.qposView();
    qpos[s.qposAdr(ARM.fingerJoints[0])] = fingerOpen;
    qpos[s.qposAdr(ARM.fingerJoints[1])] = fingerOpen;
    this.holdArm(q, GRIPPER.closedTarget);
    const cardQ = s.qposView();
    cardQ.set([hover[0] + along, hover[1], hover[2] - GPU_TASK.gripHeight + height, 1, 0, 0, 0], this.cardQposAdr);
    s.forward();
    s.step(GPU_TASK.settleSteps);
    this.lastRecord = stateResetRecord(GPU_TASK.settleSteps, s.timestep, t0);
  }

  /** The station's own reset: a fresh env first stands the card in the slot (not held), then the arm re-stages it. */
  private proceduralReset(hover: Vec3, moveSlot: () => void): void {
    const s = this.scene;
    const t0 = performance.now();
    const fresh = !this.staged;
    if (fresh) {
      s.restoreState(this.initial);
      this.placeSlot(SLOT.axis[0], SLOT.axis[1]);
      const home = this.ik.solve(Q_SEED, { pos: GPU_RESET.home, mat: DOWN }, { iterations: 100 }).q;
      this.holdArm(home, GRIPPER.maxOpening);
      // the card seated in the slot, upright, as a finished episode leaves it once the gripper lets go
      s.qposView().set([SLOT.axis[0], SLOT.axis[1], SLOT_FLOOR + 0.0002, 1, 0, 0, 0], this.cardQposAdr);
      s.forward();
      s.step(GPU_TASK.settleSteps);
      this.staged = true;
    }
    const { record, error } = runProcedure(
      {
        what: `${GPU_TASK_ID} procedural reset`,
        attempts: GPU_RESET.attempts,
        budgetSteps: GPU_RESET.budgetSteps,
        timestep: s.timestep,
      },
      (budget, attempt) => restageCard(this.motion, this.locator, () => hover, moveSlot, budget, attempt > 0),
    );
    this.lastRecord = {
      ...record,
      found: fresh && record.success ? `fresh scene (${record.found})` : record.found,
      wallMs: Math.round(performance.now() - t0),
    };
    if (error) throw error;
    this.holdArm(this.motion.currentQ(), GRIPPER.closedTarget);
  }

  private clearEpisode(): void {
    this.maxForce = 0;
    this.outOfRange = null;
    this.heldSteps = 0;
    this.succeeded = false;
  }
  protected override onSubstep(): void {
    const card = this.cardBody;
    const slot = this.slotBody;
    const board = this.boardBody;
    const fixed = (b: number) => b === slot || b === board || b === 0;
    const force = this.scene.normalForceWhere((b1, b2) => (b1 === card && fixed(b2)) || (b2 === card && fixed(b1)));
    if (force > this.maxForce) this.maxForce = force;
  }

  protected afterControlStep(): TaskStepOutcome {
    const ee = this.scene.sitePos(ARM.eeSite);
    this.outOfRange ??= outOfRangeReason("EE", ee, this.startEe, GPU_TASK.outOfRange);
    const state = this.cardState();
    this.heldSteps = isSeated(state) ? this.heldSteps + 1 : 0;
    const tooMuch = this.maxForce > GPU_TASK.forceLimit;
    if (this.heldSteps >= GPU_TASK.holdSteps && !tooMuch && !this.outOfRange) this.succeeded = true;
    return {
      reward: this.succeeded ? 1 : 0,
      terminated: this.succeeded || tooMuch || this.outOfRange !== null,
      info: { ...metricsOf(state, this.maxForce), isSuccess: this.succeeded },
    };
  }

  verify(): Verification {
    const state = this.cardState();
    const metrics = { ...metricsOf(state, this.maxForce), clearanceMm: GPU_TASK.clearance * 1000 };
    const fail = (reason: string): Verification => ({ success: false, score: 0, reason, metrics });
    if (this.outOfRange) return fail(`out-of-range: ${this.outOfRange}`);
    if (this.maxForce > GPU_TASK.forceLimit) {
      return fail(
        `too much force: card contact force reached ${this.maxForce.toFixed(1)} N > ${GPU_TASK.forceLimit} N`,
      );
    }
    if (isSeated(state)) return { success: true, score: 1, reason: null, metrics };
    const [ha, hb] = state.edgeAboveFloor;
    const where =
      `edge ends ${mm(ha)} and ${mm(hb)} mm above the slot floor (≤ 1 mm to count), ` +
      `${mm(state.across)} mm across (≤ 1) and ${mm(state.along)} mm along the slot (≤ 2.5)`;
    if (state.tiltDeg > GPU_TASK.tiltLimitDeg) {
      return fail(
        `tilted: the card is ${state.tiltDeg.toFixed(1)}° off upright (≤ ${GPU_TASK.tiltLimitDeg}°); ${where}`,
      );
    }
    return fail(`too high: ${where}`);
  }
}

/**
 * Makes the station's finger couplings (its only equalities) as stiff as the pads' contacts. With MuJoCo's default
 * soft equality (solref 0.02 1) the two fingers of a closed gripper drift apart by up to 4 mm under the 15 N grip, so
 * a thin card sits millimetres off the EE's centre line and slides across the grasp as the arm moves; a real
 * gripper's rack couples its fingers rigidly. (robot.ts could set this for every station; see the README.)
 */
function stiffenFingerCouplings(scene: MjScene): void {
  const m = scene.model;
  const solref = m.eq_solref as Float64Array;
  const solimp = m.eq_solimp as Float64Array;
  for (let e = 0; e < m.neq; e++) {
    solref.set(GPU_TASK.couplingSolref, 2 * e);
    solimp.set(GPU_TASK.couplingSolimp, 5 * e);
  }
}

function isSeated(s: CardState): boolean {
  return (
    Math.max(s.edgeAboveFloor[0], s.edgeAboveFloor[1]) <= GPU_TASK.seatTolerance &&
    Math.abs(s.across) <= GPU_TASK.acrossTolerance &&
    Math.abs(s.along) <= GPU_TASK.alongTolerance &&
    s.tiltDeg <= GPU_TASK.tiltLimitDeg
  );
}

function metricsOf(s: CardState, peakForce: number): Record<string, number> {
  return {
    edgeAboveFloorMm: round3(Math.max(s.edgeAboveFloor[0], s.edgeAboveFloor[1]) * 1000),
    acrossMm: round3(s.across * 1000),
    alongMm: round3(s.along * 1000),
    tiltDeg: round3(s.tiltDeg),
    peakForceN: round3(peakForce),
  };
}

const EVALUATION_FILES = [
  "tasks/gpu-insertion/gpu-insertion",
  "tasks/gpu-insertion/card-slot",
  "tasks/gpu-insertion/gpu-reset",
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
/**
 * sha256 of the task's evaluation side for a reset mode: its spec's evaluation constants and the source of the files
 * that build the scene, reset it and judge it. Read from src/ whether this runs from src/ (tsx) or dist/.
 */
export const gpuEvalFingerprint: (mode?: ResetMode) => string = perResetMode((mode) =>
  sourceFingerprint(gpuSpec(mode).evaluation, EVALUATION_FILES),
);

export { ARM as GPU_ARM_NAMES };
