/**
 * Zip-tie tying's procedural reset: a latched tie cannot be undone, so the station has a zip-tie magazine (a fixture
 * at the hand-over pose) that presents a fresh tie every episode: its head in the head holder, its strap in the
 * loop it is made in, its tail's end clipped upright in a holder under the slot. The right arm does the rest itself
 * by stepping the real physics (ArmMotion), as the paper's reset does (§3.4: localise the strap's tail on the wrist
 * camera, grasp it a fixed length from its tip): it lets go of the old tail and backs away, waits while the
 * magazine presents the fresh tie, finds the tail on its wrist camera's RGB-D pixels, grasps it 36 mm from the tip
 * (the task's grasp; the paper's 55 mm on a longer strap), the holder lets go, and the arm brings the tip to the
 * seed's start under the slot. Checks: the tail seen upright in the holder where it is presented, the pads closed
 * to the strap's thickness (width readback) with their centre on the tail's seen line, the EE arrived; each failure is a ResetFailedError sentence; runProcedure retries.
 *
 * What the simulation does for the fixture, plainly: the magazine's work (taking the tied tie away, presenting a
 * fresh one) is done by putting the strap's hinges back to the loop it is built in, at rest, opening the latch, and
 * switching on the tail holder (a weld of the strap's last segment to the world, `TIE_NAMES.holder`). The grasp: the
 * strap does not collide with the pads in this task (its collision bits keep the 16-capsule chain cheap, and the
 * state mode's speed unchanged), so the grip is the task's weld from the hand to the strap, as in the state mode;
 * the reset switches it on only once the pads have closed to the strap's thickness round the tail's seen line, at
 * the relative pose they hold it in then (not the nominal one). (The wrist camera cannot check the grasp itself: it
 * sits 45 mm behind and 35 mm below the pads, and the tail between them is at the edge of its view.)
 *
 * Perception: the station tools' segmenter (tools/segment.ts, query "strap") finds the tail on the wrist camera's
 * frame; its mask is back-projected through the depth frame and the camera model and kept inside the holder's world
 * box (`seeTail`): pixels only, never poses or segmentation ids.
 */
import { ResetFailedError } from "../../../core/errors.js";
import type { ArmEnv } from "../../mujoco/arm-env.js";
import { type ArmMotion, fmt, type StepBudget } from "../../mujoco/reset/motion.js";
import type { Vec3 } from "../../mujoco/scene.js";
import { pixelToWorld, segmentAllIn } from "../../mujoco/tools/segment.js";
import { TIE_HEAD, TIE_STRAP } from "./tie-scene.js";

/** The tie reset script's constants. */
export const TIE_RESET = Object.freeze({
  attempts: 3, // tries of the whole script before ResetFailedError
  budgetSteps: 6000, // physics steps per try (12 s simulated)
  backOff: 0.04, // m, how far the hand backs away along the tool axis (−x) after letting go
  look: [-0.07, 0, -0.05] as Vec3, // m, the EE while the wrist camera looks at the holder, from the slot's entrance
  camera: "right_wrist_cam", // the camera that finds the tail (it looks along the tool axis, +x)
  cameraSize: 128, // px, side of the wrist camera's frame
  holderBox: { low: [-0.015, -0.008, -0.08], high: [0.015, 0.008, -0.003] } as { low: Vec3; high: Vec3 }, // m,
  // around the slot's entrance: where the presented tail stands (the loop's other side is 21 mm off in −y)
  minPoints: 20, // pixels of the tail needed to count as seen
  presentSettleSteps: 150, // physics steps for the presented tie to come to rest (0.3 s)
  holderTolerance: 0.003, // m, the seen tip this close (x, y, z) to where the holder presents it
  graspFromTip: 0.036, // m along the strap from the tip to the grasp (segment 11's middle, as the state start)
  approach: 0.04, // m, the open pads come in along +x from this far in front of the grasp
  approachSpeed: 0.05, // m/s, the last few centimetres to the grasp
  openWidth: 0.012, // m between the pads while they come around the tail
  heldWidth: 0.0005, // m, the closed pads' width this close to the strap's thickness reads as closed on it
  graspTolerance: 0.001, // m, the closed pads' centre this close (x, y) to the tail's seen line
  settleSteps: 50, // physics steps of settling at the start (0.1 s, as the state reset)
});

// the right hand: tool axis (hand z) along +x, the hand's x down, so the jaws close along world y
const FORWARD = [0, 0, 1, 0, 1, 0, -1, 0, 0];

/** The tail as the wrist camera sees it: its line (x, y) and its tip (the highest point less the strap's radius). */
export interface TailSighting {
  x: number; // m, the strap's axis (the seen front face plus its radius)
  y: number;
  tipZ: number; // m
  points: number;
}

/**
 * Finds the tail in the holder's box on the wrist camera's frame with the station tools' segmenter (query "strap":
 * the built-in detector on RGB, or an HTTP /segment_all service), each detection's mask back-projected through depth
 * and the camera model and kept inside the box around the slot's entrance; the best-ranked detection with enough
 * points there is the tail.
 */
export function seeTail(env: ArmEnv, box = TIE_RESET.holderBox): TailSighting | null {
  const size = TIE_RESET.cameraSize;
  const seen = segmentAllIn(env, { query: "strap", camera: TIE_RESET.camera, size });
  const depth = seen.frame.depth as Float32Array;
  const e = TIE_HEAD.entrance;
  for (const d of seen.detections) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    let top = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < d.maskBytes.length; i++) {
      if (!d.maskBytes[i] || !Number.isFinite(depth[i])) continue;
      const w = pixelToWorld(seen.frame, i % size, Math.floor(i / size), depth[i]);
      const rel = [w[0] - e[0], w[1] - e[1], w[2] - e[2]];
      if (rel.some((v, k) => v < box.low[k] || v > box.high[k])) continue;
      sx += w[0];
      sy += w[1];
      top = Math.max(top, w[2]);
      n++;
    }
    if (n >= TIE_RESET.minPoints)
      return { x: sx / n + TIE_STRAP.radius, y: sy / n, tipZ: top - TIE_STRAP.radius, points: n };
  }
  return null;
}

/** What the tie script needs from its env: the magazine's work and the grasp weld. */
export interface TieStation {
  env: ArmEnv;
  motion: ArmMotion;
  /** The magazine: the old tie goes, a fresh one is presented with its tail in the holder. */
  present(): void;
  /** Switches the hand's grasp weld off. */
  release(): void;
  /** Switches the grasp weld on at the relative pose the pads hold the strap in now, and the holder off. */
  grip(): void;
  /** Where the holder presents the tip, m (world). */
  presentedTip: Vec3;
}

/**
 * Re-stages the tie: ends with a fresh tie's tail held by the right hand, its EE at `start`. Returns what it found.
 * Throws ResetFailedError with what failed.
 */
export function restageTie(station: TieStation, start: Vec3, budget: StepBudget): string {
  const R = TIE_RESET;
  const { env, motion } = station;
  motion.adoptCommand();
  station.release();
  motion.open(budget, R.openWidth, "letting go of the old tail");
  const from = motion.commandedPose();
  motion.moveTo({ pos: [from.pos[0] - R.backOff, from.pos[1], from.pos[2]], mat: FORWARD }, budget, {
    label: "backing the hand away from the old tie",
  });
  const e = TIE_HEAD.entrance;
  motion.moveTo({ pos: [e[0] + R.look[0], e[1] + R.look[1], e[2] + R.look[2]], mat: FORWARD }, budget, {
    label: "moving to look at the magazine",
  });
  station.present();
  motion.settle(budget, R.presentSettleSteps, "waiting for the fresh tie to come to rest");
  const seen = seeTail(env);
  if (!seen) {
    throw new ResetFailedError(
      `the wrist camera does not see the fresh tie's tail in its holder under the slot at ${fmt(e)} ` +
        `(fewer than ${R.minPoints} strap pixels in the holder's box)`,
    );
  }
  const p = station.presentedTip;
  const off = [seen.x - p[0], seen.y - p[1], seen.tipZ - p[2]];
  if (off.some((v) => Math.abs(v) > R.holderTolerance)) {
    throw new ResetFailedError(
      `the fresh tie's tail is not where the holder presents it: its tip is seen ${fmt(off)} off ` +
        `(at most ${R.holderTolerance * 1000} mm each way)`,
    );
  }
  // the tail stands upright in the holder: the grasp is straight down the strap from the tip
  const grasp: Vec3 = [seen.x, seen.y, seen.tipZ - R.graspFromTip];
  motion.moveTo({ pos: [grasp[0] - R.approach, grasp[1], grasp[2]], mat: FORWARD }, budget, {
    label: "moving in front of the tail",
  });
  motion.moveTo({ pos: grasp, mat: FORWARD }, budget, { speed: R.approachSpeed, label: "bringing the pads round it" });
  motion.settle(budget, 100, "steadying the hand at the tail");
  motion.open(budget, 2 * TIE_STRAP.radius, "closing the pads on the tail");
  const width = motion.width();
  if (Math.abs(width - 2 * TIE_STRAP.radius) > R.heldWidth) {
    throw new ResetFailedError(
      `the pads did not close on the tail: they stand ${(width * 1000).toFixed(1)} mm apart ` +
        `(the strap is ${TIE_STRAP.radius * 2000} mm thick)`,
    );
  }
  // the tail stands in the holder where the camera saw it: the pads are round it if the EE got to the seen line
  const ee = motion.ee().pos;
  const across = Math.hypot(ee[0] - grasp[0], ee[1] - grasp[1]);
  if (across > R.graspTolerance) {
    throw new ResetFailedError(
      `the pads closed ${(across * 1000).toFixed(1)} mm from the tail's seen line (at most ${R.graspTolerance * 1000} mm)`,
    );
  }
  station.grip();
  const err = motion.moveTo({ pos: start, mat: FORWARD }, budget, { label: "bringing the tip under the slot" });
  motion.settle(budget, R.settleSteps, "settling at the start");
  if (err > 0.002) throw new ResetFailedError(`the hand stopped ${(err * 1000).toFixed(1)} mm short of the start`);
  return `tail seen ${fmt(off)} from the holder's place`;
}
