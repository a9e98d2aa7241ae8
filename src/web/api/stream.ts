/**
 * Live updates: one watcher polls the run index for what changed (new trials by row id, new runs, runs that stopped
 * running) and the fleet files under `<store>/live/fleets/` (by their modification times), and hands each change to
 * every subscriber; `GET /api/stream` turns a subscription into Server-Sent Events (`event: trial`, `event: run`,
 * `event: fleet`) with a heartbeat comment. The watcher polls only while someone listens.
 */
import fs from "node:fs";
import path from "node:path";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { RunStore } from "../../rollout/store.js";
import { fleetsDir } from "./fleet.js";
import { type ApiRunRow, apiRunRow, type ManifestCache } from "./shapes.js";

/** Watcher and stream timings. */
export const STREAM_DEFAULTS = Object.freeze({
  pollMs: 300, // how often the index is asked what changed
  heartbeatMs: 15_000, // an SSE comment this often keeps proxies and browsers from closing an idle stream
});

export type UiEvent =
  | { type: "trial"; data: { runId: string; index: number; seed: number; success: boolean; outcome: string } }
  | { type: "run"; data: ApiRunRow }
  | { type: "fleet"; data: { changed: string[] } };

interface Subscriber {
  onEvent(e: UiEvent): void;
  onClose(): void;
}

/** One poller over the store shared by every open stream. */
export class StoreWatcher {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private marks = { trial: 0, run: 0 };
  private running = new Set<string>();
  /** Each fleet file's inode and modification time, by fleet id, at the last look. */
  private fleetMtimes = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly store: RunStore,
    private readonly manifests: ManifestCache,
    private readonly pollMs = STREAM_DEFAULTS.pollMs,
  ) {}

  /** Starts delivering changes made from now on; returns the function that stops them. */
  subscribe(onEvent: (e: UiEvent) => void, onClose: () => void = () => {}): () => void {
    if (this.closed) {
      onClose();
      return () => {};
    }
    const sub = { onEvent, onClose };
    this.subscribers.add(sub);
    if (!this.timer) {
      this.marks = this.store.watermarks();
      this.running = new Set(this.store.runningRunIds());
      this.fleetMtimes = this.readFleetMtimes();
      this.timer = setInterval(() => this.poll(), this.pollMs);
    }
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  /** Ends every subscription (their streams close) and stops polling for good. */
  close(): void {
    this.closed = true;
    for (const s of [...this.subscribers]) s.onClose();
    this.subscribers.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look at the index: only rows newer than the last seen, and the (few) running runs. */
  private poll(): void {
    const events: UiEvent[] = [];
    const changed = new Set<string>();
    try {
      for (const { rowid, trial } of this.store.trialsAfter(this.marks.trial)) {
        this.marks.trial = rowid;
        changed.add(trial.runId);
        const { runId, index, seed, success, outcomeKind } = trial;
        events.push({ type: "trial", data: { runId, index, seed, success, outcome: outcomeKind } });
      }
      for (const { rowid, id } of this.store.runIdsAfter(this.marks.run)) {
        this.marks.run = rowid;
        changed.add(id);
      }
      const running = new Set(this.store.runningRunIds());
      for (const id of this.running) if (!running.has(id)) changed.add(id);
      this.running = running;
      for (const id of changed) {
        const run = this.store.getRun(id);
        events.push({ type: "run", data: apiRunRow(run, this.manifests.get(run)) });
      }
    } catch (err) {
      process.stderr.write(`enpire ui: reading the run index failed: ${(err as Error).message}\n`);
    }
    const fleets = this.readFleetMtimes();
    const fleetChanges = [...fleets].filter(([id, mtime]) => this.fleetMtimes.get(id) !== mtime).map(([id]) => id);
    for (const id of this.fleetMtimes.keys()) if (!fleets.has(id)) fleetChanges.push(id);
    this.fleetMtimes = fleets;
    if (fleetChanges.length) events.push({ type: "fleet", data: { changed: fleetChanges.sort() } });
    for (const e of events) for (const s of this.subscribers) s.onEvent(e);
  }

  /** The fleet files' modification times: one readdir and a stat each (a fleet file is rewritten whole, by rename). */
  private readFleetMtimes(): Map<string, string> {
    const dir = fleetsDir(this.store.root);
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return out; // no fleet has published yet
    }
    for (const name of names) {
      if (!name.endsWith(".json") || name.startsWith(".")) continue;
      try {
        const st = fs.statSync(path.join(dir, name));
        out.set(name.slice(0, -".json".length), `${st.ino}:${st.mtimeMs}`);
      } catch {
        // removed between readdir and stat: it counts as gone
      }
    }
    return out;
  }
}

/** `GET /api/stream`: the watcher's changes as Server-Sent Events, until the client goes or the watcher closes. */
export function streamHandler(watcher: StoreWatcher, heartbeatMs = STREAM_DEFAULTS.heartbeatMs) {
  return (c: Context) =>
    streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      let done: () => void = () => {};
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const send = (write: () => Promise<unknown>) => {
        queue = queue.then(write).then(
          () => {},
          () => done(), // the client went away mid-write
        );
      };
      const unsubscribe = watcher.subscribe(
        (e) => send(() => stream.writeSSE({ event: e.type, data: JSON.stringify(e.data) })),
        () => done(),
      );
      const heartbeat = setInterval(() => send(() => stream.write(": heartbeat\n\n")), heartbeatMs);
      stream.onAbort(() => done());
      send(() => stream.write(": connected\n\n"));
      await finished;
      clearInterval(heartbeat);
      unsubscribe();
      await queue;
    });
}
