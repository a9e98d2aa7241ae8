/**
 * Live 3D views of stations, as files for `enpire ui`'s Fleet page (part of the live board's contract, see
 * live-board.ts): per station, `live/views/<fileSafe(id)>.json` (LiveViewSchema: the latest poses, with the geometry
 * inline when it changed) and `live/views/<fileSafe(id)>.geometry.json` (the scene's geometry, env/scene-view.ts),
 * each written whole (tmp + rename). The fleet file points at them (`view`, LiveStationViewSchema).
 *
 * ViewPublisher writes them off the station's path: a view only replaces the station's waiting one; a timer writes
 * each station's latest no sooner than `everyMs` after its last. Poses are rounded to 1e-4 (0.1 mm, and 1e-4 of a
 * rotation matrix entry), so a 100-geom scene is about 8 KB a view.
 * This file imports nothing of the live board (which imports it): callers pass the station's file-safe name.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { type SceneGeometry, SceneGeometrySchema } from "../env/scene-view.js";
import type { StationView } from "./station.js";

/** The view entry of a station in the fleet file: where its files are and what they show. */
export const LiveStationViewSchema = z.object({
  file: z.string(), // store-relative: live/views/<fileSafe(id)>.json
  geometryFile: z.string(), // store-relative: live/views/<fileSafe(id)>.geometry.json
  geometryId: z.string(), // changes exactly when the geometry does
  atMs: z.number(),
  runId: z.string(),
  index: z.number().int(),
  step: z.number().int(),
});
export type LiveStationView = z.infer<typeof LiveStationViewSchema>;

/** A view file: the station's latest poses. */
export const LiveViewSchema = z.object({
  schema: z.literal("enpire.live-view/1"),
  station: z.string(),
  atMs: z.number(),
  runId: z.string(),
  index: z.number().int(),
  step: z.number().int(),
  geometryId: z.string(), // the geometry file's, which holds the geometry these poses are of
  geometry: SceneGeometrySchema.optional(), // inline only in the first view after the geometry changed
  poses: z.array(z.number()), // 12 per geom: position m, rotation row-major
});
export type LiveView = z.infer<typeof LiveViewSchema>;

/** A geometry file: the geometry and its id. */
export const LiveGeometryFileSchema = SceneGeometrySchema.extend({ geometryId: z.string() });

/** The store-relative files of a station's view, from its file-safe name. */
export function liveViewFiles(fileName: string): { file: string; geometryFile: string } {
  return {
    file: path.posix.join("live", "views", `${fileName}.json`),
    geometryFile: path.posix.join("live", "views", `${fileName}.geometry.json`),
  };
}

const round = (x: number, step: number) => Math.round(x / step) * step;
const r4 = (x: number) => Number(round(x, 1e-4).toFixed(4)); // toFixed drops the float noise of x / step * step

/** The geometry as written: sizes to the micrometre, colours to 1e-4 (float32 noise dropped). */
function tidyGeometry(g: SceneGeometry): SceneGeometry {
  return {
    schema: g.schema,
    geoms: g.geoms.map((x) => ({
      ...x,
      size: x.size.map((v) => Number(v.toFixed(6))) as [number, number, number],
      rgba: x.rgba.map(r4) as [number, number, number, number],
    })),
  };
}

/** Writes a file whole or not at all: a temporary file next to it, then a rename. */
async function writeAtomic(file: string, text: string, tag: string): Promise<void> {
  const tmp = `${file}.${tag}.tmp`;
  await fs.promises.writeFile(tmp, text);
  await fs.promises.rename(tmp, file);
}

/**
 * Writes one station's view (and its geometry file when `knownGeometryId` is not the geometry's) and returns the
 * fleet file's entry for it. `fileName` is fileSafe(stationId).
 * @example const entry = await writeLiveView(store.root, "sim-0", fileSafe("sim-0"), view, Date.now(), null, "t");
 */
export async function writeLiveView(
  storeRoot: string,
  stationId: string,
  fileName: string,
  view: StationView,
  atMs: number,
  knownGeometryId: string | null,
  tag: string,
): Promise<LiveStationView> {
  const { file, geometryFile } = liveViewFiles(fileName);
  fs.mkdirSync(path.join(storeRoot, "live", "views"), { recursive: true });
  const geometry = tidyGeometry(view.geometry);
  const geometryText = JSON.stringify(geometry);
  const geometryId = createHash("sha256").update(geometryText).digest("hex").slice(0, 16);
  const changed = geometryId !== knownGeometryId;
  if (changed) {
    const withId = { ...geometry, geometryId };
    await writeAtomic(path.join(storeRoot, geometryFile), `${JSON.stringify(withId)}\n`, tag);
  }
  const { runId, index, step } = view;
  const body: LiveView = {
    schema: "enpire.live-view/1",
    station: stationId,
    atMs,
    runId,
    index,
    step,
    geometryId,
    ...(changed ? { geometry } : {}),
    poses: Array.from(view.poses, r4),
  };
  await writeAtomic(path.join(storeRoot, file), `${JSON.stringify(body)}\n`, tag);
  return { file, geometryFile, geometryId, atMs, runId, index, step };
}

export interface ViewPublisherOptions {
  everyMs: number; // a station's view file is rewritten at most this often
  tag: string; // in temporary file names, so two writers never share one
  fileName(stationId: string): string; // fileSafe
  onWritten(stationId: string, entry: LiveStationView): void;
  onError(err: unknown): void;
}

/** Writes stations' latest views on a timer, each no sooner than `everyMs` after its last (see the file header). */
export class ViewPublisher {
  private readonly waiting = new Map<string, { view: StationView; atMs: number }>();
  private readonly writtenMs = new Map<string, number>();
  private readonly geometryIds = new Map<string, string>(); // the geometry each station's file holds
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  private count = 0;

  constructor(
    private readonly storeRoot: string,
    private readonly options: ViewPublisherOptions,
  ) {}

  /** How many view files were written so far. */
  get writes(): number {
    return this.count;
  }

  /** Takes a station's latest view (an older one not written yet is dropped). */
  push(stationId: string, view: StationView): void {
    if (this.closed) return;
    this.waiting.set(stationId, { view, atMs: Date.now() });
    this.kick();
  }

  /** Stops taking views, waits for the write under way, then writes every view still waiting (the last poses). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.writeDue(true);
  }

  private kick(): void {
    if (this.timer || this.writing || this.closed || this.waiting.size === 0) return;
    const now = performance.now();
    let waitMs = Number.POSITIVE_INFINITY;
    for (const id of this.waiting.keys()) {
      const last = this.writtenMs.get(id) ?? Number.NEGATIVE_INFINITY;
      waitMs = Math.min(waitMs, Math.max(0, last + this.options.everyMs - now));
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writeDue().finally(() => {
        this.writing = undefined;
        this.kick();
      });
    }, waitMs);
    this.timer.unref();
  }

  private async writeDue(all = false): Promise<void> {
    for (const [id, { view, atMs }] of [...this.waiting]) {
      const now = performance.now();
      if (!all && now < (this.writtenMs.get(id) ?? Number.NEGATIVE_INFINITY) + this.options.everyMs) continue;
      this.waiting.delete(id);
      this.writtenMs.set(id, now);
      try {
        const entry = await writeLiveView(
          this.storeRoot,
          id,
          this.options.fileName(id),
          view,
          atMs,
          this.geometryIds.get(id) ?? null,
          this.options.tag,
        );
        this.geometryIds.set(id, entry.geometryId);
        this.count++;
        this.options.onWritten(id, entry);
      } catch (err) {
        this.options.onError(err);
      }
    }
  }
}
