/**
 * End to end: `enpire station serve` in a child process on 127.0.0.1, driven by the fleet's HTTP station client
 * through real Push-T trials; the station's own records on disk; `enpire station status | control`; and a station
 * process that stops answering mid-trial (SIGSTOP), which the client must give up on within its timeout.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Status } from "../src/env/station/protocol.js";
import type { TrialJob } from "../src/rollout/job.js";
import { StationFaultError } from "../src/rollout/station.js";
import { fetchStationStatus, HttpStation } from "../src/rollout/stations/http-station.js";

import { bundledPolicy, pushtJob } from "./support/trial-job.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = path.join(ROOT, "src", "cli", "entry.ts");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-http-station-"));
const STATION_DIR = path.join(TMP, "station");

// a policy that thinks for 15 ms a step: a 300-step trial takes about 5 s, long enough to stop the station mid-way
const SLOW_POLICY = `export default function createPolicy() {
  return {
    act(obs) {
      const until = Date.now() + 15;
      while (Date.now() < until) {}
      return [obs[2], obs[3]];
    },
  };
}
`;

let child: ChildProcessWithoutNullStreams;
let url: string;
let stderr = "";

async function jobFor(policyFile: string, over: Partial<TrialJob>): Promise<TrialJob> {
  return pushtJob(await bundledPolicy(policyFile), { runId: "run-e2e", maxSteps: 300, ...over });
}

function enpire(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", ENTRY, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  child = spawn(
    process.execPath,
    ["--import", "tsx", ENTRY, "station", "serve", "--task", "pusht", "--port", "0"].concat([
      "--dir",
      STATION_DIR,
      "--station-id",
      "e2e-station",
    ]),
    { cwd: ROOT },
  );
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no URL from station serve in 60 s; stderr: ${stderr}`)), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const found = / on (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`station serve exited with ${code}: ${stderr}`)));
  });
});

after(() => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
  fs.rmSync(TMP, { recursive: true, force: true });
});

test("the fleet's client runs real Push-T trials on `enpire station serve`, which keeps every one", async () => {
  const station = await HttpStation.connect(url, { pollIntervalMs: 50 });
  try {
    const chase = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
    for (let index = 0; index < 4; index++) {
      const video = index === 2 ? { size: 96, fps: 10 } : null;
      const { output, video: mp4 } = await station.run(await jobFor(chase, { index, seed: 100000 + index, video }));
      assert.deepEqual([output.runId, output.index, output.seed], ["run-e2e", index, 100000 + index]);
      assert.equal(output.station, "e2e-station");
      assert.equal(output.envStack, "safety(clip-action(pusht@1))");
      assert.equal(output.events[0].event, "reset");
      assert.equal(output.events.at(-1)?.event, "verify");
      assert.equal(output.verification.success, output.success);
      assert.equal(mp4 === null, video === null);
      assert.equal(station.status().health, "idle");
    }
    // the station's own record: one directory per trial, whatever the controller does next
    const status = await fetchStationStatus(url);
    assert.deepEqual(status.counters, { started: 4, done: 4, failed: 0, refused: 0, rollouts: 1 });
    const trials = fs.readdirSync(path.join(status.rolloutDir, "trials"));
    assert.equal(trials.length, 4);
    const seeds = trials
      .map((t) => JSON.parse(fs.readFileSync(path.join(status.rolloutDir, "trials", t, "output.json"), "utf8")).seed)
      .sort();
    assert.deepEqual(seeds, [100000, 100001, 100002, 100003]);
    assert.equal(status.rolloutDir.startsWith(STATION_DIR), true);
  } finally {
    await station.close();
  }
});

test("`enpire run --station-url` mixes the HTTP station with a local thread station in one fleet", () => {
  const store = path.join(TMP, "store");
  const chase = path.join(ROOT, "test", "fixtures", "cli", "chase.js");
  const r = enpire(
    ["run", "--policy", chase, "--episodes", "8", "--station-url", url, "--stations", "1"].concat([
      "--store",
      store,
      "--json",
    ]),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.summary.episodes, 8);
  const shown = JSON.parse(enpire(["show", out.run.id, "--store", store, "--json"]).stdout);
  const stations = new Set(shown.trials.map((t: { station: string }) => t.station));
  assert.deepEqual([...stations].sort(), ["e2e-station", "sim-0"], "both stations ran trials");
  assert.deepEqual(
    shown.trials.map((t: { seed: number }) => t.seed).sort(),
    [100000, 100001, 100002, 100003, 100004, 100005, 100006, 100007],
    "each seed once",
  );
  assert.ok(shown.utilisation.perStation["e2e-station"] > 0);
});

test("`enpire station status` and `control` speak to the station; motion needs --confirm", () => {
  const status = enpire(["station", "status", url, "--json"]);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as Status).station, "e2e-station");
  const human = enpire(["station", "status", url]);
  assert.match(human.stdout, /^station {3}e2e-station {2}http:\/\/127\.0\.0\.1:\d+ {2}\(protocol 1\)$/m);
  assert.match(human.stdout, /^phase {5}(done|idle) since /m);

  const unconfirmed = enpire(["station", "control", url, "home"]);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /`station control home` can move the robot; add --confirm to send it/);
  const unknown = enpire(["station", "control", url, "launch", "--confirm"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /unknown station control call "launch"; choose one of home, pause, resume, avoid, restart/,
  );

  const restart = enpire(["station", "control", url, "restart", "--confirm", "--label", "hypothesis-2"]);
  assert.equal(restart.code, 0, restart.stderr);
  const dir = restart.stdout.trim().split("\n").at(-1) ?? "";
  assert.match(path.basename(dir), /-hypothesis-2$/);
  assert.ok(fs.existsSync(path.join(dir, "rollout.json")));

  const paused = enpire(["station", "control", url, "pause"]);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /paused: starts are refused until POST \/resume/);
  const resumed = enpire(["station", "control", url, "resume", "--confirm", "--json"]);
  assert.equal(JSON.parse(resumed.stdout).status.paused, false);

  const gone = enpire(["station", "status", "http://127.0.0.1:9", "--timeout-ms", "500"]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /station http:\/\/127\.0\.0\.1:9 did not answer GET \/status within 500 ms/);
});

test("a station process stopped mid-trial (SIGSTOP) is a fatal fault within the timeout; its trial is not lost", async () => {
  const slow = path.join(TMP, "slow.js");
  fs.writeFileSync(slow, SLOW_POLICY);
  const job = await jobFor(slow, { runId: "run-stop", index: 9, seed: 100009 });
  const station = new HttpStation(url, { pollIntervalMs: 50, unresponsiveMs: 1500, healthIntervalMs: 0 });
  try {
    const running = station.run(job).catch((e: unknown) => e);
    const t0 = Date.now();
    while (!station.status().detail?.startsWith("running job")) {
      assert.ok(Date.now() - t0 < 30_000, "the trial should start");
      await new Promise((r) => setTimeout(r, 10));
    }
    const stoppedAt = Date.now();
    child.kill("SIGSTOP");
    const err = await running;
    const tookMs = Date.now() - stoppedAt;
    child.kill("SIGCONT");

    assert.ok(err instanceof StationFaultError, String(err));
    assert.equal(err.fatal, true);
    assert.match(
      err.message,
      /did not answer GET \/status for \d+ ms \(allowed 1500 ms\) during job job-\S+ \(run run-stop trial 9/,
    );
    assert.ok(err.message.includes(url), err.message);
    assert.ok(tookMs >= 1000 && tookMs < 5000, `gave up after ${tookMs} ms`);
    assert.equal(station.status().health, "offline");

    // once it runs again the station finishes the trial and keeps it
    let status = await fetchStationStatus(url, 5000);
    while (status.phase !== "done") {
      await new Promise((r) => setTimeout(r, 100));
      status = await fetchStationStatus(url, 5000);
    }
    assert.deepEqual([status.job?.runId, status.job?.index], ["run-stop", 9]);
    const kept = JSON.parse(
      fs.readFileSync(path.join(status.rolloutDir, "trials", status.job!.id, "output.json"), "utf8"),
    );
    assert.equal(kept.seed, 100009);
    assert.equal((await station.refresh()).health, "idle");
  } finally {
    await station.close();
  }
});

test("SIGTERM stops the station cleanly", async () => {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.match(stderr, /SIGTERM: stopping after the current trial/);
});
