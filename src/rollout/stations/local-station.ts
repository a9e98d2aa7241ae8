import { InvalidInputError, PolicyError, UnknownTaskError } from "../../core/errors.js";
import { TrialExecutor } from "../execute.js";
import type { TrialJob } from "../job.js";
import { type Station, StationFaultError, type StationHealth, type StationStatus } from "../station.js";
import type { TimedRun } from "./thread-station.js";

/**
 * A simulated station in this thread, for tests and embedding: no start-up cost, but a trial holds the thread from
 * start to end (its steps await only microtasks), so timers, I/O and the recorder run only between trials, and a
 * trial that hangs outside the policy cannot be stopped (the policy's own step deadline still holds). Runs use
 * ThreadStations.
 * @example const { output } = await new LocalStation("local").run(job);
 */
export class LocalStation implements Station {
  private readonly executor: TrialExecutor;
  private health: StationHealth = "idle";
  private detail: string | null = null;

  constructor(readonly id = "local") {
    this.executor = new TrialExecutor(id, "rgb24");
  }

  status(): StationStatus {
    return { id: this.id, kind: "in-process", health: this.health, detail: this.detail };
  }

  async run(job: TrialJob, signal?: AbortSignal): Promise<TimedRun> {
    if (this.health === "offline") throw new StationFaultError(this.id, "is closed", true);
    if (signal?.aborted) throw new StationFaultError(this.id, "was stopped before the trial began", false);
    this.health = "running";
    this.detail = `run ${job.runId} trial ${job.index} seed ${job.seed}`;
    await new Promise((resolve) => setImmediate(resolve)); // let timers and I/O waiting since the last trial run
    const startMs = performance.timeOrigin + performance.now();
    try {
      const { output, video } = await this.executor.run(job);
      return { output, video, timing: { startMs, endMs: performance.timeOrigin + performance.now() } };
    } catch (err) {
      if (err instanceof PolicyError || err instanceof InvalidInputError || err instanceof UnknownTaskError) throw err;
      throw new StationFaultError(this.id, `the trial failed inside the station: ${(err as Error).message}`, false, {
        cause: err,
      });
    } finally {
      if (this.health === "running") {
        this.health = "idle";
        this.detail = null;
      }
    }
  }

  async close(): Promise<void> {
    this.health = "offline";
    this.detail = "closed";
    await this.executor.close();
  }
}
