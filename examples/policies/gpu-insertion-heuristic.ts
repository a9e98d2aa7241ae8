/**
 * A hand-written gpu-insertion policy (no learning) that reads the state observation: the research template's
 * controller (templates/gpu-insertion/policy.ts: align over the slot → descend → sweep across it → insert; its README
 * says what each number does) with hand-tuned numbers.
 *
 * Observation  23 numbers: 6 joint angles, EE position x, y, z m, EE quaternion, gripper width, grip force, EE
 *              contact force x, y, z N and torque N·m (the world pushing on the arm and the card), then the slot's
 *              centre x, y m (drawn per episode)
 * Action       [dx, dy, dz] in [-1, 1], × 0.25, 0.25, 0.4 mm per step
 */
import { checkParams, createPolicyWith } from "../../templates/gpu-insertion/policy.js";

const HAND_TUNED = checkParams({
  alignTolerance: 0.2, // mm
  alignSteps: 40,
  descentSpeed: 1, // × the 0.4 mm/step cap
  touchForce: 1.5, // N
  pressForce: 2, // N
  sweepStep: 0.05, // mm per step
  sweepMax: 1.5, // mm
  inSlotDrop: 1.5, // mm
  insertSpeed: 1, // × the 0.4 mm/step cap
  insertForce: 6, // N (the task's limit is 15 N)
  backoffSpeed: 0.25, // × the 0.4 mm/step cap
});

export default function createPolicy() {
  return createPolicyWith(HAND_TUNED);
}
