/**
 * A Push-T policy (state observation) whose every tunable number lives in params.json: closed-loop push planning
 * with an internal quasi-static model.
 *
 * Observation  [agentX, agentY, blockX, blockY, blockAngle] px (y down) and rad; the block pose is its body origin
 * Action       pusher target [x, y] px in 0..512
 *
 * Each decision picks one straight stroke: a start point `standoff` px off the T's outline and a depth past first
 * contact (up to `maxDepth`), by simulating each candidate with a frictionless, momentum-free push model and keeping
 * the one whose predicted pose cost falls fastest per control step, counting the steps to get there. The pusher
 * travels to the start around the block, arrives at rest there (a deadbeat move through the PD tracking), strokes
 * (another one, at most `strokeSpeed`), and the policy re-plans from the new observation.
 * README.md says what each parameter does; planner.ts, model.ts and pd.ts hold the planner, the model and the
 * pusher control.
 */
import { distanceToT, fromOrigin, PUSHER_RADIUS, pdSubstep, SUBSTEPS, type Vec, worldToBody } from "./model.js";
import params from "./params.json" with { type: "json" };
import { deadbeat, trace } from "./pd.js";
import { createPlanner, type PlannerParams, type PushPlan } from "./planner.js";

/** Everything params.json holds: the planner's knobs and the pusher controller's. */
export interface Params extends PlannerParams {
  travelSpeed: number; // px/s the pusher may reach on the last, straight leg to a stroke's start
  driftTolerance: number; // px the block may move during travel before the plan is dropped
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "strokeSpeed",
  "standoff",
  "maxDepth",
  "costFloor",
  "waypointOffset",
  "travelSpeed",
  "driftTolerance",
] as const satisfies readonly (keyof Params)[];

/** px from a stroke's start (and px/s × 0.1 of speed) at which the pusher counts as arrived and the stroke begins. */
const ARRIVED = 0.5;
/** px from a detour corner at which the pusher heads for the next one. */
const CORNER_CUT = 20;
/** px past a detour corner the pusher is steered to, so it does not stop there. */
const CORNER_LEAD = 50;
/** px a bar end moves when the block turns by one radian, near enough: turns count as drift through it. */
const TURN_ARM = 50;

/**
 * Checks a parsed params.json: every key present, a finite positive number; anything else is refused by name, so a
 * typo in params.json is a load error rather than a silently different policy.
 */
export function checkParams(raw: unknown): Params {
  if (typeof raw !== "object" || raw === null) throw new Error(`params.json must hold an object, got ${String(raw)}`);
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`params.json has unknown keys ${unknown.join(", ")}; the keys are ${PARAM_NAMES.join(", ")}`);
  }
  for (const name of PARAM_NAMES) {
    const v = record[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new Error(`params.json "${name}" must be a finite number > 0, got ${JSON.stringify(v)}`);
    }
  }
  return record as unknown as Params;
}

/** The policy for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params): {
  reset(): void;
  act(obs: readonly number[]): [number, number];
} {
  const planner = createPlanner(p);
  let plan: PushPlan | null = null;
  let phase: "travel" | "stroke" = "travel";
  /** Commands still to send for the current deadbeat move, and where the pusher should be before each. */
  let queue: Vec[] = [];
  let expected: Vec[] = [];
  // The pusher's state as the policy's own PD model tracks it (the pusher is kinematic, so the model is exact).
  const pusher = [0, 0, 0, 0];
  let lastAction: Vec | null = null;

  const blockMoved = (x: number, y: number, a: number, plan: PushPlan): boolean => {
    const now = fromOrigin(x, y, a);
    const da = Math.abs(Math.atan2(Math.sin(now[2] - plan.block[2]), Math.cos(now[2] - plan.block[2])));
    const moved = Math.hypot(now[0] - plan.block[0], now[1] - plan.block[1]);
    return moved > p.driftTolerance || da * TURN_ARM > p.driftTolerance;
  };

  /**
   * Queues a deadbeat move to `target` (arriving at rest) in the fewest actions, at least `minSteps`, whose
   * commands stay in the arena and whose speed stays under `maxSpeed`; with `keepClear`, whose path also keeps
   * the pusher off the block.
   */
  const moveTo = (plan: PushPlan, target: Vec, maxSpeed: number, minSteps: number, keepClear: boolean): boolean => {
    const at: Vec = [pusher[0], pusher[1]];
    const vel: Vec = [pusher[2], pusher[3]];
    const startBody = worldToBody(plan.block, at[0], at[1]);
    const startGap = distanceToT(startBody[0], startBody[1]);
    for (let n = Math.max(2, minSteps); n <= 8; n++) {
      const commands = deadbeat(at, vel, target, n);
      if (commands.some((u) => u[0] < 0 || u[0] > 512 || u[1] < 0 || u[1] > 512)) continue;
      const t = trace(at, vel, commands);
      if (t.peakSpeed > maxSpeed && n < 8) continue;
      if (keepClear) {
        let clear = true;
        for (const q of t.points) {
          const b = worldToBody(plan.block, q[0], q[1]);
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

  /** The command that advances `plan`, or null when it is finished or no longer valid. */
  const follow = (plan: PushPlan, obs: readonly number[]): Vec | null => {
    const at: Vec = [obs[0], obs[1]];
    if (phase === "travel") {
      if (blockMoved(obs[2], obs[3], obs[4], plan)) return null;
      const gap = Math.hypot(at[0] - plan.start[0], at[1] - plan.start[1]);
      const speed = Math.hypot(pusher[2], pusher[3]);
      if (gap < ARRIVED && speed < 10 * ARRIVED) {
        phase = "stroke";
        queue = [];
        const distance = Math.hypot(plan.end[0] - at[0], plan.end[1] - at[1]);
        if (!moveTo(plan, plan.end, p.strokeSpeed, planner.strokeSteps(distance), false)) return null;
        return popQueued();
      }
      const queued = popQueued();
      if (queued) return queued;
      const r = planner.route(plan.block, at, plan.start);
      if (!r) return null;
      if (r.waypoints.length === 1) {
        if (moveTo(plan, plan.start, p.travelSpeed, 2, true)) return popQueued();
        return plan.start;
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
          plan = planner.planPush(fromOrigin(obs[2], obs[3], obs[4]), [obs[0], obs[1]]);
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
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
