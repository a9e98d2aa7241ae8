/**
 * The MCP Inspector's CLI (an independent client) against `enpire mcp` over stdio: it lists the tools and calls
 * research tools with arguments given as the Inspector passes them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const INSPECTOR = path.join(ROOT, "node_modules", ".bin", "mcp-inspector");

function inspect(store: string, method: string[]) {
  const server = [
    process.execPath,
    "--import",
    "tsx",
    path.join(ROOT, "src", "cli", "entry.ts"),
    "mcp",
    "--store",
    store,
  ];
  const r = spawnSync(INSPECTOR, ["--cli", ...server, "--method", ...method], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test("the MCP Inspector CLI lists enpire's tools and calls the research ones", () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-inspector-"));
  try {
    const list = inspect(store, ["tools/list"]) as { tools: { name: string; inputSchema: { properties?: object } }[] };
    const names = list.tools.map((t) => t.name);
    for (const t of ["run", "research_init", "evaluate_branch", "decide", "leaderboard", "idea_tree", "lit_search"]) {
      assert.ok(names.includes(t), `${t} is listed`);
    }
    const evaluateBranch = list.tools.find((t) => t.name === "evaluate_branch");
    assert.ok(evaluateBranch?.inputSchema.properties && "episodes" in evaluateBranch.inputSchema.properties);

    const init = inspect(store, ["tools/call", "--tool-name", "research_init", "--tool-arg", "name=viainspector"]) as {
      structuredContent: { project: string; manifest: { task: { id: string } } };
    };
    assert.equal(init.structuredContent.project, "viainspector");
    assert.equal(init.structuredContent.manifest.task.id, "pusht");
    const branches = inspect(store, ["tools/call", "--tool-name", "branches"]) as {
      structuredContent: { branches: { branch: string }[] };
    };
    assert.deepEqual(
      branches.structuredContent.branches.map((b) => b.branch),
      ["baseline"],
    );
    const refused = inspect(store, ["tools/call", "--tool-name", "decide", "--tool-arg", "branch=nobody"]) as {
      isError: boolean;
      content: { text: string }[];
    };
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /no branch "nobody"/);
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
});
