/**
 * Steering the PD-tracked pusher. The pusher is kinematic and follows v += (KP (u - p) - KV v) dt, p += v dt for
 * 10 substeps per held command u, so one action is an exact linear map of (p, v) per axis. That lets the policy
 * bring the pusher to a point *at rest* in N actions exactly (deadbeat), rather than waiting ~7 actions for the
 * critically damped response to settle. Among the command sequences that do so, the one closest to the target
 * (least overshoot in the commands) is used.
 */
import { DT, KP, KV, SUBSTEPS, type Vec } from "./model.js";

type Mat2 = [[number, number], [number, number]];

/** One held command applied to state (p, v) with target u: returns [p, v] after the 10 substeps. */
function hold(p: number, v: number, u: number): [number, number] {
  for (let i = 0; i < SUBSTEPS; i++) {
    v += (KP * (u - p) - KV * v) * DT;
    p += v * DT;
  }
  return [p, v];
}

// (p - u, v) evolves as A (p - u, v) under a command held at u; a change w of the command adds B w.
const A: Mat2 = (() => {
  const a = hold(1, 0, 0);
  const b = hold(0, 1, 0);
  return [
    [a[0], b[0]],
    [a[1], b[1]],
  ];
})();
const B: Vec = hold(0, 0, 1);

function mul(m: Mat2, v: Vec): Vec {
  return [m[0][0] * v[0] + m[0][1] * v[1], m[1][0] * v[0] + m[1][1] * v[1]];
}

/** For each horizon N, the gains K (N x 2) with w_k = -K_k · A^N e0 ... precomputed as a single map e0 → w. */
const GAINS: number[][][] = [];
for (let n = 0; n <= 8; n++) GAINS.push(n < 2 ? [] : gainsFor(n));

function gainsFor(n: number): number[][] {
  // Terminal error = A^n e0 + Σ G_k w_k with G_k = A^(n-1-k) B; least-norm w solving terminal error = 0.
  const g: Vec[] = [];
  for (let k = 0; k < n; k++) {
    let x: Vec = [B[0], B[1]];
    for (let j = 0; j < n - 1 - k; j++) x = mul(A, x);
    g.push(x);
  }
  let m00 = 0;
  let m01 = 0;
  let m11 = 0;
  for (const x of g) {
    m00 += x[0] * x[0];
    m01 += x[0] * x[1];
    m11 += x[1] * x[1];
  }
  const det = m00 * m11 - m01 * m01;
  const inv: Mat2 = [
    [m11 / det, -m01 / det],
    [-m01 / det, m00 / det],
  ];
  // An = A^n as the map e0 → A^n e0.
  let an: Mat2 = [
    [1, 0],
    [0, 1],
  ];
  for (let j = 0; j < n; j++) {
    an = [
      [A[0][0] * an[0][0] + A[0][1] * an[1][0], A[0][0] * an[0][1] + A[0][1] * an[1][1]],
      [A[1][0] * an[0][0] + A[1][1] * an[1][0], A[1][0] * an[0][1] + A[1][1] * an[1][1]],
    ];
  }
  // w_k = -G_k^T inv An e0: row k of the gain, two coefficients on (p0 - target, v0).
  return g.map((x) => {
    const r0 = x[0] * inv[0][0] + x[1] * inv[1][0];
    const r1 = x[0] * inv[0][1] + x[1] * inv[1][1];
    return [-(r0 * an[0][0] + r1 * an[1][0]), -(r0 * an[0][1] + r1 * an[1][1])];
  });
}

/**
 * The N commands (world points) that bring the pusher from position p with velocity v to rest at `target` after
 * exactly N actions, 2 <= N <= 8.
 */
export function deadbeat(p: Vec, v: Vec, target: Vec, n: number): Vec[] {
  const gains = GAINS[n];
  const out: Vec[] = [];
  for (const k of gains) {
    out.push([
      target[0] + k[0] * (p[0] - target[0]) + k[1] * v[0],
      target[1] + k[0] * (p[1] - target[1]) + k[1] * v[1],
    ]);
  }
  return out;
}

/** The pusher's positions at every substep under a sequence of commands, and its peak speed (px/s). */
export function trace(p: Vec, v: Vec, commands: readonly Vec[]): { points: Vec[]; peakSpeed: number } {
  const s = [p[0], p[1], v[0], v[1]];
  const points: Vec[] = [];
  let peak = 0;
  for (const u of commands) {
    for (let i = 0; i < SUBSTEPS; i++) {
      s[2] += (KP * (u[0] - s[0]) - KV * s[2]) * DT;
      s[3] += (KP * (u[1] - s[1]) - KV * s[3]) * DT;
      s[0] += s[2] * DT;
      s[1] += s[3] * DT;
      points.push([s[0], s[1]]);
      const sp = Math.hypot(s[2], s[3]);
      if (sp > peak) peak = sp;
    }
  }
  return { points, peakSpeed: peak };
}

/** Peak speed (px/s) of an N-action rest-to-rest move over `distance` px. */
export function restToRestPeak(distance: number, n: number): number {
  return trace([0, 0], [0, 0], deadbeat([0, 0], [0, 0], [distance, 0], n)).peakSpeed;
}

/** Fewest actions (2..8) for a rest-to-rest move of `distance` px whose speed stays below `maxSpeed` px/s. */
export function stepsForMove(distance: number, maxSpeed: number): number {
  for (let n = 2; n < 8; n++) if (restToRestPeak(distance, n) <= maxSpeed) return n;
  return 8;
}
