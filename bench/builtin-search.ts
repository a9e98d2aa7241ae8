/**
 * Does the built-in search agent's cross-entropy search work? Simulates it in-process on the Push-T template
 * (templates/pusht, policy imported directly, no sandbox): `agents` independent CEM searches start from the weak
 * BASELINE; each generation every agent proposes `popsize` parameter sets, runs each on a fresh block of
 * `train-seeds` training seeds (the same block for the whole generation, so candidates are compared on equal
 * footing) and refits its Gaussian to the elites.
 *
 * Score of a candidate: the mean over its episodes of the final reward (coverage / 0.95 clipped to [0, 1], so 1
 * for a success) plus, for a success, the fraction of the 300-step horizon left. Success decides first; among
 * successes, faster is better (margin under the horizon on unseen seeds); among failures, nearer is better (a
 * gradient where success alone is flat at 0); and the score is continuous at the horizon, where a late success and
 * a near miss meet. CEM uses only the ranking, so the scale does not matter.
 *
 * Printed: the baseline's and the tuned values' success on training seeds 0..49 and held-out seeds
 * 100000..100049 with ms per episode; then per generation the search episodes so far, seconds, the best
 * candidate so far (highest training score over all agents) with its training success, and that candidate's
 * held-out success on 100000..100049 (held-out episodes are the judge's and are counted apart). Stops once the
 * best candidate reaches ≥ 95% held-out (or after --generations), and prints how many search episodes and seconds
 * that took. Success is env.verify().success within 300 steps, as in every trial (runTrial).
 *
 * Run: node --import tsx bench/builtin-search.ts [--seed 1] [--agents 4] [--popsize 6] [--train-seeds 16]
 *        [--std 0.1] [--generations 10] [--no-reference] [--keep-going]
 * Last line: one JSON object for scripts.
 */

import { HAND_TUNED as TUNED } from "../examples/policies/pusht-heuristic.js";
import { RandomState } from "../src/core/rng.js";
import { MAX_STEPS } from "../src/env/tasks/pusht/geometry.js";
import { PushT } from "../src/env/tasks/pusht/pusht.js";
import { withSafety } from "../src/env/wrappers/index.js";
import { type CemState, defaults, propose, restartAround, update } from "../src/evolve/builtin/cem.js";
import { loadParamSpace, readParams } from "../src/evolve/builtin/param-space.js";
import { runTrial } from "../src/rollout/runner.js";
import { checkParams, createPolicyWith, type Params as PushTParams } from "../templates/pusht/policy.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} must be a whole number >= 0, got "${args[i + 1]}"`);
    process.exit(2);
  }
  return v;
};
const initialStd = args.includes("--std") ? Number(args[args.indexOf("--std") + 1]) : defaults.initialStd;
const seed = option("seed", 1);
const agents = option("agents", 4);
const popsize = option("popsize", 6);
const trainSeeds = option("train-seeds", 16);
const generations = option("generations", 10);
const withReference = !args.includes("--no-reference");
const keepGoing = args.includes("--keep-going");

const TEMPLATE = new URL("../templates/pusht/", import.meta.url).pathname;
const SPACE = loadParamSpace(TEMPLATE); // the knobs the built-in agent searches (templates/pusht/knobs.json)
const BASELINE = checkParams(readParams(TEMPLATE)); // the weak baseline (templates/pusht/params.json)
const decode = (u: readonly number[]): PushTParams => checkParams(SPACE.decode(u));
const HELD_OUT = range(100000, 50);
const TARGET = 0.95;
const env = withSafety(new PushT({ obsType: "state" }));

interface Evaluation {
  successes: number;
  episodes: number;
  score: number; // see the header
  ms: number; // wall time of all episodes
}

/** Runs `params` on each seed, one trial each, as the runner does. */
async function evaluate(params: PushTParams, seeds: readonly number[]): Promise<Evaluation> {
  const instance = createPolicyWith(params);
  const policy = { name: "pusht-template", reset: () => instance.reset(), act: instance.act, close: () => {} };
  let successes = 0;
  let score = 0;
  const t0 = performance.now();
  for (const s of seeds) {
    const trial = await runTrial(env, policy, { seed: s, maxSteps: MAX_STEPS });
    if (trial.success) successes++;
    const reward = trial.verification.score ?? 0;
    score += trial.success ? 1 + (MAX_STEPS - trial.steps) / MAX_STEPS : reward;
  }
  return { successes, episodes: seeds.length, score: score / seeds.length, ms: performance.now() - t0 };
}

const pct = (k: number, n: number): string => `${k}/${n} = ${((100 * k) / n).toFixed(0)}%`;
const started = performance.now();
const seconds = (): number => (performance.now() - started) / 1000;

// 1. The two ends: the weak baseline the search starts from and the hand-tuned values.
const reference: Record<string, unknown> = {};
if (withReference) {
  console.log("params            training 0..49      held-out 100000..100049   ms/episode (train, held-out)");
  for (const [name, params] of [
    ["baseline", BASELINE],
    ["tuned", TUNED],
  ] as const) {
    const train = await evaluate(params, range(0, 50));
    const held = await evaluate(params, HELD_OUT);
    console.log(
      `${name.padEnd(16)}  ${pct(train.successes, 50).padEnd(18)}  ${pct(held.successes, 50).padEnd(24)}  ` +
        `${(train.ms / 50).toFixed(0)}, ${(held.ms / 50).toFixed(0)}`,
    );
    reference[name] = {
      trainSuccess: train.successes / 50,
      heldOutSuccess: held.successes / 50,
      msPerEpisodeTrain: Math.round(train.ms / 50),
      msPerEpisodeHeldOut: Math.round(held.ms / 50),
    };
  }
  console.log();
}

// 2. The search.
interface Candidate {
  params: PushTParams;
  train: Evaluation;
  agent: number;
  generation: number;
}
const states: CemState[] = Array.from({ length: agents }, () => restartAround(SPACE.encode(BASELINE), initialStd));
const rngs = Array.from({ length: agents }, (_, a) => new RandomState(seed * 1000 + a));
const heldOutCache = new Map<string, Evaluation>();
let best: Candidate | null = null;
let searchEpisodes = 0;
let searchEvalMs = 0; // time in the search's own episodes, without the held-out checks
let heldOutEpisodes = 0;
let reached: { generation: number; searchEpisodes: number; seconds: number; heldOut: number } | null = null;
const searchStarted = performance.now();
const rows: Record<string, unknown>[] = [];

console.log(
  `search: seed ${seed}, ${agents} agents × ${popsize} candidates × ${trainSeeds} training seeds per generation`,
);
for (let g = 1; g <= generations; g++) {
  const meanSuccess: string[] = [];
  for (let a = 0; a < agents; a++) {
    // A fresh block of training seeds per agent and generation, shared by the generation's candidates.
    const seeds = range(a * 10000 + (g - 1) * trainSeeds, trainSeeds);
    const scored: { u: number[]; score: number }[] = [];
    let successes = 0;
    for (let c = 0; c < popsize; c++) {
      const u = propose(states[a], rngs[a]);
      const params = decode(u);
      const train = await evaluate(params, seeds);
      searchEpisodes += train.episodes;
      searchEvalMs += train.ms;
      successes += train.successes;
      scored.push({ u, score: train.score });
      if (!best || train.score > best.train.score) best = { params, train, agent: a, generation: g };
    }
    states[a] = update(states[a], scored);
    meanSuccess.push(`${((100 * successes) / (popsize * trainSeeds)).toFixed(0)}%`);
  }
  const b = best!;
  const key = JSON.stringify(b.params);
  let held = heldOutCache.get(key);
  if (!held) {
    held = await evaluate(b.params, HELD_OUT);
    heldOutCache.set(key, held);
    heldOutEpisodes += held.episodes;
  }
  const searchSeconds = (performance.now() - searchStarted) / 1000;
  console.log(
    `gen ${String(g).padStart(2)}  episodes ${String(searchEpisodes).padStart(5)}  ${searchSeconds.toFixed(0).padStart(4)} s  ` +
      `candidates' success by agent ${meanSuccess.join(" ")}  best (agent ${b.agent}, gen ${b.generation}) ` +
      `train ${pct(b.train.successes, b.train.episodes)} score ${b.train.score.toFixed(2)}  ` +
      `held-out ${pct(held.successes, held.episodes)}`,
  );
  rows.push({
    generation: g,
    searchEpisodes,
    seconds: Number(searchSeconds.toFixed(1)),
    bestTrainSuccess: b.train.successes / b.train.episodes,
    bestHeldOutSuccess: held.successes / held.episodes,
    best: b.params,
  });
  if (!reached && held.successes / held.episodes >= TARGET) {
    reached = { generation: g, searchEpisodes, seconds: searchSeconds, heldOut: held.successes / held.episodes };
    if (!keepGoing) break;
  }
}

const b = best!;
console.log(`\nbest: ${JSON.stringify(b.params)}`);
console.log(`from the baseline: ${SPACE.describeChange(BASELINE, b.params).summary}`);
console.log(
  reached
    ? `first ≥ ${100 * TARGET}% held-out: generation ${reached.generation}, ${reached.searchEpisodes} search episodes ` +
        `(+ ${heldOutEpisodes} held-out), ${reached.seconds.toFixed(0)} s`
    : `did not reach ${100 * TARGET}% held-out in ${generations} generations (${searchEpisodes} search episodes)`,
);
const searchMs = searchEpisodes ? searchEvalMs / searchEpisodes : 0;
console.log(
  `${searchMs.toFixed(0)} ms per search episode on average (held-out checks apart); ${seconds().toFixed(0)} s in all`,
);
console.log(
  JSON.stringify({
    bench: "builtin-search",
    node: process.version,
    seed,
    agents,
    popsize,
    trainSeeds,
    reference,
    reached,
    heldOutEpisodes,
    msPerSearchEpisode: Math.round(searchMs),
    generations: rows,
  }),
);

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
