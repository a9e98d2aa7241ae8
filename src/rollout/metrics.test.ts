import assert from "node:assert/strict";
import { test } from "node:test";
import { rollingSuccess, summarise, wilson } from "./metrics.js";

test("Wilson interval matches published values", () => {
  // 45/50: the textbook Wilson 95% interval is [0.7864, 0.9565]
  const w = wilson(45, 50);
  assert.ok(Math.abs(w.low - 0.7864) < 1e-4, `low ${w.low}`);
  assert.ok(Math.abs(w.high - 0.9565) < 1e-4, `high ${w.high}`);
  // all successes still leave room below 1; no successes leave room above 0
  assert.ok(wilson(50, 50).low < 1 && wilson(50, 50).high === 1);
  assert.ok(wilson(0, 10).low === 0 && wilson(0, 10).high > 0.2);
  assert.deepEqual(wilson(0, 0), { low: 0, high: 1 });
});

test("rolling success is defined only once the window is full", () => {
  assert.equal(rollingSuccess([true, true], 3), null);
  assert.equal(rollingSuccess([false, true, true, false], 3), 2 / 3);
});

test("summary counts outcomes and the mean of per-episode max reward", () => {
  const s = summarise([
    { success: true, maxReward: 1, outcomeKind: "success" },
    { success: false, maxReward: 0.5, outcomeKind: "failure" },
    { success: false, maxReward: 0, outcomeKind: "policy-error" },
    { success: true, maxReward: 1, outcomeKind: "success" },
  ]);
  assert.equal(s.successRate, 0.5);
  assert.equal(s.meanMaxReward, 0.625);
  assert.deepEqual(s.outcomes, { success: 2, failure: 1, "policy-error": 1 });
  assert.equal(s.rolling50, null);
});
