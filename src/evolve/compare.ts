/**
 * Statistics for comparing branches (hypotheses) by their success counts: a leaderboard with Wilson intervals, the
 * pruning rule, a keep/revert decision from a one-sided Fisher exact test, and an allocation of station trials
 * that spends the fleet where it decides the most (an LUCB-style best-arm identification scheme).
 * Decisions are made from the statistics, never from one lucky number.
 */
import { wilson } from "../rollout/metrics.js";

export interface ArmStats {
  id: string; // a branch, e.g. "idea/rotate-first"
  successes: number;
  trials: number; // counted trials only
}

export interface LeaderboardRow extends ArmStats {
  rate: number | null;
  low: number; // Wilson 95% bounds
  high: number;
  rank: number; // 1 = best, by the lower bound, then the rate
  best: boolean;
  /** Its upper bound is below the best arm's lower bound: it stops getting trials. */
  pruned: boolean;
}

/**
 * Ranks arms by the lower bound of their Wilson 95% interval (a conservative "best": a few lucky trials do not win),
 * and prunes every arm whose upper bound is below the best arm's lower bound.
 * @example leaderboard([{ id: "a", successes: 45, trials: 50 }, { id: "b", successes: 10, trials: 50 }])
 */
export function leaderboard(arms: readonly ArmStats[]): LeaderboardRow[] {
  checkArms(arms);
  const rows = arms.map((a) => {
    const { low, high } = wilson(a.successes, a.trials);
    return { ...a, rate: a.trials ? a.successes / a.trials : null, low, high, rank: 0, best: false, pruned: false };
  });
  rows.sort((x, y) => y.low - x.low || (y.rate ?? -1) - (x.rate ?? -1) || x.id.localeCompare(y.id));
  rows.forEach((r, i) => {
    r.rank = i + 1;
  });
  if (rows.length === 0) return rows;
  rows[0].best = true;
  for (const r of rows) r.pruned = !r.best && r.high < rows[0].low;
  return rows;
}

export type Decision = "keep" | "revert" | "undecided";

export interface DecisionResult {
  decision: Decision;
  /** One-sided p-values of Fisher's exact test: candidate better than baseline, and worse. */
  pBetter: number;
  pWorse: number;
  reason: string;
}

/**
 * Keep a candidate change only if it is better than the baseline at significance `alpha` (one-sided Fisher exact
 * test on the 2x2 table of successes and failures); revert it if it is worse at `alpha`; otherwise more trials are
 * needed. With few trials nothing is decided: that is the point.
 * @example decide({ id: "base", successes: 30, trials: 50 }, { id: "new", successes: 45, trials: 50 }).decision // "keep"
 */
export function decide(baseline: ArmStats, candidate: ArmStats, alpha = 0.05): DecisionResult {
  checkArms([baseline, candidate]);
  const pBetter = fisherOneSided(candidate, baseline);
  const pWorse = fisherOneSided(baseline, candidate);
  const pct = (a: ArmStats) =>
    a.trials ? `${a.successes}/${a.trials} = ${((100 * a.successes) / a.trials).toFixed(1)}%` : "0 trials";
  const versus = `${candidate.id} ${pct(candidate)} vs ${baseline.id} ${pct(baseline)}`;
  if (pBetter < alpha) {
    return { decision: "keep", pBetter, pWorse, reason: `${versus}: better (one-sided Fisher p = ${fmtP(pBetter)})` };
  }
  if (pWorse < alpha) {
    return { decision: "revert", pBetter, pWorse, reason: `${versus}: worse (one-sided Fisher p = ${fmtP(pWorse)})` };
  }
  return {
    decision: "undecided",
    pBetter,
    pWorse,
    reason: `${versus}: no significant difference at ${alpha} (p = ${fmtP(pBetter)} better, ${fmtP(pWorse)} worse); run more trials`,
  };
}

/**
 * Splits `slots` station trials among the arms still in play (LUCB-style best-arm identification): each slot goes to
 * whichever of the leader (highest lower bound) and its strongest challenger (highest upper bound among the others)
 * has the wider interval, as if that trial had already been run, so a batch spreads sensibly. Pruned arms get none;
 * arms with no trials yet are served first.
 * @example allocate(arms, 8) // { "idea/a": 5, "idea/b": 3 }
 */
export function allocate(arms: readonly ArmStats[], slots: number): Record<string, number> {
  checkArms(arms);
  if (!Number.isInteger(slots) || slots < 0) throw new RangeError(`slots must be a non-negative integer, got ${slots}`);
  const out: Record<string, number> = Object.fromEntries(arms.map((a) => [a.id, 0]));
  const live = leaderboard(arms).filter((r) => !r.pruned);
  // pseudo-counts: a slot assigned to an arm narrows its interval as if the trial had the arm's current rate
  const sim = live.map((r) => ({ id: r.id, successes: r.successes, trials: r.trials }));
  for (let s = 0; s < slots && sim.length > 0; s++) {
    const fresh = sim.find((a) => a.trials === 0);
    let pick = fresh;
    if (!pick) {
      const bounds = sim.map((a) => ({ a, ...wilson(a.successes, a.trials) }));
      const leader = bounds.reduce((x, y) => (y.low > x.low ? y : x));
      const others = bounds.filter((b) => b !== leader);
      if (others.length === 0) pick = leader.a;
      else {
        const challenger = others.reduce((x, y) => (y.high > x.high ? y : x));
        pick = leader.high - leader.low >= challenger.high - challenger.low ? leader.a : challenger.a;
      }
    }
    const rate = pick.trials ? pick.successes / pick.trials : 0.5;
    pick.successes += rate;
    pick.trials += 1;
    out[pick.id] += 1;
  }
  return out;
}

/** P(X >= a.successes) under the hypergeometric null that both arms share one rate: small when `a` is better. */
function fisherOneSided(a: ArmStats, b: ArmStats): number {
  const n = a.trials + b.trials;
  const k = a.successes + b.successes;
  if (n === 0) return 1;
  const lo = Math.max(0, k - b.trials);
  const hi = Math.min(k, a.trials);
  let p = 0;
  for (let x = a.successes; x <= hi; x++) if (x >= lo) p += Math.exp(logHypergeometric(x, a.trials, k, n));
  return Math.min(1, p);
}

/** log P(X = x) for X ~ Hypergeometric(draws = m, successes in population = k, population = n). */
function logHypergeometric(x: number, m: number, k: number, n: number): number {
  return logChoose(k, x) + logChoose(n - k, m - x) - logChoose(n, m);
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials[i] = logFactorials[i - 1] + Math.log(i);
  return logFactorials[n];
}

function logChoose(n: number, r: number): number {
  return logFactorial(n) - logFactorial(r) - logFactorial(n - r);
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function checkArms(arms: readonly ArmStats[]): void {
  const seen = new Set<string>();
  for (const a of arms) {
    if (seen.has(a.id)) throw new RangeError(`arm "${a.id}" appears twice`);
    seen.add(a.id);
    if (!Number.isInteger(a.trials) || a.trials < 0 || !Number.isInteger(a.successes) || a.successes < 0) {
      throw new RangeError(`arm "${a.id}": successes and trials must be non-negative integers`);
    }
    if (a.successes > a.trials) throw new RangeError(`arm "${a.id}": ${a.successes} successes in ${a.trials} trials`);
  }
}
