import type { TrialJob, TrialOutput, TrialVideo } from "../job.js";
import { type Station, StationFaultError, type StationStatus } from "../station.js";

/**
 * What goes wrong on one call of a station's run():
 * - "reset-fails": the station's auto-reset fails before the trial begins (a non-fatal fault);
 * - "crash": the trial runs on the real station and is stopped mid-trial after `afterMs` (a thread station's thread
 *   is terminated), then reported as a fault, fatal or not;
 * - "hang": the station never answers; with `answerAfterMs`, it answers that late with a real trial's output.
 */
export type Fault =
  | { kind: "reset-fails" }
  | { kind: "crash"; afterMs: number; fatal?: boolean }
  | { kind: "hang"; answerAfterMs?: number };

/** Chooses the fault for the n-th call (1-based) of run() on this station, or none. */
export type FaultPlan = (call: number, job: TrialJob) => Fault | null;

/**
 * Wraps a station so that it fails on chosen calls, for tests of the fleet's fault handling: everything else goes
 * to the real station.
 * @example withFaults(new ThreadStation("sim-1"), (n) => (n === 2 ? { kind: "crash", afterMs: 20 } : null))
 */
export function withFaults(station: Station, plan: FaultPlan): Station & { readonly calls: number } {
  let calls = 0;
  let state: StationStatus["health"] | null = null;
  return {
    id: station.id,
    get calls() {
      return calls;
    },
    status(): StationStatus {
      const own = station.status();
      return state ? { ...own, health: state } : own;
    },
    async run(job: TrialJob, signal?: AbortSignal): Promise<{ output: TrialOutput; video: TrialVideo | null }> {
      calls++;
      const fault = plan(calls, job);
      if (!fault) return station.run(job, signal);
      if (fault.kind === "reset-fails") {
        throw new StationFaultError(station.id, `auto-reset failed before seed ${job.seed} (injected)`, false);
      }
      if (fault.kind === "crash") {
        const inner = new AbortController();
        const timer = setTimeout(() => inner.abort(new Error("injected crash")), fault.afterMs);
        try {
          await station.run(job, inner.signal);
        } catch {
          // the real station reports being stopped; the wrapper reports the crash
        } finally {
          clearTimeout(timer);
        }
        throw new StationFaultError(
          station.id,
          `crashed mid-trial on seed ${job.seed} (injected)`,
          fault.fatal ?? false,
        );
      }
      state = "running";
      try {
        if (fault.answerAfterMs === undefined) await new Promise<never>(() => {});
        await new Promise((resolve) => setTimeout(resolve, fault.answerAfterMs));
        return await station.run(job);
      } finally {
        state = null;
      }
    },
    close: () => station.close(),
  };
}
