/**
 * The detached process a launched training job runs in (run-job.ts `launchJob`):
 * `node job-process.js <storeRoot> <jobId>`. SIGTERM or SIGINT stop the job between steps (status "stopped", the
 * policy trained so far is kept); if this process dies any other way, the job reads as failed.
 */
import { RunStore } from "../../rollout/store.js";
import { runJob } from "./run-job.js";

const [storeRoot, jobId] = process.argv.slice(2);
if (!storeRoot || !jobId) {
  process.stderr.write("usage: job-process <storeRoot> <jobId>\n");
  process.exit(2);
}
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => stop.abort(new Error(`stopped by ${signal}`)));
}
const store = RunStore.open(storeRoot);
try {
  const job = await runJob(store, jobId, {
    signal: stop.signal,
    onPhase: (text) => process.stdout.write(`${new Date().toISOString()} ${text}\n`),
  });
  process.exitCode = job.status === "finished" ? 0 : 1;
} finally {
  store.close();
}
// tfjs's wasm backend and the inference worker may hold handles; the job is recorded, so leave now
process.exit();
