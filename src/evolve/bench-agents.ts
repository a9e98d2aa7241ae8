/**
 * AutoEnvBench (paper §4, §5.3–5.6): agents and team sizes compared on the same tasks, several runs each. Every run is
 * a fresh research project with a team of `size` agents of one kind, run to the goal or the wall-clock budget; from
 * each run come its team-average best success curve over wall-clock minutes, the time to the goal (held-out
 * confirmation), the tokens spent until then, robot and token utilisation (MRU, MTU) and the iterations made.
 * Per (agent, task, team size) the runs are interpolated onto the paper's 241-point grid over [0, budget] and
 * summarised: mean ± SEM and the best run; time to success over the runs that reached the goal.
 *
 *   <outDir>/bench.json                 every run's raw data and the summaries (rewritten after each run)
 *   <outDir>/report.md                  a table per task, notes on how to read it, and every run
 *   <outDir>/<task>-success.svg         success against wall-clock time, one colour per (agent, team size)
 *   <outDir>/<task>-mru.svg, -mtu.svg, -time-to-success.svg   bars per team size, one series per agent
 *
 * Runs go one at a time, repeat by repeat (all configurations once, then again), so slow drift of the machine touches
 * every configuration alike; each gets its own seed (`seed + repeat - 1`), shared across configurations of the same
 * repeat.
 */
import fs from "node:fs";
import path from "node:path";
import { InvalidInputError } from "../core/errors.js";
import { listTasks } from "../env/registry.js";
import type { RunStore } from "../rollout/store.js";
import { PALETTE } from "./charts/svg.js";
import { barChart, lineChart } from "./charts.js";
import { aggregateRuns, type Curve, GRID_POINTS, type RunsSummary } from "./curves.js";
import { ideaTree } from "./idea-tree.js";
import { ResearchProject } from "./project.js";
import { type AgentRunner, runTeam, type TeamEvent } from "./team.js";

export interface BenchOptions {
  store: RunStore;
  /** Agent kinds, e.g. ["builtin", "claude"]; each is passed to `makeRunner`. */
  agents: string[];
  tasks: string[];
  teamSizes: number[];
  /** Runs per (agent, task, team size). */
  repeats: number;
  /** Wall-clock budget of each run, minutes; also the right edge of the curves' grid. */
  budgetMin: number;
  /** Success rate the goal needs over each task's held-out seeds. */
  goal: number;
  seed?: number;
  /** Called once per agent kind before the first run, so a missing CLI or key fails before anything is created. */
  makeRunner: (kind: string) => Promise<AgentRunner>;
  onEvent?: (e: BenchEvent) => void;
  /** Aborting stops the run in flight (its agents finish their step) and starts no more; the report covers the rest. */
  signal?: AbortSignal;
  outDir: string;
  /** The bench's name, the prefix of its projects (default from `newBenchId`). */
  id?: string;
  /** A starting workspace per task (a folder with policy.ts); by default the task's template. */
  from?: Record<string, string>;
  /** Trials a branch head needs before its success counts in the curves (default 10, as in the idea tree). */
  minTrials?: number;
}

export interface BenchEvent {
  kind: "plan" | "run-start" | "team" | "run-end" | "done";
  /** One line for a person to read. */
  text: string;
  run?: { index: number; total: number; agent: string; task: string; size: number; repeat: number; project: string };
  team?: TeamEvent;
  result?: BenchRun;
}

/** One run's raw data; times are minutes since its team started. */
export interface BenchRun {
  agent: string;
  task: string;
  size: number;
  repeat: number; // 1-based
  project: string;
  seed: number;
  startedAt: string;
  wallMin: number;
  /** Stopped by the bench's signal: kept here, left out of the summaries. */
  aborted: boolean;
  goalReached: boolean;
  timeToGoalMin: number | null;
  /** Tokens the team had used when the goal was reached; null without a goal or without a language model. */
  tokensToSuccess: number | null;
  /** Tokens the team used in all; null for agents without a language model. */
  tokens: number | null;
  mru: number;
  mtu: number | null;
  iterations: number;
  kept: number;
  /** The team-average best at the end (search seeds). */
  finalTeamBest: number;
  best: { node: string; score: number; trials: number } | null;
  /** The team-average best success over minutes, a step curve from (0, 0). */
  curve: Curve;
  exits: string[];
}

export interface Stat {
  median: number | null;
  mean: number | null;
}

/** The summary of one (agent, task, team size) over its finished runs. */
export interface BenchGroup {
  agent: string;
  task: string;
  size: number;
  runs: number;
  projects: string[]; // in the order of `curve`'s input
  reached: number;
  /** Over the runs that reached the goal only. */
  timeToSuccessMin: Stat;
  tokensToSuccess: Stat;
  mru: { mean: number; std: number };
  /** null when no run used tokens (an agent without a language model, e.g. the built-in one). */
  mtu: { mean: number; std: number } | null;
  iterations: number; // mean
  final: { mean: number; sem: number };
  /** The runs on the grid over [0, budgetMin]: mean, SEM, best run. */
  curve: RunsSummary & { bestProject: string };
}

export interface BenchData {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  /** False while the bench runs, and when it was stopped early. */
  complete: boolean;
  options: {
    agents: string[];
    tasks: string[];
    teamSizes: number[];
    repeats: number;
    budgetMin: number;
    goal: number;
    seed: number;
    minTrials: number;
  };
  gridPoints: number;
  runs: BenchRun[];
  groups: BenchGroup[];
}

export interface BenchFiles {
  dir: string;
  report: string;
  json: string;
  charts: string[];
}

export interface BenchResult {
  data: BenchData;
  files: BenchFiles;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** A fresh bench name, `bench-YYYYMMDD-HHMMSS`, with `-2`, `-3` … when the store has projects under it already. */
export function newBenchId(store: RunStore, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const base = `bench-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const taken = ResearchProject.list(store);
  for (let k = 1; ; k++) {
    const id = k === 1 ? base : `${base}-${k}`;
    if (!taken.some((n) => n === id || n.startsWith(`${id}-`))) return id;
  }
}

/** Runs every agent × task × team size × repeat, then writes bench.json, report.md and the charts. */
export async function benchAgents(opts: BenchOptions): Promise<BenchResult> {
  const plan = checkOptions(opts);
  const minTrials = opts.minTrials ?? 10;
  const seed = opts.seed ?? 0;
  const id = opts.id ?? newBenchId(opts.store);
  const emit = (e: BenchEvent) => opts.onEvent?.(e);
  const projectName = (agent: string, task: string, size: number, repeat: number) =>
    `${id}-${agent}-${task}-n${size}-r${repeat}`;
  for (const { agent, task, size } of plan) {
    const name = projectName(agent, task, size, opts.repeats);
    if (!NAME.test(name)) {
      throw new InvalidInputError(
        `project name "${name}" would be invalid (1-63 of a-z, 0-9, ".", "_", "-"): use a shorter bench id, agent or task name`,
      );
    }
  }
  const taken = new Set(ResearchProject.list(opts.store));
  for (let r = 1; r <= opts.repeats; r++) {
    for (const { agent, task, size } of plan) {
      const name = projectName(agent, task, size, r);
      if (taken.has(name))
        throw new InvalidInputError(`a project named "${name}" exists already; pick another bench id`);
    }
  }

  const runners = new Map<string, AgentRunner>();
  for (const agent of opts.agents) runners.set(agent, await opts.makeRunner(agent));

  fs.mkdirSync(opts.outDir, { recursive: true });
  const started = new Date();
  const data: BenchData = {
    id,
    startedAt: started.toISOString(),
    finishedAt: null,
    complete: false,
    options: {
      agents: [...opts.agents],
      tasks: [...opts.tasks],
      teamSizes: [...opts.teamSizes],
      repeats: opts.repeats,
      budgetMin: opts.budgetMin,
      goal: opts.goal,
      seed,
      minTrials,
    },
    gridPoints: GRID_POINTS,
    runs: [],
    groups: [],
  };
  const jsonFile = path.join(opts.outDir, "bench.json");
  const save = () => fs.writeFileSync(jsonFile, `${JSON.stringify(data, null, 2)}\n`);
  save();
  const total = plan.length * opts.repeats;
  emit({
    kind: "plan",
    text: `${id}: ${total} run${total === 1 ? "" : "s"} (${opts.agents.join(", ")} × ${opts.tasks.join(", ")} × teams of ${opts.teamSizes.join(", ")} × ${opts.repeats}), at most ${opts.budgetMin} min each; results in ${opts.outDir}`,
  });

  let index = 0;
  outer: for (let repeat = 1; repeat <= opts.repeats; repeat++) {
    for (const { agent, task, size } of plan) {
      if (opts.signal?.aborted) break outer;
      index++;
      const project = projectName(agent, task, size, repeat);
      const run = { index, total, agent, task, size, repeat, project };
      const label = `[${index}/${total}] ${agent} ${task} n=${size} r${repeat}`;
      emit({ kind: "run-start", text: `${label}: starting (${project})`, run });
      const result = await oneRun({
        store: opts.store,
        name: project,
        agent,
        task,
        size,
        repeat,
        seed: seed + repeat - 1,
        runner: runners.get(agent)!,
        budgetMin: opts.budgetMin,
        goal: opts.goal,
        from: opts.from?.[task],
        minTrials,
        signal: opts.signal,
        onTeamEvent: (e) => emit({ kind: "team", text: `${label} ${e.agent}: ${e.text}`, run, team: e }),
      });
      data.runs.push(result);
      save();
      emit({ kind: "run-end", text: `${label}: ${describeRun(result)}`, run, result });
    }
  }

  data.groups = summarizeGroups(data.runs, opts.budgetMin);
  data.complete = !opts.signal?.aborted && data.runs.length === total;
  data.finishedAt = new Date().toISOString();
  save();
  const files = writeBenchReport(data, opts.outDir);
  emit({ kind: "done", text: `${id}: ${data.runs.length}/${total} runs; report ${files.report}` });
  return { data, files };
}

function checkOptions(opts: BenchOptions): { agent: string; task: string; size: number }[] {
  const list = (what: string, xs: readonly unknown[]) => {
    if (!Array.isArray(xs) || xs.length === 0) throw new InvalidInputError(`the bench needs at least one ${what}`);
    if (new Set(xs).size !== xs.length) throw new InvalidInputError(`${what}s must be unique, got ${xs.join(", ")}`);
  };
  list("agent", opts.agents);
  list("task", opts.tasks);
  list("team size", opts.teamSizes);
  for (const a of opts.agents) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(a)) throw new InvalidInputError(`agent "${a}" must be of a-z, 0-9, "_", "-"`);
  }
  const known = listTasks().map((t) => t.id);
  for (const t of opts.tasks) {
    if (!known.includes(t)) throw new InvalidInputError(`unknown task "${t}"; known tasks: ${known.join(", ")}`);
  }
  for (const n of opts.teamSizes) {
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new InvalidInputError(`team sizes must be integers in 1..64, got ${n}`);
  }
  if (!Number.isInteger(opts.repeats) || opts.repeats < 1 || opts.repeats > 1000) {
    throw new InvalidInputError(`repeats must be an integer in 1..1000, got ${opts.repeats}`);
  }
  if (!(Number.isFinite(opts.budgetMin) && opts.budgetMin > 0)) {
    throw new InvalidInputError(`the budget must be a positive number of minutes, got ${opts.budgetMin}`);
  }
  if (!(opts.goal > 0 && opts.goal <= 1)) throw new InvalidInputError(`the goal must be in (0, 1], got ${opts.goal}`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) {
    throw new InvalidInputError(`the seed must be an integer, got ${opts.seed}`);
  }
  const plan: { agent: string; task: string; size: number }[] = [];
  for (const task of opts.tasks)
    for (const agent of opts.agents) for (const size of opts.teamSizes) plan.push({ agent, task, size });
  return plan;
}

async function oneRun(o: {
  store: RunStore;
  name: string;
  agent: string;
  task: string;
  size: number;
  repeat: number;
  seed: number;
  runner: AgentRunner;
  budgetMin: number;
  goal: number;
  from?: string;
  minTrials: number;
  signal?: AbortSignal;
  onTeamEvent: (e: TeamEvent) => void;
}): Promise<BenchRun> {
  const project = await ResearchProject.create(o.store, {
    name: o.name,
    task: o.task,
    goalSuccessRate: o.goal,
    from: o.from,
  });
  try {
    const team = await runTeam({
      project,
      kind: o.agent,
      size: o.size,
      runner: o.runner,
      budgetMin: o.budgetMin,
      seed: o.seed,
      signal: o.signal,
      onEvent: o.onTeamEvent,
    });
    // the idea tree counts from the project's creation; the run's clock starts with its team
    const offset = project.minutesSince(team.startedAt);
    const tree = ideaTree(project, { minTrials: o.minTrials });
    const curve = tree.teamCurve.map((p) => ({ t: Math.max(0, p.t - offset), y: p.y }));
    const withTokens = team.agents.some((a) => a.usage);
    return {
      agent: o.agent,
      task: o.task,
      size: o.size,
      repeat: o.repeat,
      project: project.name,
      seed: o.seed,
      startedAt: team.startedAt,
      wallMin: team.wallMin,
      aborted: Boolean(o.signal?.aborted) && !team.goal.reached,
      goalReached: team.goal.reached,
      timeToGoalMin: team.goal.atMin,
      tokensToSuccess: team.tokensToSuccess,
      tokens: withTokens ? team.agents.reduce((s, a) => s + (a.usage?.total ?? 0), 0) : null,
      mru: team.mru,
      mtu: team.mtu,
      iterations: team.agents.reduce((s, a) => s + a.iterations, 0),
      kept: team.agents.reduce((s, a) => s + a.kept, 0),
      finalTeamBest: curve.at(-1)?.y ?? 0,
      best: tree.best,
      curve,
      exits: team.agents.map((a) => a.exit),
    };
  } finally {
    project.close();
  }
}

/** The summaries per (agent, task, team size), over the runs that were not aborted, in the order they first ran. */
export function summarizeGroups(runs: readonly BenchRun[], budgetMin: number): BenchGroup[] {
  const groups = new Map<string, BenchRun[]>();
  for (const r of runs) {
    if (r.aborted) continue;
    const key = JSON.stringify([r.agent, r.task, r.size]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => summarizeRuns(rs, budgetMin));
}

/** One group's summary: curves on the 241-point grid over [0, budgetMin], time and tokens to success, MRU, MTU. */
export function summarizeRuns(runs: readonly BenchRun[], budgetMin: number): BenchGroup {
  if (runs.length === 0) throw new RangeError("summarizeRuns needs at least one run");
  const { agent, task, size } = runs[0];
  const curve = aggregateRuns(
    runs.map((r) => r.curve),
    budgetMin,
  );
  const reached = runs.filter((r) => r.goalReached);
  const mtus = runs.map((r) => r.mtu).filter((x): x is number => x !== null);
  return {
    agent,
    task,
    size,
    runs: runs.length,
    projects: runs.map((r) => r.project),
    reached: reached.length,
    timeToSuccessMin: stat(reached.map((r) => r.timeToGoalMin)),
    tokensToSuccess: stat(reached.map((r) => r.tokensToSuccess)),
    mru: meanStd(runs.map((r) => r.mru)),
    mtu: mtus.length ? meanStd(mtus) : null,
    iterations: mean(runs.map((r) => r.iterations)),
    final: { mean: curve.mean[curve.mean.length - 1], sem: curve.sem[curve.sem.length - 1] },
    curve: { ...curve, bestProject: runs[curve.bestIndex].project },
  };
}

function stat(values: (number | null)[]): Stat {
  const xs = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (xs.length === 0) return { median: null, mean: null };
  const mid = Math.floor(xs.length / 2);
  return { median: xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2, mean: mean(xs) };
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Mean and sample standard deviation (ddof = 1; 0 for one value). */
function meanStd(xs: number[]): { mean: number; std: number } {
  const m = mean(xs);
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean: m, std };
}

// ---------------------------------------------------------------------------------------------------------------
// The report

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
const mins = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${x.toFixed(2)} min`);

function tokens(x: number | null | undefined): string {
  if (x === null || x === undefined) return "–";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}

function describeRun(r: BenchRun): string {
  const goal = r.goalReached ? `goal at ${mins(r.timeToGoalMin)}` : `no goal in ${mins(r.wallMin)}`;
  return [
    r.aborted ? `stopped early, ${goal}` : goal,
    `team-average best ${pct(r.finalTeamBest)}`,
    `MRU ${pct(r.mru)}`,
    `MTU ${r.mtu === null ? "n/a" : `${tokens(r.mtu)} tokens/min`}`,
    `tokens to success ${r.tokens === null ? "n/a" : tokens(r.tokensToSuccess)}`,
    `${r.iterations} iteration${r.iterations === 1 ? "" : "s"} (${r.kept} kept)`,
  ].join(", ");
}

const teamLabel = (n: number) => `${n} agent${n === 1 ? "" : "s"}`;
const fileSafe = (s: string) => s.replace(/[^\w.-]+/g, "-");

/** Writes report.md and the SVG charts of `data` (its runs and groups) into `dir`; bench.json is the caller's. */
export function writeBenchReport(data: BenchData, dir: string): BenchFiles {
  fs.mkdirSync(dir, { recursive: true });
  const o = data.options;
  const files: BenchFiles = {
    dir,
    report: path.join(dir, "report.md"),
    json: path.join(dir, "bench.json"),
    charts: [],
  };
  const chart = (name: string, svg: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, svg);
    files.charts.push(file);
    return name;
  };
  const L: string[] = [];
  L.push(`# AutoEnvBench ${data.id}: ${o.agents.join(", ")} on ${o.tasks.join(", ")}`);
  L.push("");
  const total = o.agents.length * o.tasks.length * o.teamSizes.length * o.repeats;
  L.push(
    `${data.runs.length} of ${total} runs${data.complete ? "" : " (stopped early: the tables cover the runs that finished)"}: ` +
      `agents ${o.agents.join(", ")}; team sizes ${o.teamSizes.join(", ")}; ${o.repeats} repeat${o.repeats === 1 ? "" : "s"} each; ` +
      `budget ${o.budgetMin} min per run; goal ${pct(o.goal)} success over each task's held-out seeds. ` +
      `Started ${data.startedAt}${data.finishedAt ? `, finished ${data.finishedAt}` : ""}; seed ${o.seed}.`,
  );
  L.push("");
  L.push(
    `**Success curves** are the team-average best success rate on the search seeds: the mean over a team's agents of each agent's best kept result so far (a branch head counts once it has ${o.minTrials} trials). ` +
      `Each run is interpolated onto a ${data.gridPoints}-point grid over [0, ${o.budgetMin}] min, holding its last value after it stops; the line is the mean over runs, the band ± SEM (sample std / √runs; 0 for one run), the dashed line the best run (highest at the end of the budget, the earliest to get there among equals).`,
  );
  L.push("");
  L.push(
    "**Time to success** is when a commit first met the goal on the held-out seeds, in minutes since the team started: median (mean) over the runs that reached it, so read it with the *reached* column. " +
      "**Tokens to success** is what the whole team had used by then. **MRU** (mean robot utilisation) is the share of the run's wall-clock time each station spent running trials, averaged over the team; **MTU** (mean token utilisation) is tokens per minute across the team. MRU and MTU are mean ± std over runs.",
  );
  const noTokens = [...new Set(data.groups.filter((g) => g.mtu === null).map((g) => g.agent))];
  if (noTokens.length) {
    L.push("");
    L.push(
      `**MTU and tokens to success are n/a for ${noTokens.join(", ")}**: ${noTokens.includes("builtin") ? "the built-in agent is a search procedure with no language model behind it, so it spends no tokens" : "these agents reported no token use"}.`,
    );
  }
  L.push("");
  for (const task of o.tasks) {
    const gs = data.groups.filter((g) => g.task === task);
    L.push(`## ${task}`);
    L.push("");
    if (gs.length === 0) {
      L.push("No finished runs.");
      L.push("");
      continue;
    }
    const base = fileSafe(task);
    const success = chart(`${base}-success.svg`, successChart(task, gs, o));
    const mru = chart(`${base}-mru.svg`, utilisationChart(task, gs, o, "mru"));
    const mtu = chart(`${base}-mtu.svg`, utilisationChart(task, gs, o, "mtu"));
    const tts = chart(`${base}-time-to-success.svg`, timeChart(task, gs, o));
    L.push(`![${task}: success over wall-clock time](${success})`);
    L.push("");
    L.push(
      "| agent | team size | runs | reached goal | time to success, median (mean) | tokens to success, median | MRU | MTU (tokens/min) | iterations (mean) | final team-average best (mean ± SEM) |",
    );
    L.push("|---|---|---|---|---|---|---|---|---|---|");
    for (const g of gs) {
      const tts = g.reached ? `${mins(g.timeToSuccessMin.median)} (${mins(g.timeToSuccessMin.mean)})` : "–";
      const tok = g.mtu === null ? "n/a" : g.reached ? tokens(g.tokensToSuccess.median) : "–";
      const mtuCell = g.mtu === null ? "n/a" : `${tokens(g.mtu.mean)} ± ${tokens(g.mtu.std)}`;
      L.push(
        `| ${g.agent} | ${g.size} | ${g.runs} | ${g.reached}/${g.runs} | ${tts} | ${tok} | ${pct(g.mru.mean)} ± ${pct(g.mru.std)} | ${mtuCell} | ${g.iterations.toFixed(1)} | ${pct(g.final.mean)} ± ${pct(g.final.sem)} |`,
      );
    }
    L.push("");
    L.push(`![${task}: MRU](${mru}) ![${task}: MTU](${mtu}) ![${task}: time to success](${tts})`);
    L.push("");
  }
  L.push("## Runs");
  L.push("");
  L.push(
    "| project | agent | task | team | repeat | goal at | final team-average best | MRU | MTU | tokens to success | iterations (kept) | wall-clock |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of data.runs) {
    L.push(
      `| \`${r.project}\` | ${r.agent} | ${r.task} | ${r.size} | ${r.repeat} | ${r.goalReached ? mins(r.timeToGoalMin) : "–"} | ${pct(r.finalTeamBest)} | ${pct(r.mru)} | ${r.mtu === null ? "n/a" : tokens(r.mtu)} | ${r.tokens === null ? "n/a" : tokens(r.tokensToSuccess)} | ${r.iterations} (${r.kept}) | ${mins(r.wallMin)}${r.aborted ? " (stopped)" : ""} |`,
    );
  }
  L.push("");
  L.push(
    "Every run is a research project in the store: `enpire ledger --project <project>` shows its iterations, and its `team.json` what each agent did. The raw curves and figures are in `bench.json`.",
  );
  fs.writeFileSync(files.report, `${L.join("\n")}\n`);
  return files;
}

const percent = (y: number) => `${Math.round(y * 100)}%`;
const seriesName = (g: BenchGroup) => `${g.agent} ×${g.size}`;

function successChart(task: string, gs: BenchGroup[], o: BenchData["options"]): string {
  const series = gs.flatMap((g, i) => {
    const color = PALETTE[i % PALETTE.length];
    const { grid, mean, sem, best } = g.curve;
    return [
      {
        name: `${seriesName(g)} mean ± SEM (${g.runs} run${g.runs === 1 ? "" : "s"})`,
        color,
        points: grid.map((x, j) => ({ x, y: mean[j] })),
        band: {
          x: grid,
          lo: mean.map((m, j) => Math.max(0, m - sem[j])),
          hi: mean.map((m, j) => Math.min(1, m + sem[j])),
        },
      },
      { name: `${seriesName(g)} best run`, color, dashed: true, points: grid.map((x, j) => ({ x, y: best[j] })) },
    ];
  });
  return lineChart({
    title: `${task}: team-average best success over wall-clock time`,
    xLabel: "wall-clock minutes since the team started",
    yLabel: "success rate (search seeds)",
    xMax: o.budgetMin,
    yMin: 0,
    yMax: 1,
    yTickFormat: percent,
    series,
  });
}

function utilisationChart(task: string, gs: BenchGroup[], o: BenchData["options"], which: "mru" | "mtu"): string {
  const sizes = o.teamSizes.filter((n) => gs.some((g) => g.size === n));
  const agents = o.agents.filter((a) => gs.some((g) => g.agent === a));
  const cell = (a: string, n: number) => {
    const g = gs.find((x) => x.agent === a && x.size === n);
    return g ? (which === "mru" ? g.mru : g.mtu) : null;
  };
  return barChart({
    title:
      which === "mru"
        ? `${task}: mean robot utilisation (MRU) per team size`
        : `${task}: mean token utilisation (MTU) per team size`,
    yLabel: which === "mru" ? "share of wall-clock time running trials" : "tokens per minute",
    xLabel: "team size (mean ± std over runs; n/a: no language model)",
    groups: sizes.map(teamLabel),
    series: agents.map((a) => ({
      name: a,
      values: sizes.map((n) => cell(a, n)?.mean ?? null),
      err: sizes.map((n) => cell(a, n)?.std ?? null),
    })),
    ...(which === "mru" ? { yMin: 0, yMax: 1, yTickFormat: percent } : {}),
  });
}

function timeChart(task: string, gs: BenchGroup[], o: BenchData["options"]): string {
  const sizes = o.teamSizes.filter((n) => gs.some((g) => g.size === n));
  const agents = o.agents.filter((a) => gs.some((g) => g.agent === a));
  return barChart({
    title: `${task}: time to success (median over the runs that reached the goal)`,
    yLabel: "minutes",
    xLabel: "team size (n/a: no run reached the goal)",
    groups: sizes.map(teamLabel),
    series: agents.map((a) => ({
      name: a,
      values: sizes.map((n) => gs.find((g) => g.agent === a && g.size === n)?.timeToSuccessMin.median ?? null),
    })),
    yMin: 0,
    yTickFormat: (v) => String(Number(v.toPrecision(3))),
  });
}
