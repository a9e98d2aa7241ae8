/**
 * Export of a run to LeRobotDataset v3.0, so its trials can train a policy with LeRobot (`LeRobotDataset(repo_id,
 * root=outDir)`). Every counted trial with at least one step becomes an episode (with `successOnly`, only successes);
 * interrupted trials are never exported.
 *
 * Layout written (LeRobot v3.0; one chunk and one file of each kind, which LeRobot reads whatever their size):
 *   meta/info.json                               codebase_version "v3.0", fps, features, path templates, totals, splits
 *   meta/stats.json                              per feature: min, max, mean, std, count, q01, q10, q50, q90, q99
 *   meta/tasks.parquet                           task (the pandas index, as pandas writes it) → task_index
 *   meta/episodes/chunk-000/file-000.parquet     one row per episode: episode_index, tasks, length, data/chunk_index,
 *                                                data/file_index, dataset_from_index, dataset_to_index,
 *                                                videos/observation.image/{chunk_index,file_index,from_timestamp,
 *                                                to_timestamp}, stats/<feature>/<stat>, meta/episodes/{chunk_index,
 *                                                file_index}, and enpire/{trial_index,seed,success} (provenance)
 *   data/chunk-000/file-000.parquet              one row per frame (columns below)
 *   videos/observation.image/chunk-000/file-000.mp4   every episode's frames, concatenated, H.264 yuv420p
 *
 * Frame t of an episode is the observation before step t's action, the action, and what the step returned:
 *   observation.state              float32[2]  the pusher (agent) position [x, y] px, as lerobot/pusht has it
 *   observation.environment_state  float32[3]  the block pose [x, y px, angle rad] (obs type "state"), or float32[16]
 *                                              the T's keypoints (obs type "keypoints"), as lerobot/pusht_keypoints;
 *                                              absent for pixel observations, whose recorded events keep no block pose
 *   observation.image              video       the frame rendered before the action (when trials have videos)
 *   observation.images.<camera>    video       the same moment from each extra camera of a 3D station (its
 *                                              video-<camera>.mp4), for the cameras every exported trial has
 *   action                         float32[2]  the commanded pusher target [x, y] px
 *   next.reward float32, next.success bool     the step's reward and the task's success after it (info.isSuccess)
 *   next.done bool                             true on the episode's last frame only (lerobot/pusht also marks the
 *                                              frame before it, an artefact of its conversion; we do not)
 *   timestamp float32 = frame_index / fps, frame_index, episode_index, index (global), task_index: int64
 * The observation after the last action has no action and is not a frame, as in lerobot/pusht. The choice of the agent
 * position for observation.state (rather than Push-T's 5 numbers) keeps LeRobot's Push-T configs and normalisation
 * working unchanged; the rest of the state is kept in observation.environment_state, LeRobot's key for it.
 *
 * Sources (read for the layout; no code was taken):
 *   - LeRobot docs, "LeRobotDataset v3.0" (docs/source/lerobot-dataset-v3.mdx) and the Hugging Face blog post
 *     "LeRobotDataset:v3.0" (huggingface/blog lerobot-datasets-v3.md): the directory layout and what each file holds.
 *   - huggingface/lerobot v0.4.4 (the first releases with v3.0), src/lerobot/datasets/utils.py: DEFAULT_DATA_PATH,
 *     DEFAULT_VIDEO_PATH, DEFAULT_EPISODES_PATH, DEFAULT_TASKS_PATH, create_empty_dataset_info (info.json keys),
 *     get_hf_features_from_features (feature → parquet column type), load_tasks (pd.read_parquet: the task is the
 *     index); lerobot_dataset.py: _save_episode_data / _save_episode_video / _save_episode_metadata (episode columns,
 *     from/to timestamps), _query_videos (frame = from_timestamp + timestamp, within tolerance_s 1e-4);
 *     compute_stats.py (stat keys, image stats per channel in [0, 1] with shape (3, 1, 1));
 *     utils/constants.py DEFAULT_FEATURES; video_utils.py get_video_info (video.* keys).
 *   - lerobot/pusht's meta/info.json (v3.0) and the old push_dataset_to_hub/pusht_zarr_format.py: the Push-T features
 *     (observation.state = agent_pos, next.reward/next.done/next.success, fps 10, the task sentence).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { SchemaElement } from "hyparquet";
import { parquetWriteFile } from "hyparquet-writer";
import { EnpireError, InvalidInputError } from "../../core/errors.js";
import type { TrialEvent } from "../../core/trial.js";
import { datasetLayout, listTasks } from "../../env/registry.js";
import { cameraVideoFile } from "../job.js";
import { cameraVideos } from "../ledger.js";
import { RunManifestSchema, type RunStore, type TrialRow } from "../store.js";
import { FfmpegFailedError, FfmpegNotFoundError, VideoWriter } from "../video.js";

export const LEROBOT_CODEBASE_VERSION = "v3.0";
const CHUNKS_SIZE = 1000; // LeRobot's defaults, recorded in info.json
const DATA_FILES_SIZE_IN_MB = 100;
const VIDEO_FILES_SIZE_IN_MB = 200;
const DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet";
const VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4";
const IMAGE_KEY = "observation.image";
/** An extra camera's video feature: observation.images.<camera> (LeRobot's name for several cameras). */
const CAMERA_KEY_PREFIX = "observation.images.";
const QUANTILES = [0.01, 0.1, 0.5, 0.9, 0.99]; // LeRobot's q01 … q99

/** The instruction each task's episodes carry (tasks.parquet); Push-T's is lerobot/pusht's. */
const TASK_TEXT: Record<string, string> = { pusht: "Push the T-shaped block onto the T-shaped target." };

export interface LeRobotExportOptions {
  /** Frames per second: the task's control rate (10 for Push-T). Timestamps are frame_index / fps. */
  fps: number;
  /** Export only trials the verifier passed. */
  successOnly?: boolean;
  /**
   * observation.image from the trials' videos. Unset: included when every exported trial has a video, left out when
   * none has, refused when only some have. true: only trials with a video are exported. false: no images.
   */
  video?: boolean;
}

export interface LeRobotExportResult {
  outDir: string;
  episodes: number;
  frames: number;
  video: boolean;
  /** Trials of the run not exported, and why (interrupted, not a success, no steps, no video). */
  skipped: { index: number; seed: number; reason: string }[];
}

type FeatureSpec = { dtype: string; shape: number[]; names: unknown; info?: Record<string, unknown> };

interface Episode {
  trial: TrialRow;
  state: number[][] | null;
  envState: number[][] | null;
  action: number[][];
  reward: number[];
  success: boolean[];
  video: string | null; // absolute path of the trial's video
  /** Absolute paths of the trial's extra camera videos (video-<camera>.mp4), by camera; empty without video. */
  cameraVideos: Record<string, string>;
}

/**
 * Writes the run `runId` as a LeRobotDataset v3.0 in `outDir` (which must not exist or be empty). The dataset is
 * built beside it and renamed into place when complete, so a failed export leaves nothing half-written there.
 * @example await exportLeRobot(RunStore.open(), "20260101T000000-abc123", "datasets/pusht-run", { fps: 10 });
 */
export async function exportLeRobot(
  store: RunStore,
  runId: string,
  outDir: string,
  opts: LeRobotExportOptions,
): Promise<LeRobotExportResult> {
  if (!Number.isInteger(opts.fps) || opts.fps < 1) {
    throw new InvalidInputError(`fps must be a positive integer (LeRobot stores it as one), got ${opts.fps}`);
  }
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    throw new InvalidInputError(`${outDir} exists and is not empty; export into a new directory`);
  }
  const run = store.getRun(runId);
  const runDir = store.resolve(run.dir);
  const manifest = RunManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(runDir, "run.json"), "utf8")));
  const obsType = typeof manifest.options.obsType === "string" ? manifest.options.obsType : "state";
  const layout = observationLayout(manifest.task.id, obsType);

  // 1. which trials become episodes
  const skipped: LeRobotExportResult["skipped"] = [];
  let chosen: TrialRow[] = [];
  for (const t of store.trials(run.id)) {
    const skip = (reason: string) => skipped.push({ index: t.index, seed: t.seed, reason });
    if (!t.counted) skip(`${t.outcomeKind}: not counted`);
    else if (opts.successOnly && !t.success) skip(`${t.outcomeKind}: not a success`);
    else if (t.steps === 0) skip("no steps");
    else chosen.push(t);
  }
  const withVideo = chosen.filter((t) => t.video !== null);
  let video = opts.video ?? withVideo.length > 0;
  if (opts.video === undefined && withVideo.length > 0 && withVideo.length < chosen.length) {
    const without = chosen.filter((t) => t.video === null).map((t) => t.index);
    throw new InvalidInputError(
      `${without.length} of the ${chosen.length} trials to export have no video (trials ${list(without)}); ` +
        "LeRobot needs a frame for every episode: export only the trials with video (--video) or none (--no-video)",
    );
  }
  if (opts.video === true) {
    for (const t of chosen) if (t.video === null) skipped.push({ index: t.index, seed: t.seed, reason: "no video" });
    chosen = withVideo;
  }
  if (chosen.length === 0) {
    throw new InvalidInputError(
      `run ${run.id} has no trial to export${skipped.length ? ` (${summarise(skipped)})` : ""}`,
    );
  }
  if (!layout.state && !layout.envState && !video) {
    throw new InvalidInputError(
      `run ${run.id} observed "${obsType}" pixels, which its events do not keep; export it with its videos`,
    );
  }
  video = video && chosen.every((t) => t.video !== null);

  // 2. the frames of each episode, from its events
  const episodes = chosen.map((t) => readEpisode(store, t, layout, video));
  const actionDim = episodes[0].action[0].length;
  for (const e of episodes) {
    const bad = e.action.findIndex((a) => a.length !== actionDim);
    if (bad >= 0)
      throw new InvalidInputError(`trial ${e.trial.index}: action ${bad} has ${e.action[bad].length} numbers`);
  }

  const tmp = `${path.resolve(outDir)}.tmp-${randomBytes(3).toString("hex")}`;
  fs.mkdirSync(path.join(tmp, "meta", "episodes", "chunk-000"), { recursive: true });
  fs.mkdirSync(path.join(tmp, "data", "chunk-000"), { recursive: true });
  try {
    const taskText = TASK_TEXT[manifest.task.id] ?? firstSentence(taskDescription(manifest.task.id));
    const features: Record<string, FeatureSpec> = {};
    const frames = episodes.reduce((n, e) => n + e.action.length, 0);

    // 3. video: every episode's first `length` frames, concatenated, with per-channel pixel statistics; the main view
    //    as observation.image, and each extra camera that every episode has as observation.images.<camera>
    const videoKeys: { key: string; source: (e: Episode) => string }[] = [];
    if (video) {
      videoKeys.push({ key: IMAGE_KEY, source: (e) => e.video! });
      const cameras = Object.keys(episodes[0].cameraVideos).filter((c) => episodes.every((e) => e.cameraVideos[c]));
      for (const c of cameras) videoKeys.push({ key: `${CAMERA_KEY_PREFIX}${c}`, source: (e) => e.cameraVideos[c] });
    }
    const videoSpans: Record<string, { from: number; to: number }[]> = {};
    const imageStats: Record<string, Stats> = {};
    for (const { key, source } of videoKeys) {
      const file = path.join(tmp, "videos", key, "chunk-000", "file-000.mp4");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const concat = await concatenateVideos(episodes, source, file, opts.fps);
      videoSpans[key] = concat.spans;
      imageStats[key] = concat.stats;
      features[key] = {
        dtype: "video",
        shape: [concat.height, concat.width, 3],
        names: ["height", "width", "channels"],
        info: {
          "video.height": concat.height,
          "video.width": concat.width,
          "video.codec": "h264",
          "video.pix_fmt": "yuv420p",
          "video.is_depth_map": false,
          "video.fps": opts.fps,
          "video.channels": 3,
          has_audio: false,
        },
      };
    }

    // 4. the frame table
    const columns: Column[] = [];
    if (layout.state) {
      const dim = episodes[0].state?.[0]?.length ?? 0;
      const names = layout.state === "all" ? numbered("s", dim) : layout.state;
      for (const e of episodes) {
        const bad = e.state?.findIndex((s) => s.length !== dim) ?? -1;
        if (bad >= 0) throw new InvalidInputError(`trial ${e.trial.index}: observation ${bad} is not ${dim} numbers`);
      }
      features["observation.state"] = { dtype: "float32", shape: [dim], names };
      columns.push(
        listColumn(
          "observation.state",
          "FLOAT",
          episodes.flatMap((e) => e.state ?? []),
        ),
      );
    }
    if (layout.envState) {
      const names = layout.envState;
      features["observation.environment_state"] = { dtype: "float32", shape: [names.length], names };
      columns.push(
        listColumn(
          "observation.environment_state",
          "FLOAT",
          episodes.flatMap((e) => e.envState ?? []),
        ),
      );
    }
    features.action = { dtype: "float32", shape: [actionDim], names: layout.action ?? numbered("a", actionDim) };
    columns.push(
      listColumn(
        "action",
        "FLOAT",
        episodes.flatMap((e) => e.action),
      ),
    );
    const perFrame = (f: (e: Episode, i: number, episode: number) => number | boolean) =>
      episodes.flatMap((e, episode) => e.action.map((_, i) => f(e, i, episode)));
    let start = 0;
    const offsets = episodes.map((e) => {
      const from = start;
      start += e.action.length;
      return from;
    });
    const scalars: [string, string, (number | boolean)[]][] = [
      ["episode_index", "int64", perFrame((_e, _i, ep) => ep)],
      ["frame_index", "int64", perFrame((_e, i) => i)],
      ["timestamp", "float32", perFrame((_e, i) => i / opts.fps)],
      ["next.reward", "float32", perFrame((e, i) => e.reward[i])],
      ["next.done", "bool", perFrame((e, i) => i === e.action.length - 1)],
      ["next.success", "bool", perFrame((e, i) => e.success[i])],
      ["index", "int64", perFrame((_e, i, ep) => offsets[ep] + i)],
      ["task_index", "int64", perFrame(() => 0)],
    ];
    for (const [name, dtype, values] of scalars) {
      features[name] = { dtype, shape: [1], names: null };
      columns.push(scalar(name, dtype, values));
    }
    writeParquet(path.join(tmp, "data", "chunk-000", "file-000.parquet"), columns);

    // 5. statistics, over the dataset and per episode
    const stats: Record<string, Stats> = {};
    const episodeStats: Record<string, Stats>[] = episodes.map(() => ({}));
    for (const c of columns) {
      const rows = c.values.map((v) => (Array.isArray(v) ? v.map(Number) : [Number(v)]));
      stats[c.name] = vectorStats(rows);
      episodes.forEach((e, ep) => {
        episodeStats[ep][c.name] = vectorStats(rows.slice(offsets[ep], offsets[ep] + e.action.length));
      });
    }
    for (const [key, s] of Object.entries(imageStats)) stats[key] = s;
    fs.writeFileSync(path.join(tmp, "meta", "stats.json"), `${JSON.stringify(stats, null, 2)}\n`);

    // 6. the episode table
    const lengths = episodes.map((e) => e.action.length);
    const episodeColumns: Column[] = [
      scalar(
        "episode_index",
        "int64",
        episodes.map((_, i) => i),
      ),
      listColumn(
        "tasks",
        "STRING",
        episodes.map(() => [taskText]),
      ),
      scalar("length", "int64", lengths),
      scalar(
        "data/chunk_index",
        "int64",
        lengths.map(() => 0),
      ),
      scalar(
        "data/file_index",
        "int64",
        lengths.map(() => 0),
      ),
      scalar("dataset_from_index", "int64", offsets),
      scalar(
        "dataset_to_index",
        "int64",
        offsets.map((o, i) => o + lengths[i]),
      ),
    ];
    for (const { key } of videoKeys) {
      episodeColumns.push(
        scalar(
          `videos/${key}/chunk_index`,
          "int64",
          lengths.map(() => 0),
        ),
        scalar(
          `videos/${key}/file_index`,
          "int64",
          lengths.map(() => 0),
        ),
        scalar(
          `videos/${key}/from_timestamp`,
          "float64",
          videoSpans[key].map((s) => s.from),
        ),
        scalar(
          `videos/${key}/to_timestamp`,
          "float64",
          videoSpans[key].map((s) => s.to),
        ),
      );
    }
    for (const c of columns) {
      for (const key of STAT_KEYS) {
        const name = `stats/${c.name}/${key}`;
        const values = episodeStats.map((s) => s[c.name][key] as number[]);
        episodeColumns.push(listColumn(name, key === "count" ? "INT64" : "DOUBLE", values));
      }
    }
    episodeColumns.push(
      scalar(
        "meta/episodes/chunk_index",
        "int64",
        lengths.map(() => 0),
      ),
      scalar(
        "meta/episodes/file_index",
        "int64",
        lengths.map(() => 0),
      ),
      scalar(
        "enpire/trial_index",
        "int64",
        episodes.map((e) => e.trial.index),
      ),
      scalar(
        "enpire/seed",
        "int64",
        episodes.map((e) => e.trial.seed),
      ),
      scalar(
        "enpire/success",
        "bool",
        episodes.map((e) => e.trial.success),
      ),
    );
    writeParquet(path.join(tmp, "meta", "episodes", "chunk-000", "file-000.parquet"), episodeColumns);

    // 7. tasks, with the task as the pandas index (LeRobot reads it with pd.read_parquet and looks tasks up by it)
    writeParquet(
      path.join(tmp, "meta", "tasks.parquet"),
      [scalar("task_index", "int64", [0]), scalar("task", "string", [taskText])],
      [{ key: "pandas", value: JSON.stringify(pandasIndexMetadata()) }],
    );

    // 8. info.json, in LeRobot's key order
    const ordered: Record<string, FeatureSpec> = {};
    for (const key of [IMAGE_KEY, "observation.state", "observation.environment_state", "action"]) {
      if (features[key]) ordered[key] = features[key];
    }
    for (const [key, f] of Object.entries(features)) ordered[key] ??= f;
    const info = {
      codebase_version: LEROBOT_CODEBASE_VERSION,
      robot_type: null,
      total_episodes: episodes.length,
      total_frames: frames,
      total_tasks: 1,
      chunks_size: CHUNKS_SIZE,
      data_files_size_in_mb: DATA_FILES_SIZE_IN_MB,
      video_files_size_in_mb: VIDEO_FILES_SIZE_IN_MB,
      fps: opts.fps,
      splits: { train: `0:${episodes.length}` },
      data_path: DATA_PATH,
      video_path: video ? VIDEO_PATH : null,
      features: ordered,
    };
    fs.writeFileSync(path.join(tmp, "meta", "info.json"), `${JSON.stringify(info, null, 4)}\n`);

    if (fs.existsSync(outDir)) fs.rmdirSync(outDir); // empty, checked above
    fs.mkdirSync(path.dirname(path.resolve(outDir)), { recursive: true });
    fs.renameSync(tmp, outDir);
    return { outDir: path.resolve(outDir), episodes: episodes.length, frames, video, skipped };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// episodes from events

interface ObservationLayout {
  state: string[] | "all" | null; // names of observation.state's elements, "all" for the whole observation, or null
  envState: string[] | null;
  action: string[] | null;
  split(observation: unknown): { state: number[] | null; envState: number[] | null };
}

/**
 * How a task's recorded observation splits into observation.state and observation.environment_state: as the task
 * declares it (env/registry.ts), else the whole numeric observation is the state.
 */
function observationLayout(taskId: string, obsType: string): ObservationLayout {
  const declared = datasetLayout(taskId, obsType);
  if (declared) return declared;
  return {
    state: "all",
    envState: null,
    action: null,
    split: (o) => {
      if (!Array.isArray(o) || !o.every((x) => typeof x === "number")) {
        throw new InvalidInputError(`expected a numeric observation in events.jsonl, got ${JSON.stringify(o)}`);
      }
      return { state: o as number[], envState: null };
    },
  };
}

function readEpisode(store: RunStore, trial: TrialRow, layout: ObservationLayout, video: boolean): Episode {
  const dir = store.resolve(trial.dir);
  const events = fs
    .readFileSync(path.join(dir, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as TrialEvent);
  const reset = events.find((e) => e.event === "reset");
  const steps = events.filter((e) => e.event === "step");
  if (!reset || steps.length !== trial.steps) {
    throw new InvalidInputError(
      `trial ${trial.index} (${trial.dir}): events.jsonl has ${reset ? "a" : "no"} reset and ${steps.length} steps, ` +
        `result.json says ${trial.steps}; run \`enpire verify-ledger\``,
    );
  }
  const before = [reset.observation, ...steps.slice(0, -1).map((s) => s.observation)];
  const parts = before.map((o) => layout.split(o));
  const action = steps.map((s, i) => {
    const a = s.action;
    if (!Array.isArray(a) || !a.every((x) => typeof x === "number")) {
      throw new InvalidInputError(`trial ${trial.index}: action ${i} is not a list of numbers: ${JSON.stringify(a)}`);
    }
    return a as number[];
  });
  const last = steps.length - 1;
  return {
    trial,
    state: layout.state ? parts.map((p) => p.state ?? []) : null,
    envState: layout.envState ? parts.map((p) => p.envState ?? []) : null,
    action,
    reward: steps.map((s) => s.reward),
    success: steps.map((s, i) =>
      typeof s.info.isSuccess === "boolean" ? s.info.isSuccess : i === last && trial.success,
    ),
    video: video && trial.video ? path.join(dir, trial.video) : null,
    cameraVideos: video
      ? Object.fromEntries(cameraVideos(dir).map((c) => [c, path.join(dir, cameraVideoFile(c))]))
      : {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// video

/**
 * Decodes each episode's video and re-encodes its first `length` frames (the frames before each action) into one
 * file at `fps`, so episode e spans [from, to) = [frames before it, frames through it] / fps exactly. Pixel statistics
 * are gathered on the way.
 */
async function concatenateVideos(
  episodes: Episode[],
  source: (e: Episode) => string,
  file: string,
  fps: number,
): Promise<{ spans: { from: number; to: number }[]; stats: Stats; width: number; height: number }> {
  const first = await probeSize(source(episodes[0]));
  const { width, height } = first;
  const writer = await VideoWriter.open(file, { width, height, fps });
  const pixels = new PixelStats();
  const spans: { from: number; to: number }[] = [];
  let written = 0;
  try {
    for (const e of episodes) {
      const want = e.action.length;
      let got = 0;
      for await (const frame of decodeFrames(source(e), width, height, want)) {
        pixels.add(frame);
        await writer.write(frame);
        got++;
      }
      if (got < want) {
        throw new InvalidInputError(
          `trial ${e.trial.index}: ${source(e)} has ${got} frames, fewer than its ${want} steps; export with --no-video`,
        );
      }
      spans.push({ from: written / fps, to: (written + want) / fps });
      written += want;
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { spans, stats: pixels.stats(), width, height };
}

async function probeSize(file: string): Promise<{ width: number; height: number }> {
  const out = await capture("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json", file],
  ]);
  const stream = (JSON.parse(out) as { streams?: { width: number; height: number }[] }).streams?.[0];
  if (!stream) throw new InvalidInputError(`${file} has no video stream`);
  return { width: stream.width, height: stream.height };
}

/** The first `count` frames of a video as RGB (width·height·3 bytes each), scaled to the given size if need be. */
async function* decodeFrames(file: string, width: number, height: number, count: number): AsyncGenerator<Uint8Array> {
  const child = spawn(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-nostdin", "-i", file, "-frames:v", String(count)],
      ...["-vf", `scale=${width}:${height}`, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => {
    stderr = (stderr + s).slice(-2000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const size = width * height * 3;
  let frame = new Uint8Array(size);
  let filled = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(size - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === size) {
          yield frame;
          frame = new Uint8Array(size);
          filled = 0;
        }
      }
    }
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  const { code, signal, error } = await exited;
  if ((error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new FfmpegNotFoundError("ffmpeg", error);
  if (code !== 0) throw new FfmpegFailedError(file, code, signal, stderr.trim(), error);
}

function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      err += s;
    });
    child.once("error", (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === "ENOENT"
          ? new EnpireError(`${command} was not found on PATH; it comes with ffmpeg (apt-get install ffmpeg)`)
          : e,
      ),
    );
    child.once("close", (code) =>
      code === 0 ? resolve(out) : reject(new EnpireError(`${command} ${args.at(-1)} failed: ${err.trim()}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// statistics, as LeRobot's compute_stats gives them

const STAT_KEYS = ["min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"] as const;
type Stats = Record<(typeof STAT_KEYS)[number], unknown[]>;

/** Per-element statistics over rows of equal length (a scalar column is rows of one). */
function vectorStats(rows: number[][]): Stats {
  const dim = rows[0]?.length ?? 0;
  const columns = Array.from({ length: dim }, (_, j) => rows.map((r) => r[j]).sort((a, b) => a - b));
  const mean = columns.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
  const std = columns.map((c, j) => Math.sqrt(c.reduce((s, v) => s + (v - mean[j]) ** 2, 0) / c.length));
  const quantile = (q: number) => columns.map((c) => sortedQuantile(c, q));
  const [q01, q10, q50, q90, q99] = QUANTILES.map(quantile);
  return {
    min: columns.map((c) => c[0]),
    max: columns.map((c) => c[c.length - 1]),
    mean,
    std,
    count: [rows.length],
    q01,
    q10,
    q50,
    q90,
    q99,
  };
}

/** numpy's default (linear) quantile of sorted values. */
function sortedQuantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Per-channel statistics of RGB frames, in [0, 1], shaped (3, 1, 1) as LeRobot's image stats are. */
class PixelStats {
  private readonly histogram = [new Float64Array(256), new Float64Array(256), new Float64Array(256)];
  private frames = 0;

  add(rgb: Uint8Array): void {
    const [r, g, b] = this.histogram;
    for (let i = 0; i < rgb.length; i += 3) {
      r[rgb[i]]++;
      g[rgb[i + 1]]++;
      b[rgb[i + 2]]++;
    }
    this.frames++;
  }

  stats(): Stats {
    const per = this.histogram.map((h) => {
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      let min = 255;
      let max = 0;
      for (let v = 0; v < 256; v++) {
        if (h[v] === 0) continue;
        n += h[v];
        sum += h[v] * v;
        sumSq += h[v] * v * v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const mean = sum / n;
      const at = (rank: number) => {
        let seen = 0;
        for (let v = 0; v < 256; v++) {
          seen += h[v];
          if (seen > rank) return v;
        }
        return 255;
      };
      const quantile = (q: number) => {
        const pos = q * (n - 1);
        const lo = at(Math.floor(pos));
        return lo + (at(Math.ceil(pos)) - lo) * (pos - Math.floor(pos));
      };
      return {
        min,
        max,
        mean,
        std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
        qs: QUANTILES.map(quantile),
      };
    });
    const shaped = (f: (c: (typeof per)[number]) => number) => per.map((c) => [[f(c) / 255]]);
    return {
      min: shaped((c) => c.min),
      max: shaped((c) => c.max),
      mean: shaped((c) => c.mean),
      std: shaped((c) => c.std),
      count: [this.frames],
      q01: shaped((c) => c.qs[0]),
      q10: shaped((c) => c.qs[1]),
      q50: shaped((c) => c.qs[2]),
      q90: shaped((c) => c.qs[3]),
      q99: shaped((c) => c.qs[4]),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// parquet: the column types LeRobot's `datasets` features map to (float32 → FLOAT, int64 → INT64, bool → BOOLEAN,
// a fixed-length vector → a LIST of its element type); nullable, as pyarrow writes them

interface Column {
  name: string;
  values: unknown[];
  schema: SchemaElement[];
}

const PARQUET_TYPE: Record<string, SchemaElement["type"]> = {
  float32: "FLOAT",
  float64: "DOUBLE",
  int64: "INT64",
  bool: "BOOLEAN",
  string: "BYTE_ARRAY",
};

function scalar(name: string, dtype: string, values: (number | boolean | string)[]): Column {
  const type = PARQUET_TYPE[dtype];
  const element: SchemaElement = { name, type, repetition_type: "OPTIONAL" };
  if (dtype === "string") element.converted_type = "UTF8";
  const stored =
    dtype === "int64"
      ? values.map((v) => BigInt(v as number))
      : dtype === "float32"
        ? values.map((v) => Math.fround(v as number))
        : values;
  return { name, values: stored, schema: [element] };
}

type ListElement = "FLOAT" | "DOUBLE" | "INT64" | "STRING";

function listColumn(name: string, element: ListElement, rows: (number | string)[][]): Column {
  // float32 values are rounded here, so the statistics describe exactly what the file holds
  const values =
    element === "INT64"
      ? rows.map((r) => r.map((v) => BigInt(v as number)))
      : element === "FLOAT"
        ? rows.map((r) => r.map((v) => Math.fround(v as number)))
        : rows;
  return { name, values, schema: listSchema(name, element) };
}

/** A 3-level LIST column (optional group (LIST) → repeated group list → optional element), as pyarrow writes one. */
function listSchema(name: string, element: ListElement): SchemaElement[] {
  const leaf: SchemaElement =
    element === "STRING"
      ? { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" }
      : { name: "element", type: element, repetition_type: "OPTIONAL" };
  return [
    { name, repetition_type: "OPTIONAL", converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    leaf,
  ];
}

function writeParquet(file: string, columns: Column[], kvMetadata: { key: string; value: string }[] = []): void {
  const schema: SchemaElement[] = [
    { name: "schema", num_children: columns.length },
    ...columns.flatMap((c) => c.schema),
  ];
  const columnData = columns.map((c) => ({ name: c.name, data: c.values }));
  parquetWriteFile({ filename: file, columnData, schema, kvMetadata, createdBy: "enpire (hyparquet-writer 0.17.0)" });
}

/** The metadata pandas writes for a frame whose index is the `task` column, so pd.read_parquet restores it. */
function pandasIndexMetadata() {
  return {
    index_columns: ["task"],
    column_indexes: [
      { name: null, field_name: null, pandas_type: "unicode", numpy_type: "object", metadata: { encoding: "UTF-8" } },
    ],
    columns: [
      { name: "task_index", field_name: "task_index", pandas_type: "int64", numpy_type: "int64", metadata: null },
      { name: "task", field_name: "task", pandas_type: "unicode", numpy_type: "object", metadata: null },
    ],
    creator: { library: "enpire", version: "1" },
    pandas_version: "2.2.3",
  };
}

// ---------------------------------------------------------------------------------------------------------------

function taskDescription(taskId: string): string {
  return listTasks().find((t) => t.id === taskId)?.description ?? taskId;
}

function firstSentence(text: string): string {
  const end = text.indexOf(". ");
  return end < 0 ? text : text.slice(0, end + 1);
}

function numbered(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
}

function list(indices: number[]): string {
  return indices.length > 8 ? `${indices.slice(0, 8).join(", ")}, …` : indices.join(", ");
}

function summarise(skipped: LeRobotExportResult["skipped"]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).join("; ");
}
