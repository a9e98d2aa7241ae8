import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  EVAL_LIST_GENERATOR,
  evalTriplet,
  evalTriplets,
  generateKitchenTriplets,
  KITCHEN_EVAL_HORIZONS,
  KITCHEN_EVAL_LIST,
  parseEvalListFile,
} from "./eval-list.js";

const published = parseEvalListFile(readFileSync(new URL("./eval-list.json", import.meta.url), "utf8"));

test("the generator reproduces all 40 published triplets (NVlabs/ENPIRE robocasa_40_seeds.txt) in order", () => {
  assert.equal(published.length, 40);
  assert.deepEqual(generateKitchenTriplets(), published);
  assert.deepEqual(KITCHEN_EVAL_LIST, published);
  // the file's first lines and its last, as the paper's repository shows them
  assert.deepEqual(
    KITCHEN_EVAL_LIST.slice(0, 5).map((t) => [t.seed, t.layoutId, t.styleId]),
    [
      [478163327, 36, 15],
      [107420369, 19, 53],
      [1181241943, 54, 3],
      [1051802512, 41, 52],
      [958682846, 40, 21],
    ],
  );
  assert.deepEqual(evalTriplet(39), { seed: 338444264, layoutId: 2, styleId: 48 });
  // layouts and styles are each a sample without replacement from 1..60
  assert.equal(new Set(KITCHEN_EVAL_LIST.map((t) => t.layoutId)).size, 40);
  assert.equal(new Set(KITCHEN_EVAL_LIST.map((t) => t.styleId)).size, 40);
});

test("smaller evaluations are prefixes of the fixed list; indices outside it are refused", () => {
  assert.deepEqual(evalTriplets(5), KITCHEN_EVAL_LIST.slice(0, 5));
  assert.deepEqual(evalTriplets(), KITCHEN_EVAL_LIST);
  assert.deepEqual(evalTriplets(1), [evalTriplet(0)]);
  assert.throws(() => evalTriplets(0), /1\.\.40/);
  assert.throws(() => evalTriplets(41), /1\.\.40/);
  assert.throws(() => evalTriplet(40), /0\.\.39/);
  assert.throws(() => evalTriplet(-1), /0\.\.39/);
  assert.ok(Object.isFrozen(KITCHEN_EVAL_LIST) && Object.isFrozen(KITCHEN_EVAL_LIST[0]));
});

test("other counts run the script's logic: a fresh 3-episode draw is no prefix; past 60, randint per value", () => {
  // python: seeds_generator.generate_robocasa_triplets(count=3 / 70, time_seed="42", defaults otherwise)
  const three = generateKitchenTriplets({ ...EVAL_LIST_GENERATOR, count: 3 });
  assert.deepEqual(
    three.map((t) => [t.seed, t.layoutId, t.styleId]),
    [
      [478163327, 16, 48],
      [107420369, 15, 7],
      [1181241943, 9, 44],
    ],
  );
  const seventy = generateKitchenTriplets({ ...EVAL_LIST_GENERATOR, count: 70 });
  assert.deepEqual(seventy[0], { seed: 478163327, layoutId: 53, styleId: 50 });
  assert.deepEqual(seventy[60], { seed: 735034881, layoutId: 56, styleId: 35 });
  assert.deepEqual(seventy[69], { seed: 983753977, layoutId: 18, styleId: 34 });
});

test("each of the eight tasks has RoboCasa's evaluation horizon", () => {
  assert.deepEqual(KITCHEN_EVAL_HORIZONS, {
    "kitchen-coffee-setup-mug": 600,
    "kitchen-open-cabinet": 1050,
    "kitchen-open-drawer": 750,
    "kitchen-open-stand-mixer-head": 450,
    "kitchen-pnp-counter-to-cabinet": 750,
    "kitchen-pnp-sink-to-counter": 900,
    "kitchen-turn-off-stove": 750,
    "kitchen-turn-on-sink-faucet": 600,
  });
});
