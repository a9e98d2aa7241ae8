/**
 * End-to-end: research from the command line (`enpire research …`, `enpire ledger`, `enpire agents`), as a person
 * or a script without MCP would drive it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { setStill, writeStillOrSolveTemplate } from "./support/research-template.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function enpire(args: string[], store: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "src", "cli", "entry.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ENPIRE_HOME: store, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("enpire research: an iteration from the shell, then the ledger, leaderboard and idea tree", () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-research-cli-"));
  try {
    writeStillOrSolveTemplate(path.join(store, "start"));
    const ok = (args: string[]) => {
      const r = enpire(args, store);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    ok(["research", "research-init", "--name", "shell", "--from", path.join(store, "start"), "--json"]);
    const branch = JSON.parse(ok(["research", "branch-create", "--branch", "me", "--json"]));
    ok(["research", "evaluate-branch", "--branch", "me", "--episodes", "4", "--json"]);
    ok([
      "research",
      "hypothesis",
      "--branch",
      "me",
      "--text",
      "Planning beats standing still on every seed",
      "--agent",
      "me",
    ]);
    setStill(branch.dir, false);
    ok(["research", "commit-change", "--branch", "me"]);
    const ev = JSON.parse(ok(["research", "evaluate-branch", "--branch", "me", "--episodes", "4", "--json"]));
    assert.equal(ev.successes, 4);
    const d = JSON.parse(ok(["research", "decide", "--branch", "me", "--json"]));
    assert.equal(d.kept, true);

    const board = ok(["research", "leaderboard"]);
    assert.match(board, /1\s+me\s+4\/4\s+100\.0%/);
    const ledger = ok(["ledger", "--project", "shell"]);
    assert.match(ledger, /hypothesis\s+me\s+h0001: Planning beats standing still/);
    assert.match(ledger, /decision\s+me\s+h0001 KEEP/);
    assert.match(ledger, /chain intact/);
    const tree = ok(["research", "idea-tree", "--min-trials", "4"]);
    assert.match(tree, /● \* h0001/);

    const bad = enpire(["research", "evaluate-branch", "--branch", "me", "--episodes", "lots"], store);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--episodes must be a number, got "lots"/);
    const missing = enpire(["research", "decide", "--branch", "nobody"], store);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no branch "nobody" in project "shell"; branches: baseline, me/);
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
});

test("enpire agents with a coding-agent CLI that is not installed says so, and creates nothing", () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-agents-cli-"));
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-empty-path-"));
  try {
    for (const agent of ["claude", "codex", "kimi"]) {
      const r = enpire(["agents", "--agent", agent, "--team", "2"], store, { PATH: empty });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`enpire: .*${agent}.*(not|no) `, "i"));
    }
    assert.equal(fs.existsSync(path.join(store, "projects")), false);
    const bad = enpire(["agents", "--agent", "gpt"], store);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--agent must be builtin or one of claude, codex, kimi, got "gpt"/);
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
