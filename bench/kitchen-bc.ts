/**
 * The kitchen tasks' learned baseline, measured: for each kitchen task with a reference script
 * (examples/scripts/<task>.ts, else examples/policies/<task>-tools.ts), records it on N search seeds (100000..), then
 * trains behaviour cloning (src/policy/train/bc.ts, an MLP on the state observation: the robot's proprioception, no
 * camera) on the successful episodes for a fixed number of gradient steps, and evaluates the cloned policy on the paper's 40
 * episodes (the task's held-out seeds, 0..39), all through the same store and stations as `enpire run` / `enpire train
 * bc`. Prints per task the demonstrations, the training figures and the held-out success; last line: JSON
 * `{"tasks": {"<id>": {"demos", "demo_successes", "success", "episodes", "train_steps", "train_s"}}}`.
 * Usage: npm run bench:kitchen-bc [-- --tasks kitchen-open-drawer --demos 30 --steps 2000 --stations 2]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KITCHEN_EVAL_EPISODES, KITCHEN_EVAL_HORIZONS, type KitchenTaskId } from "../src/env/kitchen/eval-list.js";
import { createJob } from "../src/evolve/training/jobs.js";
import { runJob } from "../src/evolve/training/run-job.js";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";
import { kitchenReference } from "./kitchen-reference.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const ALL_TASKS = Object.keys(KITCHEN_EVAL_HORIZONS) as KitchenTaskId[];
const DEMOS = Number(flag("demos", "30"));
const STEPS = Number(flag("steps", "2000")); // gradient steps: the same training whatever the machine's load
const BUDGET_S = Number(flag("budget-s", "600")); // a cap on each training job's wall-clock time
const STATIONS = Number(flag("stations", String(Math.max(1, Math.min(4, os.availableParallelism())))));
const SEARCH_START = 100000; // the kitchen tasks' search seeds (their spec's evaluation.seeds)

const TASKS = flag("tasks", ALL_TASKS.filter((t) => kitchenReference(t)).join(",")).split(",");
for (const t of TASKS) {
  if (!ALL_TASKS.includes(t as KitchenTaskId)) throw new Error(`not a kitchen task: ${t}`);
  if (!kitchenReference(t)) throw new Error(`${t} has no reference script to record demonstrations with`);
}

interface Figures {
  demos: number;
  demo_successes: number;
  success: number;
  episodes: number;
  train_steps: number;
  train_s: number;
}

const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-kitchen-bc-"));
const figures: Record<string, Figures> = {};
try {
  const store = RunStore.open(storeDir);
  for (const task of TASKS) {
    const demos = await evaluate(store, {
      taskId: task,
      policyFile: kitchenReference(task) as string,
      episodes: DEMOS,
      seedStart: SEARCH_START,
      stations: STATIONS,
      live: false,
    });
    const demoSuccesses = demos.trials.filter((t) => t.counted && t.success).length;
    const job = createJob(store.root, {
      algorithm: "bc",
      task,
      runs: [demos.runId],
      budgetS: BUDGET_S,
      steps: STEPS,
      stations: STATIONS,
      evalEpisodes: KITCHEN_EVAL_EPISODES,
    });
    const ended = await runJob(store, job.id, {});
    if (ended.status !== "finished" || !ended.result)
      throw new Error(`${task}: the training job ${ended.status}: ${ended.error ?? "no result"}`);
    const f: Figures = {
      demos: DEMOS,
      demo_successes: demoSuccesses,
      success: ended.evaluation?.successes ?? 0,
      episodes: ended.evaluation?.episodes ?? 0,
      train_steps: ended.steps,
      train_s: ended.samplesPerS > 0 ? ended.samples / ended.samplesPerS : 0,
    };
    figures[task] = f;
    console.log(
      `${task.padEnd(32)} demos ${f.demo_successes}/${f.demos}  bc ${f.train_steps} steps in ${f.train_s.toFixed(0)} s  ` +
        `held-out ${f.success}/${f.episodes}`,
    );
  }
} finally {
  fs.rmSync(storeDir, { recursive: true, force: true });
}
console.log(JSON.stringify({ demos: DEMOS, steps: STEPS, tasks: figures }));
