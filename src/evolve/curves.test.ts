import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateRuns, type Curve, interpolateOnGrid, stepCurve, teamAverageBest, timeToReach } from "./curves.js";

/** A curve from [t, y] pairs. */
const curve = (...pairs: [number, number][]): Curve => pairs.map(([t, y]) => ({ t, y }));

function assertClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]) < 1e-12, `${what}[${i}]: ${v} ≠ ${expected[i]}`);
  });
}

test("interpolation holds the first and last values outside the data and is linear between points", () => {
  const c = curve([10, 0.2], [20, 0.6], [30, 0.6]);
  // grid every 5 min over [0, 40]
  assertClose(interpolateOnGrid(c, 40, 9), [0.2, 0.2, 0.2, 0.4, 0.6, 0.6, 0.6, 0.6, 0.6], "grid");
  assertClose(interpolateOnGrid(curve([0, 0], [8, 1]), 8, 5), [0, 0.25, 0.5, 0.75, 1], "ramp");
  assert.equal(interpolateOnGrid(c, 240).length, 241, "the paper's 241-point grid by default");
});

test("at a vertical jump (two points at one time) the grid takes the value after it", () => {
  assert.deepEqual(interpolateOnGrid(curve([0, 0], [10, 0], [10, 1]), 20, 5), [0, 0, 1, 1, 1]);
});

test("curves that are empty, unsorted or not finite are refused with the offending point", () => {
  assert.throws(() => interpolateOnGrid([], 10), /empty curve/);
  assert.throws(() => interpolateOnGrid(curve([5, 0], [2, 1]), 10), /sorted by t: point 1 \(t = 2\) comes after t = 5/);
  assert.throws(() => interpolateOnGrid(curve([0, Number.NaN]), 10), /point 0 must have finite t and y/);
  assert.throws(() => interpolateOnGrid(curve([0, 0]), 0), /xMax must be a positive number, got 0/);
  assert.throws(() => interpolateOnGrid(curve([0, 0]), 10, 1), /n ≥ 2 points, got 1/);
});

test("mean and SEM across runs: SEM = sample std (ddof = 1) / √n", () => {
  const s = aggregateRuns([curve([0, 0.2]), curve([0, 0.4]), curve([0, 0.9])], 60, 3);
  // mean 0.5; deviations −0.3, −0.1, 0.4; ss = 0.26; variance 0.26 / 2 = 0.13; SEM = √(0.13 / 3) ≈ 0.2082
  assertClose(s.mean, [0.5, 0.5, 0.5], "mean");
  assertClose(s.sem, Array(3).fill(Math.sqrt(0.13 / 3)), "SEM");
  assert.deepEqual(s.grid, [0, 30, 60]);
});

test("a single run has SEM 0 and is its own best", () => {
  const s = aggregateRuns([curve([0, 0.5], [60, 1])], 60, 3);
  assert.deepEqual(s.sem, [0, 0, 0]);
  assert.deepEqual(s.mean, [0.5, 0.75, 1]);
  assert.deepEqual(s.best, s.mean);
  assert.equal(s.bestIndex, 0);
});

test("the best run has the highest final value; among equals, the one that got there first", () => {
  const late = curve([0, 0.5], [30, 1]);
  const early = curve([0, 0.5], [20, 1]);
  const short = curve([0, 0.6], [10, 0.9]);
  assert.equal(aggregateRuns([short, late, early], 60, 61).bestIndex, 2);
  assert.equal(aggregateRuns([short, late], 60, 61).bestIndex, 1);
  assert.deepEqual(aggregateRuns([short, late, early], 60, 61).best, interpolateOnGrid(early, 60, 61));
  assert.throws(() => aggregateRuns([], 60), /at least one run/);
  assert.throws(() => aggregateRuns([late, []], 60), /run 1: cannot interpolate an empty curve/);
});

test("time to reach is the first recorded point at or above the threshold", () => {
  const c = curve([0, 0.52], [50, 0.88], [80, 0.94], [220, 1]);
  assert.equal(timeToReach(c, 0.9), 80);
  assert.equal(timeToReach(c, 0.88), 50);
  assert.equal(timeToReach(c, 1), 220);
  assert.equal(timeToReach(c, 1.01), null);
});

test("a step curve holds each value until the next event, with two points per jump", () => {
  // at t = 5 the later event wins; at t = 8 nothing changes, so nothing is drawn
  const events = curve([0, 0], [5, 0.5], [5, 0.6], [8, 0.6], [10, 1]);
  assert.deepEqual(stepCurve(events, { until: 12 }), curve([0, 0], [5, 0], [5, 0.6], [10, 0.6], [10, 1], [12, 1]));
  assert.deepEqual(stepCurve([]), []);
  assert.throws(() => stepCurve(events, { until: 9 }), /until must be at or after the last event \(t = 10\), got 9/);
});

test("team-average best: mean of personal bests so far, absent agents count 0, with each raise and its gain", () => {
  const team = teamAverageBest(
    {
      a: curve([2, 0.4], [6, 0.3], [9, 0.8]), // 0.3 is below a's best: no raise
      b: curve([4, 0.6]),
      c: curve([9, 0.2]), // same time as a's 0.8: a comes first in the team order
    },
    ["a", "b", "c", "d"], // d never reports: counts 0
    { until: 12 },
  );
  // bests (a, b, c, d): t2 (.4,0,0,0) → .1; t4 (.4,.6,0,0) → .25; t9 (.8,.6,0,0) → .35, then (.8,.6,.2,0) → .4
  assert.deepEqual(
    team.raises.map((r) => [r.t, r.agent]),
    [
      [2, "a"],
      [4, "b"],
      [9, "a"],
      [9, "c"],
    ],
  );
  assertClose(
    team.raises.map((r) => r.gain),
    [0.1, 0.15, 0.1, 0.05],
    "gains",
  );
  assertClose(
    team.raises.map((r) => r.y),
    [0.1, 0.25, 0.35, 0.4],
    "team average after each raise",
  );
  assert.deepEqual(
    team.curve.map((p) => p.t),
    [0, 2, 2, 4, 4, 9, 9, 12],
  );
  assertClose(
    team.curve.map((p) => p.y),
    [0, 0, 0.1, 0.1, 0.25, 0.25, 0.4, 0.4],
    "step curve",
  );
});

test("team-average best refuses results from outside the team and scores outside 0..1", () => {
  assert.throws(
    () => teamAverageBest({ x: curve([1, 0.5]) }, ["a", "b"]),
    /agent "x", who is not in the team \(a, b\)/,
  );
  assert.throws(() => teamAverageBest({ a: curve([1, 45]) }, ["a"]), /y must be in 0\.\.1, got 45/);
  assert.throws(() => teamAverageBest({}, []), /at least one agent/);
});

test("the gains of all raises sum to the final team average (paper §5.5's first steps as one agent)", () => {
  const steps = [0, 12.5, 13.16, 17.33, 19.41, 23.2, 24.51, 36.07, 37.75, 38.04, 38.8, 43.08, 48.32, 59.14, 59.72];
  const results = steps.map((y, i) => ({ t: i * 3, y: y / 100 }));
  const team = teamAverageBest({ solo: [...results, { t: 50, y: 0.3 }] }, ["solo"]);
  assert.equal(team.raises.length, steps.length - 1, "every rise counts; the later, lower result does not");
  assertClose([team.raises.reduce((s, r) => s + r.gain, 0)], [0.5972], "sum of gains");
});
