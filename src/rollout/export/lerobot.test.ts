import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { evalFingerprint } from "../../env/registry.js";
import { bundlePolicy } from "../../policy/sandbox/bundle.js";
import { TrialExecutor } from "../execute.js";
import type { TrialJob } from "../job.js";
import { Recorder } from "../recorder.js";
import { RunStore } from "../store.js";
import { ffmpegAvailable } from "../video.js";
import { exportLeRobot } from "./lerobot.js";

/**
 * The layout checked here is LeRobotDataset v3.0's, as LeRobot v0.4 writes and reads it (see lerobot.ts's header for
 * the sources): file paths from info.json's templates, DatasetInfo's keys, DEFAULT_FEATURES, the episode table's
 * columns, stats keys, and video frames at from_timestamp + timestamp.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const needsFfmpeg = (await ffmpegAvailable()) ? {} : { skip: "ffmpeg is not installed (apt-get install ffmpeg)" };
const FPS = 10;
const TASK = "Push the T-shaped block onto the T-shaped target.";

/** Records real Push-T trials: the heuristic on a seed it solves, chase for 12 steps on others, one interrupted. */
async function recordRun(plan: { policy: "heuristic" | "chase"; seed: number; video: boolean }[], interrupted = false) {
  const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-lerobot-")));
  const bundles = {
    heuristic: await bundlePolicy(path.join(ROOT, "examples", "policies", "pusht-heuristic.ts")),
    chase: await bundlePolicy(path.join(ROOT, "test", "fixtures", "cli", "chase.js")),
  };
  const run = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    policy: { name: "mixed", path: null, sha256: bundles.chase.sha256 },
    episodes: plan.length,
    seedStart: 0,
    options: { obsType: null },
  });
  const recorder = new Recorder(store, run.id);
  const station = new TrialExecutor("sim-0", "rgb24");
  for (const p of plan) {
    const b = bundles[p.policy];
    const job: TrialJob = {
      schema: "enpire.trial-job/1",
      runId: run.id,
      index: store.nextTrialIndex(run.id),
      seed: p.seed,
      attempt: 1,
      task: { id: "pusht", version: 1 },
      evalFingerprint: evalFingerprint("pusht"),
      obsType: null,
      policy: { name: p.policy, path: b.path, source: b.source, code: b.code, sha256: b.sha256, map: b.mapJson },
      maxSteps: p.policy === "chase" ? 12 : 300,
      tries: 1,
      stepDeadlineMs: 1000,
      memoryLimitMb: 64,
      safety: null,
      video: p.video ? { size: 96, fps: FPS } : null,
    };
    const { output, video } = await station.run(job);
    await recorder.record(job, output, video);
    if (interrupted) {
      const again = { ...job, index: store.nextTrialIndex(run.id), attempt: 1 };
      await recorder.recordInterrupted(again, "sim-1", "station sim-1 crashed", new Date().toISOString(), 40);
      interrupted = false;
    }
  }
  await station.close();
  await recorder.flush();
  return { store, run };
}

const readRows = async (file: string) => parquetReadObjects({ file: await asyncBufferFromFile(file) });
const num = (v: unknown) => Number(v as number | bigint);

function ffprobe(file: string, entries: string, extra: string[] = []): Record<string, unknown> {
  const out = execFileSync("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", ...extra, "-show_entries", entries, "-of", "json", file],
  ]);
  return JSON.parse(out.toString());
}

test(
  "a run exports to LeRobotDataset v3.0: layout, info, features, rows, episodes, tasks, stats, video",
  needsFfmpeg,
  async () => {
    const { store, run } = await recordRun(
      [
        { policy: "heuristic", seed: 100000, video: true },
        { policy: "chase", seed: 1, video: true },
        { policy: "chase", seed: 2, video: true },
      ],
      true,
    );
    const trials = store.trials(run.id);
    assert.deepEqual(
      trials.map((t) => [t.outcomeKind, t.counted]),
      [
        ["success", true],
        ["interrupted", false],
        ["failure", true],
        ["failure", true],
      ],
    );
    const kept = trials.filter((t) => t.counted);
    const lengths = kept.map((t) => t.steps);
    const totalFrames = lengths.reduce((a, b) => a + b, 0);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-lerobot-out-")), "pusht");

    const result = await exportLeRobot(store, run.id, out, { fps: FPS });
    assert.deepEqual([result.episodes, result.frames, result.video], [3, totalFrames, true]);
    assert.deepEqual(result.skipped, [{ index: 1, seed: 100000, reason: "interrupted: not counted" }]);

    // the files v3.0 has, and nothing else
    const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    assert.deepEqual(files.map((d) => path.relative(out, path.join(d.parentPath, d.name))).sort(), [
      "data/chunk-000/file-000.parquet",
      "meta/episodes/chunk-000/file-000.parquet",
      "meta/info.json",
      "meta/stats.json",
      "meta/tasks.parquet",
      "videos/observation.image/chunk-000/file-000.mp4",
    ]);

    // meta/info.json: DatasetInfo's keys, the path templates resolving to the files, the features
    const info = JSON.parse(fs.readFileSync(path.join(out, "meta", "info.json"), "utf8"));
    for (const key of ["codebase_version", "fps", "features", "total_episodes", "total_frames", "total_tasks"]) {
      assert.ok(key in info, key);
    }
    for (const key of ["chunks_size", "data_files_size_in_mb", "video_files_size_in_mb", "data_path", "video_path"]) {
      assert.ok(key in info, key);
    }
    assert.ok("robot_type" in info && "splits" in info);
    assert.equal(info.codebase_version, "v3.0");
    assert.deepEqual([info.fps, info.total_episodes, info.total_frames, info.total_tasks], [FPS, 3, totalFrames, 1]);
    assert.deepEqual(info.splits, { train: "0:3" });
    const fill = (t: string) =>
      t
        .replace("{video_key}", "observation.image")
        .replace("{chunk_index:03d}", "000")
        .replace("{file_index:03d}", "000");
    assert.equal(info.data_path, "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet");
    assert.equal(info.video_path, "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4");
    assert.ok(fs.existsSync(path.join(out, fill(info.data_path))));
    assert.ok(fs.existsSync(path.join(out, fill(info.video_path))));
    const shapes = Object.fromEntries(
      Object.entries(info.features as Record<string, { dtype: string; shape: number[] }>).map(([k, f]) => [
        k,
        `${f.dtype}[${f.shape}]`,
      ]),
    );
    assert.deepEqual(shapes, {
      "observation.image": "video[96,96,3]",
      "observation.state": "float32[2]",
      "observation.environment_state": "float32[3]",
      action: "float32[2]",
      episode_index: "int64[1]",
      frame_index: "int64[1]",
      timestamp: "float32[1]",
      "next.reward": "float32[1]",
      "next.done": "bool[1]",
      "next.success": "bool[1]",
      index: "int64[1]",
      task_index: "int64[1]",
    });
    const image = info.features["observation.image"];
    assert.deepEqual(image.names, ["height", "width", "channels"]);
    assert.deepEqual(
      [image.info["video.codec"], image.info["video.fps"], image.info["video.height"], image.info["video.width"]],
      ["h264", FPS, 96, 96],
    );
    assert.deepEqual(info.features["observation.state"].names, ["agent_x", "agent_y"]);

    // data: one column per non-video feature, of the parquet type its dtype maps to; one row per frame
    const dataFile = path.join(out, "data", "chunk-000", "file-000.parquet");
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(dataFile));
    assert.equal(Number(meta.num_rows), totalFrames);
    const leaves = new Map(
      meta.row_groups[0].columns.map((c) => [c.meta_data?.path_in_schema[0], c.meta_data?.path_in_schema.length]),
    );
    const physical = Object.fromEntries(meta.schema.filter((s) => s.type !== undefined).map((s) => [s.name, s.type]));
    assert.deepEqual(
      [...leaves.keys()].sort(),
      Object.keys(info.features)
        .filter((k) => info.features[k].dtype !== "video")
        .sort(),
    );
    assert.equal(leaves.get("action"), 3, "a vector is a 3-level LIST");
    for (const k of ["timestamp", "next.reward"]) assert.equal(physical[k], "FLOAT");
    for (const k of ["episode_index", "frame_index", "index", "task_index"]) assert.equal(physical[k], "INT64");
    for (const k of ["next.done", "next.success"]) assert.equal(physical[k], "BOOLEAN");

    const rows = await readRows(dataFile);
    assert.equal(rows.length, totalFrames);
    let offset = 0;
    for (const [ep, t] of kept.entries()) {
      const epRows = rows.slice(offset, offset + t.steps);
      assert.ok(epRows.every((r) => num(r.episode_index) === ep));
      assert.deepEqual(
        epRows.map((r) => num(r.frame_index)),
        [...Array(t.steps).keys()],
      );
      assert.deepEqual(
        epRows.map((r) => num(r.index)),
        [...Array(t.steps).keys()].map((i) => offset + i),
      );
      for (const r of epRows) assert.ok(Math.abs(num(r.timestamp) - num(r.frame_index) / FPS) < 1e-6);
      assert.deepEqual(
        epRows.map((r) => r["next.done"]),
        epRows.map((_, i) => i === t.steps - 1),
      );
      assert.equal(epRows.at(-1)?.["next.success"], t.success);

      // frame 0 is the reset's observation and the first action; rewards are the steps'
      const events = fs
        .readFileSync(path.join(store.resolve(t.dir), "events.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const steps = events.filter((e) => e.event === "step");
      const reset = events[0].observation as number[];
      assert.deepEqual(epRows[0]["observation.state"], reset.slice(0, 2).map(Math.fround));
      assert.deepEqual(epRows[0]["observation.environment_state"], reset.slice(2, 5).map(Math.fround));
      assert.deepEqual(
        epRows.map((r) => r.action),
        steps.map((s) => s.action.map(Math.fround)),
      );
      assert.deepEqual(
        epRows.map((r) => r["next.reward"]),
        steps.map((s) => Math.fround(s.reward)),
      );
      assert.deepEqual(epRows[1]["observation.state"], steps[0].observation.slice(0, 2).map(Math.fround));
      offset += t.steps;
    }

    // meta/episodes: one row per episode, with its frame range, its video span and its trial
    const episodes = await readRows(path.join(out, "meta", "episodes", "chunk-000", "file-000.parquet"));
    assert.equal(episodes.length, 3);
    let from = 0;
    for (const [i, e] of episodes.entries()) {
      assert.equal(num(e.episode_index), i);
      assert.deepEqual(e.tasks, [TASK]);
      assert.equal(num(e.length), lengths[i]);
      assert.deepEqual([num(e["data/chunk_index"]), num(e["data/file_index"])], [0, 0]);
      assert.deepEqual([num(e.dataset_from_index), num(e.dataset_to_index)], [from, from + lengths[i]]);
      assert.deepEqual(
        [num(e["videos/observation.image/chunk_index"]), num(e["videos/observation.image/file_index"])],
        [0, 0],
      );
      assert.ok(Math.abs(num(e["videos/observation.image/from_timestamp"]) - from / FPS) < 1e-9);
      assert.ok(Math.abs(num(e["videos/observation.image/to_timestamp"]) - (from + lengths[i]) / FPS) < 1e-9);
      assert.deepEqual([num(e["meta/episodes/chunk_index"]), num(e["meta/episodes/file_index"])], [0, 0]);
      assert.deepEqual([num(e["enpire/trial_index"]), num(e["enpire/seed"])], [kept[i].index, kept[i].seed]);
      assert.deepEqual((e["stats/action/count"] as unknown[]).map(num), [lengths[i]]);
      assert.equal((e["stats/observation.state/mean"] as number[]).length, 2);
      from += lengths[i];
    }

    // meta/tasks.parquet: the task is the pandas index, task_index its column
    const tasksFile = path.join(out, "meta", "tasks.parquet");
    assert.deepEqual(
      (await readRows(tasksFile)).map((r) => [r.task, num(r.task_index)]),
      [[TASK, 0]],
    );
    const tasksMeta = await parquetMetadataAsync(await asyncBufferFromFile(tasksFile));
    const pandas = JSON.parse(tasksMeta.key_value_metadata?.find((kv) => kv.key === "pandas")?.value ?? "{}");
    assert.deepEqual(pandas.index_columns, ["task"]);

    // meta/stats.json: LeRobot's keys for every feature, shaped like the feature
    const stats = JSON.parse(fs.readFileSync(path.join(out, "meta", "stats.json"), "utf8"));
    const keys = ["count", "max", "mean", "min", "q01", "q10", "q50", "q90", "q99", "std"];
    for (const [name, f] of Object.entries(info.features as Record<string, { dtype: string; shape: number[] }>)) {
      assert.deepEqual(Object.keys(stats[name]).sort(), keys, name);
      assert.deepEqual(stats[name].count, [name === "observation.image" ? totalFrames : totalFrames], name);
      if (f.dtype !== "video") assert.equal(stats[name].mean.length, f.shape[0], name);
    }
    const actions = rows.map((r) => r.action as number[]);
    assert.deepEqual(
      stats.action.min,
      [0, 1].map((j) => Math.min(...actions.map((a) => a[j]))),
    );
    assert.deepEqual(
      stats.action.max,
      [0, 1].map((j) => Math.max(...actions.map((a) => a[j]))),
    );
    const img = stats["observation.image"];
    assert.equal(img.mean.length, 3);
    for (const c of [0, 1, 2]) {
      assert.equal(img.mean[c].length, 1);
      assert.ok(img.min[c][0][0] >= 0 && img.max[c][0][0] <= 1 && img.min[c][0][0] < img.mean[c][0][0]);
    }

    // the video: every episode's frames, one per row, each at (frames before it) / fps as LeRobot seeks them
    const video = path.join(out, fill(info.video_path));
    const probed = ffprobe(video, "stream=nb_read_frames,codec_name,width,height,duration", ["-count_frames"]) as {
      streams: { nb_read_frames: string; codec_name: string; duration: string }[];
    };
    assert.equal(Number(probed.streams[0].nb_read_frames), totalFrames);
    assert.equal(probed.streams[0].codec_name, "h264");
    assert.ok(Math.abs(Number(probed.streams[0].duration) - totalFrames / FPS) < 1.5 / FPS);
    const frames = ffprobe(video, "frame=pts_time", []) as { frames: { pts_time: string }[] };
    assert.equal(frames.frames.length, totalFrames);
    for (const [k, f] of frames.frames.entries()) {
      assert.ok(Math.abs(Number(f.pts_time) - k / FPS) < 1e-4, `frame ${k}: ${f.pts_time}`);
    }

    // only successes
    const successOut = path.join(path.dirname(out), "successes");
    const only = await exportLeRobot(store, run.id, successOut, { fps: FPS, successOnly: true });
    assert.deepEqual([only.episodes, only.frames], [1, lengths[0]]);
    const successRows = await readRows(path.join(successOut, "data", "chunk-000", "file-000.parquet"));
    assert.equal(successRows.at(-1)?.["next.success"], true);
    assert.ok(
      successRows.slice(0, -1).every((r) => r["next.success"] === false),
      "success comes with the last step",
    );
    const successVideo = path.join(successOut, fill(info.video_path));
    assert.ok(
      Math.abs(
        Number((ffprobe(successVideo, "stream=duration") as { streams: { duration: string }[] }).streams[0].duration) -
          lengths[0] / FPS,
      ) <
        1.5 / FPS,
    );

    await assert.rejects(exportLeRobot(store, run.id, out, { fps: FPS }), /exists and is not empty/);
    await assert.rejects(exportLeRobot(store, run.id, `${out}-x`, { fps: 10.5 }), /fps must be a positive integer/);
    store.close();
  },
);

test("trials with and without video: refused unless told which to export", needsFfmpeg, async () => {
  const { store, run } = await recordRun([
    { policy: "chase", seed: 3, video: true },
    { policy: "chase", seed: 4, video: false },
  ]);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-lerobot-out-"));
  await assert.rejects(
    exportLeRobot(store, run.id, path.join(base, "a"), { fps: FPS }),
    /1 of the 2 trials to export have no video \(trials 1\).*--video.*--no-video/,
  );
  assert.ok(!fs.existsSync(path.join(base, "a")));

  const withVideo = await exportLeRobot(store, run.id, path.join(base, "b"), { fps: FPS, video: true });
  assert.deepEqual([withVideo.episodes, withVideo.video], [1, true]);
  assert.deepEqual(withVideo.skipped, [{ index: 1, seed: 4, reason: "no video" }]);

  const noVideo = await exportLeRobot(store, run.id, path.join(base, "c"), { fps: FPS, video: false });
  assert.deepEqual([noVideo.episodes, noVideo.frames, noVideo.video], [2, 24, false]);
  const info = JSON.parse(fs.readFileSync(path.join(base, "c", "meta", "info.json"), "utf8"));
  assert.equal(info.video_path, null);
  assert.ok(!("observation.image" in info.features));
  assert.ok(!fs.existsSync(path.join(base, "c", "videos")));
  const episodes = await readRows(path.join(base, "c", "meta", "episodes", "chunk-000", "file-000.parquet"));
  assert.ok(!Object.keys(episodes[0]).some((k) => k.startsWith("videos/")));
  store.close();
});
