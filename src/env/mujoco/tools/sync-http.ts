/**
 * A blocking HTTP POST for host tools, which a sandboxed policy calls synchronously: one worker thread per process
 * does the request with fetch, and the calling thread waits on a shared flag (Atomics.wait) and then takes the reply
 * from a message port (receiveMessageOnPort). The worker is started on first use from source text (no file to find
 * from src/ or dist/) and unref'd, so it never keeps a process alive.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

export const SYNC_HTTP_DEFAULTS = Object.freeze({
  timeoutMs: 10_000, // longest one request may take before the call fails
});

/** The worker: answers { id, url, body, timeoutMs } with { id, status, text } or { id, error } on the port. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { port, flag } = workerData;
const signal = new Int32Array(flag);
parentPort.on("message", async (req) => {
  let reply;
  try {
    const res = await fetch(req.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    reply = { id: req.id, status: res.status, text: await res.text() };
  } catch (err) {
    reply = { id: req.id, error: err && err.message ? err.message : String(err) };
  }
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

interface Reply {
  id: number;
  status?: number;
  text?: string;
  error?: string;
}

let shared: { worker: Worker; port: MessagePort; flag: Int32Array; next: number } | undefined;

function start(): NonNullable<typeof shared> {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, flag: flag.buffer },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  worker.on("error", () => {
    shared = undefined;
  });
  return { worker, port: port1, flag, next: 1 };
}

/** POSTs a JSON body and blocks until the answer: { status, text }. Throws on a network error or a timeout. */
export function postJsonSync(
  url: string,
  body: string,
  timeoutMs: number = SYNC_HTTP_DEFAULTS.timeoutMs,
): { status: number; text: string } {
  shared ??= start();
  const s = shared;
  const id = s.next++;
  s.worker.postMessage({ id, url, body, timeoutMs });
  const deadline = Date.now() + timeoutMs + 1000;
  for (;;) {
    // the worker bumps the counter after each answer it posts: wait for a bump past what was read before draining
    const seen = Atomics.load(s.flag, 0);
    let msg = receiveMessageOnPort(s.port)?.message as Reply | undefined;
    while (msg && msg.id !== id) msg = receiveMessageOnPort(s.port)?.message as Reply | undefined; // late answers
    if (msg) {
      if (msg.error !== undefined) throw new Error(`POST ${url}: ${msg.error}`);
      return { status: msg.status ?? 0, text: msg.text ?? "" };
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`POST ${url}: no answer within ${timeoutMs} ms`);
    Atomics.wait(s.flag, 0, seen, left);
  }
}
