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
