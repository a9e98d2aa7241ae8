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
 * See README.md for the figures and pusht-heuristic/ for the model, the planner and the pusher control.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";
import {
  distanceToT,
  fromOrigin,
  PUSHER_RADIUS,
  pdSubstep,
  SUBSTEPS,
  type Vec,
  worldToBody,
} from "./pusht-heuristic/model.js";
import { deadbeat, trace } from "./pusht-heuristic/pd.js";
import { defaults, type PushPlan, planPush, route, strokeSteps } from "./pusht-heuristic/planner.js";

const ARRIVED = 0.5; // px from a stroke's start (and px/s × 0.1 of speed) at which the stroke begins
const CORNER_CUT = 20; // px from a detour corner at which the pusher heads for the next one
const CORNER_LEAD = 50; // px past a detour corner the pusher is steered to, so it does not stop there
const TRAVEL_SPEED = 1500; // px/s the pusher may reach on the last, straight leg to a stroke's start
const DRIFT_TOLERANCE = 0.5; // px (and 0.01 rad) the block may move during travel before the plan is dropped

const createPolicy: CreatePolicy<readonly number[], [number, number]> = () => {
  let plan: PushPlan | null = null;
  let phase: "travel" | "stroke" = "travel";
  /** Commands still to send for the current deadbeat move, and where the pusher should be before each. */
  let queue: Vec[] = [];
  let expected: Vec[] = [];
  // The pusher's state as the policy's own PD model tracks it (the pusher is kinematic, so the model is exact).
  const pusher = [0, 0, 0, 0];
  let lastAction: Vec | null = null;

  const blockMoved = (x: number, y: number, a: number, p: PushPlan): boolean => {
    const now = fromOrigin(x, y, a);
    const da = Math.abs(Math.atan2(Math.sin(now[2] - p.block[2]), Math.cos(now[2] - p.block[2])));
    return Math.hypot(now[0] - p.block[0], now[1] - p.block[1]) > DRIFT_TOLERANCE || da > 0.01;
  };

  /**
   * Queues a deadbeat move to `target` (arriving at rest) in the fewest actions, at least `minSteps`, whose
   * commands stay in the arena and whose speed stays under `maxSpeed`; with `keepClear`, whose path also keeps
   * the pusher off the block.
   */
  const moveTo = (p: PushPlan, target: Vec, maxSpeed: number, minSteps: number, keepClear: boolean): boolean => {
    const at: Vec = [pusher[0], pusher[1]];
    const vel: Vec = [pusher[2], pusher[3]];
    const startBody = worldToBody(p.block, at[0], at[1]);
    const startGap = distanceToT(startBody[0], startBody[1]);
    for (let n = Math.max(2, minSteps); n <= 8; n++) {
      const commands = deadbeat(at, vel, target, n);
      if (commands.some((u) => u[0] < 0 || u[0] > 512 || u[1] < 0 || u[1] > 512)) continue;
      const t = trace(at, vel, commands);
      if (t.peakSpeed > maxSpeed && n < 8) continue;
      if (keepClear) {
        let clear = true;
        for (const q of t.points) {
          const b = worldToBody(p.block, q[0], q[1]);
          if (distanceToT(b[0], b[1]) < Math.min(PUSHER_RADIUS + 1, startGap - 0.5)) {
            clear = false;
            break;
          }
        }
        if (!clear) continue;
      }
      queue = commands;
      expected = [at, ...t.points.filter((_, i) => i % SUBSTEPS === SUBSTEPS - 1)];
      return true;
    }
    return false;
  };

  const popQueued = (): Vec | null => {
    if (queue.length === 0) return null;
    const want = expected[0];
    if (Math.hypot(pusher[0] - want[0], pusher[1] - want[1]) > 0.5) {
      queue = [];
      return null;
    }
    expected.shift();
    return queue.shift() ?? null;
  };

  /** The command that advances `p`, or null when it is finished or no longer valid. */
  const follow = (p: PushPlan, obs: readonly number[]): Vec | null => {
    const at: Vec = [obs[0], obs[1]];
    if (phase === "travel") {
      if (blockMoved(obs[2], obs[3], obs[4], p)) return null;
      const gap = Math.hypot(at[0] - p.start[0], at[1] - p.start[1]);
      const speed = Math.hypot(pusher[2], pusher[3]);
      if (gap < ARRIVED && speed < 10 * ARRIVED) {
        phase = "stroke";
        queue = [];
        const distance = Math.hypot(p.end[0] - at[0], p.end[1] - at[1]);
        if (!moveTo(p, p.end, defaults.strokeSpeed, strokeSteps(distance), false)) return null;
        return popQueued();
      }
      const queued = popQueued();
      if (queued) return queued;
      const r = route(p.block, at, p.start);
      if (!r) return null;
      if (r.waypoints.length === 1) {
        if (moveTo(p, p.start, TRAVEL_SPEED, 2, true)) return popQueued();
        return p.start;
      }
      // Head past the corner along the route so the pusher keeps its speed; cut to the next corner when close.
      const w = r.waypoints[0];
      const gapW = Math.hypot(at[0] - w[0], at[1] - w[1]);
      if (gapW < CORNER_CUT) return r.waypoints[1];
      const lead = Math.min(CORNER_LEAD, r.length - gapW);
      return [w[0] + ((w[0] - at[0]) / gapW) * lead, w[1] + ((w[1] - at[1]) / gapW) * lead];
    }
    return popQueued();
  };

  return {
    reset(): void {
      plan = null;
      phase = "travel";
      queue = [];
      lastAction = null;
    },

    act(obs: readonly number[]): [number, number] {
      // Velocity: replay the last command through the PD model, then take the observed position.
      if (lastAction) {
        for (let i = 0; i < SUBSTEPS; i++) pdSubstep(pusher, lastAction[0], lastAction[1]);
      } else {
        pusher[2] = 0;
        pusher[3] = 0;
      }
      pusher[0] = obs[0];
      pusher[1] = obs[1];

      let command: Vec | null = null;
      for (let attempt = 0; attempt < 2 && !command; attempt++) {
        if (!plan) {
          plan = planPush(fromOrigin(obs[2], obs[3], obs[4]), [obs[0], obs[1]]);
          phase = "travel";
          queue = [];
          if (!plan) break;
        }
        command = follow(plan, obs);
        if (!command) {
          plan = null;
          queue = [];
        }
      }
      const out: [number, number] = command
        ? [Math.min(512, Math.max(0, command[0])), Math.min(512, Math.max(0, command[1]))]
        : [obs[0], obs[1]];
      lastAction = out;
      return out;
    },
  };
};

export default createPolicy;
