/**
 * Datasets from recorded trials: real runs of the Push-T heuristic (and a policy that never succeeds) made with
 * evaluate(), read back as StepDatasets, checked against the trials' own events, the pixel observation, and a
 * LeRobot export of the same run.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { storeWithDemos } from "../../test/support/recorded-runs.js";
import { PushT } from "../env/tasks/pusht/pusht.js";
import { datasetFromLeRobot, datasetFromRuns } from "./dataset.js";
import { evaluate } from "./evaluate.js";
import { exportLeRobot } from "./export/lerobot.js";

// three solved episodes and one failure (a policy that holds the pusher still, for the full horizon)
const { store, still, solved, failed } = await storeWithDemos("enpire-dataset-");

test("rows pair each observation with its action, reward, next observation and done, as the events recorded them", () => {
  const { dataset: d, sources, sha256 } = datasetFromRuns(store, [solved.runId]);
  assert.equal(d.obsDim, 5);
  assert.equal(d.actDim, 2);
  const steps = solved.trials.map((t) => t.steps);
  assert.equal(
    d.size,
    steps.reduce((a, b) => a + b, 0),
  );
  assert.deepEqual(d.episodeStarts, [0, steps[0], steps[0] + steps[1]]);
  assert.deepEqual(sources, [{ runId: solved.runId, trials: 3, episodes: 3, steps: d.size }]);
  assert.match(sha256, /^[0-9a-f]{64}$/);

  const events = fs
    .readFileSync(path.join(store.resolve(solved.trials[1].dir), "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const reset = events.find((e) => e.event === "reset");
  const stepEvents = events.filter((e) => e.event === "step");
  const row = d.episodeStarts[1];
  assert.deepEqual(Array.from(d.obs.subarray(row * 5, row * 5 + 5)), Array.from(Float32Array.from(reset.observation)));
  for (const [t, e] of stepEvents.entries()) {
    const r = row + t;
    assert.deepEqual(Array.from(d.act.subarray(r * 2, r * 2 + 2)), Array.from(Float32Array.from(e.action)));
    assert.deepEqual(Array.from(d.nextObs.subarray(r * 5, r * 5 + 5)), Array.from(Float32Array.from(e.observation)));
    assert.equal(d.reward[r], Math.fround(e.reward));
    assert.equal(d.done[r], e.terminated ? 1 : 0);
  }
  // each successful episode ends in exactly one terminal row, its last
  for (const [k, start] of d.episodeStarts.entries()) {
    const end = k + 1 < d.episodeStarts.length ? d.episodeStarts[k + 1] : d.size;
    const terminal = Array.from(d.done.subarray(start, end)).flatMap((v, i) => (v ? [i] : []));
    assert.deepEqual(terminal, [end - start - 1]);
  }
});

test("successOnly keeps the successes; otherwise failures enter with done 0 at their time limit", () => {
  const all = datasetFromRuns(store, [solved.runId, failed.runId]);
  const onlySuccess = datasetFromRuns(store, [solved.runId, failed.runId], { successOnly: true });
  assert.equal(failed.trials[0].success, false);
  assert.equal(all.dataset.size, onlySuccess.dataset.size + failed.trials[0].steps);
  assert.equal(all.dataset.episodeStarts.length, 4);
  assert.deepEqual(onlySuccess.sources[1], { runId: failed.runId, trials: 1, episodes: 0, steps: 0 });
  assert.equal(all.dataset.done[all.dataset.size - 1], 0, "a time-limit end is not terminal");
  assert.notEqual(all.sha256, onlySuccess.sha256);
  assert.equal(datasetFromRuns(store, [solved.runId, failed.runId]).sha256, all.sha256, "same data, same sha");
  assert.throws(() => datasetFromRuns(store, [failed.runId], { successOnly: true }), /no successful trials/);
});

test("images are exactly what the pixel observation showed", () => {
  const { dataset: d } = datasetFromRuns(store, [solved.runId], { images: { size: 96, next: true } });
  assert.equal(d.images?.size, 96);
  assert.equal(d.images?.data.length, d.size * 96 * 96 * 3);
  // replay trial 0's actions on a pixel-observation env: each frame must equal the row's image
  const pixels = new PushT({ obsType: "pixels" });
  let frame = pixels.reset({ seed: solved.trials[0].seed });
  const n = 96 * 96 * 3;
  for (let t = 0; t < solved.trials[0].steps; t++) {
    assert.deepEqual(d.images?.data.subarray(t * n, (t + 1) * n), frame, `row ${t}`);
    frame = pixels.step([d.act[t * 2], d.act[t * 2 + 1]]).observation;
    if (t + 1 < solved.trials[0].steps) assert.deepEqual(d.nextImages?.data.subarray(t * n, (t + 1) * n), frame);
  }
});

test("runs without the state observation and interrupted trials are refused or left out", async () => {
  const keypointRun = await evaluate(store, {
    taskId: "pusht",
    policyFile: still,
    episodes: 1,
    seedStart: 0,
    obsType: "keypoints",
  });
  assert.throws(
    () => datasetFromRuns(store, [solved.runId, keypointRun.runId]),
    new RegExp(`run ${keypointRun.runId} was recorded with the "keypoints" observation`),
  );
  // an interrupted trial with steps in its events (a station died mid-trial): kept in the run, never in the data
  const run = store.getRun(solved.runId);
  const index = store.nextTrialIndex(run.id);
  const first = JSON.parse(fs.readFileSync(path.join(store.resolve(solved.trials[0].dir), "result.json"), "utf8"));
  const writer = store.beginTrial(run.id, index, 42);
  writer.event({ event: "reset", t: 0, seed: 42, observation: [1, 2, 3, 4, 5] });
  writer.event({
    event: "step",
    t: 1,
    index: 0,
    action: [9, 9],
    reward: 0,
    terminated: false,
    truncated: false,
    observation: [1, 2, 3, 4, 5],
    info: {},
  });
  writer.commit({
    ...first,
    index,
    seed: 42,
    outcome: { kind: "interrupted", score: null, reason: "the station stopped" },
    success: false,
    counted: false,
    steps: 1,
  });
  assert.ok(store.trials(run.id).some((t) => !t.counted && t.steps === 1));
  const { dataset, sources } = datasetFromRuns(store, [run.id]);
  assert.equal(sources[0].trials, 3);
  assert.equal(dataset.episodeStarts.length, 3);
  assert.ok(!Array.from(dataset.act).includes(9), "the interrupted trial's action is not in the data");
});

test("a LeRobot export reads back as the same transitions", async () => {
  const out = path.join(store.root, "export");
  await exportLeRobot(store, solved.runId, out, { fps: 10, video: false });
  const back = await datasetFromLeRobot(out);
  const { dataset: d } = datasetFromRuns(store, [solved.runId]);
  assert.deepEqual(back.observationColumns, ["observation.state", "observation.environment_state"]);
  assert.equal(back.episodes, 3);
  assert.equal(back.dataset.size, d.size);
  assert.deepEqual(back.dataset.episodeStarts, d.episodeStarts);
  assert.deepEqual(back.dataset.obs, d.obs);
  assert.deepEqual(back.dataset.act, d.act);
  assert.deepEqual(back.dataset.reward, d.reward);
  assert.deepEqual(back.dataset.done, d.done, "success ends are terminal in both");
  // within an episode the next observation is the following row's observation
  assert.deepEqual(back.dataset.nextObs.subarray(0, 5), d.nextObs.subarray(0, 5));
  await assert.rejects(datasetFromLeRobot(store.root), /not a LeRobotDataset v3.0 folder/);
});
