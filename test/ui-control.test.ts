/**
 * Station control end to end, without a browser: `enpire ui --allow-control`'s route → a request file in the store →
 * the live board of the process running the fleet → the fleet pauses, homes and resumes a real simulated station
 * mid-run, and the Fleet API shows it. The run still ends with every episode counted.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";
import type { ApiFleetView } from "../src/web/api/fleet.js";
import { createUiApp } from "../src/web/server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");
const EPISODES = 100; // enough that the run outlasts the pause with one station working

test("pause, home and resume a station from the UI while its run goes on; the run still counts every episode", async () => {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-control-")));
  const ui = createUiApp({ store, allowControl: true });
  const control = (station: string, action: string) =>
    ui.request(`/api/fleet/stations/${encodeURIComponent(station)}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action }),
    });
  const view = async () => (await (await ui.request("/api/fleet")).json()) as ApiFleetView;
  const sim0 = async () => (await view()).stations.find((s) => s.id === "sim-0" && s.live);
  try {
    const run = evaluate(store, {
      taskId: "pusht",
      policyFile: HEURISTIC,
      episodes: EPISODES,
      seedStart: 0,
      stations: 2,
    });
    await until(async () => (await sim0())?.health === "running");

    const paused = await control("sim-0", "pause");
    assert.equal(paused.status, 200, await paused.clone().text());
    assert.equal(((await paused.json()) as { ok: boolean }).ok, true);
    await until(async () => (await sim0())?.paused === true);

    // home is refused while the trial it had in flight runs, and accepted once it is over
    let homed: Response | undefined;
    await until(async () => {
      homed = await control("sim-0", "home");
      if (homed.status === 409) return false;
      return true;
    });
    assert.equal(homed?.status, 200, await homed?.text());
    // the station is idle and paused now; its last trial may still be on its way into the store (the recorder
    // commits off the stations' path), so what is checked is that no trial of sim-0 starts from here on
    const idleSince = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1500));
    const startedSince = store.stationTrialsSince(idleSince).filter((t) => t.station === "sim-0");
    assert.deepEqual(startedSince, [], "a paused station takes no new trial");
    assert.equal((await sim0())?.current, null);

    const resumed = await control("sim-0", "resume");
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const result = await run;
    assert.equal(result.trials.filter((t) => t.counted).length, EPISODES);
    assert.equal((await control("sim-0", "pause")).status, 404, "the fleet has closed: nobody to ask");
  } finally {
    store.close();
  }
});

/** Polls `ok` every 50 ms until it holds (at most 60 s). */
async function until(ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
