/**
 * The research API over a real small project (test/support/research-project.ts): the project list, a project's
 * leaderboard, curves, idea tree and agents (from the ledger, then from team.json), one idea with its diff and the
 * evaluations behind it, a capped diff, clear 404s and 400s, and a ledger the UI opens read-only.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { buildSmallProject, type SmallProject } from "../../test/support/research-project.js";
import { ResearchProject } from "../evolve/project.js";
import { ResearchLedger } from "../evolve/research-ledger.js";
import { TEAM_FILE } from "../evolve/team.js";
import { RunStore } from "../rollout/store.js";
import { RESEARCH_API } from "./api/research.js";
import { createUiApp } from "./server.js";

let root: string;
let store: RunStore;
let app: ReturnType<typeof createUiApp>;
let fixture: SmallProject;

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-research-"));
  store = RunStore.open(path.join(root, "store"));
  fixture = await buildSmallProject(store, root);
  app = createUiApp({ store });
});
after(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field below
async function get(url: string, status = 200): Promise<any> {
  const res = await app.request(url);
  const body = await res.json();
  assert.equal(res.status, status, `${url}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

test("the project list shows the project with its goal, best branch and activity", async () => {
  const { projects } = await get("/api/projects");
  assert.equal(projects.length, 1);
  const p = projects[0];
  assert.equal(p.name, fixture.name);
  assert.equal(p.task.id, "pusht");
  assert.deepEqual([p.branches, p.iterations, p.kept], [2, 2, 1]);
  assert.equal(p.goal.rate, 0.95);
  assert.equal(p.goal.reached, false);
  assert.equal(p.best.rate, 1, "the kept recipe solves every search seed");
  assert.ok(p.best.wilson95.low > 0.7 && p.best.wilson95.high === 1);
  assert.equal(p.running, true, "its last entry is seconds old and no team.json says it stopped");
  assert.equal(p.team, null);
});

test("a project: leaderboard with intervals, curves whose mean is the team average, the idea tree, agents", async () => {
  const d = await get(`/api/projects/${fixture.name}`);
  const board = new Map(d.leaderboard.map((r: { branch: string }) => [r.branch, r]));
  // biome-ignore lint/suspicious/noExplicitAny: a JSON row
  const row = (b: string): any => board.get(b);
  assert.deepEqual([row("agent-1").successes, row("agent-1").trials], [14, 14], "adopted files pool their evidence");
  assert.deepEqual([row("baseline").successes, row("baseline").trials], [0, 10]);
  assert.equal(row("baseline").rank, 3);
  assert.equal(row("baseline").pruned, true, "0/10 is below the best's lower bound");
  assert.ok(row("baseline").wilson95.high < row("agent-1").wilson95.low);

  const finals = d.curves.perBranch.map((b: { points: [number, number][] }) => b.points.at(-1)?.[1]);
  assert.deepEqual(
    d.curves.perBranch.map((b: { branch: string }) => b.branch),
    ["agent-1", "agent-2"],
  );
  assert.deepEqual(finals, [1, 1]);
  const teamFinal = d.curves.teamAverage.at(-1)[1];
  assert.equal(teamFinal, finals.reduce((s: number, y: number) => s + y, 0) / finals.length);
  for (const b of d.curves.perBranch) {
    const ys = b.points.map((pt: [number, number]) => pt[1]);
    assert.deepEqual(
      ys,
      [...ys].sort((x, y) => x - y),
      `${b.branch}: a best-so-far never falls`,
    );
  }

  const nodes = new Map(d.ideaTree.nodes.map((n: { id: string }) => [n.id, n]));
  // biome-ignore lint/suspicious/noExplicitAny: a JSON node
  const node = (id: string): any => nodes.get(id);
  assert.equal(node(fixture.good).kept, true);
  assert.equal(node(fixture.bad).kept, false);
  assert.equal(node(fixture.borrow).kind, "borrow");
  assert.ok(
    d.ideaTree.edges.some(
      (e: { from: string; to: string; kind: string }) =>
        e.kind === "borrowed" && e.from === fixture.good && e.to === fixture.borrow,
    ),
  );
  assert.ok(d.ideaTree.bestLineage.includes(fixture.good) && d.ideaTree.bestLineage.includes("baseline"));
  assert.ok(!d.ideaTree.bestLineage.includes(fixture.bad));

  // no team.json: the agents come from the ledger, with no tokens
  const agents = new Map(d.agents.map((a: { agent: string }) => [a.agent, a]));
  assert.deepEqual([...agents.keys()].sort(), ["agent-1", "agent-2"]);
  assert.deepEqual(agents.get("agent-1"), {
    agent: "agent-1",
    branch: "agent-1",
    iterations: 1,
    kept: 1,
    exit: null,
    tokens: null,
    mtu: null,
    tokensToSuccess: null,
    timeToSuccessMin: null,
    usageTimeline: [],
  });
});

test("with team.json: token use, MTU and tokens to success per agent; the project no longer counts as running", async () => {
  const dir = path.join(ResearchProject.projectsRoot(store), fixture.name);
  const usage = { input: 5000, cachedInput: 1000, output: 1000, reasoning: 0, total: 6000 };
  const team = {
    project: fixture.name,
    kind: "claude",
    size: 2,
    startedAt: new Date(Date.now() - 120_000).toISOString(),
    wallMin: 2,
    goal: { reached: true, atMin: 1, commit: null, branch: "agent-1", successes: 50, trials: 50 },
    agents: [
      {
        agent: "agent-1",
        branch: "agent-1",
        iterations: 1,
        kept: 1,
        exit: "goal reached",
        usage,
        usageTimeline: [
          { atMs: 30_000, total: 1000 },
          { atMs: 90_000, total: 6000 },
        ],
      },
      { agent: "agent-2", branch: "agent-2", iterations: 1, kept: 0, exit: "stopped", usage: null, usageTimeline: [] },
    ],
    mru: 0.5,
    mtu: 3000,
    tokensToSuccess: 1000,
    events: [],
  };
  fs.writeFileSync(path.join(dir, TEAM_FILE), JSON.stringify(team));
  try {
    const d = await get(`/api/projects/${fixture.name}`);
    assert.equal(d.project.running, false);
    assert.deepEqual(d.project.team, {
      kind: "claude",
      size: 2,
      wallMin: 2,
      mru: 0.5,
      mtu: 3000,
      tokensToSuccess: 1000,
    });
    const [a1, a2] = d.agents;
    assert.deepEqual(a1.tokens, usage);
    assert.equal(a1.mtu, 3000, "6000 tokens over the team's 2 minutes");
    assert.equal(a1.tokensToSuccess, 1000, "what it had used when the goal was reached at 1 min");
    assert.equal(a1.timeToSuccessMin, 1);
    assert.deepEqual(a1.usageTimeline, [
      [0.5, 1000],
      [1.5, 6000],
    ]);
    assert.deepEqual([a2.tokens, a2.mtu, a2.tokensToSuccess], [null, null, null], "no language model: no tokens");
  } finally {
    fs.rmSync(path.join(dir, TEAM_FILE));
  }
});

test("an idea: hypothesis, diff, the evaluations behind it, the decision and who borrowed it", async () => {
  const n = await get(`/api/projects/${fixture.name}/nodes/${fixture.good}`);
  assert.equal(n.hypothesis.text, fixture.goodText);
  assert.equal(n.hypothesis.agent, "agent-1");
  assert.deepEqual(n.change.files, ["params.json"]);
  assert.match(n.change.diff, /^\+\{"still":false\}$/m, "the added line");
  assert.match(n.change.diff, /^-\{"still":true\}$/m, "the removed line");
  assert.equal(n.change.truncated, false);
  assert.equal(n.decision.decision, "keep");
  assert.ok(n.decision.pBetter < 0.05);
  const search = n.evaluations.filter((e: { purpose: string }) => e.purpose === "search");
  assert.deepEqual(
    search.map((e: { successes: number; trials: number; sameFiles: boolean }) => [e.successes, e.trials, e.sameFiles]),
    [
      [10, 10, false],
      [4, 4, true],
    ],
    "its own evaluation, and the borrow's of the same files",
  );
  for (const e of search) assert.equal(store.getRun(e.runId).id, e.runId, "each run id is a run in the store");
  assert.deepEqual([n.pooled.successes, n.pooled.trials], [14, 14]);
  assert.deepEqual(
    n.borrowedBy.map((e: { node: string }) => e.node),
    [fixture.borrow],
  );

  const b = await get(`/api/projects/${fixture.name}/nodes/${fixture.borrow}`);
  assert.equal(b.change.borrow.method, "adopt");
  assert.deepEqual(
    b.borrowedFrom.map((e: { node: string }) => e.node),
    [fixture.good],
  );
  assert.match(b.change.diff, /^\+\{"still":false\}$/m, "the borrow's change against agent-2's head before it");
  assert.equal(b.decision, null);

  const bad = await get(`/api/projects/${fixture.name}/nodes/${fixture.bad}`);
  assert.equal(bad.decision.decision, "revert");
  assert.equal(bad.decision.taggedAs, `reverted/${fixture.bad}`);
});

test("unknown projects and ideas are 404s, malformed names 400s", async () => {
  assert.match((await get("/api/projects/no-such-project", 404)).error, /no research project "no-such-project"/);
  assert.match((await get(`/api/projects/${fixture.name}/nodes/h9999`, 404)).error, /no idea "h9999"/);
  assert.match((await get("/api/projects/Bad%20Name", 400)).error, /project name/);
  assert.match((await get(`/api/projects/${fixture.name}/nodes/x%3Brm`, 400)).error, /idea node/);
});

test("the UI's ledger is read-only: an append through it fails and the ledger is unchanged", () => {
  const file = path.join(ResearchProject.projectsRoot(store), fixture.name, "research.db");
  const ro = ResearchLedger.openReadOnly(file);
  try {
    const before = ro.entries().length;
    assert.throws(
      () =>
        ro.append("prune", {
          reason: "x",
          stats: { commit: "0".repeat(40), trials: 0, successes: 0 },
        }),
      /readonly/i,
    );
    assert.equal(ro.entries().length, before);
    assert.equal(ro.verify().ok, true);
  } finally {
    ro.close();
  }
});

test("a diff larger than the cap is cut, saying so", async () => {
  const project = ResearchProject.open(store, fixture.name);
  try {
    await project.hypothesis("agent-1", "A large lookup table in the workspace changes nothing", "agent-1");
    const line = `${"x".repeat(99)}\n`;
    fs.writeFileSync(path.join(project.branchDir("agent-1"), "table.txt"), line.repeat(3000)); // 300 KB
    await project.commitChange("agent-1", "agent-1");
  } finally {
    project.close();
  }
  const id = `h${String(3).padStart(4, "0")}`;
  const n = await get(`/api/projects/${fixture.name}/nodes/${id}`);
  assert.equal(n.change.truncated, true);
  assert.ok(n.change.diffBytes > 300_000);
  assert.ok(Buffer.byteLength(n.change.diff) <= RESEARCH_API.maxDiffBytes);
  assert.match(n.node.label, /not decided/);
});
