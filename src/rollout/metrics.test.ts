import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cumulativeSuccess,
  passAtK,
  passAtKInContext,
  rollingSuccess,
  rollingSuccessCurve,
  summarise,
  utilisation,
  utilisationTimeline,
  wilson,
} from "./metrics.js";

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
  const outcomes = [false, true, true, false, true, true, true, false];
  const curve = rollingSuccessCurve(outcomes, 3);
  assert.deepEqual(curve.slice(0, 2), [null, null]);
  for (let i = 0; i < outcomes.length; i++) {
    assert.equal(curve[i], rollingSuccess(outcomes.slice(0, i + 1), 3), `after ${i + 1} trials`);
  }
});

test("summary counts outcomes and the mean of per-episode max reward", () => {
  const s = summarise([
    { success: true, maxReward: 1, outcomeKind: "success" },
    { success: false, maxReward: 0.5, outcomeKind: "failure" },
    { success: false, maxReward: 0, outcomeKind: "policy-error" },
    { success: true, maxReward: 1, outcomeKind: "success" },
    { success: false, maxReward: 0.2, outcomeKind: "interrupted", counted: false },
  ]);
  assert.equal(s.episodes, 4, "the interrupted trial is not an episode");
  assert.equal(s.successRate, 0.5);
  assert.equal(s.meanMaxReward, 0.625);
  assert.deepEqual(s.outcomes, { success: 2, failure: 1, "policy-error": 1, interrupted: 1 });
  assert.equal(s.rolling, null);
  assert.equal(s.window, 50);
});

test("pass@k: the unbiased estimator agrees with brute-force enumeration", () => {
  // n = 6 trials, c = 2 successes, k = 3: of the C(6,3) = 20 subsets, C(4,3) = 4 have no success -> 1 - 4/20
  assert.ok(Math.abs((passAtK(6, 2, 3) ?? 0) - 0.8) < 1e-12);
  assert.ok(Math.abs((passAtK(10, 3, 1) ?? 0) - 0.3) < 1e-12, "pass@1 is the success rate");
  assert.equal(passAtK(5, 5, 2), 1);
  assert.equal(passAtK(5, 0, 2), 0);
  assert.equal(passAtK(2, 1, 3), null, "fewer trials than k say nothing");
});

test("ENPIRE pass@k counts episodes that succeed within k in-context tries", () => {
  const episodes = [
    { successTry: 1, triesRun: 1 },
    { successTry: 3, triesRun: 3 },
    { successTry: null, triesRun: 8 },
    { successTry: null, triesRun: 2 }, // stopped early (e.g. a safety stop): unknown for k > 2
  ];
  assert.equal(passAtKInContext(episodes, 1), 1 / 4);
  assert.equal(passAtKInContext(episodes, 3), 2 / 3);
  assert.equal(passAtKInContext(episodes, 8), 2 / 3);
});

test("cumulative success after each trial", () => {
  assert.deepEqual(cumulativeSuccess([true, false, true, true]), [1, 0.5, 2 / 3, 0.75]);
});

test("MRU: busy fraction per station over the span, overlaps counted once; timeline shows idle gaps", () => {
  const u = utilisation([
    { station: "a", startMs: 0, endMs: 50 },
    { station: "a", startMs: 40, endMs: 100 }, // overlaps the first
    { station: "b", startMs: 0, endMs: 25 },
    { station: "b", startMs: 75, endMs: 100 },
  ]);
  assert.equal(u.perStation.a, 1);
  assert.equal(u.perStation.b, 0.5);
  assert.equal(u.fleet, 0.75);
  const rows = utilisationTimeline(
    [
      { station: "a", startMs: 0, endMs: 100 },
      { station: "b", startMs: 0, endMs: 50 },
    ],
    10,
  );
  assert.equal(rows[0], "a |██████████| 100.0%");
  assert.equal(rows[1], "b |█████     | 50.0%");
});
