/**
 * What every procedural reset shares: the reset modes, the record a reset leaves (success, attempts, simulated
 * seconds, wall milliseconds, where it found the object), and the retry loop that runs a task's re-staging script
 * up to N times on a fresh step budget each, then gives up with a ResetFailedError naming what failed.
 */
import { InvalidInputError, ResetFailedError } from "../../../core/errors.js";
import { StepBudget } from "./motion.js";

/** How a task's scene is put back between episodes: the simulator's shortcut, or the station's own arms. */
export type ResetMode = "state" | "procedural";
export const RESET_MODES: readonly ResetMode[] = ["state", "procedural"];

/** A reset mode from an option; undefined is "state" (the default for now). */
export function resetModeOf(value: unknown, taskId: string): ResetMode {
  if (value === undefined) return "state";
  if (value === "state" || value === "procedural") return value;
  throw new InvalidInputError(`${taskId}: reset must be "state" or "procedural", got ${JSON.stringify(value)}`);
}

/** One reset, as the station logs it. */
export interface ResetRecord {
  mode: ResetMode;
  success: boolean;
  attempts: number; // tries of the re-staging script (1 when it worked first time; always 1 for "state")
  simSeconds: number; // simulated time the reset stepped, s
  wallMs: number; // wall-clock time, ms
  found: string; // where the reset found the object, e.g. "held", "on the table", "fresh scene"
  failure: string | null; // the sentence of a reset that gave up, null on success
  retries: string[]; // why each failed try failed (a successful reset may have some)
}

/**
 * The record of a state reset: the simulator set the scene and it settled for `settleSteps` physics steps of
 * `timestep` s, started at `t0` (performance.now()).
 */
export function stateResetRecord(settleSteps: number, timestep: number, t0: number): ResetRecord {
  return {
    mode: "state",
    success: true,
    attempts: 1,
    simSeconds: Math.round(settleSteps * timestep * 1000) / 1000,
    wallMs: Math.round(performance.now() - t0),
    found: "set by the simulator",
    failure: null,
    retries: [],
  };
}

export interface ProcedureOptions {
  what: string; // e.g. "pin-insertion procedural reset": the start of every failure sentence
  attempts: number; // tries before giving up
  budgetSteps: number; // physics steps each try may spend
  timestep: number; // s per physics step
}

/**
 * Runs `attempt(budget, index)` until it returns (what it found) or `opts.attempts` tries threw ResetFailedError.
 * Any other error is a bug and propagates. Returns the record and, on failure, the error to throw.
 */
export function runProcedure(
  opts: ProcedureOptions,
  attempt: (budget: StepBudget, index: number) => string,
): { record: ResetRecord; error: ResetFailedError | null } {
  const t0 = performance.now();
  let steps = 0;
  let failure: ResetFailedError | null = null;
  const retries: string[] = [];
  for (let i = 0; i < opts.attempts; i++) {
    const budget = new StepBudget(opts.budgetSteps, opts.what);
    try {
      const found = attempt(budget, i);
      steps += budget.used;
      return { record: record(true, i + 1, found, null), error: null };
    } catch (err) {
      steps += budget.used;
      if (!(err instanceof ResetFailedError)) throw err;
      failure = err;
      retries.push(err.message);
    }
  }
  const message = `${opts.what} failed after ${opts.attempts} attempts: ${failure?.message ?? "no attempt ran"}`;
  return {
    record: record(false, opts.attempts, "", message),
    error: new ResetFailedError(message, { cause: failure }),
  };

  function record(success: boolean, attempts: number, found: string, why: string | null): ResetRecord {
    return {
      mode: "procedural",
      success,
      attempts,
      simSeconds: Math.round(steps * opts.timestep * 1000) / 1000,
      wallMs: Math.round(performance.now() - t0),
      found,
      failure: why,
      retries: [...retries],
    };
  }
}
