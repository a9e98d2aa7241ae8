/**
 * A hand-written gpu-insertion policy (no learning) that reads the state observation.
 *
 * Observation  23 numbers: 6 joint angles, EE position x, y, z m, EE quaternion, gripper width, grip force, EE
 *              contact force x, y, z N and torque N·m (the world pushing on the arm and the card), then the slot's
 *              centre x, y m (drawn per episode)
 * Action       [dx, dy, dz] in [-1, 1], × 0.25, 0.25, 0.4 mm per step
 *
 * 1. align: move the EE over the slot's centre line (from the observation); the card hangs between the pads, so its edge is under the EE to a few tenths of a mm across the slot,
 *    and within 1 mm along it (the slot leaves 2 mm at each end).
 * 2. descend, still correcting x and y, until the contact force reads above 1.5 N.
 * 3. if the EE is still high (the edge sits on the housing, not in the slot): wiggle across the slot in a widening
 *    sweep while pressing lightly, until the EE drops 1.5 mm below where it touched.
 * 4. insert: straight down, easing off whenever the force passes 6 N (the limit is 15 N), until the task says the
 *    card is seated.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const SLOT_X = 21; // index of the slot's centre x in the observation (y follows)
const STEP = [0.00025, 0.00025, 0.0004] as const; // m per unit action
const SLOT_TOP_EE = 0.036; // m, EE height when the edge (24 mm below the pads' centre, ±2 mm) reaches the housing top
const TOUCH_N = 1.5; // N of upward contact force that means the edge touched something
const PRESS_N = 2; // N to press with while searching
const INSERT_MAX_N = 6; // N above which the insertion pauses
const IN_SLOT_DROP = 0.0015; // m the EE must sink below the touch height to count as in the slot
const SWEEP_STEP = 0.00005; // m the sweep's amplitude grows per step
const SWEEP_MAX = 0.0015; // m, widest sweep before starting over

const clip = (v: number) => Math.min(1, Math.max(-1, v));

const createPolicy: CreatePolicy<readonly number[], [number, number, number]> = () => {
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
      const x = obs[6];
      const y = obs[7];
      const z = obs[8];
      const fz = obs[17];
      const SLOT = [obs[SLOT_X], obs[SLOT_X + 1]] as const;
      const toward = (tx: number, ty: number): [number, number] => [clip((tx - x) / STEP[0]), clip((ty - y) / STEP[1])];
      if (phase === "align") {
        const [dx, dy] = toward(SLOT[0], SLOT[1]);
        if (Math.hypot(SLOT[0] - x, SLOT[1] - y) < 0.0002 || ++aligned >= 40) phase = "descend";
        return [dx, dy, 0];
      }
      if (phase === "descend") {
        if (fz > TOUCH_N) {
          touchZ = z;
          // touching below the housing's top (with the grasp's slack) means the edge is already in the slot
          phase = z < SLOT_TOP_EE - 0.0025 ? "insert" : "search";
          return [0, 0, 0];
        }
        const [dx, dy] = toward(SLOT[0], SLOT[1]);
        return [dx, dy, -1];
      }
      if (phase === "search") {
        if (z < touchZ - IN_SLOT_DROP) phase = "insert";
        sweep += SWEEP_STEP;
        if (sweep > SWEEP_MAX) sweep = 0;
        dir = -dir;
        const [dx, dy] = toward(SLOT[0], SLOT[1] + dir * sweep);
        return [dx, dy, fz < PRESS_N ? -0.3 : 0.3];
      }
      const [dx, dy] = toward(SLOT[0], SLOT[1]);
      return [dx * 0.3, dy * 0.3, fz > INSERT_MAX_N ? 0.25 : -1];
    },
  };
};
export default createPolicy;
