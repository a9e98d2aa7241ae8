/**
 * Zero-shot episode script: kitchen-pnp-sink-to-counter.
 *
 * Find the tray on the counter and the object in the sink (the category named in the task's description, else the
 * best-scoring object word seen below the tray's height), with segmentAll and depth point clouds in the robot's
 * forward/left/up frame. Tray: centre of its extents, its surface (median height) and the counter (its lowest
 * points). Object: top face centre, top/bottom heights and the top face's principal axes for the finger direction.
 * Line the base up with the object if it is out of comfortable reach, grasp it top-down across its narrow side (the
 * other finger direction, after a fresh look, if the fingers close on nothing), lift it straight up out of the sink,
 * drive the base sideways (the arm riding along) if the tray is far to the side, carry it over the tray's centre,
 * lower it until it is just above the tray, let go and lift the hand 0.3 m straight up, then go home.
 */
import type { CreateScript } from "../../../src/policy/authoring.js";

const P = Object.freeze({
  camSize: 256,
  graspBelowTop: 0.03,
  graspAboveBottom: 0.015,
  above: 0.1,
  holdMinWidth: 0.004,
  /** the object in the sink is at least this much lower than the tray (m) */
  belowTray: 0.03,
  /** carry the object with its bottom this far above the counter (m) */
  carryAboveCounter: 0.15,
  /** let go with the object's bottom this far above the tray's surface (m) */
  placeClear: 0.02,
  /** after letting go, lift the hand this far (m) */
  liftAway: 0.3,
  /** move the base only when the object/tray is farther than this beyond the home hand / off to the side (m) */
  reachFwd: 0.3,
  reachLat: 0.3,
  maxBaseMove: 0.5,
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

function log(msg: string): void {
  console.log(`[zs] ${msg}`);
}
function fmt(a: ArrayLike<number>): string {
  return `[${Array.from(a, (x) => Number(x).toFixed(3)).join(", ")}]`;
}
function v3(a: ArrayLike<number>): V3 {
  return [Number(a[0]), Number(a[1]), Number(a[2])];
}
function sub(a: V3, b: V3): V3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function dot(a: V3, b: V3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function norm(a: V3): number {
  return Math.hypot(a[0], a[1], a[2]);
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
function transpose(a: M3): M3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
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
function rotAngle(a: M3): number {
  return Math.acos(clamp((a[0] + a[4] + a[8] - 1) / 2, -1, 1));
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
function eeL(r: Rob): V3 {
  return toL(r.fr, v3(r.k.state().eePos));
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
function moveL(r: Rob, q: V3, Rd: M3, maxSteps = 80, tol = 0.01): Mv {
  return moveW(r, toW(r.fr, q), Rd, maxSteps, tol);
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
/**
 * Turn the hand to "home rotated by Rd" at pos, and check with the wrist camera that the rotation came out as asked;
 * if not, the rpy convention is the other common one: switch and redo.
 */
function orientChecked(r: Rob, pos: V3, Rd: M3, maxSteps = 60): void {
  r.k.moveEef({ pos, rpy: orient(r, Rd), tolerance: 0.01, maxSteps });
  if (RPY.verified || !r.camHome || rotAngle(Rd) < 20 * D2R) return;
  const want = mm(Rd, r.camHome);
  const errNow = (): number => {
    const c = eyeRot(r.k);
    return c ? rotAngle(mm(c, transpose(want))) : Number.POSITIVE_INFINITY;
  };
  let ea = errNow();
  if (ea > 15 * D2R) {
    r.k.moveEef({ pos, rpy: orient(r, Rd), tolerance: 0.01, maxSteps: 30 });
    ea = errNow();
  }
  if (ea <= 15 * D2R) {
    RPY.verified = true;
    return;
  }
  const prev = RPY.conv;
  RPY.conv = prev === "zyx" ? "xyz" : "zyx";
  r.k.moveEef({ pos, rpy: orient(r, Rd), tolerance: 0.01, maxSteps });
  const eb = errNow();
  log(`rpy check: ${prev} off by ${(ea / D2R).toFixed(1)} deg, ${RPY.conv} off by ${(eb / D2R).toFixed(1)} deg`);
  if (eb < ea) {
    RPY.verified = eb <= 15 * D2R;
    return;
  }
  RPY.conv = prev;
  r.k.moveEef({ pos, rpy: orient(r, Rd), tolerance: 0.01, maxSteps });
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
/** principal axes of 2D points: angle (rad) of the major axis and the two variances */
function pca2(xs: number[], ys: number[]): { angle: number; l1: number; l2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const my = ys.reduce((a, b) => a + b, 0) / Math.max(1, n);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  sxx /= Math.max(1, n);
  syy /= Math.max(1, n);
  sxy /= Math.max(1, n);
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const tr = sxx + syy;
  const det = Math.sqrt(Math.max(0, ((sxx - syy) / 2) ** 2 + sxy * sxy));
  return { angle, l1: tr / 2 + det, l2: Math.max(0, tr / 2 - det) };
}
// ---------------------------------------------------------------------------------------------------------------

// ---- objects: finding the task's object, its geometry, and a top-down grasp ----
const FIXTURE_WORDS = [
  "knob",
  "marker",
  "handle",
  "drawer",
  "door",
  "cabinet",
  "faucet",
  "mixer",
  "coffee",
  "machine",
  "tray",
  "counter",
  "sink",
  "stove",
  "microwave",
  "oven",
  "fridge",
  "dishwasher",
];
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
/** the object's category: a known word named in the task's description, longest first; else null */
function objectWordFromDescription(k: Kitchen, ws: string[]): string | null {
  let desc = "";
  try {
    desc = String(k.taskDescription().description ?? "").toLowerCase();
  } catch {
    return null;
  }
  const cands = ws
    .filter((w) => !FIXTURE_WORDS.some((f) => w.toLowerCase().includes(f)))
    .filter((w) => new RegExp(`\\b${escapeRe(w.toLowerCase())}`).test(desc))
    .sort((a, b) => b.length - a.length);
  return cands[0] ?? null;
}
/** the object: by the description's word if there is one, else the best-scoring object word where `where` says */
function findObject(
  k: Kitchen,
  ws: string[],
  size: number,
  where: (s: Seen) => boolean,
): { seen: Seen; word: string } | null {
  const named = objectWordFromDescription(k, ws);
  if (named) {
    const s = best(seeAll(k, named, size).filter(where), (x) => -x.det.score);
    log(`object word "${named}" from the description: ${s ? fmt(s.p) : "not seen"}`);
    if (s) return { seen: s, word: named };
  }
  const cands = ws.filter((w) => !FIXTURE_WORDS.some((f) => w.toLowerCase().includes(f)) && w !== named).slice(0, 40);
  let out: Seen | null = null;
  let outWord = "";
  for (const w of cands) {
    const s = best(seeAll(k, w, size, [CAMS[0]]).filter(where), (x) => -x.det.score);
    if (s && (!out || s.det.score > out.det.score)) {
      out = s;
      outWord = w;
    }
  }
  if (!out) return null;
  log(`object by search: "${outWord}" at ${fmt(out.p)} score ${out.det.score.toFixed(2)}`);
  return { seen: out, word: outWord };
}
function wrap90(d: number): number {
  let x = d;
  while (x > 90) x -= 180;
  while (x < -90) x += 180;
  return x;
}
interface ObjGeo {
  cf: number;
  cl: number;
  top: number;
  bottom: number;
  /** world-z rotation (deg) that puts the home finger axis (left-right) across the object's narrow side */
  yawDeg: number;
  narrow: number;
  wide: number;
}
function objGeometry(r: Rob, pts: V3[]): ObjGeo | null {
  const q = pts.map((p) => toL(r.fr, p));
  if (q.length < 8) return null;
  const top = quant(
    q.map((p) => p[2]),
    0.97,
  );
  const bottom = quant(
    q.map((p) => p[2]),
    0.03,
  );
  let face = q.filter((p) => p[2] > top - 0.02);
  if (face.length < 10) face = q;
  const cf = face.reduce((a, p) => a + p[0], 0) / face.length;
  const cl = face.reduce((a, p) => a + p[1], 0) / face.length;
  const pc = pca2(
    face.map((p) => p[0]),
    face.map((p) => p[1]),
  );
  const ax: [number, number] = [Math.cos(pc.angle), Math.sin(pc.angle)];
  const major = q.map((p) => (p[0] - cf) * ax[0] + (p[1] - cl) * ax[1]);
  const minor = q.map((p) => -(p[0] - cf) * ax[1] + (p[1] - cl) * ax[0]);
  const wide = quant(major, 0.95) - quant(major, 0.05);
  const narrow = quant(minor, 0.95) - quant(minor, 0.05);
  const yawDeg = pc.l1 > 1.5 * pc.l2 ? wrap90((pc.angle + Math.PI / 2) / D2R - 90) : 0;
  return { cf, cl, top, bottom, yawDeg, narrow, wide };
}
interface Pick {
  held: boolean;
  Rd: M3;
  gz: number;
  geo: ObjGeo;
}
function pickObject(
  r: Rob,
  geo0: ObjGeo,
  refresh: () => ObjGeo | null,
  cfg: { belowTop: number; aboveBottom: number; above: number; holdMin: number },
): Pick {
  let geo = geo0;
  let last: Pick = { held: false, Rd: rotZ(geo.yawDeg * D2R), gz: geo.top, geo };
  for (const extra of [0, 90]) {
    const gz = Math.max(geo.top - cfg.belowTop, geo.bottom + cfg.aboveBottom);
    const Rd = rotZ(wrap90(geo.yawDeg + extra) * D2R);
    grip(r, false, 8);
    orientChecked(r, v3(r.k.state().eePos), Rd);
    moveL(r, [geo.cf, geo.cl, gz + cfg.above], Rd, 90, 0.01);
    moveL(r, [geo.cf, geo.cl, gz], Rd, 50, 0.005);
    let w = grip(r, true, 15);
    last = { held: false, Rd, gz, geo };
    if (w > cfg.holdMin) {
      moveL(r, [geo.cf, geo.cl, gz + 0.05], Rd, 25, 0.01);
      w = widthNow(r);
      log(`grasp yaw ${wrap90(geo.yawDeg + extra).toFixed(0)}: width after lift ${w.toFixed(4)}`);
      if (w > cfg.holdMin) return { held: true, Rd, gz, geo };
    } else log(`grasp yaw ${wrap90(geo.yawDeg + extra).toFixed(0)}: closed on nothing`);
    grip(r, false, 8);
    moveL(r, [geo.cf, geo.cl, gz + cfg.above], Rd, 40, 0.02);
    geo = refresh() ?? geo;
  }
  return last;
}

// ---- task: sink to the tray on the counter ----
interface TrayGeo {
  cf: number;
  cl: number;
  surface: number;
  counter: number;
}
function trayGeometry(r: Rob, pts: V3[]): TrayGeo | null {
  const q = pts.map((p) => toL(r.fr, p));
  if (q.length < 15) return null;
  const cf =
    (quant(
      q.map((p) => p[0]),
      0.05,
    ) +
      quant(
        q.map((p) => p[0]),
        0.95,
      )) /
    2;
  const cl =
    (quant(
      q.map((p) => p[1]),
      0.05,
    ) +
      quant(
        q.map((p) => p[1]),
        0.95,
      )) /
    2;
  return {
    cf,
    cl,
    surface: median(q.map((p) => p[2])),
    counter: quant(
      q.map((p) => p[2]),
      0.02,
    ),
  };
}

function pnpSinkToCounter(k: Kitchen): void {
  const r = setup(k);
  const ws = taskWords(k);
  const trayW = pickWord(ws, ["tray"]);
  const b0 = baseL(r);
  const latOff = (p: V3): number => toL(r.fr, p)[1] - b0[1] - r.hand[1];
  let tray = best(seeAll(k, trayW, P.camSize), (t) => Math.abs(latOff(t.p)) - 1e-6 * t.det.maskArea);
  const trayZ = tray ? tray.p[2] : 0.95;
  const inSink = (s: Seen): boolean => {
    const q = toL(r.fr, s.p);
    return (
      s.p[2] < trayZ - P.belowTray &&
      s.p[2] > 0.3 &&
      q[0] - b0[0] > 0.15 &&
      q[0] - b0[0] < 1.4 &&
      Math.abs(latOff(s.p)) < 1.0
    );
  };
  const found = findObject(k, ws, P.camSize, inSink);
  if (!found) {
    log("no object in the sink in view");
    return;
  }
  let obj = found.seen;
  const oq = toL(r.fr, obj.p);
  const dF = oq[0] - b0[0] - r.hand[0];
  const dL = oq[1] - b0[1] - r.hand[1];
  if (dF > P.reachFwd || Math.abs(dL) > P.reachLat) {
    approachBase(r, obj.p, dF > P.reachFwd ? r.hand[0] + P.reachFwd - 0.1 : null, r.hand[1], P.maxBaseMove);
  }
  const refreshObj = (): Seen | null => {
    const prev = obj.p;
    return best(
      seeAll(k, found.word, P.camSize).filter((s) => norm(sub(s.p, prev)) < 0.15),
      (x) => norm(sub(x.p, prev)),
    );
  };
  obj = refreshObj() ?? obj;
  if (tray) {
    const prevT = tray.p;
    tray = best(seeAll(k, trayW, P.camSize), (t) => norm(sub(t.p, prevT))) ?? tray;
  }
  const geo = objGeometry(r, cloudOf(k, obj, 0.08));
  const tg = tray ? trayGeometry(r, cloudOf(k, tray, 0.1)) : null;
  if (!geo || !tg) {
    log(`object geometry ${geo ? "ok" : "missing"}, tray ${tg ? "ok" : "missing"}`);
    return;
  }
  log(
    `object c(${geo.cf.toFixed(3)}, ${geo.cl.toFixed(3)}) top ${geo.top.toFixed(3)} bottom ${geo.bottom.toFixed(3)} narrow ${geo.narrow.toFixed(3)} yaw ${geo.yawDeg.toFixed(0)}; tray c(${tg.cf.toFixed(3)}, ${tg.cl.toFixed(3)}) surface ${tg.surface.toFixed(3)} counter ${tg.counter.toFixed(3)}`,
  );
  const pick = pickObject(
    r,
    geo,
    () => {
      const s = refreshObj();
      return s ? objGeometry(r, cloudOf(k, s, 0.08)) : null;
    },
    { belowTop: P.graspBelowTop, aboveBottom: P.graspAboveBottom, above: P.above, holdMin: P.holdMinWidth },
  );
  if (!pick.held) log("the object does not seem to be held; carrying on");
  const Rd = pick.Rd;
  const gOff = pick.gz - pick.geo.bottom;
  const carryZ = Math.max(tg.counter + P.carryAboveCounter + gOff, pick.gz + 0.1);
  const e = eeL(r);
  moveL(r, [e[0], e[1], carryZ], Rd, 60, 0.015);
  // the tray far to the side: drive there with the arm riding along
  const bNow = baseL(r);
  const tLat = tg.cl - bNow[1] - r.hand[1];
  const tFwd = tg.cf - bNow[0] - r.hand[0];
  if (Math.abs(tLat) > P.reachLat || tFwd > P.reachFwd) {
    const mvL = clamp(Math.abs(tLat) > P.reachLat ? tLat : 0, -P.maxBaseMove, P.maxBaseMove);
    const mvF = clamp(tFwd > P.reachFwd ? tFwd - P.reachFwd + 0.1 : 0, -P.maxBaseMove, P.maxBaseMove);
    log(`base by (${mvF.toFixed(3)}, ${mvL.toFixed(3)}) with the object`);
    baseBy(r, mvF, mvL, 120);
  }
  moveL(r, [tg.cf, tg.cl, carryZ], Rd, 90, 0.01);
  const placeZ = tg.surface + P.placeClear + gOff;
  moveL(r, [tg.cf, tg.cl, placeZ], Rd, 40, 0.006);
  grip(r, false, 12);
  moveL(r, [tg.cf, tg.cl, placeZ + P.liftAway], Rd, 40, 0.02);
  k.goHome({ maxSteps: 60 });
}

const createScript: CreateScript = (ctx) => ({
  episode() {
    const k = ctx.tools?.kitchen as unknown as Kitchen;
    pnpSinkToCounter(k);
  },
});
export default createScript;
