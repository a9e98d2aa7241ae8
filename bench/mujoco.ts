/**
 * The MuJoCo tasks' speed (issue 8 §7), for every MuJoCo task in the registry (new tasks join by themselves):
 * - real-time factor: simulated seconds per wall-clock second of `env.step` on this thread (one core), physics only
 *   and with one 128×128 frame of camera `top` rendered every control step (`env.render(128)`), on seeded episodes
 *   (seeds from 100000) driven by the task's example heuristic (examples/policies/<task>-heuristic.ts, found by the
 *   longest "-" prefix of the id, run in-process; its own time is not counted) and again with a zero action (a
 *   zero action moves nothing in delta-ee mode). The headline figure is the lower of the two; each is the median of
 *   the repeats, and the CPU-time figure beside it (simulated seconds per CPU second of this process) shows what a
 *   busy machine took away;
 * - render fps of `env.render(size)` at 96, 128 and 256 px, along an episode (each frame a new state);
 * - worker start: a fresh worker thread's time to a first ready env (loadMujocoOnce + renderer + model build +
 *   reset) and a real ThreadStation's first trial (thread, MuJoCo, env, policy sandbox, one step), and memory per
 *   station (the process's RSS growth per worker holding an env, and the worker's WebAssembly heap).
 * Targets (issue 8 §7): every task ≥ 20× real time physics only and ≥ 10× with the camera.
 * Run: npm run bench:mujoco -- [--tasks id,id] [--episodes 3] [--repeats 3] [--steps 400] [--stations 2]
 * Last line: one JSON object, {"tasks": {"<id>": {"realtime_factor", "realtime_factor_with_camera", …}},
 * "render_fps": {"96", "128", "256"}, …} (render_fps: the slowest task's).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Env, TaskSpec } from "../src/core/env.js";
import { policyContext } from "../src/core/policy.js";
import { evalFingerprint, isMujocoTask, listTasks, makeEnv, prepareTask } from "../src/env/registry.js";
import type { CreatePolicy } from "../src/policy/authoring.js";

const BENCH = Object.freeze({
  seedStart: 100000, // first episode seed (Diffusion Policy's test seeds, as enpire run uses)
  episodes: 3, // seeded episodes per measurement
  repeats: 3, // measurements per figure; the median is reported
  stepsPerEpisode: 400, // cap on control steps per episode (an episode also ends when the task ends it)
  cameraSize: 128, // px, the frame rendered every control step in the "with camera" figure
  renderSizes: [96, 128, 256] as const, // px, render fps sizes
  renderFrames: 200, // frames per size for render fps (after 30 warm-up frames)
  stations: 2, // worker threads started for the memory-per-station figure
  targetPhysics: 20, // × real time, physics only (issue 8 §7)
  targetCamera: 10, // × real time with one 128 px frame per control step
});

interface WorkerReport {
  readyMs: number; // from the thread's first line to a reset env
  loadMs: number; // prepareTask: MuJoCo's WebAssembly module and the renderer
  buildMs: number; // makeEnv: MJCF compile and the env's set-up
  resetMs: number; // the first reset
  wasmHeapBytes: number; // the worker's MuJoCo WebAssembly memory
}

// ---- the worker side: a station-like thread that builds one env, reports, and waits to be told to exit
if (!isMainThread && (workerData as { role?: string } | null)?.role === "bench-mujoco-station") {
  const started = performance.now();
  const { taskId } = workerData as { taskId: string };
  const t0 = performance.now();
  await prepareTask(taskId);
  const t1 = performance.now();
  const env = makeEnv(taskId);
  const t2 = performance.now();
  env.reset({ seed: BENCH.seedStart });
  const t3 = performance.now();
  const heap = wasmHeapBytes(env);
  const report: WorkerReport = {
    readyMs: t3 - started,
    loadMs: t1 - t0,
    buildMs: t2 - t1,
    resetMs: t3 - t2,
    wasmHeapBytes: heap,
  };
  parentPort?.postMessage(report);
  parentPort?.once("message", () => {
    env.close();
    process.exit(0);
  });
} else if (isMainThread) {
  await main();
}

/** The WebAssembly memory behind the env's MuJoCo data (a typed view's buffer is the whole heap), bytes. */
function wasmHeapBytes(env: Env): number {
  const scene = (env as unknown as { scene?: { data?: { qpos?: Float64Array } } }).scene;
  return scene?.data?.qpos?.buffer.byteLength ?? 0;
}

// ---- the main side

interface Rates {
  realtimeFactor: number; // simulated s per wall s of env.step (+ render)
  cpuRealtimeFactor: number; // simulated s per CPU s of this process over the same stretch
  steps: number;
  successes: number;
}

interface TaskFigures {
  realtime_factor: number;
  realtime_factor_with_camera: number;
  physics: { heuristic: number | null; zero_action: number; cpu_heuristic: number | null; cpu_zero_action: number };
  camera: { heuristic: number | null; zero_action: number; cpu_heuristic: number | null; cpu_zero_action: number };
  heuristic: string | null;
  heuristic_successes: string | null;
  render_fps: Record<string, number>;
  worker_ready_ms: number;
  worker_load_ms: number;
  worker_build_ms: number;
  station_first_trial_ms: number | null;
  rss_per_station_mb: number;
  wasm_heap_mb: number;
  meets_targets: boolean;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
  };
  const episodes = Number(flag("--episodes", String(BENCH.episodes)));
  const repeats = Number(flag("--repeats", String(BENCH.repeats)));
  const stepsCap = Number(flag("--steps", String(BENCH.stepsPerEpisode)));
  const stations = Number(flag("--stations", String(BENCH.stations)));
  const only = flag("--tasks", "");
  const ids = listTasks()
    .map((t) => t.id)
    .filter((id) => isMujocoTask(id))
    .filter((id) => only === "" || only.split(",").includes(id));
  if (ids.length === 0) throw new Error(`no MuJoCo task matches ${only || "the registry"}`);

  console.log(
    `MuJoCo tasks: ${ids.join(", ")} · ${episodes} episodes × ≤ ${stepsCap} steps, median of ${repeats} · ` +
      `${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0].toFixed(2)}`,
  );
  const results: Record<string, TaskFigures> = {};
  for (const id of ids) {
    results[id] = await benchTask(id, { episodes, repeats, stepsCap, stations });
    printTask(id, results[id]);
  }
  const renderFps: Record<string, number> = {};
  for (const size of BENCH.renderSizes) {
    renderFps[String(size)] = round(Math.min(...ids.map((id) => results[id].render_fps[String(size)])), 0);
  }
  const failing = ids.filter((id) => !results[id].meets_targets);
  console.log(
    failing.length === 0
      ? `targets met: every task ≥ ${BENCH.targetPhysics}× physics only and ≥ ${BENCH.targetCamera}× with the camera`
      : `targets missed by: ${failing.join(", ")}`,
  );
  console.log(
    JSON.stringify({
      tasks: results,
      render_fps: renderFps,
      machine: { cores: os.cpus().length, node: process.version, loadavg1: round(os.loadavg()[0], 2) },
    }),
  );
}

async function benchTask(
  id: string,
  opts: { episodes: number; repeats: number; stepsCap: number; stations: number },
): Promise<TaskFigures> {
  await prepareTask(id);
  const env = makeEnv(id);
  try {
    const heuristic = await findHeuristic(id);
    const makePolicy = heuristic ? heuristic.create : null;
    const zero = zeroAction(env.spec);
    const measure = (camera: boolean, policy: boolean) => {
      const runs: Rates[] = [];
      for (let r = 0; r < opts.repeats; r++) {
        runs.push(runEpisodes(env, { ...opts, camera, makePolicy: policy ? makePolicy : null, zero }));
      }
      return {
        wall: median(runs.map((x) => x.realtimeFactor)),
        cpu: median(runs.map((x) => x.cpuRealtimeFactor)),
        successes: runs[0].successes,
      };
    };
    runEpisodes(env, { ...opts, episodes: 1, camera: true, makePolicy, zero }); // warm up the JIT
    const physZero = measure(false, false);
    const camZero = measure(true, false);
    const physHeur = makePolicy ? measure(false, true) : null;
    const camHeur = makePolicy ? measure(true, true) : null;
    const realtime = Math.min(physZero.wall, physHeur?.wall ?? Infinity);
    const realtimeCamera = Math.min(camZero.wall, camHeur?.wall ?? Infinity);
    const renderFps = measureRender(env, makePolicy, zero);
    const worker = await measureWorkers(id, opts.stations);
    // a station refuses a job when the task's evaluation files change between the two fingerprints (an edit during
    // the run): that figure is then missing, the rest stands
    const stationMs = await measureStationFirstTrial(id, env.spec).catch((err: unknown) => {
      console.error(`${id}: no ThreadStation figure: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
    return {
      realtime_factor: round(realtime, 1),
      realtime_factor_with_camera: round(realtimeCamera, 1),
      physics: {
        heuristic: physHeur ? round(physHeur.wall, 1) : null,
        zero_action: round(physZero.wall, 1),
        cpu_heuristic: physHeur ? round(physHeur.cpu, 1) : null,
        cpu_zero_action: round(physZero.cpu, 1),
      },
      camera: {
        heuristic: camHeur ? round(camHeur.wall, 1) : null,
        zero_action: round(camZero.wall, 1),
        cpu_heuristic: camHeur ? round(camHeur.cpu, 1) : null,
        cpu_zero_action: round(camZero.cpu, 1),
      },
      heuristic: heuristic ? path.relative(process.cwd(), heuristic.file) : null,
      heuristic_successes: physHeur ? `${physHeur.successes}/${opts.episodes}` : null,
      render_fps: renderFps,
      worker_ready_ms: round(worker.readyMs, 0),
      worker_load_ms: round(worker.loadMs, 0),
      worker_build_ms: round(worker.buildMs, 0),
      station_first_trial_ms: stationMs === null ? null : round(stationMs, 0),
      rss_per_station_mb: round(worker.rssPerStationMb, 1),
      wasm_heap_mb: round(worker.wasmHeapBytes / 2 ** 20, 1),
      meets_targets: realtime >= BENCH.targetPhysics && realtimeCamera >= BENCH.targetCamera,
    };
  } finally {
    env.close();
  }
}

type PolicyFactory = () => { reset(): void; act(obs: unknown): unknown };

/** The task's example heuristic: examples/policies/<longest "-" prefix of the id>-heuristic.ts, if there is one. */
async function findHeuristic(id: string): Promise<{ file: string; create: PolicyFactory } | null> {
  const dir = fileURLToPath(new URL("../examples/policies/", import.meta.url));
  const parts = id.split("-");
  for (let n = parts.length; n > 0; n--) {
    const file = path.join(dir, `${parts.slice(0, n).join("-")}-heuristic.ts`);
    if (!fs.existsSync(file)) continue;
    const mod = (await import(file)) as { default: CreatePolicy<unknown, unknown> };
    const spec = listTasks().find((t) => t.id === id) as TaskSpec;
    const create: PolicyFactory = () => {
      const p = mod.default(policyContext(spec));
      return { reset: () => p.reset?.(), act: (obs) => p.act(obs) };
    };
    return { file, create };
  }
  return null;
}

function zeroAction(spec: TaskSpec): number[] {
  const space = spec.actionSpace as { shape?: number[] };
  const n = (space.shape ?? [0]).reduce((a, b) => a * b, 1);
  return new Array<number>(n).fill(0);
}

/** Seeded episodes; only env.step (and the camera frame) is timed, not reset or the policy. */
function runEpisodes(
  env: Env,
  opts: { episodes: number; stepsCap: number; camera: boolean; makePolicy: PolicyFactory | null; zero: number[] },
): Rates {
  const policy = opts.makePolicy?.() ?? null;
  let wallMs = 0;
  let cpuUs = 0;
  let steps = 0;
  let successes = 0;
  for (let e = 0; e < opts.episodes; e++) {
    let obs = env.reset({ seed: BENCH.seedStart + e });
    policy?.reset();
    for (let i = 0; i < Math.min(env.spec.maxSteps, opts.stepsCap); i++) {
      const action = policy ? policy.act(obs) : opts.zero;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = env.step(action);
      if (opts.camera) env.render?.(BENCH.cameraSize);
      wallMs += performance.now() - t0;
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
      steps++;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    if (env.verify().success) successes++;
  }
  const simS = steps / env.spec.controlHz;
  return { realtimeFactor: simS / (wallMs / 1000), cpuRealtimeFactor: simS / (cpuUs / 1e6), steps, successes };
}

/** Frames per second of env.render(size), each frame at a new state along a seeded episode. */
function measureRender(env: Env, makePolicy: PolicyFactory | null, zero: number[]): Record<string, number> {
  if (!env.render) throw new Error(`${env.spec.id} has no render(size)`);
  const out: Record<string, number> = {};
  for (const size of BENCH.renderSizes) {
    const policy = makePolicy?.() ?? null;
    let episode = 0;
    let obs = env.reset({ seed: BENCH.seedStart });
    policy?.reset();
    let step = 0;
    let warmUp = 30;
    let ms = 0;
    let frames = 0;
    while (frames < BENCH.renderFrames) {
      const r = env.step(policy ? policy.act(obs) : zero);
      obs = r.observation;
      if (r.terminated || r.truncated || ++step >= env.spec.maxSteps) {
        obs = env.reset({ seed: BENCH.seedStart + ++episode });
        policy?.reset();
        step = 0;
      }
      const t0 = performance.now();
      env.render(size);
      if (warmUp > 0) {
        warmUp--;
        continue;
      }
      ms += performance.now() - t0;
      frames++;
    }
    out[String(size)] = round(frames / (ms / 1000), 0);
  }
  return out;
}

/** Starts `n` station-like worker threads one after another; their start times and memory. */
async function measureWorkers(id: string, n: number): Promise<WorkerReport & { rssPerStationMb: number }> {
  // the worker runs this file through tsx's loader, registered in the thread (as thread-station.ts does)
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const workers: Worker[] = [];
  const reports: WorkerReport[] = [];
  const rss0 = process.memoryUsage().rss;
  try {
    for (let i = 0; i < n; i++) {
      const worker = new Worker(bootstrap, {
        eval: true,
        execArgv: [],
        workerData: { role: "bench-mujoco-station", taskId: id },
      });
      workers.push(worker);
      reports.push(
        await new Promise<WorkerReport>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
          worker.once("exit", (code) => reject(new Error(`bench worker exited with ${code} before it was ready`)));
        }),
      );
    }
    const rss1 = process.memoryUsage().rss;
    const first = reports[0];
    return { ...first, rssPerStationMb: (rss1 - rss0) / n / 2 ** 20 };
  } finally {
    for (const w of workers) {
      w.removeAllListeners("exit");
      w.postMessage("exit");
    }
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("exit", resolve))));
  }
}

/** A real ThreadStation's first trial of one step with a zero-action policy: thread, MuJoCo, env, sandbox. */
async function measureStationFirstTrial(id: string, spec: TaskSpec): Promise<number> {
  const { bundlePolicy, bundleToData } = await import("../src/policy/sandbox/bundle.js");
  const { ThreadStation } = await import("../src/rollout/stations/thread-station.js");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-mujoco-"));
  const file = path.join(dir, "zero-policy.ts");
  const zero = JSON.stringify(zeroAction(spec));
  fs.writeFileSync(file, `export default () => ({ reset() {}, act() { return ${zero}; } });\n`);
  const bundle = await bundlePolicy(file);
  const station = new ThreadStation("bench-0");
  try {
    const t0 = performance.now();
    const { output } = await station.run({
      schema: "enpire.trial-job/1",
      runId: "bench-mujoco",
      index: 0,
      seed: BENCH.seedStart,
      attempt: 1,
      task: { id, version: spec.version },
      evalFingerprint: evalFingerprint(id),
      obsType: null,
      policy: { name: "zero", ...bundleToData(bundle) },
      maxSteps: 1,
      tries: 1,
      stepDeadlineMs: 1000,
      memoryLimitMb: 128,
      safety: null,
      video: null,
    });
    const ms = performance.now() - t0;
    if (output.steps !== 1) throw new Error(`the station's trial took ${output.steps} steps, expected 1`);
    return ms;
  } finally {
    await station.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printTask(id: string, f: TaskFigures): void {
  const x = (v: number | null) => (v === null ? "—" : `${v}×`);
  console.log(`\n${id}${f.meets_targets ? "" : "   ← misses a target"}`);
  console.log(
    `  real time, physics only   ${x(f.realtime_factor)}  (heuristic ${x(f.physics.heuristic)}, zero action ` +
      `${x(f.physics.zero_action)}; per CPU second ${x(f.physics.cpu_heuristic)} / ${x(f.physics.cpu_zero_action)})`,
  );
  console.log(
    `  real time, 128 px camera  ${x(f.realtime_factor_with_camera)}  (heuristic ${x(f.camera.heuristic)}, zero ` +
      `action ${x(f.camera.zero_action)}; per CPU second ${x(f.camera.cpu_heuristic)} / ${x(f.camera.cpu_zero_action)})`,
  );
  if (f.heuristic) console.log(`  heuristic                 ${f.heuristic} (${f.heuristic_successes} successes)`);
  const fps = BENCH.renderSizes.map((s) => `${f.render_fps[String(s)]} @ ${s}px`).join(", ");
  console.log(`  render fps                ${fps}`);
  console.log(
    `  worker start              ${f.worker_ready_ms} ms to a reset env (MuJoCo + renderer ${f.worker_load_ms} ms, ` +
      `model build ${f.worker_build_ms} ms); ThreadStation first 1-step trial ${f.station_first_trial_ms} ms`,
  );
  console.log(`  memory per station        ${f.rss_per_station_mb} MB RSS, ${f.wasm_heap_mb} MB WebAssembly heap`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
