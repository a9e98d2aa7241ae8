/**
 * The scripted-motion layer of the procedural resets: one arm of a station moved by its own position servos through
 * differential IK, stepping the real physics (nothing is teleported). A motion moves the end effector along a
 * straight line (position interpolated, orientation turned about one axis), closes or opens the force-limited
 * gripper, or waits for the scene to settle; every physics step is charged to a `StepBudget`, which throws
 * `ResetFailedError` when a reset runs past it. Readbacks (gripper width and force, EE pose) are what a real station
 * has, so grasp checks use them.
 */
import { ResetFailedError } from "../../../core/errors.js";
import { DiffIk, type IkTarget, matMul, rotationError, rotvecToMat } from "../ik.js";
import { type ArmNames, GRIPPER } from "../robot.js";
import type { MjScene, Vec3 } from "../scene.js";

/** Motion constants shared by every procedural reset. */
export const MOTION = Object.freeze({
  tickSteps: 10, // physics steps per motion tick (20 ms at dt 2 ms): the IK target moves once per tick
  speed: 0.2, // m/s, default straight-line speed of the EE target
  turnRate: 2, // rad/s, how fast the EE target's orientation turns
  ikIterations: 10, // IK iterations per tick (the target moves a few mm per tick)
  goalIterations: 200, // IK iterations for a motion's last tick, so the goal itself is reached exactly
  reachTolerance: 0.002, // m, largest IK position error of a goal pose before it counts as unreachable
  arriveTolerance: 0.0015, // m, EE within this of the goal counts as arrived
  arriveSteps: 400, // most physics steps to wait for the EE to arrive after the target got there (0.8 s)
  gripSteps: 200, // physics steps for the gripper to close or open (0.4 s)
  settleSpeed: 0.02, // rad/s (and m/s), joint speeds below which the scene counts as settled
});

/** Physics steps a reset may spend; `charge` throws ResetFailedError past the limit. */
export class StepBudget {
  used = 0;
  constructor(
    readonly limit: number,
    private readonly what: string,
  ) {}

  charge(steps: number, doing: string): void {
    this.used += steps;
    if (this.used > this.limit) {
      throw new ResetFailedError(
        `${this.what}: ran out of its ${this.limit}-step budget while ${doing} (${this.used} physics steps spent)`,
      );
    }
  }
}

/** A row-major rotation of `angle` rad about world z. */
export function rotZ(angle: number): number[] {
  return rotvecToMat([0, 0, angle]);
}

/** Straight-line motions, gripper and waits for one arm; dispose() frees its IK twin. */
export class ArmMotion {
  private readonly ik: DiffIk;
  private readonly actuatorIds: number[];
  private readonly gripperId: number;
  private readonly qAdr: number[];
  private readonly fingerAdr: [number, number];
  private qCmd: Float64Array;

  constructor(
    private readonly scene: MjScene,
    readonly arm: ArmNames,
  ) {
    this.ik = new DiffIk(scene, arm.joints, arm.eeSite);
    this.actuatorIds = arm.actuators.map((a) => scene.id("actuator", a));
    this.gripperId = scene.id("actuator", arm.gripperActuator);
    this.qAdr = arm.joints.map((j) => scene.qposAdr(j));
    this.fingerAdr = [scene.qposAdr(arm.fingerJoints[0]), scene.qposAdr(arm.fingerJoints[1])];
    this.qCmd = this.currentQ();
  }

  /** Takes the servos' targets as they are now (call at the start of a reset: the episode left them somewhere). */
  adoptCommand(): void {
    const ctrl = this.scene.ctrlView();
    this.qCmd = Float64Array.from(this.actuatorIds, (id) => ctrl[id]);
  }

  /** The arm's joint positions now, rad. */
  currentQ(): Float64Array {
    const qpos = this.scene.qposView();
    return Float64Array.from(this.qAdr, (a) => qpos[a]);
  }

  /** The EE pose now. */
  ee(): IkTarget {
    return { pos: this.scene.sitePos(this.arm.eeSite), mat: this.scene.siteMat(this.arm.eeSite) };
  }

  /** The pose the servos are commanded to (the last motion's goal). */
  commandedPose(): IkTarget {
    return this.ik.forward(this.qCmd);
  }

  /** Gripper width between the pads, m (readback of both fingers: their soft coupling lets them drift apart). */
  width(): number {
    const qpos = this.scene.qposView();
    return qpos[this.fingerAdr[0]] + qpos[this.fingerAdr[1]];
  }

  /** Grip force, N (readback; positive squeezes). */
  gripForce(): number {
    return -this.scene.actuatorForce()[this.gripperId];
  }

  /**
   * Moves the EE target along a straight line to `goal` (position; orientation turned about one axis), then waits
   * until the EE arrives. Throws ResetFailedError if IK cannot reach the goal. Returns the EE's final error, m.
   */
  moveTo(goal: IkTarget, budget: StepBudget, opts: { speed?: number; label?: string } = {}): number {
    const label = opts.label ?? "moving";
    const start = this.commandedPose();
    const d = Math.hypot(goal.pos[0] - start.pos[0], goal.pos[1] - start.pos[1], goal.pos[2] - start.pos[2]);
    const turn = rotationError(goal.mat, start.mat);
    const angle = Math.hypot(...turn);
    const tickS = MOTION.tickSteps * this.scene.timestep;
    const ticks = Math.max(
      1,
      Math.ceil(Math.max(d / ((opts.speed ?? MOTION.speed) * tickS), angle / (MOTION.turnRate * tickS))),
    );
    for (let t = 1; t <= ticks; t++) {
      const f = t / ticks;
      const pos: Vec3 = [
        start.pos[0] + f * (goal.pos[0] - start.pos[0]),
        start.pos[1] + f * (goal.pos[1] - start.pos[1]),
        start.pos[2] + f * (goal.pos[2] - start.pos[2]),
      ];
      const mat = matMul(rotvecToMat([turn[0] * f, turn[1] * f, turn[2] * f]), start.mat);
      const iterations = t === ticks ? MOTION.goalIterations : MOTION.ikIterations;
      const solved = this.ik.solve(this.qCmd, { pos, mat }, { iterations });
      if (t === ticks && (solved.posError > MOTION.reachTolerance || solved.rotError > 0.02)) {
        throw new ResetFailedError(
          `${this.arm.prefix} arm cannot reach ${fmt(goal.pos)} while ${label} (IK leaves ` +
            `${(solved.posError * 1000).toFixed(1)} mm, ${solved.rotError.toFixed(2)} rad)`,
        );
      }
      this.qCmd = solved.q;
      this.writeArm();
      this.physics(MOTION.tickSteps, budget, label);
    }
    let err = this.distanceTo(goal.pos);
    for (let waited = 0; err > MOTION.arriveTolerance && waited < MOTION.arriveSteps; waited += MOTION.tickSteps) {
      this.physics(MOTION.tickSteps, budget, label);
      err = this.distanceTo(goal.pos);
    }
    return err;
  }

  /** Moves the EE by `delta` (m, world) keeping its commanded orientation. */
  moveBy(delta: Vec3, budget: StepBudget, opts: { speed?: number; label?: string } = {}): number {
    const c = this.commandedPose();
    return this.moveTo(
      { pos: [c.pos[0] + delta[0], c.pos[1] + delta[1], c.pos[2] + delta[2]], mat: c.mat },
      budget,
      opts,
    );
  }

  /** Closes the gripper with its force limit and waits; returns the width it stalled at, m. */
  close(budget: StepBudget, label = "closing the gripper"): number {
    this.scene.ctrlView()[this.gripperId] = GRIPPER.closedTarget;
    this.physics(MOTION.gripSteps, budget, label);
    return this.width();
  }

  /** Opens the gripper to `width` (m between the pads, default fully) and waits. */
  open(budget: StepBudget, width = 2 * GRIPPER.maxOpening, label = "opening the gripper"): void {
    this.scene.ctrlView()[this.gripperId] = Math.min(GRIPPER.maxOpening, width / 2);
    this.physics(MOTION.gripSteps, budget, label);
  }

  /** Steps until every joint is slower than MOTION.settleSpeed or `maxSteps` pass. */
  settle(budget: StepBudget, maxSteps: number, label = "settling"): void {
    for (let s = 0; s < maxSteps; s += MOTION.tickSteps) {
      this.physics(MOTION.tickSteps, budget, label);
      const qvel = this.scene.qvelView();
      let fast = 0;
      for (let i = 0; i < qvel.length; i++) fast = Math.max(fast, Math.abs(qvel[i]));
      if (fast < MOTION.settleSpeed) return;
    }
  }

  /** Steps the physics `steps` times with the current commands, charged to `budget`. */
  physics(steps: number, budget: StepBudget, label: string): void {
    budget.charge(steps, label);
    this.scene.step(steps);
  }

  dispose(): void {
    this.ik.dispose();
  }

  private distanceTo(p: Vec3): number {
    const ee = this.scene.sitePos(this.arm.eeSite);
    return Math.hypot(ee[0] - p[0], ee[1] - p[1], ee[2] - p[2]);
  }

  private writeArm(): void {
    const ctrl = this.scene.ctrlView();
    for (let i = 0; i < this.actuatorIds.length; i++) ctrl[this.actuatorIds[i]] = this.qCmd[i];
  }
}

/** A position in millimetres for messages. */
export function fmt(p: readonly number[]): string {
  return `(${p.map((v) => (v * 1000).toFixed(1)).join(", ")}) mm`;
}
