/**
 * Zip-tie tying v1 (state reset): pass a zip tie's strap through its head's slot until the latch engages, with the
 * right arm of a simulated bimanual MuJoCo station (issue 8 §2; paper §3.4: the head held at a fixed hand-over pose
 * by one arm, the strap's tail grasped by the other).
 * Id          zip-tie-tie.
 * Scene       the head (tie-scene.ts) is locked at the hand-over pose, held from above by the left arm: a square
 *             slot 5 mm wide and 6 mm long (1 mm of clearance a side around the 3 mm strap), its axis vertical,
 *             entrance at x 0.33, y −0.17, z 0.2 m, exit 6 mm above. The strap (16 capsules of 8 mm, each joint two
 *             bending hinges, 128 mm) leaves the head's side and loops down and back up under the slot; the right hand holds
 *             it (a weld) 36 mm from its tip, the tool axis along +x, the jaws closing along y.
 * Observation 31 numbers: the right arm's proprioception (21, mujoco/arm-env.ts: 6 joint angles rad, EE position m,
 *             EE quaternion, gripper width m, grip force N, EE contact wrench N / N·m), then the slot's entrance
 *             x, y, z m, its exit x, y, z m, the strap's tip x, y, z m, and the latched length m (how far the latch
 *             holds the tip past the exit; −1 until it engages).
 * Action      [dx, dy, dz]: the hand moves [-1, 1] × 1 mm per step (capped at 1 mm), orientation held; the grasp on
 *             the tail does not change.
 * Control     20 Hz (25 physics steps of 2 ms); 10 s timeout = 200 steps.
 * Latch       checked every physics step: once the tip is through the slot (more than one 1 mm tooth past the exit,
 *             within the slot's opening) the latch engages; from then on a tendon from the exit to the tip keeps
 *             the tip at least the latched length away, and that length ratchets up tooth by tooth (1 mm) as the
 *             tip goes further: the strap cannot be pulled back out.
 * Success     (ground truth from the simulator) the latch engaged AND the tip at least 15 mm past the exit (along
 *             the slot's axis); the episode ends there. Failures: "missed the slot" (the tip went past the exit's
 *             plane outside the slot's opening), "not far enough" (timeout before success), "too much force" (the
 *             head's contacts, with the strap and the right hand, summed above 10 N), "out-of-range" (the EE left
 *             the box x, y ±30 mm, z −30..+50 mm around its start).
 * Reset       the hardest phase, the head held and the tail grasped with its tip under the slot. From the seed only
 *             (RandomState(seed)): the hand 0..8 mm below and ±3 mm (x, y) off the nominal start (tip 10.7 mm under
 *             the entrance, on the slot's axis). The mode is chosen when the env is made (`new ZipTieTie({ reset })`)
 *             and is part of the evaluation side (`evaluation.resetMode`, the fingerprint):
 *             "state" (default, the simulator shortcut): the arm moves there in 0.2 s while the strap settles, then
 *             0.1 s more;
 *             "procedural" (tie-reset.ts): a zip-tie magazine (a fixture) presents a fresh tie, its tail's end in a
 *             holder; the right arm lets go of the old tail, finds the fresh one on its wrist camera's pixels, grasps
 *             it 36 mm from the tip and brings the tip to the seed's start, stepping the real physics; up to 3
 *             tries, then ResetFailedError; `lastReset()` records success, attempts, simulated and wall time.
 * History     v1: first version; reset modes (the procedural one and the magazine's tail holder, an equality that
 *             is off in the state mode, new; the state mode's start unchanged).
 */
import type { TaskSpec, Verification } from "../../../core/env.js";
import { RandomState } from "../../../core/rng.js";
import type { BoxSpace } from "../../../core/space.js";
import {
  type ArmActionConfig,
  ArmEnv,
  armActionSpace,
  proprioNames,
  type TaskStepOutcome,
} from "../../mujoco/arm-env.js";
import { DiffIk } from "../../mujoco/ik.js";
import { element } from "../../mujoco/mjcf.js";
import { ArmMotion } from "../../mujoco/reset/motion.js";
import {
  type ResetMode,
  type ResetRecord,
  resetModeOf,
  runProcedure,
  stateResetRecord,
} from "../../mujoco/reset/procedure.js";
import { armNames, stationMjcf } from "../../mujoco/robot.js";
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
import { EqSwitch } from "./eq-switch.js";
import { restageTie, TIE_RESET } from "./tie-reset.js";
import {
  LATCH_POINTS,
  TIE_HEAD,
  TIE_NAMES,
  TIE_STRAP,
  tieGraspWeld,
  tieHeadMjcf,
  tieHolderWeld,
  tieJointSite,
  tieLatchName,
  tieLatchTendons,
  tieSegName,
} from "./tie-scene.js";

/** Every evaluation constant of the task. */
export const TIE_TASK = Object.freeze({
  controlHz: 20, // policy steps per second (25 substeps of 2 ms)
  timeoutS: 10, // episode timeout
  translationScale: [0.001, 0.001, 0.001] as Vec3, // m per unit action
  deltaCap: [0.001, 0.001, 0.001] as Vec3, // m per step
  outOfRange: { low: [-0.03, -0.03, -0.03], high: [0.03, 0.03, 0.05] }, // m, the EE relative to its start
  jitter: { xy: 0.003, zLow: -0.008, zHigh: 0 }, // m, the hand's start around its nominal pose (seeded)
  rampSteps: 100, // physics steps over which the arm moves from the nominal start to the seeded one (0.2 s)
  settleSteps: 50, // physics steps of settling after that (0.1 s)
  tooth: 0.001, // m, the latch's tooth pitch: the latched length goes up in these steps
  successPast: 0.015, // m, the tip this far past the exit (along the slot's axis) with the latch engaged = success
  missMargin: 0.0005, // m, a tip past the exit's plane more than the slot's half width + this off the axis missed it
  forceLimit: 10, // N, largest summed normal force of the head's contacts (the strap and the right hand)
});

/**
 * Where the reset can put the EE (m): the nominal start (the grasped segment's middle, 46.7 mm under the entrance on
 * the slot's axis) with the seeded offsets, rounded outwards by 0.5 mm (the arm settles under the strap's pull); for
 * the station's default workspace limit (station-defaults.ts). The tests check resets against it.
 */
export const TIE_STARTS: readonly [Vec3, Vec3] = Object.freeze([
  [0.3265, -0.1735, 0.1448],
  [0.3335, -0.1665, 0.1538],
]) as readonly [Vec3, Vec3];

const ARM = armNames("right");
const LEFT = armNames("left");
// the right hand: tool axis (hand z) along +x, the hand's x down, so the jaws close along world y and the strap's
// tail runs along the hand's x (world z) between the pads
const FORWARD = [0, 0, 1, 0, 1, 0, -1, 0, 0];
// the left hand holds the head from above: tool axis down, the jaws closing along world x on the head's sides
const DOWN = [0, 1, 0, 1, 0, 0, 0, 0, -1];
const Q_SEED_RIGHT = [0.66, 0.24, 2.23, -0.89, 0.66, 0]; // postures near the start, for IK to start from
const Q_SEED_LEFT = [-0.62, 0.53, 0.93, 1.68, 0, 0.95];
const LEFT_ABOVE = 0.012; // m, the left EE above the head's mid height: the pads hold the head's upper half
const ACTION: ArmActionConfig = {
  mode: "delta-ee",
  translationScale: TIE_TASK.translationScale,
  deltaCap: TIE_TASK.deltaCap,
  gripper: "locked-closed",
};

export const TIE_TASK_ID = "zip-tie-tie";

const EXTRA_NAMES = [
  "slot entrance x m",
  "slot entrance y m",
  "slot entrance z m",
  "slot exit x m",
  "slot exit y m",
  "slot exit z m",
  "strap tip x m",
  "strap tip y m",
  "strap tip z m",
  "latched length m (−1 not engaged)",
];
const OBSERVATION_SPACE: BoxSpace = {
  kind: "box",
  shape: [proprioNames(ARM).length + EXTRA_NAMES.length],
  low: -1000,
  high: 1000,
  dtype: "float64",
  names: [...proprioNames(ARM), ...EXTRA_NAMES],
};

function makeTieSpec(resetMode: ResetMode): TaskSpec {
  return deepFreeze({
    id: TIE_TASK_ID,
    version: 1,
    description:
      "Pass a zip tie's strap through its head's slot until the latch engages, with the right arm of a simulated " +
      "bimanual MuJoCo station; the left arm holds the head at the hand-over pose. Starts with the tail grasped and " +
      "its tip under the slot (the hardest phase). Success: the latch engaged and the tip 15 mm past the slot's exit.",
    observationSpace: OBSERVATION_SPACE,
    actionSpace: armActionSpace(ARM, ACTION),
    maxSteps: TIE_TASK.timeoutS * TIE_TASK.controlHz,
    controlHz: TIE_TASK.controlHz,
    evaluation: {
      reference: "ENPIRE zip-tie tying (paper §3, §3.4: head at a hand-over pose, tail grasped by the other arm)",
      head: { ...TIE_HEAD, entrance: [...TIE_HEAD.entrance] },
      strap: { ...TIE_STRAP, contactSolref: [...TIE_STRAP.contactSolref], headings: [...TIE_STRAP.headings] },
      ...structuredClone({ ...TIE_TASK }),
      physics: MUJOCO_PHYSICS,
      seeds: RESEARCH_SEEDS, // research projects tune on search seeds, judge a goal on held-out ones
      resetMode,
      reset:
        resetMode === "state"
          ? "state: the hand's offset from RandomState(seed), the arm moved there while the strap settles"
          : "procedural: a magazine presents a fresh tie with its tail in a holder; the right arm finds the tail on " +
            "the wrist camera's pixels, grasps it 36 mm from the tip and moves to the offset from RandomState(seed)",
      ...(resetMode === "procedural" ? { procedural: structuredClone({ ...TIE_RESET }) } : {}),
    },
  });
}

/** The spec for a reset mode (the mode is in `evaluation.resetMode`; default "state"). */
export const tieSpec: (mode?: ResetMode) => TaskSpec = perResetMode(makeTieSpec);
/** The spec with the default ("state") reset. */
export const TIE_SPEC: TaskSpec = tieSpec("state");

/** The station's MJCF: two arms, the head with the strap, the grasp weld, the latch tendon, the head's sensor. */
export function tieStationXml(): string {
  const xml = stationMjcf({
    name: TIE_TASK_ID,
    arms: [
      { prefix: "right", base: [0, -0.2, 0] },
      { prefix: "left", base: [0, 0.2, 0] },
    ],
    objects: [tieHeadMjcf()],
    equalities: [tieGraspWeld(ARM.hand), tieHolderWeld()],
    // the arms' bases stand on the table: never a contact worth computing; the strap's root sits in the head's
    // neck (MuJoCo filters parent-child contacts, but not with a body welded to the world, as the head is)
    excludes: [
      ["world", "right_base"],
      ["world", "left_base"],
      [TIE_NAMES.head, tieSegName(0)],
    ],
    sensors: [
      element("contact", {
        name: TIE_NAMES.headSensor,
        body1: TIE_NAMES.head,
        num: 16,
        data: "found force",
        reduce: "none",
      }),
    ],
  });
  // robot.ts's stationMjcf has no tendon section: the latch's goes in before the model's end
  return xml.replace(/<\/mujoco>\s*$/, `${tieLatchTendons()}\n</mujoco>`);
}

/** What the verdict reads. */
export interface TieState {
  tip: Vec3; // m, world
  pastExit: number; // m, the tip's height above the exit's plane (along the slot's axis)
  offAxis: number; // m, the tip's distance from the slot's axis
  latched: number; // m, the latch's length (−1 not engaged)
}

/**
 * The zip-tie tying environment. Needs MuJoCo loaded on this thread (registry prepareTask).
 * @example
 * await loadMujocoOnce();
 * const env = new ZipTieTie();
 * env.reset({ seed: 0 });
 * env.step([0, 0, 1]); // push the tail 1 mm up, towards the slot
 */
export class ZipTieTie extends ArmEnv {
  readonly resetMode: ResetMode;
  private readonly motion: ArmMotion;
  private readonly eq: EqSwitch;
  private readonly graspEq: number;
  private readonly holderEq: number;
  private readonly presentedTip: Vec3;
  private lastRecord: ResetRecord | null = null;
  private staged = false;
  private readonly initial: Float64Array;
  private readonly qNominal: Float64Array;
  private readonly tipSite: number;
  private readonly headSensor: number;
  private readonly latchTendons: number[]; // tendon id per LATCH_POINTS entry
  private readonly pointSites: number[]; // site id per LATCH_POINTS entry
  private pawl = -1; // the LATCH_POINTS index holding the latch (−1: not engaged)
  private pawlLength = 0; // m, its tendon's lower limit
  private readonly entrance: Vec3;
  private readonly exit: Vec3;
  private latched = -1;
  private missed: string | null = null;
  private maxForce = 0;
  private outOfRange: string | null = null;

  /** `reset`: "state" (default, the simulator shortcut) or "procedural" (the magazine and the arm, tie-reset.ts). */
  constructor(options: { reset?: ResetMode } = {}) {
    const mode = resetModeOf(options.reset, TIE_TASK_ID);
    super({ spec: tieSpec(mode), xml: tieStationXml(), arm: ARM, action: ACTION });
    this.resetMode = mode;
    const s = this.scene;
    this.eq = new EqSwitch(s);
    try {
      this.graspEq = this.eq.id(TIE_NAMES.grasp);
      this.holderEq = this.eq.id(TIE_NAMES.holder);
      this.tipSite = s.id("site", TIE_NAMES.tip);
      this.headSensor = s.id("sensor", TIE_NAMES.headSensor);
      this.latchTendons = LATCH_POINTS.map((k) => {
        const id = s.mj.mj_name2id(s.model, s.mj.mjtObj.mjOBJ_TENDON.value, tieLatchName(k));
        if (id < 0) throw new Error(`the scene has no tendon ${tieLatchName(k)}`);
        return id;
      });
      this.pointSites = LATCH_POINTS.map((k) =>
        s.id("site", k === TIE_STRAP.segments ? TIE_NAMES.tip : tieJointSite(k)),
      );
      this.entrance = s.sitePos(TIE_NAMES.entrance);
      this.exit = s.sitePos(TIE_NAMES.exit);
      // the nominal start: the right EE at the grasped segment's middle, the left hand on the head
      const grasp = s.sitePos(`${tieSegName(TIE_STRAP.graspSegment)}_grasp`);
      const right = this.ik.solve(Q_SEED_RIGHT, { pos: grasp, mat: FORWARD }, { iterations: 300 });
      const head: Vec3 = [this.entrance[0], this.entrance[1], this.entrance[2] + TIE_HEAD.length / 2 + LEFT_ABOVE];
      const leftIk = new DiffIk(s, LEFT.joints, LEFT.eeSite);
      const left = leftIk.solve(Q_SEED_LEFT, { pos: head, mat: DOWN }, { iterations: 300 });
      leftIk.dispose();
      if (right.posError > 1e-5 || left.posError > 1e-5) throw new Error("the tie station's start is out of reach");
      this.qNominal = right.q;
      poseLeftArm(s, left.q, TIE_HEAD.slotHalf + TIE_HEAD.wall);
      s.qposView()[s.qposAdr(ARM.fingerJoints[0])] = TIE_STRAP.radius;
      s.qposView()[s.qposAdr(ARM.fingerJoints[1])] = TIE_STRAP.radius;
      this.holdArm(this.qNominal, TIE_STRAP.radius);
      writeWeldPose(s, TIE_NAMES.grasp, ARM.hand, tieSegName(TIE_STRAP.graspSegment));
      // the magazine's holder keeps the tail's last segment where the start loop has it
      writeWeldPose(s, TIE_NAMES.holder, "world", tieSegName(TIE_STRAP.segments - 1));
      this.presentedTip = s.sitePos(this.tipSite);
    } catch (err) {
      this.eq.dispose();
      this.scene.dispose();
      throw err;
    }
    this.initial = s.saveState();
    this.motion = new ArmMotion(s, ARM);
  }

  /** The last reset's record (mode, success, attempts, simulated s, wall ms, what it found); null before one. */
  lastReset(): ResetRecord | null {
    return this.lastRecord;
  }

  override close(): void {
    this.motion.dispose();
    this.eq.dispose();
    super.close();
  }

  /** The strap's tip, the slot and the latch as the simulator has them now. */
  tieState(): TieState {
    const tip = this.scene.sitePos(this.tipSite);
    return {
      tip,
      pastExit: tip[2] - this.exit[2],
      offAxis: Math.hypot(tip[0] - this.exit[0], tip[1] - this.exit[1]),
      latched: this.latched,
    };
  }

  /** The largest summed force of the head's contacts this episode, N. */
  get peakForce(): number {
    return this.maxForce;
  }

  override observe(): number[] {
    return [...super.observe(), ...this.entrance, ...this.exit, ...this.scene.sitePos(this.tipSite), this.latched];
  }

  protected resetScene(seed: number): void {
    const rs = new RandomState(seed);
    const u = (lo: number, hi: number) => lo + (hi - lo) * rs.randomSample();
    const j = TIE_TASK.jitter;
    const offset: Vec3 = [u(-j.xy, j.xy), u(-j.xy, j.xy), u(j.zLow, j.zHigh)];

    const s = this.scene;
    if (this.resetMode === "procedural") {
      const nominal = this.ik.forward(this.qNominal).pos;
      this.proceduralReset([nominal[0] + offset[0], nominal[1] + offset[1], nominal[2] + offset[2]]);
      return;
    }
    const t0 = performance.now();
    s.restoreState(this.initial);
    this.setPawl(-1, 0);
    this.holdArm(this.qNominal, TIE_STRAP.radius);
    const start = this.target.pos;
    const goal = this.ik.solve(
      this.qNominal,
      { pos: [start[0] + offset[0], start[1] + offset[1], start[2] + offset[2]], mat: FORWARD },
      { iterations: 200 },
    ).q;
    // the arm moves to the seeded start through its servos (the strap follows, held), then everything settles
    const ctrl = s.ctrlView();
    const ids = ARM.actuators.map((a) => s.id("actuator", a));
    for (let i = 0; i < TIE_TASK.rampSteps + TIE_TASK.settleSteps; i++) {
      const f = Math.min(1, (i + 1) / TIE_TASK.rampSteps);
      ids.forEach((id, k) => {
        ctrl[id] = this.qNominal[k] + f * (goal[k] - this.qNominal[k]);
      });
      s.step(1);
    }
    this.qCmd = Float64Array.from(goal);
    this.target = this.ik.forward(goal);
    this.clearEpisode();
    this.lastRecord = stateResetRecord(TIE_TASK.rampSteps + TIE_TASK.settleSteps, s.timestep, t0);
  }

  /**
   * The station's own reset (tie-reset.ts): the magazine presents a fresh tie, the right arm grasps its tail and
   * brings the tip to `start` (the EE, m). A fresh env starts from the nominal start, the tail held.
   */
  private proceduralReset(start: Vec3): void {
    const s = this.scene;
    const t0 = performance.now();
    const wasStaged = this.staged;
    if (!this.staged) {
      s.restoreState(this.initial);
      this.holdArm(this.qNominal, TIE_STRAP.radius);
      this.staged = true;
    }
    const found = !wasStaged ? "a fresh station" : this.latched >= 0 ? "a latched tie" : "an unlatched tie";
    const { record, error } = runProcedure(
      {
        what: `${TIE_TASK_ID} procedural reset`,
        attempts: TIE_RESET.attempts,
        budgetSteps: TIE_RESET.budgetSteps,
        timestep: s.timestep,
      },
      (budget) => {
        const seen = restageTie(
          {
            env: this,
            motion: this.motion,
            presentedTip: this.presentedTip,
            present: () => this.presentFreshTie(),
            release: () => this.eq.set(new Map([[this.graspEq, false]])),
            grip: () => {
              writeWeldPose(s, TIE_NAMES.grasp, ARM.hand, tieSegName(TIE_STRAP.graspSegment));
              this.eq.set(
                new Map([
                  [this.graspEq, true],
                  [this.holderEq, false],
                ]),
              );
            },
          },
          start,
          budget,
        );
        return `${found}; ${seen}`;
      },
    );
    this.lastRecord = { ...record, wallMs: Math.round(performance.now() - t0) };
    if (error) throw error;
    // the env's own commands take over where the reset's motions left the servos
    this.holdArm(this.motion.currentQ(), TIE_STRAP.radius);
    this.clearEpisode();
  }

  /**
   * The magazine's work (the fixture, not the robot): the tied tie goes and a fresh one is presented. In simulation:
   * the latch open, every strap hinge back to the start loop (the model's reference pose), at rest, the tail's end
   * in the holder.
   */
  private presentFreshTie(): void {
    const s = this.scene;
    this.setPawl(-1, 0);
    const qpos = s.qposView();
    const qvel = s.qvelView();
    const qpos0 = s.model.qpos0 as Float64Array;
    for (let k = 0; k < TIE_STRAP.segments; k++) {
      for (const axis of ["x", "y"]) {
        const name = `${tieSegName(k)}_bend_${axis}`;
        qpos[s.qposAdr(name)] = qpos0[s.qposAdr(name)];
        qvel[s.dofAdr(name)] = 0;
      }
    }
    this.eq.set(new Map([[this.holderEq, true]]));
    s.forward();
  }

  private clearEpisode(): void {
    this.missed = null;
    this.maxForce = 0;
    this.outOfRange = null;
  }

  protected override onSubstep(): void {
    const f = this.scene.contactSensorNormalForce(this.headSensor);
    if (f > this.maxForce) this.maxForce = f;
    // the latch: engages once the tip is a tooth past the exit inside the slot's opening; then the strap point
    // nearest the exit (at least a tooth past it) holds it, its distance from the exit ratcheting up tooth by tooth
    if (this.pawl < 0) {
      const { pastExit, offAxis } = this.tieState();
      if (pastExit < TIE_TASK.tooth || offAxis > TIE_HEAD.slotHalf) return;
    }
    const s = this.scene;
    const lowest = this.pawl < 0 ? LATCH_POINTS.length - 1 : this.pawl;
    let point = -1;
    for (let i = 0; i <= lowest; i++) {
      if (s.sitePos(this.pointSites[i])[2] - this.exit[2] >= TIE_TASK.tooth) {
        point = i;
        break;
      }
    }
    if (point < 0) return;
    const p = s.sitePos(this.pointSites[point]);
    const length = Math.hypot(p[0] - this.exit[0], p[1] - this.exit[1], p[2] - this.exit[2]);
    const teeth = Math.floor(length / TIE_TASK.tooth + 1e-9) * TIE_TASK.tooth;
    if (point !== this.pawl || teeth > this.pawlLength) this.setPawl(point, teeth);
  }

  protected afterControlStep(): TaskStepOutcome {
    const ee = this.scene.sitePos(this.arm.eeSite);
    this.outOfRange ??= outOfRangeReason("end effector", ee, this.startEe, TIE_TASK.outOfRange);
    const state = this.tieState();
    if (
      !this.missed &&
      this.latched < 0 &&
      state.pastExit > 0 &&
      state.offAxis > TIE_HEAD.slotHalf + TIE_TASK.missMargin
    ) {
      this.missed = `the tip went ${mm(state.pastExit)} mm past the exit's plane ${mm(state.offAxis)} mm from the slot's axis (the opening's half width is ${mm(TIE_HEAD.slotHalf)} mm)`;
    }
    const success = this.verify().success;
    const failed = this.outOfRange !== null || this.missed !== null || this.maxForce > TIE_TASK.forceLimit;
    return {
      reward: success ? 1 : 0,
      terminated: success || failed,
      info: {
        pastExitMm: round3(state.pastExit * 1000),
        latchedMm: this.latched < 0 ? -1 : round3(this.latched * 1000),
        peakForceN: round3(this.maxForce),
        isSuccess: success,
      },
    };
  }

  verify(): Verification {
    const state = this.tieState();
    const metrics = {
      pastExitMm: round3(state.pastExit * 1000),
      offAxisMm: round3(state.offAxis * 1000),
      latchedMm: this.latched < 0 ? -1 : round3(this.latched * 1000),
      peakForceN: round3(this.maxForce),
    };
    const fail = (reason: string): Verification => ({ success: false, score: 0, reason, metrics });
    if (this.outOfRange) return fail(`out-of-range: ${this.outOfRange}`);
    if (this.maxForce > TIE_TASK.forceLimit) {
      return fail(
        `too much force: the head's contacts reached ${this.maxForce.toFixed(1)} N > ${TIE_TASK.forceLimit} N`,
      );
    }
    if (this.missed) return fail(`missed the slot: ${this.missed}`);
    if (this.latched < 0) {
      return fail(
        `not far enough: the latch has not engaged (the tip is ${mm(-state.pastExit)} mm short of the slot's exit)`,
      );
    }
    if (state.pastExit < TIE_TASK.successPast) {
      return fail(
        `not far enough: the tip is ${mm(state.pastExit)} mm past the slot's exit (success from ${mm(TIE_TASK.successPast)} mm)`,
      );
    }
    return { success: true, score: 1, reason: null, metrics };
  }

  /**
   * Puts the latch on strap point `point` (a LATCH_POINTS index; −1 opens it) at `length` m from the exit: that
   * point's tendon gets the lower limit, every other's goes back to 0. The latched length along the strap is the
   * point's length plus the strap from it to the tip.
   */
  private setPawl(point: number, length: number): void {
    const range = this.scene.model.tendon_range as Float64Array;
    this.latchTendons.forEach((id, i) => {
      range[2 * id] = i === point ? length : 0;
    });
    this.pawl = point;
    this.pawlLength = point < 0 ? 0 : length;
    this.latched = point < 0 ? -1 : length + (TIE_STRAP.segments - LATCH_POINTS[point]) * TIE_STRAP.segmentLength;
  }
}

/** Puts the left arm at joint values q, its servos holding there, and its jaws `half` m open a side (on the head). */
function poseLeftArm(s: MjScene, q: ArrayLike<number>, half: number): void {
  const qpos = s.qposView();
  const ctrl = s.ctrlView();
  LEFT.joints.forEach((j, i) => {
    qpos[s.qposAdr(j)] = q[i];
    ctrl[s.id("actuator", LEFT.actuators[i])] = q[i];
  });
  for (const f of LEFT.fingerJoints) qpos[s.qposAdr(f)] = half;
  ctrl[s.id("actuator", LEFT.gripperActuator)] = half;
  s.forward();
}

/**
 * Writes a weld's relative pose (`segment`'s pose in `hand`'s frame) from the scene as it is now: for the grasp, the
 * hand where it holds the strap (at construction: the nominal start, the strap at rest); for the holder, the world
 * and the tail's last segment in the start loop. MuJoCo's weld data: anchor (3), relative position (3), quaternion
 * (4), torque scale (1).
 */
function writeWeldPose(s: MjScene, weld: string, hand: string, segment: string): void {
  s.forward();
  const ph = s.bodyPos(hand);
  const R = s.bodyMat(hand); // row-major, columns are the hand's axes
  const qh = s.bodyQuat(hand);
  const ps = s.bodyPos(segment);
  const qs = s.bodyQuat(segment);
  const d = [ps[0] - ph[0], ps[1] - ph[1], ps[2] - ph[2]];
  const rel = [0, 1, 2].map((c) => R[c] * d[0] + R[3 + c] * d[1] + R[6 + c] * d[2]); // Rᵀ d
  const qc: [number, number, number, number] = [qh[0], -qh[1], -qh[2], -qh[3]];
  const quat = qmul(qc, qs);
  const id = s.mj.mj_name2id(s.model, s.mj.mjtObj.mjOBJ_EQUALITY.value, weld);
  if (id < 0) throw new Error(`the scene has no weld ${weld}`);
  const data = s.model.eq_data as Float64Array;
  const at = 11 * id;
  data.set([0, 0, 0, ...rel, ...quat], at);
}

function qmul(a: readonly number[], b: readonly number[]): number[] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

const EVALUATION_FILES = [
  "tasks/zip-tie/zip-tie-tie",
  "tasks/zip-tie/tie-scene",
  "tasks/zip-tie/tie-reset",
  "tasks/zip-tie/eq-switch",
  "mujoco/reset/motion",
  "mujoco/reset/procedure",
  "mujoco/tools/segment",
  "mujoco/arm-env",
  "mujoco/robot",
  "mujoco/ik",
  "mujoco/scene",
  "mujoco/mjcf",
  "../core/rng",
] as const;
/**
 * sha256 of the task's evaluation side for a reset mode: its spec's evaluation constants and the source of the files
 * that build, reset and judge it.
 */
export const tieEvalFingerprint: (mode?: ResetMode) => string = perResetMode((mode) =>
  sourceFingerprint(tieSpec(mode).evaluation, EVALUATION_FILES),
);

export { ARM as TIE_ARM_NAMES };
