import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.js";
import { policyContext } from "../core/policy.js";
import {
  type EvaluationList,
  evalFingerprint,
  evaluationList,
  makeEnv,
  prepareTask,
  type ResetMode,
  type ToolMode,
  taskSpec,
  type VerifierMode,
} from "../env/registry.js";
import { withStationSafety } from "../env/station-defaults.js";
import type { SafetyLimits } from "../env/wrappers/index.js";
import {
  bundleFromData,
  bundlePolicy,
  bundleToData,
  type PolicyBundle,
  type PolicyBundleData,
} from "../policy/sandbox/bundle.js";
import { SandboxedPolicy } from "../policy/sandbox/sandbox.js";
import { toolSetsFor } from "../policy/skills/index.js";
import {
  Fleet,
  type FleetEvent,
  type FleetUtilisation,
  type JobTemplate,
  NoStationsError,
  type RunEnd,
  type RunSpec,
  SeedInterruptedError,
  type TrialRecorder,
} from "./fleet.js";
import { jobVariant, type TrialJob, type TrialOutput, type TrialVideo } from "./job.js";
import { LiveBoard } from "./live-board.js";
import { type RunSummary, summarise } from "./metrics.js";
import { Recorder } from "./recorder.js";
import type { Station, StationStatus } from "./station.js";
import { ThreadStation } from "./stations/thread-station.js";
import { RunManifestSchema, type RunStore, type TrialRow } from "./store.js";

/** Seeds are numpy RandomState seeds: integers in [0, 2^32 − 1]. */
export const MAX_SEED = 2 ** 32 - 1;
/** More simulated stations than this on one machine only contend for its cores. */
export const MAX_STATIONS = 64;

export interface EvaluateOptions {
  taskId: string;
  policyFile: string;
  episodes: number;
  seedStart: number;
  obsType?: string; // task-specific observation type, e.g. "state" or "pixels" for Push-T
  reset?: ResetMode; // the task's reset mode: "state" (default) or "procedural" (the station's own arms)
  verifier?: VerifierMode; // which verdict counts: "state" (default) or "pixel" (the task's pixel verifier)
  tools?: ToolMode; // the policy's tools: "standard" (default) or "oracle" (the simulator's poses too; never an evaluation)
  video?: boolean;
  videoSize?: number; // px, square
  stepDeadlineMs?: number; // the watchdog's limit for one act()
  memoryLimitMb?: number; // the policy sandbox's heap limit
  safety?: SafetyLimits; // per-step delta cap and out-of-range box on commanded actions
  /**
   * Simulated stations, each in its own worker thread (default 1). Or the stations themselves (HTTP stations,
   * queue slots, ...): the fleet closes them when the run ends.
   */
  stations?: number | readonly Station[];
  /** In-context tries per episode (ENPIRE's pass@k): after a failed try the policy goes on from where it failed. */
  tries?: number;
  /** Budget: no trial starts after this many seconds of the run's wall-clock time (all sessions together). */
  wallClockS?: number;
  /** Budget: no trial starts once the run's trials have used this many station-seconds. */
  stationSeconds?: number;
  /** Called after each trial is committed (interrupted ones too), with the summary of the counted ones so far. */
  onTrial?: (trial: TrialRow, summary: RunSummary) => void;
  /** Station health changes and dispatches, as the fleet sees them. */
  onEvent?: (event: FleetEvent) => void;
  /** Aborting stops the run after the trials in flight; the run is kept, marked interrupted, and can be resumed. */
  signal?: AbortSignal;
  /**
   * Shown with the stations on the Fleet page (e.g. a team agent's branch); simulated stations are then named
   * `<label>/sim-<i>`, so that the stations of different agents stay apart in the trial index.
   */
  label?: string;
  /** Publish the fleet's live state in the store for `enpire ui` (live/, see live-board.ts); on by default. */
  live?: boolean;
}

export interface EvaluateResult {
  runId: string;
  runDir: string;
  status: "finished" | "interrupted" | "failed";
  note: string | null;
  summary: RunSummary; // counted trials of the whole run
  trials: TrialRow[]; // every trial of the run, interrupted ones included, in index order
  fleet: { stations: StationStatus[]; utilisation: Omit<FleetUtilisation, "stations"> & { stations: StationMru[] } };
}

export interface StationMru {
  id: string;
  busyMs: number;
  mru: number;
  mruWhileQueued: number | null;
  trials: number;
}

/** Stop a run whose policy fails this many trials in a row: it is broken, not unlucky. */
const MAX_CONSECUTIVE_POLICY_ERRORS = 3;
/** Where a run keeps its policy as it ran (the bundle, with everything it imports), so that resume runs the same. */
export const POLICY_BUNDLE_FILE = "policy-bundle.json";
/** One line per session of a run (the first and every resume), for the wall-clock budget across sessions. */
export const SESSIONS_FILE = "sessions.jsonl";

/** run.json's `options` for a run made by evaluate: everything resume needs besides the manifest's own fields. */
const RunOptionsSchema = z.object({
  obsType: z.string().nullable(),
  reset: z.enum(["state", "procedural"]).nullable().default(null), // null: the default (runs before variants)
  verifier: z.enum(["state", "pixel"]).nullable().default(null),
  tools: z.enum(["standard", "oracle"]).nullable().default(null),
  video: z.boolean(),
  videoSize: z.number().int().positive(),
  envStack: z.string(),
  stepDeadlineMs: z.number().int().positive().nullable(),
  memoryLimitMb: z.number().int().positive().nullable(),
  safety: z
    .object({
      deltaCap: z.array(z.number()).optional(),
      box: z.object({ low: z.array(z.number()), high: z.array(z.number()) }).optional(),
    })
    .nullable(),
  tries: z.number().int().positive().default(1),
  stations: z.number().int().positive().default(1),
  budget: z
    .object({
      trials: z.number().int().positive(),
      wallClockS: z.number().positive().nullable(),
      stationSeconds: z.number().positive().nullable(),
    })
    .optional(),
  policyBundle: z.string().optional(), // file in the run directory
});
type RunOptions = z.infer<typeof RunOptionsSchema>;

/**
 * Evaluates a policy file on a task for `episodes` consecutive seeds from `seedStart` on a fleet of simulated
 * stations, recording every trial in the store. Bad input is refused before a run is created; once it exists, every
 * trial is kept, and a run stopped for any reason (even `kill -9`) can be continued with `resume`.
 * @example await evaluate(RunStore.open(), { taskId: "pusht", policyFile: "p.ts", episodes: 50, seedStart: 100000 });
 */
export async function evaluate(store: RunStore, opts: EvaluateOptions): Promise<EvaluateResult> {
  let fingerprint: string;
  try {
    checkRange(opts);
    // throws UnknownTaskError with the known ids, InvalidInputError for a variant the task lacks
    fingerprint = evalFingerprint(opts.taskId, jobVariant(opts));
  } catch (err) {
    await closeGiven(opts.stations);
    throw err;
  }
  const session = await prepare(store, opts, fingerprint).catch(async (err: unknown) => {
    await closeGiven(opts.stations);
    throw err;
  });
  return runSession(store, session);
}

/** Stations handed in are the fleet's to close; a run that never starts closes them too. */
async function closeGiven(stations: EvaluateOptions["stations"]): Promise<void> {
  if (typeof stations === "object") await Promise.all(stations.map((s) => s.close().catch(() => {})));
}

/** Everything evaluate checks before a run exists, then the run and its first session's plan. */
async function prepare(store: RunStore, opts: EvaluateOptions, fingerprint: string): Promise<Session> {
  await prepareTask(opts.taskId); // the checks below build the env (its safety stack and camera)
  const env = makeEnv(opts.taskId, { obsType: opts.obsType, ...jobVariant(opts) });
  let envStack: string;
  let bundle: PolicyBundle;
  try {
    // the station's stack (3D limits for MuJoCo tasks); refuses limits that do not fit the task's action space
    envStack = withStationSafety(env, opts.taskId, opts.safety).name;
    bundle = await bundlePolicy(opts.policyFile);
    // load it once here, so that a policy that does not load is refused before a run exists
    // with the task's tools, as a station gives them: a policy may call one (load its model) when it is created
    const tools = toolSetsFor(
      opts.taskId,
      {
        observation: () => undefined,
        step: () => 0,
        camera: env.render ? (size) => env.render!(size) : undefined,
        env: () => env,
      },
      jobVariant(opts),
    );
    const sandbox = await SandboxedPolicy.start(bundle, policyContext(env.spec), {
      stepDeadlineMs: opts.stepDeadlineMs,
      memoryLimitMb: opts.memoryLimitMb,
      tools,
    });
    await sandbox.close();
  } finally {
    env.close();
  }
  const spec = env.spec;
  const policyName = path.basename(bundle.path).replace(/\.[cm]?[jt]sx?$/, "");
  const options: RunOptions = {
    obsType: opts.obsType ?? null,
    reset: opts.reset ?? null,
    verifier: opts.verifier ?? null,
    tools: opts.tools ?? null,
    video: opts.video ?? false,
    videoSize: opts.videoSize ?? 256,
    envStack,
    stepDeadlineMs: opts.stepDeadlineMs ?? null,
    memoryLimitMb: opts.memoryLimitMb ?? null,
    safety: safetyData(opts.safety),
    tries: opts.tries ?? 1,
    stations: stationCount(opts.stations),
    budget: { trials: opts.episodes, wallClockS: opts.wallClockS ?? null, stationSeconds: opts.stationSeconds ?? null },
    policyBundle: POLICY_BUNDLE_FILE,
  };
  const { id: runId, dir: runDir } = store.createRun(
    {
      task: { id: spec.id, version: spec.version },
      evalFingerprint: fingerprint,
      policy: { name: policyName, path: bundle.path, sha256: bundle.sha256 },
      episodes: opts.episodes,
      seedStart: opts.seedStart,
      options,
    },
    { file: opts.policyFile, text: bundle.source },
  );
  fs.writeFileSync(path.join(runDir, POLICY_BUNDLE_FILE), `${JSON.stringify(bundleToData(bundle))}\n`);
  const seeds = Array.from({ length: opts.episodes }, (_, i) => ({ seed: opts.seedStart + i }));
  return {
    runId,
    runDir,
    task: { id: spec.id, version: spec.version },
    fingerprint,
    policy: { name: policyName, ...bundleToData(bundle) },
    maxSteps: spec.maxSteps,
    controlHz: spec.controlHz,
    options,
    episodes: opts.episodes,
    seeds,
    firstIndex: 0,
    spent: { trials: 0, wallClockMs: 0, stationMs: 0 },
    stations: opts.stations ?? 1,
    hooks: opts,
  };
}

const stationCount = (stations: number | readonly Station[] | undefined) =>
  typeof stations === "number" ? stations : (stations?.length ?? 1);

export interface ResumeOptions {
  /** Stations for this session; the run's own number by default. Stations never change what is evaluated. */
  stations?: number | readonly Station[];
  onTrial?: EvaluateOptions["onTrial"];
  onEvent?: EvaluateOptions["onEvent"];
  signal?: AbortSignal;
  label?: EvaluateOptions["label"];
  live?: EvaluateOptions["live"];
}

/**
 * Continues a run that stopped before it finished (Ctrl-C, a failure, or its process killed): seeds without a
 * counted trial run again, with the same policy bundle, task, options and budget (what earlier sessions used counts).
 * Nothing recorded before changes; a trial that was in progress when the process died was already recorded as
 * interrupted when the store was opened.
 * @example await resume(RunStore.open(), "20260101T120000-a1b2c3");
 */
export async function resume(
  store: RunStore,
  runIdOrPrefix: string,
  opts: ResumeOptions = {},
): Promise<EvaluateResult> {
  const session = await prepareResume(store, runIdOrPrefix, opts).catch(async (err: unknown) => {
    await closeGiven(opts.stations);
    throw err;
  });
  return runSession(store, session);
}

/** What resume checks and works out before the run is marked running again: its plan for this session. */
async function prepareResume(store: RunStore, runIdOrPrefix: string, opts: ResumeOptions): Promise<Session> {
  const run = store.getRun(runIdOrPrefix);
  if (run.status === "finished") {
    throw new InvalidInputError(`run ${run.id} finished (${run.trials} of ${run.episodes} trials); nothing to resume`);
  }
  if (typeof opts.stations === "number") checkStations(opts.stations);
  const runDir = store.resolve(run.dir);
  const manifest = RunManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(runDir, "run.json"), "utf8")));
  const parsed = RunOptionsSchema.safeParse(manifest.options);
  if (!parsed.success) {
    throw new InvalidInputError(
      `run ${run.id} was not made by \`enpire run\` (its run.json lacks its options); it cannot be resumed`,
    );
  }
  const options = parsed.data;
  const fingerprint = evalFingerprint(manifest.task.id, jobVariant(options));
  if (fingerprint !== manifest.evalFingerprint) {
    throw new InvalidInputError(
      `the evaluation side of ${manifest.task.id} changed since run ${run.id} began (fingerprint ` +
        `${manifest.evalFingerprint.slice(0, 12)}, now ${fingerprint.slice(0, 12)}); a resumed run would mix two ` +
        "judges. Start a new run instead",
    );
  }
  const bundle = await runBundle(runDir, manifest.policy, options);
  const spec = taskSpec(manifest.task.id, options.obsType ?? undefined, jobVariant(options));
  const rows = store.trials(run.id);
  const countedSeeds = new Set(rows.filter((r) => r.counted).map((r) => r.seed));
  const interruptions = new Map<number, number>();
  for (const r of rows) if (!r.counted) interruptions.set(r.seed, (interruptions.get(r.seed) ?? 0) + 1);
  const seeds: { seed: number; attempt: number }[] = [];
  for (let i = 0; i < manifest.episodes; i++) {
    const seed = manifest.seedStart + i;
    if (!countedSeeds.has(seed)) seeds.push({ seed, attempt: (interruptions.get(seed) ?? 0) + 1 });
  }
  const spent = {
    trials: rows.filter((r) => r.counted).length,
    wallClockMs: sessionsWallMs(runDir, rows),
    stationMs: rows.reduce((a, r) => a + r.elapsedMs, 0),
  };
  store.markResumed(run.id);
  return {
    runId: run.id,
    runDir,
    task: manifest.task,
    fingerprint,
    policy: { name: manifest.policy.name, ...bundle },
    maxSteps: spec.maxSteps,
    controlHz: spec.controlHz,
    options,
    episodes: manifest.episodes,
    seeds,
    firstIndex: store.nextTrialIndex(run.id),
    spent,
    stations: opts.stations ?? options.stations,
    hooks: opts,
  };
}

interface Session {
  runId: string;
  runDir: string;
  task: { id: string; version: number };
  fingerprint: string;
  policy: TrialJob["policy"];
  maxSteps: number;
  controlHz: number;
  options: RunOptions;
  episodes: number;
  seeds: { seed: number; attempt?: number }[];
  firstIndex: number;
  spent: { trials: number; wallClockMs: number; stationMs: number };
  stations: number | readonly Station[];
  hooks: Pick<EvaluateOptions, "onTrial" | "onEvent" | "signal" | "label" | "live">;
}

/** One session of a run on a fresh fleet: from its seeds to its final status in the store. */
async function runSession(store: RunStore, s: Session): Promise<EvaluateResult> {
  const { runId, options } = s;
  // the session's wall clock starts here, stations' start-up included, for the fleet and for a later resume alike
  const sessionStartMs = performance.timeOrigin + performance.now();
  fs.appendFileSync(
    path.join(s.runDir, SESSIONS_FILE),
    `${JSON.stringify({ startedAt: new Date(sessionStartMs).toISOString(), pid: process.pid, stations: stationCount(s.stations), resumed: s.firstIndex > 0 || s.spent.trials > 0 })}\n`,
  );
  const job: JobTemplate = {
    task: s.task,
    evalFingerprint: s.fingerprint,
    obsType: options.obsType,
    reset: options.reset,
    verifier: options.verifier,
    tools: options.tools,
    policy: s.policy,
    maxSteps: s.maxSteps,
    tries: options.tries,
    stepDeadlineMs: options.stepDeadlineMs ?? 1000,
    memoryLimitMb: options.memoryLimitMb ?? 128,
    safety: options.safety,
    video: options.video ? { size: options.videoSize, fps: s.controlHz } : null,
  };
  // simulated stations run in worker threads, even one: this thread stays free to dispatch and record
  const n = s.stations;
  const prefix = s.hooks.label ? `${s.hooks.label}/` : "";
  const stations =
    typeof n === "number" ? Array.from({ length: n }, (_, i) => new ThreadStation(`${prefix}sim-${i}`)) : n;
  const fleet = new Fleet(stations, { onEvent: s.hooks.onEvent });
  const board = s.hooks.live === false ? undefined : new LiveBoard(store.root, fleet, { label: s.hooks.label });
  const recorder = new MarkedRecorder(store, new Recorder(store, runId));
  const earlier = store.trials(runId).filter((r) => r.counted);
  const counted: TrialRow[] = [...earlier];
  let policyErrors = 0; // in a row, in the order trials return
  let returned = s.spent.trials; // counted trials of the run, including those not recorded yet
  let stoppedForErrors = false;
  const budget = options.budget;
  const spec: RunSpec = {
    runId,
    seeds: s.seeds,
    job,
    recorder,
    firstIndex: s.firstIndex,
    budget: {
      trials: budget?.trials ?? s.episodes,
      wallClockS: budget?.wallClockS ?? undefined,
      stationSeconds: budget?.stationSeconds ?? undefined,
    },
    spent: s.spent,
    sessionStartMs,
    signal: s.hooks.signal,
    stopWhen: (output: TrialOutput) => {
      returned++;
      policyErrors = output.outcome.kind === "policy-error" ? policyErrors + 1 : 0;
      if (policyErrors < MAX_CONSECUTIVE_POLICY_ERRORS || returned >= s.episodes) return null;
      stoppedForErrors = true;
      const last = output.outcome.kind === "policy-error" ? output.outcome.reason : "";
      return `stopped after ${policyErrors} trials in a row ended with a policy error; last: ${last}`;
    },
    onTrial: (row) => {
      if (row.counted) counted.push(row);
      s.hooks.onTrial?.(row, summarise(counted));
    },
  };
  let end: RunEnd;
  let utilisation: FleetUtilisation;
  let stationStatus: StationStatus[];
  try {
    const outcome = await fleet.submit(spec);
    end = outcome.end;
  } finally {
    utilisation = fleet.utilisation();
    stationStatus = fleet.stations();
    try {
      await fleet.close();
    } finally {
      await board?.close();
    }
  }
  const { status, note } = describeEnd(
    end,
    s.episodes,
    stoppedForErrors,
    store.trials(runId).filter((r) => r.counted).length,
  );
  if (end.kind === "failed" && !(end.error instanceof NoStationsError || end.error instanceof SeedInterruptedError)) {
    store.finishRun(runId, "failed", `the run stopped on an error: ${end.error.message}`);
    throw end.error;
  }
  store.finishRun(runId, status, note ?? undefined);
  const trials = store.trials(runId);
  const { stations: perStation, ...rest } = utilisation;
  return {
    runId,
    runDir: s.runDir,
    status,
    note,
    summary: summarise(trials.filter((t) => t.counted)),
    trials,
    fleet: {
      stations: stationStatus,
      utilisation: {
        ...rest,
        stations: perStation.map(({ intervals, ...u }) => ({ ...u, trials: intervals.length })),
      },
    },
  };
}

function describeEnd(
  end: RunEnd,
  episodes: number,
  stoppedForErrors: boolean,
  counted: number,
): { status: EvaluateResult["status"]; note: string | null } {
  switch (end.kind) {
    case "finished":
      return { status: "finished", note: null };
    case "budget":
      return { status: "finished", note: `${end.reason} after ${counted} of ${episodes} trials` };
    case "stopped":
      return stoppedForErrors
        ? { status: "failed", note: end.reason }
        : { status: "interrupted", note: `${end.reason} after ${counted} of ${episodes} trials` };
    case "failed":
      return { status: "failed", note: end.reason };
  }
}

/**
 * The recorder, plus a hidden marker directory per trial while its station runs it: a process killed mid-trial
 * leaves it behind, and the store records it as an interrupted trial when it is next opened.
 */
class MarkedRecorder implements TrialRecorder {
  private readonly markers = new Map<number, string>();
  constructor(
    private readonly store: RunStore,
    private readonly inner: Recorder,
  ) {}

  begin(job: TrialJob): void {
    this.markers.set(job.index, this.store.beginTrial(job.runId, job.index, job.seed).tmpDir);
    this.inner.begin(job); // lets the recorder batch the videos of trials still running
  }

  record(job: TrialJob, output: TrialOutput, video: TrialVideo | null): Promise<TrialRow> {
    return this.unmarkAfter(job, this.inner.record(job, output, video));
  }

  recordInterrupted(job: TrialJob, station: string, reason: string, startedAt: string, elapsedMs: number) {
    return this.unmarkAfter(job, this.inner.recordInterrupted(job, station, reason, startedAt, elapsedMs));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  private unmarkAfter(job: TrialJob, recording: Promise<TrialRow>): Promise<TrialRow> {
    return recording.finally(() => {
      const marker = this.markers.get(job.index);
      this.markers.delete(job.index);
      if (marker) fs.rmSync(marker, { recursive: true, force: true });
    });
  }
}

/** The policy as the run first ran it: its stored bundle, else the file bundled again if it is unchanged. */
async function runBundle(
  runDir: string,
  policy: { path: string | null; sha256: string },
  options: RunOptions,
): Promise<PolicyBundleData> {
  const file = options.policyBundle ? path.join(runDir, options.policyBundle) : undefined;
  let data: PolicyBundleData | undefined;
  if (file && fs.existsSync(file)) data = JSON.parse(fs.readFileSync(file, "utf8")) as PolicyBundleData;
  else if (policy.path && fs.existsSync(policy.path)) data = bundleToData(await bundlePolicy(policy.path));
  if (!data || data.sha256 !== policy.sha256) {
    throw new InvalidInputError(
      `the policy run ${path.basename(runDir)} ran (sha256 ${policy.sha256.slice(0, 12)}) is not available: ` +
        `${file ?? "its bundle"} is missing and ${policy.path ?? "its file"} ${data ? "has changed" : "is missing"}`,
    );
  }
  bundleFromData(data); // checks the code against its sha256
  return data;
}

/**
 * Wall-clock time earlier sessions of a run used: each from its start to the end of its last trial (a session's
 * end is not recorded when its process was killed, its trials are).
 */
function sessionsWallMs(runDir: string, rows: readonly TrialRow[]): number {
  const file = path.join(runDir, SESSIONS_FILE);
  const starts = fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => Date.parse((JSON.parse(l) as { startedAt: string }).startedAt))
        .filter((t) => Number.isFinite(t))
        .sort((a, b) => a - b)
    : [];
  let total = 0;
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k];
    const to = starts[k + 1] ?? Number.POSITIVE_INFINITY;
    let last = from;
    for (const r of rows) {
      const t = Date.parse(r.startedAt);
      if (t >= from && t < to) last = Math.max(last, t + r.elapsedMs);
    }
    total += last - from;
  }
  return total;
}

/** Safety limits as plain data for run.json and the jobs; null when none are set. */
function safetyData(limits: SafetyLimits | undefined): RunOptions["safety"] {
  const deltaCap = limits?.deltaCap ? [...limits.deltaCap] : undefined;
  const box = limits?.box ? { low: [...limits.box.low], high: [...limits.box.high] } : undefined;
  return deltaCap || box ? { ...(deltaCap && { deltaCap }), ...(box && { box }) } : null;
}

function checkStations(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_STATIONS) {
    throw new InvalidInputError(`--stations must be an integer in 1..${MAX_STATIONS}, got ${n}`);
  }
}

function checkRange(opts: EvaluateOptions): void {
  if (!Number.isSafeInteger(opts.episodes) || opts.episodes < 1) {
    throw new InvalidInputError(`--episodes must be a positive integer, got ${opts.episodes}`);
  }
  if (!Number.isSafeInteger(opts.seedStart) || opts.seedStart < 0 || opts.seedStart > MAX_SEED) {
    throw new InvalidInputError(`--seed-start must be an integer in 0..${MAX_SEED}, got ${opts.seedStart}`);
  }
  const last = opts.seedStart + opts.episodes - 1;
  if (last > MAX_SEED) {
    throw new InvalidInputError(
      `seeds ${opts.seedStart}..${last} run past ${MAX_SEED}, the largest seed numpy's RandomState accepts; ` +
        `lower --seed-start or --episodes`,
    );
  }
  if (typeof opts.stations === "number") checkStations(opts.stations);
  else if (opts.stations !== undefined && opts.stations.length === 0) {
    throw new InvalidInputError("a run needs at least one station; none were given");
  }
  if (opts.tries !== undefined && (!Number.isSafeInteger(opts.tries) || opts.tries < 1 || opts.tries > 100)) {
    throw new InvalidInputError(`--tries must be an integer in 1..100, got ${opts.tries}`);
  }
  for (const [flag, value] of [
    ["--budget-wall-s", opts.wallClockS],
    ["--budget-station-s", opts.stationSeconds],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new InvalidInputError(`${flag} must be a positive number of seconds, got ${value}`);
    }
  }
  if (!fs.existsSync(opts.policyFile)) {
    throw new InvalidInputError(`policy file "${opts.policyFile}" does not exist`);
  }
}

/**
 * The task's fixed evaluation list (`enpire run --eval`, MCP run `eval: true`): its seeds, refused with why for a task
 * without one or in oracle mode (an evaluation gives the policy the standard tools only).
 * @example fixedEvaluation("kitchen-open-drawer") // { seedStart: 0, episodes: 40, about: "the paper's 40 …" }
 */
export function fixedEvaluation(taskId: string, tools?: ToolMode): EvaluationList {
  if (tools === "oracle")
    throw new InvalidInputError("an evaluation refuses the oracle tools: it gives the policy the standard tools only");
  const list = evaluationList(taskId);
  if (!list)
    throw new InvalidInputError(`task "${taskId}" has no fixed evaluation list; give the seeds and episodes instead`);
  return list;
}
