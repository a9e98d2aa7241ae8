import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { policyContext } from "../core/policy.js";
import type { TrialEvent } from "../core/trial.js";
import { PushT } from "../env/tasks/pusht/pusht.js";
import { withSafety } from "../env/wrappers/index.js";
import { loadPolicy } from "../policy/load.js";
import { runTrial } from "./runner.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");

test("the README's loop: a sandboxed policy solves a Push-T seed and the verifier says so", async () => {
  const env = withSafety(new PushT());
  const policy = await loadPolicy(HEURISTIC, policyContext(env.spec));
  const events: TrialEvent[] = [];
  let frames = 0;
  const trial = await runTrial(env, policy, {
    seed: 100000,
    maxSteps: 300,
    frameSize: 96,
    sink: {
      event: (e) => events.push(e),
      frame: async (rgb) => {
        assert.equal(rgb.length, 96 * 96 * 3);
        frames++;
      },
    },
  });
  policy.close();
  assert.deepEqual(trial.outcome, { kind: "success", score: 1 });
  assert.equal(trial.termination, "terminated");
  assert.equal(trial.verification.success, true);
  assert.ok(trial.steps < 300);
  assert.equal(trial.maxReward, 1);
  assert.deepEqual(
    [events[0].event, events.at(-1)?.event],
    ["reset", "verify"],
    "events open with the reset and close with the verdict",
  );
  assert.equal(events.filter((e) => e.event === "step").length, trial.steps);
  assert.equal(frames, trial.steps + 1, "one frame after reset and one per step");
});

test("a trial that runs out of steps fails with the verifier's reason; the same seed repeats exactly", async () => {
  const env = withSafety(new PushT());
  const policy = await loadPolicy(CHASE, policyContext(env.spec));
  const a = await runTrial(env, policy, { seed: 3, maxSteps: 40 });
  const b = await runTrial(env, policy, { seed: 3, maxSteps: 40 });
  policy.close();
  assert.equal(a.outcome.kind, "failure");
  assert.equal(a.termination, "max_steps");
  assert.match(a.outcome.kind === "failure" ? a.outcome.reason : "", /coverage .* after 40 steps/);
  const { elapsedMs: _a, ...restA } = a;
  const { elapsedMs: _b, ...restB } = b;
  assert.deepEqual(restA, restB);
});
