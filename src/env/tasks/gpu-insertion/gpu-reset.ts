/**
 * GPU insertion's procedural reset: the left arm unplugs the card and brings it back over the slot (the hardest
 * phase), stepping the real physics.
 *   held (the gripper closed on the card, the hand pointing down: the episode's usual end) → pull straight up,
 *     which unplugs a seated card, check the grasp;
 *   not held → open, go up and out of the top camera's way, find the card on pixels (its green board):
 *     standing (in the slot, or on its edge) → grasp it from above across the board, pull it up;
 *     lying flat → ResetFailedError: a 1.6 mm board flat on the table cannot be picked by these pads, and this
 *     station has no fixture to stand it up (a person must).
 * Then the board's slot is moved to the episode's place (the card is clear of it by then) and the arm lowers the card
 * to the seeded hover pose. `placeSlot` moves the slot; `seatCardFresh` draws a fresh env's first scene.
 */
import { ResetFailedError } from "../../../core/errors.js";
import type { IkTarget } from "../../mujoco/ik.js";
import { matMul } from "../../mujoco/ik.js";
import { type ArmMotion, fmt, rotZ, type StepBudget } from "../../mujoco/reset/motion.js";
import type { ObjectLocator, ObjectQuery, Sighting } from "../../mujoco/reset/perception.js";
import type { Vec3 } from "../../mujoco/scene.js";
import { CARD } from "./card-slot.js";

/** The reset script's constants. */
export const GPU_RESET = Object.freeze({
  attempts: 3, // tries of the whole script before ResetFailedError
  budgetSteps: 10000, // physics steps per try (20 s simulated)
  carryHeight: 0.1, // m, EE height for moves in free space (the edge 76 mm above the table)
  pullUp: 0.03, // m, how far a held card is pulled straight up (the slot is 8 mm deep)
  pullSpeed: 0.03, // m/s, unplugging
  approachSpeed: 0.06, // m/s, the last centimetres to a grasp or the hover
  home: [0.12, 0.38, 0.25] as Vec3, // m, EE while the top camera looks (the left arm out of the card's way)
  heldWidth: [0.0012, 0.0025] as [number, number], // m, gripper width that means the board is between the pads
  standingHeight: 0.025, // m, a card whose top is this high stands (lying flat it is 1.6 mm thick)
  gripBelowTop: 0.012, // m, EE below a standing card's top when grasping (the pads' centre 24 mm above the edge)
});

const DOWN = [-1, 0, 0, 0, 1, 0, 0, 0, -1]; // EE orientation: tool axis down, fingers closing along world y

/** The card, to the station's segmenter: in front of the left arm, above the board. */
export const CARD_QUERY: ObjectQuery = Object.freeze({
  label: "card",
  region: { low: [0.15, 0, 0.004], high: [0.55, 0.45, 0.1] },
  minPixels: 4,
}) as ObjectQuery;

/**
 * Unplugs / picks the card and hovers it: ends with the card grasped by the left arm, whose EE is at `hover` pointing
 * down. `moveSlot` is called once the card is clear of the slot. Returns where it found the card.
 */
export function restageCard(
  motion: ArmMotion,
  locator: ObjectLocator,
  hover: () => Vec3,
  moveSlot: () => void,
  budget: StepBudget,
  retry = false,
): string {
  motion.adoptCommand();
  let found: string;
  if (!retry && isHeld(motion) && -motion.ee().mat[8] > Math.cos((10 * Math.PI) / 180)) {
    found = "held";
    motion.moveBy([0, 0, GPU_RESET.pullUp], budget, { speed: GPU_RESET.pullSpeed, label: "unplugging the held card" });
    requireHeld(motion, "after unplugging the held card");
  } else {
    motion.open(budget);
    const up = motion.commandedPose();
    motion.moveTo(
      { pos: [up.pos[0], up.pos[1], Math.max(up.pos[2], Math.min(up.pos[2] + 0.05, 0.15))], mat: up.mat },
      budget,
      {
        label: "backing off the card",
      },
    );
    motion.moveTo({ pos: GPU_RESET.home, mat: DOWN }, budget, { label: "moving out of the camera's view" });
    motion.settle(budget, 100, "waiting for the scene to settle before looking");
    const seen = locator.locate(CARD_QUERY);
    if (!seen) {
      throw new ResetFailedError("the top camera does not see the card (its green board) in front of the left arm");
    }
    if (seen.top < GPU_RESET.standingHeight) {
      throw new ResetFailedError(
        `the card lies flat at ${fmt(seen.centroid)} (its top ${(seen.top * 1000).toFixed(1)} mm above the table): ` +
          "the pads cannot pick a flat 1.6 mm board and the station has no fixture to stand it up; a person must",
      );
    }
    found = "standing";
    graspStanding(motion, seen, budget);
  }
  const lifted = motion.commandedPose();
  motion.moveTo({ pos: [lifted.pos[0], lifted.pos[1], GPU_RESET.carryHeight], mat: DOWN }, budget, {
    label: "lifting the card clear of the slot",
  });
  moveSlot();
  const h = hover();
  motion.moveTo({ pos: [h[0], h[1], GPU_RESET.carryHeight], mat: DOWN }, budget, { label: "carrying the card" });
  motion.moveTo({ pos: h, mat: DOWN }, budget, { speed: GPU_RESET.approachSpeed, label: "lowering to hover" });
  motion.settle(budget, 200, "settling at the hover pose");
  requireHeld(motion, "at the hover pose");
  return found;
}

function isHeld(motion: ArmMotion): boolean {
  const w = motion.width();
  return w >= GPU_RESET.heldWidth[0] && w <= GPU_RESET.heldWidth[1] && motion.gripForce() > 5;
}

function requireHeld(motion: ArmMotion, when: string): void {
  if (!isHeld(motion)) {
    throw new ResetFailedError(
      `the card is not in the gripper ${when}: the pads stand ${(motion.width() * 1000).toFixed(2)} mm apart ` +
        `(a held board reads ${GPU_RESET.heldWidth.map((v) => v * 1000).join("-")} mm) at ${motion.gripForce().toFixed(1)} N`,
    );
  }
}

/** Grasps a standing card from above, the pads across its board, and pulls it up. */
function graspStanding(motion: ArmMotion, seen: Sighting, budget: StepBudget): void {
  const top = seen.points.filter((p) => p[2] > seen.top - 0.004);
  const cx = top.reduce((a, p) => a + p[0], 0) / top.length;
  const cy = top.reduce((a, p) => a + p[1], 0) / top.length;
  // hand x along the board (the board's top edge is the long thin line the camera sees), within ±90° of DOWN
  let yaw = Math.atan2(seen.axis[1], seen.axis[0]) + Math.PI;
  while (yaw > Math.PI / 2) yaw -= Math.PI;
  while (yaw < -Math.PI / 2) yaw += Math.PI;
  const grasp: IkTarget = { pos: [cx, cy, seen.top - GPU_RESET.gripBelowTop], mat: matMul(rotZ(yaw), DOWN) };
  motion.moveTo({ pos: [cx, cy, grasp.pos[2] + 0.05], mat: grasp.mat }, budget, { label: "moving over the card" });
  motion.moveTo(grasp, budget, { speed: GPU_RESET.approachSpeed, label: "lowering onto the card" });
  motion.close(budget, "grasping the card");
  requireHeld(motion, `after grasping it standing at ${fmt([cx, cy, seen.top])}`);
  motion.moveBy([0, 0, GPU_RESET.pullUp], budget, { speed: GPU_RESET.pullSpeed, label: "unplugging the card" });
  // turn the hand back to plain DOWN (the card turns with it) on the way up
  const c = motion.commandedPose();
  motion.moveTo({ pos: c.pos, mat: DOWN }, budget, { label: "squaring the card to the slot" });
  requireHeld(motion, "after unplugging the card");
}

/** The card's height: the pads' centre sits this far above its edge when grasped at gripBelowTop. */
export const GRIP_ABOVE_EDGE = CARD.height - GPU_RESET.gripBelowTop;
