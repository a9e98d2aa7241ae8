/**
 * The fleet on this machine: 1, 2, 4 and 8 simulated Push-T stations (worker threads) running the heuristic policy
 * (examples/policies/pusht-heuristic.ts) for the same seeds, recorded by the real recorder into a scratch store.
 * Per configuration: trials per second, fleet MRU while work was queued, scheduler overhead per trial (a station's
 * hand-off gap from finishing one trial to starting the next, and the dispatcher's own time), main-thread time per
 * trial (dispatch + recording), and the wall-time cost of video (the same trials again, with video).
 * Targets: fleet MRU >= 0.95 while work is queued; video adds <= 15% wall time.
 * Run: npm run bench:fleet -- [--trials 64] [--stations 1,2,4,8] [--video-size 96] [--no-video]
 * Last line: one JSON object for scripts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evalFingerprint } from "../src/env/registry.js";
import { bundlePolicy, bundleToData } from "../src/policy/sandbox/bundle.js";
import { Fleet, type JobTemplate } from "../src/rollout/fleet.js";
import { Recorder } from "../src/rollout/recorder.js";
import { ThreadStation } from "../src/rollout/stations/thread-station.js";
import { RunStore } from "../src/rollout/store.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const trials = Number(flag("--trials", "64"));
const configs = flag("--stations", "1,2,4,8").split(",").map(Number);
const videoSize = Number(flag("--video-size", "96"));
const withVideo = !args.includes("--no-video");
const SEED = 100000;
const MRU_TARGET = 0.95;
const VIDEO_TARGET = 0.15;

const POLICY = fileURLToPath(new URL("../examples/policies/pusht-heuristic.ts", import.meta.url));
const bundle = await bundlePolicy(POLICY);
const storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-fleet-"));
const store = RunStore.open(storeRoot);

function template(video: boolean): JobTemplate {
  return {
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    obsType: null,
    policy: { name: "pusht-heuristic", ...bundleToData(bundle) },
    maxSteps: 300,
    tries: 1,
    stepDeadlineMs: 1000,
    memoryLimitMb: 128,
    safety: null,
    video: video ? { size: videoSize, fps: 10 } : null,
  };
}

interface Measured {
  wallS: number;
  trialsPerS: number;
  mruWhileQueued: number;
  handoffMeanMs: number;
  handoffP95Ms: number;
  dispatcherMsPerTrial: number;
  mainThreadMsPerTrial: number;
  successes: number;
}

/** One run of `n` trials on the fleet, measured from submission to the last trial recorded. */
async function measure(fleet: Fleet, n: number, video: boolean): Promise<Measured> {
  const { id } = store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    policy: { name: "pusht-heuristic", path: bundle.path, sha256: bundle.sha256 },
    episodes: n,
    seedStart: SEED,
    options: {},
  });
  const before = fleet.utilisation();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.timeOrigin + performance.now();
  const outcome = await fleet.submit({
    runId: id,
    seeds: Array.from({ length: n }, (_, i) => ({ seed: SEED + i })),
    job: template(video),
    recorder: new Recorder(store, id),
  });
  const wallS = (performance.timeOrigin + performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  if (outcome.end.kind !== "finished") throw new Error(`the bench run ended early: ${JSON.stringify(outcome.end)}`);
  const u = fleet.utilisation(t0);
  return {
    wallS,
    trialsPerS: n / wallS,
    mruWhileQueued: u.fleetMruWhileQueued ?? 0,
    handoffMeanMs: u.handoff.meanMs,
    handoffP95Ms: u.handoff.p95Ms,
    dispatcherMsPerTrial: (u.dispatcher.totalMs - before.dispatcher.totalMs) / n,
    mainThreadMsPerTrial: elu.active / n, // event-loop active time: dispatch, recording, message handling
    successes: outcome.rows.filter((r) => r.success).length,
  };
}

const f = (x: number, d = 2) => x.toFixed(d);
console.log(
  `fleet bench: ${trials} Push-T trials of the heuristic policy per configuration, ${os.cpus().length} cores, ` +
    `node ${process.version}${withVideo ? `, video ${videoSize} px` : ""}`,
);
console.log(
  "stations  trials/s  MRU(queued)  hand-off mean/p95 ms  dispatcher ms/trial  main thread ms/trial" +
    (withVideo ? "  wall s  with video s  video cost  MRU(video)" : ""),
);
const results: (Measured & {
  stations: number;
  wallVideoS: number | null;
  videoCost: number | null;
  mruWithVideo: number | null;
})[] = [];
for (const n of configs) {
  const fleet = new Fleet(Array.from({ length: n }, (_, i) => new ThreadStation(`sim-${i}`)));
  await fleet.ready();
  await measure(fleet, 2 * n, withVideo); // warm-up: each thread compiles the task and the sandbox once
  const plain = await measure(fleet, trials, false);
  const video = withVideo ? await measure(fleet, trials, true) : null;
  await fleet.close();
  const videoCost = video ? video.wallS / plain.wallS - 1 : null;
  results.push({
    stations: n,
    ...plain,
    wallVideoS: video?.wallS ?? null,
    videoCost,
    mruWithVideo: video?.mruWhileQueued ?? null,
  });
  console.log(
    `${String(n).padStart(8)}  ${f(plain.trialsPerS, 1).padStart(8)}  ${f(plain.mruWhileQueued, 3).padStart(11)}  ` +
      `${`${f(plain.handoffMeanMs)} / ${f(plain.handoffP95Ms)}`.padStart(20)}  ${f(plain.dispatcherMsPerTrial, 3).padStart(19)}  ` +
      `${f(plain.mainThreadMsPerTrial, 2).padStart(20)}` +
      (video && videoCost !== null
        ? `  ${f(plain.wallS).padStart(6)}  ${f(video.wallS).padStart(12)}  ${`${videoCost >= 0 ? "+" : ""}${f(100 * videoCost, 1)}%`.padStart(10)}` +
          `  ${f(video.mruWhileQueued, 3).padStart(10)}`
        : ""),
  );
}
store.close();
fs.rmSync(storeRoot, { recursive: true, force: true });
const mruMet = results.every((r) => r.mruWhileQueued >= MRU_TARGET);
const videoMet = withVideo ? results.every((r) => (r.videoCost ?? 0) <= VIDEO_TARGET) : null;
console.log(
  `targets: MRU >= ${MRU_TARGET} ${mruMet ? "met" : "missed"}` +
    (withVideo ? `; video <= +${100 * VIDEO_TARGET}% ${videoMet ? "met" : "missed"}` : ""),
);
console.log(
  JSON.stringify({
    bench: "fleet",
    node: process.version,
    cores: os.cpus().length,
    trials,
    videoSize: withVideo ? videoSize : null,
    configs: results.map((r) => ({
      stations: r.stations,
      trialsPerS: Number(f(r.trialsPerS)),
      mruWhileQueued: Number(f(r.mruWhileQueued, 4)),
      handoffMeanMs: Number(f(r.handoffMeanMs, 3)),
      handoffP95Ms: Number(f(r.handoffP95Ms, 3)),
      dispatcherMsPerTrial: Number(f(r.dispatcherMsPerTrial, 4)),
      mainThreadMsPerTrial: Number(f(r.mainThreadMsPerTrial, 3)),
      wallS: Number(f(r.wallS, 3)),
      wallVideoS: r.wallVideoS === null ? null : Number(f(r.wallVideoS, 3)),
      videoCost: r.videoCost === null ? null : Number(f(r.videoCost, 4)),
      mruWhileQueuedWithVideo: r.mruWithVideo === null ? null : Number(f(r.mruWithVideo, 4)),
      successes: r.successes,
    })),
    targets: { mruWhileQueued: MRU_TARGET, videoCost: VIDEO_TARGET },
    met: { mru: mruMet, video: videoMet },
  }),
);
