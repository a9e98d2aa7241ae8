/**
 * The "arm" tool set as policies get it: every 3D task's registry entry hands it out, every function is described,
 * answers are plain data, and a call without a 3D station says why it cannot answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ToolHost } from "../../../core/tools.js";
import { isMujocoTask, listTasks, makeEnv, prepareTask, taskTools } from "../../registry.js";
import { ArmEnv } from "../arm-env.js";
import { ARM_TOOLS_DESCRIBE, armTools } from "./arm-tools.js";

test("every function is described, and only those", () => {
  const set = armTools({ observation: () => undefined, step: () => 0 });
  assert.equal(set.namespace, "arm");
  assert.deepEqual(Object.keys(set.describe).sort(), Object.keys(set.functions).sort());
  for (const [name, line] of Object.entries(ARM_TOOLS_DESCRIBE)) assert.match(line, new RegExp(`^${name}\\(`), name);
});

test("every arm station's policies get ctx.tools.arm; Push-T's do not", () => {
  const host: ToolHost = { observation: () => undefined, step: () => 0 };
  const ids = listTasks().map((t) => t.id);
  // the kitchens' mobile manipulator gets its own tools with the script harness (issue 9)
  for (const id of ids.filter((t) => isMujocoTask(t) && !t.startsWith("kitchen-")))
    assert.ok(
      taskTools(id, host).some((s) => s.namespace === "arm"),
      id,
    );
  assert.ok(!taskTools("pusht", host).some((s) => s.namespace === "arm"));
});

test("the tools answer with plain data on a station, and explain when there is none", async () => {
  await prepareTask("pin-insertion-easy");
  const env = makeEnv("pin-insertion-easy");
  try {
    assert.ok(env instanceof ArmEnv);
    env.reset({ seed: 0 });
    const set = armTools({ observation: () => undefined, step: () => 0, env: () => env });
    const f = set.functions as Record<string, (...a: unknown[]) => unknown>;
    const plain = (v: unknown) => assert.deepEqual(structuredClone(v), v);
    plain(f.state());
    plain(f.cameras());
    plain(f.segmentAll({ query: "pin box", returnMasks: true }));
    plain(f.moveLinear({ pos: [0.35, -0.2, 0.06] }));
    plain(f.gripper({ close: true }));
    const none = armTools({ observation: () => undefined, step: () => 0, env: () => undefined });
    assert.throws(() => (none.functions.state as () => unknown)(), /no station env/);
  } finally {
    env.close();
  }
});

test("every 3D task's main object is known by name and seen by the built-in detector", async () => {
  const main: Record<string, [string, string]> = {
    "pin-insertion": ["nail", "right_wrist_cam"],
    "gpu-insertion": ["motherboard", "top"],
    "pusht-arm": ["t block", "top"],
    "zip-tie-cut": ["post", "top"],
  };
  for (const [id, [query, camera]] of Object.entries(main)) {
    await prepareTask(id);
    const env = makeEnv(id);
    try {
      env.reset({ seed: 0 });
      const set = armTools({ observation: () => undefined, step: () => 0, env: () => env });
      const r = (set.functions.segmentAll as (o: object) => { detections: { score: number }[] })({ query, camera });
      assert.ok(r.detections.length >= 1 && r.detections[0].score > 0.1, `${id}: "${query}" in ${camera}`);
    } finally {
      env.close();
    }
  }
});
