/**
 * A hand-written policy (no learning) for pusht-arm: closed-loop push planning with a quasi-static pushing model, in
 * the spirit of pusht-heuristic.ts, adapted to the arm (a pusher at a fixed height that cannot lift over the T). It is
 * the research template's controller (templates/pusht-arm/policy.ts; its README says what each number does) with
 * hand-tuned numbers.
 *
 * Observation  24 numbers: 21 of the arm's proprioception (EE x, y at 6, 7) then the T's centroid x, y m and heading
 *              rad (body +y along the stem), from the state
 * Action       [dx, dy, done]: dx, dy in [-1, 1] × 0.01 m; done > 0 when the T sits well inside the tolerances
 *
 * Each decision picks one straight push: a contact point on the T's outline, the inward normal as direction and a
 * depth; each candidate is rolled out with the model and the one whose predicted cost (position error plus weighted
 * heading error) falls fastest per control step, travel included, wins. The pusher travels around the T on a circle,
 * approaches along the edge's normal, pushes, then the policy re-plans from the new pose.
 */
import { checkParams, createPolicyWith } from "../../templates/pusht-arm/policy.js";

const HAND_TUNED = checkParams({
  orbit: 145, // mm, the travel circle's radius
  standoff: 20, // mm before contact
  minDepth: 15, // mm past first contact, shallowest push
  maxDepth: 80, // mm, deepest push
  limitSurface: 55, // mm
  pusherFriction: 0.5,
  angleWeight: 2.1, // mm per degree: 10° weighs like 2 cm
  travelGain: 0.8, // actions arrive late: command part of the remaining distance
  pushGain: 0.6,
  arrive: 6, // mm
  replanMove: 10, // mm the T may drift during travel
  stallSteps: 25,
  donePos: 10, // mm, each axis
  doneAngle: 5, // degrees
});

export default function createPolicy() {
  return createPolicyWith(HAND_TUNED);
}
