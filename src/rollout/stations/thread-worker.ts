/**
 * The body of a thread station (see thread-station.ts): runs trial jobs posted by the main thread with a
 * TrialExecutor, one at a time, and posts each output back. Video frames go back as raw RGB, their ArrayBuffers
 * transferred (not copied); the recorder on the main thread encodes them.
 *
 * Messages in:  { type: "run", id, job } | { type: "close" }
 * Messages out: { type: "ready" } once loaded, then per job { type: "done", id, output, video, timing } or
 *               { type: "failed", id, error }; timing is when this thread began and ended the job (epoch ms).
 */
import { parentPort, workerData } from "node:worker_threads";
import { TrialExecutor } from "../execute.js";
import type { TrialJob, TrialOutput } from "../job.js";

export type ToWorker = { type: "run"; id: number; job: TrialJob } | { type: "close" };

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
      video: { width: number; height: number; fps: number; frames: Uint8Array[] } | null;
      timing: { startMs: number; endMs: number };
    }
  | { type: "failed"; id: number; error: WorkerError; timing: { startMs: number; endMs: number } };

/** Epoch milliseconds with sub-millisecond precision, comparable between threads. */
const nowMs = () => performance.timeOrigin + performance.now();

const port = parentPort;
if (!port) throw new Error("thread-worker.ts is the body of a worker thread; start it with ThreadStation");
const stationId = (workerData as { stationId?: string } | null)?.stationId ?? "thread";
const executor = new TrialExecutor(stationId, "rgb24");

port.on("message", async (message: ToWorker) => {
  if (message.type === "close") {
    await executor.close();
    port.close();
    return;
  }
  const startMs = nowMs();
  try {
    const { output, video } = await executor.run(message.job);
    const endMs = nowMs();
    if (video && video.format !== "rgb24")
      throw new Error(`a thread station hands back rgb24 video, not ${video.format}`);
    // a frame that is a view into a larger buffer is copied once, so that transferring it moves only its bytes
    const frames = video?.frames.map((f) =>
      f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f : f.slice(),
    );
    const reply: FromWorker = {
      type: "done",
      id: message.id,
      output,
      video: video && frames ? { width: video.width, height: video.height, fps: video.fps, frames } : null,
      timing: { startMs, endMs },
    };
    port.postMessage(reply, frames?.map((f) => f.buffer as ArrayBuffer) ?? []);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const error: WorkerError = { name: e.name, message: e.message, stack: e.stack };
    if ("kind" in e && typeof e.kind === "string") error.kind = e.kind;
    const reply: FromWorker = { type: "failed", id: message.id, error, timing: { startMs, endMs: nowMs() } };
    port.postMessage(reply);
  }
});
port.postMessage({ type: "ready" } satisfies FromWorker);
