/**
 * Zero-shot episode script: kitchen-turn-on-sink-faucet.
 *
 * Perceive the faucet and the handle next to it (segmentAll, depth point clouds). The faucet's axis is the centre of
 * its lowest points; the handle's principal axis gives a lever whose end nearer that axis is the pivot and whose
 * other end is the tip. A lever lying flat is swung about the vertical through its pivot: first counter-clockwise
 * seen from above (positive about +z), and if the lever did not move, clockwise. A lever standing up is pushed
 * sideways at its tip, one direction after another, until it moves. Each push is made with the closed fingers
 * (tool down) placed beside the tip and moved along the arc; after each push the hand lifts away and the handle is
 * re-perceived to see whether (and how far) it turned; a short turn in the right sense gets another push.
 */
import type { CreateScript } from "../../../src/policy/authoring.js";

const P = Object.freeze({
  camSize: 384,
  /** the handle is within this of the faucet's centroid (m) */
  handleNearFaucet: 0.3,
  /** the handle goes this far beyond the home hand (m) */
  handleBeyondHand: 0.05,
  maxBaseMove: 0.45,
  /** start the push this far behind the tip (against the push) and this far in from the tip (m) */
  contactGap: 0.035,
  tipInset: 0.01,
  /** eef site this far below the tip's height (m) */
  zBelowTip: 0.005,
  /** come down onto the start point from this high (m) */
  above: 0.1,
  swingDeg: 70,
  swingStepDeg: 10,
  swingStepMaxSteps: 15,
  /** straight push length for a standing lever (m) */
  tiltPush: 0.09,
  /** the handle's centroid moved at least this: it turned (m) */
  movedMin: 0.012,
  /** keep pushing the same way until it turned this far (rad); success needs 0.40 */
  minTurn: 0.6,
  maxPushes: 4,
  matchRadius: 0.15,
});

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers (the same block in every zero-shot script): vectors, rotations, the robot's task frame, perception
// (segmentAll + depth point clouds) and thin motion wrappers. Everything below is plain data and arithmetic.
// ---------------------------------------------------------------------------------------------------------------
type V3 = [number, number, number];
type M3 = number[];

interface Det {
  score: number;
  bboxXywh: number[];
  maskArea: number;
  centroidUv: number[];
  centroidWorldXyz: number[] | null;
  depthM: number;
  [key: string]: unknown;
}
interface Img {
  size: number;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface St {
  eePos: number[];
  eeRpy: number[];
  eePosBase: number[];
  eeRpyBase: number[];
  gripperWidthM: number;
  gripperForceN: number;
  torsoM: number;
  base: { x: number; y: number; yawDeg: number };
}
interface Mv {
  arrived: boolean;
  distance: number;
  steps?: number;
}
interface TaskDesc {
  taskId: string;
  description: string;
  horizonSteps: number;
  words?: string[];
}
interface Kitchen {
  state(): St;
  taskDescription(): TaskDesc;
  image(o: { camera?: string; size?: number; depth?: boolean }): Img;
  segmentAll(o: { query: string; camera?: string; size?: number; returnMasks?: boolean; excludeRobot?: boolean }): {
    detections: Det[];
  };
  deproject(u: number, v: number, camera?: string, size?: number): number[];
  moveEef(o: { pos: number[]; rpy?: number[]; tolerance?: number; maxSteps?: number }): Mv;
  moveBase(o: { x: number; y: number; yaw: number; maxSteps?: number }): Mv;
  gripper(o: { close: boolean; steps?: number }): { widthM: number; forceN: number };
  goHome(o?: { maxSteps?: number }): Mv;
  wait(o?: { steps?: number }): { steps: number };
}

const D2R = Math.PI / 180;
const CAMS = ["robot0_agentview_left", "robot0_agentview_right"];
const EYE = "robot0_eye_in_hand";
const I3: M3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function log(msg: string): void {
  console.log(`[zs] ${msg}`);
}
function fmt(a: ArrayLike<number>): string {
  return `[${Array.from(a, (x) => Number(x).toFixed(3)).join(", ")}]`;
}
function v3(a: ArrayLike<number>): V3 {
  return [Number(a[0]), Number(a[1]), Number(a[2])];
}
function add(a: V3, b: V3): V3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function sub(a: V3, b: V3): V3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function scl(a: V3, s: number): V3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}
function dot(a: V3, b: V3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function norm(a: V3): number {
  return Math.hypot(a[0], a[1], a[2]);
}
function unit(a: V3): V3 {
  const n = norm(a);
  return n > 1e-9 ? scl(a, 1 / n) : [0, 0, 0];
}
function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
function wrapPi(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
function quant(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[clamp(Math.round(q * (s.length - 1)), 0, s.length - 1)];
}
function median(xs: number[]): number {
  return quant(xs, 0.5);
}
function best<T>(xs: T[], cost: (x: T) => number): T | null {
  let out: T | null = null;
  let c = Number.POSITIVE_INFINITY;
  for (const x of xs) {
    const v = cost(x);
    if (v < c) {
      c = v;
      out = x;
    }
  }
  return out;
}

// ---- rotations (row-major 3x3) ----
function mm(a: M3, b: M3): M3 {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) r[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return r;
}
function mvec(a: M3, x: V3): V3 {
  return [
    a[0] * x[0] + a[1] * x[1] + a[2] * x[2],
    a[3] * x[0] + a[4] * x[1] + a[5] * x[2],
    a[6] * x[0] + a[7] * x[1] + a[8] * x[2],
  ];
}
function rotX(t: number): M3 {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}
function rotY(t: number): M3 {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}
function rotZ(t: number): M3 {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** rpy (deg, world) convention: "zyx" = R = Rz(yaw) Ry(pitch) Rx(roll) (the usual one), "xyz" = Rx Ry Rz. */
const RPY: { conv: "zyx" | "xyz"; verified: boolean } = { conv: "zyx", verified: false };
function rpyToMat(rpy: ArrayLike<number>): M3 {
  const r = Number(rpy[0]) * D2R;
  const p = Number(rpy[1]) * D2R;
  const y = Number(rpy[2]) * D2R;
  return RPY.conv === "zyx" ? mm(rotZ(y), mm(rotY(p), rotX(r))) : mm(rotX(r), mm(rotY(p), rotZ(y)));
}
function matToRpy(R: M3): V3 {
  if (RPY.conv === "zyx") {
    const p = Math.asin(clamp(-R[6], -1, 1));
    return [Math.atan2(R[7], R[8]) / D2R, p / D2R, Math.atan2(R[3], R[0]) / D2R];
  }
  const p = Math.asin(clamp(R[2], -1, 1));
  return [Math.atan2(-R[5], R[8]) / D2R, p / D2R, Math.atan2(-R[1], R[0]) / D2R];
}

// ---- the task frame: fixed at the start pose of the base; local coordinates are (forward, left, z) ----
interface Frame {
  o: V3;
  f: V3;
  l: V3;
  yawDeg: number;
}
function frameFrom(s: St): Frame {
  let yaw = s.base.yawDeg * D2R;
  // consistency guard: the hand in world vs in the base frame gives the base heading too
  const wx = s.eePos[0] - s.base.x;
  const wy = s.eePos[1] - s.base.y;
  const bx = s.eePosBase[0];
  const by = s.eePosBase[1];
  if (Math.hypot(bx, by) > 0.15 && Math.hypot(wx, wy) > 0.15) {
    const phi = Math.atan2(wy, wx) - Math.atan2(by, bx);
    if (Math.abs(wrapPi(phi - yaw)) > 25 * D2R) {
      log(`base yaw ${s.base.yawDeg.toFixed(1)} disagrees with the hand (${(phi / D2R).toFixed(1)}); using the hand`);
      yaw = phi;
    }
  }
  return {
    o: [s.base.x, s.base.y, 0],
    f: [Math.cos(yaw), Math.sin(yaw), 0],
    l: [-Math.sin(yaw), Math.cos(yaw), 0],
    yawDeg: yaw / D2R,
  };
}
function toL(fr: Frame, p: V3): V3 {
  const d: V3 = [p[0] - fr.o[0], p[1] - fr.o[1], 0];
  return [dot(d, fr.f), dot(d, fr.l), p[2]];
}
function toW(fr: Frame, q: V3): V3 {
  return [fr.o[0] + q[0] * fr.f[0] + q[1] * fr.l[0], fr.o[1] + q[0] * fr.f[1] + q[1] * fr.l[1], q[2]];
}

// ---- the robot ----
interface Rob {
  k: Kitchen;
  fr: Frame;
  homeRpy: V3;
  /** the hand at the start (home) pose relative to the base origin, local (forward, left, z) */
  hand: V3;
  /** the wrist camera's rotation (camera-to-world) at home, to check the rpy convention */
  camHome: M3 | null;
}
function eyeRot(k: Kitchen): M3 | null {
  try {
    const R = k.image({ camera: EYE, size: 32 }).extrinsics.rotation;
    return R && R.length === 9 && R.every(Number.isFinite) ? Array.from(R, Number) : null;
  } catch {
    return null;
  }
}
function setup(k: Kitchen): Rob {
  const s = k.state();
  const fr = frameFrom(s);
  const hand = toL(fr, v3(s.eePos));
  const camHome = eyeRot(k);
  log(
    `base ${fmt([s.base.x, s.base.y, s.base.yawDeg])} hand(local) ${fmt(hand)} rpy ${fmt(s.eeRpy)} cam ${camHome ? "yes" : "no"}`,
  );
  return { k, fr, homeRpy: v3(s.eeRpy), hand, camHome };
}
function baseL(r: Rob): V3 {
  const s = r.k.state();
  return toL(r.fr, [s.base.x, s.base.y, 0]);
}
function widthNow(r: Rob): number {
  return Number(r.k.state().gripperWidthM);
}
/** the world rpy for "home orientation, then rotated by Rd in the world" */
function orient(r: Rob, Rd: M3): V3 {
  return matToRpy(mm(Rd, rpyToMat(r.homeRpy)));
}
function moveW(r: Rob, pos: V3, Rd: M3, maxSteps = 80, tol = 0.01): Mv {
  return r.k.moveEef({ pos, rpy: orient(r, Rd), tolerance: tol, maxSteps });
}
function grip(r: Rob, close: boolean, steps = 12): number {
  r.k.gripper({ close, steps });
  return widthNow(r);
}
/** move the base by (dF, dL) in the task frame, keeping the start heading */
function baseBy(r: Rob, dF: number, dL: number, maxSteps = 120): Mv {
  const b = baseL(r);
  const g = toW(r.fr, [b[0] + dF, b[1] + dL, 0]);
  return r.k.moveBase({ x: g[0], y: g[1], yaw: r.fr.yawDeg, maxSteps });
}
/** move the base so that a world point sits at (wantF, wantL) from the base origin (null: keep that axis) */
function approachBase(r: Rob, target: V3, wantF: number | null, wantL: number | null, maxMove: number): void {
  const b = baseL(r);
  const t = toL(r.fr, target);
  const dF = wantF === null ? 0 : clamp(t[0] - b[0] - wantF, -maxMove, maxMove);
  const dL = wantL === null ? 0 : clamp(t[1] - b[1] - wantL, -maxMove, maxMove);
  if (Math.abs(dF) < 0.03 && Math.abs(dL) < 0.03) return;
  log(`base by (${dF.toFixed(3)}, ${dL.toFixed(3)})`);
  baseBy(r, dF, dL);
}

// ---- perception ----
interface Seen {
  det: Det;
  cam: string;
  size: number;
  /** world centroid (m) */
  p: V3;
}
function taskWords(k: Kitchen): string[] {
  try {
    const w = k.taskDescription().words;
    return Array.isArray(w) ? w.map(String) : [];
  } catch {
    return [];
  }
}
function pickWord(ws: string[], wanted: string[]): string {
  for (const w of wanted) {
    const e = ws.find((x) => x.toLowerCase() === w);
    if (e) return e;
  }
  for (const w of wanted) {
    const e = ws.find((x) => x.toLowerCase().includes(w));
    if (e) return e;
  }
  return wanted[0];
}
function seg(k: Kitchen, query: string, cam: string, size: number): Det[] {
  try {
    const out = k.segmentAll({ query, camera: cam, size, returnMasks: true, excludeRobot: true });
    return Array.isArray(out?.detections) ? out.detections : [];
  } catch (e) {
    log(`segmentAll(${query}, ${cam}) failed: ${String(e).slice(0, 200)}`);
  }
  try {
    // the same without the optional settings, in case one of them was not accepted
    const out = k.segmentAll({ query, camera: cam, size });
    return Array.isArray(out?.detections) ? out.detections : [];
  } catch {
    return [];
  }
}
function seeAll(k: Kitchen, query: string, size: number, cams: string[] = CAMS): Seen[] {
  const out: Seen[] = [];
  for (const cam of cams) {
    for (const det of seg(k, query, cam, size)) {
      const c = det.centroidWorldXyz;
      if (c && c.length >= 3 && c.every(Number.isFinite)) out.push({ det, cam, size, p: v3(c) });
    }
  }
  return out;
}
function b64bytes(s: string): Uint8Array | null {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const clean = s.replace(/[^A-Za-z0-9+/]/g, "");
  if (clean.length < 4) return null;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const ch of clean) {
    acc = (acc << 6) | abc.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}
function maskFrom(raw: unknown, size: number, depth = 0): Uint8Array | null {
  const n = size * size;
  if (raw == null || depth > 2) return null;
  if (typeof raw === "string") {
    const b = b64bytes(raw);
    if (!b) return null;
    if (b.length === n) return Uint8Array.from(b, (x) => (x ? 1 : 0));
    if (b.length === Math.ceil(n / 8)) {
      const m = new Uint8Array(n);
      for (let i = 0; i < n; i++) m[i] = (b[i >> 3] >> (7 - (i & 7))) & 1;
      return m;
    }
    return null;
  }
  if (Array.isArray(raw) || ArrayBuffer.isView(raw)) {
    const a = raw as unknown as ArrayLike<unknown>;
    const m = new Uint8Array(n);
    if (a.length === n) {
      for (let i = 0; i < n; i++) m[i] = a[i] ? 1 : 0;
      return m;
    }
    const first = a.length > 0 ? a[0] : undefined;
    if (a.length === size && (Array.isArray(first) || ArrayBuffer.isView(first))) {
      for (let v = 0; v < size; v++) {
        const row = a[v] as ArrayLike<unknown>;
        for (let u = 0; u < size && u < row.length; u++) m[v * size + u] = row[u] ? 1 : 0;
      }
      return m;
    }
    if (Array.isArray(first) && first.length === 2) {
      for (let i = 0; i < a.length; i++) {
        const [u, v] = a[i] as number[];
        if (u >= 0 && v >= 0 && u < size && v < size) m[Math.round(v) * size + Math.round(u)] = 1;
      }
      return m;
    }
    if (typeof first === "number") {
      for (let i = 0; i < a.length; i++) {
        const idx = Number(a[i]);
        if (Number.isInteger(idx) && idx >= 0 && idx < n) m[idx] = 1;
      }
      return m;
    }
    return null;
  }
  if (typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    for (const key of ["data", "mask", "bits", "values", "indices"]) {
      const m = maskFrom(o[key], size, depth + 1);
      if (m) return m;
    }
  }
  return null;
}
/** the detection's pixel mask, if returnMasks gave one in a format we understand and it agrees with maskArea */
function maskOf(det: Det, size: number): Uint8Array | null {
  const n = size * size;
  let expect = Number(det.maskArea) || 0;
  if (expect > 0 && expect < 1) expect *= n;
  for (const key of ["mask", "masks", "segmentation", "maskData", "maskBits"]) {
    const m = maskFrom(det[key], size);
    if (!m) continue;
    let c = 0;
    for (let i = 0; i < n; i++) c += m[i];
    if (c > 0 && (expect <= 0 || (c > 0.5 * expect && c < 2 * expect))) return m;
  }
  return null;
}
type Deproj = (u: number, v: number) => V3 | null;
interface View {
  img: Img | null;
  dp: Deproj;
  own: boolean;
}
/** one depth frame of a camera plus a deprojection checked against the deproject tool */
function viewOf(k: Kitchen, cam: string, size: number): View {
  const tool: Deproj = (u, v) => {
    try {
      const p = k.deproject(u, v, cam, size);
      return p && p.length >= 3 && p.every(Number.isFinite) ? v3(p) : null;
    } catch {
      return null;
    }
  };
  let img: Img | null = null;
  try {
    img = k.image({ camera: cam, size, depth: true });
  } catch (e) {
    log(`image(${cam}) failed: ${String(e).slice(0, 120)}`);
  }
  const depth = img?.depth;
  if (!img || !depth || depth.length < size * size) return { img, dp: tool, own: false };
  const { fx, fy, cx, cy } = img.intrinsics;
  const R = img.extrinsics.rotation;
  const t = img.extrinsics.position;
  const mine = (u: number, v: number, off: number): V3 | null => {
    const d = Number(depth[v * size + u]);
    if (!(d > 0.02 && d < 20)) return null;
    const x = ((u + off - cx) / fx) * d;
    const y = ((v + off - cy) / fy) * d;
    return [
      R[0] * x + R[1] * y + R[2] * d + t[0],
      R[3] * x + R[4] * y + R[5] * d + t[1],
      R[6] * x + R[7] * y + R[8] * d + t[2],
    ];
  };
  let e0 = 0;
  let e5 = 0;
  let n = 0;
  const probes = [
    [size >> 1, size >> 1],
    [size >> 2, (3 * size) >> 2],
    [(3 * size) >> 2, size >> 2],
    [(3 * size) >> 2, (3 * size) >> 2],
  ];
  for (const [u, v] of probes) {
    const a = tool(u, v);
    const b0 = mine(u, v, 0);
    const b5 = mine(u, v, 0.5);
    if (!a || !b0 || !b5) continue;
    e0 += norm(sub(a, b0));
    e5 += norm(sub(a, b5));
    n++;
  }
  if (n === 0 || Math.min(e0, e5) / n > 0.02) {
    log(`own deprojection unchecked or off (${n ? (Math.min(e0, e5) / n).toFixed(3) : "n/a"} m): using the tool`);
    return { img, dp: tool, own: false };
  }
  const off = e5 < e0 ? 0.5 : 0;
  return { img, dp: (u, v) => mine(u, v, off), own: true };
}
/** world points of a detection: its mask if we have one, else the bbox pixels within `band` m of its depth */
function cloudOf(k: Kitchen, s: Seen, band: number, view?: View, maxPts = 2500): V3[] {
  const size = s.size;
  const vw = view ?? viewOf(k, s.cam, size);
  const mask = maskOf(s.det, size);
  const depth = vw.img?.depth ?? null;
  const [bx, by, bw, bh] = s.det.bboxXywh.map(Number);
  const u0 = clamp(Math.floor(bx), 0, size - 1);
  const v0 = clamp(Math.floor(by), 0, size - 1);
  const u1 = clamp(Math.ceil(bx + bw), 0, size - 1);
  const v1 = clamp(Math.ceil(by + bh), 0, size - 1);
  const area = (u1 - u0 + 1) * (v1 - v0 + 1);
  const cap = vw.own ? maxPts : 300;
  const stride = Math.max(1, Math.ceil(Math.sqrt(area / cap)));
  const pts: V3[] = [];
  for (let v = v0; v <= v1; v += stride) {
    for (let u = u0; u <= u1; u += stride) {
      if (mask) {
        if (!mask[v * size + u]) continue;
      } else if (depth) {
        const d = Number(depth[v * size + u]);
        if (!(Math.abs(d - s.det.depthM) < band)) continue;
      }
      const p = vw.dp(u, v);
      if (!p) continue;
      if (!mask && !depth && norm(sub(p, s.p)) > 2 * band) continue;
      pts.push(p);
    }
  }
  return pts;
}
// ---------------------------------------------------------------------------------------------------------------

// ---- task: turn on the sink faucet ----
interface Lever {
  pivot: V3;
  tip: V3;
  centroid: V3;
  flat: boolean;
}
function leverOf(handlePts: V3[], handleP: V3, faucetPts: V3[], faucetP: V3): Lever {
  // the faucet's axis: the middle of its lowest points (its base)
  let axis: V3 = faucetP;
  if (faucetPts.length > 20) {
    const zCut = quant(
      faucetPts.map((p) => p[2]),
      0.25,
    );
    const low = faucetPts.filter((p) => p[2] <= zCut);
    axis = [median(low.map((p) => p[0])), median(low.map((p) => p[1])), faucetP[2]];
  }
  const pts = handlePts.length >= 8 ? handlePts : [handleP];
  const c: V3 = [0, 0, 0];
  for (const p of pts) for (let i = 0; i < 3; i++) c[i] += p[i] / pts.length;
  // principal axis of the handle's points (power iteration on the covariance)
  const cov = new Array<number>(9).fill(0);
  for (const p of pts) {
    const d = sub(p, c);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) cov[3 * i + j] += (d[i] * d[j]) / pts.length;
  }
  let dir: V3 = [0.577, 0.577, 0.577];
  for (let it = 0; it < 40; it++) dir = unit(mvec(cov, dir));
  const ts = pts.map((p) => dot(sub(p, c), dir));
  const t0 = quant(ts, 0.03);
  const t1 = quant(ts, 0.97);
  const xyDist = (p: V3): number => Math.hypot(p[0] - axis[0], p[1] - axis[1]);
  if (!(t1 - t0 > 0.03) || norm(dir) < 0.5) {
    const out = unit([c[0] - axis[0], c[1] - axis[1], 0]);
    return { pivot: [axis[0], axis[1], c[2]], tip: add(c, scl(out, 0.01)), centroid: c, flat: true };
  }
  const a = add(c, scl(dir, t0));
  const b = add(c, scl(dir, t1));
  const [pivot, tip] = xyDist(a) <= xyDist(b) ? [a, b] : [b, a];
  const v = sub(tip, pivot);
  return { pivot, tip, centroid: c, flat: Math.abs(v[2]) < 0.7 * norm(v) };
}

interface Push {
  kind: "swing" | "tilt";
  sgn: number;
  dir: V3;
}

function turnOnFaucet(k: Kitchen): void {
  const r = setup(k);
  const ws = taskWords(k);
  const faucetW = pickWord(ws, ["faucet"]);
  const handleW = pickWord(ws, ["handle"]);
  const b0 = baseL(r);
  const faucet = best(seeAll(k, faucetW, P.camSize), (f) => Math.abs(toL(r.fr, f.p)[1] - b0[1] - r.hand[1]));
  if (!faucet) {
    log("no faucet in view");
    return;
  }
  const nearFaucet = (h: Seen): boolean => norm(sub(h.p, faucet.p)) < P.handleNearFaucet;
  const h0 = best(seeAll(k, handleW, P.camSize).filter(nearFaucet), (h) => norm(sub(h.p, faucet.p)));
  const target = h0 ? h0.p : faucet.p;
  approachBase(r, target, r.hand[0] + P.handleBeyondHand, r.hand[1], P.maxBaseMove);

  const perceive = (near: V3): { lever: Lever; handle: V3 } | null => {
    const fs = seeAll(k, faucetW, P.camSize);
    const f = best(fs, (x) => norm(sub(x.p, faucet.p)));
    const hs = seeAll(k, handleW, P.camSize).filter((h) => norm(sub(h.p, near)) < P.matchRadius);
    const h = best(hs, (x) => norm(sub(x.p, near)));
    if (!h) return null;
    const hPts = cloudOf(k, h, 0.08);
    const fPts = f && f.cam === h.cam ? cloudOf(k, f, 0.25) : [];
    return { lever: leverOf(hPts, h.p, fPts, f ? f.p : faucet.p), handle: h.p };
  };
  let seen = perceive(target);
  if (!seen) {
    log("no handle near the faucet; pushing the faucet's top instead");
    const fc = faucet.p;
    seen = {
      lever: { pivot: fc, tip: add(fc, scl(r.fr.f, -0.04)), centroid: fc, flat: true },
      handle: fc,
    };
  }
  const lv0 = seen.lever;
  log(`lever pivot ${fmt(lv0.pivot)} tip ${fmt(lv0.tip)} ${lv0.flat ? "flat" : "standing"}`);
  const plan: Push[] = lv0.flat
    ? [
        { kind: "swing", sgn: 1, dir: [0, 0, 0] },
        { kind: "swing", sgn: -1, dir: [0, 0, 0] },
      ]
    : [
        { kind: "tilt", sgn: 1, dir: r.fr.l },
        { kind: "tilt", sgn: 1, dir: scl(r.fr.l, -1) },
        { kind: "tilt", sgn: 1, dir: r.fr.f },
        { kind: "tilt", sgn: 1, dir: scl(r.fr.f, -1) },
      ];
  grip(r, true, 8);
  let pushes = 0;
  let idx = 0;
  let turned = 0;
  while (idx < plan.length && pushes < P.maxPushes) {
    const push = plan[idx];
    const lv = seen.lever;
    const before = seen.handle;
    pushes++;
    if (push.kind === "swing") {
      const rh = unit([lv.tip[0] - lv.pivot[0], lv.tip[1] - lv.pivot[1], 0]);
      const t = scl([-rh[1], rh[0], 0], push.sgn);
      const s0 = sub(sub(lv.tip, scl(t, P.contactGap)), scl(rh, P.tipInset));
      const S: V3 = [s0[0], s0[1], lv.tip[2] - P.zBelowTip];
      moveW(r, add(S, [0, 0, P.above]), I3, 90, 0.01);
      moveW(r, S, I3, 40, 0.006);
      for (let deg: number = P.swingStepDeg; deg <= P.swingDeg + 1e-6; deg += P.swingStepDeg) {
        const rel = mvec(rotZ(push.sgn * deg * D2R), sub(S, lv.pivot));
        moveW(r, [lv.pivot[0] + rel[0], lv.pivot[1] + rel[1], S[2]], I3, P.swingStepMaxSteps, 0.015);
      }
    } else {
      const S = sub(lv.tip, scl(push.dir, P.contactGap));
      S[2] = lv.tip[2] - P.zBelowTip;
      moveW(r, add(S, [0, 0, P.above]), I3, 90, 0.01);
      moveW(r, S, I3, 40, 0.006);
      moveW(r, add(S, scl(push.dir, P.tiltPush)), I3, 30, 0.01);
    }
    const e = v3(k.state().eePos);
    moveW(r, add(e, [0, 0, P.above + 0.05]), I3, 40, 0.02);
    const after = perceive(before);
    if (!after) {
      log(`push ${pushes}: handle not re-found`);
      break;
    }
    const moved = norm(sub(after.handle, before));
    const a0 = sub(before, lv.pivot);
    const a1 = sub(after.handle, lv.pivot);
    const ang = Math.atan2(a0[0] * a1[1] - a0[1] * a1[0], a0[0] * a1[0] + a0[1] * a1[1]);
    log(`push ${pushes} (${push.kind} ${push.sgn}): handle moved ${moved.toFixed(3)} m, ${ang.toFixed(2)} rad about z`);
    seen = after;
    if (moved < P.movedMin) {
      idx++;
      continue;
    }
    if (push.kind === "tilt") break;
    turned += ang * push.sgn;
    if (turned >= P.minTurn) break;
    if (ang * push.sgn <= 0) idx++;
  }
  k.goHome({ maxSteps: 60 });
}

const createScript: CreateScript = (ctx) => ({
  episode() {
    const k = ctx.tools?.kitchen as unknown as Kitchen;
    turnOnFaucet(k);
  },
});
export default createScript;
