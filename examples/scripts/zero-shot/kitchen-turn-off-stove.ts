/**
 * Zero-shot episode script: kitchen-turn-off-stove.
 *
 * Perceive the stove's knobs and their markers (segmentAll in one camera, world centroids from depth) and pair each
 * knob with its nearest marker. Decide whether the knobs sit on the front panel or on the top (the depth points
 * around each knob: which axis is flat) and measure each knob's marker angle in the panel plane. The knobs that are
 * off agree; the one that is on is the outlier, and the others' common direction is "off" (with fewer than three
 * knobs: marker up on a front panel, toward the robot on a top). Drive the base so that knob is within reach, grasp
 * it with the tool pointing into the panel (wrist pre-turned by half the needed turn, checked with the wrist camera),
 * turn the wrist by the needed angle about the knob's axis, let go, back off, re-measure, and repeat if still on.
 */
import type { CreateScript } from "../../../src/policy/authoring.js";

const P = Object.freeze({
  camSize: 384,
  /** a knob's marker is within this of its centre (m) */
  markerRadius: 0.06,
  /** the knob goes this far beyond the home hand: front panel (tool forward) / top (tool down) (m) */
  frontKnobBeyondHand: 0.1,
  topKnobBeyondHand: 0.0,
  maxBaseMove: 0.45,
  toolTiltDeg: 80,
  /** stand-off before reaching in, and eef site this far behind the knob's visible face when closing (m) */
  preGrasp: 0.1,
  graspDepth: 0.012,
  /** an outlier must differ from the others by this to be "the one that is on" (rad) */
  minOutlier: 0.3,
  /** done when the marker is within this of "off" (rad); success needs 0.35 */
  doneTol: 0.22,
  turnChunks: 4,
  maxTries: 3,
  matchRadius: 0.06,
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
// ---------------------------------------------------------------------------------------------------------------

// ---- task: turn off the burner that is on ----
interface Knob {
  p: V3;
  marker: V3;
  alpha: number;
}
interface KnobScene {
  cam: string;
  front: boolean;
  nOut: V3;
  knobs: Knob[];
}
function circMean(as: number[]): number {
  let s = 0;
  let c = 0;
  for (const a of as) {
    s += Math.sin(a);
    c += Math.cos(a);
  }
  return Math.atan2(s, c);
}
/** which is flat around the knobs: forward (front panel) or up (top)? votes over the knobs' surroundings */
function panelIsFront(r: Rob, view: View, dets: Det[], size: number): boolean {
  let front = 0;
  let top = 0;
  for (const d of dets) {
    const [x, y, w, h] = d.bboxXywh.map(Number);
    const m = Math.max(3, Math.round(0.6 * Math.max(w, h)));
    const ring: V3[] = [];
    const W = w + 2 * m;
    const H = h + 2 * m;
    for (let i = 0; i < 24; i++) {
      // walk the perimeter of the bbox grown by m: top edge, right edge, bottom edge, left edge
      const s = (i / 24) * 2 * (W + H);
      let u: number;
      let v: number;
      if (s < W) {
        u = x - m + s;
        v = y - m;
      } else if (s < W + H) {
        u = x + w + m;
        v = y - m + (s - W);
      } else if (s < 2 * W + H) {
        u = x + w + m - (s - W - H);
        v = y + h + m;
      } else {
        u = x - m;
        v = y + h + m - (s - 2 * W - H);
      }
      u = clamp(Math.round(u), 0, size - 1);
      v = clamp(Math.round(v), 0, size - 1);
      const p = view.dp(u, v);
      if (p) ring.push(toL(r.fr, p));
    }
    if (ring.length < 8) continue;
    const mad = (xs: number[]): number => {
      const md = median(xs);
      return median(xs.map((x) => Math.abs(x - md)));
    };
    const madF = mad(ring.map((p) => p[0]));
    const madZ = mad(ring.map((p) => p[2]));
    if (madF < madZ) front++;
    else top++;
  }
  log(`panel votes: front ${front}, top ${top}`);
  return front >= top;
}
function knobScene(r: Rob, knobW: string, markerW: string, cams: string[]): KnobScene | null {
  const k = r.k;
  let bestScene: KnobScene | null = null;
  for (const cam of cams) {
    const knobs = seg(k, knobW, cam, P.camSize).filter((d) => d.centroidWorldXyz?.every(Number.isFinite));
    const markers = seg(k, markerW, cam, P.camSize).filter((d) => d.centroidWorldXyz?.every(Number.isFinite));
    if (knobs.length === 0) continue;
    const view = viewOf(k, cam, P.camSize);
    const front = panelIsFront(r, view, knobs, P.camSize);
    const nOut: V3 = front ? scl(r.fr.f, -1) : [0, 0, 1];
    const list: Knob[] = [];
    for (const kd of knobs) {
      const p = v3(kd.centroidWorldXyz ?? [0, 0, 0]);
      const mk = best(
        markers.map((x) => v3(x.centroidWorldXyz ?? [0, 0, 0])).filter((x) => norm(sub(x, p)) < P.markerRadius),
        (x) => norm(sub(x, p)),
      );
      if (!mk) continue;
      const o = sub(mk, p);
      const fw = dot(o, r.fr.f);
      const lt = dot(o, r.fr.l);
      const alpha = front ? Math.atan2(o[2], -lt) : Math.atan2(lt, fw);
      list.push({ p, marker: mk, alpha });
    }
    if (!bestScene || list.length > bestScene.knobs.length) bestScene = { cam, front, nOut, knobs: list };
  }
  return bestScene;
}
/** the knob that is on, and the marker angle that means "off" */
function pickOnKnob(sc: KnobScene): { knob: Knob; off: number } | null {
  const ks = sc.knobs;
  if (ks.length === 0) return null;
  const canonical = sc.front ? Math.PI / 2 : Math.PI;
  if (ks.length >= 3) {
    let bi = -1;
    let bd = -1;
    let bOff = 0;
    ks.forEach((kn, i) => {
      const mu = circMean(ks.filter((_, j) => j !== i).map((x) => x.alpha));
      const d = Math.abs(wrapPi(kn.alpha - mu));
      if (d > bd) {
        bd = d;
        bi = i;
        bOff = mu;
      }
    });
    if (bi >= 0 && bd >= P.minOutlier) return { knob: ks[bi], off: bOff };
  }
  const kn = best(ks, (x) => -Math.abs(wrapPi(x.alpha - canonical)));
  return kn ? { knob: kn, off: canonical } : null;
}

function turnOffStove(k: Kitchen): void {
  const r = setup(k);
  const ws = taskWords(k);
  const knobW = pickWord(ws, ["knob"]);
  const markerW = pickWord(ws, ["knob marker", "marker"]);
  let sc = knobScene(r, knobW, markerW, CAMS);
  const first = sc ? pickOnKnob(sc) : null;
  if (!sc || !first) {
    log("no knob with a marker in view");
    return;
  }
  log(
    `${sc.knobs.length} knobs on the ${sc.front ? "front" : "top"}: ${sc.knobs.map((x) => x.alpha.toFixed(2)).join(" ")}; on: ${fmt(first.knob.p)} off dir ${first.off.toFixed(2)}`,
  );
  const off = first.off;
  let target = first.knob.p;
  approachBase(
    r,
    target,
    r.hand[0] + (sc.front ? P.frontKnobBeyondHand : P.topKnobBeyondHand),
    r.hand[1],
    P.maxBaseMove,
  );
  const toolD = sc.front ? tiltFwd(r, P.toolTiltDeg) : I3;
  for (let attempt = 0; attempt < P.maxTries; attempt++) {
    sc = knobScene(r, knobW, markerW, sc ? [sc.cam, ...CAMS.filter((c) => c !== sc?.cam)] : CAMS);
    const tp = target;
    const kn = sc
      ? best(
          sc.knobs.filter((x) => norm(sub(x.p, tp)) < P.matchRadius),
          (x) => norm(sub(x.p, tp)),
        )
      : null;
    if (!sc || !kn) {
      log("target knob not re-found");
      break;
    }
    target = kn.p;
    const delta = wrapPi(off - kn.alpha);
    log(`try ${attempt + 1}: marker ${kn.alpha.toFixed(2)}, turn by ${delta.toFixed(2)} rad`);
    if (Math.abs(delta) < P.doneTol) break;
    const n = sc.nOut;
    const at = (a: number): M3 => mm(axisAngle(n, a), toolD);
    grip(r, false, 8);
    orientChecked(r, v3(k.state().eePos), at(-delta / 2));
    const pre = add(kn.p, scl(n, P.preGrasp));
    moveW(r, pre, at(-delta / 2), 90, 0.01);
    const g = add(kn.p, scl(n, -P.graspDepth));
    moveW(r, g, at(-delta / 2), 50, 0.005);
    const w = grip(r, true, 15);
    log(`knob grasp width ${w.toFixed(4)}`);
    for (let i = 1; i <= P.turnChunks; i++) {
      moveW(r, g, at(-delta / 2 + (delta * i) / P.turnChunks), 25, 0.01);
    }
    grip(r, false, 10);
    moveW(r, pre, at(delta / 2), 40, 0.015);
    // clear the cameras' view of the knob before measuring again
    k.goHome({ maxSteps: 70 });
  }
}

const createScript: CreateScript = (ctx) => ({
  episode() {
    const k = ctx.tools?.kitchen as unknown as Kitchen;
    turnOffStove(k);
  },
});
export default createScript;
