/**
 * The messages between the `nn` tool set (host thread) and the inference worker (worker.ts), both plain data that
 * cross by structured clone. One request, one reply; the host waits for it synchronously (synckit).
 */
import type { FloatTensor, ModelInfo, ModelSource } from "./backends.js";

export type WorkerRequest =
  | { op: "load"; source: ModelSource }
  | { op: "run"; id: number; feeds: Record<string, FloatTensor> }
  | { op: "free"; id: number }
  | { op: "count" };

export type WorkerReply<R extends WorkerRequest> = R extends { op: "load" }
  ? { id: number; info: ModelInfo }
  : R extends { op: "run" }
    ? Record<string, FloatTensor>
    : R extends { op: "free" }
      ? { freed: boolean }
      : { models: number };
