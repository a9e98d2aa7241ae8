/**
 * The recorder: turns what a station hands back for a trial job into a committed trial directory (events.jsonl,
 * result.json, video.mp4 and one video-<camera>.mp4 per extra camera of a 3D station), its ledger entry (which hashes
 * every video) and its index row, off the stations' critical path.
 *
 * `record` writes the events at once, then encodes raw frames with ffmpeg in the background, at most
 * `videoConcurrency` ffmpeg processes at a time; only when every file is complete is the directory renamed into place,
 * appended to the ledger and indexed (the commit), with the fsyncs off the event loop.
 *
 * Videos are encoded in batches: one ffmpeg per batch of trials of the same size and rate, each trial cut into its own
 * mp4, because starting ffmpeg costs ~50 ms of CPU, about what a whole Push-T trial costs. A batch starts when an
 * encoder is free and either no trial is running at a station (known from `begin`; without it, none has arrived for
 * `videoBatchQuietMs`), the waiting frames reach `videoBatchTrials` trials or `videoBatchMiB`, the oldest has waited
 * `videoBatchWaitMs`, or `flush` is waiting. One run's commits are serialised, so
 * the ledger's order is the order in which trials completed. The fleet need not await `record`; `flush` awaits every
 * trial handed over.
 */
import fs from "node:fs";
import { InvalidInputError } from "../core/errors.js";
import type { TrialResult } from "../core/trial.js";
import {
  type CameraFrames,
  type CameraMp4,
  cameraVideoFile,
  type TrialJob,
  type TrialOutput,
  type TrialVideo,
} from "./job.js";
import type { RunStore, TrialRow } from "./store.js";
import { encodeVideos } from "./video.js";

/** The file name of a trial's video inside its directory. */
export const VIDEO_FILE = "video.mp4";

export interface RecorderOptions {
  /** How many videos ffmpeg encodes at once (default 2: this machine kind has 2 cores, the stations need them too). */
  videoConcurrency?: number;
  /** Most trials one ffmpeg encodes; a batch starts once this many wait (default 32). */
  videoBatchTrials?: number;
  /** Most raw frame memory one batch holds, in MiB; a batch starts once this much waits (default 128). */
  videoBatchMiB?: number;
  /** Longest a trial's video waits for others to batch with, in ms (default 1000): bounds commit latency. */
  videoBatchWaitMs?: number;
  /** Without `begin` calls: a batch starts once no trial has arrived for this long, in ms (default 150). */
  videoBatchQuietMs?: number;
}

export const recorderDefaults = {
  videoConcurrency: 2, // this machine kind has 2 cores, and the stations need them too
  videoBatchTrials: 32, // 32 short Push-T videos cost ~7 ms of CPU each in one ffmpeg, ~60 ms each alone
  videoBatchMiB: 128, // ~4800 frames at 96 px, ~680 at 256 px
  videoBatchWaitMs: 1000,
  videoBatchQuietMs: 150, // a few trial lengths on one station: a busy run keeps batching, a lone trial soon goes
};

/** A video that could not be written: its trial is committed without video, and its events say why. */
export interface VideoFailure {
  index: number;
  seed: number;
  camera: string | null; // null: the main video (video.mp4); else the extra camera's (video-<camera>.mp4)
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
  private readonly videos: VideoBatcher;

  constructor(
    private readonly store: RunStore,
    readonly runId: string,
    opts: RecorderOptions = {},
  ) {
    const o = { ...recorderDefaults, ...opts };
    for (const key of ["videoConcurrency", "videoBatchTrials"] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) {
        throw new InvalidInputError(`${key} must be a positive integer, got ${o[key]}`);
      }
    }
    for (const key of ["videoBatchMiB", "videoBatchWaitMs", "videoBatchQuietMs"] as const) {
      if (!Number.isFinite(o[key]) || o[key] < 0) {
        throw new InvalidInputError(`${key} must be a number >= 0, got ${o[key]}`);
      }
    }
    this.videos = new VideoBatcher(o);
  }

  /** Told by the fleet as a trial is dispatched: while trials run at stations, videos wait to be batched with theirs. */
  begin(job: TrialJob): void {
    this.videos.expect(trialKey(job));
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
    while (this.pending.size > 0) {
      this.videos.drain(); // nothing waits to be batched once someone waits for it
      await Promise.allSettled([...this.pending]);
    }
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

  /** What every result of a job says about where it came from: run, trial, seed, attempt, task and policy. */
  private identity(job: TrialJob) {
    return {
      schema: "enpire.trial-result/1" as const,
      runId: this.runId,
      index: job.index,
      seed: job.seed,
      attempt: job.attempt,
      task: job.task,
      evalFingerprint: job.evalFingerprint,
      policy: { name: job.policy.name, path: job.policy.path, sha256: job.policy.sha256 },
    };
  }

  private async write(job: TrialJob, output: TrialOutput, video: TrialVideo | null): Promise<TrialRow> {
    this.videos.arrived(trialKey(job));
    checkMatches(job, output, this.runId);
    const writer = this.store.beginTrial(this.runId, job.index, job.seed);
    for (const e of output.events) writer.event(e);
    writer.flush();
    let videoFile: string | null = null;
    if (video) {
      // the main view and every extra camera at once (the batcher groups them by size); each may fail alone
      const files = [
        { file: VIDEO_FILE, camera: null, write: () => this.writeMain(writer.file(VIDEO_FILE), video) },
        ...(video.cameras ?? []).map((c) => {
          const file = cameraVideoFile(c.camera);
          return { file, camera: c.camera, write: () => this.writeCamera(writer.file(file), video, c) };
        }),
      ];
      const settled = await Promise.allSettled(files.map((f) => f.write()));
      const t = output.events.reduce((m, e) => Math.max(m, "t" in e ? e.t : 0), 0);
      for (const [i, s] of settled.entries()) {
        const { file, camera } = files[i];
        if (s.status === "fulfilled") {
          if (camera === null) videoFile = VIDEO_FILE;
          else await syncFile(writer.file(file)); // the store syncs only result.video's file
          continue;
        }
        const error = s.reason instanceof Error ? s.reason : new Error(String(s.reason));
        this.videoFailures.push({ index: job.index, seed: job.seed, camera, error });
        const what = camera === null ? "video" : `video of camera ${camera}`;
        writer.event({ event: "log", t, index: output.steps, lines: [`${what} not recorded: ${error.message}`] });
        fs.rmSync(writer.file(file), { force: true });
      }
    }
    const result: TrialResult = {
      ...this.identity(job),
      envStack: output.envStack,
      station: output.station,
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

  /** The main video: bytes from a remote station, or raw frames encoded here. */
  private async writeMain(file: string, video: TrialVideo): Promise<void> {
    if (video.format === "mp4") await fs.promises.writeFile(file, video.bytes);
    else await this.videos.encode(file, video);
  }

  /** One extra camera's video, at the main video's rate. */
  private async writeCamera(file: string, video: TrialVideo, camera: CameraFrames | CameraMp4): Promise<void> {
    if ("bytes" in camera) await fs.promises.writeFile(file, camera.bytes);
    else {
      const raw: RawVideo = {
        format: "rgb24",
        width: camera.size,
        height: camera.size,
        fps: videoFps(video),
        frames: camera.frames,
      };
      await this.videos.encode(file, raw);
    }
  }

  private async writeInterrupted(
    job: TrialJob,
    station: string,
    reason: string,
    startedAt: string,
    elapsedMs: number,
  ): Promise<TrialRow> {
    this.videos.arrived(trialKey(job));
    if (job.runId !== this.runId) {
      throw new InvalidInputError(`job for run ${job.runId} handed to the recorder of run ${this.runId}`);
    }
    const writer = this.store.beginTrial(this.runId, job.index, job.seed);
    return writer.commitAsync({
      ...this.identity(job),
      envStack: "unknown", // the station never reported its stack
      station,
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

/** The frame rate of a raw video; an mp4's camera videos come encoded, so their rate is never asked. */
function videoFps(video: TrialVideo): number {
  if (video.format !== "rgb24") throw new InvalidInputError("an mp4 video's cameras come encoded");
  return video.fps;
}

/** fsync of a file in libuv's thread pool. */
async function syncFile(file: string): Promise<void> {
  const handle = await fs.promises.open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
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

function trialKey(job: TrialJob): string {
  return `${job.runId}/${job.index}/${job.attempt}`;
}

/** Fewest videos worth a second ffmpeg start (~50 ms of CPU) to finish sooner. */
const MIN_SPREAD = 8;

type RawVideo = Extract<TrialVideo, { format: "rgb24" }>;

interface WaitingVideo {
  path: string;
  video: RawVideo;
  bytes: number;
  since: number; // performance.now() when it was handed over
  done: (error?: Error) => void;
}

/**
 * Encodes waiting videos in batches, at most `videoConcurrency` ffmpeg processes at once. Waiting videos keep their
 * order; a batch takes the oldest one and the others of its size and rate, up to the caps.
 */
class VideoBatcher {
  private readonly waiting: WaitingVideo[] = [];
  private waitingBytes = 0;
  private active = 0;
  private draining = false;
  private readonly running = new Set<string>(); // trials dispatched to a station (begin) and not yet recorded
  private toldOfStations = false;
  private lastArrival = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private readonly maxBytes: number;

  constructor(private readonly o: typeof recorderDefaults) {
    this.maxBytes = o.videoBatchMiB * 1024 * 1024;
  }

  expect(key: string): void {
    this.toldOfStations = true;
    this.running.add(key);
  }

  arrived(key: string): void {
    this.running.delete(key);
    this.lastArrival = performance.now();
    this.schedule(); // the last trial running may have just come back
  }

  /** Resolves once the video is at `path`; rejects with why it could not be encoded. */
  encode(path: string, video: RawVideo): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bytes = video.frames.reduce((sum, f) => sum + f.length, 0);
      const done = (error?: Error) => (error ? reject(error) : resolve());
      this.waiting.push({ path, video, bytes, since: performance.now(), done });
      this.waitingBytes += bytes;
      this.schedule();
    });
  }

  /** Starts every waiting video as soon as an encoder is free, until none waits. */
  drain(): void {
    if (this.waiting.length === 0) return;
    this.draining = true;
    this.pump();
  }

  /** Pumps once the current synchronous burst of records is in, so that it batches together. */
  private schedule(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.active < this.o.videoConcurrency && this.waiting.length > 0) {
      const now = performance.now();
      const idle = this.toldOfStations ? this.running.size === 0 : now - this.lastArrival >= this.o.videoBatchQuietMs;
      const hurry = this.draining || idle;
      const full = this.waiting.length >= this.o.videoBatchTrials || this.waitingBytes >= this.maxBytes;
      const stale = now - this.waiting[0].since >= this.o.videoBatchWaitMs;
      if (!hurry && !full && !stale) break;
      // when nothing more is coming soon, spread what waits over the free encoders: it is done sooner
      const free = this.o.videoConcurrency - this.active;
      const share = hurry ? Math.max(MIN_SPREAD, Math.ceil(this.waiting.length / free)) : this.waiting.length;
      this.start(this.take(Math.min(share, this.o.videoBatchTrials)));
    }
    if (this.waiting.length === 0) this.draining = false;
    else if (this.active < this.o.videoConcurrency) {
      // wake when the oldest has waited long enough, or when the quiet period ends
      const now = performance.now();
      let wake = this.waiting[0].since + this.o.videoBatchWaitMs;
      if (!this.toldOfStations) wake = Math.min(wake, this.lastArrival + this.o.videoBatchQuietMs);
      this.timer = setTimeout(() => this.pump(), Math.max(1, wake - now));
    }
  }

  /** Takes up to `most` waiting videos of the oldest one's size and rate, within the memory cap, in order. */
  private take(most: number): WaitingVideo[] {
    const first = this.waiting[0].video;
    const batch: WaitingVideo[] = [];
    let bytes = 0;
    for (let i = 0; i < this.waiting.length && batch.length < most; ) {
      const w = this.waiting[i];
      const same = w.video.width === first.width && w.video.height === first.height && w.video.fps === first.fps;
      if (!same || (batch.length > 0 && bytes + w.bytes > this.maxBytes)) {
        i++;
        continue;
      }
      batch.push(w);
      bytes += w.bytes;
      this.waiting.splice(i, 1);
    }
    this.waitingBytes -= bytes;
    return batch;
  }

  private start(batch: WaitingVideo[]): void {
    this.active++;
    const { width, height, fps } = batch[0].video;
    const parts = batch.map((w) => ({ path: w.path, frames: w.video.frames }));
    encodeVideos(parts, { width, height, fps })
      .then(
        () => {
          for (const w of batch) w.done();
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          for (const w of batch) w.done(error);
        },
      )
      .finally(() => {
        this.active--;
        this.pump();
      });
  }
}
