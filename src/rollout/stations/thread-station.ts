import { type ResourceLimits, Worker } from "node:worker_threads";
import type { SceneGeometry } from "../../core/env.js";
import { InvalidInputError, PolicyError } from "../../core/errors.js";
import type { TrialJob, TrialOutput, TrialVideo } from "../job.js";
import {
  type Station,
  StationFaultError,
  type StationFrame,
  type StationHealth,
  type StationStatus,
  type StationView,
} from "../station.js";
import { EStopSignal } from "./e-stop-signal.js";
import type { FromWorker, ThreadWorkerData, ToWorker, WorkerError } from "./thread-worker.js";

/** What a station that knows exactly when it worked hands back: `timing` is the trial's span on the station. */
export interface TimedRun {
  output: TrialOutput;
  video: TrialVideo | null;
  timing: { startMs: number; endMs: number }; // epoch ms, sub-millisecond
}

export const threadStationDefaults = {
  stepSlackMs: 300, // per step, on top of the policy's deadline: physics, safety checks, a rendered frame
  startupMs: 15_000, // per trial: a fresh sandbox (the policy's load deadline is 10 s) and the task's env
  closeMs: 2_000, // a thread that does not exit this long after being asked to is terminated
  homeMs: 15_000, // a home command (an env reset) not done this long after it was asked for has failed
  preview: { size: 128, everyMs: 500 }, // live frames while someone listens: px square, least ms between frames
};

/**
 * The longest a trial may run on a station before it counts as hung: every step of every try may use the policy's
 * whole deadline plus some slack, and the station may need to start a sandbox first.
 * @example trialWatchdogMs(job) // 300 steps × (1000 + 300) ms + 15 s = 405 s for Push-T's defaults
 */
export function trialWatchdogMs(job: TrialJob): number {
  const { stepSlackMs, startupMs } = threadStationDefaults;
  return job.maxSteps * job.tries * (job.stepDeadlineMs + stepSlackMs) + startupMs;
}

export interface ThreadStationOptions {
  /** Longest one trial may run before the thread is stopped and the trial interrupted; trialWatchdogMs by default. */
  watchdogMs?: (job: TrialJob) => number;
  /** Heap limits of the thread (the policy's own isolate has its separate limit). */
  resourceLimits?: ResourceLimits;
  /** Live frames while a listener is set (onFrame): their size and the least time between two; see defaults. */
  preview?: { size: number; everyMs: number };
}

interface Pending {
  id: number;
  job: TrialJob;
  worker: Worker; // the thread running it
  resolve(run: TimedRun): void;
  reject(err: Error): void;
}

interface PendingHome {
  id: number;
  worker: Worker;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * A simulated station in a worker thread: the default station for simulated tasks. The thread runs a TrialExecutor
 * (its own env and sandboxed policy, kept between trials); jobs and outputs cross as structured clones and video
 * frames as transferred ArrayBuffers. A thread that crashes, exits or outlives the per-trial watchdog mid-trial is a
 * StationFaultError (not fatal: the next trial starts a fresh thread); a policy that does not load or a job for
 * another evaluation fingerprint is the job's error and is thrown as it is. `home()` resets the thread's env to its
 * start state; `onFrame` listeners get live camera frames of the trial running (rendered only while one listens).
 * @example
 * const station = new ThreadStation("sim-0");
 * const { output } = await station.run(job);
 * await station.close();
 */
export class ThreadStation implements Station {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private busy = false; // from run() until its trial settles, spawning included
  private health: StationHealth = "idle";
  private detail: string | null = null;
  private closed = false;
  private homing: PendingHome | undefined;
  private readonly frameListeners = new Set<(frame: StationFrame) => void>();
  private readonly viewListeners = new Set<(view: StationView) => void>();
  private geometry: SceneGeometry | null = null; // the scene geometry the thread posted last (views come without it)
  /** Shared with the thread: [preview size px (0: none), least ms between frames, 1: views]; see thread-worker.ts. */
  private readonly preview = new Int32Array(new SharedArrayBuffer(12));
  /** Shared with the thread: the e-stop request its TrialExecutor reads between steps. */
  private readonly eStopSignal = new EStopSignal();

  constructor(
    readonly id: string,
    private readonly options: ThreadStationOptions = {},
  ) {}

  status(): StationStatus {
    return { id: this.id, kind: "thread", health: this.health, detail: this.detail };
  }

  /** Live frames of the trial running, while at least one listener is set; returns the unsubscribe function. */
  onFrame(listener: (frame: StationFrame) => void): () => void {
    this.frameListeners.add(listener);
    this.updatePreview();
    return () => {
      this.frameListeners.delete(listener);
      this.updatePreview();
    };
  }

  /** Live 3D views (scene poses) of the trial running, for tasks whose env has a scene view; as onFrame. */
  onView(listener: (view: StationView) => void): () => void {
    this.viewListeners.add(listener);
    this.updatePreview();
    return () => {
      this.viewListeners.delete(listener);
      this.updatePreview();
    };
  }

  /**
   * Resets the thread's env to the task's start state (seed 0), as a robot homes; nothing to do before the first
   * trial (the thread has no env yet). Refused while a trial runs.
   */
  async home(): Promise<void> {
    if (this.closed) throw new Error(`station ${this.id} is closed`);
    if (this.busy) throw new Error(`station ${this.id} is running a trial; home it when it is idle`);
    const worker = this.worker;
    if (!worker) return; // no thread, no env: the next trial starts from a reset anyway
    this.busy = true;
    this.health = "resetting";
    this.detail = "homing";
    const id = this.nextId++;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.homing = undefined;
          this.kill();
          reject(new Error(`its thread did not home within ${threadStationDefaults.homeMs} ms; it was stopped`));
        }, threadStationDefaults.homeMs);
        const done = () => {
          clearTimeout(timer);
          this.homing = undefined;
        };
        this.homing = {
          id,
          worker,
          resolve: () => {
            done();
            resolve();
          },
          reject: (err) => {
            done();
            reject(err);
          },
        };
        worker.ref();
        worker.postMessage({ type: "home", id } satisfies ToWorker);
      });
    } finally {
      this.busy = false;
      this.worker?.unref();
      if (this.health === "resetting") {
        this.health = "idle";
        this.detail = null;
      }
    }
  }

  /**
   * The emergency stop: the running trial stops at its next step, recorded as a safety stop of kind "e-stop" with
   * this reason (for MuJoCo tasks, whose stations run with an e-stop layer; others log that they have none and run
   * on). Returns false when no trial runs (nothing to stop; a later trial is not affected).
   * @example station.eStop("operator pressed e-stop")
   */
  eStop(reason: string): boolean {
    if (!this.busy || this.homing) return false; // busy from run() on: a trial whose thread still starts is stopped too
    this.eStopSignal.trigger(reason);
    return true;
  }

  /** Starts the thread now rather than on the first trial (it takes a few hundred ms from TypeScript sources). */
  async ready(): Promise<void> {
    await this.spawn();
  }

  async run(job: TrialJob, signal?: AbortSignal): Promise<TimedRun> {
    if (this.closed) throw new StationFaultError(this.id, "is closed", true);
    if (this.busy) throw new Error(`station ${this.id} is already running a trial; it runs one at a time`);
    if (signal?.aborted)
      throw new StationFaultError(this.id, `was stopped before the trial began (${why(signal)})`, false);
    this.busy = true;
    // with its thread up, the job is posted before run() returns: nothing the caller does next can delay it
    let worker = this.worker;
    if (!worker) {
      this.health = "resetting";
      this.detail = "starting its thread";
      try {
        worker = await this.spawn();
      } catch (err) {
        this.busy = false;
        this.eStopSignal.clear();
        this.health = "faulted";
        this.detail = `its thread does not start: ${(err as Error).message}`;
        throw new StationFaultError(this.id, this.detail, true, { cause: err });
      }
    }
    this.health = "running";
    this.detail = `run ${job.runId} trial ${job.index} seed ${job.seed}`;
    const limitMs = (this.options.watchdogMs ?? trialWatchdogMs)(job);
    return new Promise<TimedRun>((resolve, reject) => {
      const id = this.nextId++;
      const stop = (message: string) => {
        if (this.pending?.id !== id) return;
        this.kill();
        this.fail(new StationFaultError(this.id, message, false));
      };
      const timer = setTimeout(
        () => stop(`did not finish trial ${job.index} (seed ${job.seed}) within ${limitMs} ms; its thread was stopped`),
        limitMs,
      );
      const onAbort = () => stop(`was stopped mid-trial (${why(signal)}); its thread was stopped`);
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        this.eStopSignal.clear(); // a stop that came as the trial ended is not the next trial's
        signal?.removeEventListener("abort", onAbort);
        this.pending = undefined;
        this.busy = false;
        if (this.health === "running") {
          this.health = "idle";
          this.detail = null;
        }
        this.worker?.unref();
      };
      this.pending = {
        id,
        job,
        worker,
        resolve: (run) => {
          settle();
          resolve(run);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      worker.ref();
      worker.postMessage({ type: "run", id, job } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health = "offline";
    this.detail = "closed";
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    if (this.pending) this.fail(new StationFaultError(this.id, "was closed mid-trial", true));
    this.homing?.reject(new Error(`station ${this.id} was closed while homing`));
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ type: "close" } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<void>((resolve) => {
      timer = setTimeout(() => void worker.terminate().then(() => resolve()), threadStationDefaults.closeMs);
    });
    await Promise.race([exited, overdue]);
    clearTimeout(timer);
  }

  /** The thread, once started: for diagnostics and tests (terminating it mid-trial is a crash the fleet survives). */
  get thread(): Worker | undefined {
    return this.worker;
  }

  private spawn(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    this.starting = new Promise<Worker>((resolve, reject) => {
      this.geometry = null; // a new thread posts its env's geometry again
      const data = {
        stationId: this.id,
        preview: this.preview.buffer as SharedArrayBuffer,
        eStop: this.eStopSignal.buffer,
      } satisfies ThreadWorkerData;
      const worker = startWorker(data, this.options.resourceLimits);
      let ready = false;
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          ready = true;
          this.worker = worker;
          this.starting = undefined;
          if (!this.busy) worker.unref();
          resolve(worker);
        } else this.onMessage(message);
      });
      worker.on("error", (err) => {
        if (!ready) reject(err);
        else this.onGone(worker, `its thread crashed: ${err.message}`, err);
      });
      worker.on("exit", (code) => {
        if (!ready) reject(new Error(`the thread exited with code ${code} while starting`));
        else this.onGone(worker, `its thread exited with code ${code} mid-trial`);
      });
    }).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private onMessage(message: FromWorker): void {
    if (message.type === "homed") {
      if (this.homing?.id !== message.id) return;
      if (message.error) this.homing.reject(new Error(`${message.error.name}: ${message.error.message}`));
      else this.homing.resolve();
      return;
    }
    if (message.type === "view" && message.geometry) this.geometry = message.geometry; // even of a trial given up
    const pending = this.pending;
    if (message.type === "ready" || !pending || pending.id !== message.id) return; // a reply to a trial given up on
    if (message.type === "frame") {
      const { width, height, rgb, step } = message;
      const frame: StationFrame = { width, height, rgb, runId: pending.job.runId, index: pending.job.index, step };
      for (const listener of this.frameListeners) {
        try {
          listener(frame);
        } catch {
          // a viewer's failure must not stop the station
        }
      }
      return;
    }
    if (message.type === "view") {
      if (!this.geometry) return;
      const { runId, index } = pending.job;
      const view: StationView = { geometry: this.geometry, poses: message.poses, runId, index, step: message.step };
      for (const listener of this.viewListeners) {
        try {
          listener(view);
        } catch {
          // a viewer's failure must not stop the station
        }
      }
      return;
    }
    if (message.type === "done") {
      const { output, video, timing } = message;
      pending.resolve({ output, video: video ? { format: "rgb24", ...video } : null, timing });
    } else pending.reject(jobError(this.id, message.error));
  }

  /** The thread died (crashed, exited, or was terminated by us): the trial in progress, if any, is a fault. */
  private onGone(worker: Worker, message: string, cause?: unknown): void {
    if (this.worker === worker) this.worker = undefined;
    if (this.pending?.worker === worker) this.fail(new StationFaultError(this.id, message, false, { cause }));
    if (this.homing?.worker === worker) this.homing.reject(new Error(message.replace("mid-trial", "while homing")));
  }

  /** Asks the thread for live frames while anyone listens, and for none otherwise (it reads this per step). */
  private updatePreview(): void {
    const { size, everyMs } = this.options.preview ?? threadStationDefaults.preview;
    const on = this.frameListeners.size > 0;
    Atomics.store(this.preview, 1, Math.max(0, Math.round(everyMs)));
    Atomics.store(this.preview, 0, on ? Math.max(1, Math.round(size)) : 0);
    Atomics.store(this.preview, 2, this.viewListeners.size > 0 ? 1 : 0);
  }

  private fail(err: Error): void {
    this.pending?.reject(err);
  }

  private kill(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
  }
}

/**
 * Rebuilds an error thrown inside the thread: the job's own errors as they were, a failed reset as a fault that takes
 * the station out of service, anything else as a fault.
 */
export function jobError(station: string, e: WorkerError): Error {
  if (e.name === "PolicyError") {
    return new PolicyError(e.message, (e.kind ?? "load") as PolicyError["kind"]);
  }
  if (e.name === "InvalidInputError" || e.name === "UnknownTaskError") return new InvalidInputError(e.message);
  const cause = Object.assign(new Error(e.message), { name: e.name, stack: e.stack });
  // the scene could not be put back, after the reset's own retries: a person must look (out of service)
  if (e.name === "ResetFailedError")
    return new StationFaultError(station, `reset failed: ${e.message}`, true, { cause });
  return new StationFaultError(station, `the trial failed inside the station: ${e.name}: ${e.message}`, false, {
    cause,
  });
}

function why(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  return reason instanceof Error ? reason.message : String(reason ?? "aborted");
}

/**
 * Starts the thread: dist's thread-worker.js as it is, or, from TypeScript sources (tsx), a bootstrap that
 * registers tsx's loader inside the thread first (Node 20 does not apply `--import tsx` to a worker's entry).
 */
function startWorker(workerData: ThreadWorkerData, resourceLimits?: ResourceLimits): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) {
    return new Worker(new URL("./thread-worker.js", here), { workerData, resourceLimits });
  }
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./thread-worker.ts", here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits, execArgv: [] });
}
