import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { TrialExecutor } from "../../src/rollout/execute.js";
import { bundledPolicy, pushtJob } from "../../test/support/trial-job.js";

const POLICY_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "pusht-pixels.ts");

test("the planner fed by the perception tool solves Push-T from pixels, and every perceive call is in the events", async () => {
  const policy = await bundledPolicy(POLICY_FILE);
  const station = new TrialExecutor("sim-0");
  try {
    for (const seed of [1, 2]) {
      const { output } = await station.run(pushtJob(policy, { obsType: "pixels_agent_pos", seed, maxSteps: 300 }));
      assert.equal(output.outcome.kind, "success", `seed ${seed}: ${JSON.stringify(output.outcome)}`);
      const reset = output.events.find((e) => e.event === "reset");
      // the observation carries the image and the pusher's position, never the block's pose
      assert.deepEqual(Object.keys((reset as { observation: object }).observation).sort(), ["agent_pos", "pixels"]);
      const perceive = output.events.filter((e) => e.event === "tool" && e.tool === "pusht.perceive");
      assert.equal(perceive.length, output.steps, `seed ${seed}: one perceive per step`);
    }
  } finally {
    await station.close();
  }
});
