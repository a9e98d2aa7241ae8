/**
 * The reference episode scripts run where an evaluation runs them: bundled into the sandbox, through a station (the
 * runner drives their motions), on kitchens outside the paper's list (search seeds), and succeed, ending before the
 * horizon with the predicate holding. Their 40-episode figures come from `npm run bench:kitchen`.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint, taskSpec } from "../../src/env/registry.js";
import { TrialExecutor } from "../../src/rollout/execute.js";
import { bundledPolicy, pushtJob } from "../../test/support/trial-job.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The finished reference scripts (each 40/40 on the paper's list; pnp-counter-to-cabinet's, 35/40, is not). */
const FINISHED = [
  "kitchen-coffee-setup-mug",
  "kitchen-open-cabinet",
  "kitchen-open-drawer",
  "kitchen-open-stand-mixer-head",
  "kitchen-pnp-sink-to-counter",
  "kitchen-turn-off-stove",
  "kitchen-turn-on-sink-faucet",
];

const station = new TrialExecutor("sim-0");
test.after(() => station.close());

for (const task of FINISHED) {
  test(`${task}: the reference script succeeds on a kitchen outside the paper's list, through a station`, async () => {
    const spec = taskSpec(task);
    const job = pushtJob(await bundledPolicy(path.join(HERE, `${task}.ts`)), {
      task: { id: task, version: spec.version },
      evalFingerprint: evalFingerprint(task),
      seed: 100_007,
      maxSteps: spec.maxSteps ?? 1000,
    });
    const { output } = await station.run(job);
    assert.equal(output.outcome.kind, "success", JSON.stringify(output.outcome));
    assert.equal(output.termination, "script-end", "the script returned before the horizon");
    assert.ok(output.steps < (spec.maxSteps ?? 1000));
    assert.ok(
      output.events.some((e) => e.event === "tool" && e.tool === "kitchen.segmentAll") ||
        output.events.some((e) => e.event === "tool" && e.tool === "kitchen.image"),
      "it looked at pixels",
    );
  });
}
