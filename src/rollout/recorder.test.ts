import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { pushtJob } from "../../test/support/trial-job.js";
import { sha256 } from "../core/hash.js";
import { TrialResultSchema } from "../core/trial.js";
import { evalFingerprint } from "../env/registry.js";
import { bundlePolicy, bundleToData } from "../policy/sandbox/bundle.js";
import { TrialExecutor } from "./execute.js";
import type { TrialJob, TrialOutput, TrialVideo } from "./job.js";
import { readLedger, verifyLedger } from "./ledger.js";
import { Recorder } from "./recorder.js";
import { RunStore } from "./store.js";
import { ffmpegAvailable } from "./video.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
const needsFfmpeg = (await ffmpegAvailable()) ? {} : { skip: "ffmpeg is not installed (apt-get install ffmpeg)" };
const chase = await bundlePolicy(CHASE);

function openRun(episodes = 5) {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-recorder-")));
  const run = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    policy: { name: "chase", path: chase.path, sha256: chase.sha256 },
    episodes,
    seedStart: 100,
    options: {},
  });
  return { store, run };
}

/** The job a fleet would send: the chase policy on Push-T for a few steps, with 96 px video if asked. */
function job(runId: string, index: number, seed: number, video: boolean, attempt = 1): TrialJob {
  return pushtJob(bundleToData(chase), {
    runId,
    index,
    seed,
    attempt,
    maxSteps: 12,
    video: video ? { size: 96, fps: 10 } : null,
  });
}

function ffprobeFrames(file: string): number {
  const out = execFileSync("ffprobe", [
    ...["-v", "error", "-count_frames", "-select_streams", "v:0"],
    ...["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file],
  ]);
  return Number(out.toString().trim());
}

/** Puts a stand-in `ffmpeg` first on PATH for the duration of `body`: it logs each start and end, then runs `then`. */
async function withFfmpegShim<T>(then: string, body: (log: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ffmpeg-shim-"));
  const log = path.join(dir, "log");
  const real = execFileSync("sh", ["-c", "command -v ffmpeg"]).toString().trim();
  fs.writeFileSync(
    path.join(dir, "ffmpeg"),
    `#!/bin/sh\necho start >> "${log}"\n${then.replace("$REAL", real)}\nrc=$?\necho end >> "${log}"\nexit $rc\n`,
    { mode: 0o755 },
  );
  const saved = process.env.PATH;
  process.env.PATH = `${dir}:${saved}`;
  try {
    return await body(log);
  } finally {
    process.env.PATH = saved;
  }
}

test(
  "a station's output becomes a complete trial: events, result, video, ledger entry and index row",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun();
    const station = new TrialExecutor("sim-0", "rgb24");
    const recorder = new Recorder(store, run.id);
    const j = job(run.id, store.nextTrialIndex(run.id), 100, true);
    const { output, video } = await station.run(j);
    await station.close();
    assert.equal(video?.format, "rgb24");

    const row = await recorder.record(j, output, video);
    await recorder.flush();
    assert.deepEqual([row.index, row.seed, row.station, row.attempt, row.counted], [0, 100, "sim-0", 1, true]);
    assert.equal(row.outcomeKind, "failure", "chase does not solve Push-T in 12 steps");
    const dir = store.resolve(row.dir);
    assert.equal(path.basename(dir), "00000-seed-100");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["events.jsonl", "result.json", "video.mp4"]);

    const result = TrialResultSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")));
    assert.deepEqual(result.policy, { name: "chase", path: chase.path, sha256: chase.sha256 });
    assert.deepEqual([result.station, result.startedAt, result.video], ["sim-0", output.startedAt, "video.mp4"]);
    assert.equal(result.steps, 12);
    const events = fs
      .readFileSync(path.join(dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const steps = events.filter((e) => e.event === "step");
    assert.equal(steps.length, 12);
    assert.equal(steps[0].observation.length, 5, "each step keeps the state observation");
    assert.deepEqual(steps[0].action, events[0].observation.slice(2, 4), "and the action: chase aims at the block");
    assert.equal(typeof steps[0].info.coverage, "number", "and the step's info");
    assert.equal(ffprobeFrames(path.join(dir, "video.mp4")), 13, "one frame after reset and one per step");
    assert.equal(readLedger(run.dir).length, 1);
    assert.deepEqual(verifyLedger(store, run.id).problems, []);
    store.close();
  },
);

test(
  "record returns before the video is encoded; encoding is bounded; flush awaits every trial",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun();
    const station = new TrialExecutor("sim-0", "rgb24");
    const outputs: { j: TrialJob; output: TrialOutput; video: TrialVideo | null }[] = [];
    for (let i = 0; i < 5; i++) {
      const j = job(run.id, i, 100 + i, true);
      outputs.push({ j, ...(await station.run(j)) });
    }
    await station.close();

    await withFfmpegShim('"$REAL" "$@"', async (log) => {
      const recorder = new Recorder(store, run.id, { videoConcurrency: 2 });
      const rows = outputs.map(({ j, output, video }) => recorder.record(j, output, video));
      assert.equal(recorder.inFlight, 5, "every trial is handed over at once");
      assert.equal(store.trials(run.id).length, 0, "and none is committed before its video is complete");
      await recorder.flush();
      assert.equal(recorder.inFlight, 0);
      assert.deepEqual((await Promise.all(rows)).map((r) => r.video).sort(), Array(5).fill("video.mp4"));

      let running = 0;
      let most = 0;
      for (const line of fs.readFileSync(log, "utf8").trim().split("\n")) {
        running += line === "start" ? 1 : -1;
        most = Math.max(most, running);
      }
      assert.ok(most <= 2, `${most} ffmpeg processes at once; videoConcurrency is 2`);
    });
    const ledger = readLedger(run.dir);
    assert.deepEqual(
      ledger.map((e) => e.seq),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(ledger.map((e) => e.index).sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(verifyLedger(store, run.id).problems, []);
    store.close();
  },
);

test("an interrupted trial is kept with its station and reason, never counted; its seed runs again", async () => {
  const { store, run } = openRun();
  const recorder = new Recorder(store, run.id);
  const first = job(run.id, store.nextTrialIndex(run.id), 100, false);
  const startedAt = new Date().toISOString();
  void recorder.recordInterrupted(first, "sim-3", "station sim-3 stopped answering for 5000 ms", startedAt, 5012);
  await recorder.flush();

  const again = job(run.id, store.nextTrialIndex(run.id), 100, false, 2);
  const station = new TrialExecutor("sim-1");
  const { output, video } = await station.run(again);
  await station.close();
  await recorder.record(again, output, video);

  const trials = store.trials(run.id);
  assert.deepEqual(
    trials.map((t) => [t.index, t.seed, t.attempt, t.station, t.outcomeKind, t.counted]),
    [
      [0, 100, 1, "sim-3", "interrupted", false],
      [1, 100, 2, "sim-1", "failure", true],
    ],
  );
  assert.equal(trials[0].reason, "station sim-3 stopped answering for 5000 ms");
  assert.deepEqual([trials[0].startedAt, trials[0].elapsedMs], [startedAt, 5012]);
  const summary = store.getRun(run.id);
  assert.deepEqual([summary.trials, summary.interrupted], [1, 1], "counted once, kept twice");
  assert.deepEqual(verifyLedger(store, run.id).problems, []);
  store.close();
});

test("a remote station's mp4 is kept byte for byte", needsFfmpeg, async () => {
  const { store, run } = openRun();
  const station = new TrialExecutor("http://127.0.0.1:8203", "mp4");
  const j = job(run.id, 0, 101, true);
  const { output, video } = await station.run(j);
  await station.close();
  assert.equal(video?.format, "mp4");
  const bytes = video?.format === "mp4" ? video.bytes : new Uint8Array();
  const row = await new Recorder(store, run.id).record(j, output, video);
  assert.equal(sha256(fs.readFileSync(path.join(store.resolve(row.dir), "video.mp4"))), sha256(bytes));
  store.close();
});

test("an output that is not its job's is refused; flush reports it and nothing is committed", async () => {
  const { store, run } = openRun();
  const station = new TrialExecutor("sim-0");
  const j = job(run.id, 0, 100, false);
  const { output } = await station.run(j);
  await station.close();
  const recorder = new Recorder(store, run.id);
  void recorder.record({ ...j, seed: 999 }, output, null); // not awaited, as the fleet does: no unhandled rejection
  await assert.rejects(recorder.flush(), /does not match its job \(run .*, index 0, seed 999, attempt 1\)/);
  await recorder.flush(); // reported once
  assert.equal(store.trials(run.id).length, 0);
  assert.throws(() => new Recorder(store, run.id, { videoConcurrency: 0 }), /positive integer, got 0/);
  store.close();
});

test(
  "a video that fails to encode: the trial is committed without it, and its events say why",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun();
    const station = new TrialExecutor("sim-0");
    const j = job(run.id, 0, 100, true);
    const { output, video } = await station.run(j);
    await station.close();
    await withFfmpegShim("echo 'No space left on device' >&2; cat > /dev/null; false", async () => {
      const recorder = new Recorder(store, run.id);
      const row = await recorder.record(j, output, video);
      await recorder.flush();
      assert.equal(row.video, null);
      assert.equal(recorder.videoFailures.length, 1);
      assert.match(recorder.videoFailures[0].error.message, /No space left on device/);
      const dir = store.resolve(row.dir);
      assert.deepEqual(fs.readdirSync(dir).sort(), ["events.jsonl", "result.json"]);
      const last = JSON.parse(fs.readFileSync(path.join(dir, "events.jsonl"), "utf8").trim().split("\n").at(-1) ?? "");
      assert.equal(last.event, "log");
      assert.match(last.lines[0], /^video not recorded: ffmpeg exited with code 1/);
    });
    assert.deepEqual(verifyLedger(store, run.id).problems, []);
    store.close();
  },
);

test(
  "kill -9 mid-trial: every committed trial is kept unchanged, the one in flight is interrupted",
  needsFfmpeg,
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-recorder-kill-"));
    const here = path.dirname(fileURLToPath(import.meta.url));
    // a run that records chase trials with video, one after another, as a fleet would; it says when each begins
    const script = `
    import { RunStore } from ${JSON.stringify(path.join(here, "store.ts"))};
    import { Recorder } from ${JSON.stringify(path.join(here, "recorder.ts"))};
    import { TrialExecutor } from ${JSON.stringify(path.join(here, "execute.ts"))};
    const job = JSON.parse(process.argv[1]);
    const store = RunStore.open(${JSON.stringify(root)});
    const run = store.createRun(JSON.parse(process.argv[2]));
    const recorder = new Recorder(store, run.id);
    const station = new TrialExecutor("sim-0", "rgb24");
    for (let index = 0; ; index++) {
      const j = { ...job, runId: run.id, index, seed: 100 + index };
      const marker = store.beginTrial(run.id, index, j.seed).tmpDir;
      process.stdout.write("started " + index + " " + run.id + "\\n");
      const { output, video } = await station.run(j);
      await recorder.record(j, output, video);
      (await import("node:fs")).rmSync(marker, { recursive: true });
    }`;
    const manifest = {
      task: { id: "pusht", version: 1 },
      evalFingerprint: evalFingerprint("pusht"),
      policy: { name: "chase", path: chase.path, sha256: chase.sha256 },
      episodes: 100,
      seedStart: 100,
      options: {},
    };
    const { spawn } = await import("node:child_process");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script,
        JSON.stringify(job("", 0, 0, true)),
        JSON.stringify(manifest),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const runId = await new Promise<string>((resolve, reject) => {
      let seen = "";
      child.stdout.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /started 3 (\S+)\n/.exec(seen);
        if (m) {
          child.kill("SIGKILL"); // trial 3 is running, or its video encoding
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => reject(new Error(`the run exited by itself with ${code}`)));
    });
    await new Promise((resolve) => child.once("close", resolve));

    const store = RunStore.open(root); // finds the run's process gone
    const run = store.getRun(runId);
    assert.equal(run.status, "interrupted");
    const trials = store.trials(run.id);
    assert.deepEqual(
      trials.map((t) => [t.index, t.counted, t.video]),
      [
        [0, true, "video.mp4"],
        [1, true, "video.mp4"],
        [2, true, "video.mp4"],
        [3, false, null],
      ],
    );
    assert.equal(trials[3].reason, "the process stopped mid-trial");
    assert.deepEqual(verifyLedger(store, run.id).problems, [], "nothing committed before the kill changed");
    assert.deepEqual(
      fs.readdirSync(path.join(store.resolve(run.dir), "trials")).filter((n) => n.startsWith(".")),
      [],
    );
    assert.equal(store.nextTrialIndex(run.id), 4);
    assert.equal(store.markResumed(run.id).status, "running");
    store.close();
  },
);

test(
  "videos of trials that run together are encoded by one ffmpeg, each trial getting exactly its frames",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun(6);
    const station = new TrialExecutor("sim-0");
    const colours = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 0],
      [0, 255, 255],
      [255, 0, 255],
    ];
    const counts = [7, 1, 13, 4, 30, 2];
    const trials: { j: TrialJob; output: TrialOutput; video: TrialVideo }[] = [];
    for (const [i, rgb] of colours.entries()) {
      const j = job(run.id, i, 100 + i, false);
      const { output } = await station.run(j);
      // each trial's frames are one solid colour, its last frame black, so a frame in the wrong file shows
      const frames = Array.from({ length: counts[i] }, (_, f) => {
        const frame = new Uint8Array(96 * 96 * 3);
        if (f < counts[i] - 1 || counts[i] === 1) for (let p = 0; p < frame.length; p += 3) frame.set(rgb, p);
        return frame;
      });
      trials.push({ j, output, video: { format: "rgb24", width: 96, height: 96, fps: 10, frames } });
    }
    await station.close();

    await withFfmpegShim('"$REAL" "$@"', async (log) => {
      const recorder = new Recorder(store, run.id);
      for (const { j } of trials) recorder.begin(j); // all six run at stations, as a fleet would dispatch them
      const rows: Promise<unknown>[] = [];
      for (const { j, output, video } of trials) {
        rows.push(recorder.record(j, output, video));
        await new Promise((resolve) => setTimeout(resolve, 20)); // trials come back one by one
        if (rows.length < trials.length) assert.equal(store.trials(run.id).length, 0, "videos wait for the rest");
      }
      await Promise.all(rows); // no flush needed: the last trial back starts the batch
      assert.deepEqual(fs.readFileSync(log, "utf8").trim().split("\n"), ["start", "end"], "one ffmpeg for six");
    });
    const decoded = (file: string) =>
      execFileSync("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], {
        maxBuffer: 64 << 20,
      });
    const near = (got: Buffer, want: number[]) => want.every((c, k) => Math.abs(got[k] - c) < 24);
    for (const [i, row] of store.trials(run.id).entries()) {
      assert.equal(row.video, "video.mp4");
      const file = path.join(store.resolve(row.dir), "video.mp4");
      assert.equal(ffprobeFrames(file), counts[i], `trial ${i} has its ${counts[i]} frames`);
      const raw = decoded(file);
      const last = raw.subarray(raw.length - 96 * 96 * 3 + 48 * 96 * 3 + 48 * 3);
      assert.ok(near(raw.subarray(48 * 96 * 3 + 48 * 3), colours[i]), `trial ${i} starts in its colour`);
      assert.ok(near(last, counts[i] === 1 ? colours[i] : [0, 0, 0]), `trial ${i} ends on its last frame`);
    }
    assert.deepEqual(
      readLedger(run.dir)
        .map((e) => e.index)
        .sort(),
      [0, 1, 2, 3, 4, 5],
      "every trial is in the ledger once (in the order its commit finished, as before batching)",
    );
    assert.deepEqual(verifyLedger(store, run.id).problems, []);
    store.close();
  },
);

test("a trial that waits for a batch is still committed within videoBatchWaitMs", needsFfmpeg, async () => {
  const { store, run } = openRun();
  const station = new TrialExecutor("sim-0", "rgb24");
  const j = job(run.id, 0, 100, true);
  const { output, video } = await station.run(j);
  await station.close();
  const recorder = new Recorder(store, run.id, { videoBatchWaitMs: 300 });
  recorder.begin(j);
  recorder.begin(job(run.id, 1, 101, true)); // never comes back
  const t0 = performance.now();
  const row = await recorder.record(j, output, video);
  const waited = performance.now() - t0;
  assert.ok(waited >= 290 && waited < 3000, `committed after ${waited} ms`);
  assert.equal(row.video, "video.mp4");
  assert.equal(ffprobeFrames(path.join(store.resolve(row.dir), "video.mp4")), 13);
  assert.throws(() => new Recorder(store, run.id, { videoBatchTrials: 0 }), /videoBatchTrials must be a positive/);
  store.close();
});
