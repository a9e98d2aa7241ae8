/**
 * A pin-insertion policy (proprioception only) whose every tunable number lives in params.json, for the three
 * clearances: pin-insertion (0.5 mm), pin-insertion-easy (3 mm) and pin-insertion-expert (0.2 mm).
 *
 * Observation  21 numbers: 6 joint angles rad, EE position x, y, z m, EE quaternion, gripper width m, grip force N,
 *              EE contact force x, y, z N and torque N·m (world frame: the world pushing on the arm and the pin)
 * Action       [dx, dy, dz] in [-1, 1], × 0.3, 0.3, 0.6 mm per step (the task's per-step caps)
 *
 * 1. align: move the EE over the hole's axis (the pin box is fixed on the station: x 0.35, y −0.2 m) until it is
 *    within `alignTolerance` of it or `alignSteps` steps have passed; the pin's place in the grasp is not observed,
 *    so its tip may still be about 1 mm off.
 * 2. descend at `descentSpeed` until the upward contact force passes `touchForce`: the tip is on the box top.
 * 3. search: a spiral around the axis (radius growing `spiralPitch` per turn up to `spiralMax`, then again from
 *    the centre), moving `searchSpeed` along it per step while holding about `pressForce` down, until the EE sinks
 *    `foundDrop` below where it touched: the tip found the hole.
 * 4. insert: straight down at `insertSpeed`, backing off at `backoffSpeed` whenever the force passes
 *    `insertForce`, until the task says it is seated.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: mm, N, steps, and fractions of the task's per-step caps). */
export interface Params {
  alignTolerance: number; // mm from the hole's axis at which aligning ends
  alignSteps: number; // most steps spent aligning
  descentSpeed: number; // fraction of the 0.6 mm/step cap while descending to the box
  touchForce: number; // N of upward contact force that means the tip touched the box
  pressForce: number; // N to hold down while searching
  searchSpeed: number; // fraction of the 0.3 mm/step cap moved along the spiral per step
  spiralPitch: number; // mm the spiral's radius grows per turn
  spiralMax: number; // mm, largest search radius before the spiral starts over
  foundDrop: number; // mm the EE must sink below the touch height to count as in the hole
  insertSpeed: number; // fraction of the 0.6 mm/step cap while inserting
  insertForce: number; // N above which the insertion backs off
  backoffSpeed: number; // fraction of the 0.6 mm/step cap to rise at while backing off
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "alignTolerance",
  "alignSteps",
  "descentSpeed",
  "touchForce",
  "pressForce",
  "searchSpeed",
  "spiralPitch",
  "spiralMax",
  "foundDrop",
  "insertSpeed",
  "insertForce",
  "backoffSpeed",
] as const satisfies readonly (keyof Params)[];

const HOLE = [0.35, -0.2] as const; // m, the target hole's axis on the station (fixed; the task's spec gives it)
const STEP = [0.0003, 0.0003, 0.0006] as const; // m per unit action: the task's action scale and per-step cap
const MM = 0.001; // m per mm
/** Observation indices: EE position and the vertical contact force. */
const OBS = { x: 6, y: 7, z: 8, fz: 17 } as const;

/**
 * Checks a parsed params.json: every key present, a finite number > 0 (fractions at most 1, steps whole); anything
 * else is refused by name, so a typo in params.json is a load error rather than a silently different policy.
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
  let theta = 0;
  let aligned = 0;
  return {
    reset() {
      phase = "align";
      touchZ = 0;
      theta = 0;
      aligned = 0;
    },
    act(obs) {
      const x = obs[OBS.x];
      const y = obs[OBS.y];
      const z = obs[OBS.z];
      const fz = obs[OBS.fz];
      /** The xy action that heads for (tx, ty), at most `speed` of the cap per axis. */
      const toward = (tx: number, ty: number, speed = 1): [number, number] => [
        speed * clip((tx - x) / (speed * STEP[0])),
        speed * clip((ty - y) / (speed * STEP[1])),
      ];
      if (phase === "align") {
        aligned++;
        const [dx, dy] = toward(HOLE[0], HOLE[1]);
        if (Math.hypot(HOLE[0] - x, HOLE[1] - y) < p.alignTolerance * MM || aligned >= p.alignSteps) {
          phase = "descend";
        }
        return [dx, dy, 0];
      }
      if (phase === "descend") {
        if (fz > p.touchForce) {
          touchZ = z;
          phase = "search";
          return [0, 0, 0];
        }
        const [dx, dy] = toward(HOLE[0], HOLE[1]);
        return [dx, dy, -p.descentSpeed];
      }
      if (phase === "search") {
        if (z < touchZ - p.foundDrop * MM) phase = "insert";
        const r = (p.spiralPitch * MM * theta) / (2 * Math.PI);
        if (r > p.spiralMax * MM) theta = 0;
        // advance about `searchSpeed` of the xy cap along the spiral (a fixed angle near the centre)
        theta += Math.min(1, (p.searchSpeed * STEP[0]) / Math.max(r, STEP[0]));
        const [dx, dy] = toward(HOLE[0] + r * Math.cos(theta), HOLE[1] + r * Math.sin(theta));
        const dz = fz < p.pressForce ? -0.3 : 0.3;
        return [dx, dy, dz];
      }
      return [0, 0, fz > p.insertForce ? p.backoffSpeed : -p.insertSpeed];
    },
  };
}

// Checked when the sandbox loads the policy: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the policy with params.json's values. */
export default function createPolicy() {
  return createPolicyWith(loaded);
}
