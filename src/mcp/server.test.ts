/**
 * The MCP server through the SDK's own client, linked in memory: every tool, bad arguments, refused motion.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { OPERATIONS } from "../evolve/operations.js";
import { createMcpServer } from "./server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");

let client: Client;
let store: string;

before(async () => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-mcp-"));
  const server = createMcpServer({ store });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: "enpire-test", version: "0.0.0" });
  await client.connect(clientSide);
});

after(async () => {
  await client.close();
  fs.rmSync(store, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown> = {}) {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  // biome-ignore lint/suspicious/noExplicitAny: the tests read tool output as loosely as an agent would
  const data = (r.structuredContent ?? {}) as Record<string, any>;
  return { isError: r.isError === true, text, data };
}

test("lists the tools, named as the CLI verbs", async () => {
  const { tools } = await client.listTools();
  const research = OPERATIONS.map((o) => o.name);
  assert.deepEqual(
    tools.map((t) => t.name).sort(),
    [
      "describe_task",
      "run",
      "runs",
      "show",
      "station_control",
      "station_status",
      "tasks",
      "trial",
      "verify_ledger",
      ...research,
    ].sort(),
  );
  assert.ok(research.includes("evaluate_branch") && research.includes("idea_tree"));
  const run = tools.find((t) => t.name === "run");
  assert.ok(run?.inputSchema.properties?.episodes, "run's input schema lists episodes");
});

test("tasks and describe_task", async () => {
  const tasks = await call("tasks");
  assert.equal(tasks.isError, false, tasks.text);
  assert.ok(tasks.data.tasks.some((t: { id: string }) => t.id === "pusht"));
  assert.deepEqual(JSON.parse(tasks.text), tasks.data);

  const pusht = await call("describe_task", { task: "pusht" });
  assert.equal(pusht.isError, false, pusht.text);
  assert.match(pusht.data.evalFingerprint, /^[0-9a-f]{64}$/);
  assert.ok(pusht.data.evaluation);
  // the tools a code policy may call: the Push-T skills and the network runtime, each function described
  const tools = pusht.data.tools as { namespace: string; functions: Record<string, string> }[];
  assert.deepEqual(
    tools.map((t) => t.namespace),
    ["pusht", "nn"],
  );
  assert.ok(
    ["perceive", "moveTo", "approach", "pushAlong", "retreat"].every((f) => tools[0].functions[f]?.length > 10),
  );
  assert.ok(["load", "run"].every((f) => tools[1].functions[f]?.length > 10));

  assert.equal(pusht.data.evaluationList, null, "Push-T has no fixed evaluation list");
  assert.match(pusht.data.policyForms, /episode\(observation\)/);
  const kitchen = await call("describe_task", { task: "kitchen-open-drawer" });
  assert.deepEqual(
    [kitchen.data.evaluationList.seedStart, kitchen.data.evaluationList.episodes],
    [0, 40],
    "the paper's 40 episodes",
  );
  assert.deepEqual(
    (kitchen.data.tools as { namespace: string }[]).map((t) => t.namespace),
    ["kitchen", "nn"],
    "no oracle in the standard description",
  );
  const oracleEval = await call("run", { task: "kitchen-open-drawer", policy: CHASE, eval: true, tools: "oracle" });
  assert.equal(oracleEval.isError, true);
  assert.match(oracleEval.text, /refuses the oracle/);

  const unknown = await call("describe_task", { task: "nope" });
  assert.equal(unknown.isError, true);
  assert.match(unknown.text, /nope/);
  assert.match(unknown.text, /pusht/, "names the known tasks");
});

test("run two episodes, then runs, show, trial and verify_ledger find them", async () => {
  const run = await call("run", { policy: CHASE, episodes: 2, seedStart: 5 });
  assert.equal(run.isError, false, run.text);
  assert.equal(run.data.status, "finished");
  assert.equal(run.data.summary.episodes, 2);
  const runId: string = run.data.runId;

  const runs = await call("runs");
  assert.deepEqual(
    runs.data.runs.map((r: { id: string }) => r.id),
    [runId],
  );

  const show = await call("show", { run: runId });
  assert.equal(show.isError, false, show.text);
  assert.equal(show.data.run.id, runId);
  assert.ok("pass@1" in show.data.passAtK);
  assert.ok(show.data.utilisation, "MRU is reported");
  for (const f of show.data.failed ?? []) {
    assert.ok(f.reason, "a failed trial has its reason");
    assert.ok(fs.existsSync(f.files.events) && fs.existsSync(f.files.result));
  }

  const trial = await call("trial", { run: runId, index: 1, events: true, offset: 0, limit: 3 });
  assert.equal(trial.isError, false, trial.text);
  assert.equal(trial.data.result.seed, 6);
  assert.equal(trial.data.events.items.length, 3);
  assert.equal(trial.data.events.items[0].event, "reset");
  assert.equal(trial.data.events.nextOffset, 3);
  assert.ok(trial.data.events.total > 3);

  const ledger = await call("verify_ledger", { run: runId });
  assert.equal(ledger.isError, false, ledger.text);
  assert.equal(ledger.data.ok, true);

  const missing = await call("trial", { run: runId, index: 7 });
  assert.equal(missing.isError, true);
  assert.match(missing.text, /no trial 7/);
});

test("misuse is an error result naming what is wrong", async () => {
  const bad = await call("run", { policy: CHASE, episodes: 0 });
  assert.equal(bad.isError, true);
  assert.match(bad.text, /episodes/);

  const wrongType = await call("run", { policy: CHASE, episodes: "two" });
  assert.equal(wrongType.isError, true);
  assert.match(wrongType.text, /episodes/);

  const noPolicy = await call("run", { policy: "/nowhere/p.ts", episodes: 1 });
  assert.equal(noPolicy.isError, true);
  assert.match(noPolicy.text, /nowhere\/p\.ts/);

  const noRun = await call("show", { run: "nope" });
  assert.equal(noRun.isError, true);
  assert.match(noRun.text, /no run "nope"/);

  const badUrl = await call("station_status", { url: "not a url" });
  assert.equal(badUrl.isError, true);
  assert.match(badUrl.text, /url/);
});

test("station_control refuses motion without confirm, before any request", async () => {
  const r = await call("station_control", { url: "http://127.0.0.1:9", action: "home" });
  assert.equal(r.isError, true);
  assert.match(r.text, /confirm: true/);

  const badAction = await call("station_control", { url: "http://127.0.0.1:9", action: "dance", confirm: true });
  assert.equal(badAction.isError, true);
  assert.match(badAction.text, /action/);
});
