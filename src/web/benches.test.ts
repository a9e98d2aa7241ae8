/**
 * The AutoEnvBench API over a real tiny bench (test/support/tiny-bench.ts: two runs of a scripted agent on Push-T, the
 * first reaching the goal, the second not): the list, one bench with its curves (mean, SEM, best run), time and tokens
 * to success, MRU and MTU, the projects and store runs behind each run, the report's files, a bench still running
 * (summarised from its finished runs), an unreadable one, and 404s.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Hono } from "hono";
import { tinyBench } from "../../test/support/tiny-bench.js";
import type { BenchResult } from "../evolve/bench-agents.js";
import { RunStore } from "../rollout/store.js";
import { createUiApp } from "./server.js";

let base: string;
let store: RunStore;
let app: Hono;
let bench: BenchResult;

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field below
async function json(url: string): Promise<{ status: number; body: any }> {
  const res = await app.request(url);
  return { status: res.status, body: await res.json() };
}

before(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-bench-"));
  store = RunStore.open(path.join(base, "store"));
  bench = await tinyBench(store, base, "bench-ui-test");
  // a bench still running: its first run written, no groups yet, just now
  const running = path.join(store.root, "bench", "bench-ui-running");
  fs.mkdirSync(running, { recursive: true });
  const partial = {
    ...bench.data,
    id: "bench-ui-running",
    startedAt: new Date(Date.now() + 1000).toISOString(),
    finishedAt: null,
    complete: false,
    runs: bench.data.runs.slice(0, 1),
    groups: [],
  };
  fs.writeFileSync(path.join(running, "bench.json"), JSON.stringify(partial));
  fs.mkdirSync(path.join(store.root, "bench", "bench-ui-broken"));
  fs.writeFileSync(path.join(store.root, "bench", "bench-ui-broken", "bench.json"), '{"id": "bench-ui-broken"');
  app = createUiApp({ store, staticDir: base });
});

after(() => {
  store?.close();
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

describe("AutoEnvBench API", () => {
  test("the list: each bench with its plan, progress and status, newest first", async () => {
    const { status, body } = await json("/api/benches");
    assert.equal(status, 200);
    assert.equal(body.total, 3);
    // biome-ignore lint/suspicious/noExplicitAny: JSON rows, checked field by field
    const byId = new Map<string, any>(body.benches.map((b: { id: string }) => [b.id, b]));
    assert.equal(body.benches[0].id, "bench-ui-running", "started last");
    const done = byId.get("bench-ui-test");
    assert.equal(done.status, "complete");
    assert.deepEqual(
      [done.agents, done.tasks, done.teamSizes, done.repeats, done.budgetMin, done.goal],
      [["llm"], ["pusht"], [1], 2, 0.5, 0.95],
    );
    assert.deepEqual(done.runs, { done: 2, total: 2 });
    assert.equal(done.reached, 1);
    assert.equal(done.files.report, "/files/bench/bench-ui-test/report.md");
    assert.equal(byId.get("bench-ui-running").status, "running");
    assert.deepEqual(byId.get("bench-ui-running").runs, { done: 1, total: 2 });
    const broken = byId.get("bench-ui-broken");
    assert.equal(broken.status, "unreadable");
    assert.match(broken.error, /bench\.json: /);
    const page = await json("/api/benches?offset=1&limit=1");
    assert.equal(page.body.benches.length, 1);
    assert.equal((await json("/api/benches?limit=0")).status, 400);
  });

  test("one bench: the group's curves on the grid (mean, SEM, best run), time and tokens to success, MRU, MTU", async () => {
    const { status, body } = await json("/api/benches/bench-ui-test");
    assert.equal(status, 200);
    assert.equal(body.provisional, false);
    assert.equal(body.gridPoints, 241);
    assert.equal(body.groups.length, 1);
    const g = body.groups[0];
    assert.deepEqual([g.agent, g.task, g.size, g.runs, g.reached], ["llm", "pusht", 1, 2, 1]);
    for (const xs of [g.curve.grid, g.curve.mean, g.curve.sem, g.curve.best]) assert.equal(xs.length, 241);
    assert.deepEqual([g.curve.grid[0], g.curve.grid[240]], [0, 0.5]);
    // one run ends at 100%, the other at 0%: mean 50%, SEM = |1 − 0| / 2
    assert.deepEqual([g.curve.mean[240], g.curve.sem[240], g.curve.best[240]], [0.5, 0.5, 1]);
    assert.equal(g.curve.bestProject, "bench-ui-test-llm-pusht-n1-r1");
    const [r1, r2] = body.runs;
    assert.equal(g.timeToSuccessMin.median, r1.timeToGoalMin);
    assert.equal(g.tokensToSuccess.median, 1500, "three steps of 500 tokens before the goal");
    assert.ok(g.mru.mean > 0 && g.mru.mean <= 1);
    assert.ok(g.mtu.mean > 0, "tokens per minute");
    assert.deepEqual([r1.goalReached, r2.goalReached], [true, false]);
  });

  test("each run links its project and the store runs its evaluations made; the report's files are served", async () => {
    const { body } = await json("/api/benches/bench-ui-test");
    const [r1, r2] = body.runs;
    assert.equal(r1.project, "bench-ui-test-llm-pusht-n1-r1");
    assert.equal(r1.projectExists, true);
    assert.deepEqual(
      r1.evaluations.map((e: { purpose: string }) => e.purpose),
      ["search", "search", "confirm"],
    );
    assert.deepEqual(
      r2.evaluations.map((e: { purpose: string }) => e.purpose),
      ["search", "search"],
    );
    for (const e of [...r1.evaluations, ...r2.evaluations]) {
      const run = await json(`/api/runs/${e.runId}`);
      assert.equal(run.status, 200, `run ${e.runId} of the project is in the store`);
      assert.equal(run.body.run.successes, e.successes);
    }
    const confirm = r1.evaluations[2];
    assert.equal(confirm.successes, confirm.trials, "the confirmation met the goal");
    assert.deepEqual(
      body.files.charts.map((c: { name: string }) => c.name),
      ["pusht-mru.svg", "pusht-mtu.svg", "pusht-success.svg", "pusht-time-to-success.svg"],
    );
    const svg = await app.request(body.files.charts[2].url);
    assert.equal(svg.status, 200);
    assert.match(await svg.text(), /^<svg /);
    const report = await app.request(body.files.report);
    assert.match(await report.text(), /^# AutoEnvBench bench-ui-test/);
  });

  test("a bench still running is summarised from the runs finished so far", async () => {
    const { status, body } = await json("/api/benches/bench-ui-running");
    assert.equal(status, 200);
    assert.equal(body.provisional, true);
    assert.equal(body.groups.length, 1);
    assert.equal(body.groups[0].runs, 1);
    assert.equal(body.groups[0].curve.mean[240], 1, "the one finished run reached 100%");
    assert.ok(
      body.groups[0].curve.sem.every((s: number) => s === 0),
      "SEM 0 for a single run",
    );
  });

  test("an unknown or malformed bench id is a 404; an unreadable bench.json is a 500 that says why", async () => {
    const unknown = await json("/api/benches/nope");
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /no bench "nope"/);
    for (const id of ["..", "%2e%2e", "bench-ui-test%2F..%2F..%2Fruns", ".hidden"]) {
      assert.equal((await json(`/api/benches/${id}`)).status, 404, id);
    }
    const broken = await json("/api/benches/bench-ui-broken");
    assert.equal(broken.status, 500);
    assert.match(broken.body.error, /bench bench-ui-broken: bench\.json: /);
  });
});
