/**
 * The dispatcher side of the distributed fleet: the queue on Redis made to look like stations, so the fleet
 * scheduler drives workers on other machines exactly as it drives local ones.
 *
 * Each QueueStation is one slot: `run(job)` adds the job to the BullMQ queue under the id `${runId}:${index}:${attempt}`
 * and waits for the worker that takes it to finish. By default there is one slot per live worker (per unit of its
 * concurrency), so the scheduler keeps every worker busy. A worker that dies mid-trial makes its job stall; the
 * slot then throws StationFaultError (not fatal: the slot is fine, the worker is gone), the fleet records the trial
 * as interrupted and queues the seed again as attempt + 1, which another worker takes.
 *
 * bullmq and ioredis are loaded only when `queueStations` is called.
 */
import type { Job, Queue, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { EnpireError, InvalidInputError } from "../../core/errors.js";
import type { TrialJob, TrialOutput, TrialVideo } from "../job.js";
import { type Station, StationFaultError, type StationStatus } from "../station.js";
import {
  BULLMQ_STALLED_REASON,
  connectionOptions,
  connectRedis,
  KEY_PREFIX,
  parseFailureReason,
  parseRedisUrl,
  QUEUE_NAME,
  QUEUE_SETTINGS,
  QueueResultSchema,
  type QueueWorkerRecord,
  queueJobId,
  type RedisLocation,
  readWorkerRecords,
} from "./queue.js";

export const defaults = {
  waitForWorkersMs: 10_000, // without `slots`: how long to wait for the first live worker before giving up
  noWorkerTimeoutMs: 60_000, // a queued job that no live worker could take for this long is taken back (fatal)
  pollMs: 1000, // the backstop check of every job in flight, for events missed while a connection was down
  redisDownMs: 30_000, // Redis unanswered this long while jobs are in flight: the slots fault (fatal)
};

export interface QueueStationsOptions {
  /** Number of slots (stations). Default: the live workers' total concurrency, waiting for one to appear. */
  slots?: number;
  waitForWorkersMs?: number;
  noWorkerTimeoutMs?: number;
  pollMs?: number;
}

/** The slots, usable wherever a Station[] is; close() (or closing every slot) lets go of Redis. */
export type QueueStations = QueueStation[] & {
  readonly url: string;
  /** The workers alive now, with what each is doing. */
  workers(): Promise<QueueWorkerRecord[]>;
  close(): Promise<void>;
};

/** What run() hands back; `timing` (epoch ms, the worker's clock) is when the worker was on the trial. */
export interface QueueRunResult {
  output: TrialOutput;
  video: TrialVideo | null;
  timing: { startMs: number; endMs: number };
}

/** A worker refused the job: it cannot run anywhere as it is (e.g. its evaluation fingerprint differs). Final. */
export class JobRefusedError extends InvalidInputError {
  constructor(
    readonly jobId: string,
    readonly worker: string,
    readonly errorName: string,
    message: string,
  ) {
    super(`${message} (${errorName}; the job was not run)`);
  }
}

/** No worker is listening on the queue, so no slot can be offered. */
export class NoQueueWorkersError extends EnpireError {
  constructor(
    readonly url: string,
    readonly waitedMs: number,
  ) {
    super(
      `no enpire worker is listening on ${url} (waited ${waitedMs} ms); start one on each station machine with ` +
        `\`enpire worker --redis ${url} --station NAME\`, or pass a number of slots`,
    );
  }
}

/**
 * Connects to the fleet's Redis and returns one station per slot.
 * @example
 * const stations = await queueStations("redis://10.0.0.2:6379");
 * try { await stations[0].run(job); } finally { await stations.close(); }
 */
export async function queueStations(redisUrl: string, options: QueueStationsOptions = {}): Promise<QueueStations> {
  const where = parseRedisUrl(redisUrl, "--fleet");
  if (options.slots !== undefined && (!Number.isInteger(options.slots) || options.slots < 1)) {
    throw new InvalidInputError(`the number of queue slots must be a positive integer, got ${options.slots}`);
  }
  const dispatcher = await Dispatcher.open(where, {
    noWorkerTimeoutMs: options.noWorkerTimeoutMs ?? defaults.noWorkerTimeoutMs,
    pollMs: options.pollMs ?? defaults.pollMs,
  });
  let slots = options.slots;
  if (slots === undefined) {
    try {
      slots = await dispatcher.waitForWorkers(options.waitForWorkersMs ?? defaults.waitForWorkersMs);
    } catch (err) {
      await dispatcher.close();
      throw err;
    }
  }
  const stations = Array.from({ length: slots }, (_, k) => new QueueStation(dispatcher, `${where.url}#${k}`));
  dispatcher.retain(stations.length);
  return Object.assign(stations, {
    url: where.url,
    workers: () => dispatcher.workers(),
    close: async () => {
      await Promise.all(stations.map((s) => s.close()));
      await dispatcher.close();
    },
  });
}

/** The workers alive on a fleet's Redis now (each keeps a record there while it runs). */
export async function listQueueWorkers(redisUrl: string): Promise<QueueWorkerRecord[]> {
  const redis = await connectRedis(parseRedisUrl(redisUrl, "--fleet"));
  try {
    return await readWorkerRecords(redis);
  } finally {
    redis.disconnect();
  }
}

/** One slot of the queue: runs one job at a time on whichever worker takes it. */
export class QueueStation implements Station {
  private current: { jobId: string; since: number } | null = null;
  private closed = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    readonly id: string,
  ) {}

  status(): StationStatus {
    if (this.closed) return { id: this.id, kind: "queue", health: "offline", detail: "closed" };
    if (!this.dispatcher.reachable) {
      return {
        id: this.id,
        kind: "queue",
        health: "offline",
        detail: `Redis at ${this.dispatcher.url} does not answer`,
      };
    }
    if (!this.current) return { id: this.id, kind: "queue", health: "idle", detail: null };
    const worker = this.dispatcher.workerOf(this.current.jobId);
    return {
      id: this.id,
      kind: "queue",
      health: "running",
      detail: `job ${this.current.jobId} ${worker ? `on worker ${worker}` : "waiting for a worker"}`,
    };
  }

  async run(job: TrialJob, signal?: AbortSignal): Promise<QueueRunResult> {
    if (this.closed) throw new StationFaultError(this.id, "this queue slot is closed", true);
    if (this.current) {
      throw new InvalidInputError(`station ${this.id} is already running job ${this.current.jobId}; one at a time`);
    }
    const jobId = queueJobId(job);
    this.current = { jobId, since: Date.now() };
    try {
      return await this.dispatcher.dispatch(job, jobId, this.id, signal);
    } finally {
      this.current = null;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dispatcher.release();
  }
}

interface Pending {
  jobId: string;
  job: TrialJob;
  station: string; // the slot that sent it
  worker: string | null; // the worker that took it, once known
  added: boolean; // the queue has it
  settled: boolean;
  resolve(value: QueueRunResult): void;
  reject(err: unknown): void;
}

/**
 * The connections a set of slots shares: the BullMQ queue, its event stream, a stalled-job checker (so a dead
 * worker's job is noticed even when no other worker is alive to notice it), and a plain client for worker records.
 */
class Dispatcher {
  private readonly pending = new Map<string, Pending>();
  /** Jobs whose outcome this dispatcher has delivered: a second delivery of either is ignored. */
  private readonly finished = new Set<string>();
  private refs = 0;
  private closing: Promise<void> | undefined;
  private poller: NodeJS.Timeout | undefined;
  private lastContact = Date.now();
  private noWorkersSince: number | null = null;
  reachable = true;

  private constructor(
    private readonly where: RedisLocation,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly checker: Worker,
    private readonly options: { noWorkerTimeoutMs: number; pollMs: number },
  ) {
    events.on("active", ({ jobId }) => void this.onActive(jobId));
    events.on("completed", ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
    events.on("failed", ({ jobId, failedReason }) => void this.onFailed(jobId, failedReason));
    // maxStalledCount is 0: a stalled job is already lost (the worker that held it stopped). BullMQ fails it when a
    // worker next picks it up; the slot need not wait for that.
    events.on("stalled", ({ jobId }) => void this.onFailed(jobId, BULLMQ_STALLED_REASON));
  }

  static async open(where: RedisLocation, options: { noWorkerTimeoutMs: number; pollMs: number }): Promise<Dispatcher> {
    const redis = await connectRedis(where); // fails fast, with a clear message, when Redis is not there
    const { Queue, QueueEvents, Worker } = await import("bullmq");
    const queue = new Queue(QUEUE_NAME, {
      connection: connectionOptions(where, false),
      prefix: KEY_PREFIX,
      streams: { events: { maxLen: QUEUE_SETTINGS.eventsMaxLen } },
      defaultJobOptions: {
        attempts: QUEUE_SETTINGS.attempts,
        removeOnComplete: { age: QUEUE_SETTINGS.completedAgeS },
        removeOnFail: { age: QUEUE_SETTINGS.failedAgeS, count: QUEUE_SETTINGS.failedCount },
      },
    });
    const events = new QueueEvents(QUEUE_NAME, { connection: connectionOptions(where, true), prefix: KEY_PREFIX });
    // a worker with no processor takes no jobs; it only moves jobs whose lock expired out of `active`
    const checker = new Worker(QUEUE_NAME, undefined, {
      connection: connectionOptions(where, true),
      prefix: KEY_PREFIX,
      name: "dispatcher",
      autorun: false,
      lockDuration: QUEUE_SETTINGS.lockDurationMs,
      stalledInterval: QUEUE_SETTINGS.stalledIntervalMs,
      maxStalledCount: QUEUE_SETTINGS.maxStalledCount,
    });
    const dispatcher = new Dispatcher(where, redis, queue, events, checker, options);
    const offline = () => {
      dispatcher.reachable = false; // the poller notices too, and says so when jobs are waiting on it
    };
    queue.on("error", offline);
    events.on("error", offline);
    checker.on("error", offline);
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), checker.waitUntilReady()]);
      await checker.startStalledCheckTimer();
    } catch (err) {
      await dispatcher.close();
      throw err;
    }
    return dispatcher;
  }

  get url(): string {
    return this.where.url;
  }

  workerOf(jobId: string): string | null {
    return this.pending.get(jobId)?.worker ?? null;
  }

  async workers(): Promise<QueueWorkerRecord[]> {
    return readWorkerRecords(this.redis);
  }

  /** Waits for live workers and returns their total concurrency (faulted workers take no jobs, so do not count). */
  async waitForWorkers(waitMs: number): Promise<number> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const live = (await this.workers()).filter((w) => w.health !== "faulted");
      if (live.length > 0) return live.reduce((n, w) => n + w.concurrency, 0);
      if (Date.now() >= deadline) throw new NoQueueWorkersError(this.where.url, waitMs);
      await sleep(250);
    }
  }

  async dispatch(job: TrialJob, jobId: string, station: string, signal?: AbortSignal): Promise<QueueRunResult> {
    signal?.throwIfAborted();
    if (this.pending.has(jobId)) {
      throw new InvalidInputError(`job ${jobId} is already in flight; each attempt of a trial runs once`);
    }
    if (this.finished.has(jobId)) {
      throw new InvalidInputError(
        `job ${jobId} has already finished; run the seed again as attempt ${job.attempt + 1}, not the same attempt`,
      );
    }
    let pending!: Pending;
    const result = new Promise<QueueRunResult>((resolve, reject) => {
      pending = { jobId, job, station, worker: null, added: false, settled: false, resolve, reject };
    });
    this.pending.set(jobId, pending); // before the add: no event about the job can come before it is listened for
    this.startPolling();
    const onAbort = () => void this.abort(pending, signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      try {
        // BullMQ adds a job id once: if this attempt is already queued (or done), this returns that job
        await this.queue.add("trial", job, { jobId });
        pending.added = true;
        this.contact();
      } catch (err) {
        this.settle(pending, () =>
          pending.reject(
            new StationFaultError(station, `could not queue job ${jobId} on ${this.where.url}: ${message(err)}`, true, {
              cause: err,
            }),
          ),
        );
      }
      return await result;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.pending.delete(jobId);
    }
  }

  retain(n: number): void {
    this.refs += n;
  }

  async release(): Promise<void> {
    this.refs--;
    if (this.refs <= 0) await this.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.poller);
      for (const p of this.pending.values()) {
        this.settle(p, () => p.reject(new StationFaultError(p.station, "the queue connection was closed", true)));
      }
      await Promise.allSettled([this.checker.close(true), this.events.close(), this.queue.close()]);
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.closing;
  }

  // ---- outcomes --------------------------------------------------------------------------------------------------

  /** Settles a job once; later deliveries for the same job id (an event and the poller both) are ignored. */
  private settle(p: Pending, deliver: () => void): void {
    if (p.settled) return;
    p.settled = true;
    this.finished.add(p.jobId);
    deliver();
  }

  private async onActive(jobId: string): Promise<void> {
    const p = this.pending.get(jobId);
    if (!p || p.worker !== null) return; // once known, keep the first worker: a stalled job is re-taken only to fail
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    p.worker ??= job?.processedBy ?? null;
  }

  private onCompleted(jobId: string, returnvalue: unknown): void {
    const p = this.pending.get(jobId);
    if (!p || p.settled) return;
    this.contact();
    const parsed = QueueResultSchema.safeParse(returnvalue);
    const worker = p.worker ?? (parsed.success ? parsed.data.output.station : "?");
    if (!parsed.success) {
      this.settle(p, () =>
        p.reject(
          new StationFaultError(
            p.station,
            `worker ${worker} returned a result for job ${jobId} that is not an enpire.queue-result/1 ` +
              `(a worker of another enpire version?): ${z.prettifyError(parsed.error)}`,
            false,
          ),
        ),
      );
      return;
    }
    const { output, video, timing } = parsed.data;
    if (output.runId !== p.job.runId || output.index !== p.job.index || output.attempt !== p.job.attempt) {
      const got = queueJobId(output);
      this.settle(p, () =>
        p.reject(new StationFaultError(p.station, `job ${jobId} came back as trial ${got}; it is discarded`, false)),
      );
      return;
    }
    const trialVideo: TrialVideo | null = video
      ? {
          format: "mp4",
          bytes: new Uint8Array(Buffer.from(video.base64, "base64")),
          cameras: video.cameras?.map((c) => ({
            camera: c.camera,
            bytes: new Uint8Array(Buffer.from(c.base64, "base64")),
          })),
        }
      : null;
    this.settle(p, () => p.resolve({ output, video: trialVideo, timing }));
    // the result is ours now: drop the payload from Redis (removeOnComplete's age is only the backstop)
    void this.queue.remove(jobId).catch(() => {});
  }

  private async onFailed(jobId: string, failedReason: string): Promise<void> {
    const p = this.pending.get(jobId);
    if (!p || p.settled) return;
    this.contact();
    const failure = parseFailureReason(failedReason);
    if (failure.kind === "refused") {
      this.settle(p, () => p.reject(new JobRefusedError(jobId, failure.station, failure.error, failure.message)));
      return;
    }
    if (failure.kind === "stalled" && p.worker === null) {
      // the job's last holder is still recorded on it, unless another worker has already re-taken it to fail it
      const job = await this.queue.getJob(jobId).catch(() => undefined);
      p.worker ??= job?.processedBy ?? null;
    }
    const worker = failure.kind === "fault" ? failure.station : (p.worker ?? "?");
    const why =
      failure.kind === "stalled"
        ? `worker ${worker} stopped mid-trial (job ${jobId} stalled: its lock was not renewed for ` +
          `${QUEUE_SETTINGS.lockDurationMs} ms); the seed runs again as a new job`
        : failure.kind === "fault"
          ? `${failure.message}; the seed runs again as a new job`
          : `job ${jobId} failed on worker ${worker}: ${failure.message}; the seed runs again as a new job`;
    this.settle(p, () => p.reject(new StationFaultError(p.station, why, false)));
  }

  private async abort(p: Pending, reason: unknown): Promise<void> {
    if (p.settled) return;
    // a job no worker has taken yet is withdrawn; a running trial cannot be stopped halfway, so its result is awaited
    const removed = await this.queue.remove(p.jobId).catch(() => 0);
    if (removed === 1) {
      p.settled = true; // not `finished`: the same attempt may be queued again later
      p.reject(reason);
    }
  }

  // ---- the backstop poll --------------------------------------------------------------------------------------------

  private startPolling(): void {
    if (this.poller) return;
    this.noWorkersSince = null;
    this.poller = setInterval(() => void this.poll(), this.options.pollMs);
  }

  private polling = false;
  private async poll(): Promise<void> {
    if (this.polling) return;
    if (this.pending.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
      return;
    }
    this.polling = true;
    try {
      const live = (await this.workers()).filter((w) => w.health !== "faulted");
      this.contact();
      if (live.length > 0) this.noWorkersSince = null;
      else this.noWorkersSince ??= Date.now();
      for (const p of [...this.pending.values()]) {
        if (!p.settled) await this.check(p, live);
      }
    } catch (err) {
      if (Date.now() - this.lastContact > defaults.redisDownMs) {
        for (const p of this.pending.values()) {
          const why = `Redis at ${this.where.url} has not answered for ${defaults.redisDownMs} ms: ${message(err)}`;
          this.settle(p, () => p.reject(new StationFaultError(p.station, why, true, { cause: err })));
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private async check(p: Pending, live: QueueWorkerRecord[]): Promise<void> {
    const job: Job | undefined = await this.queue.getJob(p.jobId);
    if (p.settled) return;
    if (!job) {
      if (!p.added) return; // the add is still on its way
      const why = `job ${p.jobId} vanished from the queue before it finished (removed by hand?); the seed runs again`;
      return this.settle(p, () => p.reject(new StationFaultError(p.station, why, false)));
    }
    const state = await job.getState();
    if (state === "completed") return this.onCompleted(p.jobId, job.returnvalue);
    if (state === "failed") return this.onFailed(p.jobId, job.failedReason);
    if (state === "active") {
      p.worker ??= job.processedBy ?? null;
      return;
    }
    if (job.deferredFailure) return this.onFailed(p.jobId, job.deferredFailure); // stalled, waiting to be failed
    const starved = this.noWorkersSince !== null && Date.now() - this.noWorkersSince > this.options.noWorkerTimeoutMs;
    if (starved && live.length === 0 && (await this.queue.remove(p.jobId)) === 1) {
      this.settle(p, () =>
        p.reject(
          new StationFaultError(
            p.station,
            `no live worker on ${this.where.url} for ${this.options.noWorkerTimeoutMs} ms, so job ${p.jobId} was ` +
              `taken back unrun; start workers with \`enpire worker --redis ${this.where.url} --station NAME\``,
            true,
          ),
        ),
      );
    }
  }

  private contact(): void {
    this.lastContact = Date.now();
    this.reachable = true;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
