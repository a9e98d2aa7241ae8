/**
 * The AutoEnvBench API: the benches `enpire bench-agents` wrote into the store (`<store>/bench/<id>/bench.json`, with
 * report.md and SVG charts beside it) and one bench with its groups (curves on the grid: mean, SEM, best run; time
 * and tokens to success; MRU; MTU), its runs, and for each run the research project and the store runs behind it.
 *
 *   GET /api/benches?offset&limit     newest first
 *   GET /api/benches/:id              404 for an unknown id
 *
 * A bench still running has no groups in its file yet (they are written at the end): they are summarised here from
 * the runs finished so far, and the answer says so (`provisional: true`).
 */
import fs from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { type BenchData, type BenchGroup, summarizeGroups } from "../../evolve/bench-agents.js";
import { ResearchLedger } from "../../evolve/research-ledger.js";
import type { RunStore } from "../../rollout/store.js";
import { ApiError, parseQuery } from "./runs.js";
import { fileUrl } from "./shapes.js";

/** A bench without a finish whose file has not changed for this many budgets (plus a margin) is taken as abandoned. */
const STALE_BUDGETS = 2;
/** The margin, minutes: a run's held-out confirmation and report can outlast its budget. */
const STALE_MARGIN_MIN = 10;
/** Bench ids as `newBenchId` makes them, and nothing that could step out of the bench folder. */
const BENCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const Stat = z.object({ median: z.number().nullable(), mean: z.number().nullable() });
const MeanStd = z.object({ mean: z.number(), std: z.number() });
const CurvePoint = z.object({ t: z.number(), y: z.number() });
const BenchRunSchema = z.object({
  agent: z.string(),
  task: z.string(),
  size: z.number().int(),
  repeat: z.number().int(),
  project: z.string(),
  seed: z.number(),
  startedAt: z.string(),
  wallMin: z.number(),
  aborted: z.boolean(),
  goalReached: z.boolean(),
  timeToGoalMin: z.number().nullable(),
  tokensToSuccess: z.number().nullable(),
  tokens: z.number().nullable(),
  mru: z.number(),
  mtu: z.number().nullable(),
  iterations: z.number(),
  kept: z.number(),
  finalTeamBest: z.number(),
  best: z.object({ node: z.string(), score: z.number(), trials: z.number() }).nullable(),
  curve: z.array(CurvePoint),
  exits: z.array(z.string()),
});
const BenchGroupSchema = z.object({
  agent: z.string(),
  task: z.string(),
  size: z.number().int(),
  runs: z.number().int(),
  projects: z.array(z.string()),
  reached: z.number().int(),
  timeToSuccessMin: Stat,
  tokensToSuccess: Stat,
  mru: MeanStd,
  mtu: MeanStd.nullable(),
  iterations: z.number(),
  final: z.object({ mean: z.number(), sem: z.number() }),
  curve: z.object({
    grid: z.array(z.number()),
    mean: z.array(z.number()),
    sem: z.array(z.number()),
    best: z.array(z.number()),
    bestIndex: z.number().int(),
    bestProject: z.string(),
  }),
});
/** bench.json as `benchAgents` writes it (src/evolve/bench-agents.ts BenchData). */
export const BenchDataSchema = z.object({
  id: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  complete: z.boolean(),
  options: z.object({
    agents: z.array(z.string()),
    tasks: z.array(z.string()),
    teamSizes: z.array(z.number().int()),
    repeats: z.number().int(),
    budgetMin: z.number(),
    goal: z.number(),
    seed: z.number(),
    minTrials: z.number(),
  }),
  gridPoints: z.number().int(),
  runs: z.array(BenchRunSchema),
  groups: z.array(BenchGroupSchema),
}) satisfies z.ZodType<BenchData>;

/** complete: every run finished; stopped: ended early (Ctrl-C); running: still writing; abandoned: no end written
 * and no change for a long while (the process died); unreadable: bench.json did not parse. */
export type BenchStatus = "complete" | "stopped" | "running" | "abandoned" | "unreadable";

export interface ApiBenchRow {
  id: string;
  status: BenchStatus;
  startedAt: string | null;
  finishedAt: string | null;
  agents: string[];
  tasks: string[];
  teamSizes: number[];
  repeats: number;
  budgetMin: number | null;
  goal: number | null;
  runs: { done: number; total: number };
  /** Runs that reached the goal. */
  reached: number;
  /** Why bench.json could not be read (status "unreadable"); null otherwise. */
  error: string | null;
  files: { report: string | null; json: string };
}

/** One store run behind a bench run: an evaluation the project's ledger recorded. */
export interface ApiBenchEvaluation {
  runId: string;
  purpose: "search" | "confirm";
  branch: string | null;
  agent: string | null;
  trials: number;
  successes: number;
}

export interface ApiBenchRunRow extends z.infer<typeof BenchRunSchema> {
  /** The project's evaluations in ledger order (empty when the project is gone). */
  evaluations: ApiBenchEvaluation[];
  projectExists: boolean;
}

export interface ApiBenchDetail {
  bench: ApiBenchRow;
  options: BenchData["options"];
  gridPoints: number;
  /** True while the bench runs: the groups are summarised from the runs finished so far. */
  provisional: boolean;
  groups: BenchGroup[];
  runs: ApiBenchRunRow[];
  files: { report: string | null; json: string; charts: { name: string; url: string }[] };
}

const benchRoot = (store: RunStore) => path.join(store.root, "bench");
const relBench = (id: string, file: string) => fileUrl(`bench/${id}/${file}`);

interface Loaded {
  id: string;
  dir: string;
  mtimeMs: number;
  data: BenchData | null;
  error: string | null;
}

function load(store: RunStore, id: string): Loaded | null {
  const dir = path.join(benchRoot(store), id);
  const file = path.join(dir, "bench.json");
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
  try {
    const parsed = BenchDataSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { id, dir, mtimeMs, data: null, error: `bench.json: ${issue.path.join(".")}: ${issue.message}` };
    }
    return { id, dir, mtimeMs, data: parsed.data, error: null };
  } catch (err) {
    return { id, dir, mtimeMs, data: null, error: `bench.json: ${(err as Error).message}` };
  }
}

function statusOf(b: Loaded, now: number): BenchStatus {
  if (!b.data) return "unreadable";
  if (b.data.complete) return "complete";
  if (b.data.finishedAt) return "stopped";
  const staleMs = (b.data.options.budgetMin * STALE_BUDGETS + STALE_MARGIN_MIN) * 60_000;
  return now - b.mtimeMs > staleMs ? "abandoned" : "running";
}

function benchRow(b: Loaded, now: number): ApiBenchRow {
  const d = b.data;
  const o = d?.options;
  return {
    id: b.id,
    status: statusOf(b, now),
    startedAt: d?.startedAt ?? null,
    finishedAt: d?.finishedAt ?? null,
    agents: o?.agents ?? [],
    tasks: o?.tasks ?? [],
    teamSizes: o?.teamSizes ?? [],
    repeats: o?.repeats ?? 0,
    budgetMin: o?.budgetMin ?? null,
    goal: o?.goal ?? null,
    runs: {
      done: d?.runs.length ?? 0,
      total: o ? o.agents.length * o.tasks.length * o.teamSizes.length * o.repeats : 0,
    },
    reached: d?.runs.filter((r) => r.goalReached).length ?? 0,
    error: b.error,
    files: {
      report: fs.existsSync(path.join(b.dir, "report.md")) ? relBench(b.id, "report.md") : null,
      json: relBench(b.id, "bench.json"),
    },
  };
}

/** The store runs a project's ledger records as its evaluations; [] when the project is gone. */
function evaluationsOf(store: RunStore, project: string): { exists: boolean; evaluations: ApiBenchEvaluation[] } {
  const file = path.join(store.root, "projects", project, "research.db");
  if (!BENCH_ID.test(project) || !fs.existsSync(file)) return { exists: false, evaluations: [] };
  const ledger = ResearchLedger.open(file);
  try {
    return {
      exists: true,
      evaluations: ledger.of("evaluation").map((e) => ({
        runId: e.body.runId,
        purpose: e.body.purpose,
        branch: e.branch,
        agent: e.agent,
        trials: e.body.trials,
        successes: e.body.successes,
      })),
    };
  } finally {
    ledger.close();
  }
}

const BenchesQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function benchesApi(store: RunStore): Hono {
  const api = new Hono();

  api.get("/benches", (c) => {
    const q = parseQuery(BenchesQuery, c);
    const root = benchRoot(store);
    const ids = fs.existsSync(root) ? fs.readdirSync(root).filter((n) => BENCH_ID.test(n)) : [];
    const now = Date.now();
    const all = ids
      .map((id) => load(store, id))
      .filter((b): b is Loaded => b !== null)
      .map((b) => benchRow(b, now))
      .sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || b.id.localeCompare(a.id));
    return c.json({
      total: all.length,
      offset: q.offset,
      limit: q.limit,
      benches: all.slice(q.offset, q.offset + q.limit),
    });
  });

  api.get("/benches/:id", (c) => {
    const id = c.req.param("id");
    const b = BENCH_ID.test(id) ? load(store, id) : null;
    if (!b) throw new ApiError(404, `no bench "${id}" in ${benchRoot(store)}`);
    if (!b.data) throw new Error(`bench ${id}: ${b.error}`);
    const data = b.data;
    const provisional = data.groups.length === 0 && data.runs.length > 0 && !data.finishedAt;
    const groups = provisional ? summarizeGroups(data.runs, data.options.budgetMin) : data.groups;
    const runs = data.runs.map((r) => {
      const { exists, evaluations } = evaluationsOf(store, r.project);
      return { ...r, evaluations, projectExists: exists };
    });
    const charts = fs
      .readdirSync(b.dir)
      .filter((f) => f.endsWith(".svg"))
      .sort()
      .map((name) => ({ name, url: relBench(id, name) }));
    const row = benchRow(b, Date.now());
    const detail: ApiBenchDetail = {
      bench: row,
      options: data.options,
      gridPoints: data.gridPoints,
      provisional,
      groups,
      runs,
      files: { report: row.files.report, json: row.files.json, charts },
    };
    return c.json(detail);
  });

  return api;
}
