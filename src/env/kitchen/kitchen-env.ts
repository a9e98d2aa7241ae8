/**
 * KitchenEnv: the base of the kitchen tasks. It implements `Env` for the mobile manipulator of robot.ts in a kitchen
 * scene (a subclass supplies the scene's worldbody children, the reset and the verdict): control at 20 Hz with
 * 25 physics substeps of 2 ms, RoboCasa's 12-D action, proprioceptive observations, the robot's cameras, and
 * `close()` that frees every WebAssembly object.
 *
 * Why not ArmEnv (../mujoco/arm-env.ts): its action handling is private and fixed to a 3-D (+ gripper) translation
 * in the world frame with the orientation held; a kitchen needs rotation deltas, targets that ride with a moving
 * base, base and torso commands and a mode switch. Extending it would mean changing arm-env.ts for every task, so
 * this base reuses its pieces instead (DiffIk and the rotation helpers of ik.ts, the arm and gripper of robot.ts,
 * MjScene, the scene-view readers) and keeps ArmEnv's shapes where they mean the same (robotState() for the 3D
 * safety wrappers, TaskStepOutcome, cameraFrame()).
 *
 * Action (12 numbers, each clipped to [-1, 1]; RoboCasa's PandaOmron layout)
 *   0-2   end-effector delta position in the base frame, × 0.05 m per step (RoboCasa's OSC output_max)
 *   3-5   end-effector delta rotation, axis-angle in the base frame, × 0.5 rad per step
 *   6     gripper: −1 open (8 cm between the pads, the Panda hand's) .. +1 closed (squeezing with the 15 N force limit)
 *   7-9   base motion: forward vx, left vy (× 0.5 m/s) and yaw rate (× 1 rad/s), in the base's own frame
 *   10    torso: lift rate × 0.2 m/s (range 0 .. 0.45 m)
 *   11    control mode: > 0 is RoboCasa's "base mode" (elements 7-10 drive the base and torso, the arm holds its
 *         pose relative to the base, so the hand rides along), ≤ 0 is arm mode (elements 0-5 move the hand, the
 *         base and torso hold). The gripper obeys element 6 in both modes.
 *   As RoboCasa's OSC, the hand's goal is its position now moved by the deltas (so a proportional controller on the
 *   observed position converges); its orientation goal accumulates from the last goal (so translating never turns
 *   the hand). Differential IK (7 joints, position and orientation) turns the goal into joint targets for
 *   the arm's servos, and a zero arm action holds the joint targets. The base's servo targets move like velocity
 *   commands and lead the base by at most 0.1 m / 0.25 rad, so a base pressed against a counter stops instead of
 *   winding up.
 * Observation (1-D, names in kitchenProprioNames(), then the task's own numbers)
 *   7 arm joints rad · torso lift m · EE position m and quaternion w, x, y, z (world) · EE position m and quaternion
 *   (base frame) · gripper width m · gripper force N (positive squeezes) · base x, y m and yaw rad (world).
 * Cameras robot0_agentview_left (render()'s view), robot0_agentview_right, robot0_eye_in_hand, then the scene's own.
 *
 * A subclass: passes its spec, the robot's start pose and its scene MJCF (worldbody children) to the constructor;
 * `resetScene(seed)` draws only from the seed and sets the scene (the robot is already at home at the start pose, the
 * rest of the scene at its model defaults; it may call placeRobot()); `afterControlStep()` judges each step;
 * `verify()` gives the verdict; `taskState()` adds numbers to the observation; `onSubstep()` watches each substep;
 * `modelFor(seed)` gives another kitchen for a seed (reset recompiles when it differs from the current one).
 */
import type { Env, SceneGeometry, StepResult, TaskSpec, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import type { BoxSpace } from "../../core/space.js";
import type { ArmRobotState, TaskStepOutcome } from "../mujoco/arm-env.js";
import { DiffIk, type IkTarget, matMul, matToQuat, rotvecToMat } from "../mujoco/ik.js";
import type { RenderResult } from "../mujoco/render/index.js";
import { GRIPPER } from "../mujoco/robot.js";
import { MjScene, type Vec3 } from "../mujoco/scene.js";
import { mujocoSceneGeometry, mujocoScenePoses } from "../mujoco/scene-view.js";
import { MOBILE, type MobileManipulatorNames, mobileManipulatorNames } from "./robot.js";

/** The control constants every kitchen task shares (RoboCasa's where it has them). */
export const KITCHEN_CONTROL = Object.freeze({
  controlHz: 20, // policy steps per second (RoboCasa's), 25 physics steps of 2 ms
  maxDeltaPos: 0.05, // m per step at |action| = 1 (RoboCasa's OSC output_max for position)
  maxDeltaRot: 0.5, // rad per step at |action| = 1 (its output_max for rotation)
  baseMaxSpeed: 0.5, // m/s of the base at |vx| or |vy| = 1
  baseMaxYawRate: 1, // rad/s of the base at |yaw rate| = 1
  torsoMaxSpeed: 0.2, // m/s of the lift at |torso| = 1
  baseLeadM: 0.1, // m, most the base's servo target leads the base (a blocked base stops, it does not wind up)
  baseLeadRad: 0.25, // rad, the same for the yaw
  ikIterations: 10, // Newton steps of the differential IK per control step (the target moves ≤ 5 cm per step)
  homeArm: [0, 0, 0, 1.9, Math.PI - 1.9, 0, 0] as readonly number[], // rad: hand 0.44 m ahead, 1.16 m up, tool down
  homeTorso: 0, // m
});

/** The 12 action elements' names, in order. */
export const KITCHEN_ACTION_NAMES: readonly string[] = Object.freeze([
  "eef dx (×0.05 m, base frame)",
  "eef dy (×0.05 m, base frame)",
  "eef dz (×0.05 m, base frame)",
  "eef drx (×0.5 rad, axis-angle, base frame)",
  "eef dry (×0.5 rad, axis-angle, base frame)",
  "eef drz (×0.5 rad, axis-angle, base frame)",
  "gripper (−1 open, +1 close)",
  "base vx (×0.5 m/s, forward)",
  "base vy (×0.5 m/s, left)",
  "base yaw rate (×1 rad/s)",
  "torso (×0.2 m/s, up)",
  "control mode (>0 base, ≤0 arm)",
]);

/** The action space of every kitchen task. */
export function kitchenActionSpace(): BoxSpace {
  return { kind: "box", shape: [12], low: -1, high: 1, dtype: "float64", names: [...KITCHEN_ACTION_NAMES] };
}

/** The names of the robot's proprioception: what observe() returns before the task's own numbers. */
export function kitchenProprioNames(names: MobileManipulatorNames = mobileManipulatorNames()): string[] {
  const pose = (frame: string) => [
    `ee x m (${frame})`,
    `ee y m (${frame})`,
    `ee z m (${frame})`,
    `ee quat w (${frame})`,
    `ee quat x (${frame})`,
    `ee quat y (${frame})`,
    `ee quat z (${frame})`,
  ];
  return [
    ...names.arm.joints.map((j) => `${j} rad`),
    `${names.torsoJoint} m`,
    ...pose("world"),
    ...pose("base"),
    "gripper width m",
    "gripper force N",
    "base x m (world)",
    "base y m (world)",
    "base yaw rad (world)",
  ];
}

/** The observation space: the proprioception, then a task's own numbers. */
export function kitchenObservationSpace(taskNames: readonly string[] = []): BoxSpace {
  const names = [...kitchenProprioNames(), ...taskNames];
  return { kind: "box", shape: [names.length], low: -1000, high: 1000, dtype: "float64", names };
}

/**
 * The robot and a kitchen in one model: the scene's worldbody children (fixtures, objects) join the robot model's
 * worldbody.
 */
export function kitchenModelXml(robotMjcf: string, sceneMjcf: string): string {
  const close = "</worldbody>";
  const at = robotMjcf.indexOf(close);
  if (at < 0 || robotMjcf.indexOf(close, at + 1) >= 0) {
    throw new Error("the robot's MJCF must have exactly one <worldbody> with children (robot.ts writes one)");
  }
  return `${robotMjcf.slice(0, at)}${sceneMjcf}\n${robotMjcf.slice(at)}`;
}

export interface KitchenEnvConfig {
  spec: TaskSpec; // its actionSpace should be kitchenActionSpace(), its observationSpace kitchenObservationSpace()
  robotMjcf: string; // robot.ts mobileManipulatorMjcf(start pose)
  sceneMjcf: string; // the kitchen's worldbody children (fixtures and objects)
  /** Bodies (besides the robot's) whose contacts with the world count as the robot's, e.g. a held mug. */
  heldBodies?: string[];
}

/** The base's pose in the world: position m (on the floor) and heading rad. */
export interface BasePose {
  pos: [number, number];
  yaw: number;
}

export abstract class KitchenEnv implements Env<number[], readonly number[]> {
  readonly name: string;
  readonly spec: TaskSpec;
  /** The scene now (rebuilt by reset when modelFor(seed) gives another kitchen). */
  protected scene!: MjScene;
  protected readonly robot: MobileManipulatorNames;
  /** Differential IK for the arm on the scene now. */
  protected ik!: DiffIk;
  protected readonly substeps: number;
  /** The hand's target in the arm mount's frame (position m, orientation row-major). */
  protected handTarget: IkTarget = { pos: [0, 0, 0], mat: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  /** Arm joint targets now, rad. */
  protected qCmd: Float64Array;
  /** Servo targets of the base joints (x, y m in the start frame, yaw rad), the torso (m) and the finger slide (m). */
  protected baseCmd: [number, number, number] = [0, 0, 0];
  protected torsoCmd = 0;
  protected gripperCmd: number = MOBILE.gripperOpening;
  private readonly heldBodies: readonly string[];
  private xml = "";
  private initialState!: Float64Array;
  private armActuators!: number[];
  private baseActuators!: number[];
  private torsoActuator!: number;
  private gripperActuator!: number;
  private qposOf!: { arm: number[]; base: number[]; torso: number; fingers: [number, number] };
  private mountBody!: number;
  private baseBody!: number;
  private robotBodies!: Set<number>;
  private readonly torsoRange: [number, number];
  private viewGeometry: SceneGeometry | undefined;
  private viewPoses: Float32Array | undefined;
  private started = false;
  private closed = false;

  constructor(config: KitchenEnvConfig) {
    this.spec = config.spec;
    this.name = `${config.spec.id}@${config.spec.version}`;
    this.robot = mobileManipulatorNames();
    this.heldBodies = [...(config.heldBodies ?? [])];
    this.build(kitchenModelXml(config.robotMjcf, config.sceneMjcf));
    const steps = 1 / (config.spec.controlHz * this.scene.timestep);
    if (Math.abs(steps - Math.round(steps)) > 1e-6) {
      this.close();
      throw new InvalidInputError(
        `controlHz ${config.spec.controlHz} is not a whole number of ${this.scene.timestep} s physics steps`,
      );
    }
    this.substeps = Math.round(steps);
    this.torsoRange = [MOBILE.torsoRange[0], MOBILE.torsoRange[1]];
    this.qCmd = Float64Array.from(KITCHEN_CONTROL.homeArm);
  }

  /**
   * The kitchen an episode's seed runs in, or null to keep the one the env has (the default: the constructor's).
   * A task whose layout and style follow the seed (RoboCasa's (seed, layout_id, style_id) triplets) returns the
   * robot and scene MJCF for it; reset compiles it when it differs from the current one (tens of ms), so
   * sceneGeometry() can change between episodes.
   */
  protected modelFor(_seed: number): { robotMjcf: string; sceneMjcf: string } | null {
    return null;
  }

  /** Puts the scene in the episode's initial state, from the seed only (the robot is at home when it is called). */
  protected abstract resetScene(seed: number): void;
  /** Judges a control step that just ended. */
  protected abstract afterControlStep(): TaskStepOutcome;
  abstract verify(): Verification;
  /** Called after every physics substep (e.g. to watch contact forces). */
  protected onSubstep(): void {}
  /** The task's own numbers after the proprioception in the observation. */
  protected taskState(): number[] {
    return [];
  }

  reset(opts: { seed: number }): number[] {
    this.assertOpen();
    const seed = opts?.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new InvalidInputError(`${this.spec.id} seed must be an integer in 0..4294967295, got ${String(seed)}`);
    }
    const next = this.modelFor(seed);
    if (next) {
      const xml = kitchenModelXml(next.robotMjcf, next.sceneMjcf);
      if (xml !== this.xml) {
        this.build(xml);
        this.viewGeometry = undefined;
        this.viewPoses = undefined;
      }
    }
    this.scene.restoreState(this.initialState); // every body at its model default, time 0, no warm start
    this.placeRobot({});
    this.resetScene(seed);
    this.scene.forward();
    this.started = true;
    return this.observe();
  }

  step(action: readonly number[]): StepResult<number[]> {
    this.assertOpen();
    if (!this.started) throw new InvalidInputError(`${this.spec.id} step() called before reset({ seed })`);
    this.applyAction(action);
    for (let i = 0; i < this.substeps; i++) {
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

  /** The observation now: the robot's proprioception (kitchenProprioNames), then the task's numbers. */
  observe(): number[] {
    this.assertOpen();
    return [...this.proprio(), ...this.taskState()];
  }

  /** The robot's proprioception now, as kitchenProprioNames. */
  proprio(): number[] {
    this.assertOpen();
    const s = this.scene;
    const qpos = s.qposView();
    const ee = s.sitePos(this.robot.arm.eeSite);
    const eeMat = s.siteMat(this.robot.arm.eeSite);
    const base = this.basePose();
    const inBase = this.toBaseFrame(ee, eeMat);
    return [
      ...this.qposOf.arm.map((a) => qpos[a]),
      qpos[this.qposOf.torso],
      ...ee,
      ...matToQuat(eeMat),
      ...inBase.pos,
      ...matToQuat(inBase.mat),
      qpos[this.qposOf.fingers[0]] + qpos[this.qposOf.fingers[1]], // the pads' gap (the coupling is soft)
      -s.actuatorForce()[this.gripperActuator],
      base.pos[0],
      base.pos[1],
      base.yaw,
    ];
  }

  /** The end-effector (between the finger pads) in the world, m. */
  eeWorldPos(): Vec3 {
    this.assertOpen();
    return this.scene.sitePos(this.robot.arm.eeSite);
  }

  /** The base's pose in the world. */
  basePose(): BasePose {
    this.assertOpen();
    const p = this.scene.bodyPos(this.baseBody);
    const m = this.scene.bodyMat(this.baseBody);
    return { pos: [p[0], p[1]], yaw: Math.atan2(m[3], m[0]) };
  }

  /** The robot's cameras (agentview_left, agentview_right, eye_in_hand), then the scene's own, in model order. */
  cameraNames(): string[] {
    this.assertOpen();
    const c = this.robot.cameras;
    const own = [c.agentviewLeft, c.agentviewRight, c.eyeInHand];
    const all = this.scene.cameraNames();
    return [...own, ...all.filter((n) => !own.includes(n))];
  }

  /** An RGB picture from robot0_agentview_left, size × size × 3 bytes. */
  render(size: number): Uint8Array {
    return this.renderCamera(this.robot.cameras.agentviewLeft, size);
  }

  /** An RGB picture from one of cameraNames(), size × size × 3 bytes. */
  renderCamera(camera: string, size: number): Uint8Array {
    this.assertOpen();
    return this.scene.renderRgb(camera, size, size);
  }

  /**
   * One camera's frame now: RGB, and depth (m along the optical axis) and segmentation (geom ids: privileged, never
   * for a policy's perception) when asked, with intrinsics and OpenCV-frame extrinsics (camera-to-world).
   * @example env.cameraFrame("robot0_eye_in_hand", 256, { depth: true }).depth
   */
  cameraFrame(camera: string, size: number, opts: { depth?: boolean; segmentation?: boolean } = {}): RenderResult {
    this.assertOpen();
    return this.scene.cameraFrame(camera, size, opts);
  }

  /** The scene's visible geoms for a person's 3D view; made once. */
  sceneGeometry(): SceneGeometry {
    this.assertOpen();
    this.viewGeometry ??= mujocoSceneGeometry(this.scene.model);
    return this.viewGeometry;
  }

  /**
   * The scene, for host tools that model the station (the segmenter's colours, the robot self-filter); they read it
   * and never move it, nor read an object's pose from it.
   */
  toolView(): { scene: MjScene } {
    this.assertOpen();
    return { scene: this.scene };
  }

  /** Every visible geom's pose now (12 numbers each), in sceneGeometry's order. */
  scenePoses(): Float32Array {
    this.assertOpen();
    this.viewPoses = mujocoScenePoses(this.scene.model, this.scene.data, this.viewPoses);
    return this.viewPoses;
  }

  /**
   * The robot's state for the 3D safety wrappers (env/wrappers/safety-3d.ts), as ArmEnv's: the arm's 7 joints, the
   * hand's pose and its commanded target in the world, the contact force the world applies to the robot (base, torso,
   * arm, fingers, held bodies), the grip force, and the normal force per robot/world body pair.
   */
  robotState(): ArmRobotState {
    this.assertOpen();
    const s = this.scene;
    const qpos = s.qposView();
    const range = s.model.jnt_range as Float64Array;
    const eeForce: Vec3 = [0, 0, 0];
    const perPair = new Map<string, { pair: string; bodies: [string, string]; normal: number }>();
    for (const c of s.contacts({ names: false })) {
      const robot1 = this.robotBodies.has(c.body1);
      if (robot1 === this.robotBodies.has(c.body2)) continue; // internal (a grasp) or not the robot's
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
    const target = this.worldTarget(this.handTarget);
    return {
      jointNames: [...this.robot.arm.joints],
      jointPositions: this.qposOf.arm.map((a) => qpos[a]),
      jointLimits: this.robot.arm.joints.map((j): [number, number] => {
        const id = s.id("joint", j);
        return [range[2 * id], range[2 * id + 1]];
      }),
      jointTargets: Array.from(this.qCmd),
      eePosition: s.sitePos(this.robot.arm.eeSite),
      eeQuat: matToQuat(s.siteMat(this.robot.arm.eeSite)),
      eeTargetPosition: [...target.pos],
      eeTargetQuat: matToQuat(target.mat),
      eeForce,
      gripperForce: -s.actuatorForce()[this.gripperActuator],
      contactForces: [...perPair.values()],
    };
  }

  /** Where a well-formed action would send the hand (world frame), without moving anything. */
  commandedTarget(action: readonly number[]): {
    eePosition: Vec3;
    eeQuat: [number, number, number, number];
    jointTargets: null;
  } {
    this.assertOpen();
    const a = this.checkedAction(action);
    const moves = a[11] <= 0 && a.slice(0, 6).some((v) => v !== 0);
    const target = this.worldTarget(moves ? this.handGoal(a) : this.handTarget);
    return { eePosition: [...target.pos], eeQuat: matToQuat(target.mat), jointTargets: null };
  }

  /** The action that holds the robot where it is commanded (no hand, base or torso motion), gripper and mode kept. */
  holdAction(action: readonly number[]): number[] {
    const a = Array.from(action);
    return [0, 0, 0, 0, 0, 0, a[6] ?? 0, 0, 0, 0, 0, a[11] ?? -1];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ik?.dispose();
    this.scene.dispose();
  }

  /**
   * Puts the robot at rest: the base at its start pose moved by `base` (x, y m in the start frame, yaw rad), the torso
   * at `torso` m, the arm at joint values `arm` (rad) and the finger servo at `gripper` (m, MOBILE.gripperOpening
   * open); these become the servo targets and the hand's target their pose. Defaults: home, open. For resets.
   */
  protected placeRobot(opts: { base?: Vec3; torso?: number; arm?: readonly number[]; gripper?: number }): void {
    const s = this.scene;
    const qpos = s.qposView();
    const qvel = s.qvelView();
    const base = opts.base ?? [0, 0, 0];
    const arm = opts.arm ?? KITCHEN_CONTROL.homeArm;
    this.baseCmd = [base[0], base[1], base[2]];
    this.torsoCmd = clamp(opts.torso ?? KITCHEN_CONTROL.homeTorso, this.torsoRange[0], this.torsoRange[1]);
    this.qCmd = Float64Array.from(arm);
    this.gripperCmd = opts.gripper ?? MOBILE.gripperOpening;
    this.qposOf.base.forEach((a, i) => {
      qpos[a] = base[i];
    });
    qpos[this.qposOf.torso] = this.torsoCmd;
    this.qposOf.arm.forEach((a, i) => {
      qpos[a] = arm[i];
    });
    for (const j of [...this.robot.baseJoints, this.robot.torsoJoint, ...this.robot.arm.joints]) {
      qvel[s.dofAdr(j)] = 0;
    }
    this.writeCtrl();
    s.forward();
    this.handTarget = this.toMountFrame(this.ik.forward(this.qCmd));
  }

  /** Compiles a kitchen model and looks up everything the env drives and reads in it; then frees the old one. */
  private build(xml: string): void {
    const s = MjScene.fromXml(xml);
    let ik: DiffIk | undefined;
    try {
      const r = this.robot;
      ik = new DiffIk(s, r.arm.joints, r.arm.eeSite);
      this.armActuators = r.arm.actuators.map((a) => s.id("actuator", a));
      this.baseActuators = r.baseActuators.map((a) => s.id("actuator", a));
      this.torsoActuator = s.id("actuator", r.torsoActuator);
      this.gripperActuator = s.id("actuator", r.arm.gripperActuator);
      this.qposOf = {
        arm: r.arm.joints.map((j) => s.qposAdr(j)),
        base: r.baseJoints.map((j) => s.qposAdr(j)),
        torso: s.qposAdr(r.torsoJoint),
        fingers: [s.qposAdr(r.arm.fingerJoints[0]), s.qposAdr(r.arm.fingerJoints[1])],
      };
      this.mountBody = s.id("body", r.arm.bodies[0]);
      this.baseBody = s.id("body", r.baseBody);
      this.robotBodies = new Set([...r.bodies, ...this.heldBodies].map((b) => s.id("body", b)));
    } catch (err) {
      ik?.dispose();
      s.dispose();
      throw err;
    }
    this.ik?.dispose();
    this.scene?.dispose();
    this.ik = ik;
    this.scene = s;
    this.xml = xml;
    this.initialState = s.saveState();
  }

  private applyAction(action: readonly number[]): void {
    const a = this.checkedAction(action);
    // +1 → the closed target (the force limit squeezes), −1 → fully open
    this.gripperCmd = MOBILE.gripperOpening + ((a[6] + 1) / 2) * (GRIPPER.closedTarget - MOBILE.gripperOpening);
    if (a[11] > 0) this.moveBase(a);
    else this.moveHand(a);
    this.writeCtrl();
  }

  /**
   * Arm mode, as RoboCasa's OSC: the hand's goal is its position now and its last goal orientation, moved by the
   * action's deltas (base frame), and IK from the joints now finds the joint targets. The orientation accumulates
   * from the goal, not the measured hand, so translating never turns the hand (the servos lag a fast move by up to
   * 0.3 rad). A zero arm action keeps the joint targets as they are (a hold).
   */
  private moveHand(a: number[]): void {
    if (a.slice(0, 6).every((v) => v === 0)) return;
    this.handTarget = this.handGoal(a);
    const qpos = this.scene.qposView();
    const qNow = this.qposOf.arm.map((adr) => qpos[adr]);
    this.qCmd = this.ik.solve(qNow, this.worldTarget(this.handTarget), {
      iterations: KITCHEN_CONTROL.ikIterations,
    }).q;
  }

  /** Base mode: the base's and torso's servo targets move like velocity commands, leading the robot a little. */
  private moveBase(a: number[]): void {
    const C = KITCHEN_CONTROL;
    const dt = 1 / this.spec.controlHz;
    const qpos = this.scene.qposView();
    const [ax, ay, ayaw] = this.qposOf.base.map((adr) => qpos[adr]);
    const yaw = this.baseCmd[2];
    const vx = a[7] * C.baseMaxSpeed;
    const vy = a[8] * C.baseMaxSpeed;
    // the slides run along the start frame's axes; the command is in the base's own (turned) frame
    const x = this.baseCmd[0] + (Math.cos(yaw) * vx - Math.sin(yaw) * vy) * dt;
    const y = this.baseCmd[1] + (Math.sin(yaw) * vx + Math.cos(yaw) * vy) * dt;
    this.baseCmd = [
      clamp(x, ax - C.baseLeadM, ax + C.baseLeadM),
      clamp(y, ay - C.baseLeadM, ay + C.baseLeadM),
      clamp(yaw + a[9] * C.baseMaxYawRate * dt, ayaw - C.baseLeadRad, ayaw + C.baseLeadRad),
    ];
    this.torsoCmd = clamp(this.torsoCmd + a[10] * C.torsoMaxSpeed * dt, this.torsoRange[0], this.torsoRange[1]);
  }

  /** The hand's goal after an arm-mode action (mount frame, whose axes are the base frame's): see moveHand. */
  private handGoal(a: readonly number[]): IkTarget {
    const C = KITCHEN_CONTROL;
    const ee = this.toMountFrame({ pos: this.scene.sitePos(this.robot.arm.eeSite), mat: IDENTITY }).pos;
    const rot = rotvecToMat([a[3] * C.maxDeltaRot, a[4] * C.maxDeltaRot, a[5] * C.maxDeltaRot]);
    return {
      pos: [ee[0] + a[0] * C.maxDeltaPos, ee[1] + a[1] * C.maxDeltaPos, ee[2] + a[2] * C.maxDeltaPos],
      mat: matMul(rot, this.handTarget.mat),
    };
  }

  /** A 12-number action, clipped to [-1, 1]; throws InvalidInputError naming what was wrong. */
  private checkedAction(action: readonly number[]): number[] {
    const ok =
      (Array.isArray(action) || ArrayBuffer.isView(action)) &&
      action.length === 12 &&
      Array.from(action).every((v) => typeof v === "number" && Number.isFinite(v));
    if (!ok) {
      const got =
        Array.isArray(action) || ArrayBuffer.isView(action) ? JSON.stringify(Array.from(action)) : typeof action;
      throw new InvalidInputError(
        `${this.spec.id} action must be 12 finite numbers (${KITCHEN_ACTION_NAMES.join(", ")}), got ${got.slice(0, 80)}`,
      );
    }
    return Array.from(action, (v) => clamp(v, -1, 1));
  }

  /** A pose in the arm mount's frame, in the world (with the mount where it is now). */
  private worldTarget(t: IkTarget): IkTarget {
    const p = this.scene.bodyPos(this.mountBody);
    const R = this.scene.bodyMat(this.mountBody);
    return { pos: add(p, rotate(R, t.pos)), mat: matMul(R, t.mat) };
  }

  /** A world pose in the arm mount's frame. */
  private toMountFrame(t: IkTarget): IkTarget {
    const p = this.scene.bodyPos(this.mountBody);
    const R = this.scene.bodyMat(this.mountBody);
    return { pos: rotateT(R, sub(t.pos, p)), mat: matMul(transpose(R), t.mat) };
  }

  /** A world pose in the base's frame. */
  private toBaseFrame(pos: Vec3, mat: readonly number[]): IkTarget {
    const p = this.scene.bodyPos(this.baseBody);
    const R = this.scene.bodyMat(this.baseBody);
    return { pos: rotateT(R, sub(pos, p)), mat: matMul(transpose(R), mat) };
  }

  private writeCtrl(): void {
    const ctrl = this.scene.ctrlView();
    for (let i = 0; i < this.armActuators.length; i++) ctrl[this.armActuators[i]] = this.qCmd[i];
    for (let i = 0; i < 3; i++) ctrl[this.baseActuators[i]] = this.baseCmd[i];
    ctrl[this.torsoActuator] = this.torsoCmd;
    ctrl[this.gripperActuator] = this.gripperCmd;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidInputError(`${this.name} was closed; make a new env`);
  }
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
/** R · v for a row-major 3×3 R. */
function rotate(R: readonly number[], v: Vec3): Vec3 {
  return [
    R[0] * v[0] + R[1] * v[1] + R[2] * v[2],
    R[3] * v[0] + R[4] * v[1] + R[5] * v[2],
    R[6] * v[0] + R[7] * v[1] + R[8] * v[2],
  ];
}
/** Rᵀ · v for a row-major 3×3 R. */
function rotateT(R: readonly number[], v: Vec3): Vec3 {
  return [
    R[0] * v[0] + R[3] * v[1] + R[6] * v[2],
    R[1] * v[0] + R[4] * v[1] + R[7] * v[2],
    R[2] * v[0] + R[5] * v[1] + R[8] * v[2],
  ];
}
function transpose(R: readonly number[]): number[] {
  return [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
}
