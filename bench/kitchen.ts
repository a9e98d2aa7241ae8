/**
 * The kitchen tasks, measured: for every kitchen task, runs its reference episode script (examples/scripts/<task>.ts)
 * when one exists, else its reference policy (examples/policies/<task>-tools.ts), else the still policy
 * (examples/policies/kitchen-still.ts: all-zero actions), or with `--dir D` the files D/<task>.ts (a baseline's
 * scripts, e.g. examples/scripts/zero-shot), over the first N
 * episodes of the paper's evaluation list (seeds 0..N−1 are its triplets, src/env/kitchen/eval-list.ts), through
 * `evaluate()` (the sandbox, the tools, the task's predicate, exactly as `enpire run`) with a temporary store. Prints
 * per task success/episodes, the mean wall time of an episode, the real-time factor (simulated s / the stations'
 * wall s, i.e. per station) and the commonest failure reason; last line: JSON
 * `{"tasks": {"<id>": {"success", "episodes", "realtime_factor", "policy", ...}}}`.
 * Usage: npm run bench:kitchen [-- --episodes 40 --stations 2 --tasks kitchen-turn-off-stove,kitchen-open-drawer]
 *        [--dir examples/scripts/zero-shot]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KITCHEN_EVAL_HORIZONS, type KitchenTaskId } from "../src/env/kitchen/eval-list.js";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";
import { kitchenReference } from "./kitchen-reference.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const ALL_TASKS = Object.keys(KITCHEN_EVAL_HORIZONS) as KitchenTaskId[];
const EPISODES = Number(flag("episodes", "40"));
const STATIONS = Number(flag("stations", String(Math.max(1, Math.min(4, os.availableParallelism())))));
const TASKS = flag("tasks", ALL_TASKS.join(",")).split(",");
const DIR = flag("dir", "");
const CONTROL_HZ = 20; // the kitchen tasks' policy rate (src/env/kitchen/kitchen-env.ts)

if (!Number.isInteger(EPISODES) || EPISODES < 1 || EPISODES > 40)
  throw new Error(`--episodes must be 1..40 (the paper's list), got ${flag("episodes", "")}`);
for (const t of TASKS) if (!ALL_TASKS.includes(t as KitchenTaskId)) throw new Error(`not a kitchen task: ${t}`);

/** The --dir's file for the task, else its reference script or policy when there is one, else the still policy. */
function policyFor(task: string): string {
  if (DIR) {
    const file = path.resolve(DIR, `${task}.ts`);
    if (!fs.existsSync(file)) throw new Error(`--dir ${DIR} has no ${task}.ts`);
    return file;
  }
  return kitchenReference(task) ?? path.join(ROOT, "examples/policies/kitchen-still.ts");
}

interface TaskFigures {
  success: number;
  episodes: number;
  realtime_factor: number;
  mean_wall_s: number;
  policy: string;
  top_reason: string | null;
}

const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-bench-kitchen-"));
const figures: Record<string, TaskFigures> = {};
try {
  const store = RunStore.open(storeDir);
  for (const task of TASKS) {
    const policyFile = policyFor(task);
    const r = await evaluate(store, {
      taskId: task,
      policyFile,
      episodes: EPISODES,
      seedStart: 0,
      stations: STATIONS,
      live: false,
    });
    const trials = r.trials.filter((t) => t.counted);
    const simS = trials.reduce((a, t) => a + t.steps / CONTROL_HZ, 0);
    const wallS = trials.reduce((a, t) => a + t.elapsedMs / 1000, 0);
    const reasons = new Map<string, number>();
    for (const t of trials.filter((x) => !x.success)) {
      const key = (t.reason ?? t.outcomeKind).replace(/-?\d+\.\d+/g, "#");
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    const top = [...reasons].sort((a, b) => b[1] - a[1])[0];
    const f: TaskFigures = {
      success: trials.filter((t) => t.success).length,
      episodes: trials.length,
      realtime_factor: wallS > 0 ? simS / wallS : 0,
      mean_wall_s: trials.length ? wallS / trials.length : 0,
      policy: path.relative(ROOT, policyFile),
      top_reason: top ? `${top[1]}× ${top[0]}` : null,
    };
    figures[task] = f;
    console.log(
      `${task.padEnd(32)} ${String(f.success).padStart(2)}/${f.episodes}  ` +
        `${f.mean_wall_s.toFixed(1)} s/episode  ${f.realtime_factor.toFixed(2)}x real time  ${f.policy}` +
        (r.status !== "finished" ? `  (run ${r.status}: ${r.note})` : "") +
        (f.top_reason ? `\n    commonest failure: ${f.top_reason}` : ""),
    );
  }
} finally {
  fs.rmSync(storeDir, { recursive: true, force: true });
}
console.log(JSON.stringify({ episodes: EPISODES, stations: STATIONS, tasks: figures }));
