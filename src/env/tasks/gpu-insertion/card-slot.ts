/**
 * The gpu-insertion scene's objects, as MJCF from primitives: a motherboard-like base plate with a PCIe-like slot
 * (a housing of boxes: a floor, two long walls whose inner faces stand `thickness + clearance` apart, two end walls)
 * and the card: a thin board (a box) whose bottom edge is a capsule as thick as the board (the bevelled gold-finger
 * edge of a real card, a 0.8 mm lead-in on each side), with an L-shaped bracket at one end.
 * The card lies in the world's x-z plane (thin along y, so the gripper's pads squeeze its faces); the slot runs
 * along x. Every length is in metres.
 */
import { body, freejoint, geom, site, type Vec3 } from "../../mujoco/mjcf.js";

export const CARD = Object.freeze({
  thickness: 0.0016, // m, the board: a PCIe card's PCB is 1.57 mm (1.6 mm nominal)
  edgeLength: 0.04, // m, the edge that goes into the slot (a real x16 edge is about 89 mm; shortened to fit the pads' scale)
  height: 0.036, // m, bottom of the edge to the card's top
  boardMass: 0.03, // kg, the board
  bracketMass: 0.01, // kg, the bracket
  bracketHalf: [0.0006, 0.006, 0.015] as const, // m, half sizes of the bracket's upright (x thickness, y width, z)
  bracketBottom: 0.013, // m, the bracket's lower end above the edge (it clears the slot housing when seated)
  tabLength: 0.008, // m, the bracket's top tab, sticking out along −x
  friction: 0.5, // sliding friction of the card (MuJoCo uses the larger of two geoms' values)
});

export const SLOT = Object.freeze({
  axis: [0.35, 0.2] as const, // m, world x, y of the slot's nominal centre and the board's centre (front of the left arm)
  range: [0.01, 0.006] as const, // m, the slot's centre is drawn per episode within ± these of `axis` (x along, y across)
  boardTop: 0.002, // m, top of the motherboard plate
  floorHeight: 0.002, // m, the housing's floor above the board: the slot's bottom, where a seated edge rests
  depth: 0.008, // m, slot depth from its floor to the housing's top
  wallThickness: 0.004, // m, each long wall
  endGap: 0.002, // m, free space between the card's edge end and an end wall, each side
  endWallThickness: 0.003, // m
  friction: 0.5, // sliding friction of the housing
});

/** The slot's floor (where a fully seated edge rests) and the housing's top, world z, m. */
export const SLOT_FLOOR = SLOT.boardTop + SLOT.floorHeight;
export const SLOT_TOP = SLOT_FLOOR + SLOT.depth;

const BOARD_RGBA = [0.1, 0.42, 0.2, 1] as const;
const SLOT_RGBA = [0.12, 0.12, 0.14, 1] as const;
const CARD_RGBA = [0.05, 0.3, 0.12, 1] as const;
const EDGE_RGBA = [0.85, 0.68, 0.2, 1] as const;
const BRACKET_RGBA = [0.7, 0.72, 0.75, 1] as const;

/**
 * The motherboard (static body `motherboard`) and the slot housing for a slot width (m): static body `slot`, its
 * origin at the slot's nominal centre on the board's top, so moving its body_pos moves the slot on the board.
 */
export function slotMjcf(slotWidth: number): string {
  const [cx, cy] = SLOT.axis;
  const innerHalfX = CARD.edgeLength / 2 + SLOT.endGap;
  const halfX = innerHalfX + SLOT.endWallThickness;
  const halfY = slotWidth / 2 + SLOT.wallThickness;
  const wallZ = SLOT_FLOOR + SLOT.depth / 2;
  const common = { friction: [SLOT.friction, 0.005, 0.0001], condim: 3 } as const;
  const board = body({ name: "motherboard" }, [
    geom({
      name: "motherboard",
      type: "box",
      size: [0.06, 0.05, SLOT.boardTop / 2],
      pos: [cx, cy, SLOT.boardTop / 2],
      rgba: BOARD_RGBA,
      ...common,
    }),
  ]);
  // the housing's geoms relative to the slot body's origin (0, 0 at the slot's centre)
  const [ox, oy] = [0, 0];
  const geoms = [
    geom({
      name: "slot_floor",
      type: "box",
      size: [halfX, halfY, SLOT.floorHeight / 2],
      pos: [ox, oy, SLOT.boardTop + SLOT.floorHeight / 2],
      rgba: SLOT_RGBA,
      ...common,
    }),
  ];
  for (const side of [-1, 1]) {
    geoms.push(
      geom({
        name: `slot_wall_${side > 0 ? "back" : "front"}`,
        type: "box",
        size: [halfX, SLOT.wallThickness / 2, SLOT.depth / 2],
        pos: [ox, oy + side * (slotWidth / 2 + SLOT.wallThickness / 2), wallZ],
        rgba: SLOT_RGBA,
        ...common,
      }),
      geom({
        name: `slot_end_${side > 0 ? "right" : "left"}`,
        type: "box",
        size: [SLOT.endWallThickness / 2, slotWidth / 2, SLOT.depth / 2],
        pos: [ox + side * (innerHalfX + SLOT.endWallThickness / 2), oy, wallZ],
        rgba: SLOT_RGBA,
        ...common,
      }),
    );
  }
  geoms.push(site({ name: "slot_bottom", pos: [ox, oy, SLOT_FLOOR], size: [0.001], group: 4 }));
  return board + body({ name: "slot", pos: [cx, cy, 0] }, geoms);
}

/**
 * The card, a free body with its origin at the middle of its bottom edge, the edge along x, the board upright.
 * Sites `card_edge_a` / `card_edge_b` mark the two ends of the edge's lowest line.
 */
export function cardMjcf(origin: Vec3): string {
  const r = CARD.thickness / 2;
  const halfX = CARD.edgeLength / 2;
  const common = { friction: [CARD.friction, 0.005, 0.0001], condim: 4 } as const;
  const [bx, by, bz] = CARD.bracketHalf;
  const bracketX = -halfX - bx;
  const bracketZ = CARD.bracketBottom + bz;
  return body({ name: "card", pos: origin }, [
    freejoint("card_free"),
    geom({
      name: "card_board",
      type: "box",
      size: [halfX, r, (CARD.height - r) / 2],
      pos: [0, 0, r + (CARD.height - r) / 2],
      // stiff like the pads, so the board does not sink into them under the grip
      solref: [0.004, 1],
      solimp: [0.95, 0.99, 0.0005],
      mass: CARD.boardMass,
      rgba: CARD_RGBA,
      ...common,
    }),
    geom({
      name: "card_edge",
      type: "capsule",
      fromto: [-halfX + r, 0, r, halfX - r, 0, r],
      size: [r],
      mass: 0.002,
      rgba: EDGE_RGBA,
      ...common,
    }),
    geom({
      name: "card_bracket",
      type: "box",
      size: [bx, by, bz],
      pos: [bracketX, 0, bracketZ],
      mass: CARD.bracketMass * 0.8,
      rgba: BRACKET_RGBA,
      ...common,
    }),
    geom({
      name: "card_bracket_tab",
      type: "box",
      size: [CARD.tabLength / 2, by, bx],
      pos: [bracketX - bx - CARD.tabLength / 2, 0, bracketZ + bz - bx],
      mass: CARD.bracketMass * 0.2,
      rgba: BRACKET_RGBA,
      ...common,
    }),
    site({ name: "card_edge_a", pos: [-halfX + r, 0, 0], size: [0.001], group: 4 }),
    site({ name: "card_edge_b", pos: [halfX - r, 0, 0], size: [0.001], group: 4 }),
  ]);
}
