/**
 * Live 3D views on the live board: a station that posts views (poses of a real MuJoCo scene, read with
 * env/mujoco/scene-view.ts) gets `live/views/<station>.json` and `.geometry.json`, as a reader in another process sees
 * them (parsed by the contract's schemas), and a `view` entry in the fleet file; the geometry is inline only when it
 * changed; a burst of views is throttled per station with the latest landing; a station without views has none.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import loadMujoco, { type MainModule, type MjData, type MjModel } from "@mujoco/mujoco";
import { mujocoSceneGeometry, mujocoScenePoses } from "../env/mujoco/scene-view.js";
import type { SceneGeometry } from "../env/scene-view.js";
import { Fleet } from "./fleet.js";
import { fileSafe, LiveBoard, type LiveFleet, LiveFleetSchema } from "./live-board.js";
import { LiveGeometryFileSchema, type LiveView, LiveViewSchema } from "./live-views.js";
import type { Station, StationStatus, StationView } from "./station.js";

const XML = `<mujoco><worldbody>
  <geom name="table" type="box" size="0.5 0.5 0.02" pos="0 0 -0.02" rgba="0.55 0.45 0.35 1"/>
  <body name="block" pos="0.1 0.2 0.05"><freejoint/><geom name="block" type="box" size="0.03 0.03 0.03" rgba="1 0 0 1"/></body>
  <body name="arm" pos="0 0 0.3"><joint name="j" type="hinge" axis="0 0 1"/>
    <geom name="link" type="capsule" fromto="0 0 0 0.3 0 0" size="0.02" rgba="0.7 0.7 0.75 1"/></body>
</worldbody></mujoco>`;

let mj: MainModule;
let model: MjModel;
let data: MjData;
const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-live-views-"));

before(async () => {
  mj = await loadMujoco();
  model = mj.MjModel.from_xml_string(XML);
  data = new mj.MjData(model);
  mj.mj_forward(model, data);
});
after(() => {
  data?.delete();
  model?.delete();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

/** A station that only posts views when told to (its trials are never run here). */
class ViewingStation implements Station {
  private readonly listeners = new Set<(view: StationView) => void>();
  constructor(readonly id: string) {}
  status(): StationStatus {
    return { id: this.id, kind: "in-process", health: "running", detail: null };
  }
  run(): never {
    throw new Error("not used");
  }
  onView(listener: (view: StationView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(view: StationView): void {
    for (const l of this.listeners) l(view);
  }
  async close(): Promise<void> {}
}

class BlindStation extends ViewingStation {
  override onView = undefined as unknown as ViewingStation["onView"];
}

/** The scene with the arm turned to `angle` and the block lifted to `z`: its view at `step`. */
function viewAt(geometry: SceneGeometry, step: number, angle: number, z: number): StationView {
  const qpos = data.qpos as Float64Array;
  qpos[2] = z; // the block's free joint: x, y, z, then its quaternion
  qpos[7] = angle; // the arm's hinge
  mj.mj_forward(model, data);
  return { geometry, poses: mujocoScenePoses(model, data), runId: "run-1", index: 4, step };
}

function readFleet(board: LiveBoard): LiveFleet | undefined {
  if (!fs.existsSync(board.file)) return undefined;
  return LiveFleetSchema.parse(JSON.parse(fs.readFileSync(board.file, "utf8")));
}

async function until<T>(get: () => T | undefined | null | false, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const readView = (file: string): LiveView => LiveViewSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));

test("a station's views become files the Fleet page reads, throttled, with the geometry written once", async () => {
  const viewing = new ViewingStation("agent-1/sim-0");
  const blind = new BlindStation("agent-1/sim-1");
  const fleet = new Fleet([viewing, blind]);
  const everyMs = 150 as 500; // liveBoardDefaults are literal types; any period is meant
  const board = new LiveBoard(storeRoot, fleet, { timing: { frameEveryMs: everyMs } });
  const geometry = mujocoSceneGeometry(model);
  try {
    viewing.emit(viewAt(geometry, 1, 0.5, 0.05));
    const fleetFile = await until(() => readFleet(board)?.stations[0].view && readFleet(board), "the view entry");
    const entry = fleetFile.stations[0].view!;
    const name = fileSafe("agent-1/sim-0");
    assert.deepEqual(
      [entry.file, entry.geometryFile, entry.runId, entry.index, entry.step],
      [`live/views/${name}.json`, `live/views/${name}.geometry.json`, "run-1", 4, 1],
    );
    assert.equal(fleetFile.stations[1].view, null, "a station without views has none");

    const first = readView(path.join(storeRoot, entry.file));
    assert.equal(first.geometryId, entry.geometryId);
    assert.deepEqual(
      first.geometry?.geoms.map((g) => [g.name, g.type]),
      [
        ["table", "box"],
        ["block", "box"],
        ["link", "capsule"],
      ],
      "the first view carries its geometry",
    );
    const geometryFile = LiveGeometryFileSchema.parse(
      JSON.parse(fs.readFileSync(path.join(storeRoot, entry.geometryFile), "utf8")),
    );
    assert.equal(geometryFile.geometryId, entry.geometryId);
    assert.deepEqual(geometryFile.geoms[1].rgba, [1, 0, 0, 1]);
    assert.deepEqual(geometryFile.geoms[2].size.slice(0, 2), [0.02, 0.15]);
    // poses: 12 numbers per geom, to 0.1 mm; the arm's link turned 0.5 rad about z, its centre 0.15 m out
    assert.equal(first.poses.length, 36);
    const link = first.poses.slice(24, 36);
    assert.deepEqual(link.slice(0, 3), [0.1316, 0.0719, 0.3]);
    assert.ok(
      first.poses.every((v) => Math.abs(v * 1e4 - Math.round(v * 1e4)) < 1e-6),
      "rounded to 1e-4",
    );

    // a burst of 20 views within ~100 ms: at most a couple are written, and the last one lands
    const writesBefore = board.writes.views;
    const geometryMtime = fs.statSync(path.join(storeRoot, entry.geometryFile)).mtimeMs;
    for (let step = 2; step <= 21; step++) {
      viewing.emit(viewAt(geometry, step, 0.5 + step * 0.05, 0.05 + step * 0.001));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const last = await until(() => {
      const v = readView(path.join(storeRoot, entry.file));
      return v.step === 21 && v;
    }, "the burst's last view");
    assert.ok(board.writes.views - writesBefore <= 3, `throttled: ${board.writes.views - writesBefore} writes`);
    assert.equal(last.geometry, undefined, "the same geometry is not sent again");
    assert.equal(last.geometryId, entry.geometryId);
    assert.equal(fs.statSync(path.join(storeRoot, entry.geometryFile)).mtimeMs, geometryMtime, "nor rewritten");
    assert.equal(last.poses[12 + 2], 0.071, "the block (geom 1) rose to 0.071 m");
    await until(() => readFleet(board)?.stations[0].view?.step === 21, "the fleet file's entry to follow");

    // a new env (another geometry): a new id, inline again
    const recoloured: SceneGeometry = {
      ...geometry,
      geoms: geometry.geoms.map((g) => (g.name === "block" ? { ...g, rgba: [0, 0, 1, 1] } : g)),
    };
    viewing.emit(viewAt(recoloured, 30, 0, 0.05));
    const changed = await until(() => {
      const v = readView(path.join(storeRoot, entry.file));
      return v.step === 30 && v;
    }, "the view of the new geometry");
    assert.notEqual(changed.geometryId, entry.geometryId);
    assert.deepEqual(changed.geometry?.geoms[1].rgba, [0, 0, 1, 1]);
  } finally {
    await fleet.close();
    await board.close();
  }
  assert.equal(readFleet(board)?.stations[0].view?.step, 30, "the closed fleet keeps the last view");
});
