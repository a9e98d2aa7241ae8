/**
 * The Fleet API over fleet files written here per the live board's contract (src/rollout/live-board.ts): live,
 * closed, dead and stale fleets; a station in two fleets shown from the newest; the utilisation timeline from real
 * trial rows of the store plus the trial a station is running; the control route (absent without allowControl; 400,
 * 403, 404, 409, 504 and 200 with a fake answerer that reads the request file the route wrote); and the SSE stream
 * announcing a rewritten fleet file.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import { type LiveControlAnswer, LiveControlRequestSchema } from "../rollout/live-board.js";
import { RunStore } from "../rollout/store.js";
import { type ApiFleetView, fleetsDir, registerFleetRoutes } from "./api/fleet.js";
import { ApiError } from "./api/runs.js";
import { syntheticStation, writeSyntheticFleet } from "./api/synthetic-fleet.js";
import { createUiApp } from "./server.js";

let store: RunStore;
let app: Hono; // read-only
let control: Hono; // with allowControl and a short answer timeout

// a pid that is surely not alive: past the kernel's pid_max
const DEAD_PID = 2 ** 22 + 12345;

const station = syntheticStation;
const writeFleet = writeSyntheticFleet;

/** A trial committed through the store's own API, started `agoMs` ago on `station`. */
function trialRow(runId: string, index: number, stationId: string, agoMs: number, elapsedMs: number, success: boolean) {
  const w = store.beginTrial(runId, index, 500 + index);
  w.commit({
    schema: "enpire.trial-result/1",
    runId,
    index,
    seed: 500 + index,
    task: { id: "pusht", version: 1 },
    evalFingerprint: "fleet-test",
    policy: { name: "p", path: null, sha256: "0".repeat(64) },
    envStack: "test",
    station: stationId,
    attempt: 1,
    outcome: success ? { kind: "success", score: 1 } : { kind: "failure", score: 0.2, reason: "coverage 0.2" },
    success,
    counted: true,
    steps: 10,
    totalReward: 1,
    maxReward: success ? 1 : 0.2,
    termination: "terminated",
    verification: { success, score: success ? 1 : 0.2, reason: null, metrics: {} },
    tries: [],
    startedAt: new Date(Date.now() - agoMs).toISOString(),
    elapsedMs,
    video: null,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field below
async function json(a: Hono, url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await a.request(url, init);
  return { status: res.status, body: await res.json() };
}

const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "Content-Type": "application/json", Host: "127.0.0.1:8300", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

let runId: string;

before(() => {
  store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-fleet-")));
  app = createUiApp({ store });
  control = createUiApp({ store, allowControl: true });
  runId = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: "fleet-test",
    policy: { name: "p", path: null, sha256: "0".repeat(64) },
    episodes: 10,
    seedStart: 500,
    options: {},
  }).id;
  // on sim-0: a success 5 min ago and a failure 2 min ago; on sim-9: one 40 min ago (outside a 15 min window)
  trialRow(runId, 0, "agent-1/sim-0", 5 * 60_000, 3000, true);
  trialRow(runId, 1, "agent-1/sim-0", 2 * 60_000, 4000, false);
  trialRow(runId, 2, "sim-9", 40 * 60_000, 3000, true);

  const now = Date.now();
  writeFleet(store.root, {
    fleetId: "live-a",
    label: "agent-1",
    stations: [
      station("agent-1/sim-0", {
        health: "running",
        mru: 0.8,
        current: { runId, index: 3, seed: 503, attempt: 1, startedAtMs: now - 1500 },
        last: { runId, index: 1, success: false, outcome: "failure", endMs: now - 2 * 60_000 + 4000 },
        frame: { file: "live/frames/agent-1_sim-0.png", atMs: now - 200, runId, index: 3, step: 17 },
      }),
      station("agent-1/sim-1", { health: "idle", paused: true, mru: 0.4 }),
    ],
  });
  writeFleet(store.root, {
    fleetId: "closed-b",
    closed: true,
    updatedAt: new Date(now - 30_000).toISOString(),
    stations: [station("sim-5", { health: "idle" }), station("agent-1/sim-1", { health: "faulted" })],
  });
  writeFleet(store.root, { fleetId: "dead-c", pid: DEAD_PID, stations: [station("sim-6", { health: "running" })] });
  writeFleet(store.root, {
    fleetId: "stale-d",
    updatedAt: new Date(now - 20_000).toISOString(),
    stations: [station("sim-7")],
  });
  writeFleet(store.root, {
    fleetId: "old-e",
    closed: true,
    updatedAt: new Date(now - 11 * 60_000).toISOString(),
    stations: [station("sim-8")],
  });
  fs.writeFileSync(path.join(fleetsDir(store.root), "garbage.json"), "{ not json");
});

after(() => store.close());

describe("GET /api/fleet", () => {
  test("live stations from live fleets; closed, dead and stale fleets' stations offline; old ones gone", async () => {
    const { status, body } = await json(app, "/api/fleet");
    assert.equal(status, 200);
    const view = body as ApiFleetView;
    assert.equal(view.allowControl, false);
    const byId = new Map(view.stations.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()], ["agent-1/sim-0", "agent-1/sim-1", "sim-5", "sim-6", "sim-7"]);

    const s0 = byId.get("agent-1/sim-0");
    assert.equal(s0?.live, true);
    assert.equal(s0?.health, "running");
    assert.equal(s0?.label, "agent-1");
    assert.equal(s0?.current?.index, 3);
    assert.equal(s0?.frame?.url, `/files/live/frames/agent-1_sim-0.png?v=${s0?.frame?.atMs}`);
    assert.equal(s0?.frame?.step, 17);

    // in two fleets: shown from the live one (updated last), paused as it says
    assert.equal(byId.get("agent-1/sim-1")?.fleetId, "live-a");
    assert.equal(byId.get("agent-1/sim-1")?.paused, true);

    for (const [id, why] of [
      ["sim-5", /fleet closed/],
      ["sim-6", new RegExp(`pid ${DEAD_PID}\\) ended`)],
      ["sim-7", /no update for 2\d s/],
    ] as const) {
      const s = byId.get(id);
      assert.equal(s?.live, false, id);
      assert.equal(s?.health, "offline", id);
      assert.equal(s?.current, null, id);
      assert.match(s?.detail ?? "", why, id);
    }

    const fleets = new Map(view.fleets.map((f) => [f.fleetId, f.live]));
    assert.deepEqual(Object.fromEntries(fleets), {
      "live-a": true,
      "closed-b": false,
      "dead-c": false,
      "stale-d": false,
    });
    assert.ok(Math.abs((view.fleetMru ?? 0) - 0.6) < 1e-9, "mean of the live fleet's stations (0.8, 0.4)");
  });

  test("the timeline holds the window's trials from the index and the running trial, growing to now", async () => {
    const { body } = await json(app, "/api/fleet?windowMin=15");
    const view = body as ApiFleetView;
    assert.equal(view.timeline.toMs, view.now);
    assert.equal(view.timeline.fromMs, view.now - 15 * 60_000);
    const rows = new Map(view.timeline.stations.map((s) => [s.id, s.intervals]));
    assert.equal(rows.has("sim-9"), false, "its trial ended 40 min ago");
    const s0 = rows.get("agent-1/sim-0") ?? [];
    assert.deepEqual(
      s0.map((i) => [i.index, i.success, i.open]),
      [
        [0, true, false],
        [1, false, false],
        [3, false, true],
      ],
    );
    assert.equal(s0[1].endMs - s0[1].startMs, 4000);
    assert.equal(s0[2].endMs, view.now, "the open bar reaches now");
    assert.ok(view.now - s0[2].startMs >= 1500);
    assert.deepEqual(rows.get("sim-6"), [], "an offline station has a row but nothing running");

    const wide = (await json(app, "/api/fleet?windowMin=60")).body as ApiFleetView;
    assert.equal(wide.timeline.stations.find((s) => s.id === "sim-9")?.intervals.length, 1);
  });

  test("a bad window is a 400", async () => {
    for (const q of ["windowMin=0", "windowMin=abc", "windowMin=100000"]) {
      assert.equal((await json(app, `/api/fleet?${q}`)).status, 400, q);
    }
  });
});

describe("POST /api/fleet/stations/:id/control", () => {
  const url = `/api/fleet/stations/${encodeURIComponent("agent-1/sim-0")}/control`;
  const controlDir = () => path.join(store.root, "live", "control", "live-a");
  const requests = () =>
    fs.existsSync(controlDir()) ? fs.readdirSync(controlDir()).filter((n) => !n.endsWith(".done.json")) : [];

  /** Answers the next request file like a fleet would (after `delayMs`), with `answer(request)`. */
  function answerer(answer: (action: string) => Pick<LiveControlAnswer, "ok" | "message">, delayMs = 100) {
    const timer = setInterval(() => {
      for (const name of requests()) {
        if (name.startsWith(".")) continue;
        const file = path.join(controlDir(), name);
        const req = LiveControlRequestSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
        fs.rmSync(file);
        setTimeout(() => {
          const done: LiveControlAnswer = {
            requestId: req.requestId,
            ...answer(req.action),
            doneAt: new Date().toISOString(),
          };
          fs.writeFileSync(path.join(controlDir(), `${req.requestId}.done.json`), JSON.stringify(done));
        }, delayMs);
        seen.push(req);
      }
    }, 20);
    const seen: { station: string; action: string }[] = [];
    return { seen, stop: () => clearInterval(timer) };
  }

  test("absent without allowControl (404)", async () => {
    const { status } = await json(app, url, post({ action: "pause" }));
    assert.equal(status, 404);
    assert.deepEqual(requests(), []);
  });

  test("a request file is written, the fleet's answer returned, and the answer file cleaned up", async () => {
    const fake = answerer((action) => ({ ok: true, message: `${action}d: it finishes trial 3 first` }));
    try {
      const { status, body } = await json(control, url, post({ action: "pause" }, { Origin: "http://127.0.0.1:8300" }));
      assert.equal(status, 200);
      assert.deepEqual(body, { ok: true, message: "paused: it finishes trial 3 first" });
      assert.deepEqual(
        fake.seen.map((r) => [r.station, r.action]),
        [["agent-1/sim-0", "pause"]],
      );
      assert.deepEqual(fs.readdirSync(controlDir()), [], "request taken, answer read and removed");
    } finally {
      fake.stop();
    }
  });

  test("a refusal is a 409 with the fleet's reason", async () => {
    const fake = answerer(() => ({ ok: false, message: "agent-1/sim-0 is running a trial: pause it first" }));
    try {
      const { status, body } = await json(control, url, post({ action: "home" }));
      assert.equal(status, 409);
      assert.match(body.error, /running a trial/);
    } finally {
      fake.stop();
    }
  });

  test("no answer in time is a 504 and the request is withdrawn", async () => {
    const slow = new Hono();
    slow.onError((err, c) => c.json({ error: err.message }, err instanceof ApiError ? err.status : 500));
    registerFleetRoutes(slow, { store, allowControl: true, controlTimeoutMs: 400 });
    const t0 = Date.now();
    const { status, body } = await json(slow, url, post({ action: "resume" }));
    assert.equal(status, 504);
    assert.match(body.error, /did not answer within 0.4 s/);
    assert.ok(Date.now() - t0 >= 400);
    assert.deepEqual(requests(), [], "nothing left for the fleet to act on later");
  });

  test("400 on a bad action or body, 404 for a station no live fleet has, 403 across sites", async () => {
    assert.equal((await json(control, url, post({ action: "reboot" }))).status, 400);
    assert.equal((await json(control, url, post("{ nope"))).status, 400);
    assert.equal((await json(control, url, post({}))).status, 400);
    const offline = await json(control, "/api/fleet/stations/sim-5/control", post({ action: "pause" }));
    assert.equal(offline.status, 404, "sim-5's fleet closed");
    assert.equal((await json(control, "/api/fleet/stations/nope/control", post({ action: "pause" }))).status, 404);
    const evil = await json(control, url, post({ action: "pause" }, { Origin: "http://evil.example" }));
    assert.equal(evil.status, 403);
    assert.equal((await json(control, url, post({ action: "pause" }, { Origin: "null" }))).status, 403);
    const form = await json(control, url, { ...post({ action: "pause" }), headers: { "Content-Type": "text/plain" } });
    assert.equal(form.status, 403, "a cross-site form post cannot send JSON");
    assert.deepEqual(requests(), [], "no request written for any of them");
  });
});

test("the stream announces a rewritten fleet file", async () => {
  const res = await app.request("/api/stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  await reader.read(); // ": connected"
  writeFleet(store.root, { fleetId: "live-a", label: "agent-1", stations: [station("agent-1/sim-0")] });
  const deadline = Date.now() + 3000;
  while (!text.includes("event: fleet") && Date.now() < deadline) {
    const { value } = await reader.read();
    text += decoder.decode(value);
  }
  await reader.cancel();
  assert.match(text, /event: fleet\ndata: \{"changed":\["live-a"\]\}/);
});
