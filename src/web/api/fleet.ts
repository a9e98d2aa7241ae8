/**
 * The Fleet API: the live state of every station, read from the fleet files that processes running trials publish
 * under `<store>/live/fleets/` (the contract is in src/rollout/live-board.ts), a utilisation timeline of the last
 * minutes from the run index, and, only when the server runs with `--allow-control`, a route that asks a live fleet
 * to pause, resume, home or e-stop one of its stations (a request file, answered by the fleet with a `.done.json`).
 *
 *   GET  /api/fleet?windowMin=15                     fleets, stations (with frame and 3D view URLs), timeline
 *   POST /api/fleet/stations/:id/control             { action: "pause" | "resume" | "home" | "e-stop" }  (allowControl
 *                                                    only; e-stop stops the running trial as a safety stop and pauses)
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { processAlive } from "../../core/process.js";
import {
  CONTROL_ACTIONS,
  LIVE_KEEP_CLOSED_MS,
  LIVE_STALE_MS,
  type LiveControlAnswer,
  LiveControlAnswerSchema,
  type LiveControlRequest,
  type LiveFleet,
  LiveFleetSchema,
  type LiveRun,
  type LiveStation,
  liveDir,
} from "../../rollout/live-board.js";
import type { RunStore } from "../../rollout/store.js";
import { ApiError } from "./runs.js";
import { fileUrl } from "./shapes.js";

/** Fleet API settings. */
export const FLEET_DEFAULTS = Object.freeze({
  windowMin: 15, // the timeline's default window (minutes)
  maxWindowMin: 24 * 60, // the longest window a client may ask for
  timelineRows: 20_000, // at most this many trials are read for the timeline (the newest)
  overlapMs: 10 * 60_000, // trials that started up to this long before the window may still reach into it
  controlTimeoutMs: 5_000, // how long a control request waits for the fleet's answer
  controlPollMs: 50, // how often it looks for the answer
});

/** A fleet as the page sees it. */
export interface ApiFleet {
  fleetId: string;
  label: string | null;
  pid: number;
  host: string;
  startedAt: string;
  updatedAt: string;
  live: boolean;
  runs: LiveRun[];
}

/** A station as the page sees it: its latest state from the most recently updated fleet file that has it. */
export type ApiStation = Omit<LiveStation, "frame" | "view"> & {
  fleetId: string;
  label: string | null;
  live: boolean;
  frame: { url: string; atMs: number; runId: string; index: number; step: number } | null;
  /** Its live 3D view: the poses file and the geometry file (rollout/live-views.ts); null without one. */
  view: { url: string; geometryUrl: string; atMs: number } | null;
};

export interface ApiInterval {
  startMs: number;
  endMs: number;
  runId: string;
  index: number;
  success: boolean;
  counted: boolean;
  open: boolean; // the trial is still running: its bar grows to `now`
}

export interface ApiFleetView {
  now: number;
  allowControl: boolean;
  fleetMru: number | null;
  fleets: ApiFleet[];
  stations: ApiStation[];
  timeline: { fromMs: number; toMs: number; stations: { id: string; intervals: ApiInterval[] }[] };
}

const FleetQuery = z.object({
  windowMin: z.coerce.number().min(1).max(FLEET_DEFAULTS.maxWindowMin).default(FLEET_DEFAULTS.windowMin),
});
const ControlBody = z.object({ action: z.enum(CONTROL_ACTIONS) });

/** `<store>/live/fleets`. */
export function fleetsDir(storeRoot: string): string {
  return path.join(liveDir(storeRoot), "fleets");
}

/** A fleet file read at `now`: whether it is live, and if not, why its stations are offline. */
interface ReadFleet {
  fleet: LiveFleet;
  updatedMs: number;
  live: boolean;
  ended: string | null; // why it is not live
}

/**
 * Every fleet file that is live or ended less than LIVE_KEEP_CLOSED_MS ago, most recently updated first. Files that
 * do not parse (another version, a stray file) are left out. A fleet on another host is judged by its heartbeat only.
 */
export function readFleets(storeRoot: string, now: number = Date.now()): ReadFleet[] {
  const dir = fleetsDir(storeRoot);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith("."));
  } catch {
    return [];
  }
  const out: ReadFleet[] = [];
  const thisHost = os.hostname();
  for (const name of names) {
    let fleet: LiveFleet;
    try {
      const parsed = LiveFleetSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")));
      if (!parsed.success) continue;
      fleet = parsed.data;
    } catch {
      continue; // removed meanwhile, or not JSON
    }
    const updatedMs = Date.parse(fleet.updatedAt);
    if (!Number.isFinite(updatedMs) || now - updatedMs > LIVE_KEEP_CLOSED_MS) continue;
    let ended: string | null = null;
    if (fleet.closed) ended = `its fleet closed ${Math.round((now - updatedMs) / 1000)} s ago: its runs ended`;
    else if (fleet.host === thisHost && !processAlive(fleet.pid)) ended = `its process (pid ${fleet.pid}) ended`;
    else if (now - updatedMs > LIVE_STALE_MS)
      ended = `its process ended or hangs: no update for ${Math.round((now - updatedMs) / 1000)} s`;
    out.push({ fleet, updatedMs, live: ended === null, ended });
  }
  return out.sort((a, b) => b.updatedMs - a.updatedMs);
}

function apiStation(s: LiveStation, f: ReadFleet): ApiStation {
  const frame = s.frame
    ? {
        url: `${fileUrl(s.frame.file)}?v=${s.frame.atMs}`,
        atMs: s.frame.atMs,
        runId: s.frame.runId,
        index: s.frame.index,
        step: s.frame.step,
      }
    : null;
  const view = s.view
    ? {
        url: `${fileUrl(s.view.file)}?v=${s.view.atMs}`,
        geometryUrl: `${fileUrl(s.view.geometryFile)}?v=${s.view.geometryId}`,
        atMs: s.view.atMs,
      }
    : null;
  const base = { ...s, fleetId: f.fleet.fleetId, label: f.fleet.label, frame, view };
  if (f.live) return { ...base, live: true };
  return { ...base, live: false, health: "offline", current: null, detail: f.ended };
}

/** The Fleet page's data at `now`: see the file header and src/web/README.md. */
export function fleetView(store: RunStore, opts: { windowMin: number; allowControl: boolean; now?: number }) {
  const now = opts.now ?? Date.now();
  const read = readFleets(store.root, now);
  const stations = new Map<string, ApiStation>();
  for (const f of read) {
    for (const s of f.fleet.stations) if (!stations.has(s.id)) stations.set(s.id, apiStation(s, f));
  }
  const liveMrus = read.filter((f) => f.live).flatMap((f) => f.fleet.stations.map((s) => s.mru));
  const fleets: ApiFleet[] = read.map(({ fleet, live }) => ({
    fleetId: fleet.fleetId,
    label: fleet.label,
    pid: fleet.pid,
    host: fleet.host,
    startedAt: fleet.startedAt,
    updatedAt: fleet.updatedAt,
    live,
    runs: fleet.runs,
  }));
  const view: ApiFleetView = {
    now,
    allowControl: opts.allowControl,
    fleetMru: liveMrus.length ? liveMrus.reduce((a, b) => a + b, 0) / liveMrus.length : null,
    fleets,
    stations: [...stations.values()].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true })),
    timeline: timeline(store, now - opts.windowMin * 60_000, now, [...stations.values()]),
  };
  return view;
}

/** Each station's trials that overlap [fromMs, toMs] from the index, plus the trial each live station is running. */
function timeline(store: RunStore, fromMs: number, toMs: number, live: ApiStation[]): ApiFleetView["timeline"] {
  const rows = new Map<string, ApiInterval[]>();
  const row = (id: string) => {
    const r = rows.get(id) ?? [];
    if (!rows.has(id)) rows.set(id, r);
    return r;
  };
  for (const s of live) row(s.id);
  const since = new Date(fromMs - FLEET_DEFAULTS.overlapMs).toISOString();
  const indexed = new Set<string>();
  for (const t of store.stationTrialsSince(since, FLEET_DEFAULTS.timelineRows)) {
    const startMs = Date.parse(t.startedAt);
    const endMs = startMs + t.elapsedMs;
    if (!Number.isFinite(startMs) || endMs < fromMs || startMs > toMs) continue;
    indexed.add(`${t.runId}#${t.index}`);
    row(t.station).push({
      startMs,
      endMs,
      runId: t.runId,
      index: t.index,
      success: t.success,
      counted: t.counted,
      open: false,
    });
  }
  for (const s of live) {
    const c = s.current;
    if (!c || !s.live || indexed.has(`${c.runId}#${c.index}`)) continue;
    const startMs = Math.max(c.startedAtMs, fromMs);
    row(s.id).push({
      startMs,
      endMs: toMs,
      runId: c.runId,
      index: c.index,
      success: false,
      counted: false,
      open: true,
    });
  }
  const stations = [...rows.entries()]
    .map(([id, intervals]) => ({ id, intervals: intervals.sort((a, b) => a.startMs - b.startMs) }))
    .sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
  return { fromMs, toMs, stations };
}

/** The Host a request was sent to, and whether its Origin (when it has one) is that same host. */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (c.req.header("host") ?? "").toLowerCase();
  } catch {
    return false; // "null" (a sandboxed frame, a file:) or garbage
  }
}

/** A fresh request id: 16 random bytes, url-safe. */
function requestId(): string {
  return randomBytes(16).toString("base64url");
}

/** Writes a request file (tmp + rename) and waits for its answer; null when none came in time (the request is withdrawn). */
async function ask(dir: string, request: LiveControlRequest, timeoutMs: number): Promise<LiveControlAnswer | null> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${request.requestId}.json`);
  const tmp = path.join(dir, `.${request.requestId}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(request)}\n`);
  fs.renameSync(tmp, file);
  const done = path.join(dir, `${request.requestId}.done.json`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = LiveControlAnswerSchema.parse(JSON.parse(fs.readFileSync(done, "utf8")));
      fs.rmSync(done, { force: true }); // read once: nobody else waits for it
      return answer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && !(err instanceof SyntaxError)) throw err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, FLEET_DEFAULTS.controlPollMs));
  }
  fs.rmSync(file, { force: true }); // not taken in time: withdraw it, so it is not acted on later
  return null;
}

export interface FleetRoutesOptions {
  store: RunStore;
  /** The control route exists only when true (`enpire ui --allow-control`). */
  allowControl: boolean;
  /** How long a control request waits for the fleet's answer (default 5 s). */
  controlTimeoutMs?: number;
}

/** Adds the Fleet routes to the UI's app (before its /api/* catch-all). */
export function registerFleetRoutes(app: Hono, options: FleetRoutesOptions): void {
  const { store, allowControl } = options;
  app.get("/api/fleet", (c) => {
    const q = FleetQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, `bad query parameter windowMin: ${q.error.issues[0].message}`);
    return c.json(fleetView(store, { windowMin: q.data.windowMin, allowControl }));
  });
  if (!allowControl) return;

  app.post("/api/fleet/stations/:id/control", async (c) => {
    // a page on another site may POST here (a "simple" form post carries no JSON type): refuse both
    if (!sameOrigin(c)) return c.json({ error: "refused: the request came from another site" }, 403);
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") return c.json({ error: "refused: send the body as application/json" }, 403);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ApiError(400, "the body is not JSON");
    }
    const parsed = ControlBody.safeParse(body);
    if (!parsed.success) throw new ApiError(400, `action must be one of ${CONTROL_ACTIONS.join(", ")}`);
    const station = c.req.param("id");
    const owner = readFleets(store.root).find((f) => f.live && f.fleet.stations.some((s) => s.id === station));
    if (!owner) throw new ApiError(404, `no live fleet has a station "${station}"`);
    const controlRoot = path.join(liveDir(store.root), "control");
    const dir = path.resolve(store.root, owner.fleet.controlDir);
    if (path.dirname(dir) !== controlRoot) {
      return c.json({ error: `fleet ${owner.fleet.fleetId} names a control directory outside the store` }, 500);
    }
    const request: LiveControlRequest = {
      schema: "enpire.live-control/1",
      requestId: requestId(),
      station,
      action: parsed.data.action,
      requestedAt: new Date().toISOString(),
    };
    const timeoutMs = options.controlTimeoutMs ?? FLEET_DEFAULTS.controlTimeoutMs;
    const answer = await ask(dir, request, timeoutMs);
    if (!answer) {
      return c.json({ error: `fleet ${owner.fleet.fleetId} did not answer within ${timeoutMs / 1000} s` }, 504);
    }
    if (!answer.ok) return c.json({ error: answer.message }, 409);
    return c.json({ ok: true, message: answer.message });
  });
}
