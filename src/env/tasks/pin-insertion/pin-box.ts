/**
 * The pin-insertion scene's objects, as MJCF from primitives: a pin box with three holes in a row (each hole a tile
 * of 16 boxes in a ring whose inner faces are tangent to the hole's circle, wide enough that the tiles and two filler
 * slabs make a solid top), a base plate that is the holes' floor, and the pin: a 4 mm shaft (a capsule, whose round
 * end acts as a small chamfer) under a square head that the gripper's pads hold.
 * Every length is in metres; the target hole is the middle one at PIN_BOX.target. The pin stand (PIN_STAND) is the
 * procedural reset's fixture: a square socket on the table in which a pin stands upright to be grasped again.
 */
import { body, freejoint, geom, site, type Vec3 } from "../../mujoco/mjcf.js";

export const PIN = Object.freeze({
  radius: 0.002, // m: a 4 mm pin
  shaftLength: 0.03, // m, from the tip to the head's underside (rounded tip included)
  headHalf: [0.005, 0.005, 0.01] as const, // m, half sizes of the square head the pads grip
  shaftMass: 0.004, // kg
  headMass: 0.006, // kg
  friction: 0.5, // sliding friction of the pin (MuJoCo uses the larger of two geoms' values)
});

export const PIN_BOX = Object.freeze({
  target: [0.35, -0.2] as const, // m, world x, y of the target hole's axis
  plateTop: 0.005, // m, top of the base plate: the holes' floor, where a seated tip rests
  depth: 0.015, // m, hole depth (ring height)
  holeSpacing: 0.02, // m, between hole axes along x (3 holes)
  tileHalf: 0.01, // m, half side of the square each hole's ring covers
  ringBoxes: 16, // boxes per ring
  friction: 0.5, // sliding friction of the box
});

/**
 * The pin stand: four walls on the table around a square socket a pin's shaft drops into, under a funnel of four
 * plates sloping 45° that guides a dropped tip into it. The socket is tight, so a pin stands in it within half a
 * degree of upright: the regrasp then holds it as the state reset does.
 */
export const PIN_STAND = Object.freeze({
  pos: [0.25, -0.32] as const, // m, world x, y of the socket's axis (beside the pin box, in reach of the right arm)
  gap: 0.0042, // m, socket width: the 4 mm shaft tilts at most 0.5° in it
  height: 0.022, // m, wall height: the tip rests on the table, the head stands 8 mm above the walls
  wall: 0.006, // m, wall thickness
  funnel: 0.004, // m, how far the funnel's plates reach out from the socket's edge (horizontally and up)
  plate: 0.001, // m, the funnel plates' thickness
});
/** Top surface of the pin box, m. */
export const BOX_TOP = PIN_BOX.plateTop + PIN_BOX.depth;

const BOX_RGBA = [0.15, 0.35, 0.75, 1] as const;
const PIN_RGBA = [0.08, 0.08, 0.08, 1] as const;

/** The pin box for a hole diameter (m): a static body. */
export function pinBoxMjcf(holeDiameter: number): string {
  const [cx, cy] = PIN_BOX.target;
  const r = holeDiameter / 2;
  const outer = PIN_BOX.tileHalf * Math.SQRT2 + 0.0002; // the ring reaches the tile's corners
  const halfWidth = outer * Math.tan(Math.PI / PIN_BOX.ringBoxes); // wide enough that the ring has no gaps out there
  const zc = PIN_BOX.plateTop + PIN_BOX.depth / 2;
  const common = { friction: [PIN_BOX.friction, 0.005, 0.0001], rgba: BOX_RGBA, condim: 3 } as const;
  const geoms: string[] = [];
  const span = 3 * PIN_BOX.holeSpacing;
  geoms.push(
    geom({
      name: "box_plate",
      type: "box",
      size: [span / 2 + 0.01, 0.03, PIN_BOX.plateTop / 2],
      pos: [cx, cy, PIN_BOX.plateTop / 2],
      ...common,
    }),
  );
  for (let h = -1; h <= 1; h++) {
    const hx = cx + h * PIN_BOX.holeSpacing;
    for (let k = 0; k < PIN_BOX.ringBoxes; k++) {
      const a = (2 * Math.PI * k) / PIN_BOX.ringBoxes;
      const mid = (r + outer) / 2;
      geoms.push(
        geom({
          name: `hole${h + 1}_wall${k}`,
          type: "box",
          size: [(outer - r) / 2, halfWidth, PIN_BOX.depth / 2],
          pos: [hx + mid * Math.cos(a), cy + mid * Math.sin(a), zc],
          quat: [Math.cos(a / 2), 0, 0, Math.sin(a / 2)],
          ...common,
        }),
      );
    }
  }
  // filler slabs in front of and behind the row of tiles, so the top is solid out to the plate's edge
  const fillHalfY = (0.03 - PIN_BOX.tileHalf) / 2;
  for (const side of [-1, 1]) {
    geoms.push(
      geom({
        name: `box_fill${side > 0 ? "_back" : "_front"}`,
        type: "box",
        size: [span / 2 + 0.01, fillHalfY, PIN_BOX.depth / 2],
        pos: [cx, cy + side * (PIN_BOX.tileHalf + fillHalfY), zc],
        ...common,
      }),
    );
  }
  for (const side of [-1, 1]) {
    geoms.push(
      geom({
        name: `box_end${side > 0 ? "_right" : "_left"}`,
        type: "box",
        size: [0.005, PIN_BOX.tileHalf, PIN_BOX.depth / 2],
        pos: [cx + side * (span / 2 + 0.005), cy, zc],
        ...common,
      }),
    );
  }
  geoms.push(site({ name: "hole_bottom", pos: [cx, cy, PIN_BOX.plateTop], size: [0.001], group: 4 }));
  return body({ name: "pin_box" }, geoms);
}

/** The pin stand: a static body of four light-grey walls. */
export function pinStandMjcf(): string {
  const [x, y] = PIN_STAND.pos;
  const h = PIN_STAND.height / 2;
  const half = PIN_STAND.gap / 2 + PIN_STAND.wall / 2;
  const len = PIN_STAND.gap / 2 + PIN_STAND.wall;
  const common = { friction: [0.5, 0.005, 0.0001], rgba: [0.8, 0.8, 0.82, 1], condim: 3 } as const;
  // each funnel plate rises 45° outward from the socket's edge; its centre sits half its slant out and up, and half
  // its thickness behind its sloping face
  const f = PIN_STAND.funnel / 2;
  const t = PIN_STAND.plate / 2;
  const slant = PIN_STAND.funnel * Math.SQRT2;
  const out = PIN_STAND.gap / 2 + f + t * Math.SQRT1_2;
  const fz = 2 * h + f + t * Math.SQRT1_2;
  const across = PIN_STAND.gap / 2 + PIN_STAND.funnel; // the plates' half length, so their corners meet
  const q = Math.PI / 4;
  return body({ name: "pin_stand" }, [
    geom({ name: "stand_x0", type: "box", size: [PIN_STAND.wall / 2, len, h], pos: [x - half, y, h], ...common }),
    geom({ name: "stand_x1", type: "box", size: [PIN_STAND.wall / 2, len, h], pos: [x + half, y, h], ...common }),
    geom({ name: "stand_y0", type: "box", size: [len, PIN_STAND.wall / 2, h], pos: [x, y - half, h], ...common }),
    geom({ name: "stand_y1", type: "box", size: [len, PIN_STAND.wall / 2, h], pos: [x, y + half, h], ...common }),
    geom({
      name: "funnel_x0",
      type: "box",
      size: [t, across, slant / 2],
      pos: [x - out, y, fz],
      euler: [0, -q, 0],
      ...common,
    }),
    geom({
      name: "funnel_x1",
      type: "box",
      size: [t, across, slant / 2],
      pos: [x + out, y, fz],
      euler: [0, q, 0],
      ...common,
    }),
    geom({
      name: "funnel_y0",
      type: "box",
      size: [across, t, slant / 2],
      pos: [x, y - out, fz],
      euler: [q, 0, 0],
      ...common,
    }),
    geom({
      name: "funnel_y1",
      type: "box",
      size: [across, t, slant / 2],
      pos: [x, y + out, fz],
      euler: [-q, 0, 0],
      ...common,
    }),
  ]);
}

/** The pin, a free body with its origin at the head's underside on the shaft's axis, pin pointing down. */
export function pinMjcf(origin: Vec3): string {
  const tipZ = -PIN.shaftLength;
  const common = { friction: [PIN.friction, 0.005, 0.0001], rgba: PIN_RGBA, condim: 4 } as const;
  return body({ name: "pin", pos: origin }, [
    freejoint("pin_free"),
    geom({
      name: "pin_shaft",
      type: "capsule",
      fromto: [0, 0, tipZ + PIN.radius, 0, 0, 0],
      size: [PIN.radius],
      mass: PIN.shaftMass,
      ...common,
    }),
    geom({
      name: "pin_head",
      type: "box",
      size: [...PIN.headHalf],
      pos: [0, 0, PIN.headHalf[2]],
      solref: [0.004, 1],
      solimp: [0.95, 0.99, 0.0005],
      mass: PIN.headMass,
      ...common,
    }),
    site({ name: "pin_tip", pos: [0, 0, tipZ], size: [0.001], group: 4 }),
  ]);
}
