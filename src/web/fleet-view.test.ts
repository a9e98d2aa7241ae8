/**
 * The Fleet API passes each station's live 3D view: the URLs of its poses file and geometry file under /files/
 * (versioned by the view's time and the geometry's id, so a browser never shows a stale one), which the server then
 * serves as JSON; a station without a view, and one from a writer that predates views, get null.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileSafe } from "../rollout/live-board.js";
import { LiveViewSchema, writeLiveView } from "../rollout/live-views.js";
import { RunStore } from "../rollout/store.js";
import type { ApiFleetView } from "./api/fleet.js";
import { syntheticStation, writeSyntheticFleet } from "./api/synthetic-fleet.js";
import { createUiApp } from "./server.js";

const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-fleet-view-")));
after(() => {
  store.close();
  fs.rmSync(store.root, { recursive: true, force: true });
});

test("/api/fleet gives a station's 3D view URLs, and the server serves them", async () => {
  const geometry = {
    schema: "enpire.scene-geometry/1" as const,
    geoms: [
      {
        id: 0,
        name: "cube",
        type: "box" as const,
        size: [0.1, 0.1, 0.1] as [number, number, number],
        rgba: [1, 0, 0, 1] as [number, number, number, number],
        group: 0,
      },
    ],
  };
  const poses = Float32Array.of(0.25, 0, 0.1, 1, 0, 0, 0, 1, 0, 0, 0, 1);
  const id = "agent-1/sim-0";
  const atMs = Date.now() - 100;
  const entry = await writeLiveView(
    store.root,
    id,
    fileSafe(id),
    { geometry, poses, runId: "r1", index: 2, step: 9 },
    atMs,
    null,
    "t",
  );
  const older = syntheticStation("agent-1/sim-2"); // as a writer from before views: no `view` key at all
  delete older.view;
  writeSyntheticFleet(store.root, {
    fleetId: "fleet-a",
    stations: [syntheticStation(id, { view: entry }), syntheticStation("agent-1/sim-1", { view: null }), older],
  });
  const app = createUiApp({ store });
  const res = await app.request("http://127.0.0.1/api/fleet");
  assert.equal(res.status, 200);
  const body = (await res.json()) as ApiFleetView;
  const byId = new Map(body.stations.map((s) => [s.id, s]));
  assert.deepEqual(byId.get(id)?.view, {
    url: `/files/live/views/agent-1_sim-0.json?v=${atMs}`,
    geometryUrl: `/files/live/views/agent-1_sim-0.geometry.json?v=${entry.geometryId}`,
    atMs,
  });
  assert.equal(byId.get("agent-1/sim-1")?.view, null);
  assert.equal(byId.get("agent-1/sim-2")?.view, null, "a fleet file without views reads as none");

  const view = await app.request(`http://127.0.0.1${byId.get(id)?.view?.url}`);
  assert.equal(view.status, 200);
  assert.match(view.headers.get("content-type") ?? "", /application\/json/);
  const parsed = LiveViewSchema.parse(await view.json());
  assert.deepEqual([parsed.station, parsed.step, parsed.poses.slice(0, 3)], [id, 9, [0.25, 0, 0.1]]);
  const geo = await app.request(`http://127.0.0.1${byId.get(id)?.view?.geometryUrl}`);
  assert.equal(geo.status, 200);
  assert.deepEqual(((await geo.json()) as typeof geometry).geoms[0].size, [0.1, 0.1, 0.1]);
});

test("three.js and its orbit controls are served for the page, and nothing else from node_modules", async () => {
  const app = createUiApp({ store });
  for (const file of ["three.module.js", "three.core.js", "OrbitControls.js"]) {
    const res = await app.request(`http://127.0.0.1/vendor/three/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get("content-type") ?? "", /javascript/);
  }
  const controls = await (await app.request("http://127.0.0.1/vendor/three/OrbitControls.js")).text();
  assert.match(controls, /from 'three'/, "it imports three by bare name: index.html's import map resolves it");
  const index = await (await app.request("http://127.0.0.1/")).text();
  assert.match(index, /"three": "\/vendor\/three\/three\.module\.js"/);
  assert.equal((await app.request("http://127.0.0.1/vendor/three/package.json")).status, 404);
  assert.equal((await app.request("http://127.0.0.1/vendor/three/..%2Fpackage.json")).status, 404);
});
