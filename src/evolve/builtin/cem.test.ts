import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { HAND_TUNED as TUNED } from "../../../examples/policies/pusht-heuristic.js";
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import { type CemState, parseCemState, propose, restartAround, update } from "./cem.js";
import { loadParamSpace } from "./param-space.js";

const PUSHT = loadParamSpace(fileURLToPath(new URL("../../../templates/pusht/", import.meta.url)));

/** A noisy synthetic objective with its optimum at TARGET: minus the squared distance, plus a little noise. */
const TARGET = [0.8, 0.15, 0.6, 0.35, 0.9, 0.5, 0.25];
const objective = (u: readonly number[], rng: RandomState): number =>
  -u.reduce((sum, x, i) => sum + (x - TARGET[i]) ** 2, 0) + 0.002 * rng.randn();

function search(seed: number, generations: number, popsize = 8): { state: CemState; proposals: number[][] } {
  const rng = new RandomState(seed);
  const noise = new RandomState(seed + 1);
  let state: CemState = { mean: TARGET.map(() => 0.5), std: TARGET.map(() => 0.2), generation: 0 };
  const proposals: number[][] = [];
  for (let g = 0; g < generations; g++) {
    const scored = Array.from({ length: popsize }, () => {
      const u = propose(state, rng);
      proposals.push(u);
      return { u, score: objective(u, noise) };
    });
    state = update(state, scored);
  }
  return { state, proposals };
}

test("CEM's mean converges to the optimum of a noisy synthetic objective", () => {
  const { state } = search(3, 40);
  const worst = Math.max(...state.mean.map((m, i) => Math.abs(m - TARGET[i])));
  assert.ok(worst < 0.05, `mean ${state.mean.map((m) => m.toFixed(3))} vs ${TARGET}`);
  assert.equal(state.generation, 40);
  // the spread shrinks as the search settles, but never below minStd
  for (const s of state.std) assert.ok(s >= 0.03 && s < 0.1, `std ${s}`);
});

test("the same seed gives the same proposals; another seed gives others", () => {
  const a = search(11, 3).proposals;
  assert.deepEqual(search(11, 3).proposals, a);
  assert.notDeepEqual(search(12, 3).proposals, a);
  for (const u of a) for (const x of u) assert.ok(x >= 0 && x <= 1, `proposal ${u}`);
});

test("a state survives a JSON round trip, so an agent can resume; a damaged one is refused by field", () => {
  const { state } = search(5, 2);
  assert.deepEqual(parseCemState(JSON.parse(JSON.stringify(state))), state);
  assert.throws(() => parseCemState({ ...state, std: [0.1] }), /one entry per knob/);
  assert.throws(() => parseCemState({ ...state, generation: -1 }), /at "generation"/);
  assert.throws(() => parseCemState({ ...state, mean: state.mean.map(() => 2) }), /at "mean.0"/);
});

test("restartAround centres a fresh search on given params, e.g. a peer's", () => {
  const state = restartAround(PUSHT.encode(TUNED), 0.12);
  assert.deepEqual(state.mean, PUSHT.encode(TUNED));
  assert.deepEqual(
    state.std,
    state.mean.map(() => 0.12),
  );
  assert.equal(state.generation, 0);
  assert.throws(() => restartAround(PUSHT.encode(TUNED), 0), InvalidInputError);
  assert.throws(() => restartAround([1.5, 0.5]), /at "mean.0"/);
});

test("update refuses an empty generation, a candidate of the wrong size and a non-finite score", () => {
  const state = restartAround(PUSHT.encode(TUNED));
  const u = state.mean;
  assert.throws(() => update(state, []), /at least one/);
  assert.throws(() => update(state, [{ u: [0.5], score: 1 }]), /1 coordinates; the state has 7/);
  assert.throws(() => update(state, [{ u, score: Number.NaN }]), /finite/);
});
