/**
 * Procedural resets, measured: for each task with a procedural reset, runs N episodes of its example heuristic with
 * procedural resets (the station's arm re-stages the scene after every episode; the first from a fresh, scattered
 * scene) and N with state resets, and prints the resets' success rate, mean and p95 simulated and wall time per
 * reset, and the task's success rate under each mode. Last line: JSON of the same figures.
 * Usage: npm run bench:resets [-- --episodes 10 --tasks pin-insertion,gpu-insertion]
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Env } from "../src/core/env.js";
import { ResetFailedError } from "../src/core/errors.js";
import type { ResetRecord } from "../src/env/mujoco/reset/procedure.js";
import { makeEnv, prepareTask } from "../src/env/registry.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const EPISODES = Number(flag("episodes", "10"));
const TASKS = flag("tasks", "pin-insertion,pin-insertion-easy,gpu-insertion,pusht-arm,zip-tie-cut,zip-tie-tie").split(
  ",",
);
const SEED0 = 100000;

interface Policy {
  reset?(): void;
  act(obs: readonly number[]): number[];
}
interface ResetEnv extends Env {
  lastReset(): ResetRecord | null;
}

async function loadPolicy(task: string): Promise<Policy> {
  const file = path.join(ROOT, "examples/policies", `${task.replace(/-(easy|expert)$/, "")}-heuristic.ts`);
  const mod = (await import(file)) as { default: (ctx: unknown) => Policy };
  return mod.default({});
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

async function measure(task: string, mode: "state" | "procedural") {
  await prepareTask(task);
  const env = makeEnv(task, { reset: mode }) as ResetEnv;
  const policy = await loadPolicy(task);
  const resets: ResetRecord[] = [];
  let successes = 0;
  let failedResets = 0;
  try {
    for (let e = 0; e < EPISODES; e++) {
      let obs: readonly number[];
      try {
        obs = env.reset({ seed: SEED0 + e }) as readonly number[];
      } catch (err) {
        if (!(err instanceof ResetFailedError)) throw err;
        failedResets++;
        const r = env.lastReset();
        if (r) resets.push(r);
        console.error(`  ${task} ${mode} seed ${SEED0 + e}: ${err.message}`);
        continue;
      }
      const r = env.lastReset();
      if (r) resets.push(r);
      policy.reset?.();
      for (let i = 0; i < env.spec.maxSteps; i++) {
        const step = env.step(policy.act(obs));
        obs = step.observation as readonly number[];
        if (step.terminated || step.truncated) break;
      }
      if (env.verify().success) successes++;
    }
  } finally {
    env.close();
  }
  const sim = resets.map((r) => r.simSeconds);
  const wall = resets.map((r) => r.wallMs);
  return {
    resets: resets.length,
    reset_success_rate: resets.length ? (resets.length - failedResets) / resets.length : Number.NaN,
    reset_attempts_mean: mean(resets.map((r) => r.attempts)),
    reset_sim_s_mean: mean(sim),
    reset_sim_s_p95: quantile(sim, 0.95),
    reset_wall_ms_mean: mean(wall),
    reset_wall_ms_p95: quantile(wall, 0.95),
    task_success_rate: successes / EPISODES,
  };
}

const out: Record<string, unknown> = {};
for (const task of TASKS) {
  const procedural = await measure(task, "procedural");
  const state = await measure(task, "state");
  out[task] = { procedural, state };
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "-");
  console.log(
    `${task}: procedural resets ${f(procedural.reset_success_rate * 100, 0)}% ok (${EPISODES} episodes, ` +
      `${f(procedural.reset_attempts_mean)} attempts), sim ${f(procedural.reset_sim_s_mean)} s mean / ` +
      `${f(procedural.reset_sim_s_p95)} s p95, wall ${f(procedural.reset_wall_ms_mean, 0)} ms mean / ` +
      `${f(procedural.reset_wall_ms_p95, 0)} ms p95; task success ${f(procedural.task_success_rate * 100, 0)}% ` +
      `procedural vs ${f(state.task_success_rate * 100, 0)}% state (state reset wall ${f(state.reset_wall_ms_mean, 0)} ms)`,
  );
}
console.log(JSON.stringify({ episodes: EPISODES, tasks: out }));
