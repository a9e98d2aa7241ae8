import fs from "node:fs";
import path from "node:path";
import { TrialResultSchema } from "../core/trial.js";
import {
  type BusyInterval,
  cumulativeSuccess,
  passAtK,
  passAtKInContext,
  type RunSummary,
  rollingSuccessCurve,
  summarise,
  type Utilisation,
  utilisation,
  utilisationTimeline,
} from "./metrics.js";
import type { RunRow, RunStore, TrialRow } from "./store.js";

/** Everything `enpire show` prints about a run, and what `--json` hands to agents. */
export interface RunReport {
  run: RunRow;
  summary: RunSummary;
  /** Unbiased pass@k over the run's counted trials taken as i.i.d. samples, for k = 1, 2, 4, 8 (up to n). */
  passAtK: Record<string, number>;
  /** ENPIRE's pass@k, k = 1..tries: success within k in-context tries of one episode; null without --tries. */
  passAtKInContext: Record<string, number> | null;
  /** Mean Robot Utilization per station and for the fleet, over the span of the run's trials. */
  utilisation: Utilisation | null;
  timeline: string[];
  /** Per counted trial, in index order: cumulative success rate and rolling success over the last `window`. */
  curves: { window: number; cumulative: number[]; rolling: (number | null)[] };
  trials: TrialRow[];
}

/**
 * Builds the report of one run from the store (and, for in-context tries, from the trials' result.json files).
 * @example const report = runReport(RunStore.open(), "20261125T171441-bd1b6f");
 */
export function runReport(store: RunStore, runId: string, window = 50): RunReport {
  const run = store.getRun(runId);
  const trials = store.trials(run.id);
  const counted = trials.filter((t) => t.counted);
  const summary = summarise(trials, window);

  const pass: Record<string, number> = {};
  for (const k of [1, 2, 4, 8]) {
    const v = passAtK(counted.length, summary.successes, k);
    if (v !== null) pass[`pass@${k}`] = v;
  }

  const maxTries = triesOf(store, run);
  let inContext: Record<string, number> | null = null;
  if (maxTries > 1) {
    const episodes = counted.map((t) => {
      const result = TrialResultSchema.parse(
        JSON.parse(fs.readFileSync(path.join(store.resolve(t.dir), "result.json"), "utf8")),
      );
      const first = result.tries.findIndex((x) => x.success);
      return { successTry: first < 0 ? null : first + 1, triesRun: result.tries.length };
    });
    inContext = {};
    for (let k = 1; k <= maxTries; k++) {
      const v = passAtKInContext(episodes, k);
      if (v !== null) inContext[`pass@${k}`] = v;
    }
  }

  const intervals: BusyInterval[] = trials
    .filter((t) => t.station && t.startedAt)
    .map((t) => {
      const startMs = Date.parse(t.startedAt);
      return { station: t.station as string, startMs, endMs: startMs + t.elapsedMs };
    });
  const successes = counted.map((t) => t.success);
  return {
    run,
    summary,
    passAtK: pass,
    passAtKInContext: inContext,
    utilisation: intervals.length ? utilisation(intervals) : null,
    timeline: utilisationTimeline(intervals),
    curves: {
      window,
      cumulative: cumulativeSuccess(successes),
      rolling: rollingSuccessCurve(successes, window),
    },
    trials,
  };
}

/** The in-context tries a run was made with (run.json options.tries), 1 when absent. */
function triesOf(store: RunStore, run: RunRow): number {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(store.resolve(run.dir), "run.json"), "utf8")) as {
      options?: { tries?: unknown };
    };
    const tries = manifest.options?.tries;
    return typeof tries === "number" && tries > 1 ? tries : 1;
  } catch {
    return 1;
  }
}
