/**
 * The recorder: turns what a station hands back for a trial job into a committed trial directory (events.jsonl,
 * result.json, video.mp4), its ledger entry and its index row, off the stations' critical path.
 *
 * `record` writes the events at once, then encodes raw frames with ffmpeg in the background, at most
 * `videoConcurrency` videos at a time; only when every file is complete is the directory renamed into place, appended
 * to the ledger and indexed (the commit), with the fsyncs off the event loop. One run's commits are serialised, so
 * the ledger's order is the order in which trials completed. The fleet need not await `record`; `flush` awaits every
 * trial handed over.
 */
import fs from "node:fs";
import { InvalidInputError } from "../core/errors.js";
import type { TrialResult } from "../core/trial.js";
import type { TrialJob, TrialOutput, TrialVideo } from "./job.js";
import type { RunStore, TrialRow } from "./store.js";
import { VideoWriter } from "./video.js";

/** The file name of a trial's video inside its directory. */
export const VIDEO_FILE = "video.mp4";

export interface RecorderOptions {
  /** How many videos ffmpeg encodes at once (default 2: this machine kind has 2 cores, the stations need them too). */
  videoConcurrency?: number;
}

/** A video that could not be written: its trial is committed without video, and its events say why. */
export interface VideoFailure {
  index: number;
  seed: number;
  error: Error;
}

/**
 * Records the trials of one run.
 * @example
 * const recorder = new Recorder(store, runId);
 * const { output, video } = await station.run(job);
 * void recorder.record(job, output, video); // the station takes its next job at once
 * await recorder.flush(); // before the run is finished
 */
export class Recorder {
  /** Videos that failed to encode (e.g. a full disk); their trials were committed without video. */
  readonly videoFailures: VideoFailure[] = [];
  private readonly pending = new Set<Promise<TrialRow>>();
  private readonly failures: Error[] = [];
  private readonly videoSlots: Semaphore;

  constructor(
    private readonly store: RunStore,
    readonly runId: string,
    opts: RecorderOptions = {},
  ) {
    const concurrency = opts.videoConcurrency ?? 2;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidInputError(`videoConcurrency must be a positive integer, got ${concurrency}`);
    }
    this.videoSlots = new Semaphore(concurrency);
  }

  /**
   * Records a trial a station ran: its events now, its video in the background, then the commit. Resolves with the
   * index row once committed. The recorder takes ownership of `video`: raw frames are released as they are encoded.
   */
  record(job: TrialJob, output: TrialOutput, video: TrialVideo | null): Promise<TrialRow> {
    return this.track(this.write(job, output, video));
  }

  /**
   * Records a trial that did not finish because its station faulted or stopped answering: kept, never counted.
   * `reason` says what happened, e.g. "station sim-2 stopped answering GET /status for 5000 ms".
   */
  recordInterrupted(
    job: TrialJob,
    station: string,
    reason: string,
    startedAt: string,
    elapsedMs: number,
  ): Promise<TrialRow> {
    return this.track(this.writeInterrupted(job, station, reason, startedAt, elapsedMs));
  }

  /** Waits for every trial handed to the recorder so far, and throws if any could not be recorded. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    const failures = this.failures.splice(0);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(
        failures,
        `${failures.length} trials could not be recorded; first: ${failures[0].message}`,
      );
    }
  }

  /** Trials handed over and not yet committed. */
  get inFlight(): number {
    return this.pending.size;
  }

  private track(work: Promise<TrialRow>): Promise<TrialRow> {
    this.pending.add(work);
    // handled here, so a caller that does not await `record` never sees an unhandled rejection; flush reports it
    work.then(
      () => this.pending.delete(work),
      (err: unknown) => {
        this.pending.delete(work);
        this.failures.push(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return work;
  }

  private async write(job: TrialJob, output: TrialOutput, video: TrialVideo | null): Promise<TrialRow> {
    checkMatches(job, output, this.runId);
    const writer = this.store.beginTrial(this.runId, job.index, job.seed);
    for (const e of output.events) writer.event(e);
    writer.flush();
    let videoFile: string | null = null;
    if (video) {
      try {
        await this.videoSlots.run(() => writeVideo(writer.file(VIDEO_FILE), video));
        videoFile = VIDEO_FILE;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.videoFailures.push({ index: job.index, seed: job.seed, error });
        const t = output.events.reduce((m, e) => Math.max(m, "t" in e ? e.t : 0), 0);
        writer.event({ event: "log", t, index: output.steps, lines: [`video not recorded: ${error.message}`] });
        fs.rmSync(writer.file(VIDEO_FILE), { force: true });
      }
    }
    const result: TrialResult = {
      schema: "enpire.trial-result/1",
      runId: this.runId,
      index: job.index,
      seed: job.seed,
      task: job.task,
      evalFingerprint: job.evalFingerprint,
      policy: { name: job.policy.name, path: job.policy.path, sha256: job.policy.sha256 },
      envStack: output.envStack,
      station: output.station,
      attempt: job.attempt,
      outcome: output.outcome,
      success: output.outcome.kind === "success",
      counted: output.outcome.kind !== "interrupted",
      steps: output.steps,
      totalReward: output.totalReward,
      maxReward: output.maxReward,
      termination: output.termination,
      verification: output.verification,
      tries: output.tries,
      startedAt: output.startedAt,
      elapsedMs: output.elapsedMs,
      video: videoFile,
    };
    return writer.commitAsync(result); // the store commits one trial of a run at a time
  }

  private async writeInterrupted(
    job: TrialJob,
    station: string,
    reason: string,
    startedAt: string,
    elapsedMs: number,
  ): Promise<TrialRow> {
    if (job.runId !== this.runId) {
      throw new InvalidInputError(`job for run ${job.runId} handed to the recorder of run ${this.runId}`);
    }
    const writer = this.store.beginTrial(this.runId, job.index, job.seed);
    return writer.commitAsync({
      schema: "enpire.trial-result/1",
      runId: this.runId,
      index: job.index,
      seed: job.seed,
      task: job.task,
      evalFingerprint: job.evalFingerprint,
      policy: { name: job.policy.name, path: job.policy.path, sha256: job.policy.sha256 },
      envStack: "unknown", // the station never reported its stack
      station,
      attempt: job.attempt,
      outcome: { kind: "interrupted", score: null, reason },
      success: false,
      counted: false,
      steps: 0,
      totalReward: 0,
      maxReward: 0,
      termination: "interrupted",
      verification: { success: false, score: null, reason, metrics: {} },
      tries: [],
      startedAt,
      elapsedMs,
      video: null,
    });
  }
}

/** The output must be the job's: same run, index, seed and attempt. Anything else is a dispatcher bug. */
function checkMatches(job: TrialJob, output: TrialOutput, runId: string): void {
  const j = [job.runId, job.index, job.seed, job.attempt];
  const o = [output.runId, output.index, output.seed, output.attempt];
  if (job.runId !== runId || j.some((v, i) => v !== o[i])) {
    throw new InvalidInputError(
      `trial output (run ${o[0]}, index ${o[1]}, seed ${o[2]}, attempt ${o[3]}) does not match its job ` +
        `(run ${j[0]}, index ${j[1]}, seed ${j[2]}, attempt ${j[3]}) for the recorder of run ${runId}`,
    );
  }
}

/** Writes an encoded mp4 as it is, or encodes raw RGB frames with ffmpeg, releasing each frame once sent. */
async function writeVideo(file: string, video: TrialVideo): Promise<void> {
  if (video.format === "mp4") {
    await fs.promises.writeFile(file, video.bytes);
    return;
  }
  const writer = await VideoWriter.open(file, { width: video.width, height: video.height, fps: video.fps });
  try {
    const frames = video.frames;
    for (let i = 0; i < frames.length; i++) {
      await writer.write(frames[i]);
      frames[i] = EMPTY; // the encoder has it; memory goes back while the rest is encoded
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

const EMPTY = new Uint8Array(0);

/** At most `limit` tasks at once; the rest wait in order, each handed the slot of one that ends. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over, still counted
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
