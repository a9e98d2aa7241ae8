/**
 * The zip-tie-tie pixel verifier on real frames: with the task's `verifier: "pixel"` variant, a tie the heuristic
 * completes is judged a success by both views, one the hand never pushed is a failure with each view's reason, and
 * the simulator's verdict stays beside it in the metrics.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Env } from "../../../core/env.js";
import { makeEnv, prepareTask } from "../../registry.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

test("the tie's two views agree with the simulator on a completed tie and on an untouched one", async () => {
  await prepareTask("zip-tie-tie");
  const { default: create } = await import(path.join(ROOT, "examples/policies/zip-tie-tie-heuristic.ts"));
  const env = makeEnv("zip-tie-tie", { verifier: "pixel" }) as Env<number[], number[]>;
  try {
    const policy = create();
    let obs = env.reset({ seed: 100003 });
    for (let t = 0; t < env.spec.maxSteps; t++) {
      const r = env.step(policy.act(obs));
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    const done = env.verify();
    assert.equal(done.metrics.stateSuccess, true, "the heuristic tied it (simulator)");
    assert.equal(done.success, true, done.reason ?? "");
    assert.equal(done.metrics["view.left"], true);
    assert.equal(done.metrics["view.right"], true);

    env.reset({ seed: 100004 });
    for (let t = 0; t < 5; t++) env.step([0, 0, 0]);
    const idle = env.verify();
    assert.equal(idle.metrics.stateSuccess, false);
    assert.equal(idle.success, false);
    assert.match(idle.reason ?? "", /the left view sees no strap above the slot's exit; the right view sees no strap/);
  } finally {
    env.close();
  }
});
