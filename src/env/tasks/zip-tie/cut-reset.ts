/**
 * Zip-tie cutting's procedural reset: a cut strap cannot be uncut, so the station has a zip-tie magazine (a
 * fixture beside the post) that hangs a fresh zip tie from the head at the same place every episode, and the
 * right arm does the rest itself by stepping the real physics (ArmMotion): it opens the blades and backs away from
 * whatever the last episode left (a cut stub, a strap pinched between the blades), waits while the magazine hangs a
 * fresh strap, finds the strap on its wrist camera's pixels (the station's segmenter, `segmentAllIn` with the query
 * "strap", never the simulator's poses), checks that it hangs where the magazine presents it, and comes back with its
 * blades open at the seed's gap to put the strap between them at the seed's start offsets (the paper: "reset to the
 * scissor-grasp onset"). Checks: the strap seen and hanging straight, the blades arrived, nothing pinched between
 * them (the jaws' width readback), the strap seen between the blades afterwards; each failure is a ResetFailedError
 * sentence, and runProcedure retries.
 *
 * What the simulation does for the fixture, plainly: the magazine's work (taking the old strap away and hanging a new
 * one) is done by putting the strap's 16 segments back to their presented pose (straight down from the head, at rest)
 * and switching every link back on (`presentFreshStrap`). Nothing the robot does is teleported.
 */
import { ResetFailedError } from "../../../core/errors.js";
import type { ArmEnv } from "../../mujoco/arm-env.js";
import { ArmMotion, fmt, type StepBudget } from "../../mujoco/reset/motion.js";
import { type ArmNames, GRIPPER } from "../../mujoco/robot.js";
import type { MjScene, Vec3 } from "../../mujoco/scene.js";
import { pixelToWorld, segmentAllIn } from "../../mujoco/tools/segment.js";
import type { EqSwitch } from "./eq-switch.js";
import { HEAD, STRAP, segName } from "./strap.js";

/** The cut reset script's constants. */
export const CUT_RESET = Object.freeze({
  attempts: 3, // tries of the whole script before ResetFailedError
  budgetSteps: 6000, // physics steps per try (12 s simulated)
  backOff: 0.05, // m, how far the blades back away along the tool axis (−x) from where the episode left them
  look: [0.33, -0.2, 0.17] as Vec3, // m, the EE while the wrist camera looks at the strap (70 mm in front of it)
  camera: "right_wrist_cam", // the camera that finds the strap (it looks along the tool axis, +x)
  cameraSize: 128, // px, side of the wrist camera's frame
  presentSettleSteps: 150, // physics steps for a freshly hung strap to come to rest (0.3 s)
  seenBand: [0.01, 0.06] as [number, number], // m below the head: the strap's part that must be seen
  minSeenLength: 0.03, // m, the strap must be seen over at least this much height (a fresh one hangs 96 mm)
  lineTolerance: 0.003, // m, the seen strap's line this close (x, y) to the magazine's presentation line
  approach: 0.05, // m, the blades come in along +x from this far in front of the start
  approachSpeed: 0.05, // m/s, the last few centimetres to the start
  pinched: 0.001, // m, a jaw width this much under the commanded gap means something is between the pads
  settleSteps: 150, // physics steps of settling at the start (0.3 s, as the state reset)
});

// the blades' orientation: tool axis (hand z) along +x, the hand's x down, so they close along world y
const FORWARD = [0, 0, 1, 0, 1, 0, -1, 0, 0];

/**
 * ArmMotion for the cut station: the strap's bending springs are torques written before every physics step
 * (StrapBending), so the reset's motions step the physics one step at a time through `beforeStep`.
 */
export class StrapArmMotion extends ArmMotion {
  constructor(
    private readonly stepScene: MjScene,
    arm: ArmNames,
    private readonly beforeStep: () => void,
  ) {
    super(stepScene, arm);
  }

  override physics(steps: number, budget: StepBudget, label: string): void {
    budget.charge(steps, label);
    for (let i = 0; i < steps; i++) {
      this.beforeStep();
      this.stepScene.step(1);
    }
  }
}

/**
 * The magazine's work (the fixture, not the robot): the old strap goes, a fresh one hangs from the head. In
 * simulation: every segment back to its presented pose (the model's reference pose: straight down from the head),
 * at rest, every link on.
 */
export function presentFreshStrap(scene: MjScene, eq: EqSwitch, connectIds: readonly number[]): void {
  const qpos = scene.qposView();
  const qvel = scene.qvelView();
  const qpos0 = scene.model.qpos0 as Float64Array;
  for (let k = 0; k < STRAP.segments; k++) {
    const a = scene.qposAdr(`${segName(k)}_free`);
    qpos.set(qpos0.subarray(a, a + 7), a);
    const v = scene.dofAdr(`${segName(k)}_free`);
    qvel.fill(0, v, v + 6);
  }
  eq.set(new Map(connectIds.map((id) => [id, true])));
  scene.forward();
}

/** Where the strap was seen: its line (x, y, m) and how much of its height the camera saw. */
export interface StrapSighting {
  x: number; // m, the strap's axis (the seen front face plus its radius)
  y: number;
  seenLength: number; // m, height span of the seen points in the band under the head
  points: number;
}

/**
 * Finds the hanging strap on the wrist camera's pixels (segmentAllIn "strap", the robot blanked by its self-filter)
 * and back-projects its mask through depth: the points in the band under the head give the strap's line.
 */
export function seeStrap(env: ArmEnv): StrapSighting | null {
  const size = CUT_RESET.cameraSize;
  const seen = segmentAllIn(env, { query: "strap", camera: CUT_RESET.camera, size });
  const depth = seen.frame.depth as Float32Array;
  const [hx, hy, hz] = HEAD.anchor;
  let best: StrapSighting | null = null;
  for (const d of seen.detections) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < d.maskBytes.length; i++) {
      if (!d.maskBytes[i] || !Number.isFinite(depth[i])) continue;
      const w = pixelToWorld(seen.frame, i % size, Math.floor(i / size), depth[i]);
      const below = hz - w[2];
      // the band under the head, within 2 cm of the magazine's line (the post and bracket are elsewhere)
      if (below < CUT_RESET.seenBand[0] || below > CUT_RESET.seenBand[1]) continue;
      if (Math.abs(w[0] - hx) > 0.02 || Math.abs(w[1] - hy) > 0.02) continue;
      sx += w[0];
      sy += w[1];
      n++;
      lo = Math.min(lo, w[2]);
      hi = Math.max(hi, w[2]);
    }
    if (n < 4) continue;
    const s = { x: sx / n + STRAP.radius, y: sy / n, seenLength: hi - lo, points: n };
    if (!best || s.points > best.points) best = s;
  }
  return best;
}

/** The seed's start: the cutting point and the blades' gap. */
export interface CutStart {
  pos: Vec3; // m, world
  gap: number; // m between the blades
}

/**
 * Re-stages the cut: ends with a fresh strap between the open blades at `start`. `present` is the magazine's work;
 * `env` gives the wrist camera. Returns what the reset found. Throws ResetFailedError with what failed.
 */
export function restageCut(
  env: ArmEnv,
  motion: ArmMotion,
  present: () => void,
  start: CutStart,
  budget: StepBudget,
): string {
  const R = CUT_RESET;
  motion.adoptCommand();
  motion.open(budget, 2 * GRIPPER.maxOpening, "opening the blades");
  const from = motion.commandedPose();
  motion.moveTo({ pos: [from.pos[0] - R.backOff, from.pos[1], from.pos[2]], mat: FORWARD }, budget, {
    label: "backing the blades away from the strap",
  });
  motion.moveTo({ pos: R.look, mat: FORWARD }, budget, { label: "moving to look at the magazine" });
  present();
  motion.settle(budget, R.presentSettleSteps, "waiting for the fresh strap to hang still");
  const seen = seeStrap(env);
  if (!seen) {
    throw new ResetFailedError(
      `the wrist camera does not see a strap hanging 10-60 mm under the head at ${fmt(HEAD.anchor)}`,
    );
  }
  const off = Math.hypot(seen.x - HEAD.anchor[0], seen.y - HEAD.anchor[1]);
  if (seen.seenLength < R.minSeenLength || off > R.lineTolerance) {
    throw new ResetFailedError(
      `the fresh strap does not hang where the magazine presents it: seen over ${(seen.seenLength * 1000).toFixed(0)} mm ` +
        `of height (at least ${R.minSeenLength * 1000} mm), its line ${(off * 1000).toFixed(1)} mm from the head's ` +
        `(at most ${R.lineTolerance * 1000} mm)`,
    );
  }
  const [x, y, z] = start.pos;
  motion.moveTo({ pos: [x - R.approach, y, z], mat: FORWARD }, budget, { label: "moving in front of the strap" });
  motion.open(budget, start.gap, "opening the blades to the start gap");
  const err = motion.moveTo({ pos: start.pos, mat: FORWARD }, budget, {
    speed: R.approachSpeed,
    label: "bringing the blades around the strap",
  });
  motion.settle(budget, R.settleSteps, "settling at the start");
  if (err > 0.002) throw new ResetFailedError(`the blades stopped ${(err * 1000).toFixed(1)} mm short of the start`);
  if (motion.width() < start.gap - R.pinched) {
    throw new ResetFailedError(
      `something is pinched between the blades at the start: they stand ${(motion.width() * 1000).toFixed(1)} mm ` +
        `apart, commanded ${(start.gap * 1000).toFixed(1)} mm`,
    );
  }
  // the strap between the blades, on pixels: its line inside the gap and along the blades' length
  const ee = motion.ee().pos;
  const between = seeStrap(env);
  const room = start.gap / 2 - STRAP.radius;
  if (!between || Math.abs(between.y - ee[1]) > room || Math.abs(between.x - ee[0]) > GRIPPER.padHalf[2]) {
    throw new ResetFailedError(
      between
        ? `the strap is not between the blades at the start: the wrist camera sees it ${((between.y - ee[1]) * 1000).toFixed(1)} mm ` +
            `across and ${((between.x - ee[0]) * 1000).toFixed(1)} mm along from the cutting point (the gap leaves ±${(room * 1000).toFixed(1)} mm)`
        : "the wrist camera lost the strap once the blades were around it",
    );
  }
  return `fresh strap seen ${(off * 1000).toFixed(1)} mm from the magazine's line`;
}
