/**
 * The free-space planner on a station with a wall between the arm and its goal: the straight joint-space move
 * collides, the planned path does not (checked edge by edge with MuJoCo's collision detection), it ends at the goal,
 * and following it in an env loop reaches the goal without touching the wall.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TaskSpec, Verification } from "../../../core/env.js";
import { ArmEnv, armActionSpace, proprioSpace, type TaskStepOutcome } from "../arm-env.js";
import { geom } from "../mjcf.js";
import { armNames, stationMjcf } from "../robot.js";
import { loadMujocoOnce } from "../runtime.js";
import { armTools } from "./arm-tools.js";
import { ArmCollisionChecker, planFreespaceIn } from "./planner.js";

const ARM = armNames("right");
const Q0 = [0.25, 0.3, 1.66, 1.17, 0, 0]; // the EE low, on one side of the wall

/** One arm in joint mode and a wall (0.5 × 0.01 × 0.25 m) across its front. */
class WallStation extends ArmEnv {
  constructor() {
    const action = { mode: "joint", gripper: "locked-open" } as const;
    const spec: TaskSpec = {
      id: "wall-station",
      version: 1,
      description: "planner test: an arm and a wall",
      observationSpace: proprioSpace(ARM),
      actionSpace: armActionSpace(ARM, action),
      maxSteps: 400,
      controlHz: 20,
      evaluation: {},
    };
    const wall = geom({
      name: "wall",
      type: "box",
      size: [0.25, 0.005, 0.125],
      pos: [0.35, -0.2, 0.125],
      rgba: [0.8, 0.2, 0.2, 1],
    });
    const xml = stationMjcf({ name: "wall-station", arms: [{ prefix: "right", base: [0, -0.2, 0] }], objects: [wall] });
    super({ spec, xml, arm: ARM, action });
  }
  protected resetScene(): void {
    this.holdArm(Q0);
  }
  protected afterControlStep(): TaskStepOutcome {
    return { reward: 0, terminated: false, info: {} };
  }
  verify(): Verification {
    return { success: false, score: null, reason: "no goal", metrics: {} };
  }
}

let env: WallStation;
before(async () => {
  await loadMujocoOnce();
  env = new WallStation();
});
after(() => env.close());

test("the straight move hits the wall; the planned path goes round it, checked by MuJoCo", () => {
  env.reset({ seed: 0 });
  const start = env.robotState();
  assert.ok(start.eePosition[1] > -0.19 && start.eePosition[2] < 0.2, `start ${start.eePosition} beside the wall, low`);
  const goal: [number, number, number] = [start.eePosition[0], -0.2 - (start.eePosition[1] + 0.2), start.eePosition[2]];
  const plan = planFreespaceIn(env, { pos: goal, maxMs: 20_000 });
  assert.equal(plan.ok, true, plan.reason ?? "");
  assert.ok(plan.path.length >= 3, "a detour, not the straight line");
  const checker = new ArmCollisionChecker(env);
  try {
    const first = plan.path[0];
    const last = plan.path[plan.path.length - 1];
    assert.equal(checker.edgeFree(first, last), false, "the straight joint move collides with the wall");
    for (let i = 1; i < plan.path.length; i++) assert.ok(checker.edgeFree(plan.path[i - 1], plan.path[i]), `edge ${i}`);
  } finally {
    checker.dispose();
  }
  console.log(`planFreespace: ${plan.path.length} waypoints, ${plan.nodes} nodes, ${plan.ms} ms`);

  // follow it through the tool set, as a policy would
  const tools = armTools({ observation: () => undefined, step: () => 0, env: () => env });
  const follow = tools.functions.followPath as (p: number[][]) => { action: number[]; arrived: boolean };
  let m = follow(plan.path);
  let steps = 0;
  let wallForce = 0;
  for (; steps < 300 && !m.arrived; steps++) {
    env.step(m.action);
    for (const c of env.robotState().contactForces)
      if (c.bodies[1] === "world") wallForce = Math.max(wallForce, c.normal);
    m = follow(plan.path);
  }
  assert.ok(m.arrived, `arrived in ${steps} steps`);
  const ee = env.robotState().eePosition;
  assert.ok(Math.hypot(ee[0] - goal[0], ee[1] - goal[1], ee[2] - goal[2]) < 0.01, `EE ${ee} at the goal ${goal}`);
  assert.ok(wallForce < 1, `no hard contact on the way (${wallForce} N)`);
});

test("an unreachable or colliding goal is refused with the reason", () => {
  env.reset({ seed: 0 });
  const far = planFreespaceIn(env, { pos: [2, 0, 0.3] });
  assert.equal(far.ok, false);
  assert.match(far.reason ?? "", /unreachable/);
  const inWall = planFreespaceIn(env, { pos: [0.35, -0.2, 0.1], rpy: [180, 0, 0] });
  assert.equal(inWall.ok, false);
  assert.match(inWall.reason ?? "", /collision|unreachable/);
});
