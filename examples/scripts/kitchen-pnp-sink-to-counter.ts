/**
 * A reference episode script for kitchen-pnp-sink-to-counter (src/env/kitchen): pick the everyday object out of the
 * sink's basin and put it on the tray on the drainboard, through the kitchen tools only (`ctx.tools.kitchen`): no
 * object or fixture pose is read, only camera frames, depth and the robot's own state.
 *
 * 1. look: from both agent-view cameras, the tray (plum: the area-weighted mean of its detections) and every
 *    catalogue object the kitchen's words name; the sink's object is the largest such detection on the other side of
 *    the start heading from the tray (the robot starts facing the sink's middle, basin and drainboard either side),
 *    not above the tray. Not seen (the hand or the basin's front wall hides it): the base drives closer and the hand
 *    rises out of the way, the agent views look again, and last the wrist camera looks down into the basin.
 * 2. base: forward, and sideways to the middle between the object and the tray: from there the arm reaches both,
 *    so the base stands still while the hand holds the object (a base drive shook held objects out of the pads).
 * 3. peek: the open hand, tool down, hovers over the object; the wrist camera looks straight down. The object's
 *    pixels (the segmenter's centroid grown by colour) are lifted to the world through depth: their mean is the grip
 *    point, their principal axes give the direction to close the fingers across (the object's narrow side), their
 *    highest points its top, a ring around them the basin's floor.
 * 4. grasp: down to P.gripBelowTop under the top (not lower than just above the floor), close, lift 4 cm slowly,
 *    draw back towards the robot (the faucet's spout reaches over the basin's middle: a hand rising straight up
 *    jammed under it and lost the object), rise until the object's bottom clears the tray, the goal a few mm a step.
 * 5. carry: the hand goes over the tray's centre, lowers until the object is just above the tray, opens.
 * 6. retreat: the hand rises and goes home, far (> 0.25 m) from the object.
 * Status: 40/40 on the paper's 40 episodes (`enpire run --task kitchen-pnp-sink-to-counter --policy <this file>
 * --eval`, the harness with its safety stops; 0.8 s a trial, 32 s for the 40). Developed on seeds 100-171; seeds
 * 100-139 under the harness: 39/40 (seed 133: a 7.2 cm cup the pads, 8 mm clear either side, closed on off-centre).
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled
import { createPolicyWith } from "../../templates/kitchen-pnp-sink-to-counter/policy.js";

/**
 * The template's knobs at the values this script was tuned to (the template's params.json starts from a weaker
 * guess, for the built-in agent to improve); the rest of the method is the template's controller.
 */
const TUNED = Object.freeze({ baseForward: 0.22, gripBelowTop: 0.03, pullBack: 0.08, dropAbove: 0.02 });

const createScript: CreateScript = (ctx) => createPolicyWith({ ...TUNED }, ctx);
export default createScript;
