/**
 * A research project: one task, a git workspace of the policy code agents may edit, one worktree per branch, and
 * the research ledger that records every iteration. The evaluation side (environment, reset, verifier, thresholds,
 * safety, seeds, scoring) stays in enpire, read-only; its fingerprint is fixed when the project is created, and an
 * evaluation under any other fingerprint is recorded as invalid and never counted.
 *
 *   <store>/projects/<name>/research.db          the research ledger (research-ledger.ts)
 *   <store>/projects/<name>/repo/                the workspace repository; its `baseline` branch is the start
 *   <store>/projects/<name>/branches/<branch>/   one git worktree per branch
 *
 * An iteration: `hypothesis` (one falsifiable sentence, on a branch) → edit files in the branch's worktree →
 * `commitChange` → `evaluateBranch` (a budgeted run on the fleet; the project picks the seeds) → `decide` (keep or
 * revert from a one-sided Fisher exact test against the commit the change started from; an undecided change is
 * reverted, and its commit stays reachable under a tag). Seeds are not the agent's to choose: the k-th search trial
 * of every commit runs search seed k, so commits are compared on the same scenes; the goal is judged only on the
 * task's held-out seeds (`confirm`).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { EnpireError, InvalidInputError } from "../core/errors.js";
import { evalFingerprint, listTasks } from "../env/registry.js";
import { type EvaluateOptions, evaluate } from "../rollout/evaluate.js";
import type { RunStore, TrialRow } from "../rollout/store.js";
import { type ArmStats, allocate, type DecisionResult, decide, type LeaderboardRow, leaderboard } from "./compare.js";
import * as gitws from "./git-workspace.js";
import { type Entry, type EntryBody, ResearchLedger } from "./research-ledger.js";

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Task templates: the starting workspace for each task (templates/<task>/). */
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, "templates");
export const BASELINE_BRANCH = "baseline";
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const BRANCH = /^[a-z0-9][a-z0-9._-]{0,40}(\/[a-z0-9][a-z0-9._-]{0,40})?$/;

export class ResearchError extends EnpireError {}

export interface Seeds {
  heldOut: { start: number; count: number };
  search: { start: number; end: number };
}

export interface CreateProjectOptions {
  name: string;
  task: string;
  /** Success rate the goal needs over the held-out seeds (default 0.95). */
  goalSuccessRate?: number;
  /** The starting workspace: a folder holding policy.ts (default: the task's template, templates/<task>/). */
  from?: string;
}

/** Pooled search statistics of one commit: valid evaluations only. */
export interface CommitStats extends ArmStats {
  commit: string;
  rate: number | null;
  meanMaxReward: number | null;
}

export interface EvaluateBranchOptions {
  branch: string;
  episodes: number;
  /** "search" runs the commit's next search seeds; "confirm" runs the task's held-out seeds, once per commit. */
  purpose?: "search" | "confirm";
  stations?: EvaluateOptions["stations"];
  video?: boolean;
  videoSize?: number;
  agent?: string;
  /** Evaluate a commit the leaderboard prunes anyway. */
  force?: boolean;
  onTrial?: EvaluateOptions["onTrial"];
  signal?: AbortSignal;
}

export interface BranchEvaluation {
  branch: string;
  commit: string;
  runId: string;
  purpose: "search" | "confirm";
  valid: boolean;
  trials: number;
  successes: number;
  /** All valid search evaluations of this commit pooled (for a confirmation: the confirmation itself). */
  pooled: CommitStats;
  goalReached: boolean;
}

export interface DecideResult extends DecisionResult {
  hypothesis: string;
  branch: string;
  kept: boolean;
  baseline: CommitStats;
  candidate: CommitStats;
  head: string;
}

export interface BranchInfo {
  branch: string;
  agent: string | null;
  dir: string;
  head: string;
  from: { branch: string; commit: string } | null;
  stats: CommitStats;
  pruned: boolean;
}

export class ResearchProject {
  /** Trees being confirmed on the held-out seeds by this process (two agents holding the same files). */
  private readonly confirming = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly store: RunStore,
    readonly ledger: ResearchLedger,
    readonly manifest: EntryBody<"project">,
    readonly startedAt: Date,
  ) {}

  static projectsRoot(store: RunStore): string {
    return path.resolve(store.root, "projects");
  }

  /** The names of the store's projects, oldest first. */
  static list(store: RunStore): string[] {
    const root = ResearchProject.projectsRoot(store);
    if (!fs.existsSync(root)) return [];
    return fs
      .readdirSync(root)
      .filter((n) => fs.existsSync(path.join(root, n, "research.db")))
      .sort((a, b) => fs.statSync(path.join(root, a)).mtimeMs - fs.statSync(path.join(root, b)).mtimeMs);
  }

  /** Creates a project: the workspace repository from the task's template, and the ledger's first entry. */
  static async create(store: RunStore, opts: CreateProjectOptions): Promise<ResearchProject> {
    if (!NAME.test(opts.name)) {
      throw new InvalidInputError(`project name "${opts.name}" must be 1-63 of a-z, 0-9, ".", "_", "-"`);
    }
    const spec = listTasks().find((t) => t.id === opts.task);
    if (!spec)
      throw new InvalidInputError(
        `unknown task "${opts.task}"; known tasks: ${listTasks()
          .map((t) => t.id)
          .join(", ")}`,
      );
    const templateDir = opts.from ? path.resolve(opts.from) : templateFor(opts.task);
    const template = opts.from ? templateDir : path.relative(PACKAGE_ROOT, templateDir).split(path.sep).join("/");
    if (!fs.existsSync(path.join(templateDir, "policy.ts"))) {
      throw new InvalidInputError(
        opts.from
          ? `${templateDir} has no policy.ts: a starting workspace is a folder with policy.ts as its entry`
          : `task "${opts.task}" has no workspace template (expected ${templateDir}/policy.ts)`,
      );
    }
    const goalRate = opts.goalSuccessRate ?? 0.95;
    if (!(goalRate > 0 && goalRate <= 1))
      throw new InvalidInputError(`goal success rate ${goalRate} must be in (0, 1]`);
    const seeds = taskSeeds(opts.task);
    const dir = path.join(ResearchProject.projectsRoot(store), opts.name);
    if (fs.existsSync(dir)) throw new InvalidInputError(`a project named "${opts.name}" exists already at ${dir}`);
    const repo = path.join(dir, "repo");
    const baselineCommit = await gitws.initRepo(repo, templateDir, BASELINE_BRANCH);
    const ledger = ResearchLedger.open(path.join(dir, "research.db"));
    const body: EntryBody<"project"> = {
      name: opts.name,
      task: { id: spec.id, version: spec.version },
      evalFingerprint: evalFingerprint(opts.task),
      baselineBranch: BASELINE_BRANCH,
      baselineCommit,
      baselineTree: await gitws.treeOf(repo, baselineCommit),
      template,
      entry: "policy.ts",
      goal: { successRate: goalRate, episodes: seeds.heldOut.count, seedStart: seeds.heldOut.start },
    };
    const first = ledger.append("project", body, { branch: BASELINE_BRANCH });
    return new ResearchProject(dir, store, ledger, body, new Date(first.at));
  }

  /** Opens an existing project by name; `readOnly` opens its ledger for reading only (nothing can be recorded). */
  static open(store: RunStore, name: string, opts: { readOnly?: boolean } = {}): ResearchProject {
    const dir = path.join(ResearchProject.projectsRoot(store), name);
    const file = path.join(dir, "research.db");
    if (!NAME.test(name) || !fs.existsSync(file)) {
      const known = ResearchProject.list(store);
      throw new InvalidInputError(
        `no research project "${name}" in ${store.root}; ${known.length ? `known: ${known.join(", ")}` : "create one with `enpire research init`"}`,
      );
    }
    const ledger = opts.readOnly ? ResearchLedger.openReadOnly(file) : ResearchLedger.open(file);
    const first = ledger.of("project")[0];
    if (!first) throw new ResearchError(`${file} has no project entry`);
    return new ResearchProject(dir, store, ledger, first.body, new Date(first.at));
  }

  close(): void {
    this.ledger.close();
  }

  get name(): string {
    return this.manifest.name;
  }
  get repoDir(): string {
    return path.join(this.dir, "repo");
  }
  /** The folder a branch's worktree lives in (the baseline's is the repository itself). */
  branchDir(branch: string): string {
    return branch === BASELINE_BRANCH ? this.repoDir : path.join(this.dir, "branches", branch.replace("/", "__"));
  }

  /** Minutes since the project started. */
  minutesSince(at: string | Date): number {
    return (new Date(at).getTime() - this.startedAt.getTime()) / 60_000;
  }

  // ---------------------------------------------------------------- branches

  /** Creates a branch (and its worktree) off `from` (default: the baseline). */
  async createBranch(branch: string, opts: { from?: string; agent?: string } = {}): Promise<BranchInfo> {
    if (!BRANCH.test(branch)) {
      throw new InvalidInputError(`branch name "${branch}" must be of a-z, 0-9, ".", "_", "-" (one "/" allowed)`);
    }
    if (await gitws.resolveRef(this.repoDir, `refs/heads/${branch}`)) {
      throw new InvalidInputError(`branch "${branch}" exists already in project "${this.name}"`);
    }
    const fromBranch = opts.from ?? BASELINE_BRANCH;
    const fromCommit = await this.requireBranchHead(fromBranch);
    await gitws.addWorktree(this.repoDir, this.branchDir(branch), branch, fromCommit);
    this.ledger.append("branch", { from: { branch: fromBranch, commit: fromCommit } }, { branch, agent: opts.agent });
    return this.branchInfo(branch);
  }

  /** Every branch with its head, where it came from, its pooled statistics and whether it is pruned. */
  async branches(): Promise<BranchInfo[]> {
    const created = this.ledger.of("branch");
    const names = [BASELINE_BRANCH, ...created.map((e) => e.branch as string)];
    const infos = await Promise.all(names.map((b) => this.branchInfo(b, false)));
    const board = leaderboard(
      infos.map((i) => ({ id: i.branch, successes: i.stats.successes, trials: i.stats.trials })),
    );
    for (const i of infos) i.pruned = board.find((r) => r.id === i.branch)?.pruned ?? false;
    return infos;
  }

  async branchInfo(branch: string, withPruning = true): Promise<BranchInfo> {
    const head = await this.requireBranchHead(branch);
    const created = this.ledger.of("branch").find((e) => e.branch === branch);
    const info: BranchInfo = {
      branch,
      agent: created?.agent ?? null,
      dir: this.branchDir(branch),
      head,
      from: created?.body.from ?? null,
      stats: this.commitStats(head),
      pruned: false,
    };
    if (withPruning) info.pruned = (await this.leaderboard()).find((r) => r.id === branch)?.pruned ?? false;
    return info;
  }

  // ---------------------------------------------------------------- the iteration

  /** Records a hypothesis on a branch; the change that tests it starts from the branch's head now. */
  async hypothesis(branch: string, text: string, agent?: string): Promise<{ id: string; parentCommit: string }> {
    const t = text.trim();
    if (t.length < 10) throw new InvalidInputError("a hypothesis is one falsifiable sentence (at least 10 characters)");
    if (t.length > 2000) throw new InvalidInputError("a hypothesis is at most 2000 characters");
    const parentCommit = await this.requireBranchHead(branch);
    const open = this.openHypothesis(branch);
    if (open) {
      throw new InvalidInputError(
        `branch "${branch}" has an open hypothesis ${open.body.id} ("${open.body.text}"); decide it first`,
      );
    }
    const id = `h${String(this.ledger.of("hypothesis").length + 1).padStart(4, "0")}`;
    this.ledger.append("hypothesis", { id, text: t, parentCommit }, { branch, agent });
    return { id, parentCommit };
  }

  /** Commits the branch's worktree as the change that tests its open hypothesis. */
  async commitChange(branch: string, agent?: string): Promise<EntryBody<"change">> {
    await this.requireBranchHead(branch);
    const h = this.openHypothesis(branch);
    if (!h) throw new InvalidInputError(`branch "${branch}" has no open hypothesis; record one before committing`);
    if (this.ledger.of("change").some((c) => c.body.hypothesis === h.body.id)) {
      throw new InvalidInputError(`hypothesis ${h.body.id} has its change committed already; evaluate and decide it`);
    }
    const dir = this.branchDir(branch);
    const info = await gitws.commitAll(dir, `${h.body.id}: ${h.body.text}`, agent ?? h.agent ?? "agent");
    if (!info) throw new InvalidInputError(`nothing changed in ${dir}: edit the policy before committing`);
    const body = {
      hypothesis: h.body.id,
      parentCommit: h.body.parentCommit,
      ...info,
      tree: await gitws.treeOf(this.repoDir, info.commit),
    };
    this.ledger.append("change", body, { branch, agent: agent ?? h.agent });
    return body;
  }

  /** Runs a budgeted evaluation of the branch's head commit and records it. */
  async evaluateBranch(opts: EvaluateBranchOptions): Promise<BranchEvaluation> {
    const purpose = opts.purpose ?? "search";
    if (!Number.isInteger(opts.episodes) || opts.episodes < 1 || opts.episodes > 10_000) {
      throw new InvalidInputError(`episodes ${opts.episodes} must be an integer in 1..10000`);
    }
    const dir = this.branchDir(opts.branch);
    const commit = await this.requireBranchHead(opts.branch);
    const dirty = await gitws.uncommitted(dir);
    if (dirty.length) {
      throw new InvalidInputError(
        `branch "${opts.branch}" has uncommitted changes (${dirty.slice(0, 5).join(", ")}): commit them (commit_change) so the evaluation is tied to a commit`,
      );
    }
    const seeds = taskSeeds(this.manifest.task.id);
    const tree = await gitws.treeOf(this.repoDir, commit);
    let seedStart: number;
    let episodes = opts.episodes;
    if (purpose === "confirm") {
      const done = this.confirmation(commit);
      if (done) {
        throw new InvalidInputError(
          `commit ${commit.slice(0, 8)} was confirmed already (run ${done.body.runId}: ${done.body.successes}/${done.body.trials}); the held-out seeds are run once per policy (commit files)`,
        );
      }
      if (this.confirming.has(tree)) {
        throw new InvalidInputError(
          `commit ${commit.slice(0, 8)}'s files are being confirmed on the held-out seeds right now`,
        );
      }
      seedStart = seeds.heldOut.start;
      episodes = seeds.heldOut.count;
      this.confirming.add(tree);
    } else {
      if (!opts.force) {
        const row = (await this.leaderboard()).find((r) => r.id === opts.branch);
        if (row?.pruned) {
          throw new InvalidInputError(
            `branch "${opts.branch}" is pruned (its upper bound ${(row.high * 100).toFixed(1)}% is below the best branch's lower bound): change it, adopt a better branch, or pass force`,
          );
        }
      }
      seedStart = seeds.search.start + this.searchTrials(commit);
      if (seedStart + episodes - 1 > seeds.search.end)
        throw new InvalidInputError(`commit ${commit.slice(0, 8)} has used every search seed`);
    }
    const started = Date.now();
    let result: Awaited<ReturnType<typeof evaluate>>;
    try {
      result = await evaluate(this.store, {
        taskId: this.manifest.task.id,
        policyFile: path.join(dir, this.manifest.entry),
        episodes,
        seedStart,
        stations: opts.stations,
        video: opts.video,
        videoSize: opts.videoSize,
        onTrial: opts.onTrial,
        signal: opts.signal,
        label: opts.branch,
      });
    } finally {
      if (purpose === "confirm") this.confirming.delete(tree);
    }
    const run = this.store.getRun(result.runId);
    const valid = run.evalFingerprint === this.manifest.evalFingerprint;
    const counted = result.trials.filter((t: TrialRow) => t.counted);
    const hyp = this.ledger.of("change").find((c) => c.body.commit === commit)?.body.hypothesis ?? null;
    this.ledger.append(
      "evaluation",
      {
        hypothesis: hyp,
        commit,
        tree,
        runId: result.runId,
        purpose,
        evalFingerprint: run.evalFingerprint,
        valid,
        seedStart,
        episodes,
        trials: counted.length,
        successes: counted.filter((t) => t.success).length,
        meanMaxReward: result.summary.meanMaxReward,
        status: result.status,
        wallS: (Date.now() - started) / 1000,
      },
      { branch: opts.branch, agent: opts.agent },
    );
    const successes = counted.filter((t) => t.success).length;
    let goalReached = false;
    if (purpose === "confirm" && valid && counted.length === episodes) {
      goalReached = successes / episodes >= this.manifest.goal.successRate;
      if (goalReached) {
        this.ledger.append(
          "goal",
          { commit, runId: result.runId, trials: episodes, successes },
          { branch: opts.branch, agent: opts.agent },
        );
      }
    }
    const pooled =
      purpose === "confirm"
        ? statsOf(commit, counted.length, successes, result.summary.meanMaxReward)
        : this.commitStats(commit);
    return {
      branch: opts.branch,
      commit,
      runId: result.runId,
      purpose,
      valid,
      trials: counted.length,
      successes,
      pooled,
      goalReached,
    };
  }

  /**
   * Keeps or reverts the branch's open hypothesis from the statistics: its change commit against the commit it
   * started from (one-sided Fisher exact tests at `alpha`). Kept: the branch stays. Otherwise the branch goes back to
   * the parent and the change stays reachable under the tag `reverted/<hypothesis>`.
   */
  async decide(branch: string, opts: { agent?: string; alpha?: number } = {}): Promise<DecideResult> {
    await this.requireBranchHead(branch);
    const h = this.openHypothesis(branch);
    if (!h) throw new InvalidInputError(`branch "${branch}" has no open hypothesis to decide`);
    const change = this.ledger.of("change").find((c) => c.body.hypothesis === h.body.id);
    if (!change) throw new InvalidInputError(`hypothesis ${h.body.id} has no committed change yet (commit_change)`);
    const candidate = this.commitStats(change.body.commit);
    const baseline = this.commitStats(h.body.parentCommit);
    if (candidate.trials === 0)
      throw new InvalidInputError(`hypothesis ${h.body.id}'s change has not been evaluated (evaluate_branch)`);
    if (baseline.trials === 0) {
      throw new InvalidInputError(
        `the commit ${h.body.id} started from (${h.body.parentCommit.slice(0, 8)}) has no evaluation to compare with; evaluate it first`,
      );
    }
    const stat = decide({ ...baseline, id: "parent" }, { ...candidate, id: "change" }, opts.alpha);
    const kept = stat.decision === "keep";
    const dir = this.branchDir(branch);
    let taggedAs: string | null = null;
    if (!kept) {
      taggedAs = `reverted/${h.body.id}`;
      await gitws.revertTo(dir, h.body.parentCommit, taggedAs);
    }
    const head = await gitws.head(dir);
    const reason = kept
      ? stat.reason
      : stat.decision === "revert"
        ? stat.reason
        : `${stat.reason}; reverted: not shown better`;
    this.ledger.append(
      "decision",
      {
        hypothesis: h.body.id,
        decision: kept ? "keep" : "revert",
        statistic: stat.decision,
        baseline: pick(baseline),
        candidate: pick(candidate),
        pBetter: stat.pBetter,
        pWorse: stat.pWorse,
        reason,
        head,
        taggedAs,
      },
      { branch, agent: opts.agent ?? h.agent },
    );
    return { ...stat, reason, hypothesis: h.body.id, branch, kept, baseline, candidate, head };
  }

  /** Takes a peer's recipe onto `branch`: cherry-pick one commit, merge a branch, or adopt its files wholesale. */
  async borrow(
    branch: string,
    from: { branch: string; commit?: string },
    method: "cherry-pick" | "merge" | "adopt",
    agent?: string,
  ): Promise<EntryBody<"borrow">> {
    if (branch === from.branch) throw new InvalidInputError("a branch cannot borrow from itself");
    await this.requireBranchHead(branch);
    const open = this.openHypothesis(branch);
    if (open && this.ledger.of("change").some((c) => c.body.hypothesis === open.body.id)) {
      throw new InvalidInputError(
        `branch "${branch}" has an undecided change (${open.body.id}); decide it before borrowing`,
      );
    }
    const fromHead = from.commit ?? (await this.requireBranchHead(from.branch));
    if (!(await gitws.resolveRef(this.repoDir, fromHead)))
      throw new InvalidInputError(`no commit ${fromHead} in the workspace`);
    const dir = this.branchDir(branch);
    const who = agent ?? "agent";
    let commit: string;
    const message = `borrow: ${method} ${from.branch}@${fromHead.slice(0, 8)}`;
    if (method === "cherry-pick") commit = await gitws.cherryPick(dir, fromHead, who);
    else if (method === "merge") commit = await gitws.merge(dir, fromHead, message, who);
    else {
      const info = await gitws.adopt(dir, fromHead, message, who);
      if (!info)
        throw new InvalidInputError(
          `branch "${branch}" has the same files as ${from.branch}@${fromHead.slice(0, 8)} already`,
        );
      commit = info.commit;
    }
    const body = {
      from: { branch: from.branch, commit: fromHead },
      method,
      commit,
      tree: await gitws.treeOf(this.repoDir, commit),
      hypothesis: open?.body.id ?? null,
    };
    this.ledger.append("borrow", body, { branch, agent });
    return body;
  }

  /** Records that `branch` stops getting trials: its upper bound is below the best branch's lower bound. */
  async prune(branch: string, agent?: string): Promise<LeaderboardRow> {
    const row = (await this.leaderboard()).find((r) => r.id === branch);
    if (!row) throw new InvalidInputError(`no branch "${branch}" in project "${this.name}"`);
    if (!row.pruned) {
      throw new InvalidInputError(
        `branch "${branch}" is not prunable: its upper bound ${(row.high * 100).toFixed(1)}% is not below the best branch's lower bound`,
      );
    }
    const head = await this.requireBranchHead(branch);
    this.ledger.append(
      "prune",
      {
        reason: `upper bound ${(row.high * 100).toFixed(1)}% below the best's lower bound`,
        stats: pick(this.commitStats(head)),
      },
      { branch, agent },
    );
    return row;
  }

  // ---------------------------------------------------------------- reading

  /** Branch heads ranked by the Wilson lower bound of their pooled search success; pruned ones flagged. */
  async leaderboard(): Promise<LeaderboardRow[]> {
    const names = [BASELINE_BRANCH, ...this.ledger.of("branch").map((e) => e.branch as string)];
    const arms = await Promise.all(
      names.map(async (b) => {
        const s = this.commitStats(await this.requireBranchHead(b));
        return { id: b, successes: s.successes, trials: s.trials };
      }),
    );
    return leaderboard(arms);
  }

  /** How the next `slots` search trials should be split across branch heads to settle which is best. */
  async allocation(slots: number): Promise<Record<string, number>> {
    const board = await this.leaderboard();
    return allocate(
      board.filter((r) => !r.pruned).map((r) => ({ id: r.id, successes: r.successes, trials: r.trials })),
      slots,
    );
  }

  /**
   * Pooled valid search statistics of a commit: every evaluation of a commit with the same files (git tree) counts,
   * since the same files are the same policy (an adopted peer commit carries its evidence with it).
   */
  commitStats(commit: string): CommitStats {
    let trials = 0;
    let successes = 0;
    let rewardSum = 0;
    for (const e of this.evaluationsOf(commit)) {
      const b = e.body;
      if (b.purpose !== "search" || !b.valid) continue;
      trials += b.trials;
      successes += b.successes;
      rewardSum += (b.meanMaxReward ?? 0) * b.trials;
    }
    return statsOf(commit, trials, successes, trials ? rewardSum / trials : null);
  }

  /** Search trials run so far on a commit's files (valid or not): the next one runs the next search seed. */
  searchTrials(commit: string): number {
    return this.evaluationsOf(commit)
      .filter((e) => e.body.purpose === "search")
      .reduce((n, e) => n + e.body.episodes, 0);
  }

  /** Whether this process is running the held-out check of a commit's files right now. */
  async isBeingConfirmed(commit: string): Promise<boolean> {
    return this.confirming.has(await gitws.treeOf(this.repoDir, commit));
  }

  /** The complete held-out confirmation of a commit's files, if it had one. */
  confirmation(commit: string): Entry<"evaluation"> | null {
    return (
      this.evaluationsOf(commit).find(
        (e) => e.body.purpose === "confirm" && e.body.valid && e.body.trials === e.body.episodes,
      ) ?? null
    );
  }

  /** Evaluations of a commit or of any commit with the same files. */
  private evaluationsOf(commit: string): Entry<"evaluation">[] {
    const evaluations = this.ledger.of("evaluation");
    const tree = this.knownTree(commit, evaluations);
    return evaluations.filter((e) => e.body.commit === commit || (tree !== null && e.body.tree === tree));
  }

  /** A commit's tree as the ledger recorded it (null for a commit it never saw). */
  private knownTree(commit: string, evaluations: Entry<"evaluation">[]): string | null {
    if (commit === this.manifest.baselineCommit) return this.manifest.baselineTree;
    const seen =
      evaluations.find((e) => e.body.commit === commit)?.body.tree ??
      this.ledger.of("change").find((c) => c.body.commit === commit)?.body.tree ??
      this.ledger.of("borrow").find((b) => b.body.commit === commit)?.body.tree;
    return seen ?? null;
  }

  /** The branch's hypothesis that has no decision yet, if any. */
  openHypothesis(branch: string): Entry<"hypothesis"> | null {
    const decided = new Set(this.ledger.of("decision").map((d) => d.body.hypothesis));
    return this.ledger.of("hypothesis").find((h) => h.branch === branch && !decided.has(h.body.id)) ?? null;
  }

  /** The goal entry, once a commit has reached the goal on the held-out seeds. */
  goal(): Entry<"goal"> | null {
    return this.ledger.of("goal")[0] ?? null;
  }

  /** The diff of a hypothesis's change (or of any commit). */
  async diff(hypothesisOrCommit: string): Promise<string> {
    const change = this.ledger.of("change").find((c) => c.body.hypothesis === hypothesisOrCommit);
    const commit = change?.body.commit ?? hypothesisOrCommit;
    if (!(await gitws.resolveRef(this.repoDir, commit))) {
      throw new InvalidInputError(`no hypothesis or commit "${hypothesisOrCommit}" in project "${this.name}"`);
    }
    return gitws.diff(this.repoDir, commit);
  }

  /** A read-only checkout of a commit (detached worktree under snapshots/), e.g. to replay it with video. */
  async snapshot(commit: string): Promise<string> {
    const full = await gitws.resolveRef(this.repoDir, commit);
    if (!full) throw new InvalidInputError(`no commit ${commit} in project "${this.name}"`);
    const dir = path.join(this.dir, "snapshots", full);
    if (!fs.existsSync(dir)) await gitws.addDetachedWorktree(this.repoDir, dir, full);
    return dir;
  }

  /** The commit of an idea-tree node: a hypothesis's change, a borrow's commit, or the baseline. */
  ideaCommit(node: string): string | null {
    if (node === "baseline") return this.manifest.baselineCommit;
    const change = this.ledger.of("change").find((c) => c.body.hypothesis === node);
    if (change) return change.body.commit;
    const seq = /^borrow-(\d+)$/.exec(node);
    const borrow = seq ? this.ledger.of("borrow").find((b) => b.seq === Number(seq[1])) : undefined;
    return borrow?.body.commit ?? null;
  }

  async requireBranchHead(branch: string): Promise<string> {
    const commit = await gitws.resolveRef(this.repoDir, `refs/heads/${branch}`);
    if (!commit) {
      const known = [BASELINE_BRANCH, ...this.ledger.of("branch").map((e) => e.branch as string)];
      throw new InvalidInputError(`no branch "${branch}" in project "${this.name}"; branches: ${known.join(", ")}`);
    }
    return commit;
  }
}

/** A task's held-out and search seeds, from its evaluation side. */
/** A template's tasks.json: the task ids it is the starting workspace for, besides the one it is named after. */
const TemplateTasksSchema = z.object({ about: z.string().optional(), tasks: z.array(z.string()).min(1) }).strict();

/**
 * The template folder a task's projects start from: templates/<task>/ when it has a policy.ts, else the template
 * whose tasks.json lists the task (one template for a task's variants: pin-insertion-easy → templates/pin-insertion/).
 * @example templateFor("pin-insertion-easy") // "<package>/templates/pin-insertion"
 */
export function templateFor(taskId: string): string {
  const own = path.join(TEMPLATES_DIR, taskId);
  if (fs.existsSync(path.join(own, "policy.ts"))) return own;
  const names = fs.existsSync(TEMPLATES_DIR) ? fs.readdirSync(TEMPLATES_DIR).sort() : [];
  for (const name of names) {
    const file = path.join(TEMPLATES_DIR, name, "tasks.json");
    if (!fs.existsSync(file)) continue;
    const parsed = TemplateTasksSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) throw new ResearchError(`${file} is not valid: ${parsed.error.issues[0].message}`);
    if (parsed.data.tasks.includes(taskId)) return path.join(TEMPLATES_DIR, name);
  }
  return own;
}

export function taskSeeds(taskId: string): Seeds {
  const spec = listTasks().find((t) => t.id === taskId);
  const seeds = spec?.evaluation.seeds as Seeds | undefined;
  if (!seeds) throw new ResearchError(`task "${taskId}" declares no held-out and search seeds`);
  return seeds;
}

function statsOf(commit: string, trials: number, successes: number, meanMaxReward: number | null): CommitStats {
  return { id: commit, commit, trials, successes, rate: trials ? successes / trials : null, meanMaxReward };
}

function pick(s: CommitStats): { commit: string; trials: number; successes: number } {
  return { commit: s.commit, trials: s.trials, successes: s.successes };
}
