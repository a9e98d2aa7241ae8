import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { writeStillOrSolveTemplate } from "../../test/support/research-template.js";
import { parseBenchFlags } from "../cli/commands/bench-agents.js";
import { InvalidInputError } from "../core/errors.js";
import { RunStore } from "../rollout/store.js";
import { tokenUsage } from "./agents/usage.js";
import {
  type BenchData,
  type BenchEvent,
  type BenchResult,
  benchAgents,
  summarizeGroups,
  summarizeRuns,
  writeBenchReport,
} from "./bench-agents.js";
import { GRID_POINTS, interpolateOnGrid } from "./curves.js";
import type { AgentRunner } from "./team.js";

const BUDGET_MIN = 0.5; // a cap only: a run ends when its agents return, well before

/**
 * A cheap agent with a language model's bookkeeping (1000 tokens a step), one iteration each: measure the baseline,
 * one hypothesis, commit params.json, evaluate, decide; if kept, confirm on the held-out seeds. In even repeats the
 * first agent of the team switches the heuristic on (kept, goal reached); every other agent commits a change that
 * still stands still (reverted) and gives up. So repeat 1 reaches the goal and repeat 2 does not, at every team size.
 */
function fakeRunner(): AgentRunner {
  return async (ctx) => {
    const p = ctx.project;
    const branch = ctx.branch;
    const solves = ctx.index === 0 && Math.floor(ctx.seed / 1000) % 2 === 0;
    let spent = 0;
    const spend = () => {
      spent += 1000;
      ctx.reportUsage(tokenUsage({ input: spent, output: 0 }));
    };
    const evaluate = (episodes: number, purpose: "search" | "confirm" = "search") =>
      p.evaluateBranch({
        branch,
        episodes,
        purpose,
        stations: purpose === "confirm" ? 2 : 1,
        agent: ctx.agent,
        force: true,
      });
    spend();
    await evaluate(2);
    await p.hypothesis(
      branch,
      solves
        ? "Running the planner instead of standing still solves the task"
        : "A note in params.json changes nothing",
      ctx.agent,
    );
    const params = solves ? { still: false } : { still: true, note: ctx.agent };
    fs.writeFileSync(path.join(p.branchDir(branch), "params.json"), `${JSON.stringify(params)}\n`);
    await p.commitChange(branch, ctx.agent);
    spend();
    await evaluate(solves ? 10 : 2);
    const d = await p.decide(branch, { agent: ctx.agent });
    ctx.emit("decision", `${d.hypothesis} ${d.kept ? "keep" : "revert"}`);
    if (!d.kept || ctx.stopped()) return { iterations: 1, kept: d.kept ? 1 : 0, exit: "gave up" };
    spend();
    const c = await evaluate(1, "confirm");
    ctx.emit("confirm", `${c.successes}/${c.trials}`);
    if (c.goalReached) ctx.goalReached();
    return { iterations: 1, kept: 1, exit: c.goalReached ? "reached the goal" : "below the goal" };
  };
}

describe("AutoEnvBench", () => {
  let root: string;
  let store: RunStore;
  let outDir: string;
  let result: BenchResult;
  let json: BenchData;
  const events: BenchEvent[] = [];

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-"));
    writeStillOrSolveTemplate(path.join(root, "start"));
    store = RunStore.open(path.join(root, "store"));
    outDir = path.join(root, "out");
    const kinds: string[] = [];
    result = await benchAgents({
      store,
      agents: ["llm"],
      tasks: ["pusht"],
      teamSizes: [1, 2],
      repeats: 2,
      budgetMin: BUDGET_MIN,
      goal: 0.95,
      seed: 0,
      id: "bench-test",
      from: { pusht: path.join(root, "start") },
      makeRunner: async (kind) => {
        kinds.push(kind);
        return fakeRunner();
      },
      onEvent: (e) => events.push(e),
      outDir,
    });
    assert.deepEqual(kinds, ["llm"], "one runner per agent kind, made before the runs");
    json = JSON.parse(fs.readFileSync(path.join(outDir, "bench.json"), "utf8"));
  });
  after(() => {
    store?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("runs every team size and repeat as its own project, and reports each finished run on one line", () => {
    assert.equal(json.complete, true);
    assert.deepEqual(
      json.runs.map((r) => r.project),
      [
        "bench-test-llm-pusht-n1-r1",
        "bench-test-llm-pusht-n2-r1",
        "bench-test-llm-pusht-n1-r2",
        "bench-test-llm-pusht-n2-r2",
      ],
    );
    for (const r of json.runs) assert.ok(fs.existsSync(path.join(store.root, "projects", r.project, "team.json")));
    const ends = events.filter((e) => e.kind === "run-end");
    assert.equal(ends.length, 4);
    assert.match(
      ends[0].text,
      /^\[1\/4\] llm pusht n=1 r1: goal at [\d.]+ min, team-average best 100\.0%, MRU [\d.]+%/,
    );
    assert.match(ends[2].text, /no goal in .* tokens to success –/);
    assert.ok(events.some((e) => e.kind === "team" && e.team?.kind === "confirm"));
  });

  it("records each run's time, tokens and utilisation: repeat 1 reaches the goal, repeat 2 does not", () => {
    const [n1r1, n2r1, n1r2, n2r2] = json.runs;
    for (const r of [n1r1, n2r1]) {
      assert.equal(r.goalReached, true);
      assert.ok(r.timeToGoalMin! > 0 && r.timeToGoalMin! <= r.wallMin + 1e-9);
    }
    for (const r of [n1r2, n2r2]) {
      assert.equal(r.goalReached, false);
      assert.equal(r.timeToGoalMin, null);
      assert.equal(r.tokensToSuccess, null);
    }
    assert.equal(n1r1.tokensToSuccess, 3000, "three steps of the one agent before its goal");
    assert.ok(n2r1.tokensToSuccess! >= 3000);
    assert.deepEqual([n1r1.tokens, n1r2.tokens], [3000, 2000]);
    for (const r of json.runs) {
      assert.ok(r.mru > 0 && r.mru <= 1, `MRU ${r.mru}`);
      assert.ok(r.mtu! > 0);
      assert.equal(r.iterations, r.size);
    }
    assert.equal(n1r1.finalTeamBest, 1);
    assert.equal(n2r1.finalTeamBest, 0.5, "one of two agents solved it: the team average is half");
    assert.equal(n1r2.finalTeamBest, 0);
  });

  it("summarises each team size on the 241-point grid: mean, SEM over the two runs, and the best run", () => {
    assert.equal(json.gridPoints, GRID_POINTS);
    assert.deepEqual(
      json.groups.map((g) => [g.size, g.runs, g.reached]),
      [
        [1, 2, 1],
        [2, 2, 1],
      ],
    );
    for (const g of json.groups) {
      const { grid, mean, sem, best } = g.curve;
      for (const xs of [grid, mean, sem, best]) assert.equal(xs.length, 241);
      assert.deepEqual([grid[0], grid[240]], [0, BUDGET_MIN]);
      const [a, b] = json.runs.filter((r) => r.size === g.size).map((r) => interpolateOnGrid(r.curve, BUDGET_MIN));
      for (let i = 0; i < 241; i++) {
        assert.ok(Math.abs(mean[i] - (a[i] + b[i]) / 2) < 1e-12);
        // two runs: std (ddof 1) / √2 = |a − b| / 2; 0 where they agree
        assert.ok(Math.abs(sem[i] - Math.abs(a[i] - b[i]) / 2) < 1e-12, `SEM at ${i}`);
      }
      assert.equal(sem[0], 0, "both runs start at 0");
      assert.deepEqual(best, a, "the run that reached the goal is the best");
      assert.equal(g.curve.bestProject, `bench-test-llm-pusht-n${g.size}-r1`);
      const top = g.size === 1 ? 1 : 0.5;
      assert.deepEqual([g.final.mean, g.final.sem], [top / 2, top / 2]);
      const r1 = json.runs.find((r) => r.size === g.size && r.repeat === 1)!;
      assert.deepEqual(g.timeToSuccessMin, { median: r1.timeToGoalMin, mean: r1.timeToGoalMin });
      assert.ok(g.mtu && g.mtu.mean > 0 && g.mtu.std >= 0);
    }
  });

  it("gives SEM 0 for a single run and for identical runs", () => {
    const run = json.runs[0];
    const one = summarizeRuns([run], BUDGET_MIN);
    assert.ok(one.curve.sem.every((s) => s === 0));
    assert.deepEqual(one.curve.best, one.curve.mean);
    const twins = summarizeRuns([run, { ...run, project: "twin" }], BUDGET_MIN);
    assert.ok(twins.curve.sem.every((s) => s === 0));
    assert.deepEqual(twins.curve.mean, one.curve.mean);
    assert.deepEqual(twins.mru, { mean: run.mru, std: 0 });
  });

  it("writes report.md with a row per team size, and charts naming every series", () => {
    const report = fs.readFileSync(result.files.report, "utf8");
    assert.match(report, /^\| llm \| 1 \| 2 \| 1\/2 \| [\d.]+ min \([\d.]+ min\) \| 3000 \| [\d.]+% ± [\d.]+% \| /m);
    assert.match(report, /^\| llm \| 2 \| 2 \| 1\/2 \| [\d.]+ min/m);
    assert.match(report, /\| 50\.0% ± 50\.0% \|$/m, "final mean ± SEM of team size 1");
    assert.match(report, /\| 25\.0% ± 25\.0% \|$/m, "final mean ± SEM of team size 2");
    assert.match(report, /241-point grid over \[0, 0\.5\] min/);
    for (const r of json.runs) assert.ok(report.includes(`\`${r.project}\``), `run ${r.project} is listed`);
    const names = ["pusht-success.svg", "pusht-mru.svg", "pusht-mtu.svg", "pusht-time-to-success.svg"];
    assert.deepEqual(result.files.charts.map((f) => path.basename(f)).sort(), [...names].sort());
    for (const n of names) assert.ok(report.includes(`(${n})`), `report links ${n}`);
    const success = fs.readFileSync(path.join(outDir, "pusht-success.svg"), "utf8");
    assert.match(success, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const s of [
      "llm ×1 mean ± SEM (2 runs)",
      "llm ×1 best run",
      "llm ×2 mean ± SEM (2 runs)",
      "llm ×2 best run",
    ]) {
      assert.ok(success.includes(`data-name="${s}"`), `series ${s}`);
    }
    assert.equal(success.match(/class="band"/g)?.length, 2, "one ±SEM band per team size");
    assert.equal(
      success.match(/stroke-dasharray="6 4"/g)?.length,
      4,
      "best runs dashed (two lines, two legend swatches)",
    );
    const mru = fs.readFileSync(path.join(outDir, "pusht-mru.svg"), "utf8");
    assert.equal(mru.match(/class="bar" data-series="llm"/g)?.length, 2);
    assert.ok(mru.includes(">1 agent<") && mru.includes(">2 agents<"));
  });

  it("says MTU and tokens are n/a for the built-in agent, which uses no language model", () => {
    const runs = json.runs.map((r) => ({ ...r, agent: "builtin", mtu: null, tokens: null, tokensToSuccess: null }));
    const data: BenchData = {
      ...json,
      options: { ...json.options, agents: ["builtin"] },
      runs,
      groups: summarizeGroups(runs, BUDGET_MIN),
    };
    const dir = path.join(root, "builtin-report");
    const files = writeBenchReport(data, dir);
    const report = fs.readFileSync(files.report, "utf8");
    assert.match(report, /MTU and tokens to success are n\/a for builtin\*\*: the built-in agent .* no language model/);
    assert.match(
      report,
      /^\| builtin \| 1 \| 2 \| 1\/2 \| [\d.]+ min \([\d.]+ min\) \| n\/a \| [\d.]+% ± [\d.]+% \| n\/a \|/m,
    );
    const mtu = fs.readFileSync(path.join(dir, "pusht-mtu.svg"), "utf8");
    assert.equal(mtu.match(/>n\/a</g)?.length, 2, "an n/a in place of each bar");
    assert.equal(mtu.match(/class="bar"/g), null);
  });

  it("refuses bad options with one clear line, before creating anything", async () => {
    const base = {
      store,
      agents: ["llm"],
      tasks: ["pusht"],
      teamSizes: [1],
      repeats: 1,
      budgetMin: 1,
      goal: 0.95,
      makeRunner: async () => fakeRunner(),
      outDir: path.join(root, "never"),
    };
    await assert.rejects(benchAgents({ ...base, teamSizes: [0] }), /team sizes must be integers in 1\.\.64, got 0/);
    await assert.rejects(benchAgents({ ...base, tasks: ["nope"] }), /unknown task "nope"; known tasks: .*pusht/);
    await assert.rejects(benchAgents({ ...base, repeats: 0 }), InvalidInputError);
    await assert.rejects(benchAgents({ ...base, id: "bench-test" }), /"bench-test-llm-pusht-n1-r1" exists already/);
    assert.equal(fs.existsSync(path.join(root, "never")), false);
  });

  it("parses the command's flags, refusing each bad one by name", () => {
    const flags = {
      agent: "builtin",
      task: "pusht",
      teams: "1,2,4",
      repeats: "3",
      budgetMin: "10",
      goal: "0.95",
      seed: "0",
      json: false,
    };
    assert.deepEqual(parseBenchFlags(flags), {
      agents: ["builtin"],
      tasks: ["pusht"],
      teamSizes: [1, 2, 4],
      repeats: 3,
      budgetMin: 10,
      goal: 0.95,
      seed: 0,
    });
    const bad: [Partial<typeof flags>, RegExp][] = [
      [{ agent: "builtin,gpt" }, /^--agent must list kinds of builtin, .*got "gpt"$/],
      [{ agent: "builtin,,claude" }, /^--agent must be a comma-separated list/],
      [{ task: "pusht,nope" }, /^--task: unknown task "nope"/],
      [{ teams: "1,x" }, /^--teams must be a comma-separated list of numbers, got "1,x"$/],
      [{ teams: "1,0" }, /^--teams must list integers in 1\.\.64, got "1,0"$/],
      [{ teams: "2,2" }, /^--teams lists a size twice/],
      [{ repeats: "0" }, /^--repeats must be in 1\.\.1000, got 0$/],
      [{ repeats: "-1" }, /^--repeats must be a non-negative integer, got "-1"$/],
      [{ budgetMin: "0" }, /^--budget-min must be a positive number of minutes, got "0"$/],
      [{ goal: "1.5" }, /^--goal must be a success rate in \(0, 1\], got "1.5"$/],
      [{ seed: "x" }, /^--seed must be a non-negative integer, got "x"$/],
    ];
    for (const [change, message] of bad) {
      assert.throws(
        () => parseBenchFlags({ ...flags, ...change }),
        (err: Error) => err instanceof InvalidInputError && message.test(err.message),
        JSON.stringify(change),
      );
    }
  });
});
