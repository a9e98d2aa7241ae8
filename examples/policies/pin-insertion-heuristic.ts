/**
 * A hand-written pin-insertion policy (no learning) that uses proprioception only, for pin-insertion (0.5 mm
 * clearance), pin-insertion-easy (3 mm) and pin-insertion-expert (0.2 mm).
 *
 * Observation  21 numbers: 6 joint angles, EE position x, y, z m, EE quaternion, gripper width, grip force, EE
 *              contact force x, y, z N and torque N·m (the world pushing on the arm and the pin)
 * Action       [dx, dy, dz] in [-1, 1], × 0.3, 0.3, 0.6 mm per step
 *
 * 1. align: move the EE over the hole's axis (the pin box is fixed on the station at x 0.35, y −0.2 m); the pin's
 *    place in the grasp is not observed, so its tip may still be about 1 mm off.
 * 2. descend until the contact force reads above 0.8 N: the tip is on the box top.
 * 3. search: a spiral around the axis while pressing lightly (about 0.8 N, well under the 5 N limit), until the
 *    EE drops 2 mm below where it touched: the tip found the hole.
 * 4. insert: straight down, easing off whenever the force passes 3 N, until the task says it is seated.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const HOLE = [0.35, -0.2] as const; // m, the target hole's axis on the station
const STEP = [0.0003, 0.0003, 0.0006] as const; // m per unit action
const TOUCH_N = 0.8; // N of upward contact force that means the tip touched the box
const PRESS_N = 0.8; // N to press with while searching (at 1.5 N the pin jams in the tight holes: 1/20)
const INSERT_MAX_N = 3; // N above which the insertion pauses
const FOUND_DROP = 0.002; // m the EE must sink below the touch height to count as in the hole
const SPIRAL_PITCH = 0.0004; // m the spiral's radius grows per turn
const SPIRAL_MAX = 0.003; // m, largest search radius before starting over

const clip = (v: number) => Math.min(1, Math.max(-1, v));

const createPolicy: CreatePolicy<readonly number[], [number, number, number]> = () => {
  let phase: "align" | "descend" | "search" | "insert" = "align";
  let touchZ = 0;
  let theta = 0;
  let aligned = 0;
  return {
    reset() {
      phase = "align";
      theta = 0;
      aligned = 0;
    },
    act(obs) {
      const x = obs[6];
      const y = obs[7];
      const z = obs[8];
      const fz = obs[17];
      const toward = (tx: number, ty: number): [number, number] => [clip((tx - x) / STEP[0]), clip((ty - y) / STEP[1])];
      if (phase === "align") {
        const [dx, dy] = toward(HOLE[0], HOLE[1]);
        // the servos leave a few tenths of a mm of steady error, so "close enough" is 0.5 mm or 10 steps
        if (Math.hypot(HOLE[0] - x, HOLE[1] - y) < 0.0005 || ++aligned >= 10) phase = "descend";
        return [dx, dy, 0];
      }
      if (phase === "descend") {
        if (fz > TOUCH_N) {
          touchZ = z;
          phase = "search";
          return [0, 0, 0];
        }
        const [dx, dy] = toward(HOLE[0], HOLE[1]);
        return [dx, dy, -1];
      }
      if (phase === "search") {
        if (z < touchZ - FOUND_DROP) phase = "insert";
        const r = (SPIRAL_PITCH * theta) / (2 * Math.PI);
        if (r > SPIRAL_MAX) theta = 0;
        theta += Math.min(1, STEP[0] / Math.max(r, 0.0003));
        const [dx, dy] = toward(HOLE[0] + r * Math.cos(theta), HOLE[1] + r * Math.sin(theta));
        const dz = fz < PRESS_N ? -0.3 : 0.3;
        return [dx, dy, dz];
      }
      return [0, 0, fz > INSERT_MAX_N ? 0.2 : -1];
    },
  };
};
export default createPolicy;
