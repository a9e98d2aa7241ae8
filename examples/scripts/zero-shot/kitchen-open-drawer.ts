/**
 * Zero-shot episode script: kitchen-open-drawer.
 *
 * Perceive the drawer fronts and handles (segmentAll, world centroids from depth) and take the handle of the drawer
 * straight ahead of the hand (the top one if several are stacked). Drive the base so that the handle is a little
 * beyond the home hand, re-perceive it, turn the tool from "down" to pointing at the drawer front with the fingers
 * across the bar (vertical for a horizontal bar; checked with the wrist camera), reach in, and close. If the
 * fingers closed on nothing, try the other finger orientation. Pull first with the arm, then by backing the base
 * with the arm riding along, let go, back the hand off, re-perceive the handle and measure the travel; pull again
 * if the drawer is still short of the aimed travel.
 */
import type { CreateScript } from "../../../src/policy/authoring.js";

const P = Object.freeze({
  camSize: 256,
  /** where the base puts the handle: this far beyond the home hand, along the base's forward axis (m) */
  handleBeyondHand: 0.1,
  maxBaseMove: 0.45,
  /** tool tilt from straight down toward the drawer (deg): 80 leaves it 10 deg below horizontal */
  toolTiltDeg: 80,
  /** stand-off in front of the handle before reaching in (m) */
  preGrasp: 0.12,
  /** eef site this far behind the handle's visible front face when closing (m) */
  graspDepth: 0.015,
  /** finger gap that means "something is between the fingers" (m) */
  holdMinWidth: 0.004,
  /** aimed drawer travel (m): 0.95 x 0.55 x a ~0.6 m deep cabinet, plus margin */
  targetTravel: 0.37,
  /** the part of a pull done with the arm before the base backs up (m) */
  armPull: 0.14,
  maxPulls: 2,
  /** hand moves this far back and this far up after letting go (m) */
  release: 0.12,
  releaseUp: 0.2,
  /** a re-perceived handle must be within this of where it is expected (m) */
  matchRadius: 0.2,
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
// ---------------------------------------------------------------------------------------------------------------

// ---- task: open the drawer ----
function findDrawerHandle(r: Rob, drawerW: string, handleW: string, near: V3 | null): Seen | null {
  const k = r.k;
  const handles = seeAll(k, handleW, P.camSize).filter((h) => h.p[2] > 0.1 && h.p[2] < 1.25);
  if (near) {
    return best(
      handles.filter((h) => norm(sub(h.p, near)) < P.matchRadius),
      (h) => norm(sub(h.p, near)),
    );
  }
  const b = baseL(r);
  const latOff = (p: V3): number => Math.abs(toL(r.fr, p)[1] - b[1] - r.hand[1]);
  const ahead = (p: V3): boolean => toL(r.fr, p)[0] - b[0] > 0.2;
  const drawers = seeAll(k, drawerW, P.camSize).filter((d) => ahead(d.p) && d.p[2] < 1.25);
  const cands = handles.filter((h) => ahead(h.p));
  if (drawers.length > 0) {
    const minLat = Math.min(...drawers.map((d) => latOff(d.p)));
    const top = best(
      drawers.filter((d) => latOff(d.p) < minLat + 0.12),
      (d) => -d.p[2],
    );
    if (top) {
      log(`drawer front at ${fmt(top.p)} (${drawers.length} seen)`);
      const onIt = cands.filter((h) => Math.abs(h.p[2] - top.p[2]) < 0.15 && norm(sub(h.p, top.p)) < 0.4);
      const h = best(onIt, (x) => norm(sub(x.p, top.p)));
      if (h) return h;
    }
  }
  if (cands.length === 0) return null;
  const minLat = Math.min(...cands.map((h) => latOff(h.p)));
  return best(
    cands.filter((h) => latOff(h.p) < minLat + 0.12),
    (h) => -h.p[2],
  );
}

interface Grasp {
  held: boolean;
  roll: number;
  Rd: M3;
}
/** tool pointing at the front, fingers rolled by `roll` deg about the forward axis; try the other roll on a miss */
function graspHandle(r: Rob, hp: V3, roll0: number): Grasp {
  const q = toL(r.fr, hp);
  const pre: V3 = [q[0] - P.preGrasp, q[1], q[2]];
  let last: Grasp = { held: false, roll: roll0, Rd: I3 };
  for (const roll of [roll0, roll0 === 0 ? 90 : 0]) {
    const Rd = mm(axisAngle(r.fr.f, roll * D2R), tiltFwd(r, P.toolTiltDeg));
    grip(r, false, 8);
    // turn the tool where the hand is (free space in front of the robot), then line up in front of the handle
    orientChecked(r, v3(r.k.state().eePos), Rd);
    moveL(r, pre, Rd, 90, 0.01);
    moveL(r, [q[0] + P.graspDepth, q[1], q[2]], Rd, 50, 0.005);
    const w = grip(r, true, 15);
    log(`grasp roll ${roll}: width ${w.toFixed(4)}`);
    last = { held: w > P.holdMinWidth, roll, Rd };
    if (last.held) return last;
    grip(r, false, 8);
    moveL(r, pre, Rd, 40, 0.01);
  }
  // nothing between the fingers either way: go back in with the first roll and pull anyway (a hook is better than nothing)
  const Rd = mm(axisAngle(r.fr.f, roll0 * D2R), tiltFwd(r, P.toolTiltDeg));
  moveL(r, [q[0] + P.graspDepth, q[1], q[2]], Rd, 50, 0.005);
  grip(r, true, 12);
  return { held: false, roll: roll0, Rd };
}

function openDrawer(k: Kitchen): void {
  const r = setup(k);
  const ws = taskWords(k);
  const drawerW = pickWord(ws, ["drawer"]);
  const handleW = pickWord(ws, ["handle"]);
  let h = findDrawerHandle(r, drawerW, handleW, null);
  if (!h) {
    log("no drawer handle in view");
    return;
  }
  const h0 = h.p;
  const bbox = h.det.bboxXywh.map(Number);
  const horizontal = bbox[2] >= bbox[3];
  log(`handle at ${fmt(h0)} bbox ${fmt(bbox)} ${horizontal ? "horizontal" : "vertical"}`);
  approachBase(r, h0, r.hand[0] + P.handleBeyondHand, r.hand[1], P.maxBaseMove);
  h = findDrawerHandle(r, drawerW, handleW, h0) ?? h;
  const start = toL(r.fr, h.p);
  let roll = horizontal ? 90 : 0;
  let travel = 0;
  let hp = h.p;
  for (let pull = 0; pull < P.maxPulls && travel < P.targetTravel - 0.02; pull++) {
    const g = graspHandle(r, hp, roll);
    roll = g.roll;
    const need = P.targetTravel - travel + 0.02;
    const arm = Math.min(P.armPull, need);
    const e = eeL(r);
    moveL(r, [e[0] - arm, e[1], e[2]], g.Rd, 40, 0.01);
    if (need - arm > 0.01) baseBy(r, -(need - arm), 0, 100);
    grip(r, false, 10);
    const e2 = eeL(r);
    // back off and up, out of the cameras' line of sight to the handle
    moveL(r, [e2[0] - P.release, e2[1], e2[2] + P.releaseUp], g.Rd, 50, 0.02);
    // measure: where is the handle now?
    const expect = toW(r.fr, [start[0] - (travel + need), start[1], start[2]]);
    const now = findDrawerHandle(r, drawerW, handleW, expect);
    if (!now) {
      log("handle not re-found after the pull; assuming it moved as pulled");
      travel += need;
      break;
    }
    hp = now.p;
    travel = start[0] - toL(r.fr, now.p)[0];
    log(`pull ${pull + 1}: drawer travel ${travel.toFixed(3)} m`);
  }
  // leave the hand clear of the drawer
  const e = eeL(r);
  moveL(r, [e[0] - 0.05, e[1], e[2] + 0.05], I3, 40, 0.03);
}

const createScript: CreateScript = (ctx) => ({
  episode() {
    const k = ctx.tools?.kitchen as unknown as Kitchen;
    openDrawer(k);
  },
});
export default createScript;
