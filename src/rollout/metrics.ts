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

export interface RunSummary {
  episodes: number;
  successes: number;
  successRate: number | null; // null when no episode finished
  wilson95: Interval;
  meanMaxReward: number | null; // Diffusion Policy's test/mean_score
  rolling50: number | null;
  outcomes: Record<string, number>; // count per outcome kind
}

/** Summarises trials in the order they were run. */
export function summarise(
  trials: readonly { success: boolean; maxReward: number; outcomeKind: string }[],
  window = 50,
): RunSummary {
  const successes = trials.filter((t) => t.success).length;
  const outcomes: Record<string, number> = {};
  for (const t of trials) outcomes[t.outcomeKind] = (outcomes[t.outcomeKind] ?? 0) + 1;
  return {
    episodes: trials.length,
    successes,
    successRate: trials.length ? successes / trials.length : null,
    wilson95: wilson(successes, trials.length),
    meanMaxReward: trials.length ? trials.reduce((a, t) => a + t.maxReward, 0) / trials.length : null,
    rolling50: rollingSuccess(
      trials.map((t) => t.success),
      window,
    ),
    outcomes,
  };
}
