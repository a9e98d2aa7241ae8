/**
 * Runs a training job in this process, start to finish: marks it running, hands it to its regime (regimes.ts),
 * writes progress lines, checkpoints and the final policy folder, optionally evaluates that policy on the task's
 * held-out seeds, and records the end (finished, failed, or stopped by a signal) with the CPU time and peak memory it
 * used. launch.ts starts the same in a detached child process.
 */
import path from "node:path";
import { EnpireError, InvalidInputError } from "../../core/errors.js";
import { listTasks } from "../../env/registry.js";
import { writeNeuralPolicy } from "../../policy/neural/write-policy.js";
import { bundlePolicy } from "../../policy/sandbox/bundle.js";
import { initTensorFlow } from "../../policy/train/tf.js";
import type { TrainProgress, TrainResult } from "../../policy/train/types.js";
import { evaluate } from "../../rollout/evaluate.js";
import type { RunStore } from "../../rollout/store.js";
import { appendProgress, jobDir, readJob, type TrainingJob, writeJob } from "./jobs.js";
import { recordTraining } from "./ledger.js";
import { REGIMES, type RegimeContext } from "./regimes.js";

/** job.json is rewritten at most this often while training reports progress (every line goes to progress.jsonl). */
const SAVE_EVERY_MS = 1000;

export interface RunJobOptions {
  /** Stops the job between steps; it ends as "stopped", with the policy trained so far. */
  signal?: AbortSignal;
  /** Each progress report, as it is written (with the round for ibc/sac). */
  onProgress?(p: TrainProgress & { round?: number }): void;
  /** A sentence about each phase: data, rounds, checkpoints, evaluation. */
  onPhase?(text: string): void;
}

/**
 * Runs job `id` of the store here and returns it as it ended. Throws only when the job cannot be found; a job that
 * fails is recorded as failed, with its error, and returned.
 * @example const job = await runJob(store, createJob(store.root, { algorithm: "bc", runs: [runId] }).id);
 */
export async function runJob(store: RunStore, id: string, opts: RunJobOptions = {}): Promise<TrainingJob> {
  const root = store.root;
  let job: TrainingJob = readJob(root, id);
  if (job.status !== "queued") {
    throw new InvalidInputError(`training job ${job.id} is ${job.status}; only a queued job can be run`);
  }
  const dir = jobDir(root, job.id);
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let lastSave = 0;
  const save = (patch: Partial<TrainingJob>, force = true) => {
    const used = process.cpuUsage(cpu0);
    job = {
      ...job,
      ...patch,
      cpu: { userMs: used.user / 1000, systemMs: used.system / 1000 },
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (force || Date.now() - lastSave >= SAVE_EVERY_MS) {
      writeJob(root, job);
      lastSave = Date.now();
    }
  };
  save({ status: "running", pid: process.pid, startedAt: new Date().toISOString() });
  const request = job.request;
  let end: Partial<TrainingJob> = { status: "failed", error: "ended without a result" };
  try {
    const { backend } = await initTensorFlow();
    save({ device: `cpu (tfjs-${backend})` });
    const task = listTasks().find((t) => t.id === request.task);
    if (!task)
      throw new EnpireError(
        `task "${request.task}" is not known; known: ${listTasks()
          .map((t) => t.id)
          .join(", ")}`,
      );
    let stepsBefore = 0; // steps of earlier rounds, so that progress counts on across rounds
    let samplesBefore = 0;
    const ctx: RegimeContext = {
      store,
      request,
      task,
      dir,
      jobId: job.id,
      deadline: t0 + request.budgetS * 1000,
      signal: opts.signal,
      phase: (text) => {
        appendProgress(root, job.id, { phase: text, at: new Date().toISOString() });
        opts.onPhase?.(text);
      },
      update: (patch) => save(patch),
      get job() {
        return job;
      },
      progress: (p, round) => {
        const line = {
          ...p,
          step: stepsBefore + p.step,
          samples: samplesBefore + p.samples,
          ...(round !== undefined && { round }),
        };
        appendProgress(root, job.id, line);
        opts.onProgress?.(line);
        save({ steps: line.step, samples: line.samples, samplesPerS: p.samplesPerS }, false);
      },
      endOfTraining: (result) => {
        stepsBefore += result.steps;
        samplesBefore += result.samples;
      },
      checkpoint: async (result, step) => {
        const at = stepsBefore + step;
        const written = await writePolicy(path.join(dir, "checkpoints", `step-${at}`), result, job.id, {});
        save({
          checkpoints: [
            ...job.checkpoints,
            { step: at, dir: path.relative(dir, path.dirname(written.policyFile)), sha256: written.sha256 },
          ],
        });
        opts.onPhase?.(`checkpoint at step ${at}: ${written.policyFile}`);
      },
      writePolicy: (to, result, o) => writePolicy(to, result, job.id, o),
    };
    const final = await REGIMES[request.algorithm](ctx);
    const written = await writePolicy(path.join(dir, "policy"), final, job.id, {});
    const totalMs = Date.now() - t0;
    save({
      result: { policyFile: written.policyFile, sha256: written.sha256 },
      samplesPerS: job.samples > 0 ? job.samples / Math.max(1e-3, totalMs / 1000) : 0,
    });
    ctx.phase(`policy written: ${written.policyFile} (sha256 ${written.sha256.slice(0, 12)})`);
    if (request.evalEpisodes > 0 && !opts.signal?.aborted) {
      const heldOut = task.evaluation.seeds as { heldOut?: { start: number; count: number } } | undefined;
      const seedStart = heldOut?.heldOut?.start ?? 100000;
      ctx.phase(`evaluating on ${request.evalEpisodes} held-out seeds from ${seedStart}`);
      const ev = await evaluate(store, {
        taskId: request.task,
        policyFile: written.policyFile,
        episodes: request.evalEpisodes,
        seedStart,
        obsType: final.observation.kind === "pixels" ? "pixels" : undefined,
        stations: request.stations,
        signal: opts.signal,
      });
      save({
        evaluation: {
          runId: ev.runId,
          seedStart,
          episodes: ev.summary.episodes,
          successes: ev.summary.successes,
          successRate: ev.summary.episodes ? ev.summary.successRate : null,
          wilson95: ev.summary.wilson95,
          meanMaxReward: ev.summary.meanMaxReward,
        },
      });
    }
    end = { status: opts.signal?.aborted ? "stopped" : "finished", endedAt: new Date().toISOString() };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    end = { status: opts.signal?.aborted ? "stopped" : "failed", error: message, endedAt: new Date().toISOString() };
    opts.onPhase?.(`failed: ${message}`);
  }
  // the ledger entry first, then job.json: whoever sees the job ended finds its ledger entry already there
  const ended = end.status as "finished" | "stopped" | "failed";
  try {
    recordTraining(store, { ...job, ...end }, ended);
  } catch (err) {
    opts.onPhase?.(`the research ledger entry could not be written: ${(err as Error).message}`);
  }
  save(end);
  return job;
}

/** Writes a trained actor as a policy folder and returns its policy file and the sha256 runs will record for it. */
async function writePolicy(
  to: string,
  result: TrainResult,
  jobId: string,
  o: { explore?: boolean; seed?: number },
): Promise<{ policyFile: string; sha256: string }> {
  const { policyFile } = await writeNeuralPolicy(to, {
    format: "tfjs",
    model: result.model,
    obsType: result.observation.kind === "pixels" ? "pixels" : "state",
    observation: result.observation,
    action: result.action,
    ...(result.stochastic && { stochastic: result.stochastic }),
    ...(result.obsHistory && { history: result.obsHistory }),
    ...(result.chunk && { chunk: result.chunk }),
    ...(o.explore && { explore: true, seed: o.seed ?? 0 }),
    createdBy: { algorithm: result.algorithm, job: jobId },
  });
  return { policyFile, sha256: (await bundlePolicy(policyFile)).sha256 };
}
