/**
 * The pluggable detector: .npy masks round-trip, and a segment_all call goes to a local HTTP service (run in a
 * worker thread, since the tool call blocks this one) with the paper's request shape and comes back as detections.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Worker } from "node:worker_threads";
import { PinInsertion } from "../../tasks/pin-insertion/pin-insertion.js";
import type { ArmEnv } from "../arm-env.js";
import { loadMujocoOnce } from "../runtime.js";
import { readNpyMask, writeNpyMask } from "./npy.js";
import { segmentAllIn } from "./segment.js";

test(".npy masks round-trip as bool and uint8, and odd files are refused", () => {
  const data = Uint8Array.from({ length: 6 * 4 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  for (const dtype of ["bool", "uint8"] as const) {
    const bytes = writeNpyMask({ width: 6, height: 4, data }, dtype);
    assert.equal((bytes.length - data.length) % 64, 0, "the header pads to 64 bytes");
    const back = readNpyMask(bytes);
    assert.deepEqual([back.width, back.height], [6, 4]);
    assert.deepEqual(back.data, data);
  }
  assert.throws(() => readNpyMask(new Uint8Array(20)), /bad magic/);
  const f8 = writeNpyMask({ width: 2, height: 2, data: new Uint8Array(4) });
  const at = Buffer.from(f8).indexOf("|b1");
  f8.set([0x3c, 0x66, 0x38], at); // "<f8"
  assert.throws(() => readNpyMask(f8), /must be bool or uint8/);
});

/** The service: answers /segment_all with one 10×6 px box mask at (20, 30) and echoes what it was sent. */
const SERVER = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
function npy(h, w, fill) {
  let header = "{'descr': '|b1', 'fortran_order': False, 'shape': (" + h + ", " + w + "), }";
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\\n";
  const out = Buffer.alloc(10 + header.length + h * w);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]).copy(out);
  out.write(header, 10, "latin1");
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[10 + header.length + r * w + c] = fill(r, c) ? 1 : 0;
  return out.toString("base64");
}
let last = null;
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/last") { res.end(JSON.stringify(last)); return; }
    const j = JSON.parse(body);
    const png = Buffer.from(j.image_b64, "base64");
    last = { url: req.url, text: j.text, score_threshold: j.score_threshold, png: png.subarray(1, 4).toString(), w: png.readUInt32BE(16), h: png.readUInt32BE(20) };
    const box = npy(last.h, last.w, (r, c) => r >= 30 && r < 36 && c >= 20 && c < 30);
    const low = npy(last.h, last.w, (r, c) => r === 0 && c === 0);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ detections: [
      { mask_b64: box, score: 0.8, bbox_xywh: [20, 30, 10, 6], mask_area: 60 },
      { mask_b64: low, score: 0.05, bbox_xywh: [0, 0, 1, 1], mask_area: 1 },
    ] }));
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => server.close(() => process.exit(0)));
`;

let env: ArmEnv;
let server: Worker;
let url = "";
before(async () => {
  await loadMujocoOnce();
  env = new PinInsertion("pin-insertion-easy");
  env.reset({ seed: 0 });
  server = new Worker(SERVER, { eval: true });
  const port = await new Promise<number>((resolve) => server.once("message", resolve));
  url = `http://127.0.0.1:${port}`;
});
after(async () => {
  env.close();
  server.postMessage("stop");
  await new Promise((resolve) => server.once("exit", resolve));
});

test("segmentAll asks an HTTP detector with the paper's request and measures its masks", async () => {
  const r = segmentAllIn(env, {
    query: "small black nail",
    size: 96,
    scoreThresh: 0.15,
    detector: { url },
    excludeRobot: false,
  });
  assert.equal(r.detector, url);
  assert.equal(r.detections.length, 1, "the 0.05 detection is under the threshold");
  const d = r.detections[0];
  assert.deepEqual(d.bboxXywh, [20, 30, 10, 6]);
  assert.equal(d.maskArea, 60);
  assert.equal(d.score, 0.8);
  assert.deepEqual(d.centroidUv, [24.5, 32.5]);
  assert.ok(d.centroidWorldXyz && d.depthM && d.depthM > 0.5, "measured through the depth frame");
  const sent = await (await fetch(`${url}/last`)).json();
  assert.deepEqual(sent, {
    url: "/segment_all",
    text: "small black nail",
    score_threshold: 0.15,
    png: "PNG",
    w: 96,
    h: 96,
  });
  // latency of the blocking round trip (96 px PNG, one worker, loopback)
  const t = performance.now();
  const n = 10;
  for (let i = 0; i < n; i++) segmentAllIn(env, { query: "pin", size: 96, detector: { url }, excludeRobot: false });
  console.log(`HTTP segmentAll: ${((performance.now() - t) / n).toFixed(1)} ms per call (render + PNG + POST + masks)`);
});

test("a detector that is down or answers nonsense fails the call with the reason", () => {
  assert.throws(
    () => segmentAllIn(env, { query: "pin", detector: { url: "http://127.0.0.1:9", timeoutMs: 2000 } }),
    /POST http:\/\/127\.0\.0\.1:9\/segment_all/,
  );
});
