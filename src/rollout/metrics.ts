/**
 * Run metrics: success rate with a Wilson score interval, Diffusion Policy's score (mean of per-episode max reward),
 * and rolling success over the last W episodes (defined only once W episodes exist, as ENPIRE's scorer does).
 */

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for k successes in n trials; [0, 1] when n = 0.
 * @example wilson(45, 50) // { low: 0.786..., high: 0.956... }
 */
export function wilson(successes: number, trials: number, z = Z95): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Success rate over the last `window` outcomes, or null while fewer than `window` exist. */
export function rollingSuccess(successes: readonly boolean[], window = 50): number | null {
  if (successes.length < window) return null;
  let k = 0;
  for (let i = successes.length - window; i < successes.length; i++) if (successes[i]) k++;
  return k / window;
}

/** Rolling success after each trial over the last `window` (null until `window` trials exist), in O(n). */
export function rollingSuccessCurve(successes: readonly boolean[], window = 50): (number | null)[] {
  let inWindow = 0;
  return successes.map((s, i) => {
    if (s) inWindow++;
    if (i >= window && successes[i - window]) inWindow--;
    return i + 1 >= window ? inWindow / window : null;
  });
}

export interface RunSummary {
  episodes: number;
  successes: number;
  successRate: number | null; // null when no episode finished
  wilson95: Interval;
  meanMaxReward: number | null; // Diffusion Policy's test/mean_score
  rolling: number | null; // success over the last `window` trials; null while fewer exist
  window: number;
  outcomes: Record<string, number>; // count per outcome kind
}

/**
 * Summarises trials in the order they were run. Interrupted trials (counted: false) appear in `outcomes` and in
 * nothing else: they are neither successes nor failures.
 */
export function summarise(
  all: readonly { success: boolean; maxReward: number; outcomeKind: string; counted?: boolean }[],
  window = 50,
): RunSummary {
  const outcomes: Record<string, number> = {};
  for (const t of all) outcomes[t.outcomeKind] = (outcomes[t.outcomeKind] ?? 0) + 1;
  const trials = all.filter((t) => t.counted !== false);
  const successes = trials.filter((t) => t.success).length;
  return {
    episodes: trials.length,
    successes,
    successRate: trials.length ? successes / trials.length : null,
    wilson95: wilson(successes, trials.length),
    meanMaxReward: trials.length ? trials.reduce((a, t) => a + t.maxReward, 0) / trials.length : null,
    window,
    rolling: rollingSuccess(
      trials.map((t) => t.success),
      window,
    ),
    outcomes,
  };
}

/**
 * Unbiased pass@k from n i.i.d. trials with c successes: the probability that at least one of k trials drawn
 * without replacement succeeds, 1 − C(n−c, k) / C(n, k) (computed as a product, stable for large n). Null when
 * fewer than k trials exist.
 * @example passAtK(10, 3, 1) // 0.3
 */
export function passAtK(n: number, c: number, k: number): number | null {
  if (k < 1 || n < k) return null;
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/**
 * ENPIRE's pass@k: within one long-horizon episode, up to k in-context tries, each after a failure and from the
 * state the failure left. The fraction of episodes whose first successful try is among their first k tries.
 * `successTry` is 1-based (null: no try succeeded); only episodes that ran at least k tries or succeeded earlier
 * say anything about k, so the others are left out of that k's denominator.
 */
export function passAtKInContext(
  episodes: readonly { successTry: number | null; triesRun: number }[],
  k: number,
): number | null {
  const known = episodes.filter((e) => (e.successTry !== null && e.successTry <= k) || e.triesRun >= k);
  if (known.length === 0) return null;
  return known.filter((e) => e.successTry !== null && e.successTry <= k).length / known.length;
}

/** Success rate over all trials so far, after each trial: the cumulative curve. */
export function cumulativeSuccess(successes: readonly boolean[]): number[] {
  let k = 0;
  return successes.map((s, i) => {
    if (s) k++;
    return k / (i + 1);
  });
}

export interface BusyInterval {
  station: string;
  startMs: number; // epoch ms
  endMs: number;
}

export interface Utilisation {
  /** Wall-clock span the utilisation is measured over, epoch ms. */
  fromMs: number;
  toMs: number;
  /** Mean Robot Utilization per station: fraction of the span it was executing a trial. */
  perStation: Record<string, number>;
  /** The fleet's MRU: the mean over stations. */
  fleet: number | null;
}

/**
 * Mean Robot Utilization (ENPIRE §2.2): the fraction of research wall-clock time during which a station is
 * executing a trial, per station and averaged over the fleet. Overlapping intervals of one station count once.
 */
export function utilisation(intervals: readonly BusyInterval[], fromMs?: number, toMs?: number): Utilisation {
  const from = fromMs ?? Math.min(...intervals.map((i) => i.startMs));
  const to = toMs ?? Math.max(...intervals.map((i) => i.endMs));
  const span = to - from;
  const byStation = new Map<string, BusyInterval[]>();
  for (const i of intervals) {
    const list = byStation.get(i.station);
    if (list) list.push(i);
    else byStation.set(i.station, [i]);
  }
  const perStation: Record<string, number> = {};
  for (const [station, list] of byStation) {
    list.sort((a, b) => a.startMs - b.startMs);
    let busy = 0;
    let cursor = from;
    for (const { startMs, endMs } of list) {
      const s = Math.max(startMs, cursor, from);
      const e = Math.min(endMs, to);
      if (e > s) busy += e - s;
      cursor = Math.max(cursor, e);
    }
    perStation[station] = span > 0 ? busy / span : 0;
  }
  const values = Object.values(perStation);
  return {
    fromMs: from,
    toMs: to,
    perStation,
    fleet: values.length && span > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null,
  };
}

/**
 * A text picture of station activity over time: one row per station, `width` columns, each column the share of
 * that slice the station was busy (" " idle, "░▒▓█" busy a quarter .. all of it).
 */
export function utilisationTimeline(intervals: readonly BusyInterval[], width = 60): string[] {
  if (intervals.length === 0) return [];
  const u = utilisation(intervals);
  const slice = (u.toMs - u.fromMs) / width || 1;
  const stations = [...new Set(intervals.map((i) => i.station))].sort();
  const pad = Math.max(...stations.map((s) => s.length));
  const cellsOf = new Map(stations.map((s) => [s, new Array<number>(width).fill(0)]));
  for (const i of intervals) {
    const cells = cellsOf.get(i.station) as number[];
    // only the columns the interval touches
    const first = Math.max(0, Math.floor((i.startMs - u.fromMs) / slice));
    const last = Math.min(width - 1, Math.floor((i.endMs - u.fromMs) / slice));
    for (let c = first; c <= last; c++) {
      const s = Math.max(i.startMs, u.fromMs + c * slice);
      const e = Math.min(i.endMs, u.fromMs + (c + 1) * slice);
      if (e > s) cells[c] += (e - s) / slice;
    }
  }
  return stations.map((station) => {
    const cells = cellsOf.get(station) as number[];
    const glyph = (x: number) => (x <= 0.05 ? " " : x < 0.375 ? "░" : x < 0.625 ? "▒" : x < 0.875 ? "▓" : "█");
    return `${station.padEnd(pad)} |${cells.map((x) => glyph(Math.min(1, x))).join("")}| ${(100 * u.perStation[station]).toFixed(1)}%`;
  });
}
