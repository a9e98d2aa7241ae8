/**
 * A station's robot, written as MJCF from primitives: an arm of 6 (or 7) revolute joints built from capsules,
 * gravity-compensated, driven by position servos with force ranges, and a parallel-jaw gripper (two slide fingers
 * coupled by a joint equality, one force-limited servo, so a bad contact stalls it safely) with an end-effector site
 * between the finger pads and a wrist camera. `stationMjcf` puts one or two arms (bimanual, like the paper's YAM
 * stations) on a table with cameras `top`, `left` and `right`, plus whatever objects a task adds.
 *
 * Frames: world z up, table top at z = 0, the arms face +x. At zero joint angles an arm points straight up; the hand's
 * +z is the tool axis (from the wrist towards the fingertips), the fingers close along the hand's y.
 */
import {
  body,
  camera,
  element,
  type GeomAttrs,
  joint,
  jointEquality,
  lookAt,
  geom as mjGeom,
  mujocoModel,
  positionActuator,
  site,
  type Vec3,
} from "./mjcf.js";

/** Dimensions and servo constants of the arm; every station arm uses these. */
export const ARM = Object.freeze({
  baseHeight: 0.08, // m, shoulder axis above the table
  upperArm: 0.3, // m, shoulder to elbow
  forearm: 0.28, // m, elbow to wrist
  wrist: 0.06, // m, wrist pitch to wrist roll
  hand: 0.04, // m, wrist roll to the palm
  linkRadius: 0.03, // m, capsule radius of the big links (wrist links are thinner)
  kpShoulder: 900, // N·m/rad, servo stiffness of the base and shoulder joints
  kpElbow: 700, // N·m/rad
  kpWrist: 150, // N·m/rad, wrist joints
  torqueShoulder: 60, // N·m, servo force range of the base and shoulder joints (±)
  torqueElbow: 40, // N·m
  torqueWrist: 10, // N·m
  damping: 4, // N·m·s/rad on every arm joint
  armature: 0.05, // kg·m², rotor inertia on every arm joint (keeps the servos stable at dt 2 ms)
});

/** The gripper: two slide fingers, coupled, one force-limited servo. */
export const GRIPPER = Object.freeze({
  maxOpening: 0.03, // m, travel of each finger from the centre (so 6 cm between open pads)
  closedTarget: -0.01, // m, servo target when closing: past contact, so the grip force is the force limit
  kp: 1500, // N/m, finger servo stiffness
  forceLimit: 15, // N, the finger servo's force range (±): the grasp force
  padHalf: [0.008, 0.002, 0.012] as const, // m, half sizes of a finger pad (x along the palm, y thickness, z length)
  padOffset: 0.055, // m, pad centre beyond the palm along the tool axis
  padFriction: 1.5, // sliding friction of the pads
});

export interface ArmSpec {
  prefix: string; // e.g. "right": every name of this arm starts with it
  base: Vec3; // base position on the table, m
  baseYaw?: number; // rad about z; 0 = facing +x
  joints?: 6 | 7; // default 6; a 7th joint rolls the upper arm
  gripperOpening?: number; // m, each finger's travel from the centre; default GRIPPER.maxOpening
}

/** Every name an arm's MJCF defines, so code never spells them out. */
export interface ArmNames {
  prefix: string;
  joints: string[]; // the arm's revolute joints, base to wrist
  actuators: string[]; // one position servo per arm joint, same order
  fingerJoints: [string, string]; // the finger slides; the second follows the first
  gripperActuator: string;
  eeSite: string; // between the finger pads: the point delta-EE actions move
  wristCamera: string;
  hand: string; // the palm's body
  fingerBodies: [string, string];
  bodies: string[]; // every body of the arm, base to fingers
}

export function armNames(prefix: string, joints: 6 | 7 = 6): ArmNames {
  const jointNames =
    joints === 7
      ? ["yaw", "shoulder", "upper_roll", "elbow", "wrist_pitch", "wrist_yaw", "wrist_roll"]
      : ["yaw", "shoulder", "elbow", "wrist_pitch", "wrist_yaw", "wrist_roll"];
  const j = jointNames.map((n) => `${prefix}_${n}`);
  const links = ["base", "link1", "link2", ...(joints === 7 ? ["link2b"] : []), "link3", "link4", "link5", "hand"];
  return {
    prefix,
    joints: j,
    actuators: j.map((n) => `${n}_servo`),
    fingerJoints: [`${prefix}_finger_a`, `${prefix}_finger_b`],
    gripperActuator: `${prefix}_gripper`,
    eeSite: `${prefix}_ee`,
    wristCamera: `${prefix}_wrist_cam`,
    hand: `${prefix}_hand`,
    fingerBodies: [`${prefix}_finger_a`, `${prefix}_finger_b`],
    bodies: [...links.map((l) => `${prefix}_${l}`), `${prefix}_finger_a`, `${prefix}_finger_b`],
  };
}

const ARM_RGBA = [0.75, 0.76, 0.78, 1] as const;
const JOINT_RGBA = [0.2, 0.2, 0.22, 1] as const;
const PAD_RGBA = [0.1, 0.1, 0.1, 1] as const;

/**
 * Collision bits of a station's arms. The world's objects keep MuJoCo's default contype 1 / conaffinity 1; arm i's
 * geoms have contype 2 << i and conaffinity 1 plus the other arms' bits, so an arm collides with the world and with
 * the other arm but not with itself (its own links overlap at the joints).
 */
export function armCollisionBits(index: number, armCount: number): { contype: number; conaffinity: number } {
  let others = 0;
  for (let i = 0; i < armCount; i++) if (i !== index) others |= 2 << i;
  return { contype: 2 << index, conaffinity: 1 | others };
}

/**
 * One arm: its body tree, its actuators, the gripper coupling and the contacts it should not compute. `collision`
 * gives its geoms' contype/conaffinity (stationMjcf passes armCollisionBits for the arm's place in the station).
 */
export function armMjcf(
  spec: ArmSpec,
  collision: { contype: number; conaffinity: number } = armCollisionBits(0, 1),
): {
  body: string;
  actuators: string[];
  equalities: string[];
  excludes: [string, string][];
  names: ArmNames;
} {
  const n = armNames(spec.prefix, spec.joints ?? 6);
  const p = spec.prefix;
  const r = ARM.linkRadius;
  const seven = (spec.joints ?? 6) === 7;
  const opening = spec.gripperOpening ?? GRIPPER.maxOpening;
  // arm geoms collide with the world's objects (contype 1) and the other arm, not with their own arm's links
  const geom = (attrs: GeomAttrs) => mjGeom({ ...collision, ...attrs });
  const hinge = (name: string, axis: Vec3, range: [number, number]) =>
    joint({ name, type: "hinge", axis, range, damping: ARM.damping, armature: ARM.armature });

  const pad = (side: 1 | -1) =>
    geom({
      name: `${side > 0 ? n.fingerBodies[0] : n.fingerBodies[1]}_pad`,
      type: "box",
      size: [...GRIPPER.padHalf],
      pos: [0, side * GRIPPER.padHalf[1], GRIPPER.padOffset],
      rgba: PAD_RGBA,
      friction: [GRIPPER.padFriction, 0.02, 0.001],
      condim: 4,
      // the stiffest contact dt 2 ms allows: a light held object must not sink into the pads under the grip force
      solref: [0.004, 1],
      solimp: [0.95, 0.99, 0.0005],
      mass: 0.02,
    });
  const finger = (side: 1 | -1) =>
    body({ name: side > 0 ? n.fingerBodies[0] : n.fingerBodies[1], gravcomp: 1 }, [
      joint({
        name: side > 0 ? n.fingerJoints[0] : n.fingerJoints[1],
        type: "slide",
        axis: [0, side, 0],
        range: [-0.012, opening],
        damping: 5,
        armature: 0.01,
      }),
      geom({
        type: "box",
        size: [0.008, 0.004, 0.022],
        pos: [0, side * 0.008, 0.025],
        rgba: JOINT_RGBA,
        mass: 0.03,
        contype: 0,
        conaffinity: 0,
      }),
      pad(side),
    ]);

  const hand = body({ name: n.hand, pos: [0, 0, ARM.hand], gravcomp: 1 }, [
    geom({ type: "box", size: [0.02, 0.045, 0.01], pos: [0, 0, 0.005], rgba: JOINT_RGBA, mass: 0.2 }),
    site({ name: n.eeSite, pos: [0, 0, GRIPPER.padOffset], size: [0.003], rgba: [1, 0.2, 0.2, 1], group: 4 }),
    // the wrist camera looks along the tool axis; image up is the hand's −y
    camera({ name: n.wristCamera, pos: [0.035, 0, 0.01], xyaxes: [1, 0, 0, 0, -1, 0], fovy: 70 }),
    finger(1),
    finger(-1),
  ]);
  const wristRoll = body({ name: `${p}_link5`, pos: [0, 0, ARM.wrist], gravcomp: 1 }, [
    hinge(n.joints[seven ? 6 : 5], [0, 0, 1], [-3, 3]),
    geom({ type: "capsule", fromto: [0, 0, 0, 0, 0, ARM.hand], size: [0.022], rgba: ARM_RGBA, mass: 0.2 }),
    hand,
  ]);
  const wristYaw = body({ name: `${p}_link4`, gravcomp: 1 }, [
    hinge(n.joints[seven ? 5 : 4], [1, 0, 0], [-2, 2]),
    geom({ type: "capsule", fromto: [0, 0, 0, 0, 0, ARM.wrist], size: [0.025], rgba: ARM_RGBA, mass: 0.3 }),
    wristRoll,
  ]);
  const forearm = body({ name: `${p}_link3`, pos: [0, 0, ARM.forearm], gravcomp: 1 }, [
    hinge(n.joints[seven ? 4 : 3], [0, 1, 0], [-2.2, 2.2]),
    geom({ type: "sphere", size: [0.028], rgba: JOINT_RGBA, mass: 0.1 }),
    wristYaw,
  ]);
  const elbow = [
    hinge(n.joints[seven ? 3 : 2], [0, 1, 0], [-0.2, 2.8]),
    geom({ type: "capsule", fromto: [0, 0, 0, 0, 0, ARM.forearm], size: [r * 0.85], rgba: ARM_RGBA, mass: 0.8 }),
    forearm,
  ];
  const upper = seven
    ? [
        hinge(n.joints[2], [0, 0, 1], [-2.5, 2.5]),
        geom({ type: "capsule", fromto: [0, 0, 0, 0, 0, ARM.upperArm / 2], size: [r], rgba: ARM_RGBA, mass: 0.6 }),
        body({ name: `${p}_link2`, pos: [0, 0, ARM.upperArm], gravcomp: 1 }, elbow),
      ]
    : elbow;
  const shoulderChildren = [
    hinge(n.joints[1], [0, 1, 0], [-1.6, 1.6]),
    geom({ type: "capsule", fromto: [0, 0, 0, 0, 0, ARM.upperArm], size: [r], rgba: ARM_RGBA, mass: 1.2 }),
    seven
      ? body({ name: `${p}_link2b`, pos: [0, 0, ARM.upperArm / 2], gravcomp: 1 }, upper)
      : body({ name: `${p}_link2`, pos: [0, 0, ARM.upperArm], gravcomp: 1 }, upper),
  ];
  const yaw = spec.baseYaw ?? 0;
  const base = body(
    { name: `${p}_base`, pos: spec.base, quat: [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)], gravcomp: 1 },
    [
      geom({ type: "cylinder", size: [0.055, ARM.baseHeight / 2], pos: [0, 0, ARM.baseHeight / 2], rgba: JOINT_RGBA }),
      body({ name: `${p}_link1`, pos: [0, 0, ARM.baseHeight], gravcomp: 1 }, [
        hinge(n.joints[0], [0, 0, 1], [-2.8, 2.8]),
        geom({ type: "sphere", size: [0.04], rgba: JOINT_RGBA, mass: 0.5 }),
        ...shoulderChildren,
      ]),
    ],
  );

  const kps = seven
    ? [ARM.kpShoulder, ARM.kpShoulder, ARM.kpElbow, ARM.kpElbow, ARM.kpWrist, ARM.kpWrist, ARM.kpWrist]
    : [ARM.kpShoulder, ARM.kpShoulder, ARM.kpElbow, ARM.kpWrist, ARM.kpWrist, ARM.kpWrist];
  const torques = seven
    ? [ARM.torqueShoulder, ARM.torqueShoulder, ARM.torqueElbow, ARM.torqueElbow]
    : [ARM.torqueShoulder, ARM.torqueShoulder, ARM.torqueElbow];
  const actuators = n.joints.map((j, i) => {
    const t = torques[i] ?? ARM.torqueWrist;
    return positionActuator({ name: n.actuators[i], joint: j, kp: kps[i], forcerange: [-t, t] });
  });
  actuators.push(
    positionActuator({
      name: n.gripperActuator,
      joint: n.fingerJoints[0],
      kp: GRIPPER.kp,
      ctrlrange: [GRIPPER.closedTarget, opening],
      forcerange: [-GRIPPER.forceLimit, GRIPPER.forceLimit],
    }),
  );
  const excludes: [string, string][] = [
    [`${p}_base`, `${p}_link1`],
    [`${p}_link1`, `${p}_link2`],
    [n.hand, n.fingerBodies[0]],
    [n.hand, n.fingerBodies[1]],
    [n.fingerBodies[0], n.fingerBodies[1]],
  ];
  return {
    body: base,
    actuators,
    equalities: [jointEquality(`${p}_finger_coupling`, n.fingerJoints[0], n.fingerJoints[1])],
    excludes,
    names: n,
  };
}

export interface StationOptions {
  name: string;
  arms: ArmSpec[]; // one or two
  objects?: string[]; // the task's bodies and geoms, as MJCF
  excludes?: [string, string][]; // more body pairs that never collide
  timestep?: number; // s, default 0.002
  sensors?: string[]; // MJCF sensors, e.g. contactForceSensor(...)
  equalities?: string[]; // the task's MJCF equalities (e.g. a strap's breakable links), after the arms' own
}

/** A whole station: table, arms, cameras top/left/right, light, the task's objects. Returns the MJCF. */
export function stationMjcf(opts: StationOptions): string {
  const arms = opts.arms.map((arm, i) => armMjcf(arm, armCollisionBits(i, opts.arms.length)));
  const world = [
    element("light", {
      name: "sun",
      pos: [0.3, 0, 1.5],
      dir: [0, 0, -1],
      directional: "true",
      diffuse: [0.8, 0.8, 0.8],
    }),
    mjGeom({ name: "table", type: "box", size: [0.6, 0.6, 0.02], pos: [0.3, 0, -0.02], rgba: [0.55, 0.45, 0.35, 1] }),
    lookAt("top", [0.35, 0, 0.9], [0.35, 0, 0], 50),
    lookAt("left", [0.35, 0.6, 0.35], [0.35, 0, 0.05], 50),
    lookAt("right", [0.35, -0.6, 0.35], [0.35, 0, 0.05], 50),
    ...arms.map((a) => a.body),
    ...(opts.objects ?? []),
  ];
  return mujocoModel({
    name: opts.name,
    option: {
      timestep: opts.timestep ?? 0.002,
      integrator: "implicitfast",
      cone: "pyramidal",
      solver: "Newton",
      gravity: [0, 0, -9.81],
    },
    world,
    actuators: arms.flatMap((a) => a.actuators),
    equalities: [...arms.flatMap((a) => a.equalities), ...(opts.equalities ?? [])],
    contactExcludes: [...arms.flatMap((a) => a.excludes), ...(opts.excludes ?? [])],
    sensors: opts.sensors,
  });
}

/**
 * A contact sensor for a per-substep force watch (MjScene.contactSensorNormalForce): the contacts between two bodies
 * ("world" is the world body, so the table), with their forces, resolved by MuJoCo inside the step. `slots` is how
 * many contacts it reports; past that the reader falls back to walking every contact (exact, slower).
 */
export function contactForceSensor(name: string, body1: string, body2: string, slots = 16): string {
  return element("contact", { name, body1, body2, num: slots, data: "found force", reduce: "none" });
}
