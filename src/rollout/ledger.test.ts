import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { TrialResult } from "../core/trial.js";
import { LEDGER_FILE, readLedger, verifyLedger } from "./ledger.js";
import { RunStore } from "./store.js";

/** A run of four committed trials (trial 2 with a video), each with a few step events. */
function recordedRun() {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ledger-")));
  const run = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: "f".repeat(64),
    policy: { name: "p", path: "/x/p.ts", sha256: "a".repeat(64) },
    episodes: 4,
    seedStart: 100,
    options: {},
  });
  for (let index = 0; index < 4; index++) {
    const seed = 100 + index;
    const writer = store.beginTrial(run.id, index, seed);
    writer.event({ event: "reset", t: 0, seed, observation: [1, 2, 3, 4, 5] });
    for (let i = 0; i < 3; i++) {
      writer.event({
        event: "step",
        t: i + 1,
        index: i,
        action: [10, 20],
        reward: 0.25 * i,
        terminated: false,
        truncated: false,
        observation: [1, 2, 3, 4, 5],
        info: { coverage: 0.2 * i },
      });
    }
    if (index === 2) fs.writeFileSync(writer.file("video.mp4"), "not really an mp4, but bytes to hash");
    writer.commit(result(run.id, index, seed, index === 2 ? "video.mp4" : null));
  }
  return { store, run, trials: path.join(run.dir, "trials"), ledger: path.join(run.dir, LEDGER_FILE) };
}

function result(runId: string, index: number, seed: number, video: string | null): TrialResult {
  return {
    schema: "enpire.trial-result/1",
    runId,
    index,
    seed,
    task: { id: "pusht", version: 1 },
    evalFingerprint: "f".repeat(64),
    policy: { name: "p", path: "/x/p.ts", sha256: "a".repeat(64) },
    envStack: "safety(clip-action(pusht@1))",
    station: "sim-0",
    attempt: 1,
    outcome: { kind: "failure", score: 0.4, reason: "coverage 0.38 <= 0.95 after 3 steps" },
    success: false,
    counted: true,
    steps: 3,
    totalReward: 0.75,
    maxReward: 0.5,
    termination: "max_steps",
    verification: { success: false, score: 0.4, reason: "coverage 0.38 <= 0.95", metrics: {} },
    tries: [{ steps: 3, success: false, maxReward: 0.5 }],
    startedAt: "2026-01-01T00:00:00.000Z",
    elapsedMs: 3,
    video,
  };
}

/** The problems, one line each, as `enpire verify-ledger` prints them. */
function problems(store: RunStore, runId: string): string[] {
  return verifyLedger(store, runId).problems.map((p) => p.problem);
}

test("an intact run verifies: one entry per trial, in commit order, chained from run.json", () => {
  const { store, run } = recordedRun();
  const v = verifyLedger(store, run.id);
  assert.deepEqual(v.problems, []);
  assert.equal(v.ok, true);
  assert.equal(v.entries, 4);
  const entries = readLedger(run.dir);
  assert.deepEqual(
    entries.map((e) => [e.seq, e.index, e.seed, e.attempt, e.outcome, e.videoSha256 !== null]),
    [
      [0, 0, 100, 1, "failure", false],
      [1, 1, 101, 1, "failure", false],
      [2, 2, 102, 1, "failure", true],
      [3, 3, 103, 1, "failure", false],
    ],
  );
  assert.equal(v.head, entries[3].hash);
  for (let i = 1; i < 4; i++) assert.equal(entries[i].prev, entries[i - 1].hash);
  store.close();
});

test("result.json changed by one byte is found, naming the trial", () => {
  const { store, run, trials } = recordedRun();
  const file = path.join(trials, "00001-seed-101", "result.json");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"maxReward": 0.5', '"maxReward": 0.6'));
  assert.deepEqual(verifyLedger(store, run.id).ok, false);
  const [only, ...rest] = problems(store, run.id);
  assert.match(only, /^trial 1 \(00001-seed-101\): result\.json has sha256 [0-9a-f]{12}…, the ledger recorded/);
  assert.deepEqual(rest, []);
  assert.deepEqual(
    verifyLedger(store, run.id).problems.map((p) => [p.seq, p.index]),
    [[1, 1]],
  );
  store.close();
});

test("a deleted events line and a changed video are found, naming their trials", () => {
  const { store, run, trials } = recordedRun();
  const events = path.join(trials, "00003-seed-103", "events.jsonl");
  const lines = fs.readFileSync(events, "utf8").split("\n");
  lines.splice(2, 1);
  fs.writeFileSync(events, lines.join("\n"));
  fs.appendFileSync(path.join(trials, "00002-seed-102", "video.mp4"), "!");
  assertLines(problems(store, run.id), [
    /^trial 2 \(00002-seed-102\): video\.mp4 has sha256/,
    /^trial 3 \(00003-seed-103\): events\.jsonl has sha256/,
  ]);
  store.close();
});

test("a ledger line removed is found: the chain breaks and the trial is indexed but not in the ledger", () => {
  const { store, run, ledger } = recordedRun();
  const lines = fs.readFileSync(ledger, "utf8").split("\n");
  lines.splice(1, 1); // trial 1's entry
  fs.writeFileSync(ledger, lines.join("\n"));
  assertLines(problems(store, run.id), [
    "trial 2 (00002-seed-102): entry on line 2 has seq 2; expected 1",
    /^trial 2 \(00002-seed-102\): entry seq 2 does not follow the entry before it/,
    "trial 3 (00003-seed-103): entry on line 3 has seq 3; expected 2",
    "trial 1 (00001-seed-101) is indexed but not in the ledger",
    "trial directory trials/00001-seed-101 is not in the ledger",
  ]);
  store.close();
});

test("ledger lines reordered are found, naming the trials", () => {
  const { store, run, ledger } = recordedRun();
  const lines = fs.readFileSync(ledger, "utf8").split("\n");
  [lines[1], lines[2]] = [lines[2], lines[1]];
  fs.writeFileSync(ledger, lines.join("\n"));
  const found = verifyLedger(store, run.id).problems;
  assert.deepEqual(
    [...new Set(found.map((p) => p.index))].sort(),
    [1, 2, 3],
    "the swapped pair, and the entry after them whose prev no longer follows",
  );
  assert.ok(found.some((p) => /^trial 2 \(00002-seed-102\): entry on line 2 has seq 2; expected 1$/.test(p.problem)));
  assert.ok(found.some((p) => /^trial 1 \(00001-seed-101\): entry seq 1 does not follow/.test(p.problem)));
  store.close();
});

test("a trial directory deleted is found, naming the trial", () => {
  const { store, run, trials } = recordedRun();
  fs.rmSync(path.join(trials, "00000-seed-100"), { recursive: true });
  assert.deepEqual(problems(store, run.id), [
    "trial 0 (00000-seed-100): its directory trials/00000-seed-100 is missing",
  ]);
  store.close();
});

test("an edited entry, an unreadable line and a trial slipped in are found", () => {
  const { store, run, ledger, trials } = recordedRun();
  const lines = fs.readFileSync(ledger, "utf8").split("\n");
  lines[0] = lines[0].replace('"outcome":"failure"', '"outcome":"success"');
  lines[3] = "{ torn";
  fs.writeFileSync(ledger, lines.join("\n"));
  fs.cpSync(path.join(trials, "00001-seed-101"), path.join(trials, "00009-seed-109"), { recursive: true });
  assert.deepEqual(problems(store, run.id), [
    "trial 0 (00000-seed-100): entry seq 0 does not hash to its recorded hash (it was edited)",
    "line 4 of ledger.jsonl: not JSON",
    "trial 3 (00003-seed-103) is indexed but not in the ledger",
    "trial directory trials/00003-seed-103 is not in the ledger",
    "trial directory trials/00009-seed-109 is not in the ledger",
  ]);
  store.close();
});

/** Each line equals its string or matches its pattern, in order, and there are no others. */
function assertLines(actual: string[], expected: (string | RegExp)[]): void {
  assert.equal(actual.length, expected.length, `got:\n${actual.join("\n")}`);
  for (const [i, e] of expected.entries()) {
    if (typeof e === "string") assert.equal(actual[i], e);
    else assert.match(actual[i], e);
  }
}
