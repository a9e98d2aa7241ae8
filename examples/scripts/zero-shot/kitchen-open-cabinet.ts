/**
 * Zero-shot episode script: kitchen-open-cabinet.
 *
 * Perceive the handles high on the wall (wall-cabinet doors) straight ahead of the hand: one handle for a single
 * door, two close together for a double door. For each door, find its hinge: the door's edge away from the handle
 * (from the door's depth points), or, for a pair of handles, the side away from the other handle. Drive the base so
 * the handle is within reach and the swinging door clears the robot, grasp the (vertical) handle bar with the tool
 * pointing at the door and the fingers across the bar (checked with the wrist camera; the other finger roll on a
 * miss), then swing the hand along the door's arc about the hinge to past 90 degrees, turning the wrist with the
 * door. Let go, back off away from the door face and toward the robot, and do the next door; finish at home.
 */
import type { CreateScript } from "../../../src/policy/authoring.js";

const P = Object.freeze({
  camSize: 256,
  /** wall-cabinet handles are higher than this (m) */
  minHandleZ: 1.15,
  /** a second handle this close laterally (and at a similar height) is the other door of a double door (m) */
  maxPairGap: 0.55,
  /** where the base puts the handle: this far beyond the home hand (m) */
  handleBeyondHand: 0.12,
  /** ... but the door plane at least door width + this from the base, so the swinging door clears the robot (m) */
  doorClearance: 0.25,
  maxBaseMove: 0.5,
  toolTiltDeg: 80,
  preGrasp: 0.12,
  graspDepth: 0.015,
  holdMinWidth: 0.004,
  /** door width assumed when the door's own points do not give it (m) */
  fallbackDoorWidth: 0.35,
  /** swing the door to this angle (deg); success needs 0.9 of its range (90 deg assumed) */
  arcEndDeg: 100,
  arcStepDeg: 10,
  arcStepMaxSteps: 22,
  retreat: 0.12,
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
function axisAngle(axis: V3, t: number): M3 {
  const [x, y, z] = unit(axis);
  const c = Math.cos(t);
  const s = Math.sin(t);
  const C = 1 - c;
  return [
    c + x * x * C,
    x * y * C - z * s,
    x * z * C + y * s,
    y * x * C + z * s,
    c + y * y * C,
    y * z * C - x * s,
    z * x * C - y * s,
    z * y * C + x * s,
    c + z * z * C,
  ];
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
/** tilt the tool from straight down toward the robot's forward direction by deg */
function tiltFwd(r: Rob, deg: number): M3 {
  return axisAngle(scl(r.fr.l, -1), deg * D2R);
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
// ---------------------------------------------------------------------------------------------------------------

// ---- task: open the wall cabinet's door(s) ----
interface Grasp {
  held: boolean;
  roll: number;
  Rd: M3;
}
/** tool pointing at the door, fingers rolled by `roll` deg about the forward axis; try the other roll on a miss */
function graspHandle(r: Rob, hp: V3, roll0: number): Grasp {
  const q = toL(r.fr, hp);
  const pre: V3 = [q[0] - P.preGrasp, q[1], q[2]];
  for (const roll of [roll0, roll0 === 0 ? 90 : 0]) {
    const Rd = mm(axisAngle(r.fr.f, roll * D2R), tiltFwd(r, P.toolTiltDeg));
    grip(r, false, 8);
    orientChecked(r, v3(r.k.state().eePos), Rd);
    moveL(r, pre, Rd, 90, 0.01);
    moveL(r, [q[0] + P.graspDepth, q[1], q[2]], Rd, 50, 0.005);
    const w = grip(r, true, 15);
    log(`grasp roll ${roll}: width ${w.toFixed(4)}`);
    if (w > P.holdMinWidth) return { held: true, roll, Rd };
    grip(r, false, 8);
    moveL(r, pre, Rd, 40, 0.01);
  }
  const Rd = mm(axisAngle(r.fr.f, roll0 * D2R), tiltFwd(r, P.toolTiltDeg));
  moveL(r, [q[0] + P.graspDepth, q[1], q[2]], Rd, 50, 0.005);
  grip(r, true, 12);
  return { held: false, roll: roll0, Rd };
}

interface DoorPlan {
  handle: V3;
  hingeLat: number;
  doorFront: number;
  width: number;
  vertical: boolean;
}

function dedupe(xs: Seen[], radius: number): Seen[] {
  const out: Seen[] = [];
  for (const x of [...xs].sort((a, b) => b.det.score - a.det.score)) {
    if (!out.some((o) => norm(sub(o.p, x.p)) < radius)) out.push(x);
  }
  return out;
}

function planDoors(r: Rob, handleW: string, doorW: string): DoorPlan[] {
  const k = r.k;
  const b = baseL(r);
  const lat = (p: V3): number => toL(r.fr, p)[1] - b[1] - r.hand[1];
  const handles = dedupe(
    seeAll(k, handleW, P.camSize).filter((h) => h.p[2] > P.minHandleZ && toL(r.fr, h.p)[0] - b[0] > 0.2),
    0.06,
  );
  if (handles.length === 0) return [];
  const first = best(handles, (h) => Math.abs(lat(h.p)));
  if (!first) return [];
  const pair = best(
    handles.filter(
      (h) =>
        h !== first &&
        Math.abs(lat(h.p) - lat(first.p)) < P.maxPairGap &&
        Math.abs(lat(h.p) - lat(first.p)) > 0.04 &&
        Math.abs(h.p[2] - first.p[2]) < 0.2 &&
        Math.abs(toL(r.fr, h.p)[0] - toL(r.fr, first.p)[0]) < 0.1,
    ),
    (h) => Math.abs(lat(h.p) - lat(first.p)),
  );
  const chosen = pair ? [first, pair] : [first];
  const doors = seeAll(k, doorW, P.camSize).filter((d) => d.p[2] > P.minHandleZ - 0.3);
  const views = new Map<string, View>();
  const viewFor = (cam: string): View => {
    let v = views.get(cam);
    if (!v) {
      v = viewOf(k, cam, P.camSize);
      views.set(cam, v);
    }
    return v;
  };
  const plans: DoorPlan[] = [];
  for (const h of chosen) {
    const hq = toL(r.fr, h.p);
    const bb = h.det.bboxXywh.map(Number);
    const vertical = bb[3] >= bb[2];
    // the door this handle is on: its bbox (same camera) holds the handle's pixel
    const [hu, hv] = h.det.centroidUv.map(Number);
    const door = best(
      doors.filter((d) => {
        if (d.cam !== h.cam) return false;
        const [x, y, w, hh] = d.det.bboxXywh.map(Number);
        return hu >= x && hu <= x + w && hv >= y && hv <= y + hh;
      }),
      (d) => d.det.maskArea,
    );
    let lo = Number.NaN;
    let hi = Number.NaN;
    let front = hq[0] + 0.04;
    if (door) {
      const pts = cloudOf(k, door, 0.15, viewFor(door.cam)).map((p) => toL(r.fr, p));
      if (pts.length > 30) {
        lo = quant(
          pts.map((p) => p[1]),
          0.03,
        );
        hi = quant(
          pts.map((p) => p[1]),
          0.97,
        );
        front = median(pts.map((p) => p[0]));
      }
    }
    // side of the hinge, seen from the handle: away from the other handle, else the door edge farther away
    let side: number;
    const other = chosen.find((x) => x !== h);
    if (other) side = Math.sign(hq[1] - toL(r.fr, other.p)[1]) || 1;
    else if (Number.isFinite(lo)) side = Math.abs(hq[1] - lo) > Math.abs(hq[1] - hi) ? -1 : 1;
    else side = -(Math.sign(hq[1] - b[1] - r.hand[1]) || 1);
    let hingeLat = side > 0 ? hi : lo;
    const w0 = Math.abs(hingeLat - hq[1]);
    if (!Number.isFinite(hingeLat) || w0 < 0.12 || w0 > 0.7) hingeLat = hq[1] + side * P.fallbackDoorWidth;
    if (!(front > hq[0] - 0.01 && front < hq[0] + 0.12)) front = hq[0] + 0.04;
    plans.push({ handle: h.p, hingeLat, doorFront: front, width: Math.abs(hingeLat - hq[1]), vertical });
    log(
      `door: handle ${fmt(h.p)} (${vertical ? "vertical" : "horizontal"}) hinge lat ${hingeLat.toFixed(3)} front ${front.toFixed(3)} width ${Math.abs(hingeLat - hq[1]).toFixed(3)}${door ? "" : " (no door points)"}`,
    );
  }
  return plans;
}

function openDoor(r: Rob, plan: DoorPlan, handleW: string): void {
  const k = r.k;
  const hq0 = toL(r.fr, plan.handle);
  const wantF = Math.max(r.hand[0] + P.handleBeyondHand, plan.width + P.doorClearance - (plan.doorFront - hq0[0]));
  approachBase(r, plan.handle, wantF, r.hand[1], P.maxBaseMove);
  const again = best(
    seeAll(k, handleW, P.camSize).filter((h) => norm(sub(h.p, plan.handle)) < P.matchRadius),
    (h) => norm(sub(h.p, plan.handle)),
  );
  const hp = again ? again.p : plan.handle;
  const shift = sub(toL(r.fr, hp), hq0);
  const g = graspHandle(r, hp, plan.vertical ? 0 : 90);
  // the arc: the grasp point turns about the hinge line (at the door's front plane), the wrist turns with the door
  const e0 = eeL(r);
  const hinge: V3 = [plan.doorFront + shift[0], plan.hingeLat + shift[1], e0[2]];
  const rel: V3 = sub(e0, hinge);
  const sigma = Math.sign(hq0[1] - plan.hingeLat) || 1;
  let theta = 0;
  for (let deg: number = P.arcStepDeg; deg <= P.arcEndDeg + 1e-6; deg += P.arcStepDeg) {
    theta = sigma * deg * D2R;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const q: V3 = [hinge[0] + c * rel[0] - s * rel[1], hinge[1] + s * rel[0] + c * rel[1], e0[2]];
    moveL(r, q, mm(rotZ(theta), g.Rd), P.arcStepMaxSteps, 0.02);
    if (deg === 40 && g.held && widthNow(r) < P.holdMinWidth * 0.5) log("grip seems lost during the swing");
  }
  grip(r, false, 10);
  // back off along the tool axis (away from the door face), then toward the robot, then home
  const t = toL(r.fr, add(toW(r.fr, [0, 0, 0]), mvec(rotZ(theta), r.fr.f)));
  const e1 = eeL(r);
  const away: V3 = [e1[0] - t[0] * P.retreat, e1[1] - t[1] * P.retreat, e1[2]];
  moveL(r, away, mm(rotZ(theta), g.Rd), 30, 0.02);
  moveL(r, [away[0] - 0.25, away[1], away[2] - 0.05], mm(rotZ(theta), g.Rd), 40, 0.03);
  k.goHome({ maxSteps: 80 });
}

function openCabinet(k: Kitchen): void {
  const r = setup(k);
  const ws = taskWords(k);
  const handleW = pickWord(ws, ["handle"]);
  const doorW = pickWord(ws, ["door", "cabinet"]);
  const plans = planDoors(r, handleW, doorW);
  if (plans.length === 0) {
    log("no wall-cabinet handle in view");
    return;
  }
  for (const plan of plans) openDoor(r, plan, handleW);
}

const createScript: CreateScript = (ctx) => ({
  episode() {
    const k = ctx.tools?.kitchen as unknown as Kitchen;
    openCabinet(k);
  },
});
export default createScript;
