/**
 * `npm run bench:train`: training figures, printed (not run in CI).
 *
 * 1. Demonstrations: the demo policy on Push-T's search seeds 0..199 (two recorded runs of 100 episodes), state
 *    observation. By default the demo policy is examples/policies/pusht-heuristic.ts, which is the research template
 *    at the parameters `TUNED` (src/evolve/builtin/param-space.ts); pass `--policy FILE` to use another, e.g. the
 *    best branch head's policy.ts of a project the built-in agent ran (`enpire demo`).
 * 2. Throughput (samples/s) of BC-MLP, BC-conv, TD3+BC and SAC updates on those demonstrations.
 * 3. Push-T state BC: training jobs (the same code as `enpire train bc`) on the successful episodes of the first 100
 *    demos and of all 200, each evaluated on the 50 held-out seeds 100000..100049: success rate with its Wilson 95%
 *    interval and the mean of per-episode max reward (Diffusion Policy's score; its Push-T state figure is 0.95 max,
 *    0.91 average of last checkpoints).
 *
 * Flags: --policy FILE, --store DIR (default: a fresh temporary store), --budget-s N (per BC job, default 600),
 * --stations N (default: up to 4, one per core).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createJob, type TrainingJob } from "../src/evolve/training/jobs.js";
import { runJob } from "../src/evolve/training/run-job.js";
import { trainBC } from "../src/policy/train/bc.js";
import { trainSACOffline } from "../src/policy/train/sac.js";
import { trainTD3BC } from "../src/policy/train/td3bc.js";
import type { StepDataset, TrainResult } from "../src/policy/train/types.js";
import { datasetFromRuns } from "../src/rollout/dataset.js";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: flags } = parseArgs({
  options: {
    policy: { type: "string", default: path.join(ROOT, "examples", "policies", "pusht-heuristic.ts") },
    store: { type: "string" },
    "budget-s": { type: "string", default: "600" },
    stations: { type: "string", default: String(Math.min(4, os.availableParallelism())) },
  },
});
const stations = Number(flags.stations);
const budgetS = Number(flags["budget-s"]);
const store = RunStore.open(flags.store ?? fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-train-")));
const log = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

// 1. demonstrations
log(`store ${store.root}; demo policy ${flags.policy}; ${stations} stations`);
const demoRuns: string[] = [];
for (const seedStart of [0, 100]) {
  const r = await evaluate(store, {
    taskId: "pusht",
    policyFile: flags.policy,
    episodes: 100,
    seedStart,
    stations,
    onTrial: (_t, s) => {
      if (s.episodes % 25 === 0) log(`demos from seed ${seedStart}: ${s.successes}/${s.episodes}`);
    },
  });
  demoRuns.push(r.runId);
  log(`demo run ${r.runId}: ${r.summary.successes}/${r.summary.episodes} successes`);
}
const all = datasetFromRuns(store, demoRuns, { successOnly: true });
console.log(
  `demonstrations: ${all.sources.map((s) => `${s.episodes}/${s.trials} successful (run ${s.runId})`).join(", ")}; ` +
    `${all.dataset.size} steps`,
);

// 2. throughput
async function throughput(name: string, train: () => Promise<TrainResult>): Promise<void> {
  log(`throughput: ${name}`);
  let r: TrainResult;
  try {
    r = await train();
  } catch (err) {
    console.log(`${name.padEnd(28)} failed: ${(err as Error).message}`);
    return;
  }
  console.log(
    `${name.padEnd(28)} ${r.samplesPerS.toFixed(0).padStart(8)} samples/s  (${r.steps} steps, ${(r.elapsedMs / 1000).toFixed(1)} s)`,
  );
}
const firstRows = (d: StepDataset, rows: number): StepDataset => {
  const n = Math.min(rows, d.size);
  const f = (a: Float32Array, dim: number) => a.slice(0, n * dim);
  return {
    ...d,
    size: n,
    obs: f(d.obs, d.obsDim),
    act: f(d.act, d.actDim),
    nextObs: f(d.nextObs, d.obsDim),
    reward: d.reward.slice(0, n),
    done: d.done.slice(0, n),
    episodeStarts: d.episodeStarts.filter((s) => s < n),
    ...(d.images && { images: { size: d.images.size, data: d.images.data.slice(0, n * d.images.size ** 2 * 3) } }),
  };
};
console.log("\ntraining throughput (this machine's CPU, TensorFlow.js):");
await throughput("BC-MLP (batch 256)", () => trainBC(all.dataset, { seed: 0, steps: 300 }));
const withImages = datasetFromRuns(store, [demoRuns[0]], { successOnly: true, images: { size: 96 } });
await throughput("BC-conv 96 px (batch 64)", () =>
  trainBC(firstRows(withImages.dataset, 2000), { seed: 0, steps: 20, budgetMs: 120_000, net: "conv" }),
);
await throughput("TD3+BC (batch 256)", () => trainTD3BC(all.dataset, { seed: 0, steps: 300 }));
await throughput("SAC updates (batch 256)", () => trainSACOffline(all.dataset, { seed: 0, steps: 300 }));

// 3. Push-T state BC on 100 and 200 demonstrations, judged on the held-out seeds
async function bcFigure(label: string, runs: string[]): Promise<TrainingJob> {
  const { id } = createJob(store.root, { algorithm: "bc", runs, budgetS, evalEpisodes: 50, stations });
  log(`BC on ${label}: job ${id}`);
  let last = 0;
  return runJob(store, id, {
    onProgress: (p) => {
      if (Date.now() - last > 10_000) {
        last = Date.now();
        log(
          `  step ${p.step}  loss ${Object.values(p.losses)[0]?.toPrecision(4)}  ${p.samplesPerS.toFixed(0)} samples/s`,
        );
      }
    },
    onPhase: (t) => log(`  ${t}`),
  });
}
console.log("\nPush-T state BC (MLP), 50 held-out seeds 100000..100049:");
for (const [label, runs] of [
  ["first 100 demos", demoRuns.slice(0, 1)],
  ["all 200 demos", demoRuns],
] as const) {
  const job = await bcFigure(label, runs);
  const e = job.evaluation;
  if (job.status !== "finished" || !e) {
    console.log(`${label.padEnd(16)} job ${job.id} ${job.status}: ${job.error ?? "no evaluation"}`);
    continue;
  }
  console.log(
    `${label.padEnd(16)} ${String(job.data?.size).padStart(6)} steps  ${job.steps} grad steps  ` +
      `success ${e.successes}/${e.episodes} = ${pct(e.successRate)} (Wilson 95% ${pct(e.wilson95.low)}–${pct(e.wilson95.high)})  ` +
      `mean max reward ${e.meanMaxReward?.toFixed(3)}  (job ${job.id})`,
  );
}
console.log("reference: Diffusion Policy, Push-T state: 0.95 (max), 0.91 (average of last checkpoints)");
store.close();
process.exit(0);
