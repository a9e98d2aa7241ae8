import assert from "node:assert/strict";
import { test } from "node:test";
import type { ToolHost } from "../../../core/tools.js";
import { toolSetsFor } from "../../../policy/skills/index.js";
import { PushT, type PushTObsType } from "./pusht.js";
import { type BlockPose, type Motion, type Perception, pushtSkills } from "./skills.js";

/** A real Push-T env and the skills served from it, as a station serves them: last observation, and its camera. */
function station<K extends PushTObsType>(obsType: K, seed: number) {
  const env = new PushT({ obsType });
  let observation: unknown = env.reset({ seed });
  let step = 0;
  const host: ToolHost = { observation: () => observation, step: () => step, camera: (size) => env.render(size) };
  const tools = pushtSkills(host).functions as unknown as {
    perceive(): Perception;
    goal(): BlockPose;
    moveTo(x: number, y: number, opts?: { maxStepPx?: number }): Motion;
    pushAlong(dx: number, dy: number, opts?: { depthPx?: number; offsetPx?: number }): Motion;
    retreat(opts?: { distancePx?: number }): Motion;
  };
  const act = (action: [number, number]) => {
    observation = env.step(action).observation;
    step++;
  };
  return { env, tools, act };
}

const angleGap = (a: number, b: number) => Math.abs(Math.atan2(Math.sin(a - b), Math.cos(a - b)));

test("perceive reads the block and pusher from pixels within a few px of the true state", () => {
  for (const obsType of ["pixels", "state"] as const) {
    for (const seed of [0, 1, 2, 3, 4]) {
      const { env, tools, act } = station(obsType, seed);
      act([256, 256]); // a step, so the camera frame carries the commanded-target cross
      const [ax, ay, bx, by, angle] = env.state();
      const seen = tools.perceive();
      assert.ok(seen.block && seen.agent, `seed ${seed}: block and pusher in view`);
      const where = `${obsType} seed ${seed}`;
      assert.ok(
        Math.hypot(seen.block.x - bx, seen.block.y - by) < 8,
        `${where}: block ${JSON.stringify(seen.block)} vs ${bx}, ${by}`,
      );
      assert.ok(angleGap(seen.block.angle, angle) < 0.06, `${where}: angle ${seen.block.angle} vs ${angle}`);
      // the pusher may sit on the block, which hides part of it; its disc is still mostly in view
      assert.ok(
        Math.hypot(seen.agent.x - ax, seen.agent.y - ay) < 8,
        `${where}: pusher ${JSON.stringify(seen.agent)} vs ${ax}, ${ay}`,
      );
      assert.ok(seen.confidence > 0.9, `${where}: confidence ${seen.confidence}`);
      // the centre of gravity is 45 px along the body's +y axis from the origin
      assert.ok(Math.abs(Math.hypot(seen.block.cx - seen.block.x, seen.block.cy - seen.block.y) - 45) < 1e-9);
    }
  }
});

test("goal is the task's public target pose", () => {
  const { tools } = station("pixels", 0);
  const g = tools.goal();
  assert.deepEqual([g.x, g.y, g.angle], [256, 256, Math.PI / 4]);
});

test("moveTo steps at most maxStepPx and converges on the point", () => {
  const { env, tools, act } = station("pixels_agent_pos", 7);
  const target: [number, number] = [100, 420];
  let last: Motion | undefined;
  for (let i = 0; i < 60; i++) {
    last = tools.moveTo(...target, { maxStepPx: 30 });
    const [ax, ay] = env.state();
    assert.ok(Math.hypot(last.action[0] - ax, last.action[1] - ay) <= 30 + 1e-9);
    if (last.arrived) break;
    act(last.action);
  }
  assert.ok(last?.arrived, `did not arrive: ${JSON.stringify(last)}`);
  const [ax, ay] = env.state();
  assert.ok(Math.hypot(ax - target[0], ay - target[1]) < 5);
});

test("pushAlong moves the block along the direction in a real Push-T env", () => {
  for (const [seed, dir] of [
    [0, [1, 0]],
    [5, [0, -1]],
    [11, [-1, 1]],
  ] as const) {
    const { env, tools, act } = station("pixels", seed);
    const start = tools.perceive().block as BlockPose;
    const phases = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const m = tools.pushAlong(dir[0], dir[1]);
      phases.add(m.phase);
      act(m.action);
    }
    const [bx, by, angle] = env.state();
    const end = { x: bx, y: by, angle };
    const endCog = [end.x - Math.sin(angle) * 45, end.y + Math.cos(angle) * 45];
    const moved = [endCog[0] - start.cx, endCog[1] - start.cy];
    const len = Math.hypot(dir[0], dir[1]);
    const along = (moved[0] * dir[0] + moved[1] * dir[1]) / len;
    const across = Math.abs(moved[0] * dir[1] - moved[1] * dir[0]) / len;
    assert.ok(phases.has("push"), `seed ${seed}: phases ${[...phases]}`);
    assert.ok(along > 40, `seed ${seed}: moved ${along.toFixed(1)} px along (${dir}), ${across.toFixed(1)} across`);
    assert.ok(across < along, `seed ${seed}: moved ${along.toFixed(1)} px along, ${across.toFixed(1)} across`);
  }
});

test("retreat takes the pusher clear of the block", () => {
  const { env, tools, act } = station("pixels", 0);
  for (let i = 0; i < 25; i++) act(tools.pushAlong(1, 0).action);
  let m = tools.retreat({ distancePx: 40 });
  for (let i = 0; i < 20 && !m.arrived; i++) {
    act(m.action);
    m = tools.retreat({ distancePx: 40 });
  }
  assert.ok(m.arrived, JSON.stringify(m));
  const [ax, ay, bx, by, angle] = env.state();
  const cog = [bx - Math.sin(angle) * 45, by + Math.cos(angle) * 45];
  assert.ok(Math.hypot(ax - cog[0], ay - cog[1]) > 40 + 15, "the pusher is away from the block");
});

test("the registry gives Push-T its skills, each described, and other tasks none of them", () => {
  const host: ToolHost = { observation: () => undefined, step: () => 0 };
  const sets = toolSetsFor("pusht", host);
  const pusht = sets.find((s) => s.namespace === "pusht");
  assert.ok(pusht);
  assert.deepEqual(Object.keys(pusht.functions).sort(), [
    "approach",
    "goal",
    "moveTo",
    "perceive",
    "pushAlong",
    "retreat",
  ]);
  for (const name of Object.keys(pusht.functions)) assert.match(pusht.describe[name] ?? "", new RegExp(`^${name}\\(`));
  assert.equal(
    toolSetsFor("pusht-arm", host).find((s) => s.namespace === "pusht"),
    undefined,
  );
  // with neither pixels nor a camera, perception says why
  assert.throws(() => (pusht.functions.perceive as () => unknown)(), /no pixels and this station has no camera/);
});
