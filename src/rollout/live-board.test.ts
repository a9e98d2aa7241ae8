/**
 * The live board on a real fleet of thread stations running Push-T trials (the chase fixture policy): the fleet
 * file as a reader in another process sees it, the stations' camera frames as PNG files, control requests answered
 * (pause, resume, home, a malformed one), the write throttle, and `closed: true` at the end.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodePng } from "../env/image/png.js";
import { evalFingerprint } from "../env/registry.js";
import { bundlePolicy, bundleToData } from "../policy/sandbox/bundle.js";
import { evaluate } from "./evaluate.js";
import { Fleet, type FleetEvent, type RunSpec } from "./fleet.js";
import {
  fileSafe,
  LiveBoard,
  type LiveControlAnswer,
  LiveControlAnswerSchema,
  type LiveFleet,
  LiveFleetSchema,
  liveDir,
} from "./live-board.js";
import { Recorder } from "./recorder.js";
import { ThreadStation } from "./stations/thread-station.js";
import { RunStore } from "./store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const chase = await bundlePolicy(path.join(ROOT, "test", "fixtures", "cli", "chase.js"));
const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-live-"));
const store = RunStore.open(storeRoot);
after(() => {
  store.close();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

/** A run in the store with seeds 1..n of chase on Push-T for `maxSteps` steps (it never succeeds that fast). */
function newRun(n: number, maxSteps: number): RunSpec {
  const { id } = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    policy: { name: "chase", path: chase.path, sha256: chase.sha256 },
    episodes: n,
    seedStart: 1,
    options: {},
  });
  return {
    runId: id,
    seeds: Array.from({ length: n }, (_, i) => ({ seed: i + 1 })),
    job: {
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
    },
    recorder: new Recorder(store, id),
  };
}

/** The fleet file as a reader sees it (parsed by the contract's schema); undefined before it exists. */
function readFleet(board: LiveBoard): LiveFleet | undefined {
  if (!fs.existsSync(board.file)) return undefined;
  return LiveFleetSchema.parse(JSON.parse(fs.readFileSync(board.file, "utf8")));
}

/** Polls until `get` returns something truthy (every 20 ms, at most `ms`), and returns it. */
async function until<T>(get: () => T | undefined | null | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes a control request as the UI does (tmp + rename) and waits for its answer. */
async function ask(board: LiveBoard, requestId: string, body: unknown): Promise<LiveControlAnswer> {
  const file = path.join(board.controlDir, `${requestId}.json`);
  fs.writeFileSync(`${file}.tmp`, typeof body === "string" ? body : JSON.stringify(body));
  fs.renameSync(`${file}.tmp`, file);
  const done = path.join(board.controlDir, `${requestId}.done.json`);
  const answer = await until(
    () => fs.existsSync(done) && LiveControlAnswerSchema.parse(JSON.parse(fs.readFileSync(done, "utf8"))),
    `the answer to ${requestId}`,
  );
  assert.equal(fs.existsSync(file), false, "the request file is removed once answered");
  return answer;
}

const request = (requestId: string, station: string, action: string) => ({
  schema: "enpire.live-control/1",
  requestId,
  station,
  action,
  requestedAt: new Date().toISOString(),
});

test("a fleet's stations, trials and frames go live as files; pause, resume and home requests are answered", async () => {
  const stations = [new ThreadStation("agent-x/sim-0"), new ThreadStation("agent-x/sim-1")];
  const fleet = new Fleet(stations);
  const events: FleetEvent[] = [];
  fleet.subscribe((e) => events.push(e));
  await fleet.ready();
  const board = new LiveBoard(store.root, fleet, { label: "agent-x" });
  assert.equal(board.file, path.join(liveDir(store.root), "fleets", `${board.fleetId}.json`));
  assert.match(board.fleetId, new RegExp(`^${process.pid}-[a-z0-9]+-\\d+$`));

  const idle = await until(() => readFleet(board), "the fleet file");
  assert.deepEqual(
    [idle.label, idle.closed, idle.pid, idle.controlDir, idle.runs],
    ["agent-x", false, process.pid, `live/control/${board.fleetId}`, []],
  );
  assert.deepEqual(
    idle.stations.map((s) => [s.id, s.kind, s.health, s.paused, s.current]),
    [
      ["agent-x/sim-0", "thread", "idle", false, null],
      ["agent-x/sim-1", "thread", "idle", false, null],
    ],
  );

  const spec = newRun(10, 300);
  const running = fleet.submit(spec);
  // while it runs: its run and each station's trial in progress
  const busy = await until(() => {
    const f = readFleet(board);
    return f?.stations.every((s) => s.current !== null) && f.runs.length === 1 && f;
  }, "both stations to show a trial in progress");
  assert.equal(busy.runs[0].runId, spec.runId);
  assert.equal(busy.runs[0].budget.trials, null);
  for (const s of busy.stations) {
    assert.equal(s.health, "running");
    assert.equal(s.current?.runId, spec.runId);
    assert.ok(s.current && s.current.seed >= 1 && s.current.seed <= 10);
  }

  // frames: a PNG per station, Push-T's 128 px preview
  const framed = await until(() => {
    const f = readFleet(board);
    return f?.stations.every((s) => s.frame !== null) && f;
  }, "both stations' frames");
  for (const s of framed.stations) {
    assert.equal(s.frame?.file, `live/frames/${fileSafe(s.id)}.png`);
    const png = decodePng(fs.readFileSync(path.join(store.root, s.frame!.file)));
    assert.deepEqual([png.width, png.height], [128, 128]);
    assert.ok(new Set(png.rgb).size > 4, "a real picture, not a blank");
    assert.equal(s.frame?.runId, spec.runId);
  }

  // pause sim-0: answered at once; it finishes its trial and takes no new one
  const paused = await ask(board, "pause-1", request("pause-1", "agent-x/sim-0", "pause"));
  assert.equal(paused.ok, true, paused.message);
  const pausedAt = events.length;
  // sim-1 runs trial after trial (the fleet hands it the next in the same turn): home is refused
  const home = await ask(board, "home-1", request("home-1", "agent-x/sim-1", "home"));
  assert.equal(home.ok, false);
  assert.match(home.message, /station agent-x\/sim-1 is running a trial; pause it/);
  await until(() => {
    const s = readFleet(board)?.stations[0];
    return s?.paused && s.health === "idle" && s.current === null;
  }, "sim-0 to be paused and idle");
  assert.ok(
    readFleet(board)?.stations[0].last?.runId === spec.runId,
    "the trial in flight when paused ended and shows as its last",
  );
  const homed = await ask(board, "home-2", request("home-2", "agent-x/sim-0", "home"));
  assert.deepEqual([homed.ok, homed.message], [true, "station agent-x/sim-0 is home"]);

  // a malformed request gets an error answer and the board goes on
  const bad = await ask(board, "bad_1", "{ not json");
  assert.equal(bad.ok, false);
  assert.match(bad.message, /malformed: not JSON/);
  const unknown = await ask(board, "bad_2", request("bad_2", "agent-x/sim-9", "pause"));
  assert.equal(unknown.ok, false);
  assert.match(unknown.message, /no station agent-x\/sim-9 in this fleet/);
  const wrongAction = await ask(board, "bad_3", request("bad_3", "agent-x/sim-0", "explode"));
  assert.match(wrongAction.message, /malformed: action/);
  const dispatchedWhilePaused = events
    .slice(pausedAt)
    .filter((e) => e.type === "dispatch" && e.station === "agent-x/sim-0");
  assert.deepEqual(dispatchedWhilePaused, [], "a paused station took no trial");

  const resumed = await ask(board, "resume-1", request("resume-1", "agent-x/sim-0", "resume"));
  assert.equal(resumed.ok, true);
  await until(() => readFleet(board)?.stations[0].paused === false, "sim-0 resumed on the board");
  const outcome = await running;
  assert.deepEqual(outcome.end, { kind: "finished" });
  await fleet.close();
  await board.close();

  const closed = readFleet(board)!;
  assert.equal(closed.closed, true);
  assert.deepEqual(
    closed.stations.map((s) => s.health),
    ["offline", "offline"],
  );
  assert.ok(closed.stations.every((s) => s.busyMs > 0 && s.mru > 0 && s.mru <= 1));
  assert.ok(closed.fleetMru > 0);
  // the file is kept; nothing is left half-written
  assert.deepEqual(
    fs.readdirSync(path.dirname(board.file)).filter((f) => f.startsWith(board.fleetId)),
    [`${board.fleetId}.json`],
  );
});

test("the fleet file is rewritten at most ~4 times a second however fast the fleet changes, ending with the latest", async () => {
  const fleet = new Fleet(Array.from({ length: 8 }, (_, i) => new ThreadStation(`burst-${i}`)));
  const board = new LiveBoard(store.root, fleet);
  await until(() => readFleet(board), "the first write");
  const before = board.writes.status;
  const t0 = performance.now();
  // 8 stations changing as fast as the event loop allows: 4,000 fleet events in about a second
  for (let round = 0; round < 50; round++) {
    for (let k = 0; k < 40; k++) {
      const id = `burst-${k % 8}`;
      fleet.pause(id);
      fleet.resume(id);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  fleet.pause("burst-3"); // the last change
  const elapsedS = (performance.now() - t0) / 1000;
  await until(() => readFleet(board)?.stations[3].paused, "the last change to be written");
  const writes = board.writes.status - before;
  assert.ok(writes <= Math.ceil(elapsedS * 4) + 2, `${writes} writes in ${elapsedS.toFixed(2)} s`);
  assert.ok(writes >= 2, "it kept writing while the fleet changed");
  await fleet.close();
  await board.close();
});

test("evaluate publishes its fleet by default, its stations named after the label; live: false publishes nothing", async () => {
  const fleetsDir = path.join(liveDir(store.root), "fleets");
  const known = new Set(fs.existsSync(fleetsDir) ? fs.readdirSync(fleetsDir) : []);
  const result = await evaluate(store, {
    taskId: "pusht",
    policyFile: path.join(ROOT, "examples", "policies", "pusht-heuristic.ts"),
    episodes: 3,
    seedStart: 100000,
    stations: 2,
    label: "agent-7",
  });
  assert.equal(result.status, "finished");
  assert.deepEqual(
    result.fleet.stations.map((s) => s.id),
    ["agent-7/sim-0", "agent-7/sim-1"],
  );
  assert.ok(result.trials.every((t) => t.station?.startsWith("agent-7/sim-")));
  const added = fs.readdirSync(fleetsDir).filter((f) => !known.has(f));
  assert.equal(added.length, 1, `one fleet file: ${added}`);
  const published = LiveFleetSchema.parse(JSON.parse(fs.readFileSync(path.join(fleetsDir, added[0]), "utf8")));
  assert.deepEqual(
    [published.label, published.closed, published.stations.map((s) => s.id)],
    ["agent-7", true, ["agent-7/sim-0", "agent-7/sim-1"]],
  );
  const counted = published.stations.filter((s) => s.last?.runId === result.runId);
  assert.ok(counted.length >= 1, "the last trial of each station that ran one is shown");

  await evaluate(store, {
    taskId: "pusht",
    policyFile: path.join(ROOT, "examples", "policies", "pusht-heuristic.ts"),
    episodes: 1,
    seedStart: 100000,
    live: false,
  });
  assert.equal(fs.readdirSync(fleetsDir).length, known.size + 1, "no fleet file without live");
});
