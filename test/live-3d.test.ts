/**
 * A 3D station live, end to end: pin insertion run on a thread station publishes its camera frame and its 3D view
 * (geometry once, poses as they change) through the live board, and the files left when the run ends show the end
 * of its last trial.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evaluate } from "../src/rollout/evaluate.js";
import { LiveFleetSchema } from "../src/rollout/live-board.js";
import { LiveGeometryFileSchema, LiveViewSchema } from "../src/rollout/live-views.js";
import { RunStore } from "../src/rollout/store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const POLICY = path.join(ROOT, "examples", "policies", "pin-insertion-heuristic.ts");

test("a pin-insertion station publishes its frame and 3D view; what stays is the end of its last trial", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-live-3d-"));
  const store = RunStore.open(root);
  try {
    const run = await evaluate(store, { taskId: "pin-insertion-easy", policyFile: POLICY, episodes: 2, seedStart: 0 });
    const last = run.trials.at(-1);
    assert.ok(last);
    const [fleetFile] = fs.readdirSync(path.join(root, "live", "fleets"));
    const fleet = LiveFleetSchema.parse(
      JSON.parse(fs.readFileSync(path.join(root, "live", "fleets", fleetFile), "utf8")),
    );
    assert.equal(fleet.closed, true);
    const station = fleet.stations[0];
    assert.equal(station.frame?.index, last.index, "the frame left is from the last trial");
    assert.equal(station.frame?.step, last.steps, "…at its end");
    assert.ok(station.view, "the station has a 3D view");
    const view = LiveViewSchema.parse(JSON.parse(fs.readFileSync(path.join(root, station.view.file), "utf8")));
    const geometry = LiveGeometryFileSchema.parse(
      JSON.parse(fs.readFileSync(path.join(root, station.view.geometryFile), "utf8")),
    );
    assert.equal(view.index, last.index);
    const geoms = geometry.geoms;
    assert.ok(geoms.length > 10, `a station with two arms, a table and a pin box has many geoms, got ${geoms.length}`);
    assert.equal(view.poses.length, geoms.length * 12);
    assert.ok(
      geoms.some((g) => g.name?.includes("pin")),
      "the pin is among the geoms",
    );
  } finally {
    store.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
