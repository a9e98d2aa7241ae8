/**
 * The built-in agent's coordinate sweep: each candidate moves exactly one knob by the step, a round tries every knob
 * both ways, a kept move is tried again, the step halves after a round with no keep and the sweep ends below its
 * floor; and on a policy where one knob matters and sits past a cliff, the sweep walks it there in a few candidates
 * where CEM's joint moves (every knob at once) do not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidInputError } from "../../core/errors.js";
import { RandomState } from "../../core/rng.js";
import { propose, restartAround } from "./cem.js";
import { afterDecision, nextMove, nextRound, type SweepState, startSweep } from "./sweep.js";

test("a round tries every knob both ways, one knob per candidate, by the step", () => {
  const sweep = startSweep(4, new RandomState(1), 0.15);
  const head = [0.5, 0.5, 0.5, 0.5];
  const seen: string[] = [];
  for (;;) {
    const next = nextMove(sweep, head);
    if (!next) break;
    const changed = next.u.map((x, i) => (x !== head[i] ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(changed, [next.move.knob], "exactly the move's knob changes");
    assert.ok(Math.abs(next.u[next.move.knob] - (0.5 + 0.15 * next.move.sign)) < 1e-12);
    seen.push(`${next.move.knob}${next.move.sign > 0 ? "+" : "-"}`);
  }
  assert.deepEqual([...seen].sort(), ["0+", "0-", "1+", "1-", "2+", "2-", "3+", "3-"]);
});

test("moves are clipped to the range, and a move the range's edge cancels is skipped", () => {
  const sweep = startSweep(1, new RandomState(2), 0.15);
  const first = nextMove(sweep, [0]);
  assert.deepEqual(first?.u, [0.15], "at 0 only the move up is a move");
  assert.equal(nextMove(sweep, [0]), null, "the move down is skipped: the round is over");
  const edge = nextMove(startSweep(1, new RandomState(3), 0.15), [0.95]);
  assert.ok(edge && (edge.u[0] === 1 || Math.abs(edge.u[0] - 0.8) < 1e-12), `clipped to [0, 1]: ${edge?.u}`);
});

test("a kept move comes again; the step halves after a round with no keep and the sweep ends below its floor", () => {
  const rng = new RandomState(4);
  let sweep: SweepState = startSweep(2, rng, 0.12);
  const head = [0.5, 0.5];
  const first = nextMove(sweep, head);
  assert.ok(first);
  sweep = afterDecision(sweep, first.move, true);
  assert.deepEqual(nextMove(sweep, first.u)?.move, first.move, "the kept move is tried again from the new head");
  while (nextMove(sweep, head)) {} // the rest of the round, all reverted
  const same = nextRound(sweep, 2, rng, 0.03);
  assert.equal(same?.step, 0.12, "a round that kept a move keeps its step");
  assert.ok(same);
  while (nextMove(same, head)) {}
  const half = nextRound(same, 2, rng, 0.03);
  assert.equal(half?.step, 0.06, "a round with no keep halves it");
  assert.ok(half);
  while (nextMove(half, head)) {}
  const quarter = nextRound(half, 2, rng, 0.03);
  assert.equal(quarter?.step, 0.03);
  assert.ok(quarter);
  while (nextMove(quarter, head)) {}
  assert.equal(nextRound(quarter, 2, rng, 0.03), null, "0.015 is below the floor: the sweep ends");
});

test("bad sweeps are refused by name", () => {
  assert.throws(() => startSweep(0, new RandomState(1)), InvalidInputError);
  assert.throws(() => startSweep(3, new RandomState(1), 0), InvalidInputError);
  assert.throws(() => nextMove(startSweep(3, new RandomState(1)), []), /outside a 0-knob head/);
});

/**
 * A policy like the kitchen templates' starts: it works only once knob 2 is below 0.3 (a cliff, 0.2 below the head)
 * and the other knobs stay within 0.1 of where they are (moving them costs a little success each).
 */
const HEAD = [0.5, 0.5, 0.5, 0.5];
const successRate = (u: readonly number[]) => {
  const drift = [0, 1, 3].reduce((s, i) => s + Math.max(0, Math.abs(u[i] - HEAD[i]) - 0.1), 0);
  return (u[2] < 0.3 ? 0.95 : u[2] < 0.4 ? 0.5 : 0.1) - 3 * drift;
};

test("past a cliff one knob away, the sweep gets there in a few candidates; CEM's joint moves mostly do not", () => {
  // the sweep, as the agent runs it: keep a candidate that is better than the head
  const rng = new RandomState(11);
  let head = [...HEAD];
  let sweep: SweepState | null = startSweep(4, rng);
  let candidates = 0;
  while (sweep && successRate(head) < 0.9 && candidates < 50) {
    const next = nextMove(sweep, head);
    if (!next) {
      sweep = nextRound(sweep, 4, rng);
      continue;
    }
    candidates++;
    const kept = successRate(next.u) > successRate(head);
    if (kept) head = next.u;
    sweep = afterDecision(sweep, next.move, kept);
  }
  assert.ok(successRate(head) >= 0.9, `the sweep ended at ${head} (${successRate(head)})`);
  assert.ok(candidates <= 12, `${candidates} candidates`);
  // CEM's first generation round the head (0.1 wide, every knob at once): few of its samples get past the cliff
  const cem = restartAround(HEAD, 0.1);
  const draws = new RandomState(12);
  const past = Array.from({ length: 200 }, () => propose(cem, draws)).filter((u) => successRate(u) >= 0.9).length;
  assert.ok(past < 10, `${past} of 200 CEM samples got past the cliff`);
});
