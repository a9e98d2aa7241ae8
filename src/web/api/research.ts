/**
 * The research API: the store's research projects (paper §4–§5), read through the evolve module and never written.
 * Each request opens the project's ledger read-only and closes it before answering.
 *
 *   GET /api/projects                       every project, newest first: goal, best branch, team, running or not
 *   GET /api/projects/:name                 leaderboard, success-vs-time curves, idea tree, agents' token use, goal
 *   GET /api/projects/:name/nodes/:id       one idea: hypothesis, change (diff, capped), evaluations, decision, borrows
 *
 * A project counts as running while its ledger had an entry in the last RUNNING_WINDOW_MS and no team.json was
 * written after it (a team writes team.json when it stops).
 */
import fs from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import type { TokenUsage } from "../../evolve/agents/usage.js";
import { leaderboard } from "../../evolve/compare.js";
import { diff as gitDiff } from "../../evolve/git-workspace.js";
import { type IdeaTree, ideaTree } from "../../evolve/idea-tree.js";
import { BASELINE_BRANCH, ResearchProject } from "../../evolve/project.js";
import type { Entry } from "../../evolve/research-ledger.js";
import { TEAM_FILE } from "../../evolve/team.js";
import { wilson } from "../../rollout/metrics.js";
import type { RunStore } from "../../rollout/store.js";
import { ApiError } from "./runs.js";

/** How the research pages read a project. */
export const RESEARCH_API = Object.freeze({
  runningWindowMs: 120_000, // a ledger entry this recent (and no team.json after it): the project is running
  minTrials: 10, // a branch's result counts toward its best once its commit has this many search trials (as ideaTree)
  maxDiffBytes: 200_000, // a node's diff is cut here, saying so
});

const ProjectName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);
const NodeId = z.string().regex(/^(baseline|h\d{1,9}|borrow-\d{1,9})$/);

type Interval = { low: number; high: number };

/** team.json as runTeam writes it: only the fields the pages show, the rest passes through unread. */
const UsageSchema = z.object({
  input: z.number(),
  cachedInput: z.number().default(0),
  output: z.number(),
  reasoning: z.number().default(0),
  total: z.number(),
});
const TeamFileSchema = z.object({
  kind: z.string(),
  size: z.number().int(),
  startedAt: z.string(),
  wallMin: z.number(),
  goal: z.object({ reached: z.boolean(), atMin: z.number().nullable() }),
  agents: z.array(
    z.object({
      agent: z.string(),
      branch: z.string(),
      iterations: z.number().int(),
      kept: z.number().int(),
      exit: z.string(),
      usage: UsageSchema.nullable(),
      usageTimeline: z.array(z.object({ atMs: z.number(), total: z.number() })).default([]),
    }),
  ),
  mru: z.number().nullable().default(null),
  mtu: z.number().nullable().default(null),
  tokensToSuccess: z.number().nullable().default(null),
});
type TeamFile = z.infer<typeof TeamFileSchema>;

export interface ApiProjectRow {
  name: string;
  task: { id: string; version: number };
  created: string;
  goal: {
    rate: number;
    episodes: number;
    seedStart: number;
    reached: boolean;
    at: string | null;
    atMin: number | null;
    branch: string | null;
    commit: string | null;
    successes: number | null;
    trials: number | null;
  };
  branches: number; // branches made off the baseline
  iterations: number; // hypotheses decided
  kept: number;
  best: { branch: string; successes: number; trials: number; rate: number | null; wilson95: Interval } | null;
  team: {
    kind: string;
    size: number;
    wallMin: number;
    mru: number | null; // mean robot utilisation of the team's stations
    mtu: number | null; // tokens per minute across the team (agents with a language model)
    tokensToSuccess: number | null; // the team's tokens when the goal was reached
  } | null;
  running: boolean;
  lastActivity: string;
}

export interface ApiAgentRow {
  agent: string;
  branch: string;
  iterations: number;
  kept: number;
  exit: string | null;
  tokens: TokenUsage | null; // null: no language model behind the agent
  mtu: number | null; // tokens per minute of the team's wall clock
  tokensToSuccess: number | null; // this agent's tokens when the goal was reached
  timeToSuccessMin: number | null; // when the team reached the goal
  usageTimeline: [number, number][]; // [minutes, running total]
}

/** The research routes, mounted under /api. */
export function researchApi(store: RunStore): Hono {
  const api = new Hono();

  api.get("/projects", async (c) => {
    const rows: ApiProjectRow[] = [];
    for (const name of ResearchProject.list(store)) {
      try {
        rows.push(await withProject(store, name, (p) => projectRow(p)));
      } catch (err) {
        // a project being created has no project entry yet: leave it out until it has one
        if (!(err instanceof ApiError)) throw err;
      }
    }
    rows.sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
    return c.json({ projects: rows });
  });

  api.get("/projects/:name", async (c) => {
    const body = await withProject(store, c.req.param("name"), async (p) => {
      const row = await projectRow(p);
      const tree = ideaTree(p, { minTrials: RESEARCH_API.minTrials, now: treeEnd(p, row) });
      return {
        project: {
          ...row,
          evalFingerprint: p.manifest.evalFingerprint,
          template: p.manifest.template,
          dir: path.relative(store.root, p.dir),
        },
        leaderboard: await leaderboardRows(p),
        curves: curves(p, tree),
        ideaTree: {
          lanes: tree.lanes,
          nodes: tree.nodes,
          edges: tree.edges,
          bestLineage: tree.nodes.filter((n) => n.onBestLineage).map((n) => n.id),
          best: tree.best,
          totalMin: tree.totalMin,
        },
        agents: agentRows(p, readTeam(p)),
        goal: row.goal,
      };
    });
    return c.json(body);
  });

  api.get("/projects/:name/nodes/:id", async (c) => {
    const id = c.req.param("id");
    if (!NodeId.safeParse(id).success) {
      throw new ApiError(400, `an idea node is "baseline", a hypothesis id like h0007 or borrow-<seq>, got "${id}"`);
    }
    const body = await withProject(store, c.req.param("name"), (p) => nodeDetail(p, id));
    return c.json(body);
  });

  return api;
}

/** Opens the project read-only for the length of `fn`; an unknown one is a 404, a malformed name a 400. */
async function withProject<T>(store: RunStore, name: string, fn: (p: ResearchProject) => Promise<T> | T): Promise<T> {
  if (!ProjectName.safeParse(name).success) {
    throw new ApiError(400, `a project name is 1-63 of a-z, 0-9, ".", "_", "-", got "${name}"`);
  }
  let project: ResearchProject;
  try {
    project = ResearchProject.open(store, name, { readOnly: true });
  } catch (err) {
    if (err instanceof InvalidInputError || (err instanceof Error && /project entry/.test(err.message))) {
      throw new ApiError(404, `no research project "${name}"`);
    }
    throw err;
  }
  try {
    return await fn(project);
  } finally {
    project.close();
  }
}

function readTeam(p: ResearchProject): { team: TeamFile; mtimeMs: number } | null {
  const file = path.join(p.dir, TEAM_FILE);
  try {
    const stat = fs.statSync(file);
    const parsed = TeamFileSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    return parsed.success ? { team: parsed.data, mtimeMs: stat.mtimeMs } : null;
  } catch {
    return null; // none yet (the team is running, or the project was worked by hand), or torn mid-write
  }
}

async function projectRow(p: ResearchProject): Promise<ApiProjectRow> {
  const entries = p.ledger.entries(["project", "branch", "decision", "goal"]);
  const last = p.ledger.entries().at(-1);
  const lastActivity = last?.at ?? p.startedAt.toISOString();
  const team = readTeam(p);
  const running =
    Date.now() - Date.parse(lastActivity) < RESEARCH_API.runningWindowMs &&
    !(team && team.mtimeMs >= Date.parse(lastActivity));
  const goal = p.goal();
  const decisions = entries.filter((e) => e.kind === "decision") as Entry<"decision">[];
  const board = await p.leaderboard();
  const top = board.find((r) => r.trials > 0) ?? null;
  return {
    name: p.name,
    task: p.manifest.task,
    created: p.startedAt.toISOString(),
    goal: {
      rate: p.manifest.goal.successRate,
      episodes: p.manifest.goal.episodes,
      seedStart: p.manifest.goal.seedStart,
      reached: goal !== null,
      at: goal?.at ?? null,
      atMin: goal ? p.minutesSince(goal.at) : null,
      branch: goal?.branch ?? null,
      commit: goal?.body.commit ?? null,
      successes: goal?.body.successes ?? null,
      trials: goal?.body.trials ?? null,
    },
    branches: entries.filter((e) => e.kind === "branch").length,
    iterations: decisions.length,
    kept: decisions.filter((d) => d.body.decision === "keep").length,
    best: top
      ? {
          branch: top.id,
          successes: top.successes,
          trials: top.trials,
          rate: top.rate,
          wilson95: { low: top.low, high: top.high },
        }
      : null,
    team: team
      ? {
          kind: team.team.kind,
          size: team.team.size,
          wallMin: team.team.wallMin,
          mru: team.team.mru,
          mtu: team.team.mtu,
          tokensToSuccess: team.team.tokensToSuccess,
        }
      : null,
    running,
    lastActivity,
  };
}

/** Where the time axis ends: now while running, else the last thing that happened (or the team's end). */
function treeEnd(p: ResearchProject, row: ApiProjectRow): Date {
  if (row.running) return new Date();
  const team = readTeam(p);
  const teamEnd = team ? Date.parse(team.team.startedAt) + team.team.wallMin * 60_000 : 0;
  return new Date(Math.max(Date.parse(row.lastActivity), teamEnd));
}

/** Branch heads ranked (compare.leaderboard), each head read once: stats and commit agree while agents move. */
async function leaderboardRows(p: ResearchProject) {
  const infos = await p.branches();
  const board = leaderboard(infos.map((i) => ({ id: i.branch, successes: i.stats.successes, trials: i.stats.trials })));
  const byBranch = new Map(infos.map((i) => [i.branch, i]));
  return board.map((r) => {
    const info = byBranch.get(r.id);
    return {
      branch: r.id,
      agent: info?.agent ?? null,
      commit: info?.head ?? null,
      from: info?.from ?? null,
      successes: r.successes,
      trials: r.trials,
      rate: r.rate,
      wilson95: r.trials > 0 ? { low: r.low, high: r.high } : null,
      meanMaxReward: info?.stats.meanMaxReward ?? null,
      rank: r.rank,
      best: r.best,
      pruned: r.pruned,
    };
  });
}

/**
 * Each branch's best kept success rate so far (the step curve whose mean over branches is the team-average best,
 * folded from the ledger the way ideaTree folds it), the team-average best itself, the ideas that raised it, and the
 * held-out checks.
 */
function curves(p: ResearchProject, tree: IdeaTree) {
  const treeOf = new Map<string, string>([[p.manifest.baselineCommit, p.manifest.baselineTree]]);
  const key = (commit: string) => treeOf.get(commit) ?? commit;
  const pooled = new Map<string, { trials: number; successes: number }>();
  const keptHead = new Map<string, string>();
  const best = new Map<string, [number, number][]>(); // branch → [[min, best so far]]
  const hypotheses = new Map<string, string>(); // hypothesis → its change's commit
  const record = (lane: string, at: string) => {
    const head = keptHead.get(lane);
    const s = head ? pooled.get(key(head)) : undefined;
    const points = best.get(lane);
    if (!points || !s || s.trials < RESEARCH_API.minTrials) return;
    const y = s.successes / s.trials;
    const prev = points.at(-1)?.[1] ?? 0;
    if (y > prev) points.push([p.minutesSince(at), y]);
  };
  for (const e of p.ledger.entries(["branch", "change", "evaluation", "decision", "borrow"])) {
    const lane = e.branch ?? BASELINE_BRANCH;
    if (e.kind === "branch") {
      const b = e.body as Entry<"branch">["body"];
      keptHead.set(lane, b.from.commit);
      best.set(lane, []);
    } else if (e.kind === "change") {
      const b = e.body as Entry<"change">["body"];
      treeOf.set(b.commit, b.tree);
      hypotheses.set(b.hypothesis, b.commit);
    } else if (e.kind === "evaluation") {
      const b = e.body as Entry<"evaluation">["body"];
      treeOf.set(b.commit, b.tree);
      if (b.purpose !== "search" || !b.valid) continue;
      const s = pooled.get(b.tree) ?? { trials: 0, successes: 0 };
      pooled.set(b.tree, { trials: s.trials + b.trials, successes: s.successes + b.successes });
      const head = keptHead.get(lane);
      if (head && key(head) === b.tree) record(lane, e.at);
    } else if (e.kind === "decision") {
      const b = e.body as Entry<"decision">["body"];
      const commit = hypotheses.get(b.hypothesis);
      if (b.decision === "keep" && commit) {
        keptHead.set(lane, commit);
        record(lane, e.at);
      }
    } else if (e.kind === "borrow") {
      const b = e.body as Entry<"borrow">["body"];
      treeOf.set(b.commit, b.tree);
      keptHead.set(lane, b.commit);
      record(lane, e.at);
    }
  }
  const end = tree.totalMin;
  const perBranch = [...best.entries()].map(([branch, points]) => ({
    branch,
    points: [[0, 0] as [number, number], ...points, [end, points.at(-1)?.[1] ?? 0] as [number, number]],
  }));
  const goalRun = p.goal()?.body.runId;
  const confirmations = p.ledger
    .of("evaluation")
    .filter((e) => e.body.purpose === "confirm" && e.body.valid && e.body.trials > 0)
    .map((e) => ({
      tMin: p.minutesSince(e.at),
      branch: e.branch,
      commit: e.body.commit,
      runId: e.body.runId,
      successes: e.body.successes,
      trials: e.body.trials,
      complete: e.body.trials === e.body.episodes,
      rate: e.body.successes / e.body.trials,
      goal: e.body.runId === goalRun,
    }));
  return {
    perBranch,
    teamAverage: tree.teamCurve.map((pt) => [pt.t, pt.y] as [number, number]),
    raises: tree.raises.map((r) => ({ tMin: r.t, branch: r.agent, gain: r.gain, y: r.y, node: r.node })),
    confirmations,
    totalMin: end,
  };
}

/** Per agent: iterations and kept from team.json (or the ledger while no team.json exists), tokens, MTU. */
function agentRows(p: ResearchProject, team: { team: TeamFile } | null): ApiAgentRow[] {
  if (team) {
    const t = team.team;
    const goalMs = t.goal.reached && t.goal.atMin !== null ? t.goal.atMin * 60_000 : null;
    return t.agents.map((a) => ({
      agent: a.agent,
      branch: a.branch,
      iterations: a.iterations,
      kept: a.kept,
      exit: a.exit,
      tokens: a.usage,
      mtu: a.usage && t.wallMin > 0 ? a.usage.total / t.wallMin : null,
      tokensToSuccess:
        a.usage && goalMs !== null ? (a.usageTimeline.filter((u) => u.atMs <= goalMs).at(-1)?.total ?? 0) : null,
      timeToSuccessMin: goalMs !== null ? goalMs / 60_000 : null,
      usageTimeline: a.usageTimeline.map((u) => [u.atMs / 60_000, u.total] as [number, number]),
    }));
  }
  // no team.json (yet): who decided what, from the ledger
  const byAgent = new Map<string, ApiAgentRow>();
  for (const b of p.ledger.of("branch")) {
    if (!b.agent) continue;
    byAgent.set(b.agent, {
      agent: b.agent,
      branch: b.branch ?? BASELINE_BRANCH,
      iterations: 0,
      kept: 0,
      exit: null,
      tokens: null,
      mtu: null,
      tokensToSuccess: null,
      timeToSuccessMin: null,
      usageTimeline: [],
    });
  }
  const goal = p.goal();
  for (const d of p.ledger.of("decision")) {
    const row = d.agent ? byAgent.get(d.agent) : undefined;
    if (!row) continue;
    row.iterations++;
    if (d.body.decision === "keep") row.kept++;
  }
  if (goal) for (const row of byAgent.values()) row.timeToSuccessMin = p.minutesSince(goal.at);
  return [...byAgent.values()];
}

/** One idea node with everything behind it. */
async function nodeDetail(p: ResearchProject, id: string) {
  const tree = ideaTree(p, { minTrials: RESEARCH_API.minTrials });
  const node = tree.nodes.find((n) => n.id === id);
  if (!node) throw new ApiError(404, `no idea "${id}" in project "${p.name}"`);

  const hyp = p.ledger.of("hypothesis").find((h) => h.body.id === id) ?? null;
  const change = p.ledger.of("change").find((c) => c.body.hypothesis === id) ?? null;
  const decision = p.ledger.of("decision").find((d) => d.body.hypothesis === id) ?? null;
  const borrowSeq = /^borrow-(\d+)$/.exec(id);
  const borrow = borrowSeq ? (p.ledger.of("borrow").find((b) => b.seq === Number(borrowSeq[1])) ?? null) : null;

  // the change as a unified diff: against the commit it started from (a borrow: the branch's head before it)
  const rawDiff =
    node.parentCommit !== null
      ? await gitDiff(p.repoDir, node.parentCommit, node.commit)
      : await gitDiff(p.repoDir, node.commit);
  const bytes = Buffer.byteLength(rawDiff);
  const truncated = bytes > RESEARCH_API.maxDiffBytes;
  const diffText = truncated ? cutUtf8(rawDiff, RESEARCH_API.maxDiffBytes) : rawDiff;
  const counted = countDiff(rawDiff);

  // the evaluations behind its score: of this commit or of any commit with the same files (pooled per tree)
  const nodeTree =
    change?.body.tree ?? borrow?.body.tree ?? (id === "baseline" ? p.manifest.baselineTree : null) ?? null;
  const evaluations = p.ledger
    .of("evaluation")
    .filter((e) => e.body.commit === node.commit || (nodeTree !== null && e.body.tree === nodeTree))
    .map((e) => ({
      at: e.at,
      tMin: p.minutesSince(e.at),
      branch: e.branch,
      agent: e.agent,
      purpose: e.body.purpose,
      runId: e.body.runId,
      commit: e.body.commit,
      sameFiles: e.body.commit !== node.commit, // another commit with the same files: the same policy
      valid: e.body.valid,
      seedStart: e.body.seedStart,
      episodes: e.body.episodes,
      trials: e.body.trials,
      successes: e.body.successes,
      rate: e.body.trials ? e.body.successes / e.body.trials : null,
      wilson95: e.body.trials ? wilson(e.body.successes, e.body.trials) : null,
      meanMaxReward: e.body.meanMaxReward,
      status: e.body.status,
    }));
  const pooled = p.commitStats(node.commit);
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const edgeNode = (nid: string) => {
    const n = byId.get(nid);
    return { node: nid, branch: n?.lane ?? null, label: n?.label ?? nid, commit: n?.commit ?? null };
  };

  return {
    project: p.name,
    node,
    hypothesis: hyp
      ? {
          id: hyp.body.id,
          text: hyp.body.text,
          agent: hyp.agent,
          branch: hyp.branch,
          at: hyp.at,
          tMin: p.minutesSince(hyp.at),
        }
      : null,
    change: {
      commit: node.commit,
      parent: node.parentCommit,
      files: change?.body.files ?? counted.files,
      insertions: change?.body.insertions ?? counted.insertions,
      deletions: change?.body.deletions ?? counted.deletions,
      diff: diffText,
      diffBytes: bytes,
      truncated,
      borrow: borrow
        ? { method: borrow.body.method, from: borrow.body.from, agent: borrow.agent, at: borrow.at }
        : null,
    },
    pooled: {
      successes: pooled.successes,
      trials: pooled.trials,
      rate: pooled.rate,
      wilson95: pooled.trials ? wilson(pooled.successes, pooled.trials) : null,
    },
    evaluations,
    decision: decision
      ? {
          decision: decision.body.decision,
          statistic: decision.body.statistic,
          pBetter: decision.body.pBetter,
          pWorse: decision.body.pWorse,
          reason: decision.body.reason,
          baseline: decision.body.baseline,
          candidate: decision.body.candidate,
          taggedAs: decision.body.taggedAs,
          at: decision.at,
          agent: decision.agent,
        }
      : null,
    parents: tree.edges.filter((e) => e.to === id && e.kind === "parent").map((e) => edgeNode(e.from)),
    borrowedFrom: tree.edges.filter((e) => e.to === id && e.kind === "borrowed").map((e) => edgeNode(e.from)),
    borrowedBy: tree.edges.filter((e) => e.from === id && e.kind === "borrowed").map((e) => edgeNode(e.to)),
    children: tree.edges.filter((e) => e.from === id && e.kind === "parent").map((e) => edgeNode(e.to)),
  };
}

/** The first `max` bytes of `text`, not splitting a character. */
function cutUtf8(text: string, max: number): string {
  const buf = Buffer.from(text).subarray(0, max);
  return buf.toString("utf8").replace(/\uFFFD$/, "");
}

/** Files, added and removed lines of a unified diff (for borrows and the baseline, which have no change entry). */
function countDiff(text: string): { files: string[]; insertions: number; deletions: number } {
  const files: string[] = [];
  let insertions = 0;
  let deletions = 0;
  for (const line of text.split("\n")) {
    const m = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (m) files.push(m[2]);
    else if (line.startsWith("+") && !line.startsWith("+++")) insertions++;
    else if (line.startsWith("-") && !line.startsWith("---")) deletions++;
  }
  return { files, insertions, deletions };
}
