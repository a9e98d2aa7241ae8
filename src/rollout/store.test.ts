import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import type { TrialResult } from "../core/trial.js";
import { readLedger, verifyLedger } from "./ledger.js";
import { RunStore, STORE_SCHEMA_VERSION, StoreVersionError } from "./store.js";

const tmpRoot = () => fs.mkdtempSync(path.join(os.tmpdir(), "enpire-store-"));

const RUN = {
  task: { id: "pusht", version: 1 },
  evalFingerprint: "f".repeat(64),
  policy: { name: "p", path: "/x/p.ts", sha256: "a".repeat(64) },
  episodes: 3,
  seedStart: 7,
  options: {},
};

function result(runId: string, index: number, success: boolean): TrialResult {
  return {
    schema: "enpire.trial-result/1",
    runId,
    index,
    seed: 7 + index,
    task: { id: "pusht", version: 1 },
    evalFingerprint: "f".repeat(64),
    policy: { name: "p", path: "/x/p.ts", sha256: "a".repeat(64) },
    envStack: "safety(clip-action(pusht@1))",
    station: "sim-0",
    attempt: 1,
    counted: true,
    tries: [{ steps: 10, success, maxReward: success ? 1 : 0.5 }],
    outcome: success
      ? { kind: "success", score: 1 }
      : { kind: "failure", score: 0.5, reason: "coverage 0.475 <= 0.95" },
    success,
    steps: 10,
    totalReward: 3,
    maxReward: success ? 1 : 0.5,
    termination: success ? "terminated" : "max_steps",
    verification: { success, score: success ? 1 : 0.5, reason: null, metrics: {} },
    startedAt: new Date().toISOString(),
    elapsedMs: 12,
    video: null,
  };
}

test("a committed trial is a complete directory and an indexed row; runs are never overwritten", () => {
  const root = tmpRoot();
  const store = RunStore.open(root);
  const a = store.createRun(RUN, { file: "p.ts", text: "export default 1" });
  const b = store.createRun(RUN);
  assert.notEqual(a.id, b.id);
  assert.equal(fs.readFileSync(path.join(a.dir, "policy", "p.ts"), "utf8"), "export default 1");

  const w = store.beginTrial(a.id, 0, 7);
  for (const bad of ["../escape.mp4", "/etc/passwd", "..", "sub/video.mp4"]) {
    assert.throws(() => w.file(bad), /must be a plain file name/, bad);
  }
  w.event({ event: "reset", t: 0, seed: 7, observation: [1, 2] });
  assert.equal(store.trials(a.id).length, 0, "an uncommitted trial is not counted");
  const row = w.commit(result(a.id, 0, true));
  assert.equal(row.success, true);
  assert.deepEqual([row.station, row.attempt, row.counted], ["sim-0", 1, true]);
  assert.deepEqual(store.trials(a.id)[0], row, "the index gives back what was committed");
  const dir = store.resolve(row.dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["events.jsonl", "result.json"]);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "events.jsonl"), "utf8").trim()).seed, 7);
  assert.throws(() => w.commit(result(a.id, 0, true)), /already committed/);
  // the same index cannot be recorded twice, and a refused commit changes nothing
  const again = store.beginTrial(a.id, 0, 7);
  assert.throws(() => again.commit(result(a.id, 0, false)), /already has a trial 0/);
  assert.equal(readLedger(a.dir).length, 1);
  assert.equal(store.nextTrialIndex(a.id), 1);
  store.finishRun(a.id, "finished");
  // the shortest prefix that tells the two runs apart (ids made in the same second share their first 16 chars)
  let n = 1;
  while (a.id.slice(0, n) === b.id.slice(0, n)) n++;
  const run = store.getRun(a.id.slice(0, n));
  assert.equal(run.trials, 1);
  assert.equal(run.successes, 1);
  assert.throws(() => store.getRun("nope"), /no run "nope"/);
  store.close();
});

/** A pid that is certainly not running: a child process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString());
}

function setPid(root: string, runId: string, pid: number): void {
  const db = new Database(path.join(root, "enpire.db"));
  db.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(pid, runId);
  db.close();
}

test("a crash loses no committed trial and records the half-written one as interrupted, never counted", () => {
  const root = tmpRoot();
  const store = RunStore.open(root);
  const run = store.createRun(RUN);
  store.beginTrial(run.id, 0, 7).commit(result(run.id, 0, true));
  const half = store.beginTrial(run.id, 1, 8); // the process dies while this trial runs
  half.event({ event: "reset", t: 0, seed: 8, observation: [1, 2, 3, 4, 5] });
  for (let i = 0; i < 4; i++) {
    const step = { event: "step", t: 10 * (i + 1), index: i, action: [0, 0], reward: 0.1 * (i + 1) } as const;
    half.event({ ...step, terminated: false, truncated: false, observation: [1, 2, 3, 4, 5], info: {} });
  }
  half.flush();
  store.beginTrial(run.id, 1, 8); // the empty marker a fleet leaves while a station runs the trial
  assert.equal(store.nextTrialIndex(run.id), 2, "a half-written trial's index is taken too");
  store.close();

  // A crash after the rename but before the ledger and the index: a complete directory nothing knows yet.
  const trialsDir = path.join(run.dir, "trials");
  const orphan = path.join(trialsDir, "00002-seed-9");
  fs.mkdirSync(orphan);
  fs.writeFileSync(path.join(orphan, "result.json"), JSON.stringify(result(run.id, 2, false)));
  fs.writeFileSync(path.join(orphan, "events.jsonl"), "");
  setPid(root, run.id, deadPid());

  const reopened = RunStore.open(root);
  const trials = reopened.trials(run.id);
  assert.deepEqual(
    trials.map((t) => [t.index, t.outcomeKind, t.counted]),
    [
      [0, "success", true],
      [1, "interrupted", false],
      [2, "failure", true],
    ],
  );
  const interrupted = trials[1];
  assert.equal(interrupted.reason, "the process stopped mid-trial");
  assert.deepEqual([interrupted.seed, interrupted.steps, interrupted.attempt], [8, 4, 1]);
  assert.ok(Math.abs(interrupted.maxReward - 0.4) < 1e-12);
  const kept = fs.readFileSync(path.join(reopened.resolve(interrupted.dir), "events.jsonl"), "utf8");
  assert.equal(kept.trim().split("\n").length, 5, "the events it had are kept");
  assert.ok(!fs.readdirSync(trialsDir).some((n) => n.startsWith(".")), "nothing is left hidden");

  const row = reopened.getRun(run.id);
  assert.equal(row.status, "interrupted");
  assert.deepEqual([row.trials, row.successes, row.interrupted], [2, 1, 1], "the interrupted trial is not counted");
  assert.equal(row.meanMaxReward, 0.75);
  assert.deepEqual(
    reopened.trials(run.id, { failedOnly: true }).map((t) => t.index),
    [2],
    "interrupted is not failed",
  );
  assert.equal(reopened.nextTrialIndex(run.id), 3);
  const ledger = verifyLedger(reopened, run.id);
  assert.deepEqual(ledger.problems, []);
  assert.deepEqual(
    readLedger(run.dir).map((e) => [e.index, e.outcome]),
    [
      [0, "success"],
      [2, "failure"],
      [1, "interrupted"],
    ],
    "the ledger holds every trial in the order it was committed",
  );
  reopened.close();
});

test("resuming: a stopped run runs again in this process; one that another process runs is refused", () => {
  const root = tmpRoot();
  const store = RunStore.open(root);
  const run = store.createRun(RUN);
  store.beginTrial(run.id, 0, 7).commit(result(run.id, 0, false));
  store.finishRun(run.id, "interrupted", "stopped by the user");
  const resumed = store.markResumed(run.id.slice(0, 18));
  assert.deepEqual([resumed.status, resumed.note, resumed.finishedAt, resumed.trials], ["running", null, null, 1]);
  // its index goes on where it was, after the trial already recorded
  assert.equal(store.nextTrialIndex(run.id), 1);

  setPid(root, run.id, process.ppid); // alive: the process that started this test
  assert.throws(() => store.markResumed(run.id), /still running in process/);
  store.close();
});

test("an index from the first store is migrated; one from a newer enpire is refused", () => {
  const root = tmpRoot();
  fs.mkdirSync(path.join(root, "runs"), { recursive: true });
  const old = new Database(path.join(root, "enpire.db"));
  old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    task_id TEXT NOT NULL, task_version INTEGER NOT NULL, eval_fingerprint TEXT NOT NULL, policy_name TEXT NOT NULL,
    policy_path TEXT, policy_sha256 TEXT NOT NULL, episodes INTEGER NOT NULL, seed_start INTEGER NOT NULL,
    dir TEXT NOT NULL, pid INTEGER, note TEXT);
  CREATE TABLE trials (run_id TEXT NOT NULL REFERENCES runs(id), idx INTEGER NOT NULL, seed INTEGER NOT NULL,
    success INTEGER NOT NULL, outcome_kind TEXT NOT NULL, reason TEXT, score REAL, max_reward REAL NOT NULL,
    total_reward REAL NOT NULL, steps INTEGER NOT NULL, termination TEXT NOT NULL, elapsed_ms REAL NOT NULL,
    dir TEXT NOT NULL, video TEXT, PRIMARY KEY (run_id, idx));
  INSERT INTO runs VALUES ('r1', '2026-01-01T00:00:00.000Z', NULL, 'finished', 'pusht', 1, 'f', 'p', NULL, 'a', 1, 7,
    'runs/r1', NULL, NULL);
  INSERT INTO trials VALUES ('r1', 0, 7, 1, 'success', NULL, 1, 1, 3, 10, 'terminated', 12, 'runs/r1/trials/x', NULL);`);
  old.close();

  const store = RunStore.open(root);
  const [t] = store.trials("r1");
  assert.deepEqual([t.attempt, t.counted, t.station, t.startedAt], [1, true, null, "2026-01-01T00:00:00.000Z"]);
  assert.equal(store.getRun("r1").trials, 1);
  store.close();

  const db = new Database(path.join(root, "enpire.db"));
  db.pragma(`user_version = ${STORE_SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(
    () => RunStore.open(root),
    (err: unknown) => {
      assert.ok(err instanceof StoreVersionError);
      assert.match(err.message, /newer than this enpire's 2; upgrade enpire/);
      return true;
    },
  );
});
