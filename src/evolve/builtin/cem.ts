/**
 * The cross-entropy method in normalised coordinates (u ∈ [0, 1]^d, see param-space.ts), as the built-in search
 * agent uses it: keep a diagonal Gaussian over parameter space, sample a generation of candidates from it, score
 * them on trials, refit the Gaussian to the best (the elites), repeat. The state is plain JSON, so an agent can
 * write it beside its params.json and resume from it later.
 *
 * @example
 * const rng = new RandomState(7);
 * let state = restartAround(space.encode(BASELINE));
 * const candidates = [0, 1, 2, 3, 4, 5].map(() => propose(state, rng));
 * state = update(state, candidates.map((u) => ({ u, score: evaluate(space.decode(u)) })));
 */
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";

export const defaults = {
  initialStd: 0.1, // per coordinate, in units of each knob's range: a local search, ±1 std spans 20% of it
  eliteFraction: 0.3, // share of a generation the Gaussian is refitted to (at least 2 candidates)
  smoothing: 0.7, // weight of the elites against the previous mean and std: 1 = forget the past at once
  minStd: 0.03, // floor on each std, so the search never stops exploring entirely
  maxStd: 0.5, // ceiling on each std: beyond it samples mostly land on the bounds
};

export const CemStateSchema = z
  .object({
    mean: z.array(z.number().min(0).max(1)).min(1), // centre of the search, one coordinate per knob
    std: z.array(z.number().positive()).min(1), // spread per knob, in units of its range
    generation: z.number().int().nonnegative(), // updates so far
  })
  .refine((s) => s.mean.length === s.std.length, { message: "mean and std must have one entry per knob each" });
export type CemState = z.infer<typeof CemStateSchema>;

export interface Scored {
  u: number[]; // a candidate point
  score: number; // higher is better
}

export interface UpdateOptions {
  eliteFraction?: number;
  smoothing?: number;
  minStd?: number;
}

/** Anything that draws standard normals; the project's RandomState (src/core/rng.ts) does, reproducibly. */
export interface NormalSource {
  randn(): number;
}

/**
 * A search centred on the point `centre` (params encoded with their ParamSpace's `encode`), `std` wide in every
 * coordinate. Used to start from the baseline, and to restart around a peer's params when an agent adopts them.
 * @example restartAround(space.encode(BASELINE), 0.2); // { mean: space.encode(BASELINE), std: [0.2, …], generation: 0 }
 */
export function restartAround(centre: readonly number[], std = defaults.initialStd): CemState {
  if (!(std > 0)) throw new InvalidInputError(`std must be > 0, got ${std}`);
  return parseCemState({ mean: [...centre], std: centre.map(() => std), generation: 0 });
}

/** One candidate: a draw from the state's Gaussian, each coordinate clipped to [0, 1]. */
export function propose(state: CemState, rng: NormalSource): number[] {
  return state.mean.map((m, i) => Math.min(1, Math.max(0, m + state.std[i] * rng.randn())));
}

/**
 * Refits the Gaussian to the elites of one scored generation: mean and std of the best `eliteFraction` (ties keep
 * their order), blended with the previous state by `smoothing`, std kept within [minStd, maxStd].
 */
export function update(state: CemState, scored: readonly Scored[], options: UpdateOptions = {}): CemState {
  const { eliteFraction, smoothing, minStd } = { ...defaults, ...options };
  if (scored.length === 0) throw new InvalidInputError("update needs at least one scored candidate");
  const d = state.mean.length;
  for (const s of scored) {
    if (s.u.length !== d) throw new InvalidInputError(`a candidate has ${s.u.length} coordinates; the state has ${d}`);
    if (!Number.isFinite(s.score)) throw new InvalidInputError(`a candidate's score must be finite, got ${s.score}`);
  }
  const ranked = [...scored].sort((a, b) => b.score - a.score);
  const count = Math.min(ranked.length, Math.max(2, Math.ceil(eliteFraction * ranked.length)));
  const elites = ranked.slice(0, count);
  const mean = state.mean.map((m, i) => {
    const eliteMean = elites.reduce((sum, e) => sum + e.u[i], 0) / count;
    return smoothing * eliteMean + (1 - smoothing) * m;
  });
  const std = state.std.map((s, i) => {
    const centre = elites.reduce((sum, e) => sum + e.u[i], 0) / count;
    const eliteStd = Math.sqrt(elites.reduce((sum, e) => sum + (e.u[i] - centre) ** 2, 0) / count);
    return Math.min(defaults.maxStd, Math.max(minStd, smoothing * eliteStd + (1 - smoothing) * s));
  });
  return { mean, std, generation: state.generation + 1 };
}

/** A state read back from JSON (e.g. an agent's cem.json), checked; a bad one is refused naming the field. */
export function parseCemState(json: unknown): CemState {
  const parsed = CemStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`CEM state is not valid at "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  return parsed.data;
}
