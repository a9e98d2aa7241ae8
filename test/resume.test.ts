/**
 * End-to-end: `enpire run` killed with SIGKILL mid-run, then `enpire run --resume RUN`. Every seed ends with exactly
 * one counted trial, the trial that was running when the process died is kept as interrupted, and nothing recorded
 * before the kill changes by a byte.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { verifyLedger } from "../src/rollout/ledger.js";
import { RunStore } from "../src/rollout/store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = path.join(ROOT, "src", "cli", "entry.ts");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
const stores: string[] = [];
after(() => {
  for (const dir of stores) fs.rmSync(dir, { recursive: true, force: true });
});
const newStore = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-resume-"));
  stores.push(dir);
  return dir;
};

function enpire(args: string[], store: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", ENTRY, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ENPIRE_HOME: store },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir`, by path relative to it, with the sha256 of its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
  }
  return out;
}

/** Starts `enpire run` and SIGKILLs it once `committed` trials are on disk and another one is under way. */
async function runAndKill(store: string, args: string[], committed: number): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "run", ...args], {
    cwd: ROOT,
    env: { ...process.env, ENPIRE_HOME: store },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const runs = fs.existsSync(path.join(store, "runs")) ? fs.readdirSync(path.join(store, "runs")) : [];
    const trials = runs.length ? path.join(store, "runs", runs[0], "trials") : "";
    const names = trials && fs.existsSync(trials) ? fs.readdirSync(trials) : [];
    if (names.filter((n) => !n.startsWith(".")).length >= committed && names.some((n) => n.startsWith(".tmp-"))) {
      child.kill("SIGKILL");
      await exited;
      return runs[0];
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the run ended before it could be killed mid-trial (exit ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const stations of [1, 2]) {
  test(`kill -9 mid-run, then --resume: each seed counted once, nothing earlier changed (${stations} station${stations > 1 ? "s" : ""})`, async () => {
    const store = newStore();
    const args = ["--policy", CHASE, "--episodes", "10", "--seed-start", "200", "--stations", String(stations)];
    const runId = await runAndKill(store, [...args, "--budget-wall-s", "600"], 3);
    const trialsDir = path.join(store, "runs", runId, "trials");

    // what the killed process left: committed trials, and the hidden directory of each trial it was running
    const left = fs.readdirSync(trialsDir);
    const committed = left.filter((n) => !n.startsWith("."));
    const killed = left
      .filter((n) => n.startsWith(".tmp-"))
      .map((n) => Number(/^\.tmp-(\d+)-/.exec(n)![1]))
      .filter((i) => !committed.some((c) => c.startsWith(`${String(i).padStart(5, "0")}-`)));
    assert.ok(killed.length >= 1, `a trial was under way when the process died: ${left.join(", ")}`);
    const before = new Map(committed.map((name) => [name, snapshot(path.join(trialsDir, name))]));
    const manifest = fs.readFileSync(path.join(store, "runs", runId, "run.json"), "utf8");

    const r = enpire(["run", "--resume", runId.slice(0, 18), "--json"], store);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.run.id, runId);
    assert.equal(out.run.status, "finished");
    assert.equal(out.summary.episodes, 10, "the budget of 10 trials continued where it was");

    const db = RunStore.open(store);
    try {
      const rows = db.trials(runId);
      const counted = rows.filter((t) => t.counted);
      assert.deepEqual(
        counted.map((t) => t.seed).sort((a, b) => a - b),
        Array.from({ length: 10 }, (_, i) => 200 + i),
        "every seed has exactly one counted trial",
      );
      for (const index of killed) {
        const trial = rows.find((t) => t.index === index);
        assert.equal(trial?.outcomeKind, "interrupted", `trial ${index}, running at the kill, is kept as interrupted`);
        assert.equal(trial?.counted, false);
        assert.match(trial?.reason ?? "", /process stopped mid-trial/);
        const rerun = counted.find((t) => t.seed === trial?.seed);
        assert.ok(rerun && rerun.index > index && rerun.attempt === 2, "and its seed ran again, as attempt 2");
      }
      assert.deepEqual(
        out.interrupted.map((t: { index: number }) => t.index),
        rows.filter((t) => !t.counted).map((t) => t.index),
      );
      assert.deepEqual(verifyLedger(db, runId).problems, [], "the ledger chains every trial, before and after");
    } finally {
      db.close();
    }
    for (const [name, files] of before) {
      assert.deepEqual(snapshot(path.join(trialsDir, name)), files, `${name} is byte-identical after the resume`);
    }
    assert.equal(fs.readFileSync(path.join(store, "runs", runId, "run.json"), "utf8"), manifest);

    // a finished run has nothing to resume; a resumed run keeps its own options
    const again = enpire(["run", "--resume", runId], store);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /finished .*; nothing to resume/);
    const flags = enpire(["run", "--resume", runId, "--episodes", "20"], store);
    assert.equal(flags.code, 2);
    assert.match(flags.stderr, /--resume continues run .* with the options it was started with; drop --episodes/);
  });
}

test("the wall-clock budget continues across a kill and a resume", async () => {
  const store = newStore();
  // 4 s: room for a second session after the first one's trials and both sessions' start-up (which counts)
  const args = ["--policy", CHASE, "--episodes", "1000", "--budget-wall-s", "4"];
  const runId = await runAndKill(store, args, 2);
  const r = enpire(["run", "--resume", runId, "--json"], store);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.run.status, "finished");
  assert.match(out.run.note, /^wall-clock budget of 4 s spent after \d+ of 1000 trials$/);

  // over both sessions, no trial started after 4 s of the run's own wall-clock time (the time between is not counted)
  const runDir = path.join(store, "runs", runId);
  const sessions = fs
    .readFileSync(path.join(runDir, "sessions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => Date.parse(JSON.parse(l).startedAt));
  assert.equal(sessions.length, 2);
  const db = RunStore.open(store);
  const starts = db.trials(runId).map((t) => Date.parse(t.startedAt));
  db.close();
  const used = sessions.map((from, k) => {
    const inSession = starts.filter((t) => t >= from && t < (sessions[k + 1] ?? Number.POSITIVE_INFINITY));
    return Math.max(from, ...inSession) - from;
  });
  assert.ok(used[0] > 0 && used[1] > 0, `both sessions ran trials: ${used}`);
  assert.ok(used[0] + used[1] <= 4000 + 5, `trials started within 4 s in all: ${used}`);
});
