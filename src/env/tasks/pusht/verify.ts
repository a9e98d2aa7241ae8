/**
 * The Push-T verdict, as the reference judges it: success when the block covers strictly more than 95% of the
 * goal T; the score is the reference's reward, coverage / 0.95 clipped to [0, 1].
 */
import type { Verification } from "../../../core/env.js";
import { coverageReward } from "./coverage.js";
import { SUCCESS_COVERAGE } from "./geometry.js";

/**
 * Judges a coverage value (from coverage.ts) of the goal by the block.
 * @example verifyCoverage(0.962).reason // "coverage 0.962 > 0.95"
 */
export function verifyCoverage(coverage: number): Verification {
  const success = coverage > SUCCESS_COVERAGE;
  const reward = coverageReward(coverage);
  return {
    success,
    score: reward,
    reason: `coverage ${formatCoverage(coverage)} ${success ? ">" : "≤"} ${SUCCESS_COVERAGE}`,
    metrics: { coverage, reward, threshold: SUCCESS_COVERAGE },
  };
}

/** Three decimals, or as many as it takes not to print a value on the wrong side of the threshold as 0.950. */
function formatCoverage(coverage: number): string {
  let digits = 3;
  let text = coverage.toFixed(digits);
  while (Number(text) === SUCCESS_COVERAGE && coverage !== SUCCESS_COVERAGE && digits < 12) {
    digits++;
    text = coverage.toFixed(digits);
  }
  return text;
}
