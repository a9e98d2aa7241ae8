/**
 * Reference episode script for kitchen-open-drawer (src/env/kitchen): pulls the drawer in front of the robot open,
 * using the kitchen tools only (`ctx.tools.kitchen`, non-oracle: pixels, depth, the robot's own state). It runs once
 * per episode; every motion tool steps the robot until it arrives.
 *
 * 1. look: the handles in robot0_agentview_left ("handle": they contrast with the fronts); the drawer's is the one
 *    on the robot's heading line (the robot starts centred in front of its fixture), highest of those (the top
 *    drawer). Without a detection the handle is guessed straight ahead at drawer height.
 * 2. base: the base backs off P.backOffM: with the tool pointing forward the wrist sits 0.155 m behind the hand and
 *    the elbow folds only so far, so the hand needs room in front of the shoulder.
 * 3. lower, tilt: the hand (tool down) goes P.peekDistM in front of the handle, then tips the tool forward a few
 *    degrees a step (tipping far from the target folds the arm into its limits).
 * 4. peek: the wrist camera looks at the handle head-on; the handle is the patch of depth that stands out of the
 *    front (a handle's grip is 3.5 cm proud of it) nearest the image centre. Its front surface gives the grip's axis,
 *    its extent the grip's type (a long bar or pull is horizontal on a drawer; a knob is round).
 * 5. grasp: the open hand turned so the fingers close across the grip (up-down on a horizontal bar) goes to a point
 *    in front of it, then onto its axis, and closes. A closed hand with no width left missed: peek and try again.
 * 6. pull: the base drives straight back with the hand closed (the arm holds its pose relative to the base), so the
 *    drawer slides out along the heading to its end stop.
 * 7. let go, back the hand away and go home.
 * Status: 40/40 on the paper's 40 evaluation episodes (seeds 0..39, run once at the end; developed on seeds 100..179,
 * 79/80 before the look's height/area filters, 40/40 after), about 260-390 of the 750 steps, 0.65-0.85 s per
 * episode on one shared core. Handles the agent view misses (light knobs) are guessed straight ahead and found by depth.
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled
import { createPolicyWith } from "../../templates/kitchen-open-drawer/policy.js";

/**
 * The template's knobs at the values this script was tuned to (the template's params.json starts from a weaker
 * guess, for the built-in agent to improve); the rest of the method is the template's controller.
 */
const TUNED = Object.freeze({ backOffM: 0.2, preGraspM: 0.09, graspBiasM: 0.004, pullM: 0.4 });

const createScript: CreateScript = (ctx) => createPolicyWith({ ...TUNED }, ctx);
export default createScript;
