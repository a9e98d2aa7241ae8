/**
 * The body of a thread station (see thread-station.ts): runs trial jobs posted by the main thread with a
 * TrialExecutor, one at a time, and posts each output back. Video frames (the main view's and each extra camera's)
 * go back as raw RGB, their ArrayBuffers transferred (not copied); the recorder on the main thread encodes them.
 *
 * Messages in:  { type: "run", id, job } | { type: "home", id } | { type: "close" }
 * Messages out: { type: "ready" } once loaded, then per job { type: "done", id, output, video, timing } or
 *               { type: "failed", id, error }; timing is when this thread began and ended the job (epoch ms).
 *               While a job runs, { type: "frame", id, step, width, height, rgb } live previews, when asked for,
 *               and { type: "view", id, step, geometry | null, poses } 3D views of an env with a scene view
 *               (env/scene-view.ts): its geometry once per env (null after), poses with each frame.
 *               Per home request { type: "homed", id, error: WorkerError | null, note }.
 *
 * Live previews are asked for through a SharedArrayBuffer (workerData.preview, three Int32s: frame size in px, 0 for
 * none, the least milliseconds between frames, and 1 when 3D views are wanted), so that the main thread can turn them on and off mid-trial,
 * while this thread's steps never yield to its event loop. Nothing is rendered while the size is 0.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Env, SceneGeometry } from "../../core/env.js";
import { hasSceneView } from "../../env/scene-view.js";
import { TrialExecutor, type TrialWatch } from "../execute.js";
import type { CameraFrames, TrialJob, TrialOutput } from "../job.js";
import { EStopSignal } from "./e-stop-signal.js";

export type ToWorker = { type: "run"; id: number; job: TrialJob } | { type: "home"; id: number } | { type: "close" };

export interface WorkerError {
  name: string;
  message: string;
  kind?: string; // PolicyError's kind
  stack?: string;
}

export type FromWorker =
  | { type: "ready" }
  | {
      type: "done";
      id: number;
      output: TrialOutput;
      /** The main view's frames, and each extra camera's (`cameras`, absent when none was recorded). */
      video: { width: number; height: number; fps: number; frames: Uint8Array[]; cameras?: CameraFrames[] } | null;
      timing: { startMs: number; endMs: number };
    }
  | { type: "failed"; id: number; error: WorkerError; timing: { startMs: number; endMs: number } }
  | { type: "frame"; id: number; step: number; width: number; height: number; rgb: Uint8Array }
  | { type: "view"; id: number; step: number; geometry: SceneGeometry | null; poses: Float32Array }
  | { type: "homed"; id: number; error: WorkerError | null; note: string | null };

/** workerData of a thread station. */
export interface ThreadWorkerData {
  stationId: string;
  preview: SharedArrayBuffer; // Int32Array [size px (0: no frames), least ms between frames, 1: 3D views wanted]
  eStop?: SharedArrayBuffer; // an EStopSignal's buffer: the station's e-stop requests, read between steps
}

/** Epoch milliseconds with sub-millisecond precision, comparable between threads. */
const nowMs = () => performance.timeOrigin + performance.now();

const port = parentPort;
if (!port) throw new Error("thread-worker.ts is the body of a worker thread; start it with ThreadStation");
const data = workerData as Partial<ThreadWorkerData> | null;
const stationId = data?.stationId ?? "thread";
const preview = new Int32Array(data?.preview ?? new SharedArrayBuffer(12));
const executor = new TrialExecutor(stationId, "rgb24", {
  eStop: data?.eStop ? new EStopSignal(data.eStop) : undefined,
});

/**
 * Renders and posts preview frames when they are asked for: during a trial after a step (not the reset: the scene
 * before the robot moved says little) once the last frame is old enough, and always the episode's final frame (its
 * outcome; a fast simulated trial may end before the next frame is due). About 0.1 ms a frame at 128 px.
 * An env with a scene view posts its poses at the same moments (its geometry first, once per env).
 */
let lastPreviewMs = Number.NEGATIVE_INFINITY; // over trials: a trial's first step is not due just for being first
let geometryPostedFor: SceneGeometry | undefined; // the geometry the main thread has
function previewWatch(id: number): TrialWatch {
  const post = (env: Env<unknown, unknown>, step: number) => {
    const size = Atomics.load(preview, 0);
    const frame = size > 0 && env.render !== undefined;
    const view = Atomics.load(preview, 2) > 0 && hasSceneView(env);
    if (!frame && !view) return;
    lastPreviewMs = performance.now();
    if (frame && env.render) {
      // a copy the env cannot still hold, so that transferring it moves only its bytes
      const rgb = env.render(size).slice();
      const message: FromWorker = { type: "frame", id, step, width: size, height: size, rgb };
      port?.postMessage(message, [rgb.buffer as ArrayBuffer]);
    }
    if (view && hasSceneView(env)) {
      // sent when the env or its scene changed (a kitchen task builds another kitchen per episode)
      const current = env.sceneGeometry();
      const geometry = geometryPostedFor === current ? null : current;
      geometryPostedFor = current;
      const poses = env.scenePoses().slice();
      const message: FromWorker = { type: "view", id, step, geometry, poses };
      port?.postMessage(message, [poses.buffer as ArrayBuffer]);
    }
  };
  return {
    onStep(env: Env<unknown, unknown>, step: number) {
      if (step > 0 && performance.now() - lastPreviewMs >= Atomics.load(preview, 1)) post(env, step);
    },
    onEnd: post,
  };
}

function workerError(err: unknown): WorkerError {
  const e = err instanceof Error ? err : new Error(String(err));
  const error: WorkerError = { name: e.name, message: e.message, stack: e.stack };
  if ("kind" in e && typeof e.kind === "string") error.kind = e.kind;
  return error;
}

port.on("message", async (message: ToWorker) => {
  if (message.type === "close") {
    await executor.close();
    port.close();
    return;
  }
  if (message.type === "home") {
    let reply: FromWorker;
    try {
      const homed = executor.home();
      reply = { type: "homed", id: message.id, error: null, note: homed ? null : "no env yet: nothing to home" };
    } catch (err) {
      reply = { type: "homed", id: message.id, error: workerError(err), note: null };
    }
    port.postMessage(reply);
    return;
  }
  const startMs = nowMs();
  try {
    const { output, video } = await executor.run(message.job, previewWatch(message.id));
    const endMs = nowMs();
    if (video && video.format !== "rgb24")
      throw new Error(`a thread station hands back rgb24 video, not ${video.format}`);
    // a frame that is a view into a larger buffer is copied once, so that transferring it moves only its bytes
    const own = (frames: Uint8Array[]) =>
      frames.map((f) => (f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f : f.slice()));
    const frames = video ? own(video.frames) : undefined;
    const cameras = video?.cameras?.map((c) => ({ camera: c.camera, size: c.size, frames: own(c.frames) }));
    const reply: FromWorker = {
      type: "done",
      id: message.id,
      output,
      video:
        video && frames
          ? { width: video.width, height: video.height, fps: video.fps, frames, ...(cameras ? { cameras } : {}) }
          : null,
      timing: { startMs, endMs },
    };
    const transfer = [...(frames ?? []), ...(cameras ?? []).flatMap((c) => c.frames)];
    // a buffer may be listed once only (two frames never share one: each is its own render or copy)
    port.postMessage(reply, [...new Set(transfer.map((f) => f.buffer as ArrayBuffer))]);
  } catch (err) {
    const reply: FromWorker = {
      type: "failed",
      id: message.id,
      error: workerError(err),
      timing: { startMs, endMs: nowMs() },
    };
    port.postMessage(reply);
  }
});
port.postMessage({ type: "ready" } satisfies FromWorker);
