/**
 * Agent teams (paper §2.4, Fig. 10): N agents on N stations, each on its own branch (a git worktree) off the shared
 * baseline, testing hypotheses asynchronously through the research project and watching each other's branches.
 * The team stops when a commit reaches the goal on the task's held-out seeds, when the wall-clock budget is spent,
 * or when it is aborted. What each agent does is its runner's business: the built-in search agent
 * (builtin/agent.ts) or a coding-agent CLI (agents/cli-agents.ts).
 *
 * Everything the team does goes through the research ledger; this file only starts, watches and stops the agents,
 * and writes `<project>/team.json` (who ran, for how long, tokens, robot utilisation, when the goal was reached).
 */
import fs from "node:fs";
import path from "node:path";
import type { TokenUsage } from "./agents/usage.js";
import { ideaTree } from "./idea-tree.js";
import type { ResearchProject } from "./project.js";

export interface TeamEvent {
  tMin: number; // minutes since the team started
  agent: string;
  kind: "start" | "evaluation" | "decision" | "borrow" | "prune" | "confirm" | "goal" | "stop" | "error" | "usage";
  text: string;
}

export interface AgentContext {
  project: ResearchProject;
  agent: string; // its name, e.g. "agent-1"
  branch: string; // its branch, created before it starts
  index: number; // 0-based position in the team
  team: string[]; // every agent's branch
  seed: number; // for the agent's own randomness
  /** True once the team should stop (goal reached, budget spent, aborted): finish the current step and return. */
  stopped(): boolean;
  /** Ms left in the wall-clock budget. */
  msLeft(): number;
  signal: AbortSignal;
  emit(kind: TeamEvent["kind"], text: string): void;
  /** An agent that reaches the goal calls this: the team stops. */
  goalReached(): void;
  /** Token use so far (agents that have a language model behind them). */
  reportUsage(usage: TokenUsage): void;
}

export interface AgentSummary {
  agent: string;
  branch: string;
  iterations: number;
  kept: number;
  exit: string; // why it stopped
  usage: TokenUsage | null;
  usageTimeline: { atMs: number; total: number }[];
}

export type AgentRunner = (ctx: AgentContext) => Promise<{ iterations: number; kept: number; exit: string }>;

export interface TeamOptions {
  project: ResearchProject;
  kind: string; // "builtin" | "claude" | "codex" | "kimi": recorded in team.json
  size: number;
  runner: AgentRunner;
  budgetMin: number;
  seed?: number;
  signal?: AbortSignal;
  onEvent?: (e: TeamEvent) => void;
}

export interface TeamResult {
  project: string;
  kind: string;
  size: number;
  startedAt: string;
  wallMin: number;
  goal: {
    reached: boolean;
    atMin: number | null;
    commit: string | null;
    branch: string | null;
    successes: number | null;
    trials: number | null;
  };
  agents: AgentSummary[];
  teamBest: number; // team-average best success at the end
  best: { node: string; score: number; trials: number } | null;
  /** Mean robot (station) utilisation: station-busy time over the team's wall-clock time, per agent then averaged. */
  mru: number;
  mtu: number | null; // tokens per minute across the team (agents with a language model)
  tokensToSuccess: number | null;
  events: TeamEvent[];
}

export const TEAM_FILE = "team.json";

/** Runs a team to its goal or budget. Each agent gets branch `agent-<i>` off the baseline. */
export async function runTeam(opts: TeamOptions): Promise<TeamResult> {
  const { project } = opts;
  if (!Number.isInteger(opts.size) || opts.size < 1 || opts.size > 64) {
    throw new RangeError(`team size must be an integer in 1..64, got ${opts.size}`);
  }
  const started = Date.now();
  const deadline = started + opts.budgetMin * 60_000;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  // agents in other processes (coding-agent CLIs over MCP) record the goal in the ledger: watch for it
  const goalWatch = setInterval(() => {
    if (project.goal()) stop.abort();
  }, 2000);
  const events: TeamEvent[] = [];
  let goalAt: number | null = null;
  const emit = (agent: string, kind: TeamEvent["kind"], text: string) => {
    const e = { tMin: (Date.now() - started) / 60_000, agent, kind, text };
    events.push(e);
    opts.onEvent?.(e);
  };
  const names = Array.from({ length: opts.size }, (_, i) => `agent-${i + 1}`);
  const usage = new Map<string, { usage: TokenUsage | null; timeline: { atMs: number; total: number }[] }>();
  for (const name of names) {
    const existing = project.ledger.of("branch").some((e) => e.branch === name);
    if (!existing) await project.createBranch(name, { agent: name });
    usage.set(name, { usage: null, timeline: [] });
  }

  const results = await Promise.all(
    names.map(async (name, index) => {
      const ctx: AgentContext = {
        project,
        agent: name,
        branch: name,
        index,
        team: names,
        seed: (opts.seed ?? 0) * 1000 + index,
        stopped: () => stop.signal.aborted,
        msLeft: () => Math.max(0, deadline - Date.now()),
        signal: stop.signal,
        emit: (kind, text) => emit(name, kind, text),
        goalReached: () => {
          if (goalAt === null) goalAt = Date.now();
          stop.abort();
        },
        reportUsage: (u) => {
          const slot = usage.get(name);
          if (!slot) return;
          slot.usage = u;
          slot.timeline.push({ atMs: Date.now() - started, total: u.total });
        },
      };
      emit(name, "start", `on branch ${name}`);
      try {
        const r = await opts.runner(ctx);
        emit(name, "stop", r.exit);
        return r;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        emit(name, "error", message);
        return { iterations: 0, kept: 0, exit: `error: ${message}` };
      }
    }),
  );
  clearTimeout(timer);
  clearInterval(goalWatch);
  opts.signal?.removeEventListener("abort", onAbort);

  const ended = Date.now();
  const wallMin = (ended - started) / 60_000;
  const goal = project.goal();
  const tree = ideaTree(project);
  const agents: AgentSummary[] = names.map((name, i) => ({
    agent: name,
    branch: name,
    iterations: results[i].iterations,
    kept: results[i].kept,
    exit: results[i].exit,
    usage: usage.get(name)?.usage ?? null,
    usageTimeline: usage.get(name)?.timeline ?? [],
  }));
  const totalTokens = agents.reduce((s, a) => s + (a.usage?.total ?? 0), 0);
  const withTokens = agents.some((a) => a.usage);
  const result: TeamResult = {
    project: project.name,
    kind: opts.kind,
    size: opts.size,
    startedAt: new Date(started).toISOString(),
    wallMin,
    goal: {
      reached: goal !== null,
      atMin: goal ? (new Date(goal.at).getTime() - started) / 60_000 : null,
      commit: goal?.body.commit ?? null,
      branch: goal?.branch ?? null,
      successes: goal?.body.successes ?? null,
      trials: goal?.body.trials ?? null,
    },
    agents,
    teamBest: tree.teamCurve.at(-1)?.y ?? 0,
    best: tree.best,
    mru: stationUtilisation(project, names, started, ended),
    mtu: withTokens && wallMin > 0 ? totalTokens / wallMin : null,
    tokensToSuccess: withTokens && goal ? tokensBefore(agents, new Date(goal.at).getTime() - started) : null,
    events,
  };
  fs.writeFileSync(path.join(project.dir, TEAM_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Station-busy time of each agent's evaluations (the trials' own durations) over the wall-clock time, averaged. */
function stationUtilisation(project: ResearchProject, branches: string[], fromMs: number, toMs: number): number {
  const span = toMs - fromMs;
  if (span <= 0) return 0;
  const busy = new Map<string, number>(branches.map((b) => [b, 0]));
  for (const e of project.ledger.of("evaluation")) {
    if (!e.branch || !busy.has(e.branch)) continue;
    const at = new Date(e.at).getTime();
    if (at < fromMs || at > toMs + 1000) continue;
    const trials = project.store.trials(e.body.runId);
    busy.set(e.branch, (busy.get(e.branch) ?? 0) + trials.reduce((s, t) => s + t.elapsedMs, 0));
  }
  const per = [...busy.values()].map((ms) => Math.min(1, ms / span));
  return per.reduce((s, x) => s + x, 0) / per.length;
}

/** Tokens the team had used when the goal was reached. */
function tokensBefore(agents: AgentSummary[], atMs: number): number {
  let total = 0;
  for (const a of agents) {
    const before = a.usageTimeline.filter((p) => p.atMs <= atMs).at(-1);
    total += before?.total ?? 0;
  }
  return total;
}
