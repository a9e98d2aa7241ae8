/**
 * Reference episode script for kitchen-open-cabinet (src/env/kitchen): opens the wall cabinet's door(s) in front of
 * the robot with the kitchen tools only (`ctx.tools.kitchen`, non-oracle: pixels, depth, the robot's own state). It
 * runs once per episode; every motion tool steps the robot until it arrives.
 *
 * 1. raise, look: the base backs off P.lookBackM and the torso rises (the handles hang 1.4-1.55 m up; the shoulder
 *    is at 0.96 m with the torso down). The hand goes P.lookAheadM ahead of the base (nearer, the elbow folds into its
 *    limit when the tool points forward), tips the tool forward a few degrees a step, and the wrist camera finds the
 *    handles ("handle": they contrast with the fronts) at wall-cabinet height. Where the colour finds none, depth
 *    does: the points standing P.standMinM..P.standMaxM out of the fronts' plane, grouped by pixel. Both turned looks
 *    (±25°) only when the straight one finds no handle that fits the cabinet (a neighbour's handle lies further out);
 *    a knob cut by the frame's edge is left for a turned look, two slivers of one upright bar are one bar. The grip's
 *    type comes from the ends of its box (long upright: bar; long sideways: pull; else knob).
 * 2. doors: two handles near the heading line are double doors, each hinged on its own side of their midpoint; one
 *    off to a side is a single door hinged on the other side, the cabinet's width (0.6 / 0.75 / 0.9 m) from the
 *    handle's offset (the nearest handle whose offset fits a width).
 * 3. base: drives in until the nearest handle is P.reachM ahead (the drawer script's reach with the tool forward).
 * 4. per door, crack: the open hand lines up in front of the grip, closes on it (shallower again if it closed on
 *    nothing or on more than the grip) and carries it round the hinge crackDeg, reading the fingers' width after
 *    each waypoint; a grip lost before P.crackAgainDeg is tried again (P.crackTries in all) after the hand
 *    straightens a few degrees a step. The axis lies a grip radius behind the front seen. Double doors: the
 *    base backs off and a depth frame of the first cracked door's front gives its angle and where its mid-plane meets
 *    the hinge line, so the cabinet's width (0.75 or 0.9 m: the handles do not tell) for both doors.
 * 5. hook: the closed hand, pads one above the other (thin sideways), comes round the free edge and in behind the
 *    door, hookInM inside the edge and P.hookDeepM behind its mid-plane, the tool turned toward the hinge so that
 *    the forearm stays out beyond the edge (an earlier sweep pushed the forearm into the door's outer face: safety
 *    stops over 200 N); it starts hookBackDeg short of where the crack left the door (a door ahead of the hand is
 *    still caught, one behind it is not). It carries the edge round the hinge to 90° in P.hookStepDeg waypoints, the
 *    tool turning back to straight ahead as the door opens, and the base backs straight off whenever the hand would
 *    come nearer than hookAheadM (the elbow folds nearer). Then the base backs off P.retreatM (the fingers slide
 *    out past the edge). Between two doors the hand goes to the middle in front of the base (clear of the open
 *    door) before the base drives back in.
 * The method is the template's controller (templates/kitchen-open-cabinet/policy.ts; P.* above are its constants),
 * run here with the numbers this script was tuned to; the template's params.json starts from a weaker guess for the
 * built-in agent.
 * Status: 40/40 on the paper's 40 evaluation episodes (seeds 0..39: `enpire run --task kitchen-open-cabinet --policy
 * <this> --eval --stations 1`, the real harness: sandbox, station, safety layer), 43.0 s for the 40 (1.1 s per episode
 * on a shared core); the previous script got 9/40 there (28 failures, 3 safety stops). Honest account: --eval ran
 * twice. The first run (a version without the third crack try, the "too wide" grasp check and the knob's radius)
 * got 39/40: seed 32, double doors, the right door left at 0.065 of its range. The three changes came from search
 * seeds 501 (same signature: the second door's crack slipped twice) and 514 (a 0.75 m single knob door lost at 56°),
 * not from seed 32. Development, all on search seeds: in-process with the station's safety limits 160/160 on
 * seeds 100..119, 200..209, 300..329, 400..439, 500..539 and 100000..100019; real harness 30/30 at seed-start
 * 300000, and earlier versions 18/20 (100000) and 20/20 (200000) where the previous script got 5/20 and 6/20; after
 * integration, 30/30 on 400000..400029 (seeds no one had run it on) and 40/40 again in `npm run bench:kitchen`.
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled
import { createPolicyWith } from "../../templates/kitchen-open-cabinet/policy.js";

/**
 * The template's knobs at the values this script was tuned to (the template's params.json starts from a weaker
 * guess, for the built-in agent to improve); the rest of the method is the template's controller.
 */
const TUNED = Object.freeze({ crackDeg: 25, hookAheadM: 0.55, hookInM: 0.03, hookBackDeg: 8 });

const createScript: CreateScript = (ctx) => createPolicyWith({ ...TUNED }, ctx);
export default createScript;
