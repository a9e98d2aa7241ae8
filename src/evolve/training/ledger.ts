/**
 * Training jobs in a research project's ledger: a "training" entry when a job starts (its algorithm and data) and
 * one when it ends (the policy's sha256, the held-out result, or the error), so a project's record says which
 * trained policy came from which data.
 */

import type { RunStore } from "../../rollout/store.js";
import { ResearchProject } from "../project.js";
import type { EntryBody } from "../research-ledger.js";
import type { TrainingJob } from "./jobs.js";

/** The "training" entry body for a job in a given phase. */
export function trainingEntry(job: TrainingJob, phase: EntryBody<"training">["phase"]): EntryBody<"training"> {
  return {
    job: job.id,
    phase,
    algorithm: job.algorithm,
    task: job.request.task,
    data: { runs: job.request.runs, lerobot: job.request.lerobot, sha256: job.data?.sha256 ?? null },
    policy: job.result ? { file: job.result.policyFile, sha256: job.result.sha256 } : null,
    evaluation: job.evaluation
      ? { runId: job.evaluation.runId, episodes: job.evaluation.episodes, successes: job.evaluation.successes }
      : null,
    error: job.error,
  };
}

/**
 * Appends the job's entry to its project's ledger (nothing when the job names no project).
 * @example recordTraining(store, job, "started");
 */
export function recordTraining(store: RunStore, job: TrainingJob, phase: EntryBody<"training">["phase"]): void {
  const name = job.request.project;
  if (name === null) return;
  const project = ResearchProject.open(store, name);
  try {
    project.ledger.append("training", trainingEntry(job, phase), {
      branch: job.request.branch,
      agent: job.request.agent,
    });
  } finally {
    project.close();
  }
}
