/**
 * The built-in search agent: no language model, no network. It improves a parameterised policy (a task template whose
 * numbers live in params.json, with their ranges and meanings in knobs.json: templates/pusht/, templates/pin-insertion/)
 * with the cross-entropy method, and drives the same research operations a coding agent would, so the whole loop
 * runs offline and every step is in the ledger:
 *
 *   1. Reuse: when a peer's head is significantly better than ours (Fisher), or ours is pruned, adopt the peer's files
 *      (a borrow edge in the idea tree) and re-centre the search there.
 *   2. Evidence for the incumbent: the branch head gets `episodes` search trials, more after a candidate looked better
 *      without being shown better (so the next comparison is on equal evidence), and `confirmTrials` once its rate
 *      meets the goal.
 *   3. The held-out check: a policy whose search success meets the goal over `confirmTrials` trials (the head, or a
 *      candidate under evaluation) runs once on the task's held-out seeds; if that meets the goal, the team stops.
 *      Every check is in the ledger, so a reader can count how often the held-out seeds were consulted.
 *   4. An iteration: sample parameters from the CEM distribution → a falsifiable hypothesis naming the knobs it moves
 *      → commit params.json → evaluate on the commit's search seeds (the same seeds for every commit, so candidates
 *      are compared on the same scenes), doubling the trials while the change looks better but is not yet
 *      significant → keep or revert from the statistics → every `popSize` candidates, refit CEM to the elites.
 *   5. When CEM stalls (`stallAfter` candidates in a row reverted), a coordinate sweep (sweep.ts): one knob per
 *      candidate, a fixed step up or down from the head, a kept move repeated, the step halved after a round with no
 *      keep; when the step is spent, CEM restarts round the head.
 */
import fs from "node:fs";
import path from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import { decide } from "../compare.js";
import { GitWorkspaceError } from "../git-workspace.js";
import type { AgentContext, AgentRunner } from "../team.js";
import { type CemState, defaults as cemDefaults, propose, restartAround, update } from "./cem.js";
import {
  KNOBS_FILE,
  loadParamSpace,
  PARAMS_FILE,
  type ParamSpace,
  type Params,
  readParams,
  TEMPLATES_ROOT,
} from "./param-space.js";
import {
  afterDecision,
  nextMove,
  nextRound,
  type SweepMove,
  type SweepState,
  startSweep,
  sweepDefaults,
} from "./sweep.js";

export const builtinDefaults = {
  episodes: 16, // search trials per evaluation step
  maxEpisodes: 160, // most search trials a candidate gets before its decision (doubling from `episodes`)
  confirmTrials: 96, // search trials a policy needs (at the goal's rate) before its held-out check
  popSize: 6, // candidates per CEM generation
  eliteFraction: cemDefaults.eliteFraction,
  smoothing: cemDefaults.smoothing,
  minStd: cemDefaults.minStd,
  initialStd: cemDefaults.initialStd, // spread of the first generation around the baseline, in normalised units
  adoptStd: 0.06, // spread after adopting a peer's parameters: a local search around them
  alpha: 0.05,
  stallAfter: sweepDefaults.stallAfter, // CEM candidates reverted in a row before a one-knob sweep
  sweepStep: sweepDefaults.step, // the sweep's first step, in units of each knob's range
  minSweepStep: sweepDefaults.minStep, // a sweep whose halved step falls below this hands back to CEM
};

export type BuiltinOptions = typeof builtinDefaults;

export function builtinAgentRunner(overrides: Partial<BuiltinOptions> = {}): AgentRunner {
  const o = { ...builtinDefaults, ...overrides };
  return (ctx) => runBuiltinAgent(ctx, o);
}

async function runBuiltinAgent(ctx: AgentContext, o: BuiltinOptions) {
  const p = ctx.project;
  const branch = ctx.branch;
  const dir = p.branchDir(branch);
  const rng = new RandomState(ctx.seed);
  const goal = p.manifest.goal.successRate;
  const space = paramSpaceOf(dir, p.manifest.template);
  let headParams = readParams(dir);
  // trials the incumbent should have: raised when a candidate looked better but could not be shown better, so the
  // next comparison is on equal evidence (near the top, only many trials separate 97% from 93%)
  let headTarget = o.episodes;
  let cem: CemState = restartAround(space.encode(headParams), o.initialStd);
  let batch: { u: number[]; score: number }[] = [];
  let stalled = 0; // candidates reverted in a row since the last keep or adoption
  let sweep: SweepState | null = null; // a one-knob sweep while CEM has stalled
  let iterations = 0;
  let kept = 0;
  const evaluateHead = (episodes: number, force = false) =>
    p.evaluateBranch({ branch, episodes, stations: 1, agent: ctx.agent, signal: ctx.signal, force });

  /** The one held-out check of the head's files, when its search evidence meets the goal. True: goal reached. */
  const confirmIfReady = async (commit: string): Promise<boolean> => {
    const s = p.commitStats(commit);
    if ((s.rate ?? 0) < goal || s.trials < o.confirmTrials || p.confirmation(commit)) return false;
    if (await p.isBeingConfirmed(commit)) return false; // a peer holding the same files is checking them now
    const c = await p.evaluateBranch({
      branch,
      episodes: 1,
      purpose: "confirm",
      stations: 1,
      agent: ctx.agent,
      signal: ctx.signal,
    });
    const verdict = c.goalReached
      ? "GOAL REACHED"
      : c.trials < p.manifest.goal.episodes
        ? "cut off before the end"
        : "below the goal, searching on";
    ctx.emit(
      "confirm",
      `held-out check of ${commit.slice(0, 8)} (search ${s.successes}/${s.trials}): ${c.successes}/${c.trials} — ${verdict}`,
    );
    return c.goalReached;
  };

  /** Keeps or reverts the branch's open hypothesis, counts it, and says so (`what`: the change, in short). */
  const decideOpen = async (what: string) => {
    const d = await p.decide(branch, { agent: ctx.agent, alpha: o.alpha });
    iterations++;
    if (d.kept) kept++;
    ctx.emit(
      "decision",
      `${d.hypothesis} ${d.kept ? "KEEP  " : "revert"} ${d.candidate.successes}/${d.candidate.trials} vs ${d.baseline.successes}/${d.baseline.trials}  ${what}`,
    );
    return d;
  };

  /** Commits, evaluates and decides a hypothesis that an earlier step left open. */
  const finishOpen = async (id: string): Promise<void> => {
    if (!p.ledger.of("change").some((c) => c.body.hypothesis === id)) await p.commitChange(branch, ctx.agent);
    const head = await p.requireBranchHead(branch);
    if (p.commitStats(head).trials === 0) await evaluateHead(o.episodes);
    await decideOpen("(finished after an interruption)");
    headParams = readParams(dir);
  };

  /**
   * The next candidate (encoded): a CEM sample, or, once `stallAfter` candidates in a row were reverted, the
   * coordinate sweep's next one-knob move from the head; a sweep whose step is spent hands back to CEM round the head.
   */
  const nextCandidate = (): { u: number[]; move: SweepMove | null } => {
    if (!sweep && stalled >= o.stallAfter) sweep = startSweep(space.knobs.length, rng, o.sweepStep);
    while (sweep) {
      const next = nextMove(sweep, space.encode(headParams));
      if (next) return next;
      sweep = nextRound(sweep, space.knobs.length, rng, o.minSweepStep);
      if (!sweep) {
        // the sweep's step is spent: CEM starts again round the head, as wide as at the start
        cem = restartAround(space.encode(headParams), o.initialStd);
        batch = [];
        stalled = 0;
      }
    }
    return { u: propose(cem, rng), move: null };
  };

  /** One step of the loop; true when the goal is reached. */
  const step = async (): Promise<boolean> => {
    // 0. a change left undecided (the team stopped mid-iteration, or a step was refused): finish it first
    const open = p.openHypothesis(branch);
    if (open) {
      await finishOpen(open.body.id);
      return false;
    }
    const head = await p.requireBranchHead(branch);
    const hs = p.commitStats(head);
    // 1. reuse a peer's recipe when it is significantly better than ours, or when ours is pruned
    const board = await p.leaderboard();
    const mine = board.find((r) => r.id === branch);
    const leader = board.find((r) => r.id !== branch && r.trials > 0);
    if (mine && leader && mine.trials > 0 && (mine.pruned || decide(mine, leader, o.alpha).decision === "keep")) {
      const b = await p.borrow(branch, { branch: leader.id }, "adopt", ctx.agent);
      ctx.emit(
        "borrow",
        `adopted ${leader.id}@${b.from.commit.slice(0, 8)} (${leader.successes}/${leader.trials} vs ours ${mine.successes}/${mine.trials})`,
      );
      headParams = readParams(dir);
      headTarget = o.episodes;
      cem = restartAround(space.encode(headParams), o.adoptStd);
      batch = [];
      stalled = 0;
      sweep = null;
      return false;
    }
    // 2. evidence for the incumbent (enough for a held-out check once it looks good enough)
    const target = (hs.rate ?? 0) >= goal ? Math.max(headTarget, o.confirmTrials) : headTarget;
    if (hs.trials < target) {
      await evaluateHead(target - hs.trials, true);
      return false;
    }
    // 3. the held-out check, once per policy
    if (await confirmIfReady(head)) return true;
    // 4. one iteration: a CEM sample, or a one-knob move while CEM has stalled
    const { u, move } = nextCandidate();
    const candidate = space.decode(u);
    const change = space.describeChange(headParams, candidate);
    if (change.summary === "no change") return false; // the sample rounds to the head's own values
    writeParams(dir, candidate);
    await p.hypothesis(branch, change.hypothesis, ctx.agent);
    await p.commitChange(branch, ctx.agent);
    let ev = await evaluateHead(o.episodes);
    const firstScore = ev.trials ? ev.successes / ev.trials + 0.1 * (p.commitStats(ev.commit).meanMaxReward ?? 0) : 0;
    let goalReached = false;
    // more trials while the change looks better than its parent but is not yet shown better (doubling)
    while (!ctx.stopped() && ev.pooled.trials < o.maxEpisodes) {
      const parent = p.commitStats(head);
      const d = decide(parent, ev.pooled, o.alpha);
      if (d.decision !== "undecided" || (ev.pooled.rate ?? 0) <= (parent.rate ?? 0)) break;
      if ((await p.leaderboard()).find((r) => r.id === branch)?.pruned) break; // no more trials for a pruned line
      ev = await evaluateHead(Math.min(ev.pooled.trials, o.maxEpisodes - ev.pooled.trials));
      if (await confirmIfReady(ev.commit)) {
        goalReached = true;
        break;
      }
    }
    // the team stopped mid-evaluation: the change stays open rather than be judged on partial evidence
    if (ctx.stopped()) return false;
    const d = await decideOpen(move ? `one knob (sweep): ${change.summary}` : change.summary);
    if (d.kept) {
      headParams = candidate;
      headTarget = o.episodes;
    } else if (d.decision === "undecided" && (d.candidate.rate ?? 0) > (d.baseline.rate ?? 0)) {
      headTarget = Math.max(headTarget, Math.min(o.maxEpisodes, d.candidate.trials));
    }
    stalled = d.kept ? 0 : stalled + 1;
    if (sweep && move) {
      sweep = afterDecision(sweep, move, d.kept);
      return goalReached;
    }
    batch.push({ u, score: firstScore });
    if (batch.length >= o.popSize) {
      cem = update(cem, batch, { eliteFraction: o.eliteFraction, smoothing: o.smoothing, minStd: o.minStd });
      batch = [];
    }
    return goalReached;
  };

  while (!ctx.stopped()) {
    try {
      if (await step()) {
        ctx.goalReached();
        return { iterations, kept, exit: "reached the goal" };
      }
    } catch (err) {
      // a refusal (a peer is confirming the same files, a git conflict) is not the end of the agent: note it, go on
      if (!(err instanceof InvalidInputError || err instanceof GitWorkspaceError)) throw err;
      ctx.emit("error", err.message);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { iterations, kept, exit: "the team stopped" };
}

/**
 * The space the agent searches: knobs.json in its worktree (the template's copy, so a project started from any
 * folder brings its own), else in the template the project was made from; the head's params.json must fit it.
 */
function paramSpaceOf(dir: string, template: string): ParamSpace {
  const templateDir = path.isAbsolute(template) ? template : path.join(TEMPLATES_ROOT, "..", template);
  const space = loadParamSpace(fs.existsSync(path.join(dir, KNOBS_FILE)) ? dir : templateDir);
  space.encode(readParams(dir)); // a params.json missing a knob is refused here, by name, before any search
  return space;
}

/** Writes the candidate's knobs into params.json, keeping any other keys the file holds (and its key order). */
function writeParams(dir: string, params: Params): void {
  const next = { ...readParams(dir), ...params };
  fs.writeFileSync(path.join(dir, PARAMS_FILE), `${JSON.stringify(next, null, 2)}\n`);
}
