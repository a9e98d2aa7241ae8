/**
 * The e-stop end to end, without a browser: `enpire ui --allow-control`'s route → a request file in the store → the
 * live board of the process running the fleet → the thread station's e-stop stops a real MuJoCo trial mid-run (a
 * safety stop of kind "e-stop", recorded and counted as a failure) and pauses the station, which takes no new trial
 * until it is resumed.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";
import type { ApiFleetView } from "../src/web/api/fleet.js";
import { createUiApp } from "../src/web/server.js";

// Holds the pin where the reset left it, 15 ms per step: a 160-step trial lasts long enough to be stopped mid-run.
const SLOW_HOVER = `export default function createPolicy() {
  return { act() { const end = Date.now() + 15; while (Date.now() < end) {} return [0, 0, 0]; } };
}
`;

test("e-stop from the UI stops a MuJoCo trial mid-run as a safety stop and pauses the station until resumed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-e-stop-"));
  const policyFile = path.join(dir, "slow-hover.js");
  fs.writeFileSync(policyFile, SLOW_HOVER);
  const store = RunStore.open(path.join(dir, "store"));
  const ui = createUiApp({ store, allowControl: true });
  const control = (station: string, action: string) =>
    ui.request(`/api/fleet/stations/${encodeURIComponent(station)}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action }),
    });
  const sim0 = async () =>
    ((await (await ui.request("/api/fleet")).json()) as ApiFleetView).stations.find((s) => s.id === "sim-0" && s.live);
  try {
    const run = evaluate(store, { taskId: "pin-insertion-easy", policyFile, episodes: 2, seedStart: 0, stations: 1 });
    await until(async () => (await sim0())?.current?.index === 0);

    const stopped = await control("sim-0", "e-stop");
    assert.equal(stopped.status, 200, await stopped.clone().text());
    assert.match(((await stopped.json()) as { message: string }).message, /stops its trial now/);
    await until(async () => (await sim0())?.paused === true);
    await until(async () => store.trials(store.listRuns()[0].id).length === 1);

    const [first] = store.trials(store.listRuns()[0].id);
    assert.equal(first.outcomeKind, "safety");
    assert.equal(first.counted, true);
    assert.equal(first.success, false);
    assert.match(first.reason ?? "", /e-stop: operator e-stop/);
    assert.ok(first.steps < 100, `stopped mid-trial, not at the end: ${first.steps} steps`);
    const result = JSON.parse(fs.readFileSync(path.join(store.root, first.dir, "result.json"), "utf8"));
    assert.equal(result.outcome.stop.kind, "e-stop");
    assert.match(result.envStack, /^e-stop\(workspace\(/);

    await new Promise((r) => setTimeout(r, 800));
    assert.equal(store.trials(store.listRuns()[0].id).length, 1, "a stopped station takes no new trial");
    assert.equal((await sim0())?.current, null);

    const resumed = await control("sim-0", "resume");
    assert.equal(resumed.status, 200, await resumed.clone().text());
    const done = await run;
    assert.deepEqual(
      done.trials.map((t) => [t.counted, t.outcomeKind]),
      [
        [true, "safety"],
        [true, "failure"],
      ],
    );
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
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
