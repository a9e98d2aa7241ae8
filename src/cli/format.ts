import type { RunSummary } from "../rollout/metrics.js";
import type { RunReport } from "../rollout/report.js";
import type { RunRow, TrialRow } from "../rollout/store.js";

export const pct = (x: number | null): string => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

/** The human summary of a run, as `enpire run` and `enpire show` print it. */
export function formatSummary(run: RunRow, summary: RunSummary, storeRoot: string): string {
  const seeds = `${run.seedStart}..${run.seedStart + run.episodes - 1}`;
  const lines = [
    `run       ${run.id}  (${run.status}${run.note ? `: ${run.note}` : ""})`,
    `task      ${run.taskId}@${run.taskVersion}  evaluation ${run.evalFingerprint.slice(0, 12)}`,
    `policy    ${run.policyPath ?? run.policyName}  (sha256 ${run.policySha256.slice(0, 12)})`,
    `trials    ${summary.episodes} of ${run.episodes}, seeds ${seeds}`,
    `success   ${summary.successes}/${summary.episodes} = ${pct(summary.successRate)}  ` +
      `(Wilson 95%: ${pct(summary.wilson95.low)} to ${pct(summary.wilson95.high)})`,
    `score     ${summary.meanMaxReward === null ? "n/a" : summary.meanMaxReward.toFixed(3)}  ` +
      "mean of per-episode max reward (Diffusion Policy's test/mean_score)",
    `rolling   ${
      summary.rolling === null
        ? `n/a (needs ${summary.window} trials)`
        : `${pct(summary.rolling)} over the last ${summary.window} trials`
    }; cumulative ${pct(summary.successRate)}`,
    `outcomes  ${Object.entries(summary.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `stored    ${storeRoot}/${run.dir}`,
  ];
  return lines.join("\n");
}

/** The summary plus pass@k, in-context pass@k, robot utilisation and its timeline. */
export function formatReport(report: RunReport, storeRoot: string): string {
  const lines = [formatSummary(report.run, report.summary, storeRoot)];
  const entries = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join("  ");
  if (Object.keys(report.passAtK).length) {
    lines.push(`pass@k    ${entries(report.passAtK)}  (unbiased, trials as i.i.d. samples)`);
  }
  if (report.passAtKInContext) {
    lines.push(`in-context ${entries(report.passAtKInContext)}  (ENPIRE: up to k tries within one episode)`);
  }
  const u = report.utilisation;
  if (u) {
    const span = ((u.toMs - u.fromMs) / 1000).toFixed(1);
    lines.push(`MRU       fleet ${pct(u.fleet)} over ${span} s (fraction of wall-clock time a station runs a trial)`);
    for (const row of report.timeline) lines.push(`  ${row}`);
  }
  return lines.join("\n");
}

/** One line per failed trial: seed, outcome, reason, directory. */
export function formatFailures(trials: readonly TrialRow[], limit = 20): string {
  const failed = trials.filter((t) => !t.success);
  if (failed.length === 0) return "no failed trials";
  const shown = failed
    .slice(0, limit)
    .map(
      (t) =>
        `  #${t.index} seed ${t.seed}  ${t.outcomeKind}  max reward ${t.maxReward.toFixed(3)}  ${t.reason ?? ""}\n` +
        `      ${t.dir}${t.video ? `/${t.video}` : ""}`,
    );
  const more = failed.length > limit ? `\n  … ${failed.length - limit} more (--all, or --json)` : "";
  return `failed trials (${failed.length}):\n${shown.join("\n")}${more}`;
}

/** A fixed-width table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
