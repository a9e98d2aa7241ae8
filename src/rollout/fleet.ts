/**
 * The fleet scheduler: trial jobs from many concurrent runs (several agents or branches share one fleet) on a set of
 * stations, each run within its budget.
 *
 * - Dispatch is event-driven: whenever a station frees up, a run is submitted or a trial is re-queued, every idle
 *   station gets a job at once, before anything is recorded. There is no polling.
 * - Fair share: a free station goes to the run with the fewest trials in flight, then the fewest station-seconds
 *   used, then the one submitted first.
 * - Budgets (per run): `trials` counted trials at most (exact: a trial starts only while counted + in flight is
 *   below it); `wallClockS` and `stationSeconds`: no trial starts once they are spent. Trials already in flight then
 *   run to their end and are recorded and counted as usual, so a run may end past its wall-clock or station-second
 *   budget by at most one trial (bounded by the watchdog), never by a trial started late.
 * - Faults: a StationFaultError, a thread that dies or a hang past the watchdog makes the trial interrupted: it is
 *   recorded (kept, never counted) and its seed is queued again, first in line, with attempt + 1, preferably for
 *   another station. A station that faults `stationRetries` + 1 times in a row, or fatally, is taken out of service
 *   (faulted) and its work goes to the others; a hung station is offline until its trial returns. A seed interrupted
 *   `maxAttempts` times fails its run; a run with queued work and no station in service fails with NoStationsError.
 *   Every recorded trial is kept. A late answer from a station already given up on is discarded: no trial is ever
 *   counted twice.
 * - Control (an operator, through `enpire ui`): `pause` a station (it finishes its trial in flight and takes no new
 *   one; it stays in service, so runs wait for it rather than fail, and their budgets keep running), `resume` it,
 *   `home` an idle one (the slot takes no trial while the station's own home command runs).
 * - Mean Robot Utilization: each station's busy intervals (when it was executing a trial, as the station timed it)
 *   give `utilisation()`: MRU per station and for the fleet, over the fleet's life and while work was queued.
 */
import { EnpireError } from "../core/errors.js";
import type { TrialJob, TrialOutput, TrialVideo } from "./job.js";
import { type BusyInterval, utilisation as meanRobotUtilisation } from "./metrics.js";
import { type Station, StationFaultError, type StationHealth, type StationStatus } from "./station.js";
import { trialWatchdogMs } from "./stations/thread-station.js";
import type { TrialRow } from "./store.js";

export const fleetDefaults = {
  stationRetries: 2, // faults in a row a station may have and stay in service (failed resets, crashes, hangs)
  maxAttempts: 3, // interrupted trials of one seed before its run fails
  watchdogGraceMs: 5_000, // the fleet's own watchdog fires this long after the station's (trialWatchdogMs)
};

/** One run's limits; unset ones are unlimited (the seeds plan bounds the trials anyway). */
export interface RunBudget {
  trials?: number; // counted trials, over every session of the run
  wallClockS?: number; // the run's wall-clock time, over every session
  stationSeconds?: number; // station time its trials used, interrupted ones included
}

/** What the fleet needs of a recorder (rollout/recorder.ts): it writes and indexes each trial, off the dispatch path. */
export interface TrialRecorder {
  /** Called as a trial is dispatched (e.g. to leave a trace a crash would leave behind); a throw fails the run. */
  begin?(job: TrialJob, station: string): void;
  record(job: TrialJob, output: TrialOutput, video: TrialVideo | null): Promise<TrialRow>;
  recordInterrupted(
    job: TrialJob,
    station: string,
    reason: string,
    startedAt: string,
    elapsedMs: number,
  ): Promise<TrialRow>;
  flush(): Promise<void>;
}

/** A job without what the fleet fills in per trial. */
export type JobTemplate = Omit<TrialJob, "schema" | "runId" | "index" | "seed" | "attempt">;

export interface RunSpec {
  runId: string;
  /** The seeds plan: each seed gets one counted trial; `attempt` is the next trial's (1 unless resumed). */
  seeds: readonly { seed: number; attempt?: number }[];
  job: JobTemplate;
  recorder: TrialRecorder;
  /** Index of the run's next trial directory (store.nextTrialIndex on resume); 0 by default. */
  firstIndex?: number;
  budget?: RunBudget;
  /** What earlier sessions of this run used (resume); the budget continues from there. */
  spent?: { trials: number; wallClockMs: number; stationMs: number };
  /**
   * When this session of the run began (epoch ms), if before its submission (its stations starting, say): its
   * wall-clock time counts from then, as a later resume counts it from the session's record.
   */
  sessionStartMs?: number;
  maxAttempts?: number;
  /** Looked at as each trial returns, before anything else is dispatched: a reason stops the run (no new trials). */
  stopWhen?: (output: TrialOutput) => string | null;
  /** Called once each trial is recorded, counted or interrupted. */
  onTrial?: (row: TrialRow, progress: RunProgress) => void;
  /** Aborting stops the run: no new trial starts; those in flight finish and are recorded. */
  signal?: AbortSignal;
}

export interface RunProgress {
  runId: string;
  counted: number; // this session's counted trials
  interrupted: number;
  inFlight: number;
  queued: number; // seeds waiting for a station
  stationMs: number; // station time used this session
  wallClockMs: number; // this session's
}

/** How a run ended. */
export type RunEnd =
  | { kind: "finished" } // every seed has a counted trial
  | { kind: "budget"; which: "trials" | "wall-clock" | "station-seconds"; reason: string }
  | { kind: "stopped"; reason: string } // its signal, or stopWhen
  | { kind: "failed"; reason: string; error: Error };

export interface RunOutcome {
  runId: string;
  end: RunEnd;
  rows: TrialRow[]; // this session's trials, in index order, interrupted ones included
  progress: RunProgress;
  unrun: number[]; // seeds still without a counted trial
}

/** A station's busy interval (epoch ms, as the station timed the trial when it reports timing) and its trial. */
export interface TrialInterval extends BusyInterval {
  runId: string;
  index: number;
  seed: number;
  result: "counted" | "interrupted" | "error";
}

export interface StationUtilisation {
  id: string;
  busyMs: number;
  mru: number; // busy / the fleet's wall-clock window
  mruWhileQueued: number | null; // busy / the time work was queued; null if it never was
  intervals: TrialInterval[];
}

export interface FleetUtilisation {
  fromMs: number; // the first submission (epoch ms)
  toMs: number; // now
  fleetMru: number; // mean over stations, as ENPIRE reports it
  queuedMs: number; // how long work waited for a station
  fleetMruWhileQueued: number | null;
  queuedPeriods: [number, number][];
  /** From a station finishing a trial to it starting the next, while work was queued (scheduling overhead). */
  handoff: { count: number; meanMs: number; p95Ms: number; maxMs: number };
  /** Time spent in the dispatcher's own code (choosing, bookkeeping), not in stations or the recorder. */
  dispatcher: { trials: number; totalMs: number; perTrialMs: number };
  stations: StationUtilisation[];
}

export type FleetEvent =
  | { type: "submit"; runId: string; seeds: number; atMs: number }
  | { type: "dispatch"; runId: string; index: number; seed: number; attempt: number; station: string; atMs: number }
  | {
      type: "trial"; // a trial returned (or was given up on), before the station's next dispatch
      runId: string;
      index: number;
      seed: number;
      station: string;
      result: TrialInterval["result"];
      outcome: string; // the outcome's kind when counted ("success", "failure", ...), else "interrupted" or "error"
      success: boolean;
      atMs: number;
    }
  | { type: "station"; station: string; health: StationHealth; detail: string | null }
  | {
      type: "control"; // an operator's pause, resume or home: "started" (home only), then "done" or "failed"
      station: string;
      action: StationControl;
      phase: "started" | "done" | "failed";
      message: string | null;
      atMs: number;
    };

/** What an operator may ask of a station while the fleet runs. */
export type StationControl = "pause" | "resume" | "home" | "e-stop";

/** A station that can stop its running trial at once (a robot's emergency stop): ThreadStation. */
export interface EStoppable {
  /** Stops the running trial at its next step, as a safety stop "e-stop"; false when no trial runs. */
  eStop(reason: string): boolean;
}

function canEStop(station: Station): station is Station & EStoppable {
  return typeof (station as Partial<EStoppable>).eStop === "function";
}

/** A run as it stands, for live views. */
export interface ActiveRun {
  runId: string;
  counted: number; // counted trials of the run, earlier sessions included
  interrupted: number; // this session's
  inFlight: number;
  queued: number;
  budget: RunBudget | null;
}

export interface FleetOptions {
  stationRetries?: number;
  /** The fleet's own per-trial watchdog, for any station; trialWatchdogMs(job) + watchdogGraceMs by default. */
  watchdogMs?: (job: TrialJob) => number;
  onEvent?: (event: FleetEvent) => void;
}

/** Work was queued and no station was left in service to run it. What was recorded is kept. */
export class NoStationsError extends EnpireError {
  override readonly retryable = true;
  constructor(
    readonly runId: string,
    readonly unrun: number,
    readonly stations: StationStatus[],
  ) {
    const why = stations.map((s) => `${s.id} ${s.health}${s.detail ? ` (${s.detail})` : ""}`).join("; ");
    super(
      `no station is in service for run ${runId}, which has ${unrun} seed${unrun === 1 ? "" : "s"} left: ${why}. ` +
        `The trials recorded so far are kept; fix the stations, then \`enpire run --resume ${runId}\``,
    );
  }
}

/** A control request the fleet cannot carry out (an unknown station, home while it runs a trial, ...). */
export class StationControlError extends EnpireError {}

/** One seed was interrupted on station after station: the trouble is likely the job, not the stations. */
export class SeedInterruptedError extends EnpireError {
  constructor(
    readonly runId: string,
    readonly seed: number,
    readonly reasons: string[],
  ) {
    super(
      `seed ${seed} of run ${runId} was interrupted ${reasons.length} times; last: ${reasons.at(-1)}. ` +
        "The trials recorded so far are kept; look at the stations' faults, then resume the run",
    );
  }
}

type SlotState = "idle" | "busy" | "stuck" | "faulted"; // stuck: hung, out of service until it answers
interface Slot {
  station: Station;
  state: SlotState;
  faults: number; // in a row
  detail: string | null;
  intervals: TrialInterval[];
  paused: boolean; // by an operator: no new trials until resumed
  homing: boolean; // its home command runs: no trials meanwhile
}
interface QueuedSeed {
  seed: number;
  attempt: number;
  avoid: string[]; // stations it was interrupted on
  reasons: string[];
}
interface InFlight {
  run: RunState;
  slot: Slot;
  job: TrialJob;
  item: QueuedSeed;
  dispatchedMs: number;
  controller: AbortController;
  timer: NodeJS.Timeout;
  settled: boolean; // accounted for; a later answer is discarded
}
interface RunState {
  spec: RunSpec;
  seq: number;
  queue: QueuedSeed[];
  inFlight: Set<InFlight>;
  startedMs: number;
  nextIndex: number;
  counted: number;
  interrupted: number;
  stationMs: number;
  end: RunEnd | null; // set once no new trial may start
  records: Set<Promise<void>>;
  handing: number; // trials settled but not yet handed to the recorder (the next dispatch comes first)
  rows: TrialRow[];
  wallTimer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  resolve(outcome: RunOutcome): void;
}

const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Shares a set of stations between runs.
 * @example
 * const fleet = new Fleet([new ThreadStation("sim-0"), new ThreadStation("sim-1")]);
 * const outcome = await fleet.submit({ runId, seeds, job, recorder, budget: { wallClockS: 600 } });
 * console.log(outcome.end, fleet.utilisation().fleetMru);
 * await fleet.close();
 */
export class Fleet {
  private readonly slots: Slot[];
  private readonly runs = new Set<RunState>();
  private readonly outcomes = new Set<Promise<RunOutcome>>();
  private readonly options: Required<Omit<FleetOptions, "onEvent">> & Pick<FleetOptions, "onEvent">;
  private seq = 0;
  private pumping = false;
  private pumpAgain = false;
  private firstMs: number | undefined;
  private queuedSince: number | undefined;
  private readonly queuedPeriods: [number, number][] = [];
  private dispatcherMs = 0;
  private dispatched = 0;
  private closed = false;
  private readonly listeners = new Set<(event: FleetEvent) => void>();

  constructor(stations: readonly Station[], options: FleetOptions = {}) {
    const ids = new Set(stations.map((s) => s.id));
    if (ids.size !== stations.length) throw new Error("station ids in a fleet must be unique");
    this.slots = stations.map((station) => ({
      station,
      state: "idle",
      faults: 0,
      detail: null,
      intervals: [],
      paused: false,
      homing: false,
    }));
    this.options = {
      stationRetries: options.stationRetries ?? fleetDefaults.stationRetries,
      watchdogMs: options.watchdogMs ?? ((job) => trialWatchdogMs(job) + fleetDefaults.watchdogGraceMs),
      onEvent: options.onEvent,
    };
  }

  /** Starts every station that has a start-up (threads), so the first trials do not wait for it. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => (s.station as Partial<{ ready(): Promise<void> }>).ready?.call(s.station)));
  }

  /** Queues a run's seeds; resolves when the run has ended and every one of its trials is recorded. */
  submit(spec: RunSpec): Promise<RunOutcome> {
    if (this.closed) throw new Error("the fleet is closed");
    const outcome = new Promise<RunOutcome>((resolve) => {
      const submittedMs = nowMs();
      const startedMs = Math.min(submittedMs, spec.sessionStartMs ?? submittedMs);
      this.firstMs ??= submittedMs;
      const run: RunState = {
        spec,
        seq: this.seq++,
        queue: spec.seeds.map((s) => ({ seed: s.seed, attempt: s.attempt ?? 1, avoid: [], reasons: [] })),
        inFlight: new Set(),
        startedMs,
        nextIndex: spec.firstIndex ?? 0,
        counted: 0,
        interrupted: 0,
        stationMs: 0,
        end: null,
        records: new Set(),
        handing: 0,
        rows: [],
        wallTimer: undefined,
        onAbort: undefined,
        resolve,
      };
      this.runs.add(run);
      this.emit({ type: "submit", runId: spec.runId, seeds: spec.seeds.length, atMs: submittedMs });
      const wallS = spec.budget?.wallClockS;
      if (wallS !== undefined) {
        const leftMs = wallS * 1000 - (spec.spent?.wallClockMs ?? 0) - (submittedMs - startedMs);
        run.wallTimer = setTimeout(() => {
          this.budgetCheck(run);
          this.pump();
        }, Math.max(0, leftMs) + 1);
        run.wallTimer.unref();
      }
      if (spec.signal) {
        run.onAbort = () => this.stop(run, { kind: "stopped", reason: abortReason(spec.signal) });
        if (spec.signal.aborted) run.onAbort();
        else spec.signal.addEventListener("abort", run.onAbort, { once: true });
      }
      this.budgetCheck(run);
      this.pump();
    });
    this.outcomes.add(outcome);
    void outcome.then(() => this.outcomes.delete(outcome));
    return outcome;
  }

  /**
   * Every station's health as the fleet sees it: out of service when the fleet took it out, resetting while it
   * homes, else its own report; `paused: true` when an operator paused it.
   */
  stations(): StationStatus[] {
    return this.slots.map((slot) => {
      const status = this.statusOf(slot);
      return slot.paused ? { ...status, paused: true } : status;
    });
  }

  /** The stations themselves, in the fleet's order (e.g. to listen to their camera frames). */
  members(): readonly Station[] {
    return this.slots.map((s) => s.station);
  }

  /** The runs submitted and not yet ended, as they stand now. */
  activeRuns(): ActiveRun[] {
    return [...this.runs].map((run) => ({
      runId: run.spec.runId,
      counted: (run.spec.spent?.trials ?? 0) + run.counted,
      interrupted: run.interrupted,
      inFlight: run.inFlight.size,
      queued: run.queue.length,
      budget: run.spec.budget ?? null,
    }));
  }

  /** Adds a listener for the fleet's events (besides FleetOptions.onEvent); returns the function that removes it. */
  subscribe(listener: (event: FleetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The station takes no new trial (the one in flight finishes and is recorded as usual) until `resume`. */
  pause(stationId: string): void {
    const slot = this.slotOf(stationId);
    if (slot.paused) return;
    slot.paused = true;
    this.emitControl(slot, "pause", "done", null);
    this.noteQueue();
  }

  /** A paused station takes trials again, at once. */
  resume(stationId: string): void {
    const slot = this.slotOf(stationId);
    if (!slot.paused) return;
    slot.paused = false;
    this.emitControl(slot, "resume", "done", null);
    this.pump();
  }

  /**
   * The emergency stop: pauses the station (it takes no new trial until `resume`) and stops the trial it runs at its
   * next step; that trial is recorded as a safety failure of kind "e-stop". Returns whether a trial was stopped.
   * Throws StationControlError when the station has no e-stop (only its pause then takes effect).
   * @example fleet.eStop("sim-0", "operator pressed e-stop") // true: sim-0's trial ends, sim-0 is paused
   */
  eStop(stationId: string, reason = "operator e-stop"): boolean {
    const slot = this.slotOf(stationId);
    const wasPaused = slot.paused;
    slot.paused = true;
    if (!wasPaused) this.emitControl(slot, "pause", "done", null);
    if (!canEStop(slot.station)) {
      this.emitControl(slot, "e-stop", "failed", "the station has no e-stop; it is paused");
      this.noteQueue();
      throw new StationControlError(`station ${stationId} has no e-stop; it is paused and finishes its trial`);
    }
    const stopped = slot.state === "busy" && slot.station.eStop(reason);
    this.emitControl(slot, "e-stop", "done", stopped ? `stopping its trial: ${reason}` : "no trial was running");
    this.noteQueue();
    return stopped;
  }

  /**
   * Runs the station's home command while it runs no trial; the slot takes no trial meanwhile and reports
   * "resetting". Throws StationControlError when the station is unknown, has no home command, runs a trial or homes
   * already, or when its home command failed.
   */
  async home(stationId: string): Promise<void> {
    const slot = this.slotOf(stationId);
    const { station } = slot;
    if (!station.home) throw new StationControlError(`station ${stationId} has no home command`);
    if (slot.homing) throw new StationControlError(`station ${stationId} is homing already`);
    if (slot.state === "busy" || slot.state === "stuck") {
      const what = slot.state === "busy" ? "is running a trial" : "is not answering (hung on a trial)";
      throw new StationControlError(`station ${stationId} ${what}; pause it, wait for its trial to end, then home it`);
    }
    if (this.closed) throw new StationControlError("the fleet is closed");
    slot.homing = true;
    this.emitControl(slot, "home", "started", null);
    this.emitStation(slot);
    try {
      await station.home();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.emitControl(slot, "home", "failed", message);
      throw new StationControlError(`station ${stationId} could not home: ${message}`, { cause: err });
    } finally {
      slot.homing = false;
      this.emitStation(slot);
      this.pump();
    }
    this.emitControl(slot, "home", "done", null);
  }

  /**
   * Mean Robot Utilization per station and for the fleet, with the busy intervals (the timeline), from the first
   * submission (or `sinceMs`, epoch ms) to now. Dispatcher figures are always over the fleet's whole life.
   */
  utilisation(sinceMs?: number): FleetUtilisation {
    const toMs = nowMs();
    const fromMs = Math.max(this.firstMs ?? toMs, sinceMs ?? Number.NEGATIVE_INFINITY);
    const clip = ([s, e]: [number, number]): [number, number] => [Math.max(s, fromMs), e];
    const periods: [number, number][] = [...this.queuedPeriods];
    if (this.queuedSince !== undefined) periods.push([this.queuedSince, toMs]);
    const window = periods.filter(([, e]) => e > fromMs).map(clip);
    const queuedMs = window.reduce((a, [s, e]) => a + (e - s), 0);
    const gaps: number[] = [];
    const stations = this.slots.map((slot): StationUtilisation => {
      const intervals = slot.intervals
        .filter((i) => i.endMs > fromMs)
        .map((i) => ({ ...i, startMs: Math.max(i.startMs, fromMs) }))
        .sort((a, b) => a.startMs - b.startMs);
      const busyMs = intervals.reduce((a, i) => a + (i.endMs - i.startMs), 0);
      const mru = meanRobotUtilisation(intervals, fromMs, toMs).perStation[slot.station.id] ?? 0;
      let busyQueued = 0;
      for (const i of intervals) busyQueued += overlap(i.startMs, i.endMs, window);
      for (let k = 1; k < intervals.length; k++) {
        const [endMs, startMs] = [intervals[k - 1].endMs, intervals[k].startMs];
        if (startMs >= endMs && overlap(endMs, startMs, window) >= (startMs - endMs) * 0.999)
          gaps.push(startMs - endMs);
      }
      return {
        id: slot.station.id,
        busyMs,
        mru,
        mruWhileQueued: queuedMs > 0 ? busyQueued / queuedMs : null,
        intervals,
      };
    });
    gaps.sort((a, b) => a - b);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    return {
      fromMs,
      toMs,
      fleetMru: mean(stations.map((s) => s.mru)),
      queuedMs,
      fleetMruWhileQueued: queuedMs > 0 ? mean(stations.map((s) => s.mruWhileQueued ?? 0)) : null,
      queuedPeriods: window,
      handoff: {
        count: gaps.length,
        meanMs: mean(gaps),
        p95Ms: gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.95))] : 0,
        maxMs: gaps.at(-1) ?? 0,
      },
      dispatcher: {
        trials: this.dispatched,
        totalMs: this.dispatcherMs,
        perTrialMs: this.dispatched ? this.dispatcherMs / this.dispatched : 0,
      },
      stations,
    };
  }

  /** Stops every run (no new trials), waits for the trials in flight, and closes the stations. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const run of [...this.runs]) this.stop(run, { kind: "stopped", reason: "the fleet was closed" });
    await Promise.all(this.outcomes);
    await Promise.all(this.slots.map((s) => s.station.close().catch(() => {})));
  }

  // ---- dispatch ----------------------------------------------------------------------------------------------------

  /** Gives every idle station a job while any run has one it may start. Re-entrant calls fold into one. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const t0 = performance.now();
    try {
      do {
        this.pumpAgain = false;
        for (const slot of this.slots) {
          if (slot.state !== "idle" || slot.paused || slot.homing) continue;
          const pick = this.choose(slot);
          if (pick) this.start(pick.run, pick.at, slot);
        }
      } while (this.pumpAgain);
      this.noteQueue();
      this.checkStations();
    } finally {
      this.pumping = false;
      this.dispatcherMs += performance.now() - t0;
    }
  }

  /**
   * The run with queued work that is furthest behind (fewest in flight, then least station time, then oldest), and
   * which of its seeds this station takes: a seed re-queued after a fault waits for another station, unless it was
   * interrupted on every station in service.
   */
  private choose(slot: Slot): { run: RunState; at: number } | undefined {
    // a paused station is in service (runs wait for it) but takes no work until resumed
    const inService = this.slots
      .filter((s) => (s.state === "idle" && !s.paused) || s.state === "busy")
      .map((s) => s.station.id);
    const id = slot.station.id;
    // avoiding is a preference: a seed interrupted on every station in service may run on any of them
    const takes = (q: QueuedSeed) => !q.avoid.includes(id) || inService.every((s) => q.avoid.includes(s));
    let best: { run: RunState; at: number } | undefined;
    for (const run of this.runs) {
      if (run.end || run.queue.length === 0 || !this.mayStart(run)) continue;
      const at = run.queue.findIndex(takes);
      if (at < 0) continue;
      const b = best?.run;
      if (
        !b ||
        run.inFlight.size < b.inFlight.size ||
        (run.inFlight.size === b.inFlight.size &&
          (run.stationMs < b.stationMs || (run.stationMs === b.stationMs && run.seq < b.seq)))
      ) {
        best = { run, at };
      }
    }
    return best;
  }

  private start(run: RunState, at: number, slot: Slot): void {
    const { spec } = run;
    const item = run.queue[at];
    const job: TrialJob = {
      schema: "enpire.trial-job/1",
      runId: spec.runId,
      index: run.nextIndex,
      seed: item.seed,
      attempt: item.attempt,
      ...spec.job,
    };
    try {
      spec.recorder.begin?.(job, slot.station.id);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.stop(run, { kind: "failed", reason: `trial ${job.index} could not begin: ${error.message}`, error });
      return;
    }
    run.queue.splice(at, 1);
    run.nextIndex++;
    const dispatchedMs = nowMs();
    const flight: InFlight = {
      run,
      slot,
      job,
      item,
      dispatchedMs,
      controller: new AbortController(),
      timer: setTimeout(() => this.onHang(flight), this.options.watchdogMs(job)),
      settled: false,
    };
    flight.timer.unref();
    run.inFlight.add(flight);
    slot.state = "busy";
    this.dispatched++;
    this.emit({
      type: "dispatch",
      runId: spec.runId,
      index: job.index,
      seed: job.seed,
      attempt: job.attempt,
      station: slot.station.id,
      atMs: dispatchedMs,
    });
    let running: Promise<{ output: TrialOutput; video: TrialVideo | null }>;
    try {
      running = slot.station.run(job, flight.controller.signal);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (result) => this.onDone(flight, result),
      (err: unknown) => this.onError(flight, err instanceof Error ? err : new Error(String(err))),
    );
  }

  // ---- a trial returns ---------------------------------------------------------------------------------------------

  private onDone(flight: InFlight, result: { output: TrialOutput; video: TrialVideo | null }): void {
    const t0 = performance.now();
    if (!this.settle(flight, "counted", result)) {
      this.release(flight.slot); // a station the watchdog gave up on answered after all: its answer is discarded
      return;
    }
    const { run, slot, job } = flight;
    slot.faults = 0;
    slot.detail = null;
    slot.state = "idle";
    run.counted++;
    let reason: string | null = null;
    try {
      reason = run.spec.stopWhen?.(result.output) ?? null;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.stop(run, { kind: "failed", reason: `stopWhen threw: ${error.message}`, error });
    }
    if (reason) this.stop(run, { kind: "stopped", reason });
    this.budgetCheck(run);
    this.dispatcherMs += performance.now() - t0;
    this.pump(); // the station's next trial starts before this one is recorded
    this.track(run, () => run.spec.recorder.record(job, result.output, result.video));
  }

  private onError(flight: InFlight, err: Error): void {
    if (!(err instanceof StationFaultError)) {
      // the job's own error (a policy that does not load, another evaluation fingerprint): the run cannot go on
      if (!this.settle(flight, "error")) {
        this.release(flight.slot);
        return;
      }
      flight.slot.state = "idle";
      this.stop(flight.run, { kind: "failed", reason: err.message, error: err });
      this.pump();
      this.recordInterrupted(flight, `the trial could not run: ${err.message}`);
      return;
    }
    if (!this.settle(flight, "interrupted")) {
      // the answer of a station the watchdog gave up on: it is back (or gone for good)
      this.release(flight.slot, err);
      return;
    }
    this.fault(flight.slot, err.message, err.fatal);
    this.interrupt(flight, err.message);
  }

  /** The fleet's watchdog: the station did not answer in time. The trial is interrupted; the station is offline. */
  private onHang(flight: InFlight): void {
    if (!this.settle(flight, "interrupted")) return;
    const { slot, job } = flight;
    const limit = this.options.watchdogMs(job);
    const reason = `station ${slot.station.id} did not finish trial ${job.index} (seed ${job.seed}) within ${limit} ms`;
    flight.controller.abort(new Error(`no answer within ${limit} ms`));
    slot.faults++;
    slot.state = "stuck";
    slot.detail = `hung on trial ${job.index} of run ${job.runId}; out of service until it answers`;
    this.emitStation(slot);
    this.interrupt(flight, reason);
  }

  /** A station the watchdog gave up on has answered at last: back in service, unless it faulted too often. */
  private release(slot: Slot, err?: StationFaultError): void {
    if (slot.state !== "stuck") return;
    if (err?.fatal || slot.faults > this.options.stationRetries) {
      slot.state = "faulted";
      slot.detail = `out of service after ${slot.faults} fault${slot.faults === 1 ? "" : "s"} in a row; last: hung`;
    } else {
      slot.state = "idle";
      slot.detail = `recovered after hanging (${slot.faults} fault${slot.faults === 1 ? "" : "s"} in a row)`;
    }
    this.emitStation(slot);
    this.pump();
  }

  /**
   * Accounts for a trial's end once: its interval, the run's station time, the flight bookkeeping. False when it
   * was accounted for already (the watchdog gave up on it): the caller then ignores the answer.
   */
  private settle(flight: InFlight, result: TrialInterval["result"], answer?: { output: TrialOutput }): boolean {
    if (flight.settled) return false;
    flight.settled = true;
    clearTimeout(flight.timer);
    const endMs = nowMs();
    const { run, slot, job } = flight;
    run.inFlight.delete(flight);
    run.handing++;
    run.stationMs += endMs - flight.dispatchedMs;
    // the station's own timing when it gives one (time it actually executed the trial), within dispatch..answer
    const timing = (answer as { timing?: { startMs: number; endMs: number } } | undefined)?.timing;
    const startMs = timing ? Math.max(flight.dispatchedMs, Math.min(timing.startMs, endMs)) : flight.dispatchedMs;
    const stopMs = timing ? Math.max(startMs, Math.min(timing.endMs, endMs)) : endMs;
    const station = slot.station.id;
    slot.intervals.push({
      station,
      runId: run.spec.runId,
      index: job.index,
      seed: job.seed,
      startMs,
      endMs: stopMs,
      result,
    });
    const output = (answer as { output?: TrialOutput } | undefined)?.output;
    this.emit({
      type: "trial",
      runId: run.spec.runId,
      index: job.index,
      seed: job.seed,
      station,
      result,
      outcome: output?.outcome.kind ?? (result === "error" ? "error" : "interrupted"),
      success: output?.success ?? false,
      atMs: endMs,
    });
    return true;
  }

  private fault(slot: Slot, message: string, fatal: boolean): void {
    slot.faults++;
    if (fatal || slot.faults > this.options.stationRetries) {
      slot.state = "faulted";
      slot.detail = fatal
        ? `out of service: ${message}`
        : `out of service after ${slot.faults} faults in a row; last: ${message}`;
    } else {
      slot.state = "idle";
      slot.detail = `fault ${slot.faults} in a row: ${message}`;
    }
    this.emitStation(slot);
  }

  /** The trial is recorded as interrupted and its seed queued again, first, for another station. */
  private interrupt(flight: InFlight, reason: string): void {
    const { run, slot, item, job } = flight;
    run.interrupted++;
    const reasons = [...item.reasons, reason];
    const maxAttempts = run.spec.maxAttempts ?? fleetDefaults.maxAttempts;
    const again = { seed: item.seed, attempt: item.attempt + 1, avoid: [...item.avoid, slot.station.id], reasons };
    run.queue.unshift(again);
    if (reasons.length >= maxAttempts) {
      this.stop(run, {
        kind: "failed",
        reason: "",
        error: new SeedInterruptedError(run.spec.runId, job.seed, reasons),
      });
    }
    this.budgetCheck(run);
    this.pump();
    this.recordInterrupted(flight, reason);
  }

  private recordInterrupted(flight: InFlight, reason: string): void {
    const { run, slot, job, dispatchedMs } = flight;
    const startedAt = new Date(dispatchedMs).toISOString();
    const elapsedMs = nowMs() - dispatchedMs;
    this.track(run, () => run.spec.recorder.recordInterrupted(job, slot.station.id, reason, startedAt, elapsedMs));
  }

  // ---- runs end ----------------------------------------------------------------------------------------------------

  private track(run: RunState, write: () => Promise<TrialRow>): void {
    run.handing--;
    let recording: Promise<TrialRow>;
    try {
      recording = write();
    } catch (err) {
      recording = Promise.reject(err);
    }
    const done = recording.then(
      (row) => {
        run.rows.push(row);
        try {
          run.spec.onTrial?.(row, this.progress(run));
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          this.stop(run, { kind: "failed", reason: `onTrial threw: ${error.message}`, error });
        }
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.stop(run, { kind: "failed", reason: `recording a trial failed: ${error.message}`, error });
      },
    );
    run.records.add(done);
    void done.finally(() => {
      run.records.delete(done);
      this.maybeFinish(run);
    });
  }

  /** No new trial of this run starts from now on; the first reason given is the one reported. */
  private stop(run: RunState, end: RunEnd): void {
    if (end.kind === "failed" && !end.reason) end = { ...end, reason: end.error.message };
    if (!run.end || (end.kind === "failed" && run.end.kind !== "failed")) run.end = end;
    this.noteQueue();
    this.maybeFinish(run);
  }

  private mayStart(run: RunState): boolean {
    const { budget, spent } = run.spec;
    if (!budget) return true;
    const now = nowMs();
    if (budget.trials !== undefined && (spent?.trials ?? 0) + run.counted + run.inFlight.size >= budget.trials)
      return false;
    if (
      budget.wallClockS !== undefined &&
      (spent?.wallClockMs ?? 0) + now - run.startedMs >= budget.wallClockS * 1000
    ) {
      return false;
    }
    if (budget.stationSeconds !== undefined) {
      let usedMs = (spent?.stationMs ?? 0) + run.stationMs;
      for (const f of run.inFlight) usedMs += now - f.dispatchedMs;
      if (usedMs >= budget.stationSeconds * 1000) return false;
    }
    return true;
  }

  /** Ends the run's dispatching when a budget is spent while seeds remain. */
  private budgetCheck(run: RunState): void {
    if (run.end || run.queue.length === 0 || this.mayStart(run)) {
      this.maybeFinish(run);
      return;
    }
    const { budget, spent } = run.spec;
    const counted = (spent?.trials ?? 0) + run.counted;
    if (budget?.trials !== undefined && counted + run.inFlight.size >= budget.trials) {
      // trials in flight may still be interrupted and need their seed run again: wait for them
      if (counted >= budget.trials) {
        this.stop(run, { kind: "budget", which: "trials", reason: `trial budget of ${budget.trials} reached` });
      }
      return;
    }
    if (
      budget?.wallClockS !== undefined &&
      (spent?.wallClockMs ?? 0) + nowMs() - run.startedMs >= budget.wallClockS * 1000
    ) {
      this.stop(run, {
        kind: "budget",
        which: "wall-clock",
        reason: `wall-clock budget of ${budget.wallClockS} s spent`,
      });
      return;
    }
    this.stop(run, {
      kind: "budget",
      which: "station-seconds",
      reason: `station-time budget of ${budget?.stationSeconds} station-seconds spent`,
    });
  }

  private maybeFinish(run: RunState): void {
    if (!this.runs.has(run) || run.inFlight.size > 0) return;
    if (!run.end && run.queue.length > 0) return;
    run.end ??= { kind: "finished" };
    if (run.records.size > 0 || run.handing > 0) return; // finishes when the last recording settles
    this.runs.delete(run);
    clearTimeout(run.wallTimer);
    if (run.onAbort) run.spec.signal?.removeEventListener("abort", run.onAbort);
    const end = run.end;
    void run.spec.recorder.flush().then(
      () => this.resolveRun(run, end),
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.resolveRun(run, { kind: "failed", reason: `recording failed: ${error.message}`, error });
      },
    );
    this.noteQueue();
  }

  private resolveRun(run: RunState, end: RunEnd): void {
    run.rows.sort((a, b) => a.index - b.index);
    const unrun = run.queue.map((q) => q.seed);
    for (const f of run.inFlight) unrun.push(f.job.seed);
    run.resolve({
      runId: run.spec.runId,
      end,
      rows: run.rows,
      progress: this.progress(run),
      unrun: unrun.sort((a, b) => a - b),
    });
  }

  private progress(run: RunState): RunProgress {
    return {
      runId: run.spec.runId,
      counted: run.counted,
      interrupted: run.interrupted,
      inFlight: run.inFlight.size,
      queued: run.queue.length,
      stationMs: run.stationMs,
      wallClockMs: nowMs() - run.startedMs,
    };
  }

  /** Runs with queued work fail when no station is left in service (a hung one may come back, but not surely). */
  private checkStations(): void {
    if (this.slots.some((s) => s.state === "idle" || s.state === "busy")) return;
    for (const run of this.runs) {
      if (run.end || run.queue.length === 0) continue;
      this.stop(run, {
        kind: "failed",
        reason: "",
        error: new NoStationsError(run.spec.runId, run.queue.length, this.stations()),
      });
    }
  }

  /** Keeps the periods during which some run had work it could start waiting for a station. */
  private noteQueue(): void {
    let queued = false;
    for (const run of this.runs) if (!run.end && run.queue.length > 0 && this.mayStart(run)) queued = true;
    const now = nowMs();
    if (queued && this.queuedSince === undefined) this.queuedSince = now;
    if (!queued && this.queuedSince !== undefined) {
      this.queuedPeriods.push([this.queuedSince, now]);
      this.queuedSince = undefined;
    }
  }

  private emit(event: FleetEvent): void {
    for (const listener of [this.options.onEvent, ...this.listeners]) {
      try {
        listener?.(event);
      } catch {
        // an observer's failure must not stop the fleet
      }
    }
  }

  private emitStation(slot: Slot): void {
    const status = this.statusOf(slot);
    this.emit({ type: "station", station: status.id, health: status.health, detail: status.detail });
  }

  private emitControl(
    slot: Slot,
    action: StationControl,
    phase: "started" | "done" | "failed",
    message: string | null,
  ) {
    this.emit({ type: "control", station: slot.station.id, action, phase, message, atMs: nowMs() });
  }

  private statusOf(slot: Slot): StationStatus {
    const own = slot.station.status();
    if (slot.state === "faulted" || slot.state === "stuck") {
      return { ...own, health: slot.state === "faulted" ? "faulted" : "offline", detail: slot.detail };
    }
    if (slot.homing) return { ...own, health: "resetting", detail: "homing" };
    return slot.detail && own.health === "idle" ? { ...own, detail: slot.detail } : own;
  }

  private slotOf(stationId: string): Slot {
    const slot = this.slots.find((s) => s.station.id === stationId);
    if (!slot) {
      const ids = this.slots.map((s) => s.station.id).join(", ");
      throw new StationControlError(`no station ${stationId} in this fleet (it has ${ids})`);
    }
    return slot;
  }
}

/** How much of [start, end] lies inside the (disjoint, ordered) periods. */
function overlap(start: number, end: number, periods: readonly [number, number][]): number {
  let total = 0;
  for (const [s, e] of periods) {
    const lo = Math.max(s, start);
    const hi = Math.min(e, end);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  if (typeof reason === "string") return reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  return "stopped by the user";
}
