/**
 * A hand-written zip-tie-tie policy (no learning) that reads the state observation only.
 *
 * Observation  31 numbers: 6 joint angles, EE position x, y, z m, EE quaternion, gripper width m, grip force N, EE
 *              contact force and torque, then the slot's entrance x, y, z m, its exit x, y, z m, the strap's tip
 *              x, y, z m, and the latched length m (−1 until the latch engages)
 * Action       [dx, dy, dz] in [-1, 1] × 1 mm per step: the right hand, which holds the strap's tail
 *
 * 1. align: while the tip is under the slot, move the hand sideways by a fraction of the tip's offset from the
 *    slot's axis; rise only once the tip is within 0.8 mm of the axis (or still more than 2 mm under the entrance).
 * 2. push: once the tip is in the slot, stop steering (steering then only presses the strap on the walls) and push
 *    straight up 1 mm per step until the tip is 18 mm past the exit (the task counts 15 mm; the episode ends there).
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const STEP = 0.001; // m per unit action
const GAIN = 0.25; // fraction of the tip's offset commanded per step (the arm's servos overshoot a step: 0.5 rings)
const ALIGNED = 0.0008; // m, the tip this close to the slot's axis may rise into the slot
const RISE_FREE = 0.002; // m, below the entrance by more than this the tip rises while it aligns
const IN_SLOT = 0.001; // m, the tip this far under the entrance (or higher) counts as in the slot: no more steering
const PAST_EXIT = 0.018; // m, stop pushing once the tip is this far past the exit
const ENTRANCE = 21; // index of the slot entrance's x in the observation
const EXIT = 24; // index of the slot exit's x
const TIP = 27; // index of the strap tip's x

const clip = (v: number) => Math.min(1, Math.max(-1, v));

const createPolicy: CreatePolicy<readonly number[], [number, number, number]> = () => ({
  act(obs) {
    const offset = [obs[ENTRANCE] - obs[TIP], obs[ENTRANCE + 1] - obs[TIP + 1]];
    const below = obs[ENTRANCE + 2] - obs[TIP + 2];
    if (obs[TIP + 2] > obs[EXIT + 2] + PAST_EXIT) return [0, 0, 0];
    if (below < IN_SLOT) return [0, 0, 1];
    const aligned = Math.hypot(offset[0], offset[1]) <= ALIGNED;
    const rise = aligned || below > RISE_FREE ? 1 : 0;
    return [clip((GAIN * offset[0]) / STEP), clip((GAIN * offset[1]) / STEP), rise];
  },
});
export default createPolicy;
