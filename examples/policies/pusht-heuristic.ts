/**
 * A hand-written Push-T policy (no learning): closed-loop push planning with an internal quasi-static model.
 *
 * Observation  [agentX, agentY, blockX, blockY, blockAngle] px (y down) and rad; the block pose is its body origin
 * Action       pusher target [x, y] px in 0..512
 *
 * Each decision picks one straight stroke: a start point a few px off the T's outline and a depth past first
 * contact (69 starts x 13 depths), by simulating each with a frictionless, momentum-free push model and keeping
 * the one whose predicted pose cost (mean squared corner error) falls fastest per control step, counting the
 * steps to get there. The pusher travels to the start around the block, arrives at rest there (a deadbeat move
 * through the PD tracking), strokes (another one), and the policy re-plans from the new observation.
 *
 * It is the research template's policy (templates/pusht/: the model, the planner and the pusher control) with the
 * values tuned by hand below, where the template starts from a weak params.json for agents to improve.
 * See README.md for the figures.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";
import { createPolicyWith, type Params } from "../../templates/pusht/policy.js";

/** The hand-tuned values (templates/pusht/README.md says what each knob does). */
export const HAND_TUNED: Params = {
  strokeSpeed: 300, // px/s the pusher may reach during a stroke (fast impacts dent the contact)
  standoff: 6, // px between the pusher and the outline at a stroke's start
  maxDepth: 90, // px the deepest candidate stroke goes past first contact
  costFloor: 1, // px² added to the cost before taking its log: no reward for chasing sub-pixel error
  waypointOffset: 24, // px the detour corners sit outside the T's hull
  travelSpeed: 1500, // px/s the pusher may reach on the last, straight leg to a stroke's start
  driftTolerance: 0.5, // px (and 0.01 rad) the block may move during travel before the plan is dropped
};

const createPolicy: CreatePolicy<readonly number[], [number, number]> = () => createPolicyWith(HAND_TUNED);
export default createPolicy;
