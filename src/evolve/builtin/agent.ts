/**
 * The built-in search agent: no language model, no network. It improves the parameterised Push-T policy of the task
 * template (templates/pusht/params.json) with the cross-entropy method, and drives the same research operations a
 * coding agent would, so the whole loop runs offline and every step is in the ledger:
 *
 *   1. Evidence for the incumbent: the branch head gets `episodes` search trials (and more when it looks good).
 *   2. Confirmation: when the head's search success reaches the goal over `confirmTrials` trials, it is run once on
 *      the held-out seeds; if that meets the goal, the team stops.
 *   3. Reuse: when a peer's head is significantly better than ours (Fisher), or ours is pruned, adopt the peer's files
 *      (a borrow edge in the idea tree) and re-centre the search there.
 *   4. An iteration: sample parameters from the CEM distribution → a falsifiable hypothesis naming the knobs it moves
 *      → commit params.json → evaluate on the commit's search seeds (the same seeds for every commit, so candidates
 *      are compared on the same scenes), adding trials while the change looks better but is not yet significant →
 *      keep or revert from the statistics → every `popSize` candidates, refit the CEM distribution to the elites.
 */
import fs from "node:fs";
import path from "node:path";
import { RandomState } from "../../core/rng.js";
import { decide } from "../compare.js";
import type { AgentContext, AgentRunner } from "../team.js";
import { type CemState, propose, restartAround, update } from "./cem.js";
import { decode, describeChange, type PushTParams as Params } from "./param-space.js";

export const builtinDefaults = {
  episodes: 16, // search trials per evaluation step
  maxEpisodes: 48, // most search trials a candidate gets before its decision
  confirmTrials: 48, // search trials the head needs before a held-out confirmation
  popSize: 6, // candidates per CEM generation
  eliteFraction: 0.34,
  smoothing: 0.7,
  minStd: 0.03,
  initialStd: 0.3, // spread of the first generation around the baseline, in normalised units
  adoptStd: 0.12, // spread after adopting a peer's parameters
  alpha: 0.05,
};

export type BuiltinOptions = typeof builtinDefaults;

const PARAMS_FILE = "params.json";

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
  let headParams = readParams(dir);
  let cem: CemState = restartAround(headParams, o.initialStd);
  let batch: { u: number[]; score: number }[] = [];
  let iterations = 0;
  let kept = 0;
  const confirmed = new Set<string>();
  const evaluateHead = (episodes: number, force = false) =>
    p.evaluateBranch({ branch, episodes, stations: 1, agent: ctx.agent, signal: ctx.signal, force });

  let reachedGoal = false;
  while (!ctx.stopped()) {
    const head = await p.requireBranchHead(branch);
    const hs = p.commitStats(head);
    // 1. reuse a peer's recipe when it is significantly better than ours, or when ours is pruned
    const board = await p.leaderboard();
    const mine = board.find((r) => r.id === branch);
    const leader = board.find((r) => r.id !== branch && r.trials > 0);
    if (mine && leader && mine.trials > 0 && (mine.pruned || decide(mine, leader, o.alpha).decision === "keep")) {
      try {
        const b = await p.borrow(branch, { branch: leader.id }, "adopt", ctx.agent);
        ctx.emit(
          "borrow",
          `adopted ${leader.id}@${b.from.commit.slice(0, 8)} (${leader.successes}/${leader.trials} vs ours ${mine.successes}/${mine.trials})`,
        );
        headParams = readParams(dir);
        cem = restartAround(headParams, o.adoptStd);
        batch = [];
        continue;
      } catch (err) {
        ctx.emit("error", `could not adopt ${leader.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // 2. evidence for the incumbent
    if (hs.trials < o.episodes) {
      await evaluateHead(o.episodes - hs.trials, true);
      continue;
    }
    // 3. confirmation on the held-out seeds, once per commit
    if ((hs.rate ?? 0) >= goal && !confirmed.has(head)) {
      if (hs.trials < o.confirmTrials) {
        await evaluateHead(Math.min(o.episodes, o.confirmTrials - hs.trials), true);
        continue;
      }
      confirmed.add(head);
      if (p.confirmation(head)) continue; // these files were judged on the held-out seeds already
      const c = await p.evaluateBranch({
        branch,
        episodes: 1,
        purpose: "confirm",
        stations: 1,
        agent: ctx.agent,
        signal: ctx.signal,
      });
      ctx.emit(
        "confirm",
        `held-out check of ${head.slice(0, 8)}: ${c.successes}/${c.trials}${c.goalReached ? " — GOAL REACHED" : c.trials < p.manifest.goal.episodes ? " — cut off before the end" : " — below the goal, searching on"}`,
      );
      if (c.goalReached) {
        reachedGoal = true;
        ctx.goalReached();
        break;
      }
      continue;
    }
    // 4. one iteration
    const u = propose(cem, rng);
    const candidate = decode(u);
    const change = describeChange(headParams, candidate);
    if (change.summary === "no change") continue; // the sample rounds to the head's own values
    await p.hypothesis(branch, change.hypothesis, ctx.agent);
    writeParams(dir, candidate);
    await p.commitChange(branch, ctx.agent);
    let ev = await evaluateHead(o.episodes);
    const firstScore = ev.trials ? ev.successes / ev.trials + 0.1 * (p.commitStats(ev.commit).meanMaxReward ?? 0) : 0;
    while (!ctx.stopped() && ev.pooled.trials < o.maxEpisodes) {
      const parent = p.commitStats(head);
      const d = decide(parent, ev.pooled, o.alpha);
      if (d.decision !== "undecided" || (ev.pooled.rate ?? 0) <= (parent.rate ?? 0)) break;
      if ((await p.leaderboard()).find((r) => r.id === branch)?.pruned) break; // no more trials for a pruned line
      ev = await evaluateHead(Math.min(o.episodes, o.maxEpisodes - ev.pooled.trials));
    }
    if (ev.pooled.trials === 0) break; // stopped before any trial of the change: leave it open, as it is
    const d = await p.decide(branch, { agent: ctx.agent, alpha: o.alpha });
    iterations++;
    if (d.kept) {
      kept++;
      headParams = candidate;
    }
    ctx.emit(
      "decision",
      `${d.hypothesis} ${d.kept ? "KEEP  " : "revert"} ${d.candidate.successes}/${d.candidate.trials} vs ${d.baseline.successes}/${d.baseline.trials}  ${change.summary}`,
    );
    batch.push({ u, score: firstScore });
    if (batch.length >= o.popSize) {
      cem = update(cem, batch, { eliteFraction: o.eliteFraction, smoothing: o.smoothing, minStd: o.minStd });
      batch = [];
    }
  }
  return { iterations, kept, exit: reachedGoal ? "reached the goal" : "the team stopped" };
}

function readParams(dir: string): Params {
  return JSON.parse(fs.readFileSync(path.join(dir, PARAMS_FILE), "utf8")) as Params;
}

function writeParams(dir: string, params: Params): void {
  fs.writeFileSync(path.join(dir, PARAMS_FILE), `${JSON.stringify(params, null, 2)}\n`);
}
