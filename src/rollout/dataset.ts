/**
 * Training data from what the harness recorded: `datasetFromRuns` turns runs' trial directories into a StepDataset
 * (the trainers' input, src/policy/train/types.ts), and `datasetFromLeRobot` reads a LeRobotDataset v3.0 export
 * (export/lerobot.ts) back into one.
 *
 * A trial's events.jsonl holds a "reset" event with the first observation and one "step" event per step with the
 * action, the reward, terminated/truncated and the observation after it. Row t of the dataset is
 * (obs_t, act_t, r_t, obs_{t+1}, done_t), with done_t = 1 only where the step `terminated` (success, or a safety
 * stop): a time-limit end or a policy error leaves done 0, so an RL learner bootstraps through it. Only counted
 * trials enter (an interrupted trial never does), and only runs recorded with the "state" observation, since those
 * are the only ones whose events keep the whole state. Camera images for conv nets are rendered again from those
 * states with the task's own renderer: exactly the picture the "pixels" observation would have shown.
 */
import fs from "node:fs";
import path from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { InvalidInputError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { PIXEL_OBS_SIZE } from "../env/tasks/pusht/pusht.js";
import { renderPushT } from "../env/tasks/pusht/render.js";
import type { StepDataset } from "../policy/train/types.js";
import { RunManifestSchema, type RunStore } from "./store.js";

export interface DatasetOptions {
  /** Only trials the verifier passed (behaviour cloning); all counted trials otherwise (offline RL). */
  successOnly?: boolean;
  /**
   * Also render each row's camera image (and, with `next`, the image after the step, for pixel-based RL). Images are
   * size² × 3 bytes per row; `next` doubles that.
   */
  images?: { size: typeof PIXEL_OBS_SIZE; next?: boolean };
}

/** What one run gave: counted trials it has, episodes (trials with at least one step) that entered, rows. */
export interface DatasetSource {
  runId: string;
  trials: number;
  episodes: number;
  steps: number;
}

export interface RunsDataset {
  dataset: StepDataset;
  sources: DatasetSource[];
  /** sha256 of the dataset's arrays: two jobs trained on the same data show the same value. */
  sha256: string;
}

/**
 * Renders the camera image a task's pixel observation shows for a state observation. One entry per task whose state
 * observation determines its picture.
 */
const STATE_RENDERERS: Record<string, (obs: readonly number[], size: number, out: Uint8Array) => void> = {
  // state = [agentX, agentY, blockX, blockY, blockAngle]; the pixel observation is this scene without the action cross
  pusht: (o, size, out) => {
    renderPushT({ agent: [o[0], o[1]], block: [o[2], o[3], o[4]] }, size, out);
  },
};

/** One recorded episode as plain arrays: observations (steps + 1 of them), actions, rewards, terminated flags. */
interface Episode {
  obs: number[][];
  act: number[][];
  reward: number[];
  terminated: boolean[];
}

/**
 * Builds a StepDataset from the counted trials of `runIds` (ids or unambiguous prefixes), in run then trial order.
 * @example const { dataset, sources, sha256 } = datasetFromRuns(RunStore.open(), ["20260101T120000"], { successOnly: true });
 */
export function datasetFromRuns(store: RunStore, runIds: readonly string[], opts: DatasetOptions = {}): RunsDataset {
  if (runIds.length === 0) throw new InvalidInputError("a dataset needs at least one run id");
  if (opts.images && opts.images.size !== PIXEL_OBS_SIZE) {
    throw new InvalidInputError(
      `images.size must be ${PIXEL_OBS_SIZE} (the pixel observation), got ${opts.images.size}`,
    );
  }
  const episodes: Episode[] = [];
  const sources: DatasetSource[] = [];
  let taskId: string | null = null;
  for (const idOrPrefix of runIds) {
    const run = store.getRun(idOrPrefix);
    const runDir = store.resolve(run.dir);
    const manifest = RunManifestSchema.parse(JSON.parse(fs.readFileSync(path.join(runDir, "run.json"), "utf8")));
    const obsType = typeof manifest.options.obsType === "string" ? manifest.options.obsType : "state";
    if (obsType !== "state") {
      throw new InvalidInputError(
        `run ${run.id} was recorded with the "${obsType}" observation, whose events do not keep the whole state; ` +
          'training data comes only from runs recorded with the "state" observation (images are rendered from it)',
      );
    }
    if (taskId !== null && run.taskId !== taskId) {
      throw new InvalidInputError(`run ${run.id} is a ${run.taskId} run; the runs before it are ${taskId} runs`);
    }
    taskId = run.taskId;
    const counted = store.trials(run.id, { countedOnly: true });
    const chosen = opts.successOnly ? counted.filter((t) => t.success) : counted;
    let kept = 0;
    let steps = 0;
    for (const trial of chosen) {
      const episode = readEpisode(
        path.join(store.resolve(trial.dir), "events.jsonl"),
        `run ${run.id} trial ${trial.index}`,
      );
      if (episode.act.length === 0) continue;
      episodes.push(episode);
      kept++;
      steps += episode.act.length;
    }
    sources.push({ runId: run.id, trials: counted.length, episodes: kept, steps });
  }
  if (episodes.length === 0) {
    const what = opts.successOnly
      ? "successful trials with at least one step"
      : "counted trials with at least one step";
    throw new InvalidInputError(`runs ${sources.map((s) => s.runId).join(", ")} have no ${what}`);
  }
  let render: ((obs: readonly number[], size: number, out: Uint8Array) => void) | undefined;
  if (opts.images) {
    render = taskId !== null && Object.hasOwn(STATE_RENDERERS, taskId) ? STATE_RENDERERS[taskId] : undefined;
    if (!render) throw new InvalidInputError(`task "${taskId}" has no renderer from states; images cannot be made`);
  }
  const dataset = packEpisodes(episodes, render && opts.images ? { ...opts.images, render } : undefined);
  return { dataset, sources, sha256: datasetSha256(dataset) };
}

/** Parses one trial's events.jsonl into an episode; `what` names the trial in errors. */
function readEpisode(file: string, what: string): Episode {
  const obs: number[][] = [];
  const act: number[][] = [];
  const reward: number[] = [];
  const terminated: boolean[] = [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    if (e.event === "reset") {
      if (obs.length > 0) throw new InvalidInputError(`${what}: a second reset event at line ${i + 1}`);
      obs.push(numbers(e.observation, `${what}, line ${i + 1}: observation`));
    } else if (e.event === "step") {
      if (obs.length === 0) throw new InvalidInputError(`${what}: a step before the reset event, line ${i + 1}`);
      act.push(numbers(e.action, `${what}, line ${i + 1}: action`));
      reward.push(Number(e.reward));
      terminated.push(e.terminated === true);
      obs.push(numbers(e.observation, `${what}, line ${i + 1}: observation`));
    }
  }
  if (obs.length === 0) throw new InvalidInputError(`${what}: ${file} has no reset event`);
  return { obs, act, reward, terminated };
}

function numbers(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new InvalidInputError(`${what} is not a list of finite numbers: ${JSON.stringify(value).slice(0, 80)}`);
  }
  return value as number[];
}

/** Episodes → the trainers' float32 rows, with images rendered when asked. */
function packEpisodes(
  episodes: readonly Episode[],
  images?: { size: number; next?: boolean; render: (obs: readonly number[], size: number, out: Uint8Array) => void },
): StepDataset {
  const obsDim = episodes[0].obs[0].length;
  const actDim = episodes[0].act[0].length;
  const size = episodes.reduce((n, e) => n + e.act.length, 0);
  const obs = new Float32Array(size * obsDim);
  const nextObs = new Float32Array(size * obsDim);
  const act = new Float32Array(size * actDim);
  const reward = new Float32Array(size);
  const done = new Uint8Array(size);
  const episodeStarts: number[] = [];
  const frame = images ? images.size * images.size * 3 : 0;
  const img = images ? new Uint8Array(size * frame) : undefined;
  const nextImg = images?.next ? new Uint8Array(size * frame) : undefined;
  let row = 0;
  for (const e of episodes) {
    episodeStarts.push(row);
    for (let t = 0; t < e.act.length; t++, row++) {
      if (e.obs[t].length !== obsDim || e.obs[t + 1].length !== obsDim || e.act[t].length !== actDim) {
        throw new InvalidInputError(
          `episodes differ in shape: expected observations of ${obsDim} and actions of ${actDim} numbers, ` +
            `got ${e.obs[t].length} and ${e.act[t].length}`,
        );
      }
      obs.set(e.obs[t], row * obsDim);
      nextObs.set(e.obs[t + 1], row * obsDim);
      act.set(e.act[t], row * actDim);
      reward[row] = e.reward[t];
      done[row] = e.terminated[t] ? 1 : 0;
      if (images && img) images.render(e.obs[t], images.size, img.subarray(row * frame, (row + 1) * frame));
      if (images && nextImg) images.render(e.obs[t + 1], images.size, nextImg.subarray(row * frame, (row + 1) * frame));
    }
  }
  return {
    obsDim,
    actDim,
    size,
    obs,
    act,
    reward,
    nextObs,
    done,
    episodeStarts,
    ...(images && img && { images: { size: images.size, data: img } }),
    ...(images && nextImg && { nextImages: { size: images.size, data: nextImg } }),
  };
}

/** sha256 over every array of a dataset, in a fixed order. */
export function datasetSha256(d: StepDataset): string {
  const bytes = (a: Float32Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return sha256(
    JSON.stringify({ obsDim: d.obsDim, actDim: d.actDim, size: d.size, episodeStarts: d.episodeStarts }),
    bytes(d.obs),
    bytes(d.act),
    bytes(d.reward),
    bytes(d.nextObs),
    bytes(d.done),
    ...(d.images ? [`images ${d.images.size}`, d.images.data] : []),
    ...(d.nextImages ? [`next images ${d.nextImages.size}`, d.nextImages.data] : []),
  );
}

export interface LeRobotDataset {
  dataset: StepDataset;
  episodes: number;
  /** The columns the observation was built from, in order. */
  observationColumns: string[];
  sha256: string;
}

/**
 * Reads a LeRobotDataset v3.0 folder (as `enpire export --format lerobot` writes it) into a StepDataset. The
 * observation is `observation.state` followed by `observation.environment_state` when present (for enpire's Push-T
 * export: [agentX, agentY, blockX, blockY, angle], the task's state observation). Rewards come from `next.reward`
 * (0 without it). An episode's last row has no next observation in the export; its nextObs repeats its obs, and
 * done is 1 there only when the episode ended in success (`next.success`), else when `next.done` says so and no
 * success column exists. Images are not read (the export keeps them in video).
 * @example const { dataset } = await datasetFromLeRobot("exports/pusht-demos");
 */
export async function datasetFromLeRobot(dir: string): Promise<LeRobotDataset> {
  const infoFile = path.join(dir, "meta", "info.json");
  if (!fs.existsSync(infoFile)) {
    throw new InvalidInputError(`${dir} is not a LeRobotDataset v3.0 folder: ${infoFile} does not exist`);
  }
  const info = JSON.parse(fs.readFileSync(infoFile, "utf8")) as { features?: Record<string, unknown> };
  const features = info.features ?? {};
  const observationColumns = ["observation.state", "observation.environment_state"].filter((c) =>
    Object.hasOwn(features, c),
  );
  if (observationColumns.length === 0 || !Object.hasOwn(features, "action")) {
    throw new InvalidInputError(
      `${dir} has no observation.state or no action column (features: ${Object.keys(features).join(", ")}); ` +
        "only state-based datasets can be read",
    );
  }
  const dataDir = path.join(dir, "data");
  const files = fs.existsSync(dataDir)
    ? fs
        .readdirSync(dataDir, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".parquet"))
        .sort()
    : [];
  if (files.length === 0) throw new InvalidInputError(`${dataDir} holds no parquet files`);
  const rows: Record<string, unknown>[] = [];
  for (const f of files) {
    rows.push(...(await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dataDir, f)) })));
  }
  const num = (v: unknown) => Number(v as number | bigint);
  const vec = (v: unknown, what: string): number[] => {
    const arr = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>, Number) : null;
    if (!arr) throw new InvalidInputError(`${dir}: ${what} is not a vector`);
    return arr;
  };
  rows.sort((a, b) => num(a.index) - num(b.index));
  const byEpisode = new Map<number, Record<string, unknown>[]>();
  for (const r of rows) {
    const ep = num(r.episode_index);
    const list = byEpisode.get(ep) ?? [];
    list.push(r);
    byEpisode.set(ep, list);
  }
  const hasSuccess = Object.hasOwn(features, "next.success");
  const episodes: Episode[] = [];
  for (const [ep, frames] of [...byEpisode].sort((a, b) => a[0] - b[0])) {
    frames.sort((a, b) => num(a.frame_index) - num(b.frame_index));
    const obs = frames.map((r) => observationColumns.flatMap((c) => vec(r[c], `episode ${ep} ${c}`)));
    obs.push(obs[obs.length - 1]); // no observation after the last action in the export
    const last = frames.length - 1;
    episodes.push({
      obs,
      act: frames.map((r) => vec(r.action, `episode ${ep} action`)),
      reward: frames.map((r) => (r["next.reward"] === undefined ? 0 : num(r["next.reward"]))),
      terminated: frames.map((r, i) =>
        hasSuccess ? i === last && r["next.success"] === true : r["next.done"] === true,
      ),
    });
  }
  const dataset = packEpisodes(episodes);
  return { dataset, episodes: episodes.length, observationColumns, sha256: datasetSha256(dataset) };
}
