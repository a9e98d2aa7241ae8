/**
 * The fleet scheduler on real Push-T trials (the chase fixture policy, a few dozen steps each) through real thread
 * stations and the real recorder and store; fault-injection wrappers make stations crash, fail resets or hang.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { TrialResultSchema } from "../core/trial.js";
import { evalFingerprint } from "../env/registry.js";
import { bundlePolicy, bundleToData } from "../policy/sandbox/bundle.js";
import { evaluate } from "./evaluate.js";
import {
  Fleet,
  type FleetEvent,
  type JobTemplate,
  NoStationsError,
  type RunOutcome,
  type RunSpec,
  StationControlError,
} from "./fleet.js";
import { Recorder } from "./recorder.js";
import type { Station } from "./station.js";
import { withFaults } from "./stations/fault-injection.js";
import { LocalStation } from "./stations/local-station.js";
import { ThreadStation } from "./stations/thread-station.js";
import { RunStore, type TrialRow } from "./store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
const chase = await bundlePolicy(CHASE);
const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-fleet-"));
const store = RunStore.open(storeRoot);
after(() => {
  store.close();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

/** Chase on Push-T for `maxSteps` steps: it never succeeds that fast, so every trial runs all of them. */
function template(maxSteps: number): JobTemplate {
  return {
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    obsType: null,
    policy: { name: "chase", ...bundleToData(chase) },
    maxSteps,
    tries: 1,
    stepDeadlineMs: 1000,
    memoryLimitMb: 64,
    safety: null,
    video: null,
  };
}

/** A run in the store with seeds 1..n, recorded by the real recorder. */
function newRun(n: number, maxSteps = 30, extra: Partial<RunSpec> = {}): RunSpec {
  const { id } = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    policy: { name: "chase", path: chase.path, sha256: chase.sha256 },
    episodes: n,
    seedStart: 1,
    options: {},
  });
  const seeds = Array.from({ length: n }, (_, i) => ({ seed: i + 1 }));
  return { runId: id, seeds, job: template(maxSteps), recorder: new Recorder(store, id), ...extra };
}

/** Every seed of the run has exactly one counted trial, and the store agrees with what the fleet returned. */
function assertEachSeedCountedOnce(outcome: RunOutcome, seeds: number): TrialRow[] {
  const rows = store.trials(outcome.runId);
  assert.deepEqual(
    rows.map((r) => r.index),
    outcome.rows.map((r) => r.index),
  );
  const counted = rows.filter((r) => r.counted);
  assert.deepEqual(
    counted.map((r) => r.seed).sort((a, b) => a - b),
    Array.from({ length: seeds }, (_, i) => i + 1),
  );
  return rows;
}

const threads = (n: number, prefix = "sim") => Array.from({ length: n }, (_, i) => new ThreadStation(`${prefix}-${i}`));

test("runs share the stations fairly, and a free station gets queued work at once", async () => {
  const events: FleetEvent[] = [];
  const fleet = new Fleet(threads(2), { onEvent: (e) => events.push(e) });
  await fleet.ready();
  const specs = [newRun(6, 100), newRun(6, 100), newRun(6, 100)];
  const outcomes = await Promise.all(specs.map((s) => fleet.submit(s)));
  for (const o of outcomes) {
    assert.deepEqual(o.end, { kind: "finished" });
    assertEachSeedCountedOnce(o, 6);
  }

  // replay the events: each dispatch goes to a run with the fewest trials in flight among those with queued work
  const queued = new Map<string, number>();
  const inFlight = new Map<string, number>();
  // stations that came free while work was queued and have not been handed their next trial yet
  const waitingForWork = new Set<string>();
  for (const e of events) {
    if (e.type === "submit") {
      queued.set(e.runId, e.seeds);
      inFlight.set(e.runId, 0);
    } else if (e.type === "trial") {
      // the fleet hands a free station its next job in the same turn: no other trial can return in between
      assert.deepEqual(
        [...waitingForWork],
        [],
        `a trial returned on ${e.station} before ${[...waitingForWork]} got work`,
      );
      inFlight.set(e.runId, inFlight.get(e.runId)! - 1);
      if ([...queued.values()].some((n) => n > 0)) waitingForWork.add(e.station);
    } else if (e.type === "dispatch") {
      const waiting = [...queued].filter(([, n]) => n > 0).map(([runId]) => inFlight.get(runId)!);
      assert.equal(inFlight.get(e.runId), Math.min(...waiting), `dispatch of ${e.runId} #${e.index} was not fair`);
      queued.set(e.runId, queued.get(e.runId)! - 1);
      inFlight.set(e.runId, inFlight.get(e.runId)! + 1);
      if (waitingForWork.size > 0)
        assert.ok(waitingForWork.has(e.station), `${e.station} served before a free station`);
      waitingForWork.delete(e.station);
    }
  }
  assert.deepEqual([...waitingForWork], []);
  const u = fleet.utilisation();
  assert.equal(u.dispatcher.trials, 18);
  assert.equal(
    u.stations.reduce((a, s) => a + s.intervals.length, 0),
    18,
  );
  assert.ok(u.fleetMruWhileQueued !== null && u.fleetMruWhileQueued > 0.6, `MRU ${u.fleetMruWhileQueued}`);
  for (const s of u.stations) assert.ok(s.mru > 0 && s.mru <= 1);
  await fleet.close();
  assert.deepEqual(
    fleet.stations().map((s) => s.health),
    ["offline", "offline"],
  );
});

test("a station that crashes mid-trial: the trial is kept as interrupted and its seed runs once elsewhere", async () => {
  const crashing = withFaults(new ThreadStation("sim-0"), (call) =>
    call === 1 ? { kind: "crash", afterMs: 15 } : null,
  );
  const fleet = new Fleet([crashing, new ThreadStation("sim-1")]);
  await fleet.ready();
  const spec = newRun(6, 200);
  const outcome = await fleet.submit(spec);
  assert.deepEqual(outcome.end, { kind: "finished" });
  const rows = assertEachSeedCountedOnce(outcome, 6);
  const interrupted = rows.filter((r) => !r.counted);
  assert.equal(interrupted.length, 1);
  const [lost] = interrupted;
  assert.equal(lost.station, "sim-0");
  assert.match(lost.reason ?? "", /crashed mid-trial/);
  const rerun = rows.find((r) => r.counted && r.seed === lost.seed)!;
  assert.deepEqual([rerun.attempt, rerun.station], [2, "sim-1"], "the seed ran again, on the other station");
  const result = TrialResultSchema.parse(
    JSON.parse(fs.readFileSync(path.join(store.resolve(lost.dir), "result.json"), "utf8")),
  );
  assert.deepEqual([result.outcome.kind, result.counted], ["interrupted", false]);
  assert.equal(fleet.stations()[0].health, "idle", "one crash does not take a station out of service");
  await fleet.close();
});

test("a worker thread that dies mid-trial is a fault; the station starts a fresh thread for its next trial", async () => {
  const station = new ThreadStation("sim-0");
  const fleet = new Fleet([station], {
    onEvent: (e) => {
      if (e.type === "dispatch" && e.index === 1) setTimeout(() => void station.thread?.terminate(), 10);
    },
  });
  await fleet.ready();
  const outcome = await fleet.submit(newRun(3, 300));
  const rows = assertEachSeedCountedOnce(outcome, 3);
  const interrupted = rows.filter((r) => !r.counted);
  assert.equal(interrupted.length, 1);
  assert.match(interrupted[0].reason ?? "", /its thread exited with code 1 mid-trial/);
  assert.equal(rows.at(-1)?.station, "sim-0", "the same station ran the seed again, on a new thread");
  await fleet.close();
});

test("a station whose reset fails again and again is taken out of service; its work goes to the others", async () => {
  const broken = withFaults(new LocalStation("sim-0"), () => ({ kind: "reset-fails" }));
  const events: FleetEvent[] = [];
  const fleet = new Fleet([broken, new ThreadStation("sim-1")], { stationRetries: 2, onEvent: (e) => events.push(e) });
  const outcome = await fleet.submit(newRun(5));
  assert.deepEqual(outcome.end, { kind: "finished" });
  const rows = assertEachSeedCountedOnce(outcome, 5);
  assert.equal(broken.calls, 3, "tried once and retried twice");
  const interrupted = rows.filter((r) => !r.counted);
  assert.equal(interrupted.length, 3);
  for (const r of interrupted) assert.match(r.reason ?? "", /auto-reset failed/);
  assert.ok(rows.filter((r) => r.counted).every((r) => r.station === "sim-1"));
  const [status] = fleet.stations();
  assert.equal(status.health, "faulted");
  assert.match(status.detail ?? "", /out of service after 3 faults in a row/);
  assert.ok(events.some((e) => e.type === "station" && e.station === "sim-0" && e.health === "faulted"));
  await fleet.close();
});

test("a hung station is given up on after the watchdog; its late answer is discarded, never counted", async () => {
  const late = withFaults(new LocalStation("sim-0"), (call) =>
    call === 1 ? { kind: "hang", answerAfterMs: 700 } : null,
  );
  const silent = withFaults(new LocalStation("sim-1"), (call) => (call === 1 ? { kind: "hang" } : null));
  const events: FleetEvent[] = [];
  const fleet = new Fleet([late, silent, new ThreadStation("sim-2")], {
    watchdogMs: () => 250,
    onEvent: (e) => events.push(e),
  });
  await fleet.ready();
  const outcome = await fleet.submit(newRun(8, 60));
  assert.deepEqual(outcome.end, { kind: "finished" });
  const rows = assertEachSeedCountedOnce(outcome, 8);
  const interrupted = rows.filter((r) => !r.counted);
  assert.equal(interrupted.length, 2);
  for (const r of interrupted) assert.match(r.reason ?? "", /did not finish trial \d+ \(seed \d+\) within 250 ms/);
  await new Promise((resolve) => setTimeout(resolve, 700)); // the late answer arrives
  assert.equal(store.trials(outcome.runId).length, rows.length, "the late answer recorded nothing");
  const [first, second] = fleet.stations();
  assert.equal(first.health, "idle", "a station that answers late is back in service");
  assert.ok(
    events.some((e) => e.type === "station" && e.station === "sim-0" && /recovered after hanging/.test(e.detail ?? "")),
  );
  assert.equal(second.health, "offline", "a station that never answers stays out of service");
  await fleet.close();
});

test("budgets are exact under faults: trials, wall-clock and station-seconds", async (t) => {
  await t.test("trials: never more counted trials than the budget, interrupted ones re-run", async () => {
    const crashing = withFaults(new ThreadStation("sim-0"), (call) =>
      call % 2 === 1 ? { kind: "crash", afterMs: 5 } : null,
    );
    const fleet = new Fleet([crashing, new ThreadStation("sim-1")], { stationRetries: 10 });
    const outcome = await fleet.submit(newRun(10, 100, { budget: { trials: 4 }, maxAttempts: 10 }));
    assert.equal(outcome.end.kind, "budget");
    const rows = store.trials(outcome.runId);
    assert.equal(rows.filter((r) => r.counted).length, 4);
    assert.ok(
      rows.some((r) => !r.counted),
      "some trials were interrupted",
    );
    assert.equal(outcome.unrun.length, 6);
    await fleet.close();
  });

  await t.test("wall-clock: no trial starts after it is spent; trials in flight finish and count", async () => {
    const events: FleetEvent[] = [];
    const fleet = new Fleet(threads(2), { onEvent: (e) => events.push(e) });
    await fleet.ready();
    const spec = newRun(200, 60, { budget: { wallClockS: 0.4 }, spent: { trials: 0, wallClockMs: 100, stationMs: 0 } });
    const outcome = await fleet.submit(spec);
    assert.deepEqual(outcome.end, { kind: "budget", which: "wall-clock", reason: "wall-clock budget of 0.4 s spent" });
    const submitted = events.find((e) => e.type === "submit")?.atMs ?? Number.NaN;
    const starts = events.filter((e) => e.type === "dispatch").map((e) => e.atMs);
    assert.ok(Math.max(...starts) - submitted < 300, "the 100 ms an earlier session used count");
    // trials kept starting until the budget was spent: every station that came free well before then got a new
    // trial (judged by event order, not by how many trials a loaded machine managed)
    const spentAt = submitted + 300;
    for (const done of events) {
      if (done.type !== "trial" || done.atMs >= spentAt - 20) continue;
      const station = done.station;
      assert.ok(
        events.some((e) => e.type === "dispatch" && e.station === station && e.atMs >= done.atMs),
        `station ${station} came free at +${Math.round(done.atMs - submitted)} ms with budget left and got no trial`,
      );
    }
    const counted = store.trials(outcome.runId).filter((r) => r.counted).length;
    assert.equal(counted, starts.length, "every trial started was finished and counted");
    assert.ok(counted > 2 && counted < 200);
    await fleet.close();
  });

  await t.test("station-seconds: no trial starts once the run's trials used them", async () => {
    const fleet = new Fleet(threads(2));
    await fleet.ready();
    const outcome = await fleet.submit(newRun(200, 60, { budget: { stationSeconds: 0.3 } }));
    assert.equal(outcome.end.kind, "budget");
    assert.equal(outcome.progress.inFlight, 0);
    const rows = store.trials(outcome.runId);
    const used = outcome.progress.stationMs;
    const longest = Math.max(...rows.map((r) => r.elapsedMs));
    assert.ok(used >= 300 && used < 300 + 2 * (longest + 50), `used ${used} ms`);
    await fleet.close();
  });
});

test("when every station is out of service the run ends with a clear error; what was recorded is kept", async () => {
  const fails = (id: string): Station => withFaults(new LocalStation(id), () => ({ kind: "reset-fails" }));
  const fleet = new Fleet([fails("sim-0"), fails("sim-1")], { stationRetries: 1 });
  const outcome = await fleet.submit(newRun(3, 30, { maxAttempts: 10 }));
  assert.equal(outcome.end.kind, "failed");
  if (outcome.end.kind !== "failed") return;
  assert.ok(outcome.end.error instanceof NoStationsError);
  assert.match(outcome.end.reason, /no station is in service for run .* 3 seeds left: sim-0 faulted .*; sim-1 faulted/);
  assert.match(outcome.end.reason, /enpire run --resume/);
  const rows = store.trials(outcome.runId);
  assert.equal(rows.length, 4, "two tries on each station, each kept");
  assert.ok(rows.every((r) => !r.counted && r.outcomeKind === "interrupted"));
  assert.deepEqual(outcome.unrun, [1, 2, 3]);
  await fleet.close();
});

test("a thread station's own watchdog stops a trial that runs too long", async () => {
  const station = new ThreadStation("sim-0", { watchdogMs: () => 40 });
  const fleet = new Fleet([station, new LocalStation("local")]);
  await fleet.ready();
  const outcome = await fleet.submit(newRun(2, 300));
  const rows = assertEachSeedCountedOnce(outcome, 2);
  const interrupted = rows.filter((r) => !r.counted);
  assert.ok(interrupted.length >= 1);
  assert.match(
    interrupted[0].reason ?? "",
    /did not finish trial \d+ \(seed \d+\) within 40 ms; its thread was stopped/,
  );
  await fleet.close();
});

test("evaluate on 3 thread stations records each seed once, with stations and utilisation", async () => {
  const result = await evaluate(store, {
    taskId: "pusht",
    policyFile: path.join(ROOT, "examples", "policies", "pusht-heuristic.ts"),
    episodes: 6,
    seedStart: 100000,
    stations: 3,
  });
  assert.equal(result.status, "finished");
  assert.deepEqual(result.trials.map((t) => t.seed).sort(), [100000, 100001, 100002, 100003, 100004, 100005]);
  assert.equal(result.summary.episodes, 6);
  assert.ok(result.summary.successes >= 5, "the heuristic solves nearly every seed");
  assert.deepEqual(
    result.fleet.stations.map((s) => s.id),
    ["sim-0", "sim-1", "sim-2"],
  );
  assert.equal(
    result.fleet.utilisation.stations.reduce((a, s) => a + s.trials, 0),
    6,
  );
  const stationsUsed = new Set(result.trials.map((t) => t.station));
  assert.ok(stationsUsed.size >= 2, `trials ran on ${[...stationsUsed].join(", ")}`);
});

test("a seed interrupted on every station in service still runs: avoiding a station is only a preference", async () => {
  const twice = (id: string) =>
    withFaults(new LocalStation(id), (call) => (call <= 2 ? { kind: "crash", afterMs: 0 } : null));
  const fleet = new Fleet([twice("sim-0"), twice("sim-1")], { stationRetries: 5 });
  const outcome = await fleet.submit(newRun(2, 20, { maxAttempts: 5 }));
  assert.deepEqual(outcome.end, { kind: "finished" });
  const rows = assertEachSeedCountedOnce(outcome, 2);
  assert.equal(rows.filter((r) => !r.counted).length, 4);
  assert.ok(rows.filter((r) => r.counted).every((r) => r.attempt === 3));
  await fleet.close();
});

/** Resolves once `check` holds, looking every 10 ms; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("a run whose stations are all paused waits (it does not fail) and finishes once one is resumed", async () => {
  const events: FleetEvent[] = [];
  const fleet = new Fleet(threads(2), { onEvent: (e) => events.push(e) });
  await fleet.ready();
  fleet.pause("sim-0");
  fleet.pause("sim-1");
  assert.deepEqual(
    fleet.stations().map((s) => [s.id, s.health, s.paused]),
    [
      ["sim-0", "idle", true],
      ["sim-1", "idle", true],
    ],
  );
  let ended = false;
  const running = fleet.submit(newRun(3, 30)).then((o) => {
    ended = true;
    return o;
  });
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(ended, false, "the run waits for a paused station instead of failing");
  assert.equal(events.filter((e) => e.type === "dispatch").length, 0, "a paused station takes no trial");
  fleet.resume("sim-1");
  const outcome = await running;
  assert.deepEqual(outcome.end, { kind: "finished" });
  const rows = assertEachSeedCountedOnce(outcome, 3);
  assert.ok(
    rows.every((r) => r.station === "sim-1"),
    "only the resumed station ran trials",
  );
  assert.equal(fleet.stations()[0].paused, true);
  assert.equal(fleet.stations()[1].paused, undefined);
  assert.deepEqual(
    events.filter((e) => e.type === "control").map((e) => e.type === "control" && [e.station, e.action, e.phase]),
    [
      ["sim-0", "pause", "done"],
      ["sim-1", "pause", "done"],
      ["sim-1", "resume", "done"],
    ],
  );
  await fleet.close();
});

test("pausing a station mid-trial lets that trial finish and count; it takes the next only after resume", async () => {
  const events: FleetEvent[] = [];
  const fleet = new Fleet(threads(1), {
    onEvent: (e) => {
      events.push(e);
      if (e.type === "dispatch" && e.index === 0) fleet.pause("sim-0");
    },
  });
  await fleet.ready();
  const spec = newRun(3, 60);
  const running = fleet.submit(spec);
  await until(() => events.some((e) => e.type === "trial"), "the first trial to return");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(events.filter((e) => e.type === "dispatch").length, 1, "no trial started while paused");
  await until(() => store.trials(spec.runId).length === 1, "the first trial to be recorded");
  assert.equal(store.trials(spec.runId)[0].counted, true, "the trial in flight when paused counts");
  fleet.resume("sim-0");
  const outcome = await running;
  assert.deepEqual(outcome.end, { kind: "finished" });
  assertEachSeedCountedOnce(outcome, 3);
  await fleet.close();
});

test("home runs a station's home command only while it is idle, holding its slot meanwhile; errors are clear", async () => {
  const station = new ThreadStation("sim-0");
  const events: FleetEvent[] = [];
  const fleet = new Fleet([station, new LocalStation("local")], { onEvent: (e) => events.push(e) });
  await fleet.ready();
  await assert.rejects(fleet.home("nope"), (err: Error) => {
    assert.ok(err instanceof StationControlError);
    assert.match(err.message, /no station nope in this fleet \(it has sim-0, local\)/);
    return true;
  });
  assert.throws(() => fleet.pause("nope"), /no station nope in this fleet/);
  await assert.rejects(fleet.home("local"), /station local has no home command/);

  // while it runs a trial: refused
  fleet.pause("local");
  const spec = newRun(2, 150);
  const running = fleet.submit(spec);
  await until(() => station.status().health === "running", "sim-0 to run a trial");
  await assert.rejects(fleet.home("sim-0"), /station sim-0 is running a trial; pause it/);
  fleet.pause("sim-0");
  await until(() => store.trials(spec.runId).length === 1, "its trial to end");

  // idle (and paused): homes; the fleet reports it resetting meanwhile, then idle, and it still takes no trial
  const homing = fleet.home("sim-0");
  assert.deepEqual([fleet.stations()[0].health, fleet.stations()[0].detail], ["resetting", "homing"]);
  await homing;
  assert.equal(fleet.stations()[0].health, "idle");
  assert.equal(events.filter((e) => e.type === "dispatch").length, 1);
  const control = events.filter((e) => e.type === "control" && e.action === "home");
  assert.deepEqual(
    control.map((e) => e.type === "control" && [e.station, e.phase]),
    [
      ["sim-0", "started"],
      ["sim-0", "done"],
    ],
  );
  fleet.resume("sim-0");
  const outcome = await running;
  assert.deepEqual(outcome.end, { kind: "finished" });
  assertEachSeedCountedOnce(outcome, 2);
  await fleet.close();
});
