/**
 * Orientation as the tools' API gives it: roll, pitch, yaw in degrees, R = Rz(yaw) · Ry(pitch) · Rx(roll) (fixed
 * axes x, then y, then z: the paper's CaP convention, e.g. a top-down gripper is rpy (0, 180, 0)), world frame,
 * and row-major 3×3 matrices as MuJoCo keeps them.
 */
const RAD = Math.PI / 180;

/** Row-major R = Rz(yaw)·Ry(pitch)·Rx(roll) from degrees. */
export function rpyToMat(rpy: readonly number[]): number[] {
  const [r, p, y] = [rpy[0] * RAD, rpy[1] * RAD, rpy[2] * RAD];
  const [cr, sr, cp, sp, cy, sy] = [Math.cos(r), Math.sin(r), Math.cos(p), Math.sin(p), Math.cos(y), Math.sin(y)];
  return [
    cy * cp,
    cy * sp * sr - sy * cr,
    cy * sp * cr + sy * sr,
    sy * cp,
    sy * sp * sr + cy * cr,
    sy * sp * cr - cy * sr,
    -sp,
    cp * sr,
    cp * cr,
  ];
}

/** Degrees (roll, pitch in −90..90, yaw) of a row-major rotation matrix. */
export function matToRpy(m: readonly number[]): [number, number, number] {
  const pitch = Math.asin(Math.max(-1, Math.min(1, -m[6])));
  let roll: number;
  let yaw: number;
  if (Math.abs(m[6]) < 1 - 1e-9) {
    roll = Math.atan2(m[7], m[8]);
    yaw = Math.atan2(m[3], m[0]);
  } else {
    roll = 0; // gimbal lock: put the whole turn in yaw
    yaw = Math.atan2(-m[1], m[4]);
  }
  return [roll / RAD, pitch / RAD, yaw / RAD];
}

/** Row-major rotation matrix of a unit quaternion (w, x, y, z). */
export function quatToMat(q: readonly number[]): number[] {
  const [w, x, y, z] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** The heading (rad, about world z) of a body whose quaternion [w, x, y, z] is `q`: its x axis's angle in the floor. */
export function quatYaw(q: readonly number[]): number {
  return Math.atan2(2 * (q[0] * q[3] + q[1] * q[2]), 1 - 2 * (q[2] ** 2 + q[3] ** 2));
}
