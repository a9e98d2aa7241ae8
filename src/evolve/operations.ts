/**
 * The research operations that agents and people call: one table, so that the MCP server (`src/mcp`) and the CLI
 * (`enpire research <op>`) expose exactly the same verbs with the same arguments. Each operation has a zod schema for
 * its arguments (field names are what an error message points at) and returns a JSON-able object.
 *
 * `project`, `branch` and `agent` may be left out when the caller was started for one (an agent's MCP server is bound
 * to its project, branch and name); `project` also falls back to the store's only project.
 */
import { z } from "zod";
import { InvalidInputError } from "../core/errors.js";
import { MAX_STATIONS } from "../rollout/evaluate.js";
import type { RunStore } from "../rollout/store.js";
import { decide } from "./compare.js";
import { ideaTree, recipes } from "./idea-tree.js";
import { defaultLiteratureDirs, indexLiterature, searchLiterature } from "./literature.js";
import { ResearchProject } from "./project.js";
import type { EntryKind } from "./research-ledger.js";
import { ALGORITHMS, listJobs, readJob, readProgress, type TrainingJob } from "./training/jobs.js";
import { launchJob } from "./training/launch.js";
import { recordTraining } from "./training/ledger.js";

export interface OperationContext {
  store: RunStore;
  /** What this caller was started for: used when an argument leaves them out. */
  bound: { project?: string; branch?: string; agent?: string };
  signal?: AbortSignal;
}

export interface Operation<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  args: S;
  run(ctx: OperationContext, args: z.infer<S>): Promise<Record<string, unknown>>;
}

const project = z
  .string()
  .min(1)
  .optional()
  .describe("research project name (default: the one this caller is bound to)");
const branch = z.string().min(1).optional().describe("branch (default: the one this caller is bound to)");
const ENTRY_KINDS = [
  "project",
  "branch",
  "hypothesis",
  "change",
  "evaluation",
  "decision",
  "borrow",
  "prune",
  "goal",
  "training",
] as const;

function op<S extends z.ZodObject>(o: Operation<S>): Operation<S> {
  return o;
}

/** Opens the project an operation names (or the caller's, or the store's only one), runs `fn`, closes it. */
async function withProject<T>(
  ctx: OperationContext,
  name: string | undefined,
  fn: (p: ResearchProject) => Promise<T>,
): Promise<T> {
  let chosen = name ?? ctx.bound.project;
  if (!chosen) {
    const all = ResearchProject.list(ctx.store);
    if (all.length !== 1) {
      throw new InvalidInputError(
        all.length
          ? `name a project (project: ...): this store has ${all.join(", ")}`
          : "this store has no research project yet: run research_init first",
      );
    }
    chosen = all[0];
  }
  const p = ResearchProject.open(ctx.store, chosen);
  try {
    return await fn(p);
  } finally {
    p.close();
  }
}

function branchOf(ctx: OperationContext, b: string | undefined): string {
  const chosen = b ?? ctx.bound.branch;
  if (!chosen) throw new InvalidInputError("name a branch (branch: ...)");
  return chosen;
}

const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);

export const OPERATIONS = [
  op({
    name: "research_init",
    description:
      "Create a research project for a task: a git workspace of the task's starting policy on branch `baseline`.",
    args: z.object({
      name: z.string().min(1, "name must be a project name"),
      task: z.string().min(1).default("pusht"),
      goalSuccessRate: z
        .number()
        .gt(0)
        .max(1)
        .default(0.95)
        .describe("success rate the goal needs over the held-out seeds"),
      from: z.string().optional().describe("a folder with policy.ts to start from instead of the task's template"),
    }),
    async run(ctx, a) {
      const p = await ResearchProject.create(ctx.store, {
        name: a.name,
        task: a.task,
        goalSuccessRate: a.goalSuccessRate,
        from: a.from,
      });
      try {
        return { project: p.name, dir: p.dir, repo: p.repoDir, manifest: p.manifest };
      } finally {
        p.close();
      }
    },
  }),
  op({
    name: "projects",
    description: "List the research projects in the store.",
    args: z.object({}),
    async run(ctx) {
      return { projects: ResearchProject.list(ctx.store) };
    },
  }),
  op({
    name: "branch_create",
    description: "Create your branch (a git worktree of its own) off the baseline or off another branch.",
    args: z.object({
      project,
      branch: z.string().min(1),
      from: z.string().optional().describe("branch to start from (default baseline)"),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.createBranch(a.branch, { from: a.from, agent: ctx.bound.agent })),
      }));
    },
  }),
  op({
    name: "branches",
    description:
      "Every branch: its worktree folder, head commit, where it started, pooled search statistics, pruned or not.",
    args: z.object({ project }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({ branches: await p.branches() }));
    },
  }),
  op({
    name: "hypothesis",
    description:
      "Record one falsifiable hypothesis on a branch before changing its files. One open hypothesis per branch.",
    args: z.object({
      project,
      branch,
      text: z.string().min(10, "text must be one falsifiable sentence (10+ characters)"),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.hypothesis(branchOf(ctx, a.branch), a.text, ctx.bound.agent)),
      }));
    },
  }),
  op({
    name: "commit_change",
    description: "Commit the branch's edited files as the change that tests its open hypothesis.",
    args: z.object({ project, branch }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.commitChange(branchOf(ctx, a.branch), ctx.bound.agent)),
      }));
    },
  }),
  op({
    name: "evaluate_branch",
    description:
      "Evaluate the branch's head commit on simulated stations. purpose search runs the commit's next search seeds " +
      "(chosen by enpire, the same for every commit); confirm runs the task's held-out seeds once per commit and says whether the goal is reached.",
    args: z.object({
      project,
      branch,
      episodes: z.number().int("episodes must be an integer").min(1).max(10_000).default(20),
      purpose: z.enum(["search", "confirm"]).default("search"),
      stations: z.number().int().min(1).max(MAX_STATIONS).default(1),
      video: z.boolean().default(false),
      force: z.boolean().default(false).describe("evaluate a pruned branch anyway"),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.evaluateBranch({
          branch: branchOf(ctx, a.branch),
          episodes: a.episodes,
          purpose: a.purpose,
          stations: a.stations,
          video: a.video,
          force: a.force,
          agent: ctx.bound.agent,
          signal: ctx.signal,
        })),
      }));
    },
  }),
  op({
    name: "decide",
    description:
      "Keep or revert the branch's open hypothesis from the statistics (one-sided Fisher exact test of its change against the commit it started from). Undecided changes are reverted; the commit stays reachable under a tag.",
    args: z.object({ project, branch, alpha: z.number().gt(0).lt(0.5).default(0.05) }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.decide(branchOf(ctx, a.branch), { agent: ctx.bound.agent, alpha: a.alpha })),
      }));
    },
  }),
  op({
    name: "compare",
    description:
      "Compare two branches' heads: success rates with Wilson intervals and whether b is better or worse than a.",
    args: z.object({
      project,
      a: z.string().min(1),
      b: z.string().min(1),
      alpha: z.number().gt(0).lt(0.5).default(0.05),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => {
        const board = await p.leaderboard();
        const rowA = board.find((r) => r.id === a.a);
        const rowB = board.find((r) => r.id === a.b);
        if (!rowA || !rowB)
          throw new InvalidInputError(
            `no branch "${rowA ? a.b : a.a}"; branches: ${board.map((r) => r.id).join(", ")}`,
          );
        if (rowA.trials === 0 || rowB.trials === 0) {
          throw new InvalidInputError(
            `branch "${rowA.trials ? a.b : a.a}" has no evaluation of its head yet (evaluate_branch)`,
          );
        }
        return { a: rowA, b: rowB, verdict: decide(rowA, rowB, a.alpha) };
      });
    },
  }),
  op({
    name: "leaderboard",
    description:
      "Branch heads ranked by the Wilson 95% lower bound of their search success; pruned branches (upper bound below the best's lower bound) flagged; and how the next `slots` trials should be split to settle the best (best-arm identification).",
    args: z.object({ project, slots: z.number().int().min(1).max(1000).default(20) }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        leaderboard: (await p.leaderboard()).map((r) => ({
          ...r,
          ratePct: pct(r.rate),
          lowPct: pct(r.low),
          highPct: pct(r.high),
        })),
        allocation: await p.allocation(a.slots),
        goal: p.goal(),
      }));
    },
  }),
  op({
    name: "borrow",
    description:
      "Reuse a peer's recipe on your branch: cherry-pick one commit, merge their branch, or adopt their files. Recorded as a lineage edge.",
    args: z.object({
      project,
      branch,
      from: z.string().min(1).describe("the peer branch"),
      commit: z.string().optional().describe("a commit of theirs (default their head)"),
      method: z.enum(["cherry-pick", "merge", "adopt"]).default("merge"),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.borrow(branchOf(ctx, a.branch), { branch: a.from, commit: a.commit }, a.method, ctx.bound.agent)),
      }));
    },
  }),
  op({
    name: "prune",
    description:
      "Record that a branch stops getting trials because its upper bound is below the best branch's lower bound.",
    args: z.object({ project, branch }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({
        ...(await p.prune(branchOf(ctx, a.branch), ctx.bound.agent)),
      }));
    },
  }),
  op({
    name: "idea_tree",
    description:
      "The idea tree: every decided hypothesis and borrow as a node with its score and the team-average-best gain it caused, parent and borrowed edges, the best idea's lineage, and the team-average best success over time.",
    args: z.object({ project, minTrials: z.number().int().min(1).default(10) }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({ ...ideaTree(p, { minTrials: a.minTrials }) }));
    },
  }),
  op({
    name: "recipes",
    description:
      "Changes that worked (kept decisions), largest gain first, with their hypothesis, commit, files and who reused them.",
    args: z.object({ project, limit: z.number().int().min(1).max(500).default(20) }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({ recipes: recipes(p).slice(0, a.limit) }));
    },
  }),
  op({
    name: "diff",
    description: "The diff of a hypothesis's change (by id, e.g. h0007) or of any commit.",
    args: z.object({ project, of: z.string().min(1).describe("hypothesis id or commit") }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => ({ of: a.of, diff: await p.diff(a.of) }));
    },
  }),
  op({
    name: "research_ledger",
    description:
      "Entries of the project's append-only research ledger, in order (optionally of some kinds), and whether its hash chain is intact.",
    args: z.object({
      project,
      kinds: z.array(z.enum(ENTRY_KINDS)).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(200),
    }),
    async run(ctx, a) {
      return withProject(ctx, a.project, async (p) => {
        const all = p.ledger.entries(a.kinds as EntryKind[] | undefined);
        const v = p.ledger.verify();
        return {
          project: p.name,
          chain: { ok: v.ok, head: v.head, problems: v.problems },
          total: all.length,
          offset: a.offset,
          entries: all.slice(a.offset, a.offset + a.limit),
          nextOffset: a.offset + a.limit < all.length ? a.offset + a.limit : null,
        };
      });
    },
  }),
  op({
    name: "train",
    description:
      "Start a training job (detached; it runs on this machine's CPU): bc (behaviour cloning on recorded successes), " +
      "ibc (iterative BC: train, run on stations, add successes, retrain), td3bc (offline RL on all recorded trials) or " +
      "sac (online RL on simulated stations; with runs, offline-to-online from them). Returns the job id and directory; " +
      "follow it with training_job. In a project, the job is recorded in the research ledger.",
    args: z.object({
      algorithm: z.enum(ALGORITHMS),
      task: z.string().min(1).default("pusht"),
      runs: z.array(z.string().min(1)).default([]).describe("run ids whose recorded trials are the data"),
      lerobot: z.string().optional().describe("a LeRobotDataset v3.0 folder to train on instead of runs"),
      allOutcomes: z.boolean().default(false).describe("bc/ibc: every counted trial, not only successes"),
      net: z.enum(["mlp", "conv"]).default("mlp"),
      budgetS: z.number().positive().max(86_400).default(60).describe("wall-clock budget of the job, s"),
      steps: z.number().int().positive().optional().describe("gradient steps (per round for ibc/sac)"),
      seed: z.number().int().nonnegative().default(0),
      rounds: z.number().int().positive().max(100).default(3).describe("ibc/sac rounds"),
      episodesPerRound: z.number().int().positive().max(1000).default(10),
      stations: z.number().int().min(1).max(MAX_STATIONS).default(1),
      evalEpisodes: z.number().int().min(0).max(1000).default(0).describe("held-out evaluation of the final policy"),
      hyper: z
        .union([z.record(z.string(), z.unknown()), z.string()])
        .optional()
        .describe('hyperparameter overrides, an object or its JSON, e.g. {"lr": 0.001}'),
      project,
    }),
    async run(ctx, a) {
      let hyper: Record<string, unknown> = {};
      if (typeof a.hyper === "string") {
        try {
          hyper = JSON.parse(a.hyper) as Record<string, unknown>;
        } catch {
          throw new InvalidInputError(`hyper must be a JSON object, got ${a.hyper}`);
        }
      } else if (a.hyper) hyper = a.hyper;
      const projectName = a.project ?? ctx.bound.project ?? null;
      if (projectName !== null && !ResearchProject.list(ctx.store).includes(projectName)) {
        throw new InvalidInputError(`no research project "${projectName}" in this store`);
      }
      const { job, dir } = launchJob(ctx.store.root, {
        algorithm: a.algorithm,
        task: a.task,
        runs: a.runs,
        lerobot: a.lerobot ?? null,
        allOutcomes: a.allOutcomes,
        net: a.net,
        budgetS: a.budgetS,
        steps: a.steps ?? null,
        seed: a.seed,
        rounds: a.rounds,
        episodesPerRound: a.episodesPerRound,
        stations: a.stations,
        evalEpisodes: a.evalEpisodes,
        hyper,
        project: projectName,
        branch: ctx.bound.branch ?? null,
        agent: ctx.bound.agent ?? null,
      });
      recordTraining(ctx.store, job, "started");
      return { job: job.id, dir, status: job.status, project: projectName };
    },
  }),
  op({
    name: "training_jobs",
    description:
      "Training jobs in the store, newest first: algorithm, status, steps, throughput, policy, held-out result.",
    args: z.object({ limit: z.number().int().min(1).max(500).default(20) }),
    async run(ctx, a) {
      return { jobs: listJobs(ctx.store.root).slice(0, a.limit).map(jobSummary) };
    },
  }),
  op({
    name: "training_job",
    description:
      "One training job: status (a job whose process died reads as failed), data, rounds, the last progress lines, " +
      "checkpoints, the policy it wrote (file and sha256) and its held-out evaluation.",
    args: z.object({
      job: z.string().min(1).describe("job id or an unambiguous prefix"),
      progress: z.number().int().min(0).max(1000).default(5).describe("how many of the last progress lines"),
    }),
    async run(ctx, a) {
      const job = readJob(ctx.store.root, a.job);
      return { ...job, progress: readProgress(ctx.store.root, job.id, a.progress) };
    },
  }),
  op({
    name: "lit_search",
    description:
      "Search the local literature (shipped notes plus $ENPIRE_HOME/literature): ranked passages with file and line or page.",
    args: z.object({
      query: z.string().min(2, "query must be a few keywords"),
      limit: z.number().int().min(1).max(50).default(5),
    }),
    async run(_ctx, a) {
      const index = await indexLiterature(defaultLiteratureDirs());
      return { query: a.query, hits: searchLiterature(index, a.query, { limit: a.limit }) };
    },
  }),
] as const;

/** A job in a few fields, for lists. */
function jobSummary(j: TrainingJob) {
  return {
    id: j.id,
    algorithm: j.algorithm,
    status: j.status,
    createdAt: j.createdAt,
    steps: j.steps,
    samplesPerS: Math.round(j.samplesPerS),
    policy: j.result,
    heldOut: j.evaluation && { successes: j.evaluation.successes, episodes: j.evaluation.episodes },
    error: j.error,
  };
}

export type OperationName = (typeof OPERATIONS)[number]["name"];

/** Runs an operation by name with raw arguments: parsed by its schema first. */
export async function runOperation(
  ctx: OperationContext,
  name: string,
  raw: unknown,
): Promise<Record<string, unknown>> {
  const o = OPERATIONS.find((x) => x.name === name);
  if (!o)
    throw new InvalidInputError(`no research operation "${name}"; known: ${OPERATIONS.map((x) => x.name).join(", ")}`);
  const parsed = o.args.safeParse(raw ?? {});
  if (!parsed.success) throw new InvalidInputError(`${name}: ${z.prettifyError(parsed.error)}`);
  return (o as Operation).run(ctx, parsed.data);
}
