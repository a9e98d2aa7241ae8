import fs from "node:fs";
import path from "node:path";
import { InvalidInputError } from "../core/errors.js";
import { policyContext } from "../core/policy.js";
import type { TrialResult } from "../core/trial.js";
import { evalFingerprint, makeEnv } from "../env/registry.js";
import { type SafetyLimits, withSafety } from "../env/wrappers/index.js";
import { withStepDeadline } from "../env/wrappers/watchdog.js";
import { loadPolicy } from "../policy/load.js";
import { type RunSummary, summarise } from "./metrics.js";
import { runTrial, type TrialSink } from "./runner.js";
import type { RunStore, TrialRow } from "./store.js";
import { VideoWriter } from "./video.js";

/** Seeds are numpy RandomState seeds: integers in [0, 2^32 − 1]. */
export const MAX_SEED = 2 ** 32 - 1;

export interface EvaluateOptions {
  taskId: string;
  policyFile: string;
  episodes: number;
  seedStart: number;
  obsType?: string; // task-specific observation type, e.g. "state" or "pixels" for Push-T
  video?: boolean;
  videoSize?: number; // px, square
  stepDeadlineMs?: number; // the watchdog's limit for one act()
  memoryLimitMb?: number; // the policy sandbox's heap limit
  safety?: SafetyLimits; // per-step delta cap and out-of-range box on commanded actions
  /** Called after each trial is committed, with the summary so far. */
  onTrial?: (trial: TrialRow, summary: RunSummary) => void;
  /** Aborting stops after the current trial; the run is kept and marked interrupted. */
  signal?: AbortSignal;
}

export interface EvaluateResult {
  runId: string;
  runDir: string;
  status: "finished" | "interrupted" | "failed";
  note: string | null;
  summary: RunSummary;
  trials: TrialRow[];
}

/** Stop a run whose policy fails this many trials in a row: it is broken, not unlucky. */
const MAX_CONSECUTIVE_POLICY_ERRORS = 3;

/**
 * Evaluates a policy file on a task for `episodes` consecutive seeds from `seedStart`, recording every trial in the
 * store. Bad input is refused before a run is created; once it exists, every trial is kept.
 * @example await evaluate(RunStore.open(), { taskId: "pusht", policyFile: "p.ts", episodes: 50, seedStart: 100000 });
 */
export async function evaluate(store: RunStore, opts: EvaluateOptions): Promise<EvaluateResult> {
  checkRange(opts);
  const fingerprint = evalFingerprint(opts.taskId); // throws UnknownTaskError with the known ids
  const baseEnv = makeEnv(opts.taskId, { obsType: opts.obsType });
  const spec = baseEnv.spec;
  const ctx = policyContext(spec);
  let sandboxed: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    sandboxed = await loadPolicy(opts.policyFile, ctx, {
      stepDeadlineMs: opts.stepDeadlineMs,
      memoryLimitMb: opts.memoryLimitMb,
    });
  } catch (err) {
    baseEnv.close();
    throw err;
  }
  const policy = withStepDeadline(sandboxed, { stepDeadlineMs: (opts.stepDeadlineMs ?? 1000) + 250 });
  let env: ReturnType<typeof withSafety>;
  try {
    env = withSafety(baseEnv, opts.safety);
  } catch (err) {
    baseEnv.close();
    await sandboxed.close();
    throw err;
  }
  const videoSize = opts.videoSize ?? 512;

  const { id: runId, dir: runDir } = store.createRun(
    {
      task: { id: spec.id, version: spec.version },
      evalFingerprint: fingerprint,
      policy: { name: sandboxed.name, path: path.resolve(opts.policyFile), sha256: sandboxed.sha256 },
      episodes: opts.episodes,
      seedStart: opts.seedStart,
      options: {
        obsType: opts.obsType ?? null,
        video: opts.video ?? false,
        videoSize,
        envStack: env.name,
        stepDeadlineMs: opts.stepDeadlineMs ?? null,
        memoryLimitMb: opts.memoryLimitMb ?? null,
        safety: opts.safety ?? null,
      },
    },
    { file: opts.policyFile, text: sandboxed.source },
  );

  const rows: TrialRow[] = [];
  let status: EvaluateResult["status"] = "finished";
  let note: string | null = null;
  let consecutivePolicyErrors = 0;
  try {
    for (let i = 0; i < opts.episodes; i++) {
      if (opts.signal?.aborted) {
        status = "interrupted";
        note = `stopped by the user after ${i} of ${opts.episodes} trials`;
        break;
      }
      const seed = opts.seedStart + i;
      const writer = store.beginTrial(runId, i, seed);
      const video = opts.video
        ? await VideoWriter.open(writer.file("video.mp4"), { width: videoSize, height: videoSize, fps: spec.controlHz })
        : undefined;
      let stepIndex = 0;
      const sink: TrialSink = {
        event(e) {
          writer.event(e);
          if (e.event === "step") stepIndex = e.index + 1;
          const lines = sandboxed.drainLogs();
          if (lines.length) writer.event({ event: "log", t: "t" in e ? e.t : 0, index: stepIndex, lines });
        },
        frame: video ? (rgb) => video.write(rgb) : undefined,
      };
      const startedAt = new Date().toISOString();
      let record: Awaited<ReturnType<typeof runTrial>>;
      try {
        record = await runTrial(env, policy, { seed, maxSteps: spec.maxSteps, sink, frameSize: videoSize });
      } catch (err) {
        video?.abort();
        writer.abort();
        throw err;
      }
      if (video) await video.close();
      const result: TrialResult = {
        schema: "enpire.trial-result/1",
        runId,
        index: i,
        seed,
        task: { id: spec.id, version: spec.version },
        evalFingerprint: fingerprint,
        policy: { name: sandboxed.name, path: path.resolve(opts.policyFile), sha256: sandboxed.sha256 },
        envStack: env.name,
        station: "local",
        attempt: 1,
        outcome: record.outcome,
        counted: true,
        tries: record.tries,
        success: record.success,
        steps: record.steps,
        totalReward: record.totalReward,
        maxReward: record.maxReward,
        termination: record.termination,
        verification: record.verification,
        startedAt,
        elapsedMs: record.elapsedMs,
        video: video ? "video.mp4" : null,
      };
      const row = writer.commit(result);
      rows.push(row);
      opts.onTrial?.(row, summarise(rows));
      consecutivePolicyErrors = record.outcome.kind === "policy-error" ? consecutivePolicyErrors + 1 : 0;
      if (consecutivePolicyErrors >= MAX_CONSECUTIVE_POLICY_ERRORS && i + 1 < opts.episodes) {
        status = "failed";
        note = `stopped after ${consecutivePolicyErrors} trials in a row ended with a policy error; last: ${
          record.outcome.kind === "policy-error" ? record.outcome.reason : ""
        }`;
        break;
      }
    }
  } catch (err) {
    store.finishRun(runId, "failed", `the run stopped on an internal error: ${(err as Error).message}`);
    throw err;
  } finally {
    await sandboxed.close();
    env.close();
  }
  store.finishRun(runId, status, note ?? undefined);
  return { runId, runDir, status, note, summary: summarise(rows), trials: rows };
}

function checkRange(opts: EvaluateOptions): void {
  if (!Number.isSafeInteger(opts.episodes) || opts.episodes < 1) {
    throw new InvalidInputError(`--episodes must be a positive integer, got ${opts.episodes}`);
  }
  if (!Number.isSafeInteger(opts.seedStart) || opts.seedStart < 0 || opts.seedStart > MAX_SEED) {
    throw new InvalidInputError(`--seed-start must be an integer in 0..${MAX_SEED}, got ${opts.seedStart}`);
  }
  const last = opts.seedStart + opts.episodes - 1;
  if (last > MAX_SEED) {
    throw new InvalidInputError(
      `seeds ${opts.seedStart}..${last} run past ${MAX_SEED}, the largest seed numpy's RandomState accepts; ` +
        `lower --seed-start or --episodes`,
    );
  }
  if (!fs.existsSync(opts.policyFile)) {
    throw new InvalidInputError(`policy file "${opts.policyFile}" does not exist`);
  }
}
