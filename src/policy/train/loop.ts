/**
 * The bookkeeping every trainer's loop shares: when to stop (steps, wall-clock budget, abort signal), progress
 * reports with throughput, and checkpoints. The algorithms themselves stay in their own files.
 */
import type { TrainOptions, TrainProgress, TrainResult } from "./types.js";

export class TrainLoop {
  readonly history: TrainProgress[] = [];
  step = 0;
  samples = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly algorithm: string,
    private readonly opts: TrainOptions<object>,
    /** Gradient steps to run unless the budget or the signal stops earlier. */
    readonly maxSteps: number,
  ) {}

  /** True once the step count, the budget or the abort signal says to stop. */
  done(): boolean {
    if (this.step >= this.maxSteps) return true;
    if (this.opts.signal?.aborted) return true;
    return this.opts.budgetMs !== undefined && this.elapsedMs() >= this.opts.budgetMs;
  }

  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  samplesPerS(): number {
    const ms = this.elapsedMs();
    return ms > 0 ? (this.samples * 1000) / ms : 0;
  }

  /** Counts one gradient step over `batch` samples. */
  tick(batch: number): void {
    this.step += 1;
    this.samples += batch;
  }

  /** Records (and forwards to onProgress) one progress report. */
  report(losses: Record<string, number>, epoch?: number): TrainProgress {
    const p: TrainProgress = {
      algorithm: this.algorithm,
      step: this.step,
      ...(epoch === undefined ? {} : { epoch }),
      samples: this.samples,
      samplesPerS: this.samplesPerS(),
      elapsedMs: this.elapsedMs(),
      losses,
    };
    this.history.push(p);
    this.opts.onProgress?.(p);
    return p;
  }

  /** Calls onCheckpoint when a checkpoint is due at this step. */
  async checkpoint(result: () => TrainResult): Promise<void> {
    const every = this.opts.checkpointEvery;
    if (!every || !this.opts.onCheckpoint || this.step % every !== 0) return;
    await this.opts.onCheckpoint(result(), this.step);
  }

  /** The run's totals, to spread into a TrainResult. */
  totals(): Pick<TrainResult, "steps" | "samples" | "samplesPerS" | "elapsedMs" | "history"> {
    return {
      steps: this.step,
      samples: this.samples,
      samplesPerS: this.samplesPerS(),
      elapsedMs: this.elapsedMs(),
      history: this.history,
    };
  }
}

/** Hyperparameters: the defaults with the caller's overrides, frozen. */
export function resolveHyper<H extends object>(defaults: H, overrides?: Partial<H>): Readonly<H> {
  return Object.freeze({ ...defaults, ...(overrides ?? {}) });
}

/** Freezes a trainer's defaults, keeping the value types wide (number, not the literal 2.5) so overrides type-check. */
export function hyperparameters<H extends object>(defaults: H): Readonly<H> {
  return Object.freeze(defaults);
}
