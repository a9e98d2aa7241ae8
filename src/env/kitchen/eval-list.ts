/**
 * The kitchen tasks' fixed evaluation list: the paper's 40 (seed, layout_id, style_id) triplets (enpire-paper.md
 * §5.10), "generated once by a deterministic generator seeded with 42". The generator is the paper repository's
 * `cap/assets/seeds_generator.py --robocasa-triplets`, rebuilt on our CPython `random.Random` (py-random.ts):
 *
 *     rng = random.Random(42)
 *     env seeds  = rng.sample(range(0, 2147483648), 40)     # the set algorithm: the population is huge
 *     layout ids = rng.sample(range(1, 61), 40)              # the pool algorithm: 60 <= setsize 277
 *     style ids  = rng.sample(range(1, 61), 40)
 *     triplets   = zip(env seeds, layout ids, style ids)
 *
 * (an axis asked for more values than its range holds falls back to `randint` per value, as the script does).
 * eval-list.json holds the list the paper published (`cap/assets/robocasa_40_seeds.txt`); eval-list.test.ts checks
 * that the generator reproduces it exactly, so the list below is that file. A smaller evaluation runs a prefix.
 * Also here: each task's evaluation horizon (RoboCasa's, task-references.md §4), at 20 Hz control.
 */

import { z } from "zod";
import { PyRandom } from "./py-random.js";

/** One kitchen episode: the env seed and RoboCasa-style scene indices. */
export interface KitchenTriplet {
  /** The episode's env seed, 0..2^31-1: reset draws (object placement, knob angles) come from it. */
  readonly seed: number;
  /** Fixture arrangement, 1..60. */
  readonly layoutId: number;
  /** Sizes, colours and handle types, 1..60. */
  readonly styleId: number;
}

/** seeds_generator.py's settings: the generator seed, the list length and each axis' inclusive range. */
export interface EvalListGenerator {
  readonly generatorSeed: number;
  readonly count: number;
  readonly seedLow: number;
  readonly seedHigh: number;
  readonly layoutLow: number;
  readonly layoutHigh: number;
  readonly styleLow: number;
  readonly styleHigh: number;
}

/** The generator's settings, as the paper's run used them (seeds_generator.py defaults). */
export const EVAL_LIST_GENERATOR: EvalListGenerator = Object.freeze({
  generatorSeed: 42, // random.Random(42)
  count: 40, // episodes in the list
  seedLow: 0, // env seeds drawn from [seedLow, seedHigh], both included
  seedHigh: 2147483647,
  layoutLow: 1, // layout ids drawn from [layoutLow, layoutHigh]
  layoutHigh: 60,
  styleLow: 1, // style ids drawn from [styleLow, styleHigh]
  styleHigh: 60,
});

/** Episodes in the full evaluation. */
export const KITCHEN_EVAL_EPISODES = EVAL_LIST_GENERATOR.count;

/**
 * Evaluation horizons in control steps at 20 Hz (RoboCasa's per-task horizons, task-references.md §4); success is
 * judged at the end of execution.
 */
export const KITCHEN_EVAL_HORIZONS = Object.freeze({
  "kitchen-coffee-setup-mug": 600, // CoffeeSetupMug
  "kitchen-open-cabinet": 1050, // OpenCabinet
  "kitchen-open-drawer": 750, // OpenDrawer
  "kitchen-open-stand-mixer-head": 450, // OpenStandMixerHead
  "kitchen-pnp-counter-to-cabinet": 750, // PickPlaceCounterToCabinet
  "kitchen-pnp-sink-to-counter": 900, // PickPlaceSinkToCounter
  "kitchen-turn-off-stove": 750, // TurnOffStove
  "kitchen-turn-on-sink-faucet": 600, // TurnOnSinkFaucet
});

export type KitchenTaskId = keyof typeof KITCHEN_EVAL_HORIZONS;

/** One axis as seeds_generator.py's `_sample_axis`: distinct values when the range is big enough, else randint. */
function sampleAxis(rng: PyRandom, count: number, low: number, high: number): number[] {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low > high) {
    throw new RangeError(`an axis needs integers low <= high, got ${low}..${high}`);
  }
  const size = high - low + 1;
  if (count <= size) return rng.sampleRange(low, size, count);
  return Array.from({ length: count }, () => rng.randint(low, high));
}

/**
 * The triplets seeds_generator.py prints for these settings (default: the paper's 40), in its order. The env seeds
 * must be distinct, so `count` may not exceed their range.
 */
export function generateKitchenTriplets(settings: EvalListGenerator = EVAL_LIST_GENERATOR): KitchenTriplet[] {
  const { generatorSeed, count, seedLow, seedHigh } = settings;
  if (!Number.isInteger(count) || count <= 0) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (!Number.isSafeInteger(seedLow) || !Number.isSafeInteger(seedHigh) || seedLow > seedHigh) {
    throw new RangeError(`env seeds need integers seedLow <= seedHigh, got ${seedLow}..${seedHigh}`);
  }
  if (count > seedHigh - seedLow + 1) {
    throw new RangeError(`cannot draw ${count} distinct env seeds from [${seedLow}, ${seedHigh}]`);
  }
  const rng = new PyRandom(generatorSeed);
  const seeds = rng.sampleRange(seedLow, seedHigh - seedLow + 1, count);
  const layouts = sampleAxis(rng, count, settings.layoutLow, settings.layoutHigh);
  const styles = sampleAxis(rng, count, settings.styleLow, settings.styleHigh);
  return seeds.map((seed, i) => ({ seed, layoutId: layouts[i], styleId: styles[i] }));
}

/** The fixed list: the paper's 40 triplets, generated once here and checked against eval-list.json by the tests. */
export const KITCHEN_EVAL_LIST: readonly KitchenTriplet[] = Object.freeze(
  generateKitchenTriplets().map((t) => Object.freeze(t)),
);

/** Episode `index` (0-based, 0..39) of the fixed list. */
export function evalTriplet(index: number): KitchenTriplet {
  if (!Number.isInteger(index) || index < 0 || index >= KITCHEN_EVAL_LIST.length) {
    throw new RangeError(`evaluation index must be an integer in 0..${KITCHEN_EVAL_LIST.length - 1}, got ${index}`);
  }
  return KITCHEN_EVAL_LIST[index];
}

/** The first `count` episodes of the fixed list (1..40; all 40 by default): a smaller evaluation is a prefix. */
export function evalTriplets(count: number = KITCHEN_EVAL_EPISODES): readonly KitchenTriplet[] {
  if (!Number.isInteger(count) || count < 1 || count > KITCHEN_EVAL_LIST.length) {
    throw new RangeError(`an evaluation runs 1..${KITCHEN_EVAL_LIST.length} episodes of the fixed list, got ${count}`);
  }
  return KITCHEN_EVAL_LIST.slice(0, count);
}

/** eval-list.json: the published list with a note of where it came from. */
export const EvalListFileSchema = z.object({
  source: z.string(), // repository, path and commit the list was copied from
  generator: z.string(), // how the list was generated
  columns: z.tuple([z.literal("env_seed"), z.literal("layout_id"), z.literal("style_id")]),
  triplets: z.array(z.tuple([z.number().int().min(0), z.number().int().min(1), z.number().int().min(1)])).min(1),
});
export type EvalListFile = z.infer<typeof EvalListFileSchema>;

/** The triplets of an eval-list.json text (parsed and checked against {@link EvalListFileSchema}). */
export function parseEvalListFile(text: string): KitchenTriplet[] {
  const file = EvalListFileSchema.parse(JSON.parse(text));
  return file.triplets.map(([seed, layoutId, styleId]) => ({ seed, layoutId, styleId }));
}
