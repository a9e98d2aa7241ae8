/**
 * The live board: what a process running trials publishes about its fleet, as files in the run store, for readers in
 * other processes (`enpire ui`'s Fleet page), and the control requests it answers (pause, resume, home, e-stop a station).
 *
 * Files under `<store>/live/`:
 * - `fleets/<fleetId>.json`: one fleet's stations (health, paused, current and last trial, latest frame, MRU) and
 *   runs, rewritten atomically as the fleet changes (throttled) and every few seconds as a heartbeat; kept with
 *   `closed: true` when the fleet closes. A fleet whose process died keeps `closed: false`: readers treat it as gone
 *   when its pid is not alive or its `updatedAt` is older than `LIVE_STALE_MS`.
 * - `frames/<fileSafe(stationId)>.png`: a station's latest camera frame.
 * - `views/<fileSafe(stationId)>.json` and `.geometry.json`: a station's live 3D view (live-views.ts).
 * - `control/<fleetId>/<requestId>.json`: a request (written by the UI, tmp + rename); answered by
 *   `<requestId>.done.json` next to it, and the request file removed.
 *
 * This part holds the contract (schemas, paths); the publisher follows below it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { encodePng } from "../env/image/png.js";
import type { Fleet, FleetEvent } from "./fleet.js";
import { type LiveStationView, LiveStationViewSchema, ViewPublisher } from "./live-views.js";
import type { StationFrame } from "./station.js";

export const LIVE_STALE_MS = 10_000; // a fleet file not rewritten for this long, by a live process or not, is gone
export const LIVE_KEEP_CLOSED_MS = 10 * 60_000; // how long readers still show a closed fleet's stations

export const CONTROL_ACTIONS = ["pause", "resume", "home", "e-stop"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const LiveStationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  health: z.enum(["idle", "running", "resetting", "faulted", "offline"]),
  paused: z.boolean(),
  detail: z.string().nullable(),
  current: z
    .object({
      runId: z.string(),
      index: z.number().int(),
      seed: z.number().int(),
      attempt: z.number().int(),
      startedAtMs: z.number(),
    })
    .nullable(),
  last: z
    .object({
      runId: z.string(),
      index: z.number().int(),
      success: z.boolean(),
      outcome: z.string(),
      endMs: z.number(),
    })
    .nullable(),
  frame: z
    .object({
      file: z.string(), // store-relative: live/frames/<fileSafe(id)>.png
      atMs: z.number(),
      runId: z.string(),
      index: z.number().int(),
      step: z.number().int(),
    })
    .nullable(),
  busyMs: z.number(),
  mru: z.number(), // busy time over the fleet's life since its first submission
  view: LiveStationViewSchema.nullable().optional(), // its live 3D view (live-views.ts); absent from older writers
});
export type LiveStation = z.infer<typeof LiveStationSchema>;

export const LiveRunSchema = z.object({
  runId: z.string(),
  label: z.string().nullable(),
  counted: z.number().int(),
  interrupted: z.number().int(),
  inFlight: z.number().int(),
  queued: z.number().int(),
  budget: z.object({ trials: z.number().int().nullable() }),
});
export type LiveRun = z.infer<typeof LiveRunSchema>;

export const LiveFleetSchema = z.object({
  schema: z.literal("enpire.live-fleet/1"),
  fleetId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
  pid: z.number().int(),
  host: z.string(),
  label: z.string().nullable(), // e.g. the branch a team agent evaluates
  startedAt: z.string(),
  updatedAt: z.string(),
  closed: z.boolean(),
  controlDir: z.string(), // store-relative: live/control/<fleetId>
  runs: z.array(LiveRunSchema),
  stations: z.array(LiveStationSchema),
  fleetMru: z.number(),
});
export type LiveFleet = z.infer<typeof LiveFleetSchema>;

export const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const LiveControlRequestSchema = z.object({
  schema: z.literal("enpire.live-control/1"),
  requestId: z.string().regex(REQUEST_ID),
  station: z.string(),
  action: z.enum(CONTROL_ACTIONS),
  requestedAt: z.string(),
});
export type LiveControlRequest = z.infer<typeof LiveControlRequestSchema>;

export const LiveControlAnswerSchema = z.object({
  requestId: z.string(),
  ok: z.boolean(),
  message: z.string(),
  doneAt: z.string(),
});
export type LiveControlAnswer = z.infer<typeof LiveControlAnswerSchema>;

/** `<store>/live`. */
export function liveDir(storeRoot: string): string {
  return path.join(storeRoot, "live");
}

/**
 * A station id as a file name: anything outside [A-Za-z0-9._-], and a leading dot (hidden files are never served),
 * becomes "_" (e.g. "agent-1/sim-0" → "agent-1_sim-0").
 */
export function fileSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\./, "_");
}

// ---- the publisher -----------------------------------------------------------------------------------------------

export const liveBoardDefaults = Object.freeze({
  writeEveryMs: 250, // the fleet file is rewritten at most this often (4/s), always ending with the latest state
  heartbeatMs: 2_000, // and at least this often, so that readers see its process is alive
  controlPollMs: 250, // how often the control directory is read for requests
  frameEveryMs: 500, // a station's frame file is rewritten at most this often
});

export interface LiveBoardOptions {
  /** Shown with the fleet and its runs, e.g. the branch a team agent evaluates; null by default. */
  label?: string | null;
  /** Other periods (tests); liveBoardDefaults otherwise. */
  timing?: Partial<typeof liveBoardDefaults>;
}

/** What the board keeps per station besides what the fleet reports. */
interface StationBoard {
  current: LiveStation["current"];
  last: LiveStation["last"];
  frame: LiveStation["frame"];
  view: LiveStationView | null;
}

let boards = 0; // per process, for unique fleet ids

/**
 * Publishes a fleet's live state as `<store>/live/fleets/<fleetId>.json` and its stations' camera frames as PNGs,
 * and carries out the control requests written into `<store>/live/control/<fleetId>/`. Everything happens off the
 * fleet's event path: an event only updates memory and schedules a write; frames are encoded on a timer.
 * Failing to write never fails the run: the first failure is reported once on stderr.
 * @example
 * const board = new LiveBoard(store.root, fleet, { label: "agent-1" });
 * try { await fleet.submit(spec); } finally { await fleet.close(); await board.close(); }
 */
export class LiveBoard {
  readonly fleetId: string;
  /** The fleet file, absolute. */
  readonly file: string;
  /** The control directory, absolute. */
  readonly controlDir: string;
  private readonly timing: typeof liveBoardDefaults;
  private readonly label: string | null;
  private readonly startedAt = new Date().toISOString();
  private readonly perStation = new Map<string, StationBoard>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly poller: NodeJS.Timeout;
  // the fleet file: at most one write at a time, the next one no sooner than writeEveryMs after the last began
  private writeTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private lastWriteMs = Number.NEGATIVE_INFINITY;
  // frames: the latest not yet written per station, and when each station's file was last written
  private readonly framesWaiting = new Map<string, StationFrame & { atMs: number }>();
  private readonly frameWrittenMs = new Map<string, number>();
  private frameTimer: NodeJS.Timeout | undefined;
  private frameWriting: Promise<void> | undefined;
  private readonly views: ViewPublisher; // 3D views: written on their own timer, at the frames' pace
  // control requests being carried out, by file name
  private readonly handling = new Map<string, Promise<void>>();
  private polling = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  private reported = false;
  private statusWrites = 0;
  private frameWrites = 0;

  constructor(
    private readonly storeRoot: string,
    private readonly fleet: Fleet,
    options: LiveBoardOptions = {},
  ) {
    this.timing = { ...liveBoardDefaults, ...options.timing };
    this.label = options.label ?? null;
    this.fleetId = `${process.pid}-${Date.now().toString(36)}-${++boards}`;
    const live = liveDir(storeRoot);
    this.file = path.join(live, "fleets", `${this.fleetId}.json`);
    this.controlDir = path.join(live, "control", this.fleetId);
    try {
      for (const dir of [path.dirname(this.file), path.join(live, "frames"), this.controlDir])
        fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      this.report(err);
    }
    this.views = new ViewPublisher(storeRoot, {
      everyMs: this.timing.frameEveryMs,
      tag: this.fleetId,
      fileName: fileSafe,
      onWritten: (id, entry) => {
        const own = this.perStation.get(id);
        if (own) own.view = entry;
        this.schedule();
      },
      onError: (err) => this.report(err),
    });
    for (const station of fleet.members()) {
      this.perStation.set(station.id, { current: null, last: null, frame: null, view: null });
      const off = station.onFrame?.((frame) => this.onFrame(station.id, frame));
      if (off) this.unsubscribe.push(off);
      const offView = station.onView?.((view) => this.views.push(station.id, view));
      if (offView) this.unsubscribe.push(offView);
    }
    this.unsubscribe.push(fleet.subscribe((event) => this.onEvent(event)));
    this.heartbeat = setInterval(() => this.schedule(), this.timing.heartbeatMs);
    this.poller = setInterval(() => void this.poll(), this.timing.controlPollMs);
    this.heartbeat.unref();
    this.poller.unref();
    this.schedule();
  }

  /** How many times the fleet file, frame files and view files were written so far. */
  get writes(): { status: number; frames: number; views: number } {
    return { status: this.statusWrites, frames: this.frameWrites, views: this.views.writes };
  }

  /** The state as written to the fleet file. */
  snapshot(): LiveFleet {
    const use = this.fleet.utilisation();
    const busy = new Map(use.stations.map((s) => [s.id, s]));
    const finite = (x: number) => (Number.isFinite(x) ? x : 0);
    const stations = this.fleet.stations().map((status): LiveStation => {
      const own = this.perStation.get(status.id);
      const u = busy.get(status.id);
      return {
        id: status.id,
        kind: status.kind,
        health: status.health,
        paused: status.paused === true,
        detail: status.detail,
        current: own?.current ?? null,
        last: own?.last ?? null,
        frame: own?.frame ?? null,
        view: own?.view ?? null,
        busyMs: finite(u?.busyMs ?? 0),
        mru: finite(u?.mru ?? 0),
      };
    });
    const runs = this.fleet.activeRuns().map(
      (r): LiveRun => ({
        runId: r.runId,
        label: this.label,
        counted: r.counted,
        interrupted: r.interrupted,
        inFlight: r.inFlight,
        queued: r.queued,
        budget: { trials: r.budget?.trials ?? null },
      }),
    );
    return {
      schema: "enpire.live-fleet/1",
      fleetId: this.fleetId,
      pid: process.pid,
      host: os.hostname(),
      label: this.label,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      closed: this.closed,
      controlDir: path.posix.join("live", "control", this.fleetId),
      runs,
      stations,
      fleetMru: finite(use.fleetMru),
    };
  }

  /**
   * Stops listening and polling, waits for the writes and requests under way, and writes the fleet file a last
   * time with `closed: true` (it is kept, for readers to show recent stations). Close it after the fleet.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      clearInterval(this.poller);
      clearTimeout(this.frameTimer);
      clearTimeout(this.writeTimer);
      this.writeTimer = undefined;
      for (const off of this.unsubscribe.splice(0)) off();
      await Promise.allSettled([...this.handling.values()]);
      await this.frameWriting;
      await this.writeFrames(true); // the last frame of each station (its last trial's end) is what stays shown
      await this.views.close();
      await this.writing;
      this.closed = true;
      await this.write();
    })();
    return this.closing;
  }

  // ---- the fleet file ----------------------------------------------------------------------------------------------

  private onEvent(event: FleetEvent): void {
    const own = "station" in event ? this.perStation.get(event.station) : undefined;
    if (own && event.type === "dispatch") {
      const { runId, index, seed, attempt, atMs } = event;
      own.current = { runId, index, seed, attempt, startedAtMs: atMs };
    } else if (own && event.type === "trial") {
      if (own.current?.runId === event.runId && own.current.index === event.index) own.current = null;
      const { runId, index, success, outcome, atMs } = event;
      own.last = { runId, index, success, outcome, endMs: atMs };
    }
    this.schedule();
  }

  /** A write of the latest state soon: at once when the last one began long enough ago, else when it may. */
  private schedule(): void {
    this.dirty = true;
    if (this.writeTimer || this.writing || this.closing) return;
    const waitMs = Math.max(0, this.lastWriteMs + this.timing.writeEveryMs - performance.now());
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      this.dirty = false;
      this.lastWriteMs = performance.now();
      this.writing = this.write().finally(() => {
        this.writing = undefined;
        if (this.dirty) this.schedule();
      });
    }, waitMs);
    this.writeTimer.unref();
  }

  private async write(): Promise<void> {
    try {
      await writeAtomic(this.file, `${JSON.stringify(this.snapshot())}\n`, this.fleetId);
      this.statusWrites++;
    } catch (err) {
      this.report(err);
    }
  }

  // ---- frames ------------------------------------------------------------------------------------------------------

  private onFrame(stationId: string, frame: StationFrame): void {
    if (this.closing) return;
    this.framesWaiting.set(stationId, { ...frame, atMs: Date.now() }); // an older one not written yet is dropped
    this.kickFrames();
  }

  /** Writes the waiting frames on a timer, each station's no sooner than frameEveryMs after its last. */
  private kickFrames(): void {
    if (this.frameTimer || this.frameWriting || this.closing || this.framesWaiting.size === 0) return;
    const now = performance.now();
    let waitMs = Number.POSITIVE_INFINITY;
    for (const id of this.framesWaiting.keys()) {
      const last = this.frameWrittenMs.get(id) ?? Number.NEGATIVE_INFINITY;
      waitMs = Math.min(waitMs, Math.max(0, last + this.timing.frameEveryMs - now));
    }
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      this.frameWriting = this.writeFrames().finally(() => {
        this.frameWriting = undefined;
        this.kickFrames();
      });
    }, waitMs);
    this.frameTimer.unref();
  }

  /** Writes each waiting frame whose station's last is old enough; every waiting one when `all` (closing). */
  private async writeFrames(all = false): Promise<void> {
    for (const [id, frame] of [...this.framesWaiting]) {
      const now = performance.now();
      const dueMs = (this.frameWrittenMs.get(id) ?? Number.NEGATIVE_INFINITY) + this.timing.frameEveryMs;
      if (!all && now < dueMs) continue;
      this.framesWaiting.delete(id);
      this.frameWrittenMs.set(id, now);
      const file = path.posix.join("live", "frames", `${fileSafe(id)}.png`);
      try {
        const png = encodePng(frame.rgb, frame.width, frame.height);
        await writeAtomic(path.join(this.storeRoot, file), png, this.fleetId);
        this.frameWrites++;
      } catch (err) {
        this.report(err);
        continue;
      }
      const own = this.perStation.get(id);
      if (own) own.frame = { file, atMs: frame.atMs, runId: frame.runId, index: frame.index, step: frame.step };
      this.schedule();
    }
  }

  // ---- control requests --------------------------------------------------------------------------------------------

  /** Reads the control directory and carries out each new request (one at a time per request file). */
  private async poll(): Promise<void> {
    if (this.polling || this.closing) return;
    this.polling = true;
    try {
      let names: string[];
      try {
        names = await fs.promises.readdir(this.controlDir);
      } catch {
        return; // not there (yet): nothing asked
      }
      for (const name of names) {
        if (!name.endsWith(".json") || name.endsWith(".done.json") || name.includes(".tmp")) continue;
        if (this.handling.has(name)) continue;
        const handled = this.handle(name).finally(() => this.handling.delete(name));
        this.handling.set(name, handled);
      }
    } finally {
      this.polling = false;
    }
  }

  /** Answers one request file (`<requestId>.done.json`), then removes it. A malformed one gets an error answer. */
  private async handle(name: string): Promise<void> {
    const file = path.join(this.controlDir, name);
    const requestId = name.slice(0, -".json".length);
    let text: string;
    try {
      text = await fs.promises.readFile(file, "utf8");
    } catch {
      return; // gone meanwhile
    }
    const request = parseRequest(text, requestId);
    const answer =
      typeof request === "string"
        ? { ok: false, message: `control request ${name}: ${request}` }
        : await this.apply(request);
    const done: LiveControlAnswer = { requestId, ...answer, doneAt: new Date().toISOString() };
    try {
      // the request goes first: a reader that sees the answer sees the request gone
      await fs.promises.rm(file, { force: true });
      await writeAtomic(path.join(this.controlDir, `${requestId}.done.json`), `${JSON.stringify(done)}\n`, "board");
    } catch (err) {
      this.report(err);
    }
    this.schedule();
  }

  private async apply(request: LiveControlRequest): Promise<{ ok: boolean; message: string }> {
    const { station, action } = request;
    const was = this.fleet.stations().find((s) => s.id === station);
    try {
      if (action === "pause") {
        this.fleet.pause(station);
        return {
          ok: true,
          message: was?.paused
            ? `station ${station} was paused already`
            : `station ${station} is paused: it finishes the trial it runs, if any, and takes no new one`,
        };
      }
      if (action === "resume") {
        this.fleet.resume(station);
        return {
          ok: true,
          message: was?.paused ? `station ${station} takes trials again` : `station ${station} was not paused`,
        };
      }
      if (action === "e-stop") {
        const stopped = this.fleet.eStop(station, "operator e-stop from the Fleet page");
        return {
          ok: true,
          message: stopped
            ? `station ${station} stops its trial now (a safety stop "e-stop") and is paused; resume it when safe`
            : `station ${station} ran no trial; it is paused; resume it when safe`,
        };
      }
      await this.fleet.home(station);
      return { ok: true, message: `station ${station} is home` };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  private report(err: unknown): void {
    if (this.reported) return;
    this.reported = true;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `enpire: the live board of fleet ${this.fleetId} could not write (${message}); ` +
        "the Fleet page of `enpire ui` may not show it\n",
    );
  }
}

/** A control request from its file's text, or what is wrong with it. */
function parseRequest(text: string, requestId: string): LiveControlRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `malformed: not JSON (${(err as Error).message})`;
  }
  const parsed = LiveControlRequestSchema.safeParse(json);
  if (!parsed.success) {
    return `malformed: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(request)"}: ${i.message}`).join("; ")}`;
  }
  if (parsed.data.requestId !== requestId) return `it names request ${parsed.data.requestId}, not its file's`;
  return parsed.data;
}

/** Writes a file whole or not at all: a temporary file next to it, then a rename. */
async function writeAtomic(file: string, data: string | Uint8Array, tag: string): Promise<void> {
  const tmp = `${file}.${tag}.tmp`;
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, file);
}
