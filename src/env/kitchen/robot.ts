/**
 * The kitchen robot, a mobile manipulator like RoboCasa's PandaOmron, written as MJCF from primitives: a planar
 * base (slide x, slide y, hinge yaw, each driven by a damped position servo that the env moves like a velocity
 * command), a torso lift (slide z, gravity-compensated, servoed), and on it the station arm of ../mujoco/robot.ts with
 * 7 joints (capsules, gravcomp, force-limited position servos) and its force-limited parallel gripper.
 * Cameras: robot0_agentview_left / robot0_agentview_right on the base, looking forward over the counter as
 * RoboCasa's do, and robot0_eye_in_hand on the wrist (along the tool axis).
 *
 * Frames: world z up, floor at z = 0. The base's +x is forward; `mobileManipulatorMjcf({ pos, yaw })` bakes the
 * start pose into the base body, so the base joints read 0 at the start and their slides run along the start frame's
 * x and y (the yaw hinge turns after them). The arm's mount (`robot0_base`, armMjcf's name) rides on the torso with
 * the base's orientation, so a delta in the base frame is the same delta in the mount frame.
 * Reach: with the torso down the shoulder is 0.96 m above the floor and 0.17 m ahead of the base's centre; with the
 * tool pointing down the end-effector reaches a counter top at 0.9 m from about 0.3 to 0.75 m ahead of the centre.
 */

import { body, element, geom, joint, lookAt, mujocoModel, positionActuator, type Vec3 } from "../mujoco/mjcf.js";
import { type ArmNames, armMjcf, armNames } from "../mujoco/robot.js";

/** Dimensions and servo constants of the base and torso (the arm's are ../mujoco/robot.ts ARM and GRIPPER). */
export const MOBILE = Object.freeze({
  baseHalf: [0.3, 0.25, 0.14] as Vec3, // m, half sizes of the base's box (0.6 × 0.5 m footprint)
  baseClearance: 0.02, // m, gap under the base: it slides on its joints, never on the floor
  baseMass: 30, // kg
  torsoPos: [0.05, 0, 0.3] as Vec3, // m, the torso's slide origin in the base frame (on top of the base box)
  torsoHalf: [0.07, 0.1, 0.3] as Vec3, // m, half sizes of the torso column
  torsoRange: [0, 0.45] as const, // m, travel of the torso lift
  torsoMass: 8, // kg
  // the Panda hand's 8 cm between open pads (RoboCasa's PandaOmron), wider than the station arms' 6 cm: kitchen
  // objects and mugs are 6-9 cm across
  gripperOpening: 0.04, // m, each finger's travel from the centre
  armMount: [0.12, 0, 0.58] as Vec3, // m, the arm's mount in the torso frame (shoulder 0.08 m above it)
  kpBaseXy: 6000, // N/m, base slide servos
  kvBaseXy: 700, // N·s/m, their velocity damping (damping ratio about 0.7 for the whole robot's ~45 kg)
  forceBaseXy: 800, // N, their force range (±): a counter stops the base
  kpBaseYaw: 800, // N·m/rad, yaw servo
  kvBaseYaw: 80, // N·m·s/rad
  torqueBaseYaw: 300, // N·m
  kpTorso: 5000, // N/m, torso lift servo (the torso and the arm are gravity-compensated)
  kvTorso: 500, // N·s/m
  forceTorso: 500, // N
  armature: 0.5, // kg (kg·m²) on the base and torso joints: keeps the stiff servos stable at dt 2 ms
  cameraFovy: 60, // degrees, the agentview cameras
  agentviewPos: [-0.15, 0.4, 1.45] as Vec3, // m, agentview_left in the base frame (right mirrors y)
  agentviewTarget: [0.75, -0.05, 0.9] as Vec3, // m, where agentview_left looks, base frame (right mirrors y)
});

/** Every name the robot's MJCF defines, so code never spells them out. */
export interface MobileManipulatorNames {
  arm: ArmNames; // the 7-joint arm (its wristCamera is robot0_eye_in_hand)
  baseBody: string; // the mobile base (its frame is the "base frame" of actions and observations)
  baseJoints: [string, string, string]; // slide x, slide y, hinge yaw
  baseActuators: [string, string, string];
  torsoBody: string;
  torsoJoint: string;
  torsoActuator: string;
  cameras: { agentviewLeft: string; agentviewRight: string; eyeInHand: string };
  bodies: string[]; // every body of the robot: base, torso, arm and fingers
}

const PREFIX = "robot0";
const ARM_WRIST_CAMERA = armNames(PREFIX, 7).wristCamera;

/** The robot's names (one robot per kitchen, prefixed robot0 as RoboCasa's). */
export function mobileManipulatorNames(): MobileManipulatorNames {
  const arm = { ...armNames(PREFIX, 7), wristCamera: `${PREFIX}_eye_in_hand` };
  const baseBody = `${PREFIX}_mobile_base`;
  const torsoBody = `${PREFIX}_torso`;
  return {
    arm,
    baseBody,
    baseJoints: [`${PREFIX}_base_x`, `${PREFIX}_base_y`, `${PREFIX}_base_yaw`],
    baseActuators: [`${PREFIX}_base_x_servo`, `${PREFIX}_base_y_servo`, `${PREFIX}_base_yaw_servo`],
    torsoBody,
    torsoJoint: `${PREFIX}_torso_lift`,
    torsoActuator: `${PREFIX}_torso_servo`,
    cameras: {
      agentviewLeft: `${PREFIX}_agentview_left`,
      agentviewRight: `${PREFIX}_agentview_right`,
      eyeInHand: arm.wristCamera,
    },
    bodies: [baseBody, torsoBody, ...arm.bodies],
  };
}

const BASE_RGBA = [0.25, 0.27, 0.3, 1] as const;
const TORSO_RGBA = [0.8, 0.8, 0.82, 1] as const;
const WHEEL_RGBA = [0.08, 0.08, 0.08, 1] as const;

/**
 * The robot alone as a complete MJCF model (physics options, the robot body tree, actuators, the gripper coupling),
 * starting at `base.pos` (m, on the floor) facing `base.yaw` (rad about z). A kitchen adds its fixtures to the
 * worldbody (kitchen-env.ts kitchenModelXml).
 * @example MjScene.fromXml(kitchenModelXml(mobileManipulatorMjcf({ pos: [0, 0], yaw: 0 }), sceneMjcf))
 */
export function mobileManipulatorMjcf(base: { pos: readonly [number, number]; yaw: number }): string {
  const n = mobileManipulatorNames();
  // the robot collides with the world (contype 1) but not with itself: every robot geom has type 2, affinity 1
  const bits = { contype: 2, conaffinity: 1 };
  const arm = armMjcf(
    { prefix: PREFIX, base: MOBILE.armMount, joints: 7, gripperOpening: MOBILE.gripperOpening },
    bits,
  );
  // armMjcf names its wrist camera <prefix>_wrist_cam; RoboCasa's is robot0_eye_in_hand
  const armBody = arm.body.replace(`name="${ARM_WRIST_CAMERA}"`, `name="${n.arm.wristCamera}"`);
  if (armBody === arm.body) throw new Error(`the arm's MJCF has no camera named ${ARM_WRIST_CAMERA}`);

  const [hx, hy, hz] = MOBILE.baseHalf;
  const wheel = (x: number, y: number) =>
    geom({
      type: "cylinder",
      size: [0.06, 0.025],
      pos: [x, y, 0.06],
      quat: [Math.SQRT1_2, Math.SQRT1_2, 0, 0],
      rgba: WHEEL_RGBA,
      contype: 0,
      conaffinity: 0,
      mass: 0.5,
    });
  const [tx, ty, tz] = MOBILE.torsoHalf;
  const torso = body({ name: n.torsoBody, pos: MOBILE.torsoPos, gravcomp: 1 }, [
    joint({
      name: n.torsoJoint,
      type: "slide",
      axis: [0, 0, 1],
      range: MOBILE.torsoRange,
      damping: 10,
      armature: MOBILE.armature,
    }),
    // the column reaches down into the base box, so it shows no gap at full lift
    geom({
      ...bits,
      type: "box",
      size: [tx, ty, tz],
      pos: [0, 0, 0.58 - tz],
      rgba: TORSO_RGBA,
      mass: MOBILE.torsoMass,
    }),
    armBody,
  ]);
  const left = MOBILE.agentviewPos;
  const at = MOBILE.agentviewTarget;
  const slide = (name: string, axis: Vec3) =>
    joint({ name, type: "slide", axis, damping: 5, armature: MOBILE.armature });
  const mobileBase = body(
    {
      name: n.baseBody,
      pos: [base.pos[0], base.pos[1], 0],
      quat: [Math.cos(base.yaw / 2), 0, 0, Math.sin(base.yaw / 2)],
    },
    [
      slide(n.baseJoints[0], [1, 0, 0]),
      slide(n.baseJoints[1], [0, 1, 0]),
      joint({ name: n.baseJoints[2], type: "hinge", axis: [0, 0, 1], damping: 5, armature: MOBILE.armature }),
      geom({
        ...bits,
        name: `${PREFIX}_base_box`,
        type: "box",
        size: [hx, hy, hz],
        pos: [0, 0, MOBILE.baseClearance + hz],
        rgba: BASE_RGBA,
        mass: MOBILE.baseMass,
      }),
      wheel(hx - 0.08, hy - 0.02),
      wheel(hx - 0.08, -(hy - 0.02)),
      wheel(-(hx - 0.08), hy - 0.02),
      wheel(-(hx - 0.08), -(hy - 0.02)),
      lookAt(n.cameras.agentviewLeft, left, at, MOBILE.cameraFovy),
      lookAt(n.cameras.agentviewRight, [left[0], -left[1], left[2]], [at[0], -at[1], at[2]], MOBILE.cameraFovy),
      torso,
    ],
  );

  const servo = (name: string, jointName: string, kp: number, kv: number, force: number) =>
    positionActuator({ name, joint: jointName, kp, kv, forcerange: [-force, force] });
  const actuators = [
    servo(n.baseActuators[0], n.baseJoints[0], MOBILE.kpBaseXy, MOBILE.kvBaseXy, MOBILE.forceBaseXy),
    servo(n.baseActuators[1], n.baseJoints[1], MOBILE.kpBaseXy, MOBILE.kvBaseXy, MOBILE.forceBaseXy),
    servo(n.baseActuators[2], n.baseJoints[2], MOBILE.kpBaseYaw, MOBILE.kvBaseYaw, MOBILE.torqueBaseYaw),
    servo(n.torsoActuator, n.torsoJoint, MOBILE.kpTorso, MOBILE.kvTorso, MOBILE.forceTorso),
    ...arm.actuators,
  ];
  return mujocoModel({
    name: "kitchen",
    option: {
      timestep: 0.002,
      integrator: "implicitfast",
      cone: "pyramidal",
      solver: "Newton",
      gravity: [0, 0, -9.81],
    },
    world: [
      element("light", { name: "sun", pos: [0, 0, 3], dir: [0, 0, -1], directional: "true", diffuse: [0.8, 0.8, 0.8] }),
      mobileBase,
    ],
    actuators,
    equalities: arm.equalities,
    contactExcludes: arm.excludes,
  });
}
