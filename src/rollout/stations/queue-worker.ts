/**
 * A station worker of the distributed fleet: takes trial jobs from the BullMQ queue on Redis, runs each with a
 * TrialExecutor on this machine, and hands back the output with the video as mp4. `enpire worker` runs one.
 *
 * While it lives it keeps a record in Redis (rewritten every second, gone a few seconds after the process is), so
 * the dispatcher can count live workers and see what each is doing. A worker killed mid-trial stops renewing its
 * job's lock; the job then fails as stalled and the fleet runs the seed again elsewhere (see queue.ts).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { type EnpireError, InvalidInputError, PolicyError, UnknownTaskError } from "../../core/errors.js";
import { evalFingerprint, listTasks } from "../../env/registry.js";
import { TrialExecutor } from "../execute.js";
import { type TrialJob, TrialJobSchema, type TrialOutput } from "../job.js";
import {
  checkStationId,
  connectionOptions,
  connectRedis,
  failureReason,
  HOSTNAME,
  KEY_PREFIX,
  parseRedisUrl,
  QUEUE_NAME,
  QUEUE_SETTINGS,
  type QueueResult,
  type QueueWorkerRecord,
  QueueWorkerRecordSchema,
  queueJobId,
  workerKey,
} from "./queue.js";

export const defaults = {
  concurrency: 1, // trials at a time, each on its own executor (its own env and policy sandbox)
  maxConsecutiveFaults: 3, // after this many station faults in a row the worker stops taking jobs (faulted)
  faultPauseMs: 2000, // after a fault, wait this long before the next job, so another worker likely takes the re-run
};

export interface QueueWorkerOptions {
  redisUrl: string; // redis://HOST:PORT[/DB]
  stationId: string; // unique in the fleet; names this worker in Redis and in every trial it runs
  concurrency?: number;
  /** How long to wait for a worker that had this station id to vanish (e.g. just killed). Default: its TTL + 1 s. */
  takeoverWaitMs?: number;
  /** Told about every job it finishes, and about trouble it keeps going through (e.g. Redis went away). */
  onEvent?: (event: QueueWorkerEvent) => void;
}

export type QueueWorkerEvent =
  | { kind: "completed"; jobId: string; output: TrialOutput }
  | { kind: "refused"; jobId: string; message: string }
  | { kind: "fault"; jobId: string; message: string; faulted: boolean }
  | { kind: "warning"; message: string };

export interface QueueWorker {
  readonly stationId: string;
  readonly redisUrl: string; // without a password
  /** This worker's record as it is written to Redis. */
  record(): QueueWorkerRecord;
  /**
   * Stops taking jobs, lets running trials finish, and removes the record. With `force` (on the first call), running
   * trials are abandoned instead: their jobs stall and their seeds run again elsewhere. Later calls return the first.
   */
  close(options?: { force?: boolean }): Promise<void>;
  /** Settles when the worker has stopped. */
  readonly closed: Promise<void>;
}

/**
 * Starts a worker and resolves once it is registered and listening for jobs.
 * Throws RedisUnreachableError when Redis does not answer, InvalidInputError for a bad URL or station id, or when
 * a live worker already has this station id.
 * @example const worker = await startQueueWorker({ redisUrl: "redis://127.0.0.1:6379", stationId: "w1" });
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const stationId = checkStationId(options.stationId);
  const concurrency = options.concurrency ?? defaults.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new InvalidInputError(`--concurrency must be an integer in 1..64, got ${concurrency}`);
  }
  const where = parseRedisUrl(options.redisUrl);
  const emit = options.onEvent ?? (() => {});
  const redis = await connectRedis(where);

  const instance = randomUUID();
  const startedAt = new Date().toISOString();
  const tasks = listTasks().map((t) => ({ id: t.id, version: t.version, evalFingerprint: evalFingerprint(t.id) }));
  const active = new Set<string>();
  let trials = 0;
  let consecutiveFaults = 0;
  let faulted: string | null = null;
  const record = (): QueueWorkerRecord => ({
    schema: "enpire.queue-worker/1",
    station: stationId,
    instance,
    host: HOSTNAME,
    pid: process.pid,
    concurrency,
    health: faulted !== null ? "faulted" : active.size > 0 ? "running" : "idle",
    detail: faulted,
    jobs: [...active],
    trials,
    tasks,
    startedAt,
    beatAt: new Date().toISOString(),
  });

  try {
    await claimStationId(redis, stationId, JSON.stringify(record()), options.takeoverWaitMs);
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  let lastWarning = "";
  const warn = (message: string) => {
    if (message === lastWarning) return; // ioredis repeats the same error on every reconnect attempt
    lastWarning = message;
    emit({ kind: "warning", message });
  };
  const beat = async () => {
    try {
      await redis.set(workerKey(stationId), JSON.stringify(record()), "PX", QUEUE_SETTINGS.heartbeatTtlMs);
      lastWarning = "";
    } catch (err) {
      warn(`could not write the heartbeat to ${where.url}: ${(err as Error).message}`);
    }
  };
  const heartbeat = setInterval(() => void beat(), QUEUE_SETTINGS.heartbeatMs);

  // one executor per concurrent trial: an executor keeps one env and one policy sandbox between jobs
  const executorId = (k: number) => (concurrency === 1 ? stationId : `${stationId}#${k}`);
  const idle: TrialExecutor[] = Array.from({ length: concurrency }, (_, k) => new TrialExecutor(executorId(k), "mp4"));
  const all = new Set(idle);

  let bullmq: typeof import("bullmq");
  try {
    bullmq = await import("bullmq");
  } catch (err) {
    clearInterval(heartbeat);
    redis.disconnect();
    throw err;
  }
  const { UnrecoverableError } = bullmq;

  const processJob = async (bullJob: { id?: string; data: unknown }): Promise<QueueResult> => {
    const jobId = bullJob.id ?? "?";
    const refuse = (error: string, message: string) => {
      trials++;
      emit({ kind: "refused", jobId, message });
      return new UnrecoverableError(failureReason({ kind: "refused", station: stationId, error, message }));
    };
    const parsed = TrialJobSchema.safeParse(bullJob.data);
    if (!parsed.success) {
      throw refuse("InvalidInputError", `job ${jobId} is not an enpire.trial-job/1: ${z.prettifyError(parsed.error)}`);
    }
    const job: TrialJob = parsed.data;
    if (queueJobId(job) !== jobId) {
      throw refuse("InvalidInputError", `job ${jobId} carries trial ${queueJobId(job)}; the ids must match`);
    }
    const executor = idle.pop();
    if (!executor) throw new Error(`worker ${stationId} got more jobs than its concurrency ${concurrency}`);
    active.add(jobId);
    await beat(); // tell the dispatcher at once which job this worker holds
    const startMs = Date.now();
    try {
      const { output, video } = await executor.run(job);
      if (video && video.format !== "mp4") throw new Error(`the executor gave ${video.format} video, not mp4`);
      consecutiveFaults = 0;
      trials++;
      emit({ kind: "completed", jobId, output });
      return {
        schema: "enpire.queue-result/1",
        output,
        video: video
          ? {
              format: "mp4",
              base64: Buffer.from(video.bytes).toString("base64"),
              cameras: video.cameras?.map((c) => ({
                camera: c.camera,
                base64: Buffer.from(c.bytes).toString("base64"),
              })),
            }
          : null,
        timing: { startMs, endMs: Date.now() },
      };
    } catch (err) {
      if (isRefusal(err)) throw refuse(err.name, `worker ${stationId} refused job ${jobId}: ${err.message}`);
      // this machine could not run the trial (ffmpeg missing, a crash): the seed runs again elsewhere
      trials++;
      consecutiveFaults++;
      const why = `worker ${stationId} failed job ${jobId}: ${message(err)}`;
      all.delete(executor);
      await executor.close().catch(() => {});
      const fresh = new TrialExecutor(executor.stationId, "mp4"); // start the next trial from nothing
      all.add(fresh);
      idle.push(fresh);
      const nowFaulted = consecutiveFaults >= defaults.maxConsecutiveFaults;
      if (nowFaulted && faulted === null) {
        faulted = `stopped taking jobs after ${consecutiveFaults} faults in a row; last: ${why}`;
        void worker.pause(true);
      } else if (!nowFaulted && !worker.isPaused()) {
        void worker.pause(true);
        setTimeout(() => {
          if (faulted === null && !closing) void worker.resume();
        }, defaults.faultPauseMs).unref();
      }
      emit({ kind: "fault", jobId, message: why, faulted: nowFaulted });
      throw new UnrecoverableError(failureReason({ kind: "fault", station: stationId, message: why }));
    } finally {
      if (all.has(executor)) idle.push(executor);
      active.delete(jobId);
      void beat();
    }
  };

  const worker = new bullmq.Worker(QUEUE_NAME, processJob, {
    connection: connectionOptions(where, true),
    prefix: KEY_PREFIX,
    name: stationId, // BullMQ records it on each job it takes ("processedBy")
    concurrency,
    autorun: false,
    lockDuration: QUEUE_SETTINGS.lockDurationMs,
    stalledInterval: QUEUE_SETTINGS.stalledIntervalMs,
    maxStalledCount: QUEUE_SETTINGS.maxStalledCount,
    removeOnComplete: { age: QUEUE_SETTINGS.completedAgeS },
    removeOnFail: { age: QUEUE_SETTINGS.failedAgeS, count: QUEUE_SETTINGS.failedCount },
  });
  worker.on("error", (err) => warn(`worker ${stationId}: ${err.message}`));

  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const close = (opts: { force?: boolean } = {}): Promise<void> => {
    closing ??= (async () => {
      await worker.close(opts.force ?? false).catch((err) => warn(`closing the BullMQ worker: ${message(err)}`));
      clearInterval(heartbeat);
      await Promise.all([...all].map((e) => e.close().catch(() => {})));
      await releaseStationId(redis, stationId, instance).catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      resolveClosed();
    })();
    return closing;
  };

  try {
    await worker.waitUntilReady();
  } catch (err) {
    await close();
    throw err;
  }
  worker.run().catch((err: unknown) => warn(`worker ${stationId} stopped taking jobs: ${message(err)}`));
  await beat();
  return { stationId, redisUrl: where.url, record, close, closed };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Errors that say the job cannot run anywhere (not that this machine failed): final, never retried elsewhere. */
function isRefusal(err: unknown): err is EnpireError {
  return err instanceof InvalidInputError || err instanceof UnknownTaskError || err instanceof PolicyError;
}

/**
 * Writes the first record, refusing a station id that a live worker holds. A worker killed a moment ago still has
 * its record until the TTL runs out, so wait that long before refusing.
 */
async function claimStationId(
  redis: Redis,
  stationId: string,
  record: string,
  waitMs = QUEUE_SETTINGS.heartbeatTtlMs + 1000,
): Promise<void> {
  const key = workerKey(stationId);
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await redis.set(key, record, "PX", QUEUE_SETTINGS.heartbeatTtlMs, "NX")) === "OK") return;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const holder = QueueWorkerRecordSchema.safeParse(JSON.parse((await redis.get(key)) ?? "null"));
  const who = holder.success ? ` (pid ${holder.data.pid} on ${holder.data.host}, since ${holder.data.startedAt})` : "";
  throw new InvalidInputError(
    `station "${stationId}" is already taken by a live worker${who}; give this worker another --station id`,
  );
}

/** Deletes the record if it is still this instance's (a successor may have taken the id over). */
async function releaseStationId(redis: Redis, stationId: string, instance: string): Promise<void> {
  const key = workerKey(stationId);
  const current = QueueWorkerRecordSchema.safeParse(JSON.parse((await redis.get(key)) ?? "null"));
  if (current.success && current.data.instance === instance) await redis.del(key);
}
