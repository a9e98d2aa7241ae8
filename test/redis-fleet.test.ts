/**
 * End-to-end: the distributed fleet on a real redis-server (Debian's), with real `enpire worker` processes and the
 * dispatcher's QueueStations in this process. One worker is killed with SIGKILL mid-trial: its trial must surface
 * as a station fault for exactly that job, its seed must run again elsewhere, and no trial may complete twice.
 * Each test starts its own redis-server on 127.0.0.1 and a random high port, and stops it by PID.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { InvalidInputError } from "../src/core/errors.js";
import { evalFingerprint } from "../src/env/registry.js";
import { bundlePolicy, bundleToData, type PolicyBundleData } from "../src/policy/sandbox/bundle.js";
import { Fleet } from "../src/rollout/fleet.js";
import type { TrialJob, TrialOutput, TrialVideo } from "../src/rollout/job.js";
import { Recorder } from "../src/rollout/recorder.js";
import { StationFaultError } from "../src/rollout/station.js";
import {
  BULLMQ_STALLED_REASON,
  connectRedis,
  parseRedisUrl,
  QUEUE_SETTINGS,
  RedisUnreachableError,
} from "../src/rollout/stations/queue.js";
import { JobRefusedError, listQueueWorkers, queueStations } from "../src/rollout/stations/queue-station.js";
import { startQueueWorker } from "../src/rollout/stations/queue-worker.js";
import { RunStore } from "../src/rollout/store.js";

import { pushtJob } from "./support/trial-job.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHASE = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
const EVENTS_KEY = "enpire:trials:events";

// ---- processes the tests start, and stop by PID ------------------------------------------------------------------

interface Proc {
  child: ChildProcess;
  out: string[]; // stdout lines
  err: string[]; // stderr lines
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Proc[] = [];

function launch(env: NodeJS.ProcessEnv | undefined, command: string, args: string[]): Proc {
  const child = spawn(command, args, { cwd: ROOT, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  const proc: Proc = {
    child,
    out: [],
    err: [],
    exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  const lines = (into: string[]) => {
    let rest = "";
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      into.push(...parts);
    };
  };
  child.stdout?.on("data", lines(proc.out));
  child.stderr?.on("data", lines(proc.err));
  started.push(proc);
  return proc;
}

function stopByPid(proc: Proc, signal: NodeJS.Signals = "SIGKILL"): void {
  if (proc.child.exitCode === null && proc.child.signalCode === null && proc.child.pid !== undefined) {
    try {
      process.kill(proc.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startRedis(): Promise<{ url: string; proc: Proc }> {
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const proc = launch(undefined, "redis-server", [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await until(`redis-server on port ${port}`, 10_000, () => {
    if (proc.child.exitCode !== null) throw new Error(`redis-server exited: ${proc.out.join("\n")}`);
    return proc.out.some((l) => l.includes("Ready to accept connections")) || undefined;
  });
  return { url: `redis://127.0.0.1:${port}`, proc };
}

/** `enpire worker` as a user runs it. */
function startWorker(url: string, station: string, env?: NodeJS.ProcessEnv): Proc {
  return launch(env, process.execPath, [
    "--import",
    "tsx",
    path.join(ROOT, "src", "cli", "entry.ts"),
    "worker",
    "--redis",
    url,
    "--station",
    station,
  ]);
}

async function ready(proc: Proc, station: string): Promise<void> {
  await until(`worker ${station} to say it is ready`, 30_000, () => {
    if (proc.child.exitCode !== null) throw new Error(`worker ${station} exited: ${proc.err.join("\n")}`);
    return proc.out.some((l) => l.startsWith(`worker ${station} ready on `)) || undefined;
  });
}

after(() => {
  for (const p of started) stopByPid(p); // whatever a failed test left running
});

/**
 * SIGKILLs the first worker seen running a trial. A worker writes which job it holds as it starts one, and that
 * first trial (the sandbox starts, 512 px frames are encoded) lasts some 100s of ms: the kill lands mid-trial.
 */
async function killFirstRunning(url: string, workers: Map<string, Proc>): Promise<{ station: string; jobId: string }> {
  const victim = await until("a worker running a trial", 30_000, async () =>
    (await listQueueWorkers(url)).find((w) => w.jobs.length === 1 && workers.has(w.station)),
  );
  stopByPid(workers.get(victim.station)!, "SIGKILL");
  return { station: victim.station, jobId: victim.jobs[0] };
}

// ---- jobs --------------------------------------------------------------------------------------------------------

let chase: PolicyBundleData;
before(async () => {
  chase = bundleToData(await bundlePolicy(CHASE));
});

function trialJob(runId: string, index: number, attempt: number, over: Partial<TrialJob> = {}): TrialJob {
  // encoding 512 px frames makes a trial last long enough to be killed in
  return pushtJob(chase, { runId, index, seed: 100_000 + index, attempt, video: { size: 512, fps: 10 }, ...over });
}

/** `completed` / `stalled` / `failed` events per job id, from the queue's own event stream in Redis. */
async function queueEvents(redis: Redis): Promise<Map<string, string[]>> {
  const byJob = new Map<string, string[]>();
  for (const [, fields] of await redis.xrange(EVENTS_KEY, "-", "+")) {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    if (!f.jobId || !["completed", "stalled", "failed"].includes(f.event)) continue;
    byJob.set(f.jobId, [...(byJob.get(f.jobId) ?? []), f.event]);
  }
  return byJob;
}

// ---- the tests ---------------------------------------------------------------------------------------------------

describe("fleet on Redis", { timeout: 90_000 }, () => {
  let redisProc: Proc;
  let url: string;

  before(async () => {
    ({ url, proc: redisProc } = await startRedis());
  });
  after(async () => {
    stopByPid(redisProc, "SIGKILL");
    await redisProc.exited;
  });

  test("a worker killed mid-trial loses no trial and duplicates none", async () => {
    const stations = ["w1", "w2", "w3"];
    const workers = new Map(stations.map((s) => [s, startWorker(url, s)]));
    await Promise.all(stations.map((s) => ready(workers.get(s)!, s)));
    assert.deepEqual(
      (await listQueueWorkers(url)).map((w) => [w.station, w.health]),
      stations.map((s) => [s, "idle"]),
    );

    const fleet = await queueStations(url);
    const redis = await connectRedis(parseRedisUrl(url));
    try {
      assert.equal(fleet.length, 3, "one slot per live worker");
      const runId = `redis-${randomBytes(4).toString("hex")}`;
      const seeds = 12;

      // a scheduler of the simplest kind: each slot takes the next seed; a fault re-queues it as attempt + 1
      const todo = Array.from({ length: seeds }, (_, index) => ({ index, attempt: 1 }));
      const done: { output: TrialOutput; video: TrialVideo | null }[] = [];
      const faults: { jobId: string; error: unknown }[] = [];
      const slot = async (station: (typeof fleet)[number]) => {
        for (let next = todo.shift(); next; next = todo.shift()) {
          try {
            done.push(await station.run(trialJob(runId, next.index, next.attempt)));
          } catch (error) {
            faults.push({ jobId: `${runId}:${next.index}:${next.attempt}`, error });
            if (!(error instanceof StationFaultError)) throw error;
            todo.push({ index: next.index, attempt: next.attempt + 1 });
          }
        }
      };

      const killer = killFirstRunning(url, workers);

      await Promise.all(fleet.map(slot));
      const killed = await killer;
      assert.equal((await workers.get(killed.station)!.exited).signal, "SIGKILL");

      // the killed attempt surfaced as a (non-fatal) station fault for exactly that job, naming the worker
      assert.deepEqual(
        faults.map((f) => f.jobId),
        [killed.jobId],
        `faults: ${faults.map((f) => String(f.error))}`,
      );
      const fault = faults[0].error as StationFaultError;
      assert.ok(fault instanceof StationFaultError);
      assert.equal(fault.fatal, false);
      assert.match(
        fault.message,
        new RegExp(`worker ${killed.station} stopped mid-trial \\(job ${killed.jobId} stalled`),
      );

      // every seed completed exactly once; the killed one as attempt 2, on another worker
      const killedIndex = Number(killed.jobId.split(":")[1]);
      assert.deepEqual(
        done.map((d) => d.output.index).sort((a, b) => a - b),
        Array.from({ length: seeds }, (_, i) => i),
      );
      for (const { output, video } of done) {
        assert.equal(output.seed, 100_000 + output.index);
        assert.equal(output.attempt, output.index === killedIndex ? 2 : 1);
        assert.equal(output.steps, 60);
        assert.ok(stations.includes(output.station), output.station);
        assert.ok(video?.format === "mp4" && Buffer.from(video.bytes.subarray(4, 8)).toString() === "ftyp");
      }
      const rerun = done.find((d) => d.output.index === killedIndex)!;
      assert.notEqual(rerun.output.station, killed.station);

      // BullMQ's own record agrees: one completion per job, none for the killed one, which stalled
      const events = await queueEvents(redis);
      for (const { output } of done) {
        assert.deepEqual(events.get(`${runId}:${output.index}:${output.attempt}`), ["completed"]);
      }
      assert.equal(events.get(killed.jobId)?.[0], "stalled");
      assert.ok(!events.get(killed.jobId)?.includes("completed"));

      // results are removed once the dispatcher has them; the stalled job is kept, failed, for diagnosis
      const failed = await until("the stalled job to be failed by a live worker", 10_000, async () => {
        const reason = await redis.hget(`enpire:trials:${killed.jobId}`, "failedReason");
        return reason ?? undefined;
      });
      assert.equal(failed, BULLMQ_STALLED_REASON);
      const count = async (key: string) => redis.llen(key);
      assert.equal(await count("enpire:trials:wait"), 0);
      assert.equal(await count("enpire:trials:active"), 0);
      await until("completed jobs to be removed", 5000, async () =>
        (await redis.zcard("enpire:trials:completed")) === 0 ? true : undefined,
      );
      assert.equal(await redis.zcard("enpire:trials:failed"), 1);

      // the killed worker's record expires; the others stop cleanly on SIGTERM / SIGINT and remove theirs
      const alive = stations.filter((s) => s !== killed.station);
      await until("the killed worker's record to expire", QUEUE_SETTINGS.heartbeatTtlMs + 2000, async () => {
        const live = (await listQueueWorkers(url)).map((w) => w.station);
        return live.join() === alive.join() ? true : undefined;
      });
      stopByPid(workers.get(alive[0])!, "SIGTERM");
      stopByPid(workers.get(alive[1])!, "SIGINT");
      for (const s of alive) {
        const proc = workers.get(s)!;
        assert.deepEqual(await proc.exited, { code: 0, signal: null }, proc.err.join("\n"));
        assert.equal(proc.out.at(-1), `worker ${s} stopped`);
        assert.ok(proc.out.length >= 2, "each worker ran trials"); // ready line, trial lines, stopped
      }
      assert.deepEqual(await listQueueWorkers(url), []);
    } finally {
      redis.disconnect();
      await fleet.close();
      for (const w of workers.values()) stopByPid(w);
    }
  });

  test("through the fleet scheduler and the recorder, the run store counts every seed once", async () => {
    const stations = ["f1", "f2", "f3"];
    const workers = new Map(stations.map((s) => [s, startWorker(url, s)]));
    await Promise.all(stations.map((s) => ready(workers.get(s)!, s)));
    const store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-redis-")));
    const queue = await queueStations(url);
    const fleet = new Fleet(queue);
    try {
      const seeds = 12;
      const { id: runId } = store.createRun({
        task: { id: "pusht", version: 1 },
        evalFingerprint: evalFingerprint("pusht"),
        policy: { name: "chase", path: CHASE, sha256: chase.sha256 },
        episodes: seeds,
        seedStart: 100_000,
        options: {},
      });
      const { schema: _s, runId: _r, index: _i, seed: _d, attempt: _a, ...job } = trialJob(runId, 0, 1);
      const outcome = fleet.submit({
        runId,
        seeds: Array.from({ length: seeds }, (_, i) => ({ seed: 100_000 + i })),
        job,
        recorder: new Recorder(store, runId),
      });
      const killed = await killFirstRunning(url, workers);
      const { end } = await outcome;
      assert.equal(end.kind, "finished", JSON.stringify(end));
      store.finishRun(runId, "finished");

      const trials = store.trials(runId);
      const counted = trials.filter((t) => t.counted);
      assert.deepEqual(
        counted.map((t) => t.seed).sort((a, b) => a - b),
        Array.from({ length: seeds }, (_, i) => 100_000 + i),
        "each seed counted exactly once",
      );
      const interrupted = trials.filter((t) => !t.counted);
      assert.equal(interrupted.length, 1);
      const [lost] = interrupted;
      assert.equal(lost.outcomeKind, "interrupted");
      assert.equal(lost.attempt, 1);
      assert.match(
        lost.reason ?? "",
        new RegExp(`worker ${killed.station} stopped mid-trial \\(job ${runId}:${lost.index}:1`),
      );
      assert.equal(counted.find((t) => t.seed === lost.seed)?.attempt, 2);
      assert.equal(new Set(trials.map((t) => t.index)).size, trials.length, "no trial index used twice");
      assert.ok(
        counted.every((t) => t.video !== null),
        "every counted trial has its video",
      );
      const run = store.getRun(runId);
      assert.deepEqual([run.trials, run.interrupted], [seeds, 1]);
    } finally {
      await fleet.close();
      await queue.close();
      store.close();
      for (const w of workers.values()) stopByPid(w, "SIGTERM");
      await Promise.all([...workers.values()].map((w) => w.exited));
    }
    // the next test starts from no live worker: the killed one's record expires, the others removed theirs
    await until("no live workers", QUEUE_SETTINGS.heartbeatTtlMs + 2000, async () =>
      (await listQueueWorkers(url)).length === 0 ? true : undefined,
    );
  });

  test("a job refused by a worker is a final, non-retryable error", async () => {
    const worker = await startQueueWorker({ redisUrl: url, stationId: "picky" });
    const fleet = await queueStations(url);
    try {
      assert.equal(fleet.length, 1);
      const job = trialJob(`refuse-${randomBytes(3).toString("hex")}`, 0, 1, { evalFingerprint: "f".repeat(64) });
      const err = await fleet[0].run(job).then(
        () => assert.fail("the job ran"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof JobRefusedError, String(err));
      assert.ok(err instanceof InvalidInputError && !err.retryable);
      assert.match(err.message, /worker picky refused job refuse-\w+:0:1: station picky runs pusht with evaluation/);

      // a second worker may not take a station id that a live one holds
      await assert.rejects(startQueueWorker({ redisUrl: url, stationId: "picky", takeoverWaitMs: 0 }), {
        name: "InvalidInputError",
        message: /station "picky" is already taken by a live worker \(pid \d+/,
      });
    } finally {
      await fleet.close();
      await worker.close();
    }
    assert.deepEqual(await listQueueWorkers(url), []);
  });

  test("a worker that cannot run trials faults them, then stops taking jobs", async () => {
    // no ffmpeg on this worker's PATH: it runs the trial but cannot encode its video, which is this machine's fault
    const broken = startWorker(url, "broken", { ...process.env, PATH: "/nonexistent" });
    await ready(broken, "broken");
    const fleet = await queueStations(url);
    try {
      const runId = `fault-${randomBytes(3).toString("hex")}`;
      for (let attempt = 1; attempt <= 3; attempt++) {
        const err = await fleet[0].run(trialJob(runId, 0, attempt, { video: { size: 64, fps: 10 } })).then(
          () => assert.fail("the trial ran"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof StationFaultError && !err.fatal, String(err));
        assert.match(err.message, new RegExp(`worker broken failed job ${runId}:0:${attempt}: ffmpeg was not found`));
      }
      const [record] = await listQueueWorkers(url);
      assert.equal(record.health, "faulted");
      assert.match(record.detail ?? "", /stopped taking jobs after 3 faults in a row/);
      // a faulted worker offers no slot
      await assert.rejects(queueStations(url, { waitForWorkersMs: 300 }), { name: "NoQueueWorkersError" });
    } finally {
      await fleet.close();
      stopByPid(broken, "SIGTERM");
    }
    assert.deepEqual(await broken.exited, { code: 0, signal: null });
  });

  test("`enpire run --fleet` dispatches a run to the live workers and records each seed once", async () => {
    const stations = ["c1", "c2"];
    const workers = new Map(stations.map((s) => [s, startWorker(url, s)]));
    try {
      await Promise.all(stations.map((s) => ready(workers.get(s)!, s)));
      const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-redis-cli-"));
      const entry = path.join(ROOT, "src", "cli", "entry.ts");
      const run = launch(
        undefined,
        process.execPath,
        ["--import", "tsx", entry, "run", "--policy", CHASE].concat([
          "--episodes",
          "6",
          "--fleet",
          url,
          "--store",
          store,
          "--json",
        ]),
      );
      const exit = await run.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, run.err.join("\n"));
      const out = JSON.parse(run.out.join("\n"));
      assert.equal(out.summary.episodes, 6);
      const trials = RunStore.open(store).trials(out.run.id);
      assert.deepEqual(trials.map((t) => t.seed).sort(), [100000, 100001, 100002, 100003, 100004, 100005]);
      for (const t of trials) assert.ok(stations.includes(t.station ?? ""), `trial ${t.index} ran on ${t.station}`);
    } finally {
      for (const w of workers.values()) stopByPid(w, "SIGTERM");
      await Promise.all([...workers.values()].map((w) => w.exited));
    }
  });

  test("without workers, queueStations says how to start one", async () => {
    await assert.rejects(queueStations(url, { waitForWorkersMs: 300 }), {
      name: "NoQueueWorkersError",
      message: new RegExp(`no enpire worker is listening on ${url}.*enpire worker --redis ${url} --station NAME`),
    });
  });
});

test("a Redis URL is checked where it enters, and an absent Redis is named", async () => {
  assert.deepEqual(parseRedisUrl("redis://10.0.0.2:6390/3"), {
    url: "redis://10.0.0.2:6390/3",
    host: "10.0.0.2",
    port: 6390,
    db: 3,
    username: undefined,
    password: undefined,
  });
  assert.equal(parseRedisUrl("redis://:secret@h").password, "secret");
  assert.equal(parseRedisUrl("redis://:secret@h").url, "redis://h");
  for (const bad of ["localhost:6379", "http://h:1", "redis://h:99999", "redis://h:1/x", "redis://h:1/0?x=1"]) {
    assert.throws(() => parseRedisUrl(bad, "--fleet"), {
      name: "InvalidInputError",
      message: /--fleet must look like redis:\/\/HOST:PORT\[\/DB\]/,
    });
  }
  // a port nothing listens on (bound and released here, so it is free)
  const net = await import("node:net");
  const server = net.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  const t0 = Date.now();
  await assert.rejects(queueStations(`redis://127.0.0.1:${port}`), (err: unknown) => {
    assert.ok(err instanceof RedisUnreachableError);
    assert.match(err.message, new RegExp(`cannot reach Redis at redis://127.0.0.1:${port}: .*ECONNREFUSED`));
    assert.match(err.message, /is redis-server running there\?/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000, "fails fast");
});

test("a plain `enpire run` loads neither bullmq nor ioredis", () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-redis-"));
  const script = `
    import { createRequire } from "node:module";
    import { main } from "./src/cli/main.ts";
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\\/(bullmq|ioredis)\\//.test(k));
    await main(["node", "enpire", "run", "--policy", ${JSON.stringify(CHASE)}, "--episodes", "1", "--json"]);
    const before = loaded().length;
    await import("./src/rollout/stations/queue-station.ts");
    await import("./src/rollout/stations/queue-worker.ts");
    const modulesOnly = loaded().length;
    await import("bullmq"); // the check can fail: loading it does show
    process.stderr.write("LOADED " + JSON.stringify({ before, modulesOnly, after: loaded().length > 0 }) + "\\n");
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ENPIRE_HOME: store },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).summary.episodes, 1);
  const line = r.stderr.split("\n").find((l) => l.startsWith("LOADED "));
  assert.deepEqual(JSON.parse(line!.slice(7)), { before: 0, modulesOnly: 0, after: true });
});
