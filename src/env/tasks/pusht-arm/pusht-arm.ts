/**
 * Push-T on the arm v1 (state reset): the paper's real Push-T station in MuJoCo. One arm (the paper's left arm),
 * gripper closed as a pusher tip, pushes a red T (0.16 × 0.16 m, t-block.ts) across a table with friction to the goal
 * pose drawn on the table; the top camera's pixels judge success, as the paper's verifier does.
 * Observation "state": 24 numbers: the arm's proprioception (21, mujoco/arm-env.ts: joints rad, EE position m, EE
 *             quaternion, gripper width m, grip force N, EE contact wrench N / N·m) then the T's centroid x, y m and
 *             heading rad (body +y runs along the stem from the bar; 0 = stem towards world +y). The goal is fixed:
 *             PUSHT_ARM.goal.
 * Action      [dx, dy, done]: dx, dy in [-1, 1] × 0.01 m move the EE target (the paper's delta_ee_pose_translation
 *             with z and orientation locked, per-step cap 0.03, 0.03, 0 m), clipped to the workspace box; done > 0
 *             ends the episode (the arm then leaves the camera's view and the verifier judges).
 *             Each episode delays actions by 0-2 control steps (actuation latency, drawn from the seed).
 * Control     10 Hz (50 physics steps of 2 ms). Horizon 300 steps = 30 s: a push takes 5-15 steps and a good
 *             policy needs 8-15 pushes plus travel around the T; the paper's 600 s is a real robot's wall clock with
 *             slow, cautious motions.
 * Success     (the verifier, pixel-based, as the paper's reward.py) after the arm has moved out of the top camera's
 *             view (/avoid): the red mask of the T in a 256 px frame of camera `pusht_top`, its 8-corner outline
 *             fitted (IoU ≥ 0.7), heading within 10° of the goal's, centre inside the ±2 × ±2 cm rectangle around
 *             the goal's centre. The simulator's own pose error is in the metrics (`gt*`), so a disagreement shows.
 * Reset       chosen when the env is made (`new PushTArm({ reset })`), part of the evaluation side. Both modes draw
 *             from RandomState(seed): the T's start pose (centroid in a box in front of the arm, any heading, away
 *             from the goal), table friction (the T's, μ 0.3-0.8), the T's mass (0.1-0.3 kg), the actuation delay
 *             (0, 1 or 2 steps), the EE's start ±0.015 m in x and y (the paper's initial-pose jitter).
 *             "state" (the default, the simulator shortcut): the T and the arm are set there.
 *             "procedural" (pusht-reset.ts, as the paper's station: detect the T, bring it to the start pose, go
 *             home): the arm leaves the top camera's view, the T's pose is fitted on the camera's pixels, and the
 *             arm pushes it (quasi-static push planner, push-planner.ts), looking again after every push, until it
 *             lies within 15 mm and 10° of the start pose; then the pusher goes to its start. A fresh env's T lies
 *             at a seeded place and heading first. Retries up to 3 times, then ResetFailedError (no T in view, no
 *             flat T, out of reach, no push helps, budget spent); `lastReset()` records it.
 * History     v1: first version. Later, without a version bump (the fingerprint changed): the held-out and search
 *             seeds in the evaluation; the procedural reset mode.
 */
import type { StepResult, TaskSpec, Verification } from "../../../core/env.js";
import { InvalidInputError } from "../../../core/errors.js";
import { RandomState } from "../../../core/rng.js";
import type { BoxSpace } from "../../../core/space.js";
import { type ArmActionConfig, ArmEnv, proprioNames, type TaskStepOutcome } from "../../mujoco/arm-env.js";
import { lookAt } from "../../mujoco/mjcf.js";
import { ArmMotion } from "../../mujoco/reset/motion.js";
import {
  type ResetMode,
  type ResetRecord,
  resetModeOf,
  runProcedure,
  stateResetRecord,
} from "../../mujoco/reset/procedure.js";
import { armNames, GRIPPER, stationMjcf } from "../../mujoco/robot.js";
import type { Vec3 } from "../../mujoco/scene.js";
import {
  deepFreeze,
  MUJOCO_PHYSICS,
  perResetMode,
  RESEARCH_SEEDS,
  round3,
  sourceFingerprint,
} from "../../mujoco/task-kit.js";
import { angleDiff, fitT, judgePixels, PIXEL_VERIFIER, type PixelVerdict, wrapAngle } from "./pixel-verifier.js";
import { PUSH_PLANNER } from "./push-planner.js";
import { PUSHT_RESET, restageT, scatterT } from "./pusht-reset.js";
import { goalMarkerMjcf, outlineDistance, T_SHAPE, tBlockMjcf, yawQuat } from "./t-block.js";

/** Every evaluation constant of the task. */
export const PUSHT_ARM = Object.freeze({
  controlHz: 10, // policy steps per second (50 substeps of 2 ms)
  maxSteps: 300, // 30 s: see the header
  actionScale: 0.01, // m per unit action in x and y (the paper's)
  deltaCap: [0.03, 0.03, 0] as Vec3, // m per step (the paper's; never binds at scale 0.01)
  workspace: { x: [0.2, 0.52], y: [-0.22, 0.22] }, // m, EE target box (the arm reaches 0.57 m at pusher height)
  pusherZ: 0.018, // m, EE site height: the closed pads span z 0.006-0.030, the T is 0.025 thick
  eeStart: [0.24, 0] as const, // m, nominal EE start (before the jitter)
  eeJitter: 0.015, // m, ± in x and y (the paper's initial-pose jitter)
  goal: [0.37, 0, 0] as const, // m, m, rad: the goal's centroid and heading (crossbar below the stem in the image)
  tStart: { x: [0.3, 0.44], y: [-0.12, 0.12] }, // m, the T's start centroid box; heading uniform
  awayFromGoal: { pos: 0.05, angleDeg: 30 }, // a start is redrawn unless farther than either from the goal
  startClearance: 0.03, // m, the pusher's start at least this far outside the T's outline
  friction: [0.3, 0.8], // sliding friction of the T with the table and pusher, uniform per episode
  mass: [0.1, 0.3], // kg, the T's mass, uniform per episode
  delaySteps: [0, 2], // control steps of actuation delay, integer uniform per episode
  camera: { name: "pusht_top", pos: [0.37, 0, 0.75] as Vec3, fovy: 45 }, // looks straight down at the workspace
  verifierSize: 256, // px, the verifier's frame (the paper's runner resolution)
  settleSteps: 100, // physics steps after the reset (0.2 s)
  avoid: { liftM: 0.1, liftSteps: 4, parkSteps: 12, settleSteps: 5 }, // control steps of the /avoid motion
  parkJoints: [0, -0.9, 1.0, 0, 0, 0], // rad, the arm folded back behind its base, out of the top camera's view
});

const ARM = armNames("left");
const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down
const Q_SEED = [0, 0.3, 1.66, 1.17, 0, 0]; // a posture near the table, for IK to start from
const ACTION: ArmActionConfig = {
  mode: "delta-ee",
  translationScale: [PUSHT_ARM.actionScale, PUSHT_ARM.actionScale, 0],
  deltaCap: PUSHT_ARM.deltaCap,
  lock: [false, false, true],
  gripper: "locked-closed",
};

const OBS_NAMES = [...proprioNames(ARM), "t x m", "t y m", "t yaw rad"];
const OBSERVATION_SPACE: BoxSpace = {
  kind: "box",
  shape: [OBS_NAMES.length],
  low: -1000,
  high: 1000,
  dtype: "float64",
  names: OBS_NAMES,
};
const ACTION_SPACE: BoxSpace = {
  kind: "box",
  shape: [3],
  low: -1,
  high: 1,
  dtype: "float64",
  names: ["dx (×0.01 m)", "dy (×0.01 m)", "done (> 0 ends the episode)"],
};

function makeSpec(resetMode: ResetMode): TaskSpec {
  return deepFreeze({
    id: "pusht-arm",
    version: 1,
    description:
      "Push a red T (0.16 m) to the goal drawn on the table with one arm of a simulated MuJoCo station: delta EE x/y " +
      "actions at a fixed pusher height, per-episode friction, mass and actuation delay. Success, judged from the top " +
      "camera's pixels once the arm has left the view: heading within 10° of the goal's and centre within ±2 cm.",
    observationSpace: OBSERVATION_SPACE,
    actionSpace: ACTION_SPACE,
    maxSteps: PUSHT_ARM.maxSteps,
    controlHz: PUSHT_ARM.controlHz,
    evaluation: {
      reference: "ENPIRE real Push-T (paper §2.3 runner config, §3.1; reward.py red-T verifier)",
      ...structuredClone({ ...PUSHT_ARM }),
      tShape: { ...T_SHAPE },
      verifier: structuredClone({ ...PIXEL_VERIFIER }),
      physics: MUJOCO_PHYSICS,
      gripper: { forceLimit: GRIPPER.forceLimit, padFriction: GRIPPER.padFriction },
      resetMode,
      reset:
        resetMode === "state"
          ? "state: T pose, friction, mass, delay, EE jitter from RandomState(seed)"
          : "procedural: the arm pushes the T (fitted on the top camera's pixels after every push) to the start pose " +
            "drawn from RandomState(seed) as the state reset draws it, within 15 mm and 10°, then goes to its start; " +
            "friction, mass, delay, EE jitter as the state reset; a fresh env's T lies at a seeded place",
      ...(resetMode === "procedural"
        ? { procedural: structuredClone({ ...PUSHT_RESET }), pushPlanner: structuredClone({ ...PUSH_PLANNER }) }
        : {}),
      horizonReason: "30 s at 10 Hz: 8-15 pushes of 5-15 steps plus travel; the paper's 600 s is a real robot's",
      seeds: RESEARCH_SEEDS, // research projects tune on search seeds, judge a goal on held-out ones
    },
  });
}

/** The spec for a reset mode (the mode is in `evaluation.resetMode`; default "state"). */
export const pushtArmSpec: (mode?: ResetMode) => TaskSpec = perResetMode(makeSpec);
/** The spec with the default ("state") reset. */
export const PUSHT_ARM_SPEC: TaskSpec = pushtArmSpec("state");

/** The station: one arm at the origin facing +x, the T, the goal marker, the verifier's camera. */
export function pushtArmXml(): string {
  const cam = PUSHT_ARM.camera;
  return stationMjcf({
    name: "pusht-arm",
    arms: [{ prefix: "left", base: [0, 0, 0] }],
    objects: [
      goalMarkerMjcf(PUSHT_ARM.goal),
      tBlockMjcf([0.4, 0.1, 0], 0.2, 0.5),
      lookAt(cam.name, cam.pos, [cam.pos[0], cam.pos[1], 0], cam.fovy),
    ],
  });
}

/** What a reset drew from the seed. */
export interface PushTArmEpisode {
  tStart: [number, number, number]; // m, m, rad
  friction: number;
  mass: number; // kg
  delaySteps: number;
  eeStart: [number, number]; // m
}

/**
 * The pusht-arm environment. Needs MuJoCo and the renderer loaded on this thread (registry prepareTask).
 * @example
 * await prepareTask("pusht-arm");
 * const env = new PushTArm(); // or new PushTArm({ reset: "procedural" })
 * env.reset({ seed: 0 });
 * env.step([1, 0, 0]); // EE target 1 cm towards +x
 */
export class PushTArm extends ArmEnv {
  readonly resetMode: ResetMode;
  private readonly initial: Float64Array;
  private readonly tBody: number;
  private readonly tQposAdr: number;
  private readonly tGeoms: number[];
  private readonly baseMass: number;
  private readonly baseInertia: [number, number, number];
  private readonly armGeoms: Set<number>;
  private readonly armActuators: number[];
  private episodeDrawn: PushTArmEpisode | null = null;
  private pending: [number, number][] = [];
  private avoided = false;
  private verdict: Verification | null = null;
  private motion: ArmMotion | null = null; // the procedural reset's servo layer, made on its first use
  private staged = false; // a procedural reset has set up the scene once
  private lastRecord: ResetRecord | null = null;

  /** `reset`: "state" (default) or "procedural" (the arm pushes the T back, pusht-reset.ts). */
  constructor(options: { reset?: ResetMode } = {}) {
    const mode = resetModeOf(options.reset, "pusht-arm");
    super({ spec: pushtArmSpec(mode), xml: pushtArmXml(), arm: ARM, action: ACTION, ikIterations: 8 });
    this.resetMode = mode;
    const s = this.scene;
    this.tBody = s.id("body", "t_block");
    this.tQposAdr = s.qposAdr("t_free");
    this.tGeoms = [s.id("geom", "t_bar"), s.id("geom", "t_stem")];
    this.baseMass = (s.model.body_mass as Float64Array)[this.tBody];
    const inertia = s.model.body_inertia as Float64Array;
    this.baseInertia = [inertia[3 * this.tBody], inertia[3 * this.tBody + 1], inertia[3 * this.tBody + 2]];
    const armBodies = new Set(ARM.bodies.map((b) => s.id("body", b)));
    const ngeom = s.model.ngeom;
    this.armGeoms = new Set();
    for (let g = 0; g < ngeom; g++) if (armBodies.has(s.geomBody(g))) this.armGeoms.add(g);
    this.armActuators = ARM.actuators.map((a) => s.id("actuator", a));
    this.initial = s.saveState();
  }

  /** The last reset's record (mode, success, attempts, simulated s, wall ms, what it found); null before one. */
  lastReset(): ResetRecord | null {
    return this.lastRecord;
  }

  override close(): void {
    this.motion?.dispose();
    this.motion = null;
    super.close();
  }

  /** What the last reset drew from its seed. */
  get episode(): PushTArmEpisode {
    if (!this.episodeDrawn) throw new InvalidInputError("pusht-arm: reset({ seed }) first");
    return this.episodeDrawn;
  }

  /** The T's pose from the simulator: centroid x, y (m) and heading (rad), and how far it is tilted (rad). */
  tPose(): { pose: [number, number, number]; tilt: number } {
    const pos = this.scene.bodyPos(this.tBody);
    const m = this.scene.bodyMat(this.tBody);
    // body +y in the world: the second column of the rotation
    const yaw = Math.atan2(-m[1], m[4]);
    return { pose: [pos[0], pos[1], yaw], tilt: Math.acos(Math.min(1, Math.max(-1, m[8]))) };
  }

  /** Renders the verifier's camera: RGB (and the segmentation, to count arm pixels) at `size` px. */
  topFrame(size: number = PUSHT_ARM.verifierSize, segmentation = false) {
    return this.scene
      .renderer()
      .render(this.scene.data, { camera: PUSHT_ARM.camera.name, width: size, height: size, rgb: true, segmentation });
  }

  /** Pixels of the arm (any of its geoms) in the verifier's camera at `size` px, from the segmentation. */
  armPixelsInView(size: number = PUSHT_ARM.verifierSize): number {
    const seg = this.topFrame(size, true).segmentation;
    if (!seg) throw new Error("the renderer returned no segmentation");
    let n = 0;
    for (const g of seg) if (this.armGeoms.has(g)) n++;
    return n;
  }

  /** Whether the arm has been moved out of view (/avoid) this episode. */
  get armAvoided(): boolean {
    return this.avoided;
  }

  /** The T's centroid x, y m and heading rad, after the arm's proprioception. */
  protected override taskState(): number[] {
    const { pose } = this.tPose();
    return [pose[0], pose[1], pose[2]];
  }

  override step(action: readonly number[]): StepResult<number[]> {
    const ok =
      (Array.isArray(action) || ArrayBuffer.isView(action)) &&
      action.length === 3 &&
      Array.from(action).every((v) => typeof v === "number" && Number.isFinite(v));
    if (!ok) {
      const got =
        Array.isArray(action) || ArrayBuffer.isView(action) ? JSON.stringify(Array.from(action)) : typeof action;
      throw new InvalidInputError(`pusht-arm action must be 3 finite numbers [dx, dy, done], got ${got.slice(0, 80)}`);
    }
    if (this.avoided) throw new InvalidInputError("pusht-arm: the episode has ended (the arm left the view); reset");
    if (action[2] > 0) {
      this.avoid();
      return {
        observation: this.observe(),
        reward: 0,
        terminated: true,
        truncated: false,
        info: { ...this.stateInfo(), done: true },
      };
    }
    // actuation delay: the arm executes the command from delaySteps steps ago
    this.pending.push([clamp(action[0], -1, 1), clamp(action[1], -1, 1)]);
    const [ax, ay] = this.pending.shift() as [number, number];
    // the workspace box: a step that would leave it is clipped at its edge
    const t = this.target.pos;
    const ws = PUSHT_ARM.workspace;
    const nx = clamp(t[0] + ax * PUSHT_ARM.actionScale, ws.x[0], ws.x[1]);
    const ny = clamp(t[1] + ay * PUSHT_ARM.actionScale, ws.y[0], ws.y[1]);
    return super.step([(nx - t[0]) / PUSHT_ARM.actionScale, (ny - t[1]) / PUSHT_ARM.actionScale, 0]);
  }

  protected resetScene(seed: number): void {
    const rs = new RandomState(seed);
    const u = (lo: number, hi: number) => lo + (hi - lo) * rs.randomSample();
    const P = PUSHT_ARM;
    const friction = u(P.friction[0], P.friction[1]);
    const mass = u(P.mass[0], P.mass[1]);
    const delaySteps = Math.min(P.delaySteps[1], Math.floor(u(P.delaySteps[0], P.delaySteps[1] + 1)));
    const eeStart: [number, number] = [
      u(-P.eeJitter, P.eeJitter) + P.eeStart[0],
      u(-P.eeJitter, P.eeJitter) + P.eeStart[1],
    ];
    let tStart: [number, number, number] = [0, 0, 0];
    for (let tries = 0; ; tries++) {
      tStart = [u(P.tStart.x[0], P.tStart.x[1]), u(P.tStart.y[0], P.tStart.y[1]), u(-Math.PI, Math.PI)];
      const far =
        Math.hypot(tStart[0] - P.goal[0], tStart[1] - P.goal[1]) > P.awayFromGoal.pos ||
        Math.abs(angleDiff(tStart[2], P.goal[2])) > (P.awayFromGoal.angleDeg * Math.PI) / 180;
      if (far && outlineDistance(tStart, eeStart) > P.startClearance) break;
      if (tries > 1000) throw new Error(`pusht-arm: no start pose found for seed ${seed}`);
    }
    this.episodeDrawn = { tStart, friction, mass, delaySteps, eeStart };
    const t0 = performance.now();
    if (this.resetMode === "procedural") {
      this.proceduralReset(u);
    } else {
      const s = this.scene;
      s.restoreState(this.initial);
      this.applyEpisodePhysics();
      const q = this.ik.solve(Q_SEED, { pos: [eeStart[0], eeStart[1], P.pusherZ], mat: DOWN }, { iterations: 100 }).q;
      this.holdArm(q, GRIPPER.closedTarget);
      this.placeT(tStart);
      s.step(P.settleSteps);
      this.lastRecord = stateResetRecord(P.settleSteps, s.timestep, t0);
    }
    this.pending = Array.from({ length: delaySteps }, () => [0, 0] as [number, number]);
    this.avoided = false;
    this.verdict = null;
  }

  /** The episode's friction and mass on the T's geoms and body (inertia scaled with the mass). */
  private applyEpisodePhysics(): void {
    const { friction, mass } = this.episode;
    const model = this.scene.model;
    const fr = model.geom_friction as Float64Array;
    for (const g of this.tGeoms) fr[3 * g] = friction;
    (model.body_mass as Float64Array)[this.tBody] = mass;
    const inertia = model.body_inertia as Float64Array;
    for (let k = 0; k < 3; k++) inertia[3 * this.tBody + k] = (this.baseInertia[k] * mass) / this.baseMass;
  }

  /**
   * The station's own reset: a fresh env first puts the T at a seeded place (the arm out of the camera's view),
   * then the arm pushes it to the drawn start pose and goes to its own start (pusht-reset.ts).
   */
  private proceduralReset(u: (lo: number, hi: number) => number): void {
    const s = this.scene;
    const t0 = performance.now();
    const ep = this.episode;
    let fresh = false;
    if (!this.staged) {
      s.restoreState(this.initial);
      const home = this.ik.solve(Q_SEED, { pos: PUSHT_RESET.home, mat: DOWN }, { iterations: 100 }).q;
      this.holdArm(home, GRIPPER.closedTarget);
      scatterT(s, this.tQposAdr, u);
      s.step(PUSHT_ARM.settleSteps);
      this.staged = true;
      fresh = true;
    }
    this.applyEpisodePhysics();
    this.motion ??= new ArmMotion(s, ARM);
    const motion = this.motion;
    const size = PUSHT_RESET.frameSize;
    const { record, error } = runProcedure(
      {
        what: "pusht-arm procedural reset",
        attempts: PUSHT_RESET.attempts,
        budgetSteps: PUSHT_RESET.budgetSteps,
        timestep: s.timestep,
      },
      (budget) =>
        restageT(
          {
            motion,
            look: () => {
              const frame = this.topFrame(size);
              if (!frame.rgb) throw new Error("the renderer returned no frame");
              return fitT(frame.rgb, size, size, frame, T_SHAPE.height);
            },
            target: ep.tStart,
            eeStart: ep.eeStart,
            pusherZ: PUSHT_ARM.pusherZ,
            workspace: PUSHT_ARM.workspace,
          },
          budget,
        ),
    );
    this.lastRecord = {
      ...record,
      found: fresh && record.success ? `fresh scene (${record.found})` : record.found,
      wallMs: Math.round(performance.now() - t0),
    };
    if (error) throw error;
    // the env's own command and EE target take over where the reset's motions left the servos
    this.holdArm(motion.currentQ(), GRIPPER.closedTarget);
  }

  protected afterControlStep(): TaskStepOutcome {
    return { reward: 0, terminated: false, info: this.stateInfo() };
  }

  /**
   * /avoid: lift the pusher, fold the arm back behind its base (out of the top camera's view) and let the scene
   * settle; the T stays where the policy left it. Idempotent within an episode.
   */
  avoid(): void {
    if (this.avoided) return;
    this.avoided = true;
    const A = PUSHT_ARM.avoid;
    const s = this.scene;
    const run = (steps: number) => {
      for (let i = 0; i < steps * this.substeps; i++) s.step(1);
    };
    // lift straight up through IK
    const start = this.target.pos;
    let q = this.qCmd;
    for (let i = 1; i <= A.liftSteps; i++) {
      const pos: Vec3 = [start[0], start[1], start[2] + (A.liftM * i) / A.liftSteps];
      q = this.ik.solve(q, { pos, mat: this.target.mat }, { iterations: 20 }).q;
      this.commandJoints(q);
      run(1);
    }
    // then joint-space to the parked posture
    const from = Float64Array.from(q);
    for (let i = 1; i <= A.parkSteps; i++) {
      const f = i / A.parkSteps;
      this.commandJoints(from.map((v, k) => v + f * (PUSHT_ARM.parkJoints[k] - v)));
      run(1);
    }
    run(A.settleSteps);
  }

  verify(): Verification {
    if (!this.episodeDrawn) throw new InvalidInputError("pusht-arm: reset({ seed }) before verify()");
    if (this.verdict) return this.verdict;
    this.avoid();
    const size = PUSHT_ARM.verifierSize;
    const frame = this.topFrame(size, true);
    if (!frame.rgb || !frame.segmentation) throw new Error("the renderer returned no frame");
    let armPixels = 0;
    for (const g of frame.segmentation) if (this.armGeoms.has(g)) armPixels++;
    const px = judgePixels(frame.rgb, size, size, frame, T_SHAPE.height, PUSHT_ARM.goal);
    const gt = this.groundTruth();
    const metrics: Record<string, number | string | boolean> = {
      ...pixelMetrics(px),
      gtSuccess: gt.success,
      gtPosErrXCm: round3(gt.posError[0] * 100),
      gtPosErrYCm: round3(gt.posError[1] * 100),
      gtAngleErrDeg: round3(gt.angleErrorDeg),
      gtTiltDeg: round3(gt.tiltDeg),
      pixelAgreesWithGt: px.success === gt.success,
      armPixelsInView: armPixels,
      friction: round3(this.episode.friction),
      massKg: round3(this.episode.mass),
      delaySteps: this.episode.delaySteps,
    };
    this.verdict = px.success
      ? { success: true, score: 1, reason: null, metrics }
      : { success: false, score: 0, reason: px.reason ?? "not at the goal", metrics };
    return this.verdict;
  }

  /** The verdict from the simulator's state: the same tolerances as the pixel verifier, on the true pose. */
  groundTruth(): { success: boolean; posError: [number, number]; angleErrorDeg: number; tiltDeg: number } {
    const { pose, tilt } = this.tPose();
    const goal = PUSHT_ARM.goal;
    const posError: [number, number] = [pose[0] - goal[0], pose[1] - goal[1]];
    const angleErrorDeg = (Math.abs(angleDiff(pose[2], goal[2])) * 180) / Math.PI;
    const tiltDeg = (tilt * 180) / Math.PI;
    const v = PIXEL_VERIFIER;
    const success =
      tiltDeg < 5 &&
      angleErrorDeg <= v.angleTolDeg &&
      Math.abs(posError[0]) <= v.rectHalf[0] &&
      Math.abs(posError[1]) <= v.rectHalf[1];
    return { success, posError, angleErrorDeg, tiltDeg };
  }

  /**
   * Puts the T at a pose (m, m, rad) at rest on the table, for tests and verifier checks; the arm stays.
   * @example env.placeT([...PUSHT_ARM.goal]) // exactly on the goal
   */
  placeT(pose: readonly [number, number, number]): void {
    const s = this.scene;
    s.qposView().set([pose[0], pose[1], T_SHAPE.height / 2, ...yawQuat(pose[2])], this.tQposAdr);
    const dof = s.dofAdr("t_free");
    s.qvelView().fill(0, dof, dof + 6);
    s.forward();
  }

  private commandJoints(q: ArrayLike<number>): void {
    this.qCmd = Float64Array.from(q);
    const ctrl = this.scene.ctrlView();
    for (let i = 0; i < this.armActuators.length; i++) ctrl[this.armActuators[i]] = this.qCmd[i];
  }

  private stateInfo(): Record<string, unknown> {
    const gt = this.groundTruth();
    return {
      gtPosErrCm: round3(Math.hypot(...gt.posError) * 100),
      gtAngleErrDeg: round3(gt.angleErrorDeg),
      gtSuccess: gt.success,
    };
  }
}

function pixelMetrics(px: PixelVerdict): Record<string, number | string | boolean> {
  const m: Record<string, number | string | boolean> = { pixelSuccess: px.success };
  if (px.fit) {
    m.pixelX = round3(px.fit.pose[0]);
    m.pixelY = round3(px.fit.pose[1]);
    m.pixelYawDeg = round3((wrapAngle(px.fit.pose[2]) * 180) / Math.PI);
    m.pixelIou = round3(px.fit.iou);
    m.redPixels = px.fit.maskPixels;
  }
  if (px.posError) {
    m.pixelPosErrXCm = round3(px.posError[0] * 100);
    m.pixelPosErrYCm = round3(px.posError[1] * 100);
  }
  if (px.angleErrorDeg !== null) m.pixelAngleErrDeg = round3(px.angleErrorDeg);
  return m;
}

const EVALUATION_FILES = [
  "tasks/pusht-arm/pusht-arm",
  "tasks/pusht-arm/pixel-verifier",
  "tasks/pusht-arm/t-block",
  "mujoco/arm-env",
  "mujoco/robot",
  "mujoco/ik",
  "mujoco/scene",
  "mujoco/mjcf",
  "mujoco/render/scene-renderer",
  "../core/rng",
] as const;
const PROCEDURAL_FILES = [
  ...EVALUATION_FILES,
  "tasks/pusht-arm/pusht-reset",
  "tasks/pusht-arm/push-planner",
  "mujoco/reset/motion",
  "mujoco/reset/procedure",
] as const;
/**
 * sha256 of the task's evaluation side for a reset mode: its constants and the files that build, reset, render and
 * judge it.
 */
export const pushtArmEvalFingerprint: (mode?: ResetMode) => string = perResetMode((mode) =>
  sourceFingerprint(pushtArmSpec(mode).evaluation, mode === "state" ? EVALUATION_FILES : PROCEDURAL_FILES),
);

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
