/**
 * A run of synthetic Push-T trials written through the run store's own API (createRun, beginTrial, commit), for the
 * UI's tests and its load bench: no simulation, so a run of 10,000 trials takes seconds. Trial i fails when
 * `fails(i)`, is interrupted when `interrupted(i)`, and succeeds otherwise; each has a few step events.
 */
import type { TrialResult } from "../../core/trial.js";
import type { RunStore } from "../../rollout/store.js";

export interface SyntheticRunOptions {
  trials: number;
  fails?: (index: number) => boolean;
  interrupted?: (index: number) => boolean;
  station?: (index: number) => string | null;
  stepsPerTrial?: number;
}

export function syntheticRun(store: RunStore, opts: SyntheticRunOptions): string {
  const { id } = store.createRun(
    {
      task: { id: "pusht", version: 1 },
      evalFingerprint: "synthetic",
      policy: { name: "synthetic", path: null, sha256: "0".repeat(64) },
      episodes: opts.trials,
      seedStart: 1000,
      options: { budget: { trials: opts.trials, wallClockS: 600, stationSeconds: null } },
    },
    { file: "synthetic.js", text: "export default () => ({ reset() {}, act(o) { return [o[2], o[3]]; } });\n" },
  );
  const steps = opts.stepsPerTrial ?? 3;
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  let seed = 1000;
  let attempt = 1; // k + 1 after k interruptions of this seed
  for (let index = 0; index < opts.trials; index++) {
    const interrupted = opts.interrupted?.(index) ?? false;
    const failed = !interrupted && (opts.fails?.(index) ?? false);
    const writer = store.beginTrial(id, index, seed);
    writer.event({ event: "reset", t: 0, seed, observation: [0, 0, 0, 0, 0] });
    let maxReward = 0;
    for (let s = 0; s < steps; s++) {
      const reward = failed ? 0.1 * s : s === steps - 1 ? 1 : 0.3 * s;
      maxReward = Math.max(maxReward, reward);
      writer.event({
        event: "step",
        t: 100 * (s + 1),
        index: s,
        action: [s, s],
        reward,
        terminated: false,
        truncated: false,
        observation: null,
        info: { coverage: reward * 0.95 },
      });
    }
    const reason = interrupted ? "station sim-1 stopped answering" : failed ? "coverage 0.2 <= 0.95" : null;
    const outcome: TrialResult["outcome"] = interrupted
      ? { kind: "interrupted", score: null, reason: reason as string }
      : failed
        ? { kind: "failure", score: maxReward, reason: reason as string }
        : { kind: "success", score: 1 };
    writer.commit({
      schema: "enpire.trial-result/1",
      runId: id,
      index,
      seed,
      task: { id: "pusht", version: 1 },
      evalFingerprint: "synthetic",
      policy: { name: "synthetic", path: null, sha256: "0".repeat(64) },
      envStack: "synthetic",
      station: opts.station?.(index) ?? `sim-${index % 2}`,
      attempt,
      outcome,
      success: outcome.kind === "success",
      counted: !interrupted,
      steps,
      totalReward: maxReward,
      maxReward,
      termination: interrupted ? "interrupted" : failed ? "max_steps" : "terminated",
      verification: { success: outcome.kind === "success", score: maxReward, reason, metrics: {} },
      tries: [],
      startedAt: new Date(t0 + index * 1000).toISOString(),
      elapsedMs: 900,
      video: null,
    });
    if (interrupted)
      attempt++; // an interrupted seed is run again
    else {
      seed++;
      attempt = 1;
    }
  }
  return id;
}
