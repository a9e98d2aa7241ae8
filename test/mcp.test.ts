/**
 * End-to-end: `enpire mcp` in a child process, driven by the MCP SDK's own client over stdio.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { setStill, writeStillOrSolveTemplate } from "./support/research-template.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = path.join(ROOT, "src", "cli", "entry.ts");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");

test("enpire mcp over stdio: tools, a run, show and trial", async () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-mcp-e2e-"));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", ENTRY, "mcp", "--store", store],
    cwd: ROOT,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const client = new Client({ name: "enpire-e2e", version: "0.0.0" });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    for (const name of ["tasks", "run", "runs", "show", "trial", "verify_ledger", "station_control"]) {
      assert.ok(
        tools.some((t) => t.name === name),
        `tool ${name} is listed`,
      );
    }
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;

    const tasks = await call("tasks", {});
    assert.ok((tasks.structuredContent as { tasks: { id: string }[] }).tasks.some((t) => t.id === "pusht"));

    const run = await call("run", { policy: CHASE, episodes: 2 });
    assert.notEqual(run.isError, true, JSON.stringify(run.content));
    const { runId, summary } = run.structuredContent as { runId: string; summary: { episodes: number } };
    assert.equal(summary.episodes, 2);

    const show = await call("show", { run: runId });
    assert.equal((show.structuredContent as { run: { id: string } }).run.id, runId);

    const trial = await call("trial", { run: runId, index: 0, events: true, limit: 2 });
    const t = trial.structuredContent as { result: { seed: number }; events: { items: unknown[] } };
    assert.equal(t.result.seed, 100000);
    assert.equal(t.events.items.length, 2);

    const bad = await call("run", { policy: CHASE, episodes: -1 });
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /episodes/);

    const motion = await call("station_control", { url: "http://127.0.0.1:9", action: "restart" });
    assert.equal(motion.isError, true);
    assert.match(JSON.stringify(motion.content), /confirm/);
  } finally {
    await client.close();
    fs.rmSync(store, { recursive: true, force: true });
  }
  assert.match(stderr, /serving on stdio/, "the server says it is up on stderr, never on stdout");
});

test("enpire mcp over stdio drives a whole improvement loop, bound to a project, branch and agent", async () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-mcp-loop-"));
  writeStillOrSolveTemplate(path.join(store, "start"));
  const setup = new Client({ name: "enpire-e2e", version: "0.0.0" });
  const agent = new Client({ name: "enpire-e2e-agent", version: "0.0.0" });
  const server = (extra: string[]) =>
    new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", ENTRY, "mcp", "--store", store, ...extra],
      cwd: ROOT,
    });
  try {
    await setup.connect(server([]));
    const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
      // biome-ignore lint/suspicious/noExplicitAny: read as loosely as an agent would
      return { isError: r.isError === true, text, data: (r.structuredContent ?? {}) as Record<string, any> };
    };
    const init = await call(setup, "research_init", { name: "loop", task: "pusht", from: path.join(store, "start") });
    assert.equal(init.isError, false, init.text);
    const branch = await call(setup, "branch_create", { project: "loop", branch: "agent-1" });
    assert.equal(branch.isError, false, branch.text);
    await setup.close();

    // the agent's own server: project, branch and name are bound, so its calls leave them out
    await agent.connect(server(["--project", "loop", "--branch", "agent-1", "--agent", "agent-1"]));
    const tools = (await agent.listTools()).tools.map((t) => t.name);
    for (const t of [
      "hypothesis",
      "commit_change",
      "evaluate_branch",
      "decide",
      "compare",
      "leaderboard",
      "borrow",
      "idea_tree",
      "recipes",
      "lit_search",
      "research_ledger",
    ]) {
      assert.ok(tools.includes(t), `tool ${t} is listed`);
    }
    const base = await call(agent, "evaluate_branch", { episodes: 6 });
    assert.equal(base.data.successes, 0, base.text);

    const bad = await call(agent, "hypothesis", { text: "short" });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /text/);

    const h = await call(agent, "hypothesis", { text: "Planning strokes instead of standing still solves most seeds" });
    assert.equal(h.isError, false, h.text);
    setStill(branch.data.dir, false); // the agent edits its worktree
    const change = await call(agent, "commit_change");
    assert.deepEqual(change.data.files, ["params.json"]);
    const ev = await call(agent, "evaluate_branch", { episodes: 6 });
    assert.equal(ev.data.successes, 6, ev.text);
    const d = await call(agent, "decide");
    assert.equal(d.data.kept, true, d.text);

    const board = await call(agent, "leaderboard");
    assert.equal(board.data.leaderboard[0].id, "agent-1");
    const cmp = await call(agent, "compare", { a: "baseline", b: "agent-1" });
    assert.equal(cmp.data.verdict.decision, "keep", cmp.text); // evidence is per commit: the baseline's 0/6 counts
    const tree = await call(agent, "idea_tree", { minTrials: 5 });
    const node = tree.data.nodes.find((n: { id: string }) => n.id === h.data.id);
    assert.equal(node.kept, true);
    assert.equal(node.raisedTeamBest, true);
    assert.ok(node.gain > 0.99, `the kept idea raised the team-average best by ${node.gain}`);
    const recipes = await call(agent, "recipes");
    assert.equal(recipes.data.recipes[0].node, h.data.id);
    const ledger = await call(agent, "research_ledger", { kinds: ["decision"] });
    assert.equal(ledger.data.chain.ok, true);
    assert.equal(ledger.data.entries[0].agent, "agent-1");
    const confirm = await call(agent, "evaluate_branch", { purpose: "confirm" });
    assert.equal(confirm.data.trials, 50);
    assert.equal(confirm.data.goalReached, true, confirm.text);
    const lit = await call(agent, "lit_search", { query: "cross-entropy method pushing" });
    assert.ok(lit.data.hits.length > 0);
  } finally {
    await agent.close();
    fs.rmSync(store, { recursive: true, force: true });
  }
});

test("enpire mcp runs a 3D task: its spec lists the station tools, a run of its heuristic is judged by its verifier", async () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-mcp-3d-"));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", ENTRY, "mcp", "--store", store],
    cwd: ROOT,
    stderr: "pipe",
  });
  const client = new Client({ name: "enpire-e2e-3d", version: "0.0.0" });
  try {
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult;
    const described = await call("describe_task", { task: "pin-insertion-easy" });
    assert.notEqual(described.isError, true, JSON.stringify(described.content));
    const spec = described.structuredContent as { tools: { namespace: string; functions: Record<string, string> }[] };
    const arm = spec.tools.find((t) => t.namespace === "arm");
    assert.ok(arm, "the station tools are listed");
    for (const f of ["segmentAll", "sampleGrasps", "moveLinear", "planFreespace", "goHome", "state"]) {
      assert.ok(arm.functions[f], `arm.${f} is described`);
    }
    const run = await call("run", {
      task: "pin-insertion-easy",
      policy: path.join(ROOT, "examples", "policies", "pin-insertion-heuristic.ts"),
      episodes: 2,
      reset: "procedural",
    });
    assert.notEqual(run.isError, true, JSON.stringify(run.content));
    const { summary } = run.structuredContent as { summary: { episodes: number; successes: number } };
    assert.equal(summary.episodes, 2);
    assert.equal(summary.successes, 2);
    const bad = await call("run", { task: "pusht", episodes: 1, reset: "procedural" });
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /no reset mode \\"procedural\\"/);
  } finally {
    await client.close();
    fs.rmSync(store, { recursive: true, force: true });
  }
});
