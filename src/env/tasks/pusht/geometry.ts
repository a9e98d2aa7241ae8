/**
 * Push-T geometry and constants, exactly as the reference (gym-pusht 0.1.5 / Diffusion Policy PushTEnv legacy=True)
 * has them. Units are px in a 512x512 arena with y pointing down; angles in radians.
 */

export type Vec2 = readonly [number, number];
/** A block pose: the body origin (top-centre of the bar, not the centre of gravity) and its angle. */
export type Pose = readonly [x: number, y: number, angle: number];

export const ARENA_SIZE = 512;

/** The T's two convex parts in body coordinates; the body origin is the top-centre of the bar. */
export const T_BAR: readonly Vec2[] = [
  [-60, 0],
  [60, 0],
  [60, 30],
  [-60, 30],
];
export const T_STEM: readonly Vec2[] = [
  [-15, 30],
  [15, 30],
  [15, 120],
  [-15, 120],
];
export const T_PARTS: readonly (readonly Vec2[])[] = [T_BAR, T_STEM];
/** Area of the T in px², the denominator of coverage. */
export const T_AREA = 120 * 30 + 30 * 90; // 6300

/** The reference's mass properties (the moment uses the bar twice, as the reference does; about the body origin). */
export const T_MASS = 1;
export const T_MOMENT = 3000;
/** Mean of the two parts' centroids, as the reference computes it (not the area-weighted 40.71). */
export const T_CENTER_OF_GRAVITY: Vec2 = [0, 45];

export const AGENT_RADIUS = 15;
export const AGENT_START: Vec2 = [256, 400];

/** Four static wall segments of radius 2. The kinematic agent passes through them; the block does not. */
export const WALLS: readonly (readonly [Vec2, Vec2])[] = [
  [
    [5, 506],
    [5, 5],
  ],
  [
    [5, 5],
    [506, 5],
  ],
  [
    [506, 5],
    [506, 506],
  ],
  [
    [5, 506],
    [506, 506],
  ],
];
export const WALL_RADIUS = 2;

export const GOAL_POSE: Pose = [256, 256, Math.PI / 4];

/** PD tracking of the commanded target: v += (KP (target - p) + KV (0 - v)) dt, 10 substeps of 0.01 s per action. */
export const KP = 100;
export const KV = 20;
export const SUBSTEPS = 10;
export const SUBSTEP_DT = 0.01;

export const SUCCESS_COVERAGE = 0.95;
export const MAX_STEPS = 300;

/** Reference colours (RGB). */
export const COLORS = {
  background: [255, 255, 255],
  goal: [144, 238, 144], // LightGreen
  blockFill: [143, 163, 184], // 1.2 x LightSlateGray
  blockOutline: [119, 136, 153], // LightSlateGray, 2 px
  agent: [65, 105, 225], // RoyalBlue
  agentInner: [78, 126, 255], // inner disc of radius 11
  wall: [211, 211, 211], // LightGray
  actionCross: [255, 0, 0],
} as const;

/** World coordinates of a body-frame point for a block pose. */
export function toWorld(pose: Pose, p: Vec2): [number, number] {
  const c = Math.cos(pose[2]);
  const s = Math.sin(pose[2]);
  return [pose[0] + c * p[0] - s * p[1], pose[1] + s * p[0] + c * p[1]];
}
