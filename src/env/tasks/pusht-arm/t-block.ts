/**
 * The physical T of the real Push-T station and its goal marker, as MJCF, plus the T's geometry in its own frame.
 *
 * The T is the paper's: 0.16 m × 0.16 m, a crossbar 0.16 × 0.04 m and a stem 0.04 × 0.12 m, here 0.025 m thick, red,
 * two boxes welded in one body on a free joint. Its body frame has the origin at the T's area centroid, +y along
 * the stem (from the bar towards the stem's end) and +x along the bar; a pose (x, y, yaw) is that frame on the table.
 * The goal is the same outline drawn flat on the table (green, no collision, 0.5 mm high).
 */
import { body, freejoint, geom } from "../../mujoco/mjcf.js";

/** The T's dimensions, m. */
export const T_SHAPE = Object.freeze({
  barLength: 0.16, // along body x
  barWidth: 0.04, // along body y
  stemWidth: 0.04, // along body x
  stemLength: 0.12, // along body y
  height: 0.025, // thickness above the table
});

const BAR_AREA = T_SHAPE.barLength * T_SHAPE.barWidth;
const STEM_AREA = T_SHAPE.stemWidth * T_SHAPE.stemLength;
/** Distance from the bar's outer edge to the area centroid, along +y (0.0543 m). */
const CENTROID_FROM_TOP =
  (BAR_AREA * (T_SHAPE.barWidth / 2) + STEM_AREA * (T_SHAPE.barWidth + T_SHAPE.stemLength / 2)) /
  (BAR_AREA + STEM_AREA);

/** Body-frame y ranges of the two parts (the origin is the area centroid). */
export const T_BAR_Y = Object.freeze([-CENTROID_FROM_TOP, T_SHAPE.barWidth - CENTROID_FROM_TOP] as const);
export const T_STEM_Y = Object.freeze([
  T_SHAPE.barWidth - CENTROID_FROM_TOP,
  T_SHAPE.barWidth + T_SHAPE.stemLength - CENTROID_FROM_TOP,
] as const);

/** The T's 8-corner outline in its body frame, m, counter-clockwise seen from above. */
export const T_OUTLINE: readonly (readonly [number, number])[] = Object.freeze([
  [-T_SHAPE.barLength / 2, T_BAR_Y[0]],
  [T_SHAPE.barLength / 2, T_BAR_Y[0]],
  [T_SHAPE.barLength / 2, T_BAR_Y[1]],
  [T_SHAPE.stemWidth / 2, T_STEM_Y[0]],
  [T_SHAPE.stemWidth / 2, T_STEM_Y[1]],
  [-T_SHAPE.stemWidth / 2, T_STEM_Y[1]],
  [-T_SHAPE.stemWidth / 2, T_STEM_Y[0]],
  [-T_SHAPE.barLength / 2, T_BAR_Y[1]],
] as const);

/** Whether a body-frame point (m) lies inside the T. */
export function insideT(bx: number, by: number): boolean {
  if (by >= T_BAR_Y[0] && by <= T_BAR_Y[1]) return Math.abs(bx) <= T_SHAPE.barLength / 2;
  if (by > T_STEM_Y[0] && by <= T_STEM_Y[1]) return Math.abs(bx) <= T_SHAPE.stemWidth / 2;
  return false;
}

/** World xy of a body-frame point for a pose (x, y, yaw). */
export function tToWorld(pose: readonly [number, number, number], p: readonly [number, number]): [number, number] {
  const c = Math.cos(pose[2]);
  const s = Math.sin(pose[2]);
  return [pose[0] + c * p[0] - s * p[1], pose[1] + s * p[0] + c * p[1]];
}

/** Distance (m) from a point to the T's outline at a pose; negative inside. */
export function outlineDistance(pose: readonly [number, number, number], p: readonly [number, number]): number {
  const corners = T_OUTLINE.map((c) => tToWorld(pose, c));
  let best = Number.POSITIVE_INFINITY;
  let inside = false;
  for (let i = 0, j = corners.length - 1; i < corners.length; j = i++) {
    const [ax, ay] = corners[j];
    const [bx, by] = corners[i];
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.min(1, Math.max(0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy));
    if (ay > p[1] !== by > p[1] && p[0] < ax + ((p[1] - ay) * dx) / dy) inside = !inside;
  }
  return inside ? -best : best;
}

export const T_RGBA = [0.85, 0.07, 0.07, 1] as const; // the paper's red T
export const GOAL_RGBA = [0.45, 0.8, 0.45, 1] as const; // the goal drawn on the table

/**
 * The T as a free body at `pose` (its boxes with `friction` and priority 1, so their friction governs contacts
 * with the table and the pusher; the mass is set per episode by the task).
 */
export function tBlockMjcf(pose: readonly [number, number, number], mass: number, friction: number): string {
  const h = T_SHAPE.height / 2;
  const part = (name: string, half: [number, number], cy: number) =>
    geom({
      name,
      type: "box",
      size: [half[0], half[1], h],
      pos: [0, cy, 0],
      rgba: T_RGBA,
      friction: [friction, 0.005, 0.0001],
      priority: 1,
      condim: 3,
      mass: (mass * half[0] * half[1] * 4) / (BAR_AREA + STEM_AREA),
    });
  return body({ name: "t_block", pos: [pose[0], pose[1], h], quat: yawQuat(pose[2]) }, [
    freejoint("t_free"),
    part("t_bar", [T_SHAPE.barLength / 2, T_SHAPE.barWidth / 2], (T_BAR_Y[0] + T_BAR_Y[1]) / 2),
    part("t_stem", [T_SHAPE.stemWidth / 2, T_SHAPE.stemLength / 2], (T_STEM_Y[0] + T_STEM_Y[1]) / 2),
  ]);
}

/** The goal's outline drawn on the table: two flat boxes that collide with nothing. */
export function goalMarkerMjcf(pose: readonly [number, number, number]): string {
  const h = 0.00025;
  const part = (name: string, half: [number, number], cy: number) =>
    geom({
      name,
      type: "box",
      size: [half[0], half[1], h],
      pos: [0, cy, 0],
      rgba: GOAL_RGBA,
      contype: 0,
      conaffinity: 0,
    });
  return body({ name: "goal_marker", pos: [pose[0], pose[1], h], quat: yawQuat(pose[2]) }, [
    part("goal_bar", [T_SHAPE.barLength / 2, T_SHAPE.barWidth / 2], (T_BAR_Y[0] + T_BAR_Y[1]) / 2),
    part("goal_stem", [T_SHAPE.stemWidth / 2, T_SHAPE.stemLength / 2], (T_STEM_Y[0] + T_STEM_Y[1]) / 2),
  ]);
}

/** The quaternion (w, x, y, z) of a rotation by `yaw` about world z. */
export function yawQuat(yaw: number): [number, number, number, number] {
  return [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
}
