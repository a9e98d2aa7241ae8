/**
 * The runs API: the list of runs, one run with its curves, pass@k and station timeline, a page of its trials, and
 * one trial with its steps, events, verdict and the policy source as it ran. Every list is paginated in SQL.
 *
 *   GET /api/runs?offset&limit                       newest first
 *   GET /api/runs/:id                                run, curves, passAtK, stations
 *   GET /api/runs/:id/trials?offset&limit&order      order = failed-first | index
 *   GET /api/runs/:id/trials/:index                  one trial (files: events, result, video, cameraVideos)
 */
import fs from "node:fs";
import path from "node:path";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { type TrialEvent, TrialResultSchema } from "../../core/trial.js";
import { listTasks } from "../../env/registry.js";
import { cameraVideoFile } from "../../rollout/job.js";
import { cameraVideos } from "../../rollout/ledger.js";
import { runReport } from "../../rollout/report.js";
import type { RunRow, RunStore, TrialRow } from "../../rollout/store.js";
import { apiRunRow, apiTrialRow, fileUrl, type ManifestCache } from "./shapes.js";

/** Rolling success is over this many trials, as `enpire show` reports it. */
const ROLLING_WINDOW = 50;
/** Answers of GET /api/runs/:id kept (the newest runs asked for): a 10,000-trial run takes ~100 ms to summarise. */
const DETAIL_CACHE_RUNS = 8;
/** Curve values are sent to this many decimals (0.001% of a rate: far below a pixel); the summary's figures are exact. */
const CURVE_DECIMALS = 5;

const pageQuery = (defaultLimit: number, maxLimit: number) =>
  z.object({
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  });
const RunsQuery = pageQuery(50, 500);
const TrialsQuery = pageQuery(100, 1000).extend({
  order: z.enum(["failed-first", "index"]).default("failed-first"),
});
const TrialIndex = z.coerce.number().int().min(0);

/** An error the API answers with `{ error }` and a status. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export function parseQuery<T extends z.ZodType>(schema: T, c: Context): z.infer<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(400, `bad query parameter ${issue.path.join(".") || ""}: ${issue.message}`);
  }
  return parsed.data;
}

/** The run named by id (or an unambiguous prefix), or a 404 naming it. */
function findRun(store: RunStore, id: string): RunRow {
  try {
    return store.getRun(id);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    if (err.message.includes("ambiguous")) throw new ApiError(404, err.message);
    throw new ApiError(404, `no run "${id}"`);
  }
}

export function runsApi(store: RunStore, manifests: ManifestCache): Hono {
  const api = new Hono();

  api.get("/runs", (c) => {
    const q = parseQuery(RunsQuery, c);
    const page = store.runsPage(q.offset, q.limit);
    return c.json({
      total: page.total,
      offset: q.offset,
      limit: q.limit,
      runs: page.runs.map((r) => apiRunRow(r, manifests.get(r))),
    });
  });

  // a run's answer changes only when a trial is added or its status changes: kept until then, as the JSON text
  const details = new Map<string, { version: string; json: string }>();
  api.get("/runs/:id", (c) => {
    const run = findRun(store, c.req.param("id"));
    const version = `${run.status}/${run.trials}/${run.interrupted}/${run.successes}`;
    let cached = details.get(run.id);
    if (cached?.version !== version) {
      cached = { version, json: JSON.stringify(runDetail(run)) };
      details.delete(run.id);
      details.set(run.id, cached);
      if (details.size > DETAIL_CACHE_RUNS) details.delete(details.keys().next().value as string);
    }
    return c.body(cached.json, 200, { "Content-Type": "application/json; charset=UTF-8" });
  });

  function runDetail(run: RunRow) {
    const report = runReport(store, run.id, ROLLING_WINDOW);
    const manifest = manifests.get(run);
    const counted = report.trials.filter((t) => t.counted);
    return {
      run: {
        ...apiRunRow(run, manifest),
        dir: run.dir,
        seeds: { start: run.seedStart, count: run.episodes },
        options: manifest?.options ?? {},
      },
      curves: {
        window: report.curves.window,
        rolling: report.curves.rolling.map((v) => (v === null ? null : round(v))),
        cumulative: report.curves.cumulative.map(round),
        maxReward: counted.map((t) => round(t.maxReward)),
      },
      passAtK: report.passAtK,
      passAtKInContext: report.passAtKInContext,
      ...stationColumns(report.trials, report.utilisation?.perStation ?? {}),
      fleetMru: report.utilisation?.fleet ?? null,
    };
  }

  api.get("/runs/:id/trials", (c) => {
    const run = findRun(store, c.req.param("id"));
    const q = parseQuery(TrialsQuery, c);
    const page = store.trialsPage(run.id, q);
    return c.json({ total: page.total, offset: q.offset, limit: q.limit, trials: page.trials.map(apiTrialRow) });
  });

  api.get("/runs/:id/trials/:index", (c) => {
    const run = findRun(store, c.req.param("id"));
    const raw = c.req.param("index");
    const index = TrialIndex.safeParse(raw);
    if (!index.success || !/^\d+$/.test(raw))
      throw new ApiError(400, `trial index must be an integer >= 0, got "${raw}"`);
    const row = store.trial(run.id, index.data);
    if (!row) throw new ApiError(404, `no trial ${index.data} in run ${run.id}`);
    const dir = store.resolve(row.dir);
    const result = TrialResultSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")));
    const { steps, events } = readEvents(path.join(dir, "events.jsonl"));
    const task = listTasks().find((t) => t.id === run.taskId);
    return c.json({
      trial: apiTrialRow(row),
      result,
      steps,
      events,
      safety: result.outcome.kind === "safety" ? result.outcome.stop : null,
      verification: result.verification,
      policy: {
        name: run.policyName,
        path: run.policyPath,
        sha256: run.policySha256,
        source: policySource(store, run),
      },
      files: {
        events: fileUrl(`${row.dir}/events.jsonl`),
        result: fileUrl(`${row.dir}/result.json`),
        video: row.video ? fileUrl(`${row.dir}/${row.video}`) : null,
        // each extra camera's video (video-<camera>.mp4, a 3D station's left, right and wrist cameras), as recorded
        cameraVideos: cameraVideos(dir).map((camera) => ({
          camera,
          url: fileUrl(`${row.dir}/${cameraVideoFile(camera)}`),
        })),
      },
      fps: task?.controlHz ?? null, // video frames per second = control steps per second
    });
  });

  return api;
}

function round(x: number): number {
  const f = 10 ** CURVE_DECIMALS;
  return Math.round(x * f) / f;
}

/** One station's trials as columns: entry k of each array is one trial, in start order. */
interface StationColumns {
  id: string;
  mru: number | null;
  /** ms since `timeline.t0Ms` */
  startMs: number[];
  /** how long the trial ran, ms */
  ms: number[];
  /** the trial's index in the run */
  index: number[];
  /** the trial's outcome, as a position in `timeline.outcomes` */
  outcome: number[];
}

/**
 * The station timeline, compactly: a run of 10,000 trials is 10,000 intervals, sent as four arrays of numbers per
 * station (about 20 bytes a trial) instead of an object each (about 80).
 */
function stationColumns(
  trials: readonly TrialRow[],
  mru: Record<string, number>,
): { timeline: { t0Ms: number | null; spanMs: number; outcomes: string[] }; stations: StationColumns[] } {
  const timed = trials
    .filter((t) => t.station && t.startedAt && Number.isFinite(Date.parse(t.startedAt)))
    .map((t) => ({ t, start: Date.parse(t.startedAt) }))
    .sort((a, b) => a.start - b.start || a.t.index - b.t.index);
  if (timed.length === 0) return { timeline: { t0Ms: null, spanMs: 0, outcomes: [] }, stations: [] };
  const t0 = timed[0].start;
  const outcomes: string[] = [];
  const byStation = new Map<string, StationColumns>();
  let end = t0;
  for (const { t, start } of timed) {
    const id = t.station as string;
    let s = byStation.get(id);
    if (!s) {
      s = { id, mru: mru[id] ?? null, startMs: [], ms: [], index: [], outcome: [] };
      byStation.set(id, s);
    }
    let code = outcomes.indexOf(t.outcomeKind);
    if (code < 0) code = outcomes.push(t.outcomeKind) - 1;
    s.startMs.push(start - t0);
    s.ms.push(t.elapsedMs);
    s.index.push(t.index);
    s.outcome.push(code);
    end = Math.max(end, start + t.elapsedMs);
  }
  const stations = [...byStation.keys()].sort().map((id) => byStation.get(id) as StationColumns);
  return { timeline: { t0Ms: t0, spanMs: end - t0, outcomes }, stations };
}

interface StepPoint {
  index: number;
  t: number;
  reward: number;
  action: unknown;
  coverage?: number;
}

/** events.jsonl split into the per-step points for the plots and everything else, in order; torn lines skipped. */
function readEvents(file: string): { steps: StepPoint[]; events: TrialEvent[] } {
  const steps: StepPoint[] = [];
  const events: TrialEvent[] = [];
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let e: TrialEvent;
    try {
      e = JSON.parse(line) as TrialEvent;
    } catch {
      continue;
    }
    if (e.event === "step") {
      const point: StepPoint = { index: e.index, t: e.t, reward: e.reward, action: e.action };
      const coverage = e.info?.coverage;
      if (typeof coverage === "number") point.coverage = coverage;
      steps.push(point);
    } else events.push(e);
  }
  return { steps, events };
}

/** The policy's source as the run recorded it (runs/<id>/policy/<file>), or null when none was kept. */
function policySource(store: RunStore, run: RunRow): string | null {
  const dir = path.join(store.resolve(run.dir), "policy");
  try {
    const wanted = run.policyPath ? path.basename(run.policyPath) : null;
    const files = fs.readdirSync(dir).sort();
    const file = files.find((f) => f === wanted) ?? files[0];
    return file ? fs.readFileSync(path.join(dir, file), "utf8") : null;
  } catch {
    return null;
  }
}
