/**
 * Fleet files written by hand per the live board's contract (src/rollout/live-board.ts), for the Fleet page's tests,
 * screenshots and load script: a station with defaults, a fleet file written atomically (tmp + rename) as a
 * publisher would, and a Push-T camera frame (the task's own renderer, PNG-encoded) at a given moment of a push.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodePng } from "../../env/image/png.js";
import { renderPushT } from "../../env/tasks/pusht/render.js";
import { fileSafe, type LiveFleet, type LiveStation, liveDir } from "../../rollout/live-board.js";
import { fleetsDir } from "./fleet.js";

/** A station record with quiet defaults (idle, not paused, no trial, no frame), `over` applied on top. */
export function syntheticStation(id: string, over: Partial<LiveStation> = {}): LiveStation {
  return {
    id,
    kind: "sim",
    health: "idle",
    paused: false,
    detail: null,
    current: null,
    last: null,
    frame: null,
    busyMs: 0,
    mru: 0.5,
    ...over,
  };
}

/** Writes `<store>/live/fleets/<fleetId>.json` (tmp + rename): this process's pid and host, updated now, unless given. */
export function writeSyntheticFleet(
  storeRoot: string,
  f: Partial<LiveFleet> & { fleetId: string; stations: LiveStation[] },
): LiveFleet {
  const fleet: LiveFleet = {
    schema: "enpire.live-fleet/1",
    pid: process.pid,
    host: os.hostname(),
    label: null,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    updatedAt: new Date().toISOString(),
    closed: false,
    controlDir: `live/control/${f.fleetId}`,
    runs: [],
    fleetMru: 0.5,
    ...f,
  };
  const dir = fleetsDir(storeRoot);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${fleet.fleetId}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(fleet));
  fs.renameSync(tmp, path.join(dir, `${fleet.fleetId}.json`));
  return fleet;
}

/**
 * Renders a Push-T frame (96×96, as a simulated station's camera sees it) of a push at phase `t` in [0, 1]: the block
 * slides and turns toward the goal while the agent follows behind it. Writes `live/frames/<fileSafe(id)>.png` and
 * returns its store-relative path.
 */
export function writeSyntheticFrame(storeRoot: string, stationId: string, t: number, variant = 0): string {
  const a = 0.6 + 0.4 * Math.sin(variant * 1.7);
  const bx = 180 + 60 * Math.cos(variant) + (256 - 180) * t;
  const by = 330 - 40 * Math.sin(variant) + (256 - 330) * t;
  const angle = a * (1 - t) + (Math.PI / 4) * t;
  const agent: [number, number] = [bx - 70 * Math.cos(angle - 0.6), by + 70 * Math.sin(angle + 0.9)];
  const rgb = renderPushT({ agent, block: [bx, by, angle] }, 96);
  const rel = `live/frames/${fileSafe(stationId)}.png`;
  const file = path.join(storeRoot, rel);
  fs.mkdirSync(path.join(liveDir(storeRoot), "frames"), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, encodePng(rgb, 96, 96));
  fs.renameSync(tmp, file);
  return rel;
}
