/**
 * Push-T with the skill library (a tool-calling policy, code-as-policies style): it never reads the block's pose
 * from the observation; it asks `ctx.tools.pusht` to perceive it from the pixels, then picks a skill each step with
 * a small state machine:
 *   translate  push the block's centre of gravity straight toward the goal's (pushAlong through the centre)
 *   rotate     once close, turn it by pushing off-centre along its bar (pushAlong with a side offset)
 *   hold       when the pose is within tolerance, back off (retreat) and let the verifier judge
 * Run it with the pixels observation: `enpire run --task pusht --policy examples/policies/pusht-tools.ts --obs pixels`.
 */
import type { CreatePolicy } from "../../src/policy/authoring.js";

const TUNING = Object.freeze({
  startRotatingPx: 12, // translate until the centre of gravity is this close to the goal's, px
  resumeTranslatingPx: 30, // while rotating, go back to translating when the centre drifts this far, px
  angleTolerance: 0.06, // rad: the angle is good enough below this
  positionTolerancePx: 8, // px: the position is good enough below this
  translateDepthPx: 25, // how far past contact a translating push goes, px
  rotateOffsetPx: 40, // how far from the centre of gravity a turning push meets the block, px
  rotateDepthPx: 15, // how far past contact a turning push goes, px
});

type Pose = { x: number; y: number; angle: number; cx: number; cy: number };
type Motion = { action: [number, number]; arrived: boolean; distance: number; phase: string };
interface PushTTools {
  perceive(): { block: Pose | null; agent: { x: number; y: number } | null; confidence: number };
  goal(): Pose;
  moveTo(x: number, y: number, opts?: { maxStepPx?: number }): Motion;
  pushAlong(dx: number, dy: number, opts?: { depthPx?: number; offsetPx?: number; block?: Pose }): Motion;
  retreat(opts?: { distancePx?: number; block?: Pose }): Motion;
}

const createPolicy: CreatePolicy<unknown, [number, number]> = (ctx) => {
  const tools = ctx.tools?.pusht as PushTTools | undefined; // the station's Push-T skills (README "Tools")
  let mode: "translate" | "rotate" | "hold" = "translate";
  return {
    reset() {
      mode = "translate";
    },
    act() {
      if (!tools) throw new Error("this policy needs the Push-T skill library (ctx.tools.pusht)");
      const goal = tools.goal();
      const { block } = tools.perceive();
      if (!block) return tools.moveTo(256, 256).action; // nothing in view: go to the middle and look again
      const ex = goal.cx - block.cx;
      const ey = goal.cy - block.cy;
      const distance = Math.hypot(ex, ey);
      const turn = Math.atan2(Math.sin(goal.angle - block.angle), Math.cos(goal.angle - block.angle));

      const good = distance < TUNING.positionTolerancePx && Math.abs(turn) < TUNING.angleTolerance;
      const before = mode;
      if (good) mode = "hold";
      else if (mode === "translate" && distance < TUNING.startRotatingPx) mode = "rotate";
      else if (mode !== "translate" && distance > TUNING.resumeTranslatingPx) mode = "translate";
      else if (mode === "hold") mode = "rotate";
      if (mode !== before) console.log(`${before} → ${mode}: ${distance.toFixed(1)} px, ${turn.toFixed(3)} rad off`);

      if (mode === "hold") return tools.retreat({ distancePx: 30, block }).action;
      if (mode === "translate") return tools.pushAlong(ex, ey, { depthPx: TUNING.translateDepthPx, block }).action;
      // turn: push along the bar's axis, off-centre; a positive offset lowers the angle
      const along: [number, number] = [Math.cos(block.angle), Math.sin(block.angle)];
      const offsetPx = turn > 0 ? -TUNING.rotateOffsetPx : TUNING.rotateOffsetPx;
      return tools.pushAlong(along[0], along[1], { depthPx: TUNING.rotateDepthPx, offsetPx, block }).action;
    },
  };
};
export default createPolicy;
