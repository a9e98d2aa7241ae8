/**
 * Reference episode script for kitchen-coffee-setup-mug (issue 9): put the mug under the coffee machine's spout,
 * through the kitchen tools only (`ctx.tools.kitchen`): no object or fixture pose is read, only pixels, depth and
 * the robot's own state. A SIDE grasp: the tool points forward, the pads close left-right round the mug's body.
 *
 * Facts it rests on (fixtures/appliances.ts, fixtures/objects.ts, the robot): the machine stands on a 3 cm drip tray
 * as wide as itself (0.22 m); the spout (and the receptacle site, on the tray) sits on its centre line 0.09 m behind
 * its front, under an overhang whose underside is 0.30 m above the counter, so a hand at the mug's half height passes
 * under it freely. The mug (radius 3.0-3.6 cm) fits the 8 cm hand; its handle plate (±0.6 of its half height, 2.2 cm
 * out) must miss the pads and the palm.
 *
 * 0. a base that moves in the first (still) step was set down in a counter by the reset and pushed out: it drives
 *    on that way at full speed before it bounces back in (a slower start meets the counter over 200 N).
 * 1. look: the mug's colour in the agent view (highest centroid among patches a mug on the machine's counter can give:
 *    height, distance, sideways offset (the robot starts facing the machine), size; flat patches of its colour lie on
 *    the counter); counter faces (below the tops) in both agent views' depth cap how far forward the base drives
 *    (P.frontGapM short; the base drives at P.baseSpeed), and a face seen right at the base's front off to one side
 *    is a counter running back alongside it (the cameras cannot see beside the base): the base never slides sideways
 *    into it; the wrist camera looks straight down on the candidate: the counter's height, the mug's top disc
 *    (centre, radius, rim) and the handle's direction from depth; a disc of the wrong radius or height (a mixer's
 *    bowl of the mug's colour) sends it to the next candidate; the spout from the machine's pixels in both agent
 *    views.
 * 1b. a handle more than P.turnAboveDeg off the heading (toward the robot, where the palm meets it) is turned away
 *    first: a top grasp across the body (fingers at right angles to the handle), lifted 1 cm, rolled up to
 *    P.turnMaxDeg toward straight ahead, set down; the wrist unrolls in steps (one big goal folds the arm); the
 *    wrist camera looks again.
 * 2. the tool's yaw: turned off the heading (at most P.maxYawDeg) until the handle lies within handleFrontDeg of the
 *    tool's forward axis, where neither pad nor palm meets it.
 * 3. the base backs off, midway sideways between the mug and the spout (a driven base jerks a held mug out of the
 *    force-limited pads, so the arm alone carries); the tool tips from down to forward a few degrees a step in front
 *    of the mug, lines up, slides round the body at a little above half height and closes.
 * 4. carry: lift the bottom clearM over the tray's height, back to level with the spout (clear of the machine's
 *    back), across over the tray to the site, lower, open, back out level from under the overhang along the tool
 *    axis, then the TORSO lifts the whole arm straight up (no new arm pose), and the base backs off slowly if the
 *    hand is still nearer the mug's centre than P.farM. (Backing the hand toward the shoulder with the tool forward,
 *    as this script did before, has no good IK answer: the arm flipped into the counter or the machine.)
 *
 * Measured through the harness (safety layer on): 20/20 on seeds 100000-100019; in-process (an episode loop with the
 * same safety limits) 40/40 on 200-239, 30/30 on 300-329; then once on the paper's 40 (--eval): 40/40, 1.7 s per
 * episode, 200-450 of the 600 steps (mean 306; the earlier retreat: 29/40).
 *
 * The method is the template's controller (templates/kitchen-coffee-setup-mug/policy.ts; P.* above are its
 * constants), run here with the numbers this script was tuned to; the template's params.json starts from a weaker
 * guess for the built-in agent.
 *
 * Known weakness (measured with a debug reader of the simulator, never here): the pads meet the round body at one contact
 * point each, and MuJoCo's soft friction lets a held mug creep down the pads (~0.6 cm/s) and pivot about the line
 * between the pads, so the lifted phase is kept short; a handle pointing at the robot that no yaw within reach clears
 * meets the palm and pushes the mug away.
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only import: erased when bundled
import { createPolicyWith } from "../../templates/kitchen-coffee-setup-mug/policy.js";

/**
 * The template's knobs at the values this script was tuned to (the template's params.json starts from a weaker
 * guess, for the built-in agent to improve); the rest of the method is the template's controller.
 */
const TUNED = Object.freeze({ shortM: 0.005, clearM: 0.025, midGripFrac: 0.2, handleFrontDeg: 50 });

const createScript: CreateScript = (ctx) => createPolicyWith({ ...TUNED }, ctx);
export default createScript;
