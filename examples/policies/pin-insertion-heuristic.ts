/**
 * A hand-written pin-insertion policy (no learning) that uses proprioception only, for pin-insertion (0.5 mm
 * clearance), pin-insertion-easy (3 mm) and pin-insertion-expert (0.2 mm): the research template's controller
 * (templates/pin-insertion/policy.ts: align → descend → spiral search → insert; its README says what each number does)
 * with hand-tuned numbers.
 *
 * Observation  21 numbers: 6 joint angles, EE position x, y, z m, EE quaternion, gripper width, grip force, EE
 *              contact force x, y, z N and torque N·m (the world pushing on the arm and the pin)
 * Action       [dx, dy, dz] in [-1, 1], × 0.3, 0.3, 0.6 mm per step
 *
 * The press force while searching decides the tight clearances: at 1.5 N the pin jams or tilts (1/20 at 0.5 mm), at
 * 0.8 N it slides in (20/20 at every clearance).
 */
import { checkParams, createPolicyWith } from "../../templates/pin-insertion/policy.js";

const HAND_TUNED = checkParams({
  alignTolerance: 0.5, // mm
  alignSteps: 10,
  descentSpeed: 1, // × the 0.6 mm/step cap
  touchForce: 0.8, // N
  pressForce: 0.8, // N
  searchSpeed: 1, // × the 0.3 mm/step cap
  spiralPitch: 0.4, // mm per turn
  spiralMax: 3, // mm
  foundDrop: 2, // mm
  insertSpeed: 1, // × the 0.6 mm/step cap
  insertForce: 3, // N
  backoffSpeed: 0.2, // × the 0.6 mm/step cap
});

export default function createPolicy() {
  return createPolicyWith(HAND_TUNED);
}
