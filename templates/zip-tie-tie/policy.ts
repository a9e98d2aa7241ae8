/**
 * A zip-tie-tie policy (state observation) whose every tunable number lives in params.json: steer the strap's tip
 * under the head's slot, then push it up through the slot until the latch holds it.
 *
 * Observation  31 numbers: the right arm's proprioception (21), then the slot's entrance x, y, z m (21-23), its exit
 *              x, y, z m (24-26), the strap's tip x, y, z m (27-29) and the latched length m (30; −1 until the latch
 *              engages)
 * Action       [dx, dy, dz] in [-1, 1] × 1 mm per step: the right hand, which holds the strap's tail
 *
 * 1. align: while the tip is under the slot, move the hand sideways by `gain` of the tip's offset from the slot's
 *    axis; rise only once the tip is within `aligned` of the axis (or more than `riseFree` under the entrance).
 * 2. push: once the tip is within `inSlot` of the entrance, stop steering and push straight up at `pushSpeed` until
 *    the tip is `pastExit` beyond the exit (the task counts 15 mm).
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: mm and fractions). */
export interface Params {
  gain: number; // fraction of the tip's offset from the slot's axis commanded per step
  aligned: number; // mm, the tip this close to the axis may rise into the slot
  riseFree: number; // mm, below the entrance by more than this the tip rises while it aligns
  inSlot: number; // mm under the entrance (or higher) at which the tip counts as in the slot
  pushSpeed: number; // fraction of the 1 mm/step cap while pushing up
  pastExit: number; // mm beyond the exit at which pushing stops
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "gain",
  "aligned",
  "riseFree",
  "inSlot",
  "pushSpeed",
  "pastExit",
] as const satisfies readonly (keyof Params)[];

const STEP = 0.001; // m per unit action: the task's scale and per-step cap
const MM = 0.001; // m per mm
/** Observation indices: the slot's entrance, its exit, the strap's tip (x of each; y and z follow). */
const OBS = { entrance: 21, exit: 24, tip: 27 } as const;

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
    if ((name === "gain" || name === "pushSpeed") && v > 1) {
      throw new Error(`params.json "${name}" is a fraction, at most 1, got ${v}`);
    }
  }
  return record as unknown as Params;
}

const clip = (v: number) => Math.min(1, Math.max(-1, v));

/** The policy for one set of parameters (the default export uses params.json; tests and benches pass their own). */
export function createPolicyWith(p: Params): {
  reset(): void;
  act(obs: readonly number[]): [number, number, number];
} {
  return {
    reset() {},
    act(obs) {
      const offset = [obs[OBS.entrance] - obs[OBS.tip], obs[OBS.entrance + 1] - obs[OBS.tip + 1]];
      const below = obs[OBS.entrance + 2] - obs[OBS.tip + 2];
      if (obs[OBS.tip + 2] > obs[OBS.exit + 2] + p.pastExit * MM) return [0, 0, 0];
      if (below < p.inSlot * MM) return [0, 0, p.pushSpeed];
      const aligned = Math.hypot(offset[0], offset[1]) <= p.aligned * MM;
      const rise = aligned || below > p.riseFree * MM ? p.pushSpeed : 0;
      return [clip((p.gain * offset[0]) / STEP), clip((p.gain * offset[1]) / STEP), rise];
    },
  };
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
