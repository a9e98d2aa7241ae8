/**
 * Starts a training job in a detached child process (job-process.ts), which outlives this one: the MCP `train`
 * operation and `enpire train --detach` return the job id at once. Kept apart from run-job.ts so that starting a job
 * does not load TensorFlow.js into the caller.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createJob, jobDir, readJob, type TrainingJob, type TrainRequestInput, writeJob } from "./jobs.js";

/**
 * Creates a job and runs it in a detached child process (it outlives this one); returns the job as queued.
 * @example const { job, dir } = launchJob(store.root, { algorithm: "td3bc", runs: [runId], budgetS: 120 });
 */
export function launchJob(storeRoot: string, request: TrainRequestInput): { job: TrainingJob; dir: string } {
  const job = createJob(storeRoot, request);
  const dir = jobDir(storeRoot, job.id);
  const here = import.meta.url;
  const entry = fileURLToPath(new URL(here.endsWith(".ts") ? "./job-process.ts" : "./job-process.js", here));
  // from TypeScript sources the child needs tsx's loader, as this process has
  const loader = here.endsWith(".ts") ? ["--import", import.meta.resolve("tsx")] : [];
  const log = fs.openSync(path.join(dir, "process.log"), "a");
  const child = spawn(process.execPath, [...loader, entry, path.resolve(storeRoot), job.id], {
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
  });
  fs.closeSync(log);
  child.unref();
  // record the child's pid unless it already marked itself running (it takes far longer than this to start)
  const now = readJob(storeRoot, job.id);
  if (now.status === "queued" && child.pid !== undefined) writeJob(storeRoot, { ...now, pid: child.pid });
  return { job: readJob(storeRoot, job.id), dir };
}
