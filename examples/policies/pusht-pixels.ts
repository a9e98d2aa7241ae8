/**
 * The hand-tuned Push-T planner (pusht-heuristic.ts) driven from pixels: each step it asks the skill library's
 * perception tool (`ctx.tools.pusht.perceive()`, a fit of the T to the 96×96 camera frame) for the block's pose and
 * plans on that estimate instead of the simulator's state. The pusher's own position comes from proprioception
 * (`agent_pos`), as on a robot, so run it with Diffusion Policy's pixel observation, which carries no block state:
 *   enpire run --task pusht --policy examples/policies/pusht-pixels.ts --obs pixels_agent_pos
 * Each perceive call is a "tool" event in the trial's events.jsonl, with its time in ms.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";
import { createPolicyWith } from "../../templates/pusht/policy.js";
import { HAND_TUNED } from "./pusht-heuristic.js";

/** What changes from the state-driven values: the perceived pose is a few px noisy, so small drift is not motion. */
const PIXEL_TUNING = {
  driftTolerance: 5, // px the perceived block may move during travel before the plan is dropped (state: 0.5)
};

type Observation = { pixels: Uint8Array; agent_pos: readonly number[] };
type Perception = { block: { x: number; y: number; angle: number } | null; confidence: number };

const createPolicy: CreatePolicy<Observation, [number, number]> = (ctx) => {
  const perceive = (ctx.tools?.pusht as { perceive(): Perception } | undefined)?.perceive;
  if (!perceive) throw new Error("this policy needs the Push-T skill library (ctx.tools.pusht)");
  const planner = createPolicyWith({ ...HAND_TUNED, ...PIXEL_TUNING });
  return {
    reset() {
      planner.reset?.();
    },
    act(observation) {
      const [agentX, agentY] = observation.agent_pos;
      const { block } = perceive();
      if (!block) return [agentX, agentY]; // no block in view: stay put and look again
      return planner.act([agentX, agentY, block.x, block.y, block.angle]) as [number, number];
    },
  };
};
export default createPolicy;
