/**
 * A pin-insertion policy that acts through the 3D station's tools only (`ctx.tools.arm`, src/env/mujoco/tools/):
 * perception on camera pixels and straight-line moves; it does not read its observation.
 *
 * 1. look (first step): where the pin sits in the grasp, which the observation does not tell. The side cameras see
 *    the shaft below the pads (their image's horizontal is world x), the wrist camera the head between them (its
 *    horizontal is world y): x from the mean of `left` and `right`, y from `right_wrist_cam`; the offset of that
 *    axis from the EE is kept.
 * 2. align: `moveLinear` the EE so that the pin's axis is over the hole (the pin box is fixed on the station at
 *    x 0.35, y −0.2 m, like the heuristic's).
 * 3. descend: `moveLinear` down until `state().eeForceN` z reads a touch (0.8 N).
 * 4. search: a small spiral around the aligned point pressing lightly, until the EE sinks 2 mm below the touch.
 * 5. insert: down, easing off above 3 N.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js"; // type-only: erased when bundled

const HOLE = [0.35, -0.2] as const; // m, the target hole's axis on the station
const TOUCH_N = 0.8; // N of upward contact force that means the tip touched the box
const PRESS_N = 0.8; // N to press with while searching
const INSERT_MAX_N = 3; // N above which the insertion pauses
const FOUND_DROP = 0.002; // m the EE must sink below the touch height to count as in the hole
const SPIRAL_PITCH = 0.0003; // m the spiral's radius grows per turn
const SPIRAL_MAX = 0.002; // m, largest search radius before starting over
const ALIGN_STEPS = 20; // most steps spent aligning

type Vec3 = [number, number, number];
interface Motion {
  action: number[];
  arrived: boolean;
  distance: number;
}
interface ArmTools {
  state(): { eePos: Vec3; eeTargetPos: Vec3; eeForceN: Vec3 };
  segment(opts: { query: string; camera: string; size: number }): { centroidWorldXyz: Vec3 | null } | null;
  moveLinear(opts: { pos: number[]; tolerance?: number }): Motion;
}

const createPolicy: CreatePolicy<unknown, number[]> = (ctx) => {
  const arm = ctx.tools?.arm as unknown as ArmTools | undefined;
  if (!arm) throw new Error("this policy needs the 3D station's tools (ctx.tools.arm)");
  let phase: "look" | "align" | "descend" | "search" | "insert" = "look";
  let offset: [number, number] = [0, 0]; // pin axis − EE, m
  let touchZ = 0;
  let theta = 0;
  let steps = 0;
  const seen = (camera: string, size: number): Vec3 | null =>
    arm.segment({ query: "pin", camera, size })?.centroidWorldXyz ?? null;
  return {
    reset() {
      phase = "look";
      offset = [0, 0];
      theta = 0;
      steps = 0;
    },
    act() {
      const s = arm.state();
      const fz = s.eeForceN[2];
      if (phase === "look") {
        const left = seen("left", 256);
        const right = seen("right", 256);
        const wrist = seen("right_wrist_cam", 128);
        const xs = [left, right].filter((p): p is Vec3 => p !== null).map((p) => p[0]);
        const x = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : s.eePos[0];
        const y = wrist ? wrist[1] : s.eePos[1];
        offset = [x - s.eePos[0], y - s.eePos[1]];
        console.log(`pin axis ${(offset[0] * 1000).toFixed(2)}, ${(offset[1] * 1000).toFixed(2)} mm from the EE`);
        phase = "align";
      }
      const over: [number, number] = [HOLE[0] - offset[0], HOLE[1] - offset[1]]; // EE x, y that puts the pin on the axis
      if (phase === "align") {
        const m = arm.moveLinear({ pos: [over[0], over[1], s.eeTargetPos[2]], tolerance: 0.0003 });
        if (m.arrived || ++steps >= ALIGN_STEPS) phase = "descend";
        return m.action;
      }
      if (phase === "descend") {
        if (fz > TOUCH_N) {
          touchZ = s.eePos[2];
          phase = "search";
          return arm.moveLinear({ pos: s.eeTargetPos }).action;
        }
        return arm.moveLinear({ pos: [over[0], over[1], s.eeTargetPos[2] - 0.001] }).action;
      }
      if (phase === "search") {
        if (s.eePos[2] < touchZ - FOUND_DROP) phase = "insert";
        const r = (SPIRAL_PITCH * theta) / (2 * Math.PI);
        if (r > SPIRAL_MAX) theta = 0;
        theta += Math.min(1, 0.0003 / Math.max(r, 0.0003));
        const dz = fz < PRESS_N ? -0.0002 : 0.0002;
        return arm.moveLinear({
          pos: [over[0] + r * Math.cos(theta), over[1] + r * Math.sin(theta), s.eeTargetPos[2] + dz],
        }).action;
      }
      const dz = fz > INSERT_MAX_N ? 0.0001 : -0.001;
      return arm.moveLinear({ pos: [over[0], over[1], s.eeTargetPos[2] + dz] }).action;
    },
  };
};
export default createPolicy;
