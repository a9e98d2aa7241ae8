/**
 * A gpu-insertion policy (state observation) whose every tunable number lives in params.json: align the card over the
 * slot, descend until it touches, sweep across the slot while pressing lightly until the card drops in, then insert.
 *
 * Observation  23 numbers: 6 joint angles rad, EE position x, y, z m (6-8), EE quaternion, gripper width m, grip
 *              force N, EE contact force x, y, z N (15-17) and torque N·m, then the slot's centre x, y m (21, 22;
 *              drawn per episode)
 * Action       [dx, dy, dz] in [-1, 1], × 0.25, 0.25, 0.4 mm per step (the task's per-step caps)
 *
 * 1. align: move the EE over the slot's centre until within `alignTolerance` or after `alignSteps` steps (the card
 *    hangs between the pads, so its edge is under the EE to a few tenths of a mm across the slot).
 * 2. descend at `descentSpeed` until the upward contact force passes `touchForce`; touching below the housing's top
 *    means the edge is already in the slot.
 * 3. search: sweep across the slot in a widening zig-zag (`sweepStep` more per step, up to `sweepMax`, then again)
 *    while holding about `pressForce` down, until the EE sinks `inSlotDrop` below where it touched.
 * 4. insert: straight down at `insertSpeed`, rising at `backoffSpeed` whenever the force passes `insertForce`.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: mm, N, steps, and fractions of the task's per-step caps). */
export interface Params {
  alignTolerance: number; // mm from the slot's centre at which aligning ends
  alignSteps: number; // most steps spent aligning
  descentSpeed: number; // fraction of the 0.4 mm/step cap while descending
  touchForce: number; // N of upward contact force that means the edge touched something
  pressForce: number; // N to hold down while sweeping
  sweepStep: number; // mm the sweep's amplitude grows per step
  sweepMax: number; // mm, widest sweep before it starts over
  inSlotDrop: number; // mm the EE must sink below the touch height to count as in the slot
  insertSpeed: number; // fraction of the 0.4 mm/step cap while inserting
  insertForce: number; // N above which the insertion backs off
  backoffSpeed: number; // fraction of the 0.4 mm/step cap to rise at while backing off
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "alignTolerance",
  "alignSteps",
  "descentSpeed",
  "touchForce",
  "pressForce",
  "sweepStep",
  "sweepMax",
  "inSlotDrop",
  "insertSpeed",
  "insertForce",
  "backoffSpeed",
] as const satisfies readonly (keyof Params)[];

const STEP = [0.00025, 0.00025, 0.0004] as const; // m per unit action: the task's scale and per-step cap
const SLOT_TOP_EE = 0.036; // m, EE height when the edge (24 mm below the pads' centre, ±2 mm) reaches the housing top
const IN_SLOT_BELOW_TOP = 0.0025; // m, a first touch this far below SLOT_TOP_EE is the edge already in the slot
const MM = 0.001; // m per mm
/** Observation indices: EE position, the vertical contact force, the slot's centre. */
const OBS = { x: 6, y: 7, z: 8, fz: 17, slot: 21 } as const;

/**
 * Checks a parsed params.json: every key present, a finite number > 0 (speeds at most 1, steps whole); anything else
 * is refused by name, so a typo in params.json is a load error rather than a silently different policy.
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
    if (name.endsWith("Speed") && v > 1) {
      throw new Error(`params.json "${name}" is a fraction of the per-step cap, at most 1, got ${v}`);
    }
    if (name === "alignSteps" && !Number.isInteger(v)) {
      throw new Error(`params.json "alignSteps" must be a whole number of steps, got ${v}`);
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
  let phase: "align" | "descend" | "search" | "insert" = "align";
  let touchZ = 0;
  let sweep = 0;
  let dir = 1;
  let aligned = 0;
  return {
    reset() {
      phase = "align";
      sweep = 0;
      dir = 1;
      aligned = 0;
    },
    act(obs) {
      const x = obs[OBS.x];
      const y = obs[OBS.y];
      const z = obs[OBS.z];
      const fz = obs[OBS.fz];
      const slot = [obs[OBS.slot], obs[OBS.slot + 1]] as const;
      const toward = (tx: number, ty: number): [number, number] => [clip((tx - x) / STEP[0]), clip((ty - y) / STEP[1])];
      if (phase === "align") {
        const [dx, dy] = toward(slot[0], slot[1]);
        aligned++;
        if (Math.hypot(slot[0] - x, slot[1] - y) < p.alignTolerance * MM || aligned >= p.alignSteps) phase = "descend";
        return [dx, dy, 0];
      }
      if (phase === "descend") {
        if (fz > p.touchForce) {
          touchZ = z;
          phase = z < SLOT_TOP_EE - IN_SLOT_BELOW_TOP ? "insert" : "search";
          return [0, 0, 0];
        }
        const [dx, dy] = toward(slot[0], slot[1]);
        return [dx, dy, -p.descentSpeed];
      }
      if (phase === "search") {
        if (z < touchZ - p.inSlotDrop * MM) phase = "insert";
        sweep += p.sweepStep * MM;
        if (sweep > p.sweepMax * MM) sweep = 0;
        dir = -dir;
        const [dx, dy] = toward(slot[0], slot[1] + dir * sweep);
        return [dx, dy, fz < p.pressForce ? -0.3 : 0.3];
      }
      const [dx, dy] = toward(slot[0], slot[1]);
      return [dx * 0.3, dy * 0.3, fz > p.insertForce ? p.backoffSpeed : -p.insertSpeed];
    },
  };
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
