/**
 * A zip-tie-cut policy (state observation) whose every tunable number lives in params.json: bring the cutting point
 * (between the open blades) to a point on the hanging strap under the head, then close the blades.
 *
 * Observation  31 numbers: the right arm's proprioception (21), then the head's underside x, y, z m (21-23), the
 *              cutting point x, y, z m (24-26), the strap's tip x, y, z m (27-29) and the cut's distance from the
 *              head m (30; −1 while uncut)
 * Action       [dx, dy, dz, grip]: dx, dy, dz in [-1, 1] × 1 mm per step (the task's cap); grip +1 closes the blades
 *              (force-limited), −1 opens them
 *
 * 1. approach: with the blades held at `approachGrip` (part open), move the cutting point toward the point
 *    `cutBelowHead` mm under the head's underside, on the strap's line, commanding `gain` of the remaining error
 *    per step.
 * 2. cut: once the cutting point is within `atTarget` mm of that point on every axis, hold the arm and close.
 * 3. once the observation reports a cut, hold still with the blades closed (the episode ends by itself).
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: mm and fractions). */
export interface Params {
  cutBelowHead: number; // mm under the head's underside where the blades close
  approachGrip: number; // grip command while approaching, 0 (half open) .. 1 (closing)
  gain: number; // fraction of the remaining error commanded per step
  atTarget: number; // mm, each axis: this close to the target starts the cut
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "cutBelowHead",
  "approachGrip",
  "gain",
  "atTarget",
] as const satisfies readonly (keyof Params)[];

const STEP = 0.001; // m per unit action: the task's scale and per-step cap
const MM = 0.001; // m per mm
/** Observation indices: the head's underside x, the cutting point's x, the cut's distance from the head. */
const OBS = { head: 21, cutPoint: 24, cutDistance: 30 } as const;

/**
 * Checks a parsed params.json: every key present, a finite number > 0, fractions at most 1; anything else is refused
 * by name, so a typo in params.json is a load error rather than a silently different policy.
 */
export function checkParams(raw: unknown): Params {
  if (typeof raw !== "object" || raw === null) throw new Error(`params.json must hold an object, got ${String(raw)}`);
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`params.json has unknown keys ${unknown.join(", ")}; the keys are ${PARAM_NAMES.join(", ")}`);
  }
  for (const name of PARAM_NAMES) {
    const v = record[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new Error(`params.json "${name}" must be a finite number > 0, got ${JSON.stringify(v)}`);
    }
    if ((name === "gain" || name === "approachGrip") && v > 1) {
      throw new Error(`params.json "${name}" is a fraction, at most 1, got ${v}`);
    }
  }
  return record as unknown as Params;
}

const clip = (v: number) => Math.min(1, Math.max(-1, v));

/** The policy for one set of parameters (the default export uses params.json; tests and benches pass their own). */
export function createPolicyWith(p: Params): {
  reset(): void;
  act(obs: readonly number[]): [number, number, number, number];
} {
  let closing = false;
  return {
    reset() {
      closing = false;
    },
    act(obs) {
      if (obs[OBS.cutDistance] >= 0) return [0, 0, 0, 1];
      const target = [obs[OBS.head], obs[OBS.head + 1], obs[OBS.head + 2] - p.cutBelowHead * MM];
      const error = [0, 1, 2].map((k) => target[k] - obs[OBS.cutPoint + k]);
      if (error.every((e) => Math.abs(e) < p.atTarget * MM)) closing = true;
      if (closing) return [0, 0, 0, 1];
      const move = error.map((e) => clip((p.gain * e) / STEP));
      return [move[0], move[1], move[2], p.approachGrip];
    },
  };
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
