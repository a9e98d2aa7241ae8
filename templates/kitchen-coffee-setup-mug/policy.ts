/**
 * A kitchen-coffee-setup-mug episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the mug, grasp its body from the side with the tool pointing
 * forward, and set it on the coffee machine's drip tray under the spout. The rest of the reference script
 * (examples/scripts/kitchen-coffee-setup-mug.ts, whose header tells each phase in full) is kept as constants.
 *
 * 1. look: the mug's colour in the agent view, checked by the wrist camera looking straight down on it (the counter's
 *    height, the mug's top disc and rim, the handle's direction from depth); the spout from the machine's pixels.
 * 1b. a handle facing the robot is turned away first (a top grasp, a roll, set down).
 * 2. the tool's yaw: turned off the heading until the handle lies within `handleFrontDeg` of the tool's forward axis,
 *    where neither pad nor palm meets it.
 * 3. grasp: the tool tips from down to forward in front of the mug, lines up, slides round the body `midGripFrac` of
 *    its half height above its middle and closes with the pads' centre `shortM` short of the mug's axis.
 * 4. carry: lift the bottom `clearM` over the drip tray, across to the receptacle, lower, open, back out from under
 *    the overhang, and the torso lifts the arm clear.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m, deg, and a fraction). */
export interface Params {
  shortM: number; // m short of the mug's axis (toward the robot) where the pads' centre closes
  clearM: number; // m the mug's bottom is lifted above the drip tray's top for the carry
  midGripFrac: number; // × the mug's half height above its middle where the pads close
  handleFrontDeg: number; // deg: a handle within this of the tool's forward axis misses the pads
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "shortM",
  "clearM",
  "midGripFrac",
  "handleFrontDeg",
] as const satisfies readonly (keyof Params)[];

/**
 * Checks a parsed params.json: every key present and a finite number > 0; anything else is refused by name, so a
 * typo is a load error, not a different policy.
 */
export function checkParams(raw: unknown): Params {
  if (typeof raw !== "object" || raw === null) throw new Error(`params.json must hold an object, got ${String(raw)}`);
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`params.json has unknown keys ${unknown.join(", ")}; the keys are ${PARAM_NAMES.join(", ")}`);
  }
  for (const name of PARAM_NAMES) {
    const v = record[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new Error(`params.json "${name}" must be a finite number > 0, got ${JSON.stringify(v)}`);
    }
  }
  return record as unknown as Params;
}

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 256, // px, agent-view frames for the machine and the mug
  peekSize: 256, // px, the wrist camera's frame looking down on the mug
  peekBaseM: 0.62, // m from the mug back to the base's centre while the wrist camera looks down on it
  peekHeightM: 0.22, // m above the mug's rough centre for the wrist camera's look
  graspBaseM: 0.77, // m from the pads' centre back to the base's centre with the tool pointing forward
  tipBackM: 0.17, // m in front of the mug (toward the robot) where the tool tips from down to forward
  tipAboveM: 0.06, // m above the grasp height where the tool tips
  tiltRateDeg: 3, // deg per step the tool tips from down to forward
  preM: 0.1, // m in front of the mug's axis where the open hand lines up
  maxYawDeg: 65, // deg the tool turns off the heading at most to clear the handle
  fineTolM: 0.003, // m: lining up and closing arrive within this
  spoutBehindFrontM: 0.09, // m, the spout behind the machine's front (appliances.ts COFFEE_MACHINE.spoutY)
  overhangFrontM: 0.03, // m, the overhang's front face behind the machine's front
  overhangLowM: 0.3, // m above the counter: the overhang's underside; higher machine pixels are the overhang
  slabM: 0.03, // m, the drip tray above the counter
  placeShortM: 0.0, // m the mug's centre is set short of the spout, toward the robot (tolerance 0.04)
  dropM: 0.004, // m above the tray where the mug's bottom is let go
  minLookPx: 20, // px at 256: a smaller agent-view detection of the mug's colour is ignored
  lookTries: 3, // agent-view candidates the wrist camera checks at most
  minMugPx: 30, // wrist-camera pixels of the mug above the counter needed to measure it
  mugR: [0.022, 0.045], // m, the measured radius a mug can give (mugs are 3.0-3.6 cm; a mixer's bowl is twice that)
  mugTall: [0.065, 0.115], // m, the measured rim height above the counter a mug can give (mugs are 8-10 cm tall)
  gripSteps: 14, // steps the fingers get to close or open
  heldMinM: 0.045, // m: a closed hand wider than this holds the mug's body
  moveSteps: 120, // steps a motion phase runs at most
  slideM: 0.01, // m between the waypoints of the lifted slide in under the spout
  liftTolM: 0.006, // m: the lift arrives within this
  baseSpeed: 0.25, // m/s, the base's pace (a slower base stops sooner and pushes nothing hard)
  lookZ: [0.85, 1.15], // m, world heights a mug's centroid on a counter can have (higher: a wall cabinet's patch)
  lookSideM: 0.4, // m sideways from the start a mug can be, at most (the robot starts facing the machine; the mug stands ~0.21 m beside it)
  lookAlongM: [0.5, 1.05], // m ahead of the start a mug on the machine's counter can be
  lookMaxPx: 1500, // px at 256: a larger patch of the mug's colour is something else
  faceZ: [0.5, 0.85], // m, world heights where a counter's front face (below its top) stands in the base's way
  baseFrontM: 0.3, // m from the base's centre to its front (robot.ts baseHalf)
  baseHalfWideM: 0.25, // m, half the base's width
  frontGapM: 0.07, // m the base's front stays short of a counter face seen ahead
  wallNearM: 0.08, // m past the base's front: a face seen this near is a counter running back beside the base …
  wallInnerM: 0.12, // m … when at least this far sideways from the base's middle (nearer: a counter ahead)
  sideGapM: 0.04, // m the base's side stays clear of such a counter
  pushedM: 0.005, // m the base moves in its first (still) step when the reset set it into a counter
  unstickM: 0.05, // m it then drives on that way at full speed
  turnAboveDeg: 85, // deg: a handle further than this from the heading (toward the robot) is turned away first
  turnMaxDeg: 150, // deg the mug is turned at most (the wrist's roll range)
  turnStepDeg: 6, // deg per step the held mug turns
  topGripM: 0.016, // m below the rim where the pads' centres close for the top grasp that turns the mug
  turnLiftM: 0.012, // m the mug is lifted off the counter while it turns
  retreatBackM: 0.14, // m the open hand first backs out from under the overhang, level, along the tool axis
  retreatLiftM: 0.25, // m the torso then lifts the arm (the hand straight up; wall cabinets hang >= 0.42 m up)
  farM: 0.3, // m from the mug's centre the hand must end (the predicate: > 0.25 from the mug's body)
  retreatSpeed: 0.15, // m/s, the base's pace backing off when the hand is still too near
});

type Vec3 = [number, number, number];
interface Frame {
  rgb: ArrayLike<number>;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface Detection {
  maskArea: number;
  centroidWorldXyz: Vec3 | null;
  mask?: { size: [number, number]; counts: number[] };
}
interface Moved {
  arrived: boolean;
  distance: number;
  steps: number;
}
interface KitchenTools {
  state(): {
    eePos: Vec3;
    eeRpy: Vec3;
    torsoM: number;
    gripperWidthM: number;
    base: { x: number; y: number; yawDeg: number };
  };
  torso(opts: { m: number; maxSteps?: number }): Moved;
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  segmentAll(opts: { query: string; camera?: string; size?: number; returnMasks?: boolean }): {
    detections: Detection[];
  };
  moveBase(opts: {
    x: number;
    y: number;
    yaw: number;
    maxSpeed?: number;
    tolerance?: number;
    maxSteps?: number;
  }): Moved;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; maxSteps?: number }): Moved;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
}

const D2R = Math.PI / 180;
const num = (v: unknown, d: number) => (typeof v === "number" ? v.toFixed(d) : String(v));
const wrapDeg = (a: number) => ((((a + 180) % 360) + 360) % 360) - 180;
const dist2 = (a: readonly number[], b: readonly number[]) => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2;
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * (s.length - 1))))];
};

/** World rpy (deg, R = Rz(yaw)·Ry(pitch)·Rx(roll)) of Rz(heading)·Ry(tilt)·Rz(twist): tool down at tilt 180°. */
function handRpy(headingDeg: number, tiltDeg: number, twistDeg: number): number[] {
  const [ch, sh] = [Math.cos(headingDeg * D2R), Math.sin(headingDeg * D2R)];
  const [cb, sb] = [Math.cos(tiltDeg * D2R), Math.sin(tiltDeg * D2R)];
  const [ct, st] = [Math.cos(twistDeg * D2R), Math.sin(twistDeg * D2R)];
  const A = [ch * cb, -sh, ch * sb, sh * cb, ch, sh * sb, -sb, 0, cb];
  const m = [0, 1, 2].flatMap((i) => [
    A[3 * i] * ct + A[3 * i + 1] * st,
    -A[3 * i] * st + A[3 * i + 1] * ct,
    A[3 * i + 2],
  ]);
  const pitch = Math.asin(Math.max(-1, Math.min(1, -m[6])));
  if (Math.abs(m[6]) > 1 - 1e-9) return [0, pitch / D2R, Math.atan2(-m[1], m[4]) / D2R];
  return [Math.atan2(m[7], m[8]) / D2R, pitch / D2R, Math.atan2(m[3], m[0]) / D2R];
}

/** Every pixel's world point (null where nothing is seen) from a depth frame. */
function worldPoints(f: Frame, n: number): (Vec3 | null)[] {
  const { fx, fy, cx, cy } = f.intrinsics;
  const R = f.extrinsics.rotation;
  const p = f.extrinsics.position;
  const depth = f.depth as ArrayLike<number>;
  const out: (Vec3 | null)[] = new Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const z = depth[i];
    if (!Number.isFinite(z) || z <= 0) {
      out[i] = null;
      continue;
    }
    const X = (((i % n) - cx) * z) / fx;
    const Y = ((Math.floor(i / n) - cy) * z) / fy;
    out[i] = [
      p[0] + R[0] * X + R[1] * Y + R[2] * z,
      p[1] + R[3] * X + R[4] * Y + R[5] * z,
      p[2] + R[6] * X + R[7] * Y + R[8] * z,
    ];
  }
  return out;
}

/** The pixel indices inside a run-length mask (counts alternate outside, inside, starting outside). */
function maskPixels(m: { counts: number[] }): number[] {
  const out: number[] = [];
  let i = 0;
  m.counts.forEach((c, k) => {
    if (k % 2 === 1) for (let j = 0; j < c; j++) out.push(i + j);
    i += c;
  });
  return out;
}

interface Mug {
  c: Vec3; // the axis at half height
  r: number; // m, body radius
  top: number; // m, rim height
  counter: number; // m, the counter's height under it
  handleDeg: number | null; // world direction of the handle from the axis
}

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const k = ctx.tools?.kitchen as unknown as KitchenTools;
  let h = 90; // deg, the robot's heading (it faces the machine's counter)
  let fwd: Vec3 = [0, 1, 0];
  let left: Vec3 = [-1, 0, 0];
  const along = (p: readonly number[]) => p[0] * fwd[0] + p[1] * fwd[1];
  const side = (p: readonly number[]) => p[0] * left[0] + p[1] * left[1];
  /** The world point `a` along the heading, `l` to the left, at height z. */
  const at = (a: number, l: number, z: number): Vec3 => [a * fwd[0] + l * left[0], a * fwd[1] + l * left[1], z];
  let faces: Vec3[] = []; // counter faces the agent views saw at the start
  let sideRange = [-Infinity, Infinity]; // the base centre's sideways coordinate (side()) stays within this
  /** Moves the base so its centre is `back` m behind the world point p (along the heading), level with it sideways (within sideRange)
   * (never so far forward that its front meets a counter face seen in its way). */
  const baseBehind = (p: readonly number[], back: number) => {
    const l = Math.max(sideRange[0], Math.min(sideRange[1], side(p)));
    let a = along(p) - back;
    for (const f of faces)
      if (Math.abs(side(f) - l) < P.baseHalfWideM + 0.03) a = Math.min(a, along(f) - P.baseFrontM - P.frontGapM);
    const g = at(a, l, 0);
    return k.moveBase({ x: g[0], y: g[1], yaw: h, maxSpeed: P.baseSpeed, maxSteps: P.moveSteps });
  };
  /** A straight move in waypoints `stepM` apart, each reached before the next (the mug in hand). */
  function glide(pos: Vec3, rpy: number[], stepM: number): Moved {
    const e = k.state().eePos;
    const d = Math.hypot(pos[0] - e[0], pos[1] - e[1], pos[2] - e[2]);
    const n = Math.max(1, Math.ceil(d / stepM));
    for (let i = 1; i < n; i++) {
      const f = i / n;
      const w = [e[0] + (pos[0] - e[0]) * f, e[1] + (pos[1] - e[1]) * f, e[2] + (pos[2] - e[2]) * f];
      k.moveEef({ pos: w, rpy, tolerance: 0.004, maxSteps: 3 });
    }
    return k.moveEef({ pos, rpy, tolerance: P.fineTolM, maxSteps: 60 });
  }
  return {
    episode() {
      const s0 = k.state();
      h = s0.base.yawDeg;
      fwd = [Math.cos(h * D2R), Math.sin(h * D2R), 0];
      left = [-fwd[1], fwd[0], 0];

      // 1. the mug's rough place in the agent view; the base in front of it, the wrist camera above it
      //    (patches of the mug's colour flat on the counter are seen too: the mug's centroid stands highest)
      const start: Vec3 = [s0.base.x, s0.base.y, 0];
      const seen = k
        .segmentAll({ query: "mug", size: P.lookSize })
        .detections.filter((d) => d.centroidWorldXyz && d.maskArea >= P.minLookPx && d.maskArea <= P.lookMaxPx)
        .map((d) => d.centroidWorldXyz as Vec3)
        .filter((c) => {
          const a = along(c) - along(start);
          const l = Math.abs(side(c) - side(start));
          return (
            c[2] > P.lookZ[0] && c[2] < P.lookZ[1] && l < P.lookSideM && a > P.lookAlongM[0] && a < P.lookAlongM[1]
          );
        })
        .sort((a, b) => b[2] - a[2]);
      if (seen.length === 0) throw new Error("no mug in robot0_agentview_left");
      k.gripper({ close: false, steps: 1 });
      unstick(s0.base);
      faces = counterFaces();
      let mug: Mug | null = null;
      for (const rough of seen.slice(0, P.lookTries)) {
        baseBehind(rough, P.peekBaseM);
        mug = peekMug(rough);
        if (mug) break;
      }
      if (!mug) throw new Error("the wrist camera found no mug where the agent view saw one");
      if (mug.handleDeg !== null && Math.abs(wrapDeg(mug.handleDeg - h)) > P.turnAboveDeg) {
        turnMug(mug);
        mug = peekMug(mug.c) ?? mug;
      }
      const spout = findSpout(mug);

      // 2. the tool's yaw: turned (at most P.maxYawDeg off the heading) so the handle plate misses the pads and the
      //    palm: within p.handleFrontDeg of the tool's forward axis (none found: straight ahead, and hope)
      const rel = mug.handleDeg === null ? 0 : wrapDeg(mug.handleDeg - h);
      const clear = (a: number) => a <= p.handleFrontDeg;
      let yawOff = 0;
      for (let d = 0; d <= P.maxYawDeg; d += 5) {
        const pick = [d, -d].find((o) => clear(Math.abs(wrapDeg(rel - o))));
        if (pick !== undefined) {
          yawOff = pick;
          break;
        }
      }
      const ty = h + yawOff; // deg, the tool's heading
      const tdir: Vec3 = [Math.cos(ty * D2R), Math.sin(ty * D2R), 0];
      const toolRpy = handRpy(ty, 90, 0);
      const back = (p: readonly number[], m: number, z: number): Vec3 => [p[0] - tdir[0] * m, p[1] - tdir[1] * m, z];
      const hh = (mug.top - mug.counter) / 2;
      const gz = mug.c[2] + p.midGripFrac * hh;
      const grabAbove = gz - mug.counter; // the pads' centre above the mug's bottom
      console.log(`handle ${num(rel, 0)} deg off the heading: tool yaw ${yawOff} deg off it`);

      // 3. back the base off (midway between the mug and the spout: the arm alone carries, a driven base jerks the
      //    mug), tip the tool forward in front of the mug, line up and close round the body
      baseBehind(at(along(mug.c), (side(mug.c) + side(spout)) / 2, 0), P.graspBaseM);
      const tipAt = back(mug.c, P.tipBackM, gz + P.tipAboveM);
      k.moveEef({ pos: tipAt, rpy: handRpy(ty, 180, 0), maxSteps: P.moveSteps });
      let tilt = 180;
      while (tilt > 90) {
        tilt = Math.max(90, tilt - P.tiltRateDeg);
        k.moveEef({ pos: tipAt, rpy: handRpy(ty, tilt, 0), maxSteps: 1 });
      }
      const pre = back(mug.c, P.preM, gz);
      const rp = k.moveEef({ pos: pre, rpy: toolRpy, tolerance: P.fineTolM, maxSteps: P.moveSteps });
      const grasp = back(mug.c, p.shortM, gz);
      const rg = k.moveEef({ pos: grasp, rpy: toolRpy, tolerance: P.fineTolM, maxSteps: P.moveSteps });
      const grip = k.gripper({ close: true, steps: P.gripSteps });
      console.log(
        `grasp: pre ${rp.arrived ? "ok" : rp.distance.toFixed(3)}, at ${rg.arrived ? "ok" : rg.distance.toFixed(3)}, width ${num(grip.widthM, 4)}`,
      );

      // 4. lift over the tray's height, back to level with the spout (clear of the machine's body), across over the
      //    tray to the site: quickly, as a lifted mug creeps down the pads
      const liftZ = spout[2] + grabAbove + p.clearM;
      const site = at(along(spout) - P.placeShortM, side(spout), liftZ);
      k.moveEef({ pos: [grasp[0], grasp[1], liftZ], rpy: toolRpy, tolerance: P.liftTolM, maxSteps: 20 });
      glide(back(at(along(site), side(mug.c), 0), p.shortM, liftZ), toolRpy, P.slideM);
      const over = back(site, p.shortM, liftZ);
      glide(over, toolRpy, P.slideM);
      const setZ = spout[2] + grabAbove + P.dropM;
      k.moveEef({ pos: [over[0], over[1], setZ], rpy: toolRpy, tolerance: P.fineTolM, maxSteps: 20 });
      k.gripper({ close: false, steps: P.gripSteps });
      retreat([over[0], over[1], spout[2] + hh], tdir);
    },
  };

  /**
   * The open hand leaves the placed mug (its centre at `mugAt`: the predicate measures from there): straight back out from under the overhang along the
   * tool axis, then the torso lifts the whole arm straight up (no new arm pose: backing the hand toward the shoulder
   * with the tool forward folds the arm into the counter), then the base backs off slowly while the hand is nearer
   * the mug than P.farM.
   */
  function retreat(mugAt: Vec3, tdir: Vec3) {
    const e = k.state().eePos;
    const b = P.retreatBackM;
    const r1 = k.moveEef({ pos: [e[0] - tdir[0] * b, e[1] - tdir[1] * b, e[2]], rpy: k.state().eeRpy, maxSteps: 40 });
    const t = k.torso({ m: Math.min(0.45, k.state().torsoM + P.retreatLiftM), maxSteps: 60 });
    const far = () => {
      const p = k.state().eePos;
      return Math.hypot(p[0] - mugAt[0], p[1] - mugAt[1], p[2] - mugAt[2]);
    };
    const d1 = far();
    if (d1 < P.farM) {
      const s = k.state().base;
      const m = P.farM - d1 + 0.02;
      k.moveBase({ x: s.x - fwd[0] * m, y: s.y - fwd[1] * m, yaw: h, maxSpeed: P.retreatSpeed, maxSteps: 60 });
    }
    console.log(
      `retreat: back ${r1.arrived ? "ok" : r1.distance.toFixed(3)}, torso ${t.arrived ? "ok" : t.distance.toFixed(3)}, ${d1.toFixed(3)} then ${far().toFixed(3)} m from the mug's centre`,
    );
  }

  /**
   * A base that moved while it was told to stand still (the first step) was pushed out of a counter it was set down
   * against: it drives on the same way at full speed, P.unstickM, before it bounces back into it.
   */
  function unstick(b0: { x: number; y: number }) {
    const b = k.state().base;
    const d = Math.hypot(b.x - b0.x, b.y - b0.y);
    if (d < P.pushedM) return;
    const u = [(b.x - b0.x) / d, (b.y - b0.y) / d];
    k.moveBase({ x: b.x + u[0] * P.unstickM, y: b.y + u[1] * P.unstickM, yaw: h, maxSteps: 20 });
    console.log(`pushed ${num(d, 3)} m at the start: backed off ${P.unstickM} m that way`);
  }

  /** World points of counter faces (below the counter tops) in the agent views: where the base must not drive. */
  function counterFaces(): Vec3[] {
    const out: Vec3[] = [];
    sideRange = [-Infinity, Infinity];
    for (const camera of ["robot0_agentview_left", "robot0_agentview_right"]) {
      const f = k.image({ camera, size: 128, depth: true });
      for (const w of worldPoints(f, 128)) if (w && w[2] > P.faceZ[0] && w[2] < P.faceZ[1]) out.push(w);
    }
    const b = k.state().base;
    const a0 = b.x * fwd[0] + b.y * fwd[1];
    const mine = out.filter((w) => along(w) - a0 > P.baseFrontM + 0.01); // nearer: the robot's own body
    out.length = 0;
    out.push(...mine);
    const ahead = out.map((w) => along(w) - a0);
    // a face seen right at the base's front beside its middle is a counter running back alongside the base (the
    // cameras cannot see beside it): the base may not slide sideways into it
    const l0 = b.x * left[0] + b.y * left[1];
    for (const w of out) {
      const s = side(w) - l0;
      if (along(w) - a0 > P.baseFrontM + P.wallNearM || Math.abs(s) < P.wallInnerM) continue;
      if (s < 0) sideRange[0] = Math.max(sideRange[0], l0 + s + P.baseHalfWideM + P.sideGapM);
      else sideRange[1] = Math.min(sideRange[1], l0 + s - P.baseHalfWideM - P.sideGapM);
    }
    console.log(
      `counter faces: ${out.length} px, nearest ${num(Math.min(...ahead), 3)} m ahead of the base; sideways ${num(sideRange[0] - l0, 3)}..${num(sideRange[1] - l0, 3)} m`,
    );
    return out;
  }

  /**
   * Turns the mug on the counter so its handle points away from the robot: a top grasp across the body (the
   * fingers close at right angles to the handle, so neither meets it), a small lift, the wrist's roll, set down.
   */
  function turnMug(mug: Mug) {
    const hd = mug.handleDeg as number;
    const rel = wrapDeg(hd - h);
    const turn = Math.max(-P.turnMaxDeg, Math.min(P.turnMaxDeg, -rel)); // toward straight ahead
    // the fingers close along yaw + 90: at yaw = the handle's direction they close across it (within ±90 of h)
    let y0 = hd;
    while (wrapDeg(y0 - h) > 90) y0 -= 180;
    while (wrapDeg(y0 - h) < -90) y0 += 180;
    const gz = mug.top - P.topGripM;
    const [x, y] = [mug.c[0], mug.c[1]];
    k.moveEef({ pos: [x, y, mug.top + 0.06], rpy: [0, 180, y0], maxSteps: P.moveSteps });
    k.moveEef({ pos: [x, y, gz], rpy: [0, 180, y0], tolerance: P.fineTolM, maxSteps: 60 });
    const g = k.gripper({ close: true, steps: P.gripSteps });
    k.moveEef({ pos: [x, y, gz + P.turnLiftM], rpy: [0, 180, y0], tolerance: P.fineTolM, maxSteps: 20 });
    const n = Math.ceil(Math.abs(turn) / P.turnStepDeg);
    for (let i = 1; i <= n; i++)
      k.moveEef({ pos: [x, y, gz + P.turnLiftM], rpy: [0, 180, y0 + (turn * i) / n], maxSteps: 2 });
    const yEnd = y0 + turn;
    k.moveEef({ pos: [x, y, gz + P.turnLiftM], rpy: [0, 180, yEnd], tolerance: P.fineTolM, maxSteps: 20 });
    k.moveEef({ pos: [x, y, gz + 0.002], rpy: [0, 180, yEnd], tolerance: P.fineTolM, maxSteps: 20 });
    k.gripper({ close: false, steps: P.gripSteps });
    const up = mug.top + 0.06;
    k.moveEef({ pos: [x, y, up], rpy: [0, 180, yEnd], maxSteps: 40 });
    for (let i = n - 1; i >= 0; i--) k.moveEef({ pos: [x, y, up], rpy: [0, 180, y0 + (turn * i) / n], maxSteps: 2 });
    k.moveEef({ pos: [x, y, up], rpy: [0, 180, h], maxSteps: 40 }); // back to the peek's roll
    console.log(`turned the mug ${num(turn, 0)} deg (top grasp width ${num(g.widthM, 4)})`);
  }

  /** What the wrist camera, straight over the mug, sees of it. */
  function peekMug(rough: Vec3): Mug | null {
    const cam = "robot0_eye_in_hand";
    const n = P.peekSize;
    k.moveEef({ pos: [rough[0], rough[1], rough[2] + P.peekHeightM], rpy: [0, 180, h], maxSteps: 150 });
    const fr = k.image({ camera: cam, size: n, depth: true });
    const pts = worldPoints(fr, n);
    const near = pts.filter((p): p is Vec3 => !!p && Math.hypot(p[0] - rough[0], p[1] - rough[1]) < 0.14);
    const counter = quantile(
      near.map((p) => p[2]),
      0.2,
    );
    const found = k
      .segmentAll({ query: "mug", camera: cam, size: n, returnMasks: true })
      .detections.filter((d) => d.centroidWorldXyz && d.mask)
      .sort((a, b) => dist2(a.centroidWorldXyz as Vec3, rough) - dist2(b.centroidWorldXyz as Vec3, rough))[0];
    if (!found?.mask) return null;
    const onMug = maskPixels(found.mask)
      .map((i) => pts[i])
      .filter((p): p is Vec3 => !!p && p[2] > counter + 0.008);
    if (onMug.length < P.minMugPx) {
      console.log(`peek: too little of a mug above the counter here (${onMug.length} px)`);
      return null;
    }
    const top = quantile(
      onMug.map((p) => p[2]),
      0.98,
    );
    const disc = onMug.filter((p) => p[2] > top - 0.006);
    const c: Vec3 = [0, 0, 0];
    for (const p of disc) for (let i = 0; i < 3; i++) c[i] += p[i] / disc.length;
    const r = quantile(
      disc.map((p) => Math.hypot(p[0] - c[0], p[1] - c[1])),
      0.97,
    );
    const handle = onMug.filter((p) => Math.hypot(p[0] - c[0], p[1] - c[1]) > r + 0.008 && p[2] < top - 0.008);
    let handleDeg: number | null = null;
    if (handle.length >= 5) {
      const dx = handle.reduce((t, p) => t + p[0] - c[0], 0);
      const dy = handle.reduce((t, p) => t + p[1] - c[1], 0);
      handleDeg = Math.atan2(dy, dx) / D2R;
    }
    const tall = top - counter;
    const fits = r >= P.mugR[0] && r <= P.mugR[1] && tall >= P.mugTall[0] && tall <= P.mugTall[1];
    console.log(
      `${fits ? "mug" : "not a mug"}: centre ${c.map((v) => num(v, 3))} r ${num(r, 3)} top ${num(top, 3)} counter ${num(counter, 3)} handle ${num(handleDeg, 0)} deg (${handle.length} px, disc ${disc.length})`,
    );
    if (!fits) return null;
    return { c: [c[0], c[1], (top + counter) / 2], r, top, counter, handleDeg };
  }

  /**
   * The spout (receptacle) from the machine's pixels in both agent views, kept to those a machine beside the mug
   * can give: its centre line from its sides, its front from the overhang's front face.
   */
  function findSpout(mug: Mug): Vec3 {
    const pts: Vec3[] = [];
    for (const camera of ["robot0_agentview_left", "robot0_agentview_right"]) {
      const f = k.image({ camera, size: P.lookSize, depth: true });
      const all = worldPoints(f, P.lookSize);
      const dets = k.segmentAll({ query: "coffee machine", camera, size: P.lookSize, returnMasks: true }).detections;
      for (const d of dets) {
        if (!d.mask) continue;
        for (const i of maskPixels(d.mask)) {
          const w = all[i];
          if (!w) continue;
          const up = w[2] - mug.counter;
          const dl = side(w) - side(mug.c);
          const da = along(w) - along(mug.c);
          if (up > 0.005 && up < 0.4 && Math.abs(dl) > 0.06 && Math.abs(dl) < 0.45 && da > -0.25 && da < 0.3)
            pts.push(w);
        }
      }
    }
    const tall = pts.filter((p) => p[2] > mug.counter + 0.1);
    const right = tall.filter((p) => side(p) < side(mug.c)).length;
    const sgn = right > tall.length - right ? -1 : 1;
    const mine = pts.filter((p) => (side(p) - side(mug.c)) * sgn > 0);
    const body = mine.filter((p) => p[2] > mug.counter + 0.05);
    if (body.length < 30) throw new Error(`too little of the coffee machine seen (${body.length} px)`);
    const mid = (quantile(body.map(side), 0.002) + quantile(body.map(side), 0.998)) / 2;
    const overhang = mine.filter((p) => p[2] > mug.counter + P.overhangLowM + 0.01);
    if (overhang.length < 10) throw new Error(`the coffee machine's overhang was not seen (${overhang.length} px)`);
    const front = quantile(overhang.map(along), 0.02) - P.overhangFrontM;
    console.log(
      `machine: ${mine.length} px on the ${sgn < 0 ? "right" : "left"}, centre line ${mid.toFixed(3)}, front ${front.toFixed(3)}`,
    );
    return at(front + P.spoutBehindFrontM, mid, mug.counter + P.slabM);
  }
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
