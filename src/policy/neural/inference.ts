/**
 * The host side of the inference worker: `inferenceCall(request)` sends one request to the worker (worker.ts) and
 * blocks until it answers, so that a sandboxed policy's synchronous tool call can wait on onnxruntime's and
 * TensorFlow.js's asynchronous APIs. About 20–40 µs per round trip on top of the inference itself.
 *
 * One worker per thread (so one per process, plus one per station thread that uses neural policies), started on the
 * first call and unref'd by synckit, so it never keeps a process alive. From TypeScript sources (tests, `npx tsx`)
 * the worker starts through worker-tsx.mjs, which registers tsx inside the thread; from the compiled dist/ it is
 * worker.js next to this file.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { WorkerReply, WorkerRequest } from "./protocol.js";

// synckit's CommonJS build, on purpose: its ESM build finds its preload script through a global `__dirname` when one
// exists, and a worker thread started with `eval: true` (the thread station's bootstrap under tsx) defines
// `__dirname = "."` globally, so the inference worker would fail to start there. CommonJS has its own __dirname.
const { createSyncFn } = createRequire(import.meta.url)("synckit") as typeof import("synckit");

export const inferenceDefaults = {
  callTimeoutMs: 120_000, // longest one request may take (a large model's first load included) before it is abandoned
};

type SyncCall = <R extends WorkerRequest>(request: R) => WorkerReply<R>;
let call: SyncCall | undefined;

/** Sends one request to this thread's inference worker and waits for its reply; a worker-side failure is thrown here. */
export function inferenceCall<R extends WorkerRequest>(request: R): WorkerReply<R> {
  call ??= startWorker();
  return call(request);
}

function startWorker(): SyncCall {
  const here = import.meta.url;
  const entry = here.endsWith(".ts") ? "./worker-tsx.mjs" : "./worker.js";
  return createSyncFn(fileURLToPath(new URL(entry, here)), { timeout: inferenceDefaults.callTimeoutMs }) as SyncCall;
}
