/**
 * Progress curves over research wall-clock time, as the ENPIRE paper plots them (paper §4):
 * - AutoEnvBench comparison: each run, a list of (elapsed time, score) points, is interpolated onto a common grid;
 *   the runs of one agent or team size are then averaged, with the standard error of the mean and the best run.
 * - Team-average best success rate: the mean over a team's agents of each agent's personal best so far, a step
 *   ("cliff") curve whose jumps are the score-raising ideas.
 * Times are elapsed minutes, scores 0..1. Everything here is a pure function of its arguments.
 */

/** One observation: `t` elapsed minutes since the research run started, `y` a score or success rate in 0..1. */
export interface CurvePoint {
  t: number;
  y: number;
}

/** Points sorted by `t` (non-decreasing; two points at the same `t` draw a vertical jump). */
export type Curve = CurvePoint[];

/** The paper's grid: 241 points over [0, xMax], e.g. one a minute over 4 hours. */
export const GRID_POINTS = 241;

/**
 * The curve linearly interpolated at `n` equally spaced times over [0, xMax]; before the first point it holds the
 * first value, after the last point the last value. Where several points share a time, the last one counts.
 * @example interpolateOnGrid([{ t: 10, y: 0.5 }, { t: 20, y: 1 }], 30, 4) // [0.5, 0.5, 1, 1]
 */
export function interpolateOnGrid(curve: Curve, xMax: number, n = GRID_POINTS): number[] {
  checkCurve(curve, "curve");
  if (curve.length === 0) throw new RangeError("cannot interpolate an empty curve; it needs at least one point");
  const grid = timeGrid(xMax, n);
  const out = new Array<number>(n);
  let j = -1; // the last point at or before the grid time
  for (let i = 0; i < n; i++) {
    const x = grid[i];
    while (j + 1 < curve.length && curve[j + 1].t <= x) j++;
    if (j < 0) out[i] = curve[0].y;
    else if (j === curve.length - 1) out[i] = curve[j].y;
    else {
      const a = curve[j];
      const b = curve[j + 1]; // b.t > x >= a.t, so the division is safe
      out[i] = a.y + ((b.y - a.y) * (x - a.t)) / (b.t - a.t);
    }
  }
  return out;
}

export interface RunsSummary {
  /** The grid times, minutes: `n` points from 0 to xMax. */
  grid: number[];
  /** Mean over runs at each grid time. */
  mean: number[];
  /** Standard error of the mean: sample standard deviation (ddof = 1) / √runs; 0 everywhere for a single run. */
  sem: number[];
  /** The best run on the grid (see `aggregateRuns`). */
  best: number[];
  /** Its index in the input. */
  bestIndex: number;
}

/**
 * Interpolates every run onto the grid and summarises them: mean, SEM, and the best single run.
 * The best run is the one with the highest value at xMax (the right edge of the chart); among equals, the one that
 * first reached that value on the grid; among those, the first in the input.
 * @example aggregateRuns([[{ t: 0, y: 0.5 }, { t: 60, y: 1 }], [{ t: 0, y: 0.5 }]], 60, 3).mean // [0.5, 0.625, 0.75]
 */
export function aggregateRuns(curves: readonly Curve[], xMax: number, n = GRID_POINTS): RunsSummary {
  if (curves.length === 0) throw new RangeError("aggregateRuns needs at least one run, got none");
  const grid = timeGrid(xMax, n);
  const runs = curves.map((c, r) => {
    try {
      return interpolateOnGrid(c, xMax, n);
    } catch (error) {
      throw new RangeError(`run ${r}: ${(error as Error).message}`, { cause: error });
    }
  });
  const k = runs.length;
  const mean = grid.map((_, i) => runs.reduce((s, run) => s + run[i], 0) / k);
  const sem = grid.map((_, i) => {
    if (k === 1) return 0;
    const ss = runs.reduce((s, run) => s + (run[i] - mean[i]) ** 2, 0);
    return Math.sqrt(ss / (k - 1)) / Math.sqrt(k);
  });
  const EPS = 1e-12; // interpolation noise: 0.1 + 0.2 should tie with 0.3
  const ranked = runs.map((run, index) => {
    const final = run[n - 1];
    return { index, final, reachedAt: run.findIndex((v) => v >= final - EPS) };
  });
  ranked.sort((a, b) => (Math.abs(a.final - b.final) > EPS ? b.final - a.final : a.reachedAt - b.reachedAt));
  const bestIndex = ranked[0].index;
  return { grid, mean, sem, best: runs[bestIndex], bestIndex };
}

/**
 * The first time a point of the curve reaches `threshold` (y ≥ threshold), or null if none does. Only the recorded
 * points count, not the interpolation between them.
 * @example timeToReach([{ t: 0, y: 0.5 }, { t: 40, y: 1 }], 1) // 40
 */
export function timeToReach(curve: Curve, threshold: number): number | null {
  checkCurve(curve, "curve");
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  return curve.find((p) => p.y >= threshold)?.t ?? null;
}

/**
 * A step ("cliff") curve through events: each value holds until the next event. Every jump is two points at the
 * same time (the old value, then the new one), so a line chart draws vertical risers. Events at the same time
 * collapse to the last one; events that do not change the value add nothing. `until` holds the last value to then.
 * @example stepCurve([{ t: 0, y: 0 }, { t: 5, y: 0.5 }], { until: 10 })
 * // [{ t: 0, y: 0 }, { t: 5, y: 0 }, { t: 5, y: 0.5 }, { t: 10, y: 0.5 }]
 */
export function stepCurve(events: readonly CurvePoint[], options: { until?: number } = {}): Curve {
  checkCurve(events, "events");
  const out: Curve = [];
  for (let i = 0; i < events.length; i++) {
    const { t, y } = events[i];
    if (i + 1 < events.length && events[i + 1].t === t) continue; // a later event at the same time wins
    const last = out.at(-1);
    if (!last) out.push({ t, y });
    else if (y !== last.y) out.push({ t, y: last.y }, { t, y });
  }
  const { until } = options;
  if (until !== undefined && out.length > 0) {
    const last = out.at(-1)!;
    if (!Number.isFinite(until) || until < events.at(-1)!.t) {
      throw new RangeError(`until must be at or after the last event (t = ${events.at(-1)!.t}), got ${until}`);
    }
    if (until > last.t) out.push({ t: until, y: last.y });
  }
  return out;
}

/** A result that raised the team-average best. */
export interface TeamRaise {
  t: number; // minutes
  agent: string;
  /** How much the team average rose, in score units (0.108 = +10.8 pp). */
  gain: number;
  /** The team average after it. */
  y: number;
}

export interface TeamBest {
  /** The team-average best over time, a step curve from (0, 0). */
  curve: Curve;
  /** The results that raised it, in time order; their gains sum to the final value. */
  raises: TeamRaise[];
}

/**
 * The team-average best success rate (paper §4, App. B.6): at each moment, the mean over `agents` of each agent's
 * personal best so far; an agent with no result yet counts as 0. Results at the same time are taken in the order of
 * `agents`, then in their given order.
 * @example teamAverageBest({ a: [{ t: 5, y: 0.5 }], b: [{ t: 9, y: 1 }] }, ["a", "b"]).raises.map((r) => r.gain)
 * // [0.25, 0.5]
 */
export function teamAverageBest(
  perAgent: Readonly<Record<string, readonly CurvePoint[]>>,
  agents: readonly string[],
  options: { until?: number } = {},
): TeamBest {
  if (agents.length === 0) throw new RangeError("teamAverageBest needs at least one agent, got none");
  const order = new Map(agents.map((a, i) => [a, i]));
  if (order.size !== agents.length) throw new RangeError(`agents must be unique, got ${agents.join(", ")}`);
  const results: { t: number; y: number; agent: string; rank: number; seq: number }[] = [];
  for (const [agent, points] of Object.entries(perAgent)) {
    const rank = order.get(agent);
    if (rank === undefined) {
      throw new RangeError(`results for agent "${agent}", who is not in the team (${agents.join(", ")})`);
    }
    points.forEach(({ t, y }, i) => {
      if (!Number.isFinite(t) || t < 0) throw new RangeError(`agent "${agent}" result ${i}: t must be ≥ 0, got ${t}`);
      if (!(y >= 0 && y <= 1)) throw new RangeError(`agent "${agent}" result ${i}: y must be in 0..1, got ${y}`);
      results.push({ t, y, agent, rank, seq: i });
    });
  }
  results.sort((a, b) => a.t - b.t || a.rank - b.rank || a.seq - b.seq);

  const best = new Array<number>(agents.length).fill(0);
  const raises: TeamRaise[] = [];
  let team = 0;
  for (const r of results) {
    if (r.y <= best[r.rank]) continue;
    best[r.rank] = r.y;
    const next = best.reduce((s, b) => s + b, 0) / agents.length; // summed afresh: no drift over many raises
    raises.push({ t: r.t, agent: r.agent, gain: next - team, y: next });
    team = next;
  }
  const curve = stepCurve([{ t: 0, y: 0 }, ...raises.map(({ t, y }) => ({ t, y }))], options);
  return { curve, raises };
}

/** `n` equally spaced times over [0, xMax]; the last is exactly xMax. */
function timeGrid(xMax: number, n: number): number[] {
  if (!(Number.isFinite(xMax) && xMax > 0)) throw new RangeError(`xMax must be a positive number, got ${xMax}`);
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`the grid needs an integer n ≥ 2 points, got ${n}`);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? xMax : (xMax * i) / (n - 1)));
}

function checkCurve(curve: readonly CurvePoint[], what: string): void {
  curve.forEach((p, i) => {
    if (!Number.isFinite(p.t) || !Number.isFinite(p.y)) {
      throw new RangeError(`${what} point ${i} must have finite t and y, got t = ${p.t}, y = ${p.y}`);
    }
    if (i > 0 && p.t < curve[i - 1].t) {
      throw new RangeError(`${what} must be sorted by t: point ${i} (t = ${p.t}) comes after t = ${curve[i - 1].t}`);
    }
  });
}
