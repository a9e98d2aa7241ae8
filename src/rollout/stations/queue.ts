/**
 * What the dispatcher (queue-station.ts) and the workers (queue-worker.ts) of the distributed fleet agree on: the
 * BullMQ queue, its settings, the job id scheme, the worker records kept in Redis, and how a Redis URL is read.
 *
 * Nothing here imports bullmq or ioredis at load time: a run without `--fleet` never needs Redis.
 */
import os from "node:os";
import type { Redis } from "ioredis";
import { z } from "zod";
import { EnpireError, InvalidInputError } from "../../core/errors.js";
import { CameraNameSchema, type TrialJob, TrialOutputSchema } from "../job.js";

/** Every key of ours starts with this (BullMQ's own keys too, through its `prefix` option). */
export const KEY_PREFIX = "enpire";
/** The BullMQ queue that carries trial jobs: its keys are `enpire:trials:*`. */
export const QUEUE_NAME = "trials";

/**
 * BullMQ settings shared by workers and the dispatcher. The fleet, not BullMQ, decides what happens to a trial
 * that did not finish: BullMQ must never run a job twice, so a stalled job fails and the fleet re-queues its seed
 * as a new job (attempt + 1), recording the stalled attempt as interrupted.
 */
export const QUEUE_SETTINGS = {
  lockDurationMs: 3000, // a worker renews its job's lock every 1.5 s; a killed worker's lock is gone within 3 s
  stalledIntervalMs: 2000, // how often a worker (or the dispatcher) looks for active jobs whose lock expired
  maxStalledCount: 0, // a stalled job is never handed to another worker by BullMQ: it fails as stalled
  attempts: 1, // BullMQ never retries a job; a re-run is a new job with its own id
  completedAgeS: 3600, // the dispatcher removes a completed job once it has the result; this catches leftovers
  failedAgeS: 24 * 3600, // failed jobs (stalled, refused) are kept a day for diagnosis …
  failedCount: 1000, // … and at most this many
  eventsMaxLen: 1000, // events kept in the queue's stream: completions carry results, so keep it short
  heartbeatMs: 1000, // a worker rewrites its record this often …
  heartbeatTtlMs: 4000, // … and the record vanishes this long after the last write (a killed worker)
} as const;

/** The reason BullMQ gives a job that stalled more often than maxStalledCount allows. */
export const BULLMQ_STALLED_REASON = "job stalled more than allowable limit";

/**
 * The BullMQ job id of a trial job: `${runId}:${index}:${attempt}`. BullMQ adds a job only once per id, so a
 * dispatcher that sends the same attempt twice gets the one job back, never a second trial.
 * @example queueJobId({ runId: "20250101T000000-ab12cd", index: 3, attempt: 2 }) // "20250101T000000-ab12cd:3:2"
 */
export function queueJobId(job: Pick<TrialJob, "runId" | "index" | "attempt">): string {
  if (job.runId === "" || job.runId.includes(":")) {
    throw new InvalidInputError(`run id "${job.runId}" cannot name a queue job: it must be non-empty and have no ":"`);
  }
  return `${job.runId}:${job.index}:${job.attempt}`;
}

/** A station id names a worker in Redis keys and in every trial it runs. */
export const STATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkStationId(stationId: string, flag = "--station"): string {
  if (!STATION_ID_PATTERN.test(stationId)) {
    throw new InvalidInputError(
      `${flag} must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${stationId}"`,
    );
  }
  return stationId;
}

/** The Redis key of a worker's record (written by the worker, read by the dispatcher). */
export function workerKey(stationId: string): string {
  return `${KEY_PREFIX}:stations:${QUEUE_NAME}:${stationId}`;
}
export const WORKER_KEY_PATTERN = `${KEY_PREFIX}:stations:${QUEUE_NAME}:*`;

/** What a worker says about itself in Redis, rewritten every heartbeat; gone when the worker is. */
export const QueueWorkerRecordSchema = z.object({
  schema: z.literal("enpire.queue-worker/1"),
  station: z.string(),
  instance: z.string(), // random per process: tells a restarted worker from the one before it
  host: z.string(),
  pid: z.number().int(),
  concurrency: z.number().int().positive(),
  health: z.enum(["idle", "running", "faulted"]),
  detail: z.string().nullable(), // e.g. why it faulted
  jobs: z.array(z.string()), // ids of the jobs it is running now
  trials: z.number().int().nonnegative(), // jobs it has finished (completed, refused or faulted)
  tasks: z.array(z.object({ id: z.string(), version: z.number().int(), evalFingerprint: z.string() })),
  startedAt: z.string(),
  beatAt: z.string(),
});
export type QueueWorkerRecord = z.infer<typeof QueueWorkerRecordSchema>;

/** A job's return value: the trial output, and its video as base64 mp4 (BullMQ stores return values as JSON). */
export const QueueResultSchema = z.object({
  schema: z.literal("enpire.queue-result/1"),
  output: TrialOutputSchema,
  video: z
    .object({
      format: z.literal("mp4"),
      base64: z.string(),
      // the station's other cameras, each its own mp4 (absent from workers of before camera videos)
      cameras: z.array(z.object({ camera: CameraNameSchema, base64: z.string() })).optional(),
    })
    .nullable(),
  timing: z.object({ startMs: z.number(), endMs: z.number() }), // epoch ms by the worker's clock: its time on the job
});
export type QueueResult = z.infer<typeof QueueResultSchema>;

/**
 * Why a job failed, as the dispatcher sees it. A worker tags the reason it fails a job with, so the kind survives
 * BullMQ, which keeps only a message: "refused" (the job cannot run anywhere: a fingerprint mismatch, a bad job, a
 * policy that does not load) is final; "fault" (this worker could not run it) and "stalled" (the worker stopped
 * mid-trial) make the trial interrupted and its seed runs again.
 */
export type QueueFailure =
  | { kind: "refused"; station: string; error: string; message: string }
  | { kind: "fault"; station: string; message: string }
  | { kind: "stalled"; message: string }
  | { kind: "unknown"; message: string };

const TAGGED = /^\[enpire:(refused|fault) ([^\]\s]+)(?: ([A-Za-z]+))?\] ([\s\S]*)$/;

/** The failure reason a worker fails a job with, e.g. "[enpire:refused w2 InvalidInputError] station w2 runs …". */
export function failureReason(failure: Extract<QueueFailure, { kind: "refused" | "fault" }>): string {
  const error = failure.kind === "refused" ? ` ${failure.error}` : "";
  return `[enpire:${failure.kind} ${failure.station}${error}] ${failure.message}`;
}

/** Reads a BullMQ failedReason back into a QueueFailure. */
export function parseFailureReason(reason: string): QueueFailure {
  if (reason === BULLMQ_STALLED_REASON) return { kind: "stalled", message: reason };
  const m = TAGGED.exec(reason);
  if (!m) return { kind: "unknown", message: reason };
  if (m[1] === "refused") return { kind: "refused", station: m[2], error: m[3] ?? "Error", message: m[4] };
  return { kind: "fault", station: m[2], message: m[4] };
}

/** A Redis location from `redis://HOST:PORT[/DB]`. */
export interface RedisLocation {
  url: string; // as given, without a password
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/**
 * Reads `redis://HOST:PORT[/DB]` (PORT defaults to 6379, DB to 0; `redis://:PASSWORD@HOST:PORT` is accepted),
 * refusing anything else with the value and the expected form.
 * @example parseRedisUrl("redis://127.0.0.1:6390/2") // { host: "127.0.0.1", port: 6390, db: 2, … }
 */
export function parseRedisUrl(value: string, flag = "--redis"): RedisLocation {
  const expected = `${flag} must look like redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`${expected}; got "${value}"`);
  }
  if (url.protocol !== "redis:") {
    throw new InvalidInputError(`${expected}; got "${value}" (only redis:// is supported, not ${url.protocol}//)`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new InvalidInputError(`${expected}; got "${value}" (no host)`);
  const port = url.port === "" ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidInputError(`${expected}; got "${value}" (port ${url.port} is not in 1..65535)`);
  }
  const dbText = url.pathname.replace(/^\//, "");
  if (dbText !== "" && !/^\d{1,5}$/.test(dbText)) {
    throw new InvalidInputError(`${expected}; got "${value}" (the database "${dbText}" is not a number)`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new InvalidInputError(`${expected}; got "${value}" (no query or fragment is understood)`);
  }
  const shown = `redis://${url.host}${dbText === "" ? "" : `/${dbText}`}`;
  return {
    url: shown,
    host,
    port,
    db: dbText === "" ? 0 : Number(dbText),
    username: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
  };
}

/**
 * ioredis/BullMQ connection options for a location. A blocking connection (a worker's) waits for Redis to come
 * back however long it takes (BullMQ requires it); the dispatcher's commands fail after a few tries instead, so a
 * lost Redis surfaces as an error rather than a hang.
 */
export function connectionOptions(where: RedisLocation, blocking: boolean) {
  return {
    host: where.host,
    port: where.port,
    db: where.db,
    username: where.username,
    password: where.password,
    maxRetriesPerRequest: blocking ? null : 3,
    connectTimeout: 5000,
  };
}

/** Redis could not be reached or answered with an error; nothing was dispatched. */
export class RedisUnreachableError extends EnpireError {
  override readonly retryable = true;
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach Redis at ${url}: ${reason}; is redis-server running there? ` +
        `(start one with \`redis-server --port ${new URL(url).port || 6379}\`)`,
      options,
    );
  }
}

/**
 * Connects a plain Redis client, failing fast with RedisUnreachableError instead of retrying for ever; once
 * connected, it reconnects on its own like any ioredis client. Loads ioredis only when called.
 */
export async function connectRedis(where: RedisLocation, timeoutMs = 3000): Promise<Redis> {
  const { Redis } = await import("ioredis");
  let connected = false;
  const client = new Redis({
    ...connectionOptions(where, false),
    connectTimeout: timeoutMs,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // before the first connection: give up at once (the caller gets a clear error); after it: keep trying
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
  });
  let lastError: Error | undefined;
  client.on("error", (err: Error) => {
    lastError = err;
  });
  try {
    await client.connect();
    await client.ping();
    connected = true;
    return client;
  } catch (err) {
    client.disconnect();
    const why = lastError?.message ?? (err as Error).message;
    throw new RedisUnreachableError(where.url, why, { cause: err });
  }
}

/** Reads every live worker's record (records expire with their worker). */
export async function readWorkerRecords(redis: Redis): Promise<QueueWorkerRecord[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", WORKER_KEY_PATTERN, "COUNT", 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const records: QueueWorkerRecord[] = [];
  for (const v of values) {
    if (v === null) continue; // expired between SCAN and MGET
    const parsed = QueueWorkerRecordSchema.safeParse(safeJson(v));
    if (parsed.success) records.push(parsed.data);
  }
  return records.sort((a, b) => a.station.localeCompare(b.station));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const HOSTNAME = os.hostname();
