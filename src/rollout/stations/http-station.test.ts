/**
 * The HTTP station client against a real station server on 127.0.0.1: trials, the errors the fleet acts on
 * (refused job, failed reset, a station that stops answering, a paused station), health, and close().
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { pushtJob } from "../../../test/support/trial-job.js";
import { InvalidInputError, PolicyError } from "../../core/errors.js";
import { bundlePolicy, bundleToData, type PolicyBundleData } from "../../policy/sandbox/bundle.js";
import type { TrialJob } from "../job.js";
import { StationFaultError } from "../station.js";
import { StationServer, type StationServerOptions } from "./http-server.js";
import {
  controlStation,
  fetchStationStatus,
  HttpStation,
  JobRefusedError,
  StationRequestError,
  StationUnreachableError,
} from "./http-station.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let chase: PolicyBundleData;
const servers: StationServer[] = [];
const dirs: string[] = [];

before(async () => {
  chase = bundleToData(await bundlePolicy(path.join(ROOT, "test", "fixtures", "cli", "chase.js")));
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function job(over: Partial<TrialJob> = {}): TrialJob {
  return pushtJob(chase, { runId: "run-client", maxSteps: 50, ...over });
}

async function serve(options: Partial<StationServerOptions> = {}): Promise<StationServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-station-"));
  dirs.push(dir);
  const server = await StationServer.start({ taskId: "pusht", dir, port: 0, ...options });
  servers.push(server);
  return server;
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("run() plays trials on the station and brings back their outputs and videos", async () => {
  const server = await serve();
  const station = await HttpStation.connect(server.url, { pollIntervalMs: 20 });
  try {
    assert.equal(station.id, server.url);
    assert.deepEqual(station.status(), { id: server.url, kind: "http", health: "idle", detail: null });
    for (const index of [0, 1, 2]) {
      const video = index === 1 ? { size: 64, fps: 10 } : null;
      const t0 = Date.now();
      const run = await station.run(job({ index, seed: 100000 + index, video }));
      assert.deepEqual([run.output.index, run.output.seed, run.output.station], [index, 100000 + index, server.id]);
      assert.equal(run.output.steps, 50);
      assert.ok(run.timing.startMs >= t0 && run.timing.endMs >= run.timing.startMs && run.timing.endMs <= Date.now());
      if (video) {
        assert.equal(run.video?.format, "mp4");
        assert.equal(Buffer.from((run.video as { bytes: Uint8Array }).bytes.subarray(4, 8)).toString("latin1"), "ftyp");
      } else assert.equal(run.video, null);
      assert.equal(station.status().health, "idle");
      assert.match(station.status().detail ?? "", new RegExp(`trial ${index}\\) done`));
    }
    assert.equal(server.status().counters.done, 3);
  } finally {
    await station.close();
  }
});

test("a job for another evaluation is refused for good; a policy that does not load is a PolicyError", async () => {
  const server = await serve();
  const station = new HttpStation(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  try {
    const refused = await station.run(job({ evalFingerprint: "0".repeat(64) })).catch((e: unknown) => e);
    assert.ok(refused instanceof JobRefusedError, String(refused));
    assert.ok(refused instanceof InvalidInputError);
    assert.equal(refused.retryable, false);
    assert.equal(refused.code, "fingerprint-mismatch");
    assert.match(refused.message, /refused the job \(fingerprint-mismatch\): .* made for 000000000000/);

    const other = await station.run(job({ task: { id: "pusht", version: 9 } })).catch((e: unknown) => e);
    assert.equal((other as JobRefusedError).code, "task-mismatch");

    const broken = job({ policy: { ...job().policy, code: `${chase.code};0` } });
    const load = await station.run(broken).catch((e: unknown) => e);
    assert.ok(load instanceof PolicyError, String(load));
    assert.equal(load.kind, "load");
    assert.equal(station.status().health, "idle", "the station itself is fine");
  } finally {
    await station.close();
  }
});

test("a failed reset is a StationFaultError that is not fatal, with the station's reason", async () => {
  const server = await serve({ resetFailure: () => "the gripper reported a jam" });
  const station = new HttpStation(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  try {
    const err = await station.run(job({ index: 7 })).catch((e: unknown) => e);
    assert.ok(err instanceof StationFaultError, String(err));
    assert.equal(err.fatal, false);
    assert.equal(err.retryable, true);
    assert.match(
      err.message,
      /trial 7 .*failed on the station: the reset after the trial failed: the gripper reported a jam/,
    );
    assert.equal(station.status().health, "idle");
  } finally {
    await station.close();
  }
});

test("a station that stops answering mid-trial is a fatal fault within unresponsiveMs, then offline", async () => {
  const server = await serve({ resetMs: 1500 });
  const station = new HttpStation(server.url, { pollIntervalMs: 20, unresponsiveMs: 400, healthIntervalMs: 0 });
  try {
    const running = station.run(job()).catch((e: unknown) => e);
    await waitFor("the trial to reach its reset", () => station.status().health === "resetting");
    const frozenAt = Date.now();
    server.freeze();
    const err = await running;
    const tookMs = Date.now() - frozenAt;
    assert.ok(err instanceof StationFaultError, String(err));
    assert.equal(err.fatal, true);
    assert.match(
      err.message,
      new RegExp(`${server.url.replace(/[.:/]/g, "\\$&")} did not answer GET /status for \\d+ ms`),
    );
    assert.match(err.message, /allowed 400 ms\) during job job-/);
    assert.ok(tookMs >= 300 && tookMs < 3000, `gave up after ${tookMs} ms`);
    assert.equal(station.status().health, "offline");

    server.thaw();
    await waitFor("the station to finish the trial", () => server.status().phase === "done");
    assert.equal((await station.refresh()).health, "idle", "back when it answers again");
  } finally {
    await station.close();
  }
});

test("a paused station refuses the job without being taken offline; resume brings it back", async () => {
  const server = await serve();
  const station = new HttpStation(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  try {
    await controlStation(server.url, "pause", {});
    const err = await station.run(job()).catch((e: unknown) => e);
    assert.ok(err instanceof StationFaultError, String(err));
    assert.equal(err.fatal, false);
    assert.match(err.message, /is paused; POST \/resume/);
    assert.equal(station.status().health, "faulted");

    const refused = await controlStation(server.url, "resume", {}).catch((e: unknown) => e);
    assert.ok(refused instanceof StationRequestError);
    assert.equal(refused.code, "confirm-required");
    const resumed = await controlStation(server.url, "resume", { confirm: true });
    assert.equal(resumed.status.paused, false);
    assert.equal((await station.refresh()).health, "idle");
    assert.equal((await station.run(job())).output.seed, 100000);
  } finally {
    await station.close();
  }
});

test("the background health poll notices a station going away; close() stops it", async () => {
  const server = await serve();
  const station = new HttpStation(server.url, { healthIntervalMs: 30, requestTimeoutMs: 200 });
  await waitFor("the first health poll", () => station.status().health === "idle");
  await server.close();
  await waitFor("the station to be seen offline", () => station.status().health === "offline");
  assert.match(station.status().detail ?? "", /did not answer GET \/status .*connection refused/);
  await station.close();
  const err = await station.run(job()).catch((e: unknown) => e);
  assert.ok(err instanceof StationFaultError && err.fatal, "a closed client runs nothing");
});

test("nobody listening: connect and status say the station is unreachable, naming the URL", async () => {
  const server = await serve();
  const url = server.url;
  await server.close();
  const err = await HttpStation.connect(url, { requestTimeoutMs: 500 }).catch((e: unknown) => e);
  assert.ok(err instanceof StationUnreachableError, String(err));
  assert.match(
    err.message,
    new RegExp(
      `station ${url.replace(/[.:/]/g, "\\$&")} did not answer GET /status within 500 ms \\(connection refused\\)`,
    ),
  );
  assert.ok((await fetchStationStatus(url, 300).catch((e: unknown) => e)) instanceof StationUnreachableError);
  assert.throws(() => new HttpStation("127.0.0.1:8203"), /is not a URL; give one like http:\/\/127\.0\.0\.1:8203/);
  assert.throws(() => new HttpStation("ftp://127.0.0.1:8203"), /must start with http:\/\/ or https:\/\//);
});

test("closing the client mid-trial stops waiting; the station keeps the trial", async () => {
  const server = await serve({ resetMs: 500 });
  const station = new HttpStation(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  const running = station.run(job()).catch((e: unknown) => e);
  await waitFor("the trial to reach its reset", () => station.status().health === "resetting");
  await station.close();
  const err = await running;
  assert.ok(err instanceof StationFaultError, String(err));
  assert.equal(err.fatal, false);
  assert.match(err.message, /the client was closed while run run-client trial 0/);
  await waitFor("the station to finish anyway", () => server.status().phase === "done");
  const kept = path.join(server.status().rolloutDir, "trials", server.status().job!.id, "output.json");
  assert.ok(fs.existsSync(kept));
});

test("a caller's abort stops the wait with a fault that is not fatal", async () => {
  const server = await serve({ resetMs: 500 });
  const station = new HttpStation(server.url, { pollIntervalMs: 20, healthIntervalMs: 0 });
  try {
    const controller = new AbortController();
    const running = station.run(job({ index: 5 }), controller.signal).catch((e: unknown) => e);
    await waitFor("the trial to reach its reset", () => station.status().health === "resetting");
    controller.abort(new Error("the fleet's watchdog gave up"));
    const err = await running;
    assert.ok(err instanceof StationFaultError, String(err));
    assert.equal(err.fatal, false);
    assert.match(
      err.message,
      /the caller stopped waiting \(the fleet's watchdog gave up\) while run run-client trial 5/,
    );
  } finally {
    await station.close();
  }
});

test("home() sends the station home, confirmed; during a trial it is refused without asking the station", async () => {
  const server = await serve();
  const station = await HttpStation.connect(server.url);
  try {
    await station.home();
    assert.equal(station.status().health, "idle");
    const running = station.run(job({ maxSteps: 300 }));
    await assert.rejects(
      station.home(),
      (e: unknown) => e instanceof StationFaultError && /running a trial/.test(e.message),
    );
    await running;
    await station.home();
    assert.equal(station.status().health, "idle");
  } finally {
    await station.close();
  }
});
