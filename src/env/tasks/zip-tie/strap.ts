/**
 * The zip-tie scene's objects, as MJCF from primitives, and the strap's bending: the strap is a chain of capsule
 * segments, each a free body, held together at every joint by a breakable `connect` equality; its bending stiffness
 * is a torque spring per joint (`StrapBending`, written into MuJoCo's applied forces before every physics step),
 * switched off with the joint's link. The cut task's head is a fixed block on a post's bracket (`headMjcf`).
 *
 * Why free bodies and equalities rather than nested ball joints: a ball joint cannot be removed at run time, an
 * equality can (through the state's eq_active flags, mjSTATE_EQ_ACTIVE, part of MjScene.saveState). A cut switches
 * off one joint's link (and its bending spring), so the tail below it falls away.
 * Why a spring in code rather than a soft `weld` per joint (v1): a weld costs 6 constraint rows per joint (96 in all,
 * two thirds of the solver's work); the spring costs none, and a segment's own angular damping (its free joint's,
 * integrated implicitly by MuJoCo) keeps it stable.
 * Every length is in metres; the strap is built straight along −z from its anchor.
 */
import { body, element, geom, joint, site, type Vec3 } from "../../mujoco/mjcf.js";
import type { MjScene } from "../../mujoco/scene.js";

export const STRAP = Object.freeze({
  segments: 16, // capsules in the chain
  segmentLength: 0.006, // m, joint to joint (so the strap is 96 mm long)
  radius: 0.0015, // m, capsule radius: a 3 mm thick strap
  segmentMass: 0.001, // kg per segment
  damping: 0.0005, // N·s/m-ish damping on each segment's free joint (air drag, keeps the chain calm)
  armature: 1e-7, // kg·m² (and kg) added to each free joint's degrees of freedom: a 1 g capsule's own rotational
  // inertia (~2e-9 kg·m²) is so small at dt 2 ms that the linked chain went unstable after a light touch (its links
  // tore tens of mm apart; 1e-8 still did); 1e-7 keeps it stable, and adds 0.01 % to the translational mass
  bendStiffness: 1e-3, // N·m/rad per joint: the torque spring that keeps the strap straight (StrapBending); with
  // the segments' damping it bends as v1's soft welds did (a 1 mN side push on the tip, no gravity: 2.15 mm both)
  bendDamping: 1e-5, // N·m·s/rad per joint, on the two segments' relative angular velocity
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

const STRAP_RGBA = [0.92, 0.92, 0.88, 1] as const;
const HEAD_RGBA = [0.85, 0.85, 0.8, 1] as const;
const POST_RGBA = [0.3, 0.3, 0.32, 1] as const;

/** The static bodies that hold the strap (no joints): the head with its bracket, and the post. */
export const HOLDER_BODIES = ["zip_head", "zip_post"] as const;

/**
 * The post, bracket and head, as two static bodies (not geoms of the world body, whose bounding box then spans
 * only the table: MuJoCo's broad phase stops pairing every strap segment with the world body's geoms).
 */
export function headMjcf(): string[] {
  const [x, y, z] = HEAD.anchor;
  const h = HEAD.half;
  const topZ = z + 2 * h[2];
  const postTop = topZ + 2 * HEAD.bracketHalfZ;
  return [
    body({ name: HOLDER_BODIES[0] }, [
      geom({ name: "zip_head", type: "box", size: [...h], pos: [x, y, z + h[2]], rgba: HEAD_RGBA }),
      geom({
        name: "zip_bracket",
        type: "box",
        size: [(HEAD.postX + h[0]) / 2, 0.004, HEAD.bracketHalfZ],
        pos: [x + (HEAD.postX - h[0]) / 2 + h[0], y, topZ + HEAD.bracketHalfZ],
        rgba: POST_RGBA,
      }),
    ]),
    body({ name: HOLDER_BODIES[1] }, [
      geom({
        name: "zip_post",
        type: "box",
        size: [0.006, 0.006, postTop / 2],
        pos: [x + HEAD.postX + h[0], y, postTop / 2],
        rgba: POST_RGBA,
      }),
    ]),
  ];
}

/** Where the strap is built and what it collides with. */
export interface StrapPlacement {
  anchor: Vec3; // m, world point of the strap's root (joint 0); the strap runs straight down (−z) from it
  parent: string; // the body joint 0 is linked to ("world" for a fixed head)
  contype?: number; // MuJoCo collision bits of the segments (default 1: the world's objects)
  conaffinity?: number;
}

const CUT_PLACEMENT: StrapPlacement = { anchor: HEAD.anchor, parent: "world" };

/** The strap's segments, straight down from the anchor (their rest shape): bodies for the world body. */
export function strapBodies(place: StrapPlacement = CUT_PLACEMENT): string[] {
  const [x, y, z] = place.anchor;
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
        ...(place.contype === undefined ? {} : { contype: place.contype }),
        ...(place.conaffinity === undefined ? {} : { conaffinity: place.conaffinity }),
      }),
      site({ name: `${segName(k)}_mid`, pos: [0, 0, -L / 2], size: [0.001], group: 4 }),
    ];
    if (k === STRAP.segments - 1) children.push(site({ name: "strap_tip", pos: [0, 0, -L], size: [0.001], group: 4 }));
    // the body's origin is its upper joint
    bodies.push(body({ name: segName(k), pos: [x, y, z - k * L] }, children));
  }
  return bodies;
}

/** The joints' links: a connect per joint (what a cut breaks); segment k's upper end stays on its parent's end. */
export function strapEqualities(parent = CUT_PLACEMENT.parent): string[] {
  return Array.from({ length: STRAP.segments }, (_, k) =>
    element("connect", {
      name: jointConnect(k),
      body1: segName(k),
      body2: k === 0 ? parent : segName(k - 1),
      anchor: [0, 0, 0],
      solref: [...STRAP.linkSolref],
      solimp: [...STRAP.linkSolimp],
    }),
  );
}

/** Body pairs that never collide: neighbouring segments (they overlap at their joint) and the first with its parent. */
export function strapExcludes(parent = CUT_PLACEMENT.parent): [string, string][] {
  const out: [string, string][] = [[parent, segName(0)]];
  for (let k = 1; k < STRAP.segments; k++) out.push([segName(k - 1), segName(k)]);
  return out;
}

/**
 * The strap's bending stiffness: a torque spring and damper per joint, between each segment and its parent (the
 * previous segment, or the anchor's body for joint 0), around the relative orientation the scene was built with
 * (straight). `apply(linked)` writes the torques into MuJoCo's applied forces (xfrc_applied, world frame); call it
 * before every physics step. Joints whose link is off (cut) get no torque. The torques are a function of the state
 * only, so a saved state replays exactly.
 */
export class StrapBending {
  private readonly scene: MjScene;
  private readonly bodies: number[]; // segment k's body id
  private readonly qposAdr: number[]; // segment k's free joint in qpos (x, y, z, qw, qx, qy, qz)
  private readonly dofAdr: number[]; // segment k's free joint in qvel (vx, vy, vz, then ωx, ωy, ωz in its own frame)
  private readonly parentBody: number;
  private readonly rest: Quat[]; // each joint's relative orientation at rest: conj(parent) ⊗ child
  private readonly stiffness: number;
  private readonly damping: number;

  constructor(scene: MjScene, parent: string, stiffness = STRAP.bendStiffness, damping = STRAP.bendDamping) {
    this.scene = scene;
    this.stiffness = stiffness;
    this.damping = damping;
    this.parentBody = scene.id("body", parent);
    this.bodies = Array.from({ length: STRAP.segments }, (_, k) => scene.id("body", segName(k)));
    this.qposAdr = Array.from({ length: STRAP.segments }, (_, k) => scene.qposAdr(`${segName(k)}_free`));
    this.dofAdr = Array.from({ length: STRAP.segments }, (_, k) => scene.dofAdr(`${segName(k)}_free`));
    // the model's reference pose (qpos0) is the rest shape: MjScene.fromXml ran forward() on it
    const xquat = scene.data.xquat as Float64Array;
    const quat = (b: number): Quat => [xquat[4 * b], xquat[4 * b + 1], xquat[4 * b + 2], xquat[4 * b + 3]];
    this.rest = this.bodies.map((b, k) => qmul(qconj(quat(k === 0 ? this.parentBody : this.bodies[k - 1])), quat(b)));
  }

  /** Writes every joint's bending torque (linked(k) false: none) into xfrc_applied. */
  apply(linked: (k: number) => boolean): void {
    const d = this.scene.data;
    const qpos = d.qpos as Float64Array;
    const qvel = d.qvel as Float64Array;
    const xfrc = d.xfrc_applied as Float64Array;
    const xquat = d.xquat as Float64Array;
    const cvel = d.cvel as Float64Array;
    const pb = this.parentBody;
    for (const b of this.bodies) xfrc.fill(0, 6 * b + 3, 6 * b + 6);
    xfrc.fill(0, 6 * pb + 3, 6 * pb + 6);
    let parentQ: Quat = [xquat[4 * pb], xquat[4 * pb + 1], xquat[4 * pb + 2], xquat[4 * pb + 3]];
    let parentW: Vec3 = [cvel[6 * pb], cvel[6 * pb + 1], cvel[6 * pb + 2]];
    for (let k = 0; k < this.bodies.length; k++) {
      const a = this.qposAdr[k];
      const q: Quat = [qpos[a + 3], qpos[a + 4], qpos[a + 5], qpos[a + 6]];
      const v = this.dofAdr[k];
      const w = rotate(q, [qvel[v + 3], qvel[v + 4], qvel[v + 5]]); // world frame
      if (linked(k)) {
        // the rotation from where the child would rest (parent ⊗ rest) to where it is, in world coordinates
        const err = rotationVector(qmul(q, qconj(qmul(parentQ, this.rest[k]))));
        const p = k === 0 ? pb : this.bodies[k - 1];
        for (let i = 0; i < 3; i++) {
          const t = -this.stiffness * err[i] - this.damping * (w[i] - parentW[i]);
          xfrc[6 * this.bodies[k] + 3 + i] += t;
          xfrc[6 * p + 3 + i] -= t;
        }
      }
      parentQ = q;
      parentW = w;
    }
  }
}

type Quat = [number, number, number, number];

function qmul(a: Quat, b: Quat): Quat {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

function qconj(q: Quat): Quat {
  return [q[0], -q[1], -q[2], -q[3]];
}

/** v rotated by the unit quaternion q. */
function rotate(q: Quat, v: Vec3): Vec3 {
  const r = qmul(qmul(q, [0, v[0], v[1], v[2]]), qconj(q));
  return [r[1], r[2], r[3]];
}

/** The rotation vector (axis × angle, rad) of a unit quaternion, the short way round. */
function rotationVector(q: Quat): Vec3 {
  const sign = q[0] < 0 ? -1 : 1;
  const s = Math.hypot(q[1], q[2], q[3]);
  if (s < 1e-12) return [2 * sign * q[1], 2 * sign * q[2], 2 * sign * q[3]];
  const angle = 2 * Math.atan2(s, sign * q[0]);
  const f = (sign * angle) / s;
  return [f * q[1], f * q[2], f * q[3]];
}
