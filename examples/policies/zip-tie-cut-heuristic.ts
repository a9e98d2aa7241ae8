/**
 * A hand-written zip-tie-cut policy (no learning) that reads the state observation only.
 *
 * Observation  31 numbers: 6 joint angles, EE position x, y, z m (the cutting point, between the blades), EE
 *              quaternion, gripper width m (the blade gap), grip force N, EE contact force and torque, then the
 *              head's underside x, y, z m, the cutting point x, y, z m, the strap's tip x, y, z m, and the cut's
 *              distance from the head m (−1 while uncut)
 * Action       [dx, dy, dz, grip]: dx, dy, dz in [-1, 1] × 1 mm per step; grip +1 closes the blades, −1 opens them
 *
 * 1. approach: with the blades held part-open (about 12 mm), move the cutting point to 15 mm under the head, on
 *    the strap's line (the strap hangs straight down from the head's underside). 15 mm is the middle of the task's
 *    5-25 mm window, and the blades' upper half (8 mm) then stays clear of the head.
 * 2. cut: once the cutting point is within 1.5 mm of that point (each axis), hold the arm there and close the blades.
 * 3. hold still with the blades closed once the observation reports a cut (the episode ends by itself).
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const STEP = 0.001; // m per unit action
const CUT_BELOW_HEAD = 0.015; // m, where to cut: the middle of the 5-25 mm window
const APPROACH_GRIP = 0.2; // grip command while approaching: blades about 12 mm apart, the strap between them
const GAIN = 0.4; // fraction of the remaining error commanded per step (a full-error step overshoots: the arm's
// servos lag the target by about a millimetre, and a stiffer loop rings)
const AT_TARGET = 0.0015; // m, the cutting point this close to the target (each axis) starts the cut
const HEAD = 21; // index of the head's x in the observation
const CUT_POINT = 24; // index of the cutting point's x
const CUT_DISTANCE = 30; // index of the cut's distance from the head (−1 uncut)

const clip = (v: number) => Math.min(1, Math.max(-1, v));

const createPolicy: CreatePolicy<readonly number[], [number, number, number, number]> = () => {
  let closing = false;
  return {
    reset() {
      closing = false;
    },
    act(obs) {
      if (obs[CUT_DISTANCE] >= 0) return [0, 0, 0, 1];
      const target = [obs[HEAD], obs[HEAD + 1], obs[HEAD + 2] - CUT_BELOW_HEAD];
      const error = [0, 1, 2].map((k) => target[k] - obs[CUT_POINT + k]);
      if (error.every((e) => Math.abs(e) < AT_TARGET)) closing = true;
      if (closing) return [0, 0, 0, 1];
      const move = error.map((e) => clip((GAIN * e) / STEP));
      return [move[0], move[1], move[2], APPROACH_GRIP];
    },
  };
};
export default createPolicy;
