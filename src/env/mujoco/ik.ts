/**
 * Damped-least-squares differential IK on an end-effector site's Jacobian. It works on its own copy of the
 * model's data (a kinematic twin), so solving never disturbs the simulation: set the twin's arm joints to a guess,
 * compare the site's pose with the target, step the joints by J^T (J J^T + λ² I)^-1 W e, repeat.
 *
 * A target is a position (m) and an orientation (row-major 3×3); `axisWeights` (x, y, z, rx, ry, rz) scale each
 * error row, and a weight of 0 leaves that axis free (e.g. a tool's roll). Joint ranges are respected by clamping.
 */
import type { DoubleBuffer, MjData } from "@mujoco/mujoco";
import type { MjScene, Vec3 } from "./scene.js";

export const IK_DEFAULTS = Object.freeze({
  damping: 0.02, // λ of the damped least squares (m): keeps steps small near singular postures
  iterations: 20, // most Newton steps per solve
  tolerance: 1e-5, // m (and rad) of weighted error at which a solve stops
  maxStep: 0.2, // rad, largest change of one joint per iteration
});

export interface IkTarget {
  pos: Vec3;
  mat: readonly number[]; // row-major 3×3 orientation of the site
}

export interface IkOptions {
  axisWeights?: readonly [number, number, number, number, number, number]; // default all 1
  iterations?: number;
  tolerance?: number;
  damping?: number;
}

export interface IkResult {
  q: Float64Array; // joint targets, the arm's joint order
  posError: number; // m, remaining position error
  rotError: number; // rad, remaining orientation error
  iterations: number;
}

/** Differential IK for one arm: its joints (by name) and its end-effector site. Dispose when done. */
export class DiffIk {
  private readonly twin: MjData;
  private readonly jacpBuf: DoubleBuffer;
  private readonly jacrBuf: DoubleBuffer;
  private readonly qposAdr: number[];
  private readonly dofAdr: number[];
  private readonly lower: number[];
  private readonly upper: number[];
  private readonly siteId: number;
  private disposed = false;

  constructor(
    private readonly scene: MjScene,
    joints: readonly string[],
    site: string,
  ) {
    const { mj, model } = scene;
    this.twin = new mj.MjData(model);
    this.jacpBuf = new mj.DoubleBuffer(3 * model.nv);
    this.jacrBuf = new mj.DoubleBuffer(3 * model.nv);
    this.qposAdr = joints.map((j) => scene.qposAdr(j));
    this.dofAdr = joints.map((j) => scene.dofAdr(j));
    const range = model.jnt_range as Float64Array;
    const ids = joints.map((j) => scene.id("joint", j));
    this.lower = ids.map((id) => range[2 * id]);
    this.upper = ids.map((id) => range[2 * id + 1]);
    this.siteId = scene.id("site", site);
  }

  get joints(): number {
    return this.qposAdr.length;
  }

  /** The site's pose with the arm at joint values q (the rest of the scene as it is now). */
  forward(q: ArrayLike<number>): IkTarget {
    this.setTwin(q);
    return this.sitePose();
  }

  /** Joint values that put the site at `target`, starting from `q0`. */
  solve(q0: ArrayLike<number>, target: IkTarget, options: IkOptions = {}): IkResult {
    if (this.disposed) throw new Error("this DiffIk was disposed");
    const w = options.axisWeights ?? [1, 1, 1, 1, 1, 1];
    const lambda = options.damping ?? IK_DEFAULTS.damping;
    const iterations = options.iterations ?? IK_DEFAULTS.iterations;
    const tol = options.tolerance ?? IK_DEFAULTS.tolerance;
    const n = this.joints;
    const nv = this.scene.model.nv;
    const q = Float64Array.from(q0);
    const e = new Float64Array(6);
    const J = new Float64Array(6 * n);
    let posError = Number.POSITIVE_INFINITY;
    let rotError = Number.POSITIVE_INFINITY;
    let it = 0;
    for (; it <= iterations; it++) {
      this.setTwin(q);
      const pose = this.sitePose();
      const rv = rotationError(target.mat, pose.mat);
      for (let k = 0; k < 3; k++) {
        e[k] = w[k] * (target.pos[k] - pose.pos[k]);
        e[3 + k] = w[3 + k] * rv[k];
      }
      posError = Math.hypot(target.pos[0] - pose.pos[0], target.pos[1] - pose.pos[1], target.pos[2] - pose.pos[2]);
      rotError = Math.hypot(rv[0], rv[1], rv[2]);
      if (Math.hypot(...e) < tol || it === iterations) break;
      const { mj, model } = this.scene;
      mj.mj_jacSite(model, this.twin, this.jacpBuf, this.jacrBuf, this.siteId);
      const jp = this.jacpBuf.GetView() as Float64Array;
      const jr = this.jacrBuf.GetView() as Float64Array;
      for (let c = 0; c < n; c++) {
        const dof = this.dofAdr[c];
        for (let k = 0; k < 3; k++) {
          J[k * n + c] = w[k] * jp[k * nv + dof];
          J[(3 + k) * n + c] = w[3 + k] * jr[k * nv + dof];
        }
      }
      const dq = dampedStep(J, e, n, lambda);
      let scale = 1;
      for (let c = 0; c < n; c++) scale = Math.min(scale, IK_DEFAULTS.maxStep / Math.max(1e-12, Math.abs(dq[c])));
      for (let c = 0; c < n; c++) q[c] = clamp(q[c] + scale * dq[c], this.lower[c], this.upper[c]);
    }
    return { q, posError, rotError, iterations: it };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.jacpBuf.delete();
    this.jacrBuf.delete();
    this.twin.delete();
  }

  private setTwin(q: ArrayLike<number>): void {
    const qpos = this.twin.qpos as Float64Array;
    qpos.set(this.scene.qposView());
    for (let c = 0; c < this.qposAdr.length; c++) qpos[this.qposAdr[c]] = q[c];
    const { mj, model } = this.scene;
    mj.mj_kinematics(model, this.twin);
    mj.mj_comPos(model, this.twin);
  }

  private sitePose(): IkTarget {
    const i = this.siteId;
    const p = this.twin.site_xpos as Float64Array;
    const m = this.twin.site_xmat as Float64Array;
    return { pos: [p[3 * i], p[3 * i + 1], p[3 * i + 2]], mat: Array.from(m.subarray(9 * i, 9 * i + 9)) };
  }
}

/** dq = Jᵀ (J Jᵀ + λ² I)⁻¹ e for a 6 × n Jacobian (row-major). */
function dampedStep(J: Float64Array, e: Float64Array, n: number, lambda: number): Float64Array {
  const A = new Float64Array(36);
  for (let r = 0; r < 6; r++) {
    for (let c = 0; c < 6; c++) {
      let s = r === c ? lambda * lambda : 0;
      for (let k = 0; k < n; k++) s += J[r * n + k] * J[c * n + k];
      A[r * 6 + c] = s;
    }
  }
  const y = solveSymmetric(A, e, 6);
  const dq = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let r = 0; r < 6; r++) s += J[r * n + k] * y[r];
    dq[k] = s;
  }
  return dq;
}

/** Solves A x = b for a symmetric positive definite A (Cholesky). */
function solveSymmetric(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-18)) : s / L[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** The rotation vector (world frame, rad) that turns orientation `current` into `target`: log(target · currentᵀ). */
export function rotationError(target: readonly number[], current: readonly number[]): Vec3 {
  // R = target · currentᵀ
  const R = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      R[i * 3 + j] =
        target[i * 3] * current[j * 3] +
        target[i * 3 + 1] * current[j * 3 + 1] +
        target[i * 3 + 2] * current[j * 3 + 2];
    }
  }
  const cos = clamp((R[0] + R[4] + R[8] - 1) / 2, -1, 1);
  const angle = Math.acos(cos);
  const v: Vec3 = [R[7] - R[5], R[2] - R[6], R[3] - R[1]];
  const s = Math.sin(angle);
  if (s < 1e-9) {
    if (cos > 0) return [v[0] / 2, v[1] / 2, v[2] / 2];
    // angle near π: axis from the diagonal
    const axis: Vec3 = [
      Math.sqrt(Math.max(0, (R[0] + 1) / 2)),
      Math.sqrt(Math.max(0, (R[4] + 1) / 2)),
      Math.sqrt(Math.max(0, (R[8] + 1) / 2)),
    ];
    if (R[1] < 0) axis[1] = -axis[1];
    if (R[2] < 0) axis[2] = -axis[2];
    return [axis[0] * angle, axis[1] * angle, axis[2] * angle];
  }
  const k = angle / (2 * s);
  return [v[0] * k, v[1] * k, v[2] * k];
}

/** A row-major rotation matrix from a rotation vector (rad). */
export function rotvecToMat(r: readonly number[]): number[] {
  const angle = Math.hypot(r[0], r[1], r[2]);
  if (angle < 1e-12) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const [x, y, z] = [r[0] / angle, r[1] / angle, r[2] / angle];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

/** a · b for row-major 3×3 matrices. */
export function matMul(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  }
  return out;
}

/** The quaternion [w, x, y, z] of a row-major rotation matrix. */
export function matToQuat(m: readonly number[]): [number, number, number, number] {
  const tr = m[0] + m[4] + m[8];
  let w: number;
  let x: number;
  let y: number;
  let z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = s / 4;
    x = (m[7] - m[5]) / s;
    y = (m[2] - m[6]) / s;
    z = (m[3] - m[1]) / s;
  } else if (m[0] > m[4] && m[0] > m[8]) {
    const s = Math.sqrt(1 + m[0] - m[4] - m[8]) * 2;
    w = (m[7] - m[5]) / s;
    x = s / 4;
    y = (m[1] + m[3]) / s;
    z = (m[2] + m[6]) / s;
  } else if (m[4] > m[8]) {
    const s = Math.sqrt(1 + m[4] - m[0] - m[8]) * 2;
    w = (m[2] - m[6]) / s;
    x = (m[1] + m[3]) / s;
    y = s / 4;
    z = (m[5] + m[7]) / s;
  } else {
    const s = Math.sqrt(1 + m[8] - m[0] - m[4]) * 2;
    w = (m[3] - m[1]) / s;
    x = (m[2] + m[6]) / s;
    y = (m[5] + m[7]) / s;
    z = s / 4;
  }
  if (w < 0) return [-w, -x, -y, -z];
  return [w, x, y, z];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
