/**
 * `enpire worker --redis URL --station ID`: runs one station of a distributed fleet on this machine, taking trial
 * jobs from Redis until SIGINT or SIGTERM. A thin layer over startQueueWorker (rollout/stations/queue-worker.ts),
 * loaded only when the command runs, so no other command loads the job queue.
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";

/** Adds `enpire worker` to the program. */
export function registerWorkerCommands(program: Command): void {
  program
    .command("worker")
    .description("run trials dispatched through Redis (`enpire run --fleet redis://…`) as one station of the fleet")
    .requiredOption("--redis <url>", "the fleet's Redis, redis://HOST:PORT[/DB]")
    .requiredOption("--station <id>", "this worker's station id, unique in the fleet (letters, digits, . _ -)")
    .option("--concurrency <n>", "trials at a time, each on its own simulated station", "1")
    .action(async (o: { redis: string; station: string; concurrency: string }) => {
      if (!/^\d+$/.test(o.concurrency.trim())) {
        throw new InvalidInputError(`--concurrency must be a positive integer, got "${o.concurrency}"`);
      }
      const { startQueueWorker } = await import("../../rollout/stations/queue-worker.js");
      const worker = await startQueueWorker({
        redisUrl: o.redis,
        stationId: o.station,
        concurrency: Number(o.concurrency),
        onEvent: (e) => {
          if (e.kind === "completed") {
            const { output: t } = e;
            const verdict = t.success ? "success" : t.outcome.kind;
            const line = `${e.jobId} seed ${t.seed}: ${verdict}, ${t.steps} steps, max reward ${t.maxReward.toFixed(3)}`;
            process.stdout.write(`${line}, ${(t.elapsedMs / 1000).toFixed(1)} s\n`);
          } else if (e.kind === "refused") {
            process.stderr.write(`refused: ${e.message}\n`);
          } else if (e.kind === "fault") {
            process.stderr.write(`fault: ${e.message}${e.faulted ? " (no more jobs until restarted)" : ""}\n`);
          } else {
            process.stderr.write(`warning: ${e.message}\n`);
          }
        },
      });
      const tasks = worker
        .record()
        .tasks.map((t) => `${t.id}@${t.version} (fingerprint ${t.evalFingerprint.slice(0, 12)})`)
        .join(", ");
      const { concurrency } = worker.record();
      process.stdout.write(
        `worker ${worker.stationId} ready on ${worker.redisUrl}: ${tasks}, ${concurrency} at a time, pid ${process.pid}\n`,
      );

      let stops = 0;
      const stop = (signal: NodeJS.Signals) => {
        stops++;
        if (stops === 1) {
          process.stderr.write(`${signal}: stopping after the current trial (again to stop now)\n`);
          void worker.close();
        } else {
          // the trial in progress is abandoned: its lock expires, the dispatcher sees it stall, the seed runs elsewhere
          process.stderr.write(`${signal}: stopping now; the trial in progress will run again elsewhere\n`);
          process.exit(130);
        }
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      try {
        await worker.closed;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
      process.stdout.write(`worker ${worker.stationId} stopped\n`);
    });
}
