/**
 * The zip-tie scene's objects, as MJCF from primitives: the strap (a chain of capsule segments, each a free body,
 * held together at every joint by a breakable `connect` equality, with a soft `weld` per joint for bending
 * stiffness and damping), and the head it hangs from (a fixed block on a post's bracket).
 *
 * Why free bodies and equalities rather than nested ball joints: a ball joint cannot be removed at run time, an
 * equality can (through the state's eq_active flags, mjSTATE_EQ_ACTIVE, part of MjScene.saveState). A cut switches
 * off both equalities of one joint, so the tail below it falls away.
 * Every length is in metres; the strap hangs along −z from the head's underside.
 */
import { body, element, geom, joint, site, type Vec3 } from "../../mujoco/mjcf.js";

export const STRAP = Object.freeze({
  segments: 16, // capsules in the chain
  segmentLength: 0.006, // m, joint to joint (so the strap is 96 mm long)
  radius: 0.0015, // m, capsule radius: a 3 mm thick strap
  segmentMass: 0.001, // kg per segment
  damping: 0.0005, // N·s/m-ish damping on each segment's free joint (air drag, keeps the chain calm)
  armature: 1e-7, // kg·m² (and kg) added to each free joint's degrees of freedom: a 1 g capsule's own rotational
  // inertia (~2e-9 kg·m²) is so small at dt 2 ms that the linked chain went unstable after a light touch (its links
  // tore tens of mm apart; 1e-8 still did); 1e-7 keeps it stable, and adds 0.01 % to the translational mass
  bendSolref: [0.03, 1] as const, // soft weld per joint: time constant s and damping ratio = bending stiffness
  linkSolref: [0.004, 1] as const, // the joints' connects: as stiff as dt 2 ms allows (MuJoCo's default 0.02 let
  // the 16 g chain stretch 3-4 mm per joint under its own weight, so a 96 mm strap hung 150 mm long)
  linkSolimp: [0.99, 0.999, 0.001, 0.5, 2] as const, // (MuJoCo's solimp) impedance near 1: a hard link
  friction: 0.8, // sliding friction of the strap
  contactSolref: [-20000, -40] as const, // N/m and N·s/m: a stiff strap in contacts (MuJoCo's default is mass-scaled,
  // so a 1 g segment would let the jaws pass through it at about 1 N)
});

export const HEAD = Object.freeze({
  anchor: [0.4, -0.2, 0.2] as Vec3, // m, world point where the strap leaves the head's underside
  half: [0.004, 0.0035, 0.004] as const, // m, half sizes of the head block
  postX: 0.04, // m, the post stands this far behind (+x) the head
  bracketHalfZ: 0.003, // m, half thickness of the bracket from the post's top to the head
});

/** Names of the strap's parts. */
export const segName = (k: number): string => `strap_${k}`;
export const jointConnect = (k: number): string => `strap_link_${k}`; // joins segment k to segment k−1 (or the head)
export const jointBend = (k: number): string => `strap_bend_${k}`;

const STRAP_RGBA = [0.92, 0.92, 0.88, 1] as const;
const HEAD_RGBA = [0.85, 0.85, 0.8, 1] as const;
const POST_RGBA = [0.3, 0.3, 0.32, 1] as const;

/** The post, bracket and head: static geoms of the world body. */
export function headMjcf(): string[] {
  const [x, y, z] = HEAD.anchor;
  const h = HEAD.half;
  const topZ = z + 2 * h[2];
  const postTop = topZ + 2 * HEAD.bracketHalfZ;
  return [
    geom({ name: "zip_head", type: "box", size: [...h], pos: [x, y, z + h[2]], rgba: HEAD_RGBA }),
    geom({
      name: "zip_bracket",
      type: "box",
      size: [(HEAD.postX + h[0]) / 2, 0.004, HEAD.bracketHalfZ],
      pos: [x + (HEAD.postX - h[0]) / 2 + h[0], y, topZ + HEAD.bracketHalfZ],
      rgba: POST_RGBA,
    }),
    geom({
      name: "zip_post",
      type: "box",
      size: [0.006, 0.006, postTop / 2],
      pos: [x + HEAD.postX + h[0], y, postTop / 2],
      rgba: POST_RGBA,
    }),
  ];
}

/** The strap's segments hanging straight down from the head: bodies for the world body. */
export function strapBodies(): string[] {
  const [x, y, z] = HEAD.anchor;
  const L = STRAP.segmentLength;
  const bodies: string[] = [];
  for (let k = 0; k < STRAP.segments; k++) {
    const children = [
      joint({ name: `${segName(k)}_free`, type: "free", damping: STRAP.damping, armature: STRAP.armature }),
      geom({
        name: `${segName(k)}_geom`,
        type: "capsule",
        fromto: [0, 0, -0.1 * L, 0, 0, -0.9 * L],
        size: [STRAP.radius],
        mass: STRAP.segmentMass,
        rgba: STRAP_RGBA,
        friction: [STRAP.friction, 0.005, 0.0001],
        condim: 3,
        priority: 1, // the strap's contact parameters win over the other geom's
        solref: [...STRAP.contactSolref],
      }),
      site({ name: `${segName(k)}_mid`, pos: [0, 0, -L / 2], size: [0.001], group: 4 }),
    ];
    if (k === STRAP.segments - 1) children.push(site({ name: "strap_tip", pos: [0, 0, -L], size: [0.001], group: 4 }));
    // the body's origin is its upper joint
    bodies.push(body({ name: segName(k), pos: [x, y, z - k * L] }, children));
  }
  return bodies;
}

/** The joints' equalities: a connect (the link that a cut breaks) and a soft weld (bending stiffness) per joint. */
export function strapEqualities(): string[] {
  const out: string[] = [];
  for (let k = 0; k < STRAP.segments; k++) {
    const parent = k === 0 ? "world" : segName(k - 1);
    // connect: segment k's origin (its upper end) stays on the point of the parent it started at
    out.push(
      element("connect", {
        name: jointConnect(k),
        body1: segName(k),
        body2: parent,
        anchor: [0, 0, 0],
        solref: [...STRAP.linkSolref],
        solimp: [...STRAP.linkSolimp],
      }),
    );
    out.push(
      element("weld", {
        name: jointBend(k),
        body1: segName(k),
        body2: parent,
        solref: [...STRAP.bendSolref],
      }),
    );
  }
  return out;
}

/** Body pairs that never collide: neighbouring segments (they overlap at their joint) and the first with the world. */
export function strapExcludes(): [string, string][] {
  const out: [string, string][] = [["world", segName(0)]];
  for (let k = 1; k < STRAP.segments; k++) out.push([segName(k - 1), segName(k)]);
  return out;
}
