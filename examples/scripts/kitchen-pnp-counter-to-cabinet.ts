/**
 * A reference episode script for kitchen-pnp-counter-to-cabinet (src/env/kitchen): pick the everyday object off
 * the counter and put it inside the wall cabinet above it (doors already open), through the kitchen tools only
 * (`ctx.tools.kitchen`): no object or fixture pose is read, only camera frames, depth and the robot's own state.
 *
 * 1. look: from both agent-view cameras, every catalogue object the kitchen's words name; the counter's object is
 *    the one nearest the heading line at counter height (the robot starts facing the cabinet above it). From the
 *    left camera's depth, the wall behind the counter: the farthest points straight ahead between the counter top
 *    and the cabinet's bottom.
 * 2. base: the base drives towards the counter (and sideways) until the object is straight ahead, P.reachAhead in
 *    front of the base's centre.
 * 3. peek: the open hand, tool down, hovers over the object; the wrist camera looks straight down. The segmenter's
 *    own mask of the object lifted to the world through depth gives its top; the top face's points (within
 *    P.topFaceM of the top: the camera beside the tool axis also sees one side) give the grip point, the direction
 *    to close the fingers across (the narrow side), the half length and whether it is round; a ring around the mask
 *    gives the counter top.
 * 4. grasp: the pads as deep below the top as the wrist allows (P.gripBelowTop, P.gripBelowTopTall), the last
 *    centimetres slowly, close, lift 2 cm slowly. The pads hold only by friction while the tool points down and
 *    a held object creeps towards the fingertips under its own weight (a can slid 3 cm while the torso rose; a
 *    cucumber fell out while the hand turned), so nothing else happens before the tool has tipped.
 * 5. tip: about the wrist (the wrist stays put, so the arm does not fold), P.tiltRateDeg a step, from down to level,
 *    towards the side the fingers close along (for a round object straight ahead; for a long one whichever side of
 *    its narrow axis is nearer the heading): the object turns about its own long axis, the pinch ends up-down and
 *    the lower finger carries it. Then the base backs off (the hand rides along) and the level tool turns about the
 *    wrist to point straight ahead.
 * 6. up: the torso rises to P.torsoM (the cabinet's floor is 0.44-0.50 m above the counter top), the hand goes in
 *    front of the cabinet (the object's far end clear of the deepest cabinet's front) at the opening's height.
 * 7. in: the base drives back up (the hand rides into the cabinet), the hand goes on until the object's far end is
 *    P.placeFromWallM in front of the wall (the floor is not seen: the counter top + P.floorAboveTopM, the highest
 *    the style ranges allow).
 * 8. place: the object rests on the lower finger, which would carry it back out on the retreat, so the tool rolls
 *    a quarter turn about its axis (the pinch level; a long object stands on end), goes down until the object's
 *    lowest point is P.placeClearM above the highest floor, and opens.
 * 9. retreat: the hand backs straight out, the base backs off, home: far (> 0.25 m) from the object.
 * Status: 35/40 on the paper's 40 evaluation episodes through the real harness (sandbox, station, safety layer:
 * `enpire run --task kitchen-pnp-counter-to-cabinet --policy examples/scripts/kitchen-pnp-counter-to-cabinet.ts
 * --eval --stations 1`, run once at the end; developed on seeds 100..139 and 100000..100019), 2.1 s per episode on
 * one station of a shared 2-core machine, about 300-420 of the 750 steps. By category: butter 8/8, can 5/5, soap
 * 3/3, sponge 3/3, juice box 3/3, cup 2/2, carrot 7/8, cucumber 3/6, bottle 1/2.
 * Left: a cucumber dropped (seed 27); the upper arm pressing an open door past 200 N while the hand is in the
 * cabinet (seed 34, a safety stop after the object was in); the base driven into a neighbouring counter on the
 * first approach (seed 0, a safety stop at step 11); a carrot gripped across 6.8 cm (seed 7: a wrong peek); the
 * bottle (0.18 m, 0.4 kg, gripped 3 cm below its top) sticks 12 cm out ahead of the pads once tipped and can turn
 * out of them when the base backs off (seed 39).
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled
import { createPolicyWith } from "../../templates/kitchen-pnp-counter-to-cabinet/policy.js";

/**
 * The template's knobs at the values this script was tuned to (the template's params.json starts from a weaker
 * guess, for the built-in agent to improve); the rest of the method is the template's controller.
 */
const TUNED = Object.freeze({ reachAhead: 0.6, gripBelowTop: 0.024, placeFromWallM: 0.1, placeClearM: 0.02 });

const createScript: CreateScript = (ctx) => createPolicyWith({ ...TUNED }, ctx);
export default createScript;
