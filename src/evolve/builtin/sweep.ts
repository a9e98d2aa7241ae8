/**
 * The coordinate sweep the built-in search agent falls back on when its CEM search stalls. CEM moves every knob at
 * once by a little; when one knob matters and sits a few of those steps from where the policy works (the kitchen
 * templates' `baseForward`, `gripDepthM`, `shortM`), the other knobs' moves drown its signal and the elites' spread
 * shrinks round the stall. A sweep changes ONE knob per candidate, by a fixed step up or down from the branch head
 * (each candidate a hypothesis about a single knob), in normalised units (see param-space.ts):
 *
 *   - a round tries every knob in both directions, knobs in a random order, each knob's direction first at random;
 *   - a move that is kept is tried again at once from the new head (a pattern move: keep going while it pays);
 *   - a round with no keep halves the step; below `minStep` the sweep ends and CEM restarts round the head.
 *
 * The state is plain data, so the agent can keep it between iterations.
 *
 * @example
 * let sweep = startSweep(4, rng);
 * const next = nextMove(sweep, space.encode(head)); // { move: { knob: 2, sign: -1 }, u: [...] } or null: round over
 * sweep = afterDecision(sweep, next.move, kept);
 */
import { InvalidInputError } from "../../core/errors.js";

export const sweepDefaults = {
  stallAfter: 6, // reverted CEM candidates in a row (one generation's worth) before the agent sweeps
  step: 0.15, // first step, in units of each knob's range: 1.5 × CEM's first spread, one knob at a time
  minStep: 0.03, // a step halved below this ends the sweep (CEM's floor on its spread)
};

/** One candidate of a sweep: knob `knob` moved `sign` × the step. */
export interface SweepMove {
  knob: number;
  sign: 1 | -1;
}

export interface SweepState {
  moves: SweepMove[]; // what is left of this round, next first
  step: number; // normalised step of this round
  keptThisRound: boolean; // a move of this round was kept: the next round keeps the step
}

/** Something that draws uniforms in [0, 1); the project's RandomState (src/core/rng.ts) does, reproducibly. */
export interface UniformSource {
  randomSample(): number;
}

/** Every knob in both directions: knobs shuffled, each knob's two directions in a random order. */
function round(dims: number, rng: UniformSource): SweepMove[] {
  const knobs = Array.from({ length: dims }, (_, i) => i);
  for (let i = knobs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.randomSample() * (i + 1));
    [knobs[i], knobs[j]] = [knobs[j], knobs[i]];
  }
  return knobs.flatMap((knob) => {
    const first: 1 | -1 = rng.randomSample() < 0.5 ? 1 : -1;
    return [
      { knob, sign: first },
      { knob, sign: first === 1 ? -1 : 1 },
    ];
  });
}

/** A sweep's first round over `dims` knobs, `step` wide in normalised units. */
export function startSweep(dims: number, rng: UniformSource, step = sweepDefaults.step): SweepState {
  if (!Number.isInteger(dims) || dims < 1) throw new InvalidInputError(`a sweep needs at least one knob, got ${dims}`);
  if (!(step > 0 && step <= 1)) throw new InvalidInputError(`a sweep's step must be in (0, 1], got ${step}`);
  return { moves: round(dims, rng), step, keptThisRound: false };
}

/**
 * The round's next candidate from the head `head` (encoded, each coordinate in [0, 1]): the head with one knob moved
 * by ± the step and clipped to its range. Moves that the range's edge makes no move at all are skipped. Null when
 * the round is over (call `nextRound`). The state's move list is consumed.
 */
export function nextMove(state: SweepState, head: readonly number[]): { move: SweepMove; u: number[] } | null {
  while (state.moves.length > 0) {
    const move = state.moves.shift() as SweepMove;
    if (move.knob >= head.length)
      throw new InvalidInputError(`knob ${move.knob} is outside a ${head.length}-knob head`);
    const u = [...head];
    u[move.knob] = Math.min(1, Math.max(0, head[move.knob] + move.sign * state.step));
    if (u[move.knob] !== head[move.knob]) return { move, u };
  }
  return null;
}

/** After a sweep candidate's decision: a kept move is tried again first, from the new head. */
export function afterDecision(state: SweepState, move: SweepMove, kept: boolean): SweepState {
  if (!kept) return state;
  return { moves: [move, ...state.moves], step: state.step, keptThisRound: true };
}

/**
 * The next round once a round is over: the same step after a round that kept a move, half of it after one that kept
 * none; null when that would go below `minStep` (the sweep has found what one-knob steps can find).
 */
export function nextRound(
  state: SweepState,
  dims: number,
  rng: UniformSource,
  minStep = sweepDefaults.minStep,
): SweepState | null {
  const step = state.keptThisRound ? state.step : state.step / 2;
  if (step < minStep) return null;
  return { moves: round(dims, rng), step, keptThisRound: false };
}
