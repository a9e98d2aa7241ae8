import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import type { TrialResult } from "../core/trial.js";
import { RunStore } from "./store.js";

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
  const dir = store.resolve(row.dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["events.jsonl", "result.json"]);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "events.jsonl"), "utf8").trim()).seed, 7);
  assert.throws(() => w.commit(result(a.id, 0, true)), /already committed/);
  // the same index cannot be recorded twice
  const again = store.beginTrial(a.id, 0, 7);
  assert.throws(() => again.commit(result(a.id, 0, false)));
  store.finishRun(a.id, "finished");
  const run = store.getRun(a.id.slice(0, 17));
  assert.equal(run.trials, 1);
  assert.equal(run.successes, 1);
  assert.throws(() => store.getRun("nope"), /no run "nope"/);
  store.close();
});

test("a crash leaves no half-written trial counted and loses no committed one", () => {
  const root = tmpRoot();
  const store = RunStore.open(root);
  const run = store.createRun(RUN);
  store.beginTrial(run.id, 0, 7).commit(result(run.id, 0, true));
  store.beginTrial(run.id, 1, 8).event({ event: "reset", t: 0, seed: 8, observation: [] }); // never committed
  store.close();

  // Simulate a crash after the rename but before indexing: a complete trial directory the index lacks, and the
  // run's owner process gone (a pid that has exited).
  const trialsDir = path.join(run.dir, "trials");
  const orphan = path.join(trialsDir, "00002-seed-9");
  fs.mkdirSync(orphan);
  fs.writeFileSync(path.join(orphan, "result.json"), JSON.stringify(result(run.id, 2, false)));
  fs.writeFileSync(path.join(orphan, "events.jsonl"), "");
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
  const db = new Database(path.join(root, "enpire.db"));
  db.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(Number(dead), run.id);
  db.close();

  const reopened = RunStore.open(root);
  const trials = reopened.trials(run.id);
  assert.deepEqual(
    trials.map((t) => [t.index, t.success]),
    [
      [0, true],
      [2, false],
    ],
  );
  const row = reopened.getRun(run.id);
  assert.equal(row.status, "interrupted");
  assert.ok(
    fs.readdirSync(trialsDir).some((n) => n.startsWith(".tmp-00001")),
    "the partial trial is left hidden",
  );
  reopened.close();
});
