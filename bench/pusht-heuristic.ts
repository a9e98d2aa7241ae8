/**
 * The hand-written Push-T heuristic (examples/policies/pusht-heuristic.ts), evaluated in-process on seeded episodes
 * of up to 300 steps: per-seed outcome, success rate with a Wilson 95% interval, mean max reward (Diffusion
 * Policy's score), mean steps to success and ms per act.
 * Run: node --import tsx bench/pusht-heuristic.ts [first..last] [--sandbox]
 *      first..last defaults to 100000..100049 (Diffusion Policy's test seeds, never tuned on); 0..199 are the seeds
 *      the heuristic was tuned on. --sandbox loads the policy as a trial does (bundled, in an isolate) instead
 *      of importing it, so ms/act includes the sandbox's call overhead.
 * Last line: one JSON object for scripts.
 */
import { fileURLToPath } from "node:url";
import createPolicy from "../examples/policies/pusht-heuristic.js";
import { policyContext } from "../src/core/policy.js";
import { MAX_STEPS } from "../src/env/tasks/pusht/geometry.js";
import { PUSHT_SPEC, PushT } from "../src/env/tasks/pusht/pusht.js";
import { loadPolicy } from "../src/policy/load.js";
import { wilson } from "../src/rollout/metrics.js";

const args = process.argv.slice(2);
const inSandbox = args.includes("--sandbox");
const range = args.find((a) => !a.startsWith("--")) ?? "100000..100049";
const match = /^(\d+)\.\.(\d+)$/.exec(range);
if (!match) {
  console.error(`seed range "${range}" is not first..last, e.g. 100000..100049`);
  process.exit(2);
}
const first = Number(match[1]);
const last = Number(match[2]);

const env = new PushT({ obsType: "state" });
const POLICY_FILE = fileURLToPath(new URL("../examples/policies/pusht-heuristic.ts", import.meta.url));
interface Runner {
  reset(): void | Promise<void>;
  act(obs: number[]): readonly number[] | Promise<readonly number[]>;
  close(): void;
}
async function start(): Promise<Runner> {
  if (inSandbox) return loadPolicy<number[], number[]>(POLICY_FILE, policyContext(PUSHT_SPEC));
  const p = createPolicy(policyContext(PUSHT_SPEC));
  return { reset: () => p.reset?.(), act: (obs) => p.act(obs), close: () => {} };
}
const policy = await start();

let successes = 0;
let rewardSum = 0;
let stepsToSuccess = 0;
let actMs = 0;
let acts = 0;
let slowestMs = 0;
const failures: number[] = [];
const started = process.hrtime.bigint();
for (let seed = first; seed <= last; seed++) {
  let obs = env.reset({ seed }) as number[];
  await policy.reset();
  let verdict = env.verify();
  let best = verdict.score ?? 0; // the judge's reward, coverage / 0.95 clipped to [0, 1]
  let bestCoverage = Number(verdict.metrics.coverage);
  let steps = 0;
  let success = false;
  while (steps < MAX_STEPS && !success) {
    const t0 = process.hrtime.bigint();
    const action = await policy.act(obs);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    actMs += ms;
    acts++;
    if (ms > slowestMs) slowestMs = ms;
    const result = env.step(action);
    obs = result.observation as number[];
    steps++;
    verdict = env.verify();
    best = Math.max(best, verdict.score ?? 0);
    bestCoverage = Math.max(bestCoverage, Number(verdict.metrics.coverage));
    success = verdict.success;
    if (result.terminated && !success) break;
  }
  rewardSum += best;
  if (success) {
    successes++;
    stepsToSuccess += steps;
  } else failures.push(seed);
  console.log(
    `seed ${String(seed).padStart(6)}  ${success ? "success" : "failure"}  steps ${String(steps).padStart(3)}  ` +
      `max coverage ${bestCoverage.toFixed(3)}`,
  );
}
const episodes = last - first + 1;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const ci = wilson(successes, episodes);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(
  `\nseeds ${first}..${last}: success ${successes}/${episodes} = ${pct(successes / episodes)} ` +
    `(Wilson 95% ${pct(ci.low)}..${pct(ci.high)}), mean max reward ${(rewardSum / episodes).toFixed(3)}, ` +
    `mean steps to success ${(stepsToSuccess / Math.max(1, successes)).toFixed(1)}, ` +
    `${(actMs / acts).toFixed(2)} ms/act (slowest ${slowestMs.toFixed(1)} ms), ${seconds.toFixed(1)} s in all`,
);
policy.close();
if (failures.length > 0) console.log(`failed seeds: ${failures.join(" ")}`);
console.log(
  JSON.stringify({
    bench: "pusht-heuristic",
    node: process.version,
    seeds: `${first}..${last}`,
    sandbox: inSandbox,
    episodes,
    successes,
    successRate: successes / episodes,
    wilson95: [Number(ci.low.toFixed(4)), Number(ci.high.toFixed(4))],
    meanMaxReward: Number((rewardSum / episodes).toFixed(4)),
    meanStepsToSuccess: Number((stepsToSuccess / Math.max(1, successes)).toFixed(1)),
    msPerAct: Number((actMs / acts).toFixed(3)),
    slowestActMs: Number(slowestMs.toFixed(2)),
    failedSeeds: failures,
  }),
);
