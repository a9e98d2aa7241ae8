/**
 * A real AutoEnvBench result, made in seconds, for the UI's tests: `benchAgents` over a cheap starting workspace
 * (research-template.ts: standing still, or the example heuristic) with a scripted agent that spends 500 tokens a
 * step. In odd repeats it switches the heuristic on (kept, confirmed on the held-out seeds: the goal); in even ones it
 * commits a change that still stands still (reverted). Written where `enpire bench-agents` writes: <store>/bench/<id>.
 */
import fs from "node:fs";
import path from "node:path";
import { tokenUsage } from "../../src/evolve/agents/usage.js";
import { type BenchResult, benchAgents } from "../../src/evolve/bench-agents.js";
import type { AgentRunner } from "../../src/evolve/team.js";
import type { RunStore } from "../../src/rollout/store.js";
import { writeStillOrSolveTemplate } from "./research-template.js";

function scriptedAgent(): AgentRunner {
  return async (ctx) => {
    const p = ctx.project;
    let tokens = 0;
    const think = () => {
      tokens += 500;
      ctx.reportUsage(tokenUsage({ input: tokens, output: 0 }));
    };
    const solves = ctx.index === 0 && Math.floor(ctx.seed / 1000) % 2 === 0;
    const evaluate = (episodes: number, purpose: "search" | "confirm" = "search") =>
      p.evaluateBranch({ branch: ctx.branch, episodes, purpose, stations: 1, agent: ctx.agent, force: true });
    think();
    await evaluate(2);
    await p.hypothesis(ctx.branch, solves ? "Run the planner" : "Write a note", ctx.agent);
    const params = solves ? { still: false } : { still: true, note: ctx.agent };
    fs.writeFileSync(path.join(p.branchDir(ctx.branch), "params.json"), `${JSON.stringify(params)}\n`);
    await p.commitChange(ctx.branch, ctx.agent);
    think();
    await evaluate(solves ? 10 : 2);
    const d = await p.decide(ctx.branch, { agent: ctx.agent });
    if (!d.kept) return { iterations: 1, kept: 0, exit: "gave up" };
    think();
    const c = await evaluate(1, "confirm");
    if (c.goalReached) ctx.goalReached();
    return { iterations: 1, kept: 1, exit: c.goalReached ? "reached the goal" : "below the goal" };
  };
}

/** Runs a bench of `repeats` runs of one agent ("llm") on Push-T, team size 1, in `store`; `root` holds its workspace. */
export async function tinyBench(store: RunStore, root: string, id: string, repeats = 2): Promise<BenchResult> {
  const start = path.join(root, `${id}-start`);
  writeStillOrSolveTemplate(start);
  return benchAgents({
    store,
    agents: ["llm"],
    tasks: ["pusht"],
    teamSizes: [1],
    repeats,
    budgetMin: 0.5,
    goal: 0.95,
    seed: 0,
    id,
    from: { pusht: start },
    makeRunner: async () => scriptedAgent(),
    outDir: path.join(store.root, "bench", id),
  });
}
