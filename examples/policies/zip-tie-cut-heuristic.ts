/**
 * A hand-written zip-tie-cut policy (no learning) that reads the state observation: the research template's
 * controller (templates/zip-tie-cut/policy.ts: bring the cutting point onto the strap under the head, then close the
 * blades; its README says what each number does) with hand-tuned numbers.
 *
 * Observation  31 numbers: the right arm's proprioception (21), then the head's underside x, y, z m, the cutting
 *              point x, y, z m, the strap's tip x, y, z m, and the cut's distance from the head m (−1 while uncut)
 * Action       [dx, dy, dz, grip]: dx, dy, dz in [-1, 1] × 1 mm per step; grip +1 closes the blades, −1 opens them
 */
import { checkParams, createPolicyWith } from "../../templates/zip-tie-cut/policy.js";

const HAND_TUNED = checkParams({
  cutBelowHead: 15, // mm: the middle of the task's 5-25 mm window; the blades' upper half then clears the head
  approachGrip: 0.2, // blades about 12 mm apart, the strap between them
  gain: 0.4, // of the remaining error per step: a full-error step overshoots (the servos lag by about a millimetre)
  atTarget: 1.5, // mm, each axis
});

export default function createPolicy() {
  return createPolicyWith(HAND_TUNED);
}
