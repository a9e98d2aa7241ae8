/**
 * The zip-tie-tie scene's objects, as MJCF from primitives: the head (a static body at the hand-over pose, its slot
 * built from 4 wall boxes), the strap (a chain of capsules on bending hinges, rooted in the head, built in the loop it
 * has at the start), the latch (a spatial tendon from the slot's exit to the strap's tip, whose lower length limit
 * the task ratchets up) and the right hand's grasp on the tail (a weld, its relative pose written at run time).
 *
 * Why a jointed chain here and not strap.ts's free bodies with breakable links: nothing is cut in this task, so
 * the links need not come off; nested joints cost no constraint rows (the cut strap's 16 connects cost 48) and
 * MuJoCo integrates their damping implicitly. Each joint is two hinges (bending about the segment's x and y; a strap
 * does not need twist): 32 degrees of freedom where ball joints had 48, 1.6x faster (CPU time, zero action). The
 * chain's rest shape is the loop it is built in (the hinges spring back to qpos0), so the strap starts unstressed; a real zip tie's strap is curled the same way before it is tied.
 * Frames: the head's frame is world-aligned with its origin at the centre of the slot's entrance; the slot's axis is
 * +z, the loop lies in the head's y-z plane. Every length is in metres.
 */
import { body, element, geom, joint, site, type Vec3 } from "../../mujoco/mjcf.js";

/** The head and its slot. */
export const TIE_HEAD = Object.freeze({
  entrance: [0.33, -0.17, 0.2] as Vec3, // m, world centre of the slot's entrance (the hand-over pose; the right
  // arm's yaw stays near 0 there: at y −0.05 its sideways servo response rang 3x past a step)
  slotHalf: 0.0025, // m, half width of the square slot's opening: a 3 mm strap has 1 mm of clearance a side
  wall: 0.002, // m, wall thickness
  length: 0.006, // m, slot length along its axis (+z): the exit is this far above the entrance
  friction: 0.3, // sliding friction of the walls (the strap slides through a smooth nylon slot)
});

/** The strap of the tie task: its chain, stiffness and start loop. */
export const TIE_STRAP = Object.freeze({
  segments: 16, // capsules in the chain
  segmentLength: 0.008, // m, joint to joint (a 128 mm strap)
  radius: 0.0015, // m, capsule radius: a 3 mm thick strap
  segmentMass: 0.001, // kg per segment
  stiffness: 0.02, // N·m/rad per hinge: a nylon strap's bending (EI ≈ 1.6e-4 N·m²); the tail held 36 mm from
  // its tip droops under 0.1 rad, the free 44 mm past the grasp bends away (buckles) above about 2 N of push
  damping: 1e-3, // N·m·s/rad per hinge (the tail past the grasp is about critically damped: it whipped at 1e-4)
  armature: 1e-6, // kg·m² per hinge: the tip segment's own inertia (2e-8) is too small for an explicit spring
  // of 0.02 N·m/rad at dt 2 ms (ω·dt ≈ 2); with it ω·dt ≈ 0.3
  friction: 0.3, // sliding friction of the strap
  contactSolref: [-20000, -40] as const, // N/m and N·s/m: a stiff strap in contacts (MuJoCo's default is mass-scaled)
  // the loop: heading of each segment in the head's y-z plane, degrees (180 = −y, 270 = down, 450 = up): out of the
  // head towards −y, down, back under the slot and up into it
  headings: [180, 225, 270, 270, 270, 270, 270, 270, 315, 360, 405, 450, 450, 450, 450, 450] as const,
  graspSegment: 11, // the right hand holds this segment at its middle (36 mm from the tip, as the paper's 55 mm)
});

/** Names of the scene's parts. */
export const TIE_NAMES = Object.freeze({
  head: "tie_head",
  entrance: "slot_entrance",
  exit: "slot_exit",
  tip: "strap_tip",
  grasp: "tail_grasp",
  holder: "tail_holder",
  headSensor: "head_contacts",
});
export const tieSegName = (k: number): string => `tie_strap_${k}`;
/** Joint k's site (k 1..15: where segment k meets segment k − 1); the tip's is TIE_NAMES.tip. */
export const tieJointSite = (k: number): string => `tie_joint_${k}`;
/** The latch's tendon from the slot's exit to strap point k (joints 1..15, the tip as 16). */
export const tieLatchName = (k: number): string => `latch_${k}`;

/** Collision bits: the strap touches only the head; the head touches the strap and the right arm (contype 2). */
export const TIE_BITS = Object.freeze({
  strap: { contype: 8, conaffinity: 16 },
  head: { contype: 16, conaffinity: 8 | 2 },
});

const STRAP_RGBA = [0.92, 0.92, 0.88, 1] as const;
const HEAD_RGBA = [0.85, 0.85, 0.8, 1] as const;
const DEG = Math.PI / 180;

/** Where the strap is anchored on the head (head frame): beside the −y wall, at mid height; the loop then closes
 * on the slot's axis (y = 0). */
export function strapAnchor(): Vec3 {
  const L = TIE_STRAP.segmentLength;
  let y = 0;
  for (const h of TIE_STRAP.headings) y += L * Math.cos(h * DEG);
  return [0, -y, TIE_HEAD.length / 2];
}

/** The strap's rest (start) shape: each joint's position and each segment's heading, head frame. */
export function strapRestShape(): { joints: Vec3[]; tip: Vec3 } {
  const L = TIE_STRAP.segmentLength;
  const joints: Vec3[] = [];
  let p = strapAnchor();
  for (const h of TIE_STRAP.headings) {
    joints.push(p);
    p = [0, p[1] + L * Math.cos(h * DEG), p[2] + L * Math.sin(h * DEG)];
  }
  return { joints, tip: p };
}

/** A rotation about x by `a` rad, as a quaternion w, x, y, z. */
function quatX(a: number): [number, number, number, number] {
  return [Math.cos(a / 2), Math.sin(a / 2), 0, 0];
}

/** The head: a static body with the slot's 4 walls, a neck to the strap's anchor, the sites and the strap in it. */
export function tieHeadMjcf(): string {
  const a = TIE_HEAD.slotHalf;
  const t = TIE_HEAD.wall;
  const H = TIE_HEAD.length;
  const anchor = strapAnchor();
  const wall = (name: string, pos: Vec3, size: Vec3) =>
    geom({
      name,
      type: "box",
      pos,
      size,
      rgba: HEAD_RGBA,
      friction: [TIE_HEAD.friction, 0.005, 0.0001],
      condim: 3,
      ...TIE_BITS.head,
    });
  const neckHalf = (-anchor[1] - (a + t)) / 2;
  return body({ name: TIE_NAMES.head, pos: TIE_HEAD.entrance }, [
    wall("tie_wall_px", [a + t / 2, 0, H / 2], [t / 2, a + t, H / 2]),
    wall("tie_wall_nx", [-(a + t / 2), 0, H / 2], [t / 2, a + t, H / 2]),
    wall("tie_wall_py", [0, a + t / 2, H / 2], [a, t / 2, H / 2]),
    wall("tie_wall_ny", [0, -(a + t / 2), H / 2], [a, t / 2, H / 2]),
    wall("tie_neck", [0, -(a + t) - neckHalf, H / 2], [a, neckHalf, H / 2]),
    site({ name: TIE_NAMES.entrance, pos: [0, 0, 0], size: [0.001], group: 4 }),
    site({ name: TIE_NAMES.exit, pos: [0, 0, H], size: [0.001], group: 4 }),
    strapChain(anchor),
  ]);
}

/** The strap's segments as nested bodies: segment k's frame sits at its upper joint, the segment runs along −z. */
function strapChain(anchor: Vec3): string {
  const L = TIE_STRAP.segmentLength;
  const h = TIE_STRAP.headings;
  let inner = "";
  for (let k = TIE_STRAP.segments - 1; k >= 0; k--) {
    // the body's −z along heading h: a rotation about x by h + 90° (world), by the heading's change (relative)
    const turn = k === 0 ? (h[0] + 90) * DEG : (h[k] - h[k - 1]) * DEG;
    const children = [
      ...(["x", "y"] as const).map((axis) =>
        joint({
          name: `${tieSegName(k)}_bend_${axis}`,
          type: "hinge",
          axis: axis === "x" ? [1, 0, 0] : [0, 1, 0],
          stiffness: TIE_STRAP.stiffness,
          damping: TIE_STRAP.damping,
          armature: TIE_STRAP.armature,
        }),
      ),
      geom({
        name: `${tieSegName(k)}_geom`,
        type: "capsule",
        fromto: [0, 0, 0, 0, 0, -L],
        size: [TIE_STRAP.radius],
        mass: TIE_STRAP.segmentMass,
        rgba: STRAP_RGBA,
        friction: [TIE_STRAP.friction, 0.005, 0.0001],
        condim: 3,
        priority: 1, // the strap's contact parameters win over the head's
        solref: [...TIE_STRAP.contactSolref],
        ...TIE_BITS.strap,
      }),
    ];
    if (k > 0) children.push(site({ name: tieJointSite(k), pos: [0, 0, 0], size: [0.001], group: 4 }));
    if (k === TIE_STRAP.segments - 1) {
      children.push(site({ name: TIE_NAMES.tip, pos: [0, 0, -L], size: [0.001], group: 4 }));
    }
    if (k === TIE_STRAP.graspSegment) {
      children.push(site({ name: `${tieSegName(k)}_grasp`, pos: [0, 0, -L / 2], size: [0.001], group: 4 }));
    }
    if (inner) children.push(inner);
    inner = body({ name: tieSegName(k), pos: k === 0 ? anchor : [0, 0, -L], quat: quatX(turn) }, children);
  }
  return inner;
}

/**
 * The right hand's grasp on the tail: a weld from the hand to the grasped segment. Its relative pose is written at
 * run time (the task computes it from the start pose); MJCF needs a non-zero quaternion to take it as given.
 */
export function tieGraspWeld(hand: string): string {
  return element("weld", {
    name: TIE_NAMES.grasp,
    body1: hand,
    body2: tieSegName(TIE_STRAP.graspSegment),
    relpose: [0, 0, 0, 1, 0, 0, 0],
    solref: [0.01, 1],
  });
}

/**
 * The magazine's tail holder (the procedural reset's fixture): a weld of the strap's last segment to the world, off
 * unless the magazine is presenting a fresh tie. Its pose (the segment's in the start loop) is written at run time.
 */
export function tieHolderWeld(): string {
  return element("weld", {
    name: TIE_NAMES.holder,
    body1: "world",
    body2: tieSegName(TIE_STRAP.segments - 1),
    relpose: [0, 0, 0, 1, 0, 0, 0],
    active: "false",
    solref: [0.01, 1],
  });
}

/**
 * The latch's pawls: one spatial tendon from the slot's exit to each strap point past the grasp (joints 12..15 and
 * the tip, as 16; the grasp is at segment 11). The task gives one of them, the point just past the exit, a lower
 * length limit that ratchets up (and moves on to the next point as the strap advances); the others stay at 0.
 * A single tendon to the tip was tried first: the tip then swung round the exit and the strap slid back out.
 */
export function tieLatchTendons(): string {
  const tendon = (k: number) =>
    element(
      "spatial",
      {
        name: tieLatchName(k),
        limited: "true",
        range: [0, 1],
        // a hard stop (MuJoCo's default limit, solref 0.02, let the arm pull a latched point back through: the
        // constraint is scaled to the strap's gram-sized mass while the arm pulls through a weld)
        solreflimit: [0.002, 1],
        solimplimit: [0.99, 0.999, 0.001, 0.5, 2],
        width: 0.0005,
        rgba: [0, 0, 0, 0],
      },
      [
        element("site", { site: TIE_NAMES.exit }),
        element("site", { site: k === TIE_STRAP.segments ? TIE_NAMES.tip : tieJointSite(k) }),
      ],
    );
  return element("tendon", {}, LATCH_POINTS.map(tendon));
}

/** The strap points that can hold the latch: joints past the grasped segment, and the tip (16). */
export const LATCH_POINTS: readonly number[] = Object.freeze(
  Array.from({ length: TIE_STRAP.segments - TIE_STRAP.graspSegment }, (_, i) => TIE_STRAP.graspSegment + 1 + i),
);
