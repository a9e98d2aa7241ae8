/**
 * ArmEnv: the reusable base of the 3D tasks. It implements `Env` for one controlled arm of a MuJoCo station:
 * control at the task's controlHz with physics substeps (dt from the scene, 2 ms, implicitfast), actions as the
 * paper's runners take them, proprioceptive observations, the top camera for pictures, and `close()` that frees
 * every WebAssembly object. A task subclasses it and supplies the scene, the reset and the verdict.
 *
 * Actions
 *   "delta-ee" (the paper's delta_ee_pose_translation): [dx, dy, dz] in [-1, 1], each clipped to [-1, 1], scaled by
 *   the task's metres per unit and clipped again by the per-step delta cap; they move the end-effector target, whose
 *   orientation is held where the reset left it, and differential IK (ik.ts) turns the target into joint targets for
 *   the position servos. A locked axis ignores its element. With `gripper: "action"` a 4th element in [-1, 1]
 *   commands the gripper (+1 closes with the force limit, −1 opens fully).
 *   "joint": the arm's joint targets in rad (clamped to the joint ranges), then the gripper element if any.
 * Observation (obsType "state", 1-D, names in `proprioSpace`)
 *   joint positions rad (arm order) · EE position m (world) · EE orientation quaternion w, x, y, z · gripper width m
 *   · gripper force N (positive squeezes) · EE wrench estimate: the contact force and torque (about the EE site) that
 *   the world applies to the arm, its fingers and what they hold, N and N·m, world frame.
 * Observation (obsType "pixels": `observeWith({ kind: "pixels", cameras, size })` before the first reset, or the
 *   config's `observation`) { proprio: the arm's proprioception above (a task's extra state numbers are left out:
 *   they are the simulator's, which a pixel policy must see for itself), images: { <camera>: size × size × 3 RGB
 *   bytes, row-major, top row first } }, each camera rendered by the software renderer after every step and reset.
 * Safety
 *   robotState(), commandedTarget(action) and holdAction(action): the read-only robot capability that the 3D safety
 *   wrappers (env/wrappers/safety-3d.ts) find by these methods; computed on demand.
 */
import type { Env, SceneGeometry, StepResult, TaskSpec, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import type { BoxSpace, DictSpace } from "../../core/space.js";
import { DiffIk, type IkTarget, matToQuat } from "./ik.js";
import type { RenderResult } from "./render/index.js";
import { type ArmNames, GRIPPER } from "./robot.js";
import { MjScene, type Vec3 } from "./scene.js";
import { mujocoSceneGeometry, mujocoScenePoses } from "./scene-view.js";

export type GripperMode = "action" | "locked-closed" | "locked-open";

export type ArmActionConfig =
  | {
      mode: "delta-ee";
      translationScale: Vec3; // m per unit action, per axis
      deltaCap: Vec3; // m, largest move of the target per control step, per axis
      lock?: [boolean, boolean, boolean]; // axes whose action element is ignored
      gripper: GripperMode;
    }
  | { mode: "joint"; gripper: GripperMode };

export interface ArmEnvConfig {
  spec: TaskSpec;
  xml: string; // the station's MJCF (robot.ts stationMjcf)
  arm: ArmNames; // the arm the actions drive
  action: ArmActionConfig;
  /** Bodies (besides the arm's) whose contacts with the world count towards the EE wrench, e.g. a held pin. */
  heldBodies?: string[];
  /** IK iterations per control step (the target moves little per step, so a few suffice). */
  ikIterations?: number;
  /** What observe() returns: the task's state vector (default) or pixels (see observeWith). */
  observation?: ArmObservation;
}

/** An ArmEnv's observation: its task's state vector, or the arm's proprioception with camera images. */
export type ArmObservation = { kind: "state" } | PixelObservation;

/** Pixel observations: these cameras (1 to 8 of the station's), each `size` px square (16..512). */
export interface PixelObservation {
  kind: "pixels";
  cameras: string[];
  size: number;
}

/** What observe() returns with a PixelObservation. */
export interface ArmPixelObs {
  proprio: number[]; // the arm's proprioception, as proprioNames
  images: Record<string, Uint8Array>; // camera name → size × size × 3 RGB bytes
}

/** The names of the state observation for an arm: what `ArmEnv.observe()` returns, in order. */
export function proprioNames(arm: ArmNames): string[] {
  return [
    ...arm.joints.map((j) => `${j} rad`),
    "ee x m",
    "ee y m",
    "ee z m",
    "ee quat w",
    "ee quat x",
    "ee quat y",
    "ee quat z",
    "gripper width m",
    "gripper force N",
    "ee force x N",
    "ee force y N",
    "ee force z N",
    "ee torque x N·m",
    "ee torque y N·m",
    "ee torque z N·m",
  ];
}

/** The state observation space for an arm. Bounds are loose (forces can be large), so one range fits all. */
export function proprioSpace(arm: ArmNames, taskNames: readonly string[] = []): BoxSpace {
  const names = [...proprioNames(arm), ...taskNames];
  return { kind: "box", shape: [names.length], low: -1000, high: 1000, dtype: "float64", names };
}

/**
 * The observation space of pixel observations, as Push-T's pixels_agent_pos: a dict with the proprioception's box
 * under "proprio" and one uint8 box [size, size, 3] per camera under "images.<camera>" (a dict space holds boxes
 * only, so the nested images are named by their path in the observation).
 * @example pixelObservationSpace(armNames("right"), { kind: "pixels", cameras: ["top"], size: 96 }).spaces["images.top"]
 */
export function pixelObservationSpace(arm: ArmNames, pixels: PixelObservation): DictSpace {
  const spaces: Record<string, BoxSpace> = { proprio: proprioSpace(arm) };
  for (const camera of pixels.cameras) {
    spaces[`images.${camera}`] = {
      kind: "box",
      shape: [pixels.size, pixels.size, 3],
      low: 0,
      high: 255,
      dtype: "uint8",
    };
  }
  return { kind: "dict", spaces };
}

/** The action space for an arm and action config. */
export function armActionSpace(arm: ArmNames, action: ArmActionConfig): BoxSpace {
  const grip = action.gripper === "action" ? ["gripper (+1 close, −1 open)"] : [];
  if (action.mode === "delta-ee") {
    const s = action.translationScale;
    const names = [`dx (×${s[0]} m)`, `dy (×${s[1]} m)`, `dz (×${s[2]} m)`, ...grip];
    return { kind: "box", shape: [names.length], low: -1, high: 1, dtype: "float64", names };
  }
  const names = [...arm.joints.map((j) => `${j} target rad`), ...grip];
  return { kind: "box", shape: [names.length], low: -Math.PI, high: Math.PI, dtype: "float64", names };
}

/** ArmEnv.robotState(): what safety wrappers read (env/wrappers/safety-3d.ts RobotState has the same shape). */
export interface ArmRobotState {
  jointNames: string[];
  jointPositions: number[]; // rad, arm order
  jointLimits: [number, number][]; // rad, each joint's range
  jointTargets: number[]; // rad, what the servos track now
  eePosition: Vec3; // m, world
  eeQuat: [number, number, number, number]; // w, x, y, z
  eeTargetPosition: Vec3; // m, the commanded EE target
  eeTargetQuat: [number, number, number, number];
  eeForce: Vec3; // N, contact force the world applies to the robot side, world frame
  gripperForce: number; // N, positive squeezes
  contactForces: { pair: string; bodies: [string, string]; normal: number }[]; // N, summed per body pair
}

/** ArmEnv.commandedTarget(action): where an action would send the arm. */
export interface ArmCommand {
  eePosition: Vec3;
  eeQuat: [number, number, number, number];
  jointTargets: number[] | null; // rad, as commanded (joint mode), else null
}

/** What a task's control step decides: reward, whether the episode ends, and what to record. */
export interface TaskStepOutcome {
  reward: number;
  terminated: boolean;
  info: Record<string, unknown>;
}

export abstract class ArmEnv implements Env<number[], readonly number[]> {
  readonly name: string;
  protected readonly scene: MjScene;
  protected readonly arm: ArmNames;
  protected readonly ik: DiffIk;
  protected readonly action: ArmActionConfig;
  /** Joint targets the servos track now, arm order. */
  protected qCmd: Float64Array;
  /** The end-effector target (delta-ee mode). */
  protected target: IkTarget;
  /** The end-effector position after the last reset, m: the origin of relative limits. */
  protected startEe: Vec3 = [0, 0, 0];
  protected gripperCmd: number; // servo target of the finger slide, m
  protected readonly substeps: number;
  private readonly actuatorIds: number[];
  private readonly gripperId: number;
  private readonly robotBodies: Set<number>;
  private readonly ikIterations: number;
  private started = false;
  private closed = false;

  constructor(config: ArmEnvConfig) {
    this.stateSpec = config.spec;
    this.currentSpec = config.spec;
    this.name = `${config.spec.id}@${config.spec.version}`;
    this.arm = config.arm;
    this.action = config.action;
    this.scene = MjScene.fromXml(config.xml);
    try {
      this.ik = new DiffIk(this.scene, this.arm.joints, this.arm.eeSite);
      this.actuatorIds = this.arm.actuators.map((a) => this.scene.id("actuator", a));
      this.gripperId = this.scene.id("actuator", this.arm.gripperActuator);
      this.robotBodies = new Set(
        [...this.arm.bodies, ...(config.heldBodies ?? [])].map((b) => this.scene.id("body", b)),
      );
    } catch (err) {
      this.scene.dispose();
      throw err;
    }
    const steps = 1 / (config.spec.controlHz * this.scene.timestep);
    if (Math.abs(steps - Math.round(steps)) > 1e-6) {
      this.scene.dispose();
      throw new InvalidInputError(
        `controlHz ${config.spec.controlHz} is not a whole number of ${this.scene.timestep} s physics steps`,
      );
    }
    this.substeps = Math.round(steps);
    this.ikIterations = config.ikIterations ?? 6;
    this.qCmd = new Float64Array(this.arm.joints.length);
    this.target = { pos: [0, 0, 0], mat: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    this.gripperCmd = config.action.gripper === "locked-open" ? GRIPPER.maxOpening : GRIPPER.closedTarget;
    if (config.observation) this.observeWith(config.observation);
  }

  /** The task's spec; with pixel observations its observationSpace is pixelObservationSpace's. */
  get spec(): TaskSpec {
    return this.currentSpec;
  }
  private currentSpec: TaskSpec;
  private readonly stateSpec: TaskSpec;

  /**
   * Chooses what observe(), reset() and step() return, before the first reset: the task's state vector, or the arm's
   * proprioception and camera images (ArmPixelObs; the spec's observationSpace changes to match). Throws
   * InvalidInputError for an unknown camera, a size outside 16..512 px, or after the first reset.
   * @example env.observeWith({ kind: "pixels", cameras: ["top", "right_wrist_cam"], size: 96 }); env.reset({ seed: 0 }).images.top
   */
  observeWith(observation: ArmObservation): void {
    this.assertOpen();
    if (this.started) throw new InvalidInputError(`${this.spec.id}: choose the observation before the first reset`);
    if (observation.kind === "state") {
      this.currentSpec = this.stateSpec;
      this.pixels = undefined;
      return;
    }
    const known = this.cameraNames();
    const { cameras, size } = observation;
    if (!Array.isArray(cameras) || cameras.length < 1 || cameras.length > 8) {
      throw new InvalidInputError(`${this.spec.id} pixel observation needs 1 to 8 cameras, got ${String(cameras)}`);
    }
    for (const c of cameras) {
      if (!known.includes(c)) {
        throw new InvalidInputError(`${this.spec.id} has no camera "${c}"; choose from ${known.join(", ")}`);
      }
    }
    if (!Number.isInteger(size) || size < 16 || size > 512) {
      throw new InvalidInputError(`${this.spec.id} pixel observation size must be an integer 16..512 px, got ${size}`);
    }
    this.pixels = { kind: "pixels", cameras: [...cameras], size };
    this.currentSpec = { ...this.stateSpec, observationSpace: pixelObservationSpace(this.arm, this.pixels) };
  }

  /** The pixel observation now (the configured cameras, or `top` at 96 px when none are configured). */
  pixelObservation(): ArmPixelObs {
    this.assertOpen();
    const { cameras, size } = this.pixels ?? { cameras: ["top"], size: 96 };
    const images: Record<string, Uint8Array> = {};
    for (const camera of cameras) images[camera] = this.scene.renderRgb(camera, size, size); // a fresh array each
    return { proprio: this.proprio(), images };
  }
  private pixels: PixelObservation | undefined;

  /** Puts the scene in the episode's initial state, from the seed only; it must call holdArm(). */
  protected abstract resetScene(seed: number): void;
  /** Called before every physics substep, after the action's controls are written (e.g. to rate-limit a servo). */
  protected beforeSubstep(): void {}
  /** Called after every physics substep (e.g. to watch contact forces). */
  protected onSubstep(): void {}
  /** Judges a control step that just ended. */
  protected abstract afterControlStep(): TaskStepOutcome;
  abstract verify(): Verification;

  reset(opts: { seed: number }): number[] {
    this.assertOpen();
    const seed = opts?.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new InvalidInputError(`${this.spec.id} seed must be an integer in 0..4294967295, got ${String(seed)}`);
    }
    this.resetScene(seed);
    this.startEe = this.scene.sitePos(this.arm.eeSite);
    this.started = true;
    return this.observe();
  }

  step(action: readonly number[]): StepResult<number[]> {
    this.assertOpen();
    if (!this.started) throw new InvalidInputError(`${this.spec.id} step() called before reset({ seed })`);
    this.applyAction(action);
    for (let i = 0; i < this.substeps; i++) {
      this.beforeSubstep();
      this.scene.step(1);
      this.onSubstep();
    }
    const outcome = this.afterControlStep();
    return {
      observation: this.observe(),
      reward: outcome.reward,
      terminated: outcome.terminated,
      truncated: false,
      info: outcome.info,
    };
  }

  /**
   * The observation now: the task's state vector (the arm's proprioception, then the task's own numbers), or with
   * pixel observations an ArmPixelObs. Typed as the state vector, which tasks and their tests use; the registry hands
   * every env out as Env<unknown>, and the pixel spec describes the other shape.
   */
  observe(): number[] {
    this.assertOpen();
    if (this.pixels) return this.pixelObservation() as unknown as number[];
    return [...this.proprio(), ...this.taskState()];
  }

  /** The task's own numbers after the arm's proprioception in the state observation (object poses, ...). */
  protected taskState(): number[] {
    return [];
  }

  /** The arm's proprioception now, as proprioNames: joints, EE pose, gripper width and force, EE wrench. */
  proprio(): number[] {
    this.assertOpen();
    const s = this.scene;
    const qpos = s.qposView();
    const q = this.arm.joints.map((j) => qpos[s.qposAdr(j)]);
    const ee = s.sitePos(this.arm.eeSite);
    const quat = matToQuat(s.siteMat(this.arm.eeSite));
    const width = 2 * qpos[s.qposAdr(this.arm.fingerJoints[0])];
    const gripForce = -s.actuatorForce()[this.gripperId];
    const wrench = this.eeWrench();
    return [...q, ...ee, ...quat, width, gripForce, ...wrench];
  }

  /** An RGB picture from camera `top`, size × size × 3 bytes (needs the software renderer). */
  render(size: number): Uint8Array {
    this.assertOpen();
    return this.scene.renderRgb("top", size, size);
  }

  /** The station's camera names (top, left, right and each arm's wrist camera), in model order. */
  cameraNames(): string[] {
    this.assertOpen();
    return this.scene.cameraNames();
  }

  /** An RGB picture from one of `cameraNames()`, size × size × 3 bytes, e.g. for a trial's video of that camera. */
  renderCamera(camera: string, size: number): Uint8Array {
    this.assertOpen();
    return this.scene.renderRgb(camera, size, size);
  }

  /**
   * One camera's frame now: RGB, and depth (m along the optical axis) and segmentation (geom ids: privileged, for
   * labels and tests, never for a policy's perception) when asked, with the camera's intrinsics and OpenCV-frame
   * extrinsics (camera-to-world) for back-projection.
   * @example env.cameraFrame("top", 128, { depth: true }).depth
   */
  cameraFrame(camera: string, size: number, opts: { depth?: boolean; segmentation?: boolean } = {}): RenderResult {
    this.assertOpen();
    return this.scene.cameraFrame(camera, size, opts);
  }

  /** The scene's visible geoms (types, sizes, colours), for a person's 3D view; made once. */
  sceneGeometry(): SceneGeometry {
    this.assertOpen();
    this.viewGeometry ??= mujocoSceneGeometry(this.scene.model);
    return this.viewGeometry;
  }

  /** Every visible geom's pose now (12 numbers each: position, rotation row-major), in sceneGeometry's order. */
  scenePoses(): Float32Array {
    this.assertOpen();
    this.viewPoses = mujocoScenePoses(this.scene.model, this.scene.data, this.viewPoses);
    return this.viewPoses;
  }
  private viewGeometry: SceneGeometry | undefined;
  private viewPoses: Float32Array | undefined;

  /**
   * The robot's state for safety wrappers (env/wrappers/safety-3d.ts finds an env by this method), computed on
   * demand: joint positions, ranges and servo targets (rad, arm order), the EE pose and its commanded target (m,
   * quaternion w, x, y, z, world frame), the contact force the world applies to the robot side (N, world), the grip
   * force (N, positive squeezes), and the summed normal force per body pair between the robot side (arm, fingers,
   * held bodies) and everything else, robot's body first ("pin|pin_box"). The grasp's own contacts are not in it.
   */
  robotState(): ArmRobotState {
    this.assertOpen();
    const s = this.scene;
    const qpos = s.qposView();
    const range = s.model.jnt_range as Float64Array;
    const jointLimits = this.arm.joints.map((j): [number, number] => {
      const id = s.id("joint", j);
      return [range[2 * id], range[2 * id + 1]];
    });
    const eeForce: Vec3 = [0, 0, 0]; // as eeWrench's force, from the same single walk over the contacts
    const perPair = new Map<string, { pair: string; bodies: [string, string]; normal: number }>();
    for (const c of s.contacts({ names: false })) {
      const robot1 = this.robotBodies.has(c.body1);
      if (robot1 === this.robotBodies.has(c.body2)) continue; // internal (grasp) or not the robot's
      const sign = robot1 ? -1 : 1; // c.force acts on geom2
      for (let k = 0; k < 3; k++) eeForce[k] += sign * c.force[k];
      const bodies: [string, string] = robot1
        ? [s.name("body", c.body1), s.name("body", c.body2)]
        : [s.name("body", c.body2), s.name("body", c.body1)];
      const pair = `${bodies[0]}|${bodies[1]}`;
      const entry = perPair.get(pair) ?? { pair, bodies, normal: 0 };
      entry.normal += c.normalForce;
      perPair.set(pair, entry);
    }
    return {
      jointNames: [...this.arm.joints],
      jointPositions: this.arm.joints.map((j) => qpos[s.qposAdr(j)]),
      jointLimits,
      jointTargets: Array.from(this.qCmd),
      eePosition: s.sitePos(this.arm.eeSite),
      eeQuat: matToQuat(s.siteMat(this.arm.eeSite)),
      eeTargetPosition: [...this.target.pos],
      eeTargetQuat: matToQuat(this.target.mat),
      eeForce,
      gripperForce: -s.actuatorForce()[this.gripperId],
      contactForces: [...perPair.values()],
    };
  }

  /**
   * What a well-formed `action` would command, without moving anything: the EE target pose it would set (after the
   * env's own clipping, caps and locked axes), and in joint mode the joint targets exactly as commanded (before the
   * env clamps them to the joint ranges; null in delta-ee mode).
   */
  commandedTarget(action: readonly number[]): ArmCommand {
    this.assertOpen();
    const a = this.action;
    if (a.mode === "delta-ee") {
      return { eePosition: this.deltaTarget(a, action), eeQuat: matToQuat(this.target.mat), jointTargets: null };
    }
    const raw = this.arm.joints.map((_, i) => action[i]);
    const pose = this.ik.forward(this.jointTargets(action));
    return { eePosition: [...pose.pos], eeQuat: matToQuat(pose.mat), jointTargets: raw };
  }

  /**
   * What host tools that model the station's hardware read (src/env/mujoco/tools/): the scene (read only: never
   * step, write or restore it), the driven arm's names, the action config and the EE position after the last reset.
   */
  toolView(): { scene: MjScene; arm: ArmNames; action: ArmActionConfig; startEe: Vec3 } {
    this.assertOpen();
    return { scene: this.scene, arm: this.arm, action: this.action, startEe: [...this.startEe] };
  }

  /** The action that keeps the arm's command where it is (no EE move, or the current joint targets), with the
   * other elements of `action` (the gripper) kept. */
  holdAction(action: readonly number[]): number[] {
    const nArm = this.action.mode === "delta-ee" ? 3 : this.arm.joints.length;
    const hold = this.action.mode === "delta-ee" ? [0, 0, 0] : Array.from(this.qCmd);
    return [...hold, ...Array.from(action).slice(nArm)];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ik.dispose();
    this.scene.dispose();
  }

  /**
   * Sets the arm to joint values q (and the gripper servo to `gripper`, m), makes those the servo targets and the EE
   * target their pose. For resets, before settling the scene.
   */
  protected holdArm(q: ArrayLike<number>, gripper = this.gripperCmd): void {
    const s = this.scene;
    const qpos = s.qposView();
    this.arm.joints.forEach((j, i) => {
      qpos[s.qposAdr(j)] = q[i];
    });
    this.qCmd = Float64Array.from(q);
    this.gripperCmd = gripper;
    this.writeCtrl();
    s.forward();
    this.target = this.ik.forward(this.qCmd);
  }

  /** The contact wrench the world applies to the robot side (arm, fingers, held bodies) at the EE site. */
  protected eeWrench(): [number, number, number, number, number, number] {
    const ee = this.scene.sitePos(this.arm.eeSite);
    const w: [number, number, number, number, number, number] = [0, 0, 0, 0, 0, 0];
    for (const c of this.scene.contacts({ names: false })) {
      const robot1 = this.robotBodies.has(c.body1);
      const robot2 = this.robotBodies.has(c.body2);
      if (robot1 === robot2) continue; // internal (grasp) or not ours
      // c.force acts on geom2; on geom1 it is the opposite
      const sign = robot2 ? 1 : -1;
      const f: Vec3 = [sign * c.force[0], sign * c.force[1], sign * c.force[2]];
      const r: Vec3 = [c.pos[0] - ee[0], c.pos[1] - ee[1], c.pos[2] - ee[2]];
      w[0] += f[0];
      w[1] += f[1];
      w[2] += f[2];
      w[3] += r[1] * f[2] - r[2] * f[1];
      w[4] += r[2] * f[0] - r[0] * f[2];
      w[5] += r[0] * f[1] - r[1] * f[0];
    }
    return w;
  }

  private applyAction(action: readonly number[]): void {
    const a = this.action;
    const nArm = a.mode === "delta-ee" ? 3 : this.arm.joints.length;
    const n = nArm + (a.gripper === "action" ? 1 : 0);
    const ok =
      (Array.isArray(action) || ArrayBuffer.isView(action)) &&
      action.length === n &&
      Array.from(action).every((v) => typeof v === "number" && Number.isFinite(v));
    if (!ok) {
      const got =
        Array.isArray(action) || ArrayBuffer.isView(action) ? JSON.stringify(Array.from(action)) : typeof action;
      throw new InvalidInputError(`${this.spec.id} action must be ${n} finite numbers, got ${got.slice(0, 80)}`);
    }
    if (a.gripper === "action") {
      const g = clamp(action[nArm], -1, 1);
      // +1 → closed target (force-limited squeeze), −1 → fully open
      this.gripperCmd = GRIPPER.maxOpening + ((g + 1) / 2) * (GRIPPER.closedTarget - GRIPPER.maxOpening);
    }
    if (a.mode === "delta-ee") {
      this.target = { pos: this.deltaTarget(a, action), mat: this.target.mat };
      this.qCmd = this.ik.solve(this.qCmd, this.target, { iterations: this.ikIterations }).q;
    } else {
      this.qCmd = this.jointTargets(action);
      this.target = this.ik.forward(this.qCmd);
    }
    this.writeCtrl();
  }

  /** The EE target position a delta-ee action moves to: scaled, clipped, capped per step, locked axes held. */
  private deltaTarget(a: Extract<ArmActionConfig, { mode: "delta-ee" }>, action: readonly number[]): Vec3 {
    const pos: Vec3 = [...this.target.pos];
    for (let k = 0; k < 3; k++) {
      if (a.lock?.[k]) continue;
      const d = clamp(action[k], -1, 1) * a.translationScale[k];
      pos[k] += clamp(d, -a.deltaCap[k], a.deltaCap[k]);
    }
    return pos;
  }

  /** A joint action's targets, clamped to the joints' ranges. */
  private jointTargets(action: readonly number[]): Float64Array {
    const range = this.scene.model.jnt_range as Float64Array;
    return Float64Array.from(this.arm.joints, (j, i) => {
      const id = this.scene.id("joint", j);
      return clamp(action[i], range[2 * id], range[2 * id + 1]);
    });
  }

  private writeCtrl(): void {
    const ctrl = this.scene.ctrlView();
    for (let i = 0; i < this.actuatorIds.length; i++) ctrl[this.actuatorIds[i]] = this.qCmd[i];
    ctrl[this.gripperId] = this.gripperCmd;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidInputError(`${this.name} was closed; make a new env`);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
