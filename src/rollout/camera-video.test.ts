/**
 * Videos of every camera of a 3D station: the runner hands each camera's frames to the sink, a thread station's
 * executor carries them back, the recorder writes video-<camera>.mp4 beside video.mp4 (smaller), the ledger hashes
 * each and verify-ledger names one deleted, changed or slipped in. A Push-T trial is recorded as before: no extra
 * files, no extra ledger field. Real pieces throughout: pin-insertion-easy on MuJoCo, the sandboxed example heuristic.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { pushtJob } from "../../test/support/trial-job.js";
import { sha256 } from "../core/hash.js";
import type { Policy } from "../core/policy.js";
import { evalFingerprint, makeEnv, prepareTask, taskSpec } from "../env/registry.js";
import { withStationSafety } from "../env/station-defaults.js";
import { PushT } from "../env/tasks/pusht/pusht.js";
import { withSafety } from "../env/wrappers/index.js";
import { bundlePolicy, bundleToData } from "../policy/sandbox/bundle.js";
import { evaluate } from "./evaluate.js";
import { TrialExecutor } from "./execute.js";
import { exportLeRobot } from "./export/lerobot.js";
import { cameraVideoSize, type TrialJob } from "./job.js";
import { readLedger, verifyLedger } from "./ledger.js";
import { Recorder } from "./recorder.js";
import { runTrial } from "./runner.js";
import { StationServer } from "./stations/http-server.js";
import { HttpStation } from "./stations/http-station.js";
import { RunStore } from "./store.js";
import { ffmpegAvailable } from "./video.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const TASK = "pin-insertion-easy";
const needsFfmpeg = (await ffmpegAvailable()) ? {} : { skip: "ffmpeg is not installed (apt-get install ffmpeg)" };
const heuristic = bundleToData(
  await bundlePolicy(path.join(ROOT, "examples", "policies", "pin-insertion-heuristic.ts")),
);
const chase = bundleToData(await bundlePolicy(path.join(ROOT, "test", "fixtures", "cli", "chase.js")));
await prepareTask(TASK);

/** A pin-insertion-easy job of the example heuristic for a few steps, with video as given. */
function pinJob(runId: string, index: number, video: TrialJob["video"], maxSteps = 5): TrialJob {
  const spec = taskSpec(TASK);
  return {
    schema: "enpire.trial-job/1",
    runId,
    index,
    seed: 100 + index,
    attempt: 1,
    task: { id: TASK, version: spec.version },
    evalFingerprint: evalFingerprint(TASK),
    obsType: null,
    policy: { name: "pin-insertion-heuristic", ...heuristic },
    maxSteps,
    tries: 1,
    stepDeadlineMs: 2000,
    memoryLimitMb: 64,
    safety: null,
    video,
  };
}

function openRun(taskId: string, episodes: number) {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-cameras-")));
  const run = store.createRun({
    task: { id: taskId, version: taskSpec(taskId).version },
    evalFingerprint: evalFingerprint(taskId),
    policy: { name: "p", path: "/x/p.ts", sha256: "a".repeat(64) },
    episodes,
    seedStart: 100,
    options: {},
  });
  return { store, run };
}

/** Frames and frame size of an mp4, as ffprobe reads them. */
function probe(file: string): { frames: number; width: number; height: number } {
  const out = execFileSync("ffprobe", [
    ...["-v", "error", "-count_frames", "-select_streams", "v:0"],
    ...["-show_entries", "stream=nb_read_frames,width,height", "-of", "json", file],
  ]);
  const s = JSON.parse(out.toString()).streams[0];
  return { frames: Number(s.nb_read_frames), width: s.width, height: s.height };
}

/** A policy that holds still: zeros of the task's action size. */
function still(size: number): Policy<unknown, number[]> {
  return { name: "still", reset() {}, act: () => new Array(size).fill(0), close() {} };
}

test("wrappers have a 3D station's cameras exactly when the env they wrap does", () => {
  const env = makeEnv(TASK, {});
  try {
    const safe = withStationSafety(env, TASK, undefined);
    assert.notEqual(safe, env, "a real wrapper stack");
    assert.deepEqual(safe.cameraNames?.(), ["top", "left", "right", "right_wrist_cam", "left_wrist_cam"]);
    env.reset({ seed: 1 });
    const left = safe.renderCamera?.("left", 24);
    assert.equal(left?.length, 24 * 24 * 3);
    assert.deepEqual(left, env.renderCamera?.("left", 24), "the same picture as the env's own");
    assert.notDeepEqual(left, safe.renderCamera?.("right", 24), "another camera, another picture");
  } finally {
    env.close();
  }
  const pusht = withSafety(new PushT());
  assert.equal(pusht.cameraNames, undefined);
  assert.equal(pusht.renderCamera, undefined);
});

test("the runner hands each camera's frame after the main one, after reset and every step; unknown cameras are refused", async () => {
  const env = makeEnv(TASK, {});
  try {
    const order: string[] = [];
    const sizes = new Set<number>();
    const size = env.spec.actionSpace.kind === "box" ? env.spec.actionSpace.shape[0] : 0;
    const record = await runTrial(env, still(size), {
      seed: 3,
      maxSteps: 3,
      frameSize: 32,
      cameras: ["left", "right_wrist_cam"],
      cameraSize: 16,
      sink: {
        event() {},
        async frame(rgb) {
          order.push("main");
          assert.equal(rgb.length, 32 * 32 * 3);
        },
        async cameraFrame(camera, rgb) {
          order.push(camera);
          sizes.add(rgb.length);
        },
      },
    });
    assert.equal(record.steps, 3);
    assert.deepEqual(order, Array(4).fill(["main", "left", "right_wrist_cam"]).flat(), "reset + 3 steps");
    assert.deepEqual([...sizes], [16 * 16 * 3]);

    await assert.rejects(
      runTrial(env, still(size), {
        seed: 3,
        maxSteps: 1,
        cameras: ["left", "belly"],
        sink: { event() {}, async frame() {}, async cameraFrame() {} },
      }),
      /cannot record camera belly of .*pin-insertion-easy.*: it has top, left, right, right_wrist_cam, left_wrist_cam/,
    );
  } finally {
    env.close();
  }
  await assert.rejects(
    runTrial(new PushT(), still(2), {
      seed: 0,
      maxSteps: 1,
      cameras: ["left"],
      sink: { event() {}, async frame() {}, async cameraFrame() {} },
    }),
    /cannot record camera left of pusht@1: it has no named cameras/,
  );
});

test(
  "a 3D trial is recorded with a smaller video per camera, each hashed in the ledger; verify-ledger names a deleted one",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun(TASK, 2);
    const station = new TrialExecutor("sim-0", "rgb24");
    const recorder = new Recorder(store, run.id);
    const j = pinJob(run.id, 0, { size: 128, fps: 20 });
    const { output, video } = await station.run(j);
    assert.equal(video?.format, "rgb24");
    const cameras = ["left", "right", "right_wrist_cam", "left_wrist_cam"];
    assert.deepEqual(output.videoCameras, cameras, "every camera but the main view's (top), in the station's order");
    assert.equal(cameraVideoSize(128), 96, "half of 128 is below the least camera size");
    // only some cameras: the job names them
    const some = pinJob(run.id, 1, { size: 128, fps: 20, cameras: ["left"], cameraSize: 64 });
    const second = await station.run(some);
    await station.close();
    assert.deepEqual(second.output.videoCameras, ["left"]);

    const rows = [await recorder.record(j, output, video), await recorder.record(some, second.output, second.video)];
    await recorder.flush();
    const dir = store.resolve(rows[0].dir);
    const files = cameras.map((c) => `video-${c}.mp4`);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["events.jsonl", "result.json", ...files, "video.mp4"].sort());
    const frames = output.steps + 1;
    assert.deepEqual(probe(path.join(dir, "video.mp4")), { frames, width: 128, height: 128 });
    for (const f of files) assert.deepEqual(probe(path.join(dir, f)), { frames, width: 96, height: 96 }, f);
    const dir1 = store.resolve(rows[1].dir);
    assert.deepEqual(fs.readdirSync(dir1).sort(), ["events.jsonl", "result.json", "video-left.mp4", "video.mp4"]);
    assert.equal(probe(path.join(dir1, "video-left.mp4")).width, 64);

    const [entry, entry1] = readLedger(run.dir);
    const hashes = Object.fromEntries(
      cameras.map((c) => [c, sha256(fs.readFileSync(path.join(dir, `video-${c}.mp4`)))]),
    );
    assert.deepEqual(entry.cameraVideoSha256, hashes, "each camera's video hashed as written");
    assert.deepEqual(Object.keys(entry1.cameraVideoSha256 ?? {}), ["left"]);
    assert.deepEqual(verifyLedger(store, run.id).problems, []);

    const name = path.basename(dir);
    fs.rmSync(path.join(dir, "video-left.mp4"));
    fs.appendFileSync(path.join(dir, "video-right_wrist_cam.mp4"), "x");
    fs.copyFileSync(path.join(dir1, "video-left.mp4"), path.join(dir1, "video-right.mp4"));
    const problems = verifyLedger(store, run.id).problems.map((p) => p.problem);
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.equal(problems[0], `trial 0 (${name}): video-left.mp4 is missing`);
    assert.match(problems[1], /^trial 0 \(.*\): video-right_wrist_cam\.mp4 has sha256 \w+…, the ledger recorded \w+…$/);
    assert.match(problems[2], /^trial 1 \(.*\): has a video-right\.mp4 that the ledger did not record$/);
    store.close();
  },
);

test(
  "a Push-T trial is recorded as before: no camera videos, no camera hashes in its ledger entry",
  needsFfmpeg,
  async () => {
    const { store, run } = openRun("pusht", 1);
    const station = new TrialExecutor("sim-0", "rgb24");
    const recorder = new Recorder(store, run.id);
    const j = pushtJob(chase, { runId: run.id, index: 0, seed: 100, maxSteps: 5, video: { size: 96, fps: 10 } });
    const { output, video } = await station.run(j);
    await station.close();
    assert.equal(output.videoCameras, undefined);
    assert.equal(video?.format === "rgb24" ? video.cameras : "mp4", undefined);
    const row = await recorder.record(j, output, video);
    await recorder.flush();
    assert.deepEqual(fs.readdirSync(store.resolve(row.dir)).sort(), ["events.jsonl", "result.json", "video.mp4"]);
    const line = fs.readFileSync(path.join(run.dir, "ledger.jsonl"), "utf8");
    assert.doesNotMatch(line, /camera/, "the entry has the fields it always had");
    assert.deepEqual(verifyLedger(store, run.id).problems, []);
    store.close();
  },
);

test("a remote station's camera videos are encoded there and kept byte for byte", needsFfmpeg, async () => {
  const { store, run } = openRun(TASK, 1);
  const station = new TrialExecutor("http-0", "mp4");
  const j = pinJob(run.id, 0, { size: 64, fps: 20, cameras: ["right", "left"] }, 3);
  const { output, video } = await station.run(j);
  await station.close();
  assert.equal(video?.format, "mp4");
  if (video?.format !== "mp4") return;
  assert.deepEqual(
    video.cameras?.map((c) => c.camera),
    ["right", "left"],
  );
  const recorder = new Recorder(store, run.id);
  const row = await recorder.record(j, output, video);
  await recorder.flush();
  const dir = store.resolve(row.dir);
  for (const c of video.cameras ?? []) {
    assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, `video-${c.camera}.mp4`))), c.bytes);
    assert.equal(probe(path.join(dir, `video-${c.camera}.mp4`)).width, 64, "half of 64 is below 96: the main size");
  }
  assert.deepEqual(verifyLedger(store, run.id).problems, []);
  store.close();
});

test("a station behind HTTP hands back each camera's video beside the main one", needsFfmpeg, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-cameras-station-"));
  const server = await StationServer.start({ taskId: TASK, dir, port: 0 });
  const station = await HttpStation.connect(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  try {
    const run = await station.run(
      pinJob("run-http", 0, { size: 64, fps: 20, cameras: ["left", "right_wrist_cam"] }, 3),
    );
    assert.deepEqual(run.output.videoCameras, ["left", "right_wrist_cam"]);
    assert.equal(run.video?.format, "mp4");
    if (run.video?.format !== "mp4") return;
    assert.deepEqual(
      run.video.cameras?.map((c) => [c.camera, Buffer.from(c.bytes.subarray(4, 8)).toString("latin1")]),
      [
        ["left", "ftyp"],
        ["right_wrist_cam", "ftyp"],
      ],
    );
    assert.notDeepEqual(run.video.cameras?.[0].bytes, run.video.bytes, "not the main video again");
  } finally {
    await station.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "a LeRobot export of a 3D run has the main view and one video feature per camera, episode spans alike",
  needsFfmpeg,
  async () => {
    const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-cameras-export-")));
    const policyFile = path.join(ROOT, "examples", "policies", "pin-insertion-heuristic.ts");
    const run = await evaluate(store, {
      taskId: TASK,
      policyFile,
      episodes: 2,
      seedStart: 0,
      video: true,
      videoSize: 96,
    });
    const out = path.join(store.root, "dataset");
    const result = await exportLeRobot(store, run.runId, out, { fps: taskSpec(TASK).controlHz });
    assert.equal(result.episodes, 2);
    const info = JSON.parse(fs.readFileSync(path.join(out, "meta", "info.json"), "utf8"));
    const videos = Object.entries(info.features as Record<string, { dtype: string; shape: number[] }>)
      .filter(([, f]) => f.dtype === "video")
      .map(([key, f]) => [key, f.shape]);
    const cameras = ["left", "left_wrist_cam", "right", "right_wrist_cam"];
    assert.deepEqual(videos, [
      ["observation.image", [96, 96, 3]],
      ...cameras.map((c) => [`observation.images.${c}`, [96, 96, 3]]),
    ]);
    const frames = result.frames;
    for (const key of ["observation.image", ...cameras.map((c) => `observation.images.${c}`)]) {
      assert.equal(probe(path.join(out, "videos", key, "chunk-000", "file-000.mp4")).frames, frames, key);
    }
    const stats = JSON.parse(fs.readFileSync(path.join(out, "meta", "stats.json"), "utf8"));
    assert.ok(stats["observation.images.left"], "pixel statistics per camera");
    store.close();
  },
);
