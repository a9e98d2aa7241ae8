/**
 * A kitchen-open-cabinet episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the wall cabinet's handle(s), crack each door open by its handle,
 * then hook the closed hand behind the door's free edge and carry the edge round the hinge to 90 degrees. The rest of
 * the reference script (examples/scripts/kitchen-open-cabinet.ts, whose header tells each phase in full) is kept as
 * constants.
 *
 * 1. raise, look: the torso rises and the wrist camera finds the handles at wall-cabinet height (colour, else depth:
 *    a grip stands 2.5-5.5 cm out of its front); two near the heading line are double doors, one off to a side a
 *    single door hinged on the other side.
 * 2. crack: per door, the open hand closes on the grip and carries it `crackDeg` round the hinge, then lets go.
 * 3. hook: the closed hand comes round the free edge and in behind the door, `hookInM` inside the edge, starting
 *    `hookBackDeg` short of where the crack left the door, and carries the edge round the hinge to 90 degrees; the base
 *    backs off whenever the hand would come nearer than `hookAheadM` ahead of it.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: deg and m). */
export interface Params {
  crackDeg: number; // deg the door turns while the hand pulls its handle round the hinge
  hookAheadM: number; // m ahead of the base the hand stays at least while it carries the door
  hookInM: number; // m inside the free edge the pads' centre sits behind the door
  hookBackDeg: number; // deg the hook starts short of where the crack left the door
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "crackDeg",
  "hookAheadM",
  "hookInM",
  "hookBackDeg",
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
  torsoM: 0.3, // m of torso lift: the shoulder (0.96 m with the torso down) near the handles' 1.4-1.55 m
  lookBackM: 0.15, // m the base backs off before looking, so the wrist camera sees the whole cabinet front
  lookAheadM: 0.62, // m ahead of the base where the hand looks from (nearer folds the elbow when the tool points forward)
  lookZ: 1.42, // m, the hand's height when looking
  lookSize: 256, // px, wrist-camera frame
  depthSize: 160, // px, the wrist-camera depth frame of the fallback look
  standMinM: 0.025, // m: a grip stands at least this out of its front …
  standMaxM: 0.055, // m: … and at most this
  depthMinPx: 12, // px: smaller groups of standing-out points are specks
  depthMaxLenM: 0.3, // m: longer groups are not grips
  depthMinWideM: 0.008, // m: narrower groups are edges seen side-on, not grips
  lookYawsDeg: [0, 25, -25] as readonly number[], // deg the hand turns from the heading for each look (both turned ones only when the straight one finds no handle that fits)
  sameM: 0.04, // m: detections closer than this are one handle
  pieceM: 0.015, // m: detections this near sideways (and twice this in depth) …
  barLenM: 0.22, // m: … and less than this apart in height are pieces of one upright bar
  minAreaPx: 20, // px: smaller handle blobs are specks
  maxAreaPx: 3000, // px: larger ones are fronts merged with handles
  minZ: 1.3, // m: a wall cabinet's handle is above this …
  maxZ: 1.7, // m: … and below this
  laneM: 0.45, // m sideways from the heading line at most
  doubleM: 0.14, // m: handles within this of the heading line belong to double doors
  reachM: 0.74, // m ahead of the base where the handle's grip should sit for the grasp
  cabWidths: [0.6, 0.75, 0.9] as readonly number[], // m, wall cabinet widths
  widthFitM: 0.04, // m: a single door's handle fits a cabinet width when the width it implies is this near
  doubleCabM: 0.9, // m, a double-door cabinet's width assumed until the cracked door's front is measured
  gapM: 0.003, // m, the gap round each door
  edgeToHandleM: 0.053, // m from a door's free edge to a bar's or knob's axis (a pull's is 0.03 m further in)
  pullInsetM: 0.03, // m, the pull's extra inset
  hingeBehindM: 0.045, // m: the hinge axis lies this far behind the handle's grip axis
  barLowM: 0.05, // m below a bar's centre where the hand grips it
  barRadiusM: 0.009, // m, grip radius of bars and pulls
  knobRadiusM: 0.016, // m, a knob's ball
  graspDeepM: 0.003, // m the pads' centre goes past the grip's axis (the seen centroid lies a little deeper than the grip's front)
  preGraspM: 0.09, // m in front of the grip where the open hand lines up
  regraspTries: 2, // times the hand tries again, shallower, after closing on nothing
  regraspStepM: 0.012, // m shallower each try
  graspTolM: 0.006, // m: the grasp's approach arrives within this
  missedWidthM: 0.006, // m: a closed hand narrower than this holds nothing
  barWidthM: 0.018, // m, a bar's or pull's grip across the pads
  knobWidthM: 0.032, // m, a knob's
  wideByM: 0.012, // m: a closed hand wider than its grip by more than this holds something else (a post, an edge)
  crackStepDeg: 5, // deg per crack waypoint
  tiltRateDeg: 3, // deg per step the tool tips
  twistRateDeg: 6, // deg per step the hand turns about its tool axis
  moveSteps: 100, // steps a motion runs at most
  homeSteps: 50, // steps per move of the hand back between two doors
  sweepInSteps: 50, // steps each move round the free edge into the hook runs at most
  sweepTolM: 0.02, // m: a hook waypoint of the hand counts as reached within this
  barCentreUpM: 0.16, // m a bar's centre sits above the cabinet's bottom
  knobUpM: 0.07, // m a knob's or pull's centre sits above the cabinet's bottom
  hookZUpM: 0.1, // m above the door's bottom edge the hook holds it
  hookDeepM: 0.035, // m from the door's mid-plane to the pads' centre on its inner side
  hookSumDeg: 60, // deg: the hook's start angle + the tool's turn toward the hinge (keeps the forearm out beyond the free edge)
  hookOutM: 0.08, // m beyond the free edge the hand comes round
  hookFrontM: 0.06, // m in front of the door's mid-plane the hand passes round the edge
  measureBackM: 0.12, // m the base backs off for the depth frame that finds a double door's hinge
  measureSize: 96, // px, that frame
  fitMinPoints: 150, // points a line needs to count as the door's front
  fitTolM: 0.006, // m: front points within this of a line are on it
  fitMinDeg: 8, // deg: the cracked door's front is turned at least this …
  fitMaxDeg: 50, // deg: … and at most this from the closed fronts
  doorHalfM: 0.01, // m, half a door's thickness
  hookMinDeg: 14, // deg: the hook never starts below this (nearer the front it meets the other door's handle)
  crackAgainDeg: 15, // deg: a crack whose grip slipped before this is tried again (the approach pushes the door home) …
  crackTries: 3, // … up to this many cracks in all
  hookStepDeg: 4, // deg between the hook's waypoints round the hinge
  hookEndDeg: 90, // deg: the hand carries the door's edge to here (the door lags ~2.5 deg)
  hookSteps: 15, // steps per hook waypoint (the hand's move, the base's move) at most
  hookSpeed: 0.3, // m/s of the base during the sweep
  retreatM: 0.15, // m the base backs off along the tool after the sweep
});

type Vec3 = [number, number, number];
interface Motion {
  arrived: boolean;
  distance: number;
  steps: number;
}
interface Detection {
  maskArea: number;
  bboxXywh: [number, number, number, number];
  centroidWorldXyz: Vec3 | null;
}
interface KitchenTools {
  segmentAll(opts: { query: string; camera?: string; size?: number }): { detections: Detection[] };
  image(opts: { camera?: string; size?: number; depth?: boolean }): {
    depth: number[] | null;
    intrinsics: { fx: number; fy: number; cx: number; cy: number };
    extrinsics: { position: number[]; rotation: number[] };
  };
  deproject(u: number, v: number, camera: string, size: number): Vec3;
  moveBase(opts: {
    x: number;
    y: number;
    yaw: number;
    maxSpeed?: number;
    tolerance?: number;
    maxSteps?: number;
  }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
  goHome(opts?: { maxSteps?: number }): Motion;
  torso(opts: { m: number; maxSteps?: number }): Motion;
  state(): { eePos: Vec3; gripperWidthM: number; torsoM: number; base: { x: number; y: number; yawDeg: number } };
}

const DEG = Math.PI / 180;

/** World rpy (deg, R = Rz(yaw)·Ry(pitch)·Rx(roll)) of Rz(heading)·Ry(tilt)·Rz(twist): tool down at tilt 180°. */
function handRpy(headingDeg: number, tiltDeg: number, twistDeg: number): number[] {
  const [ch, sh] = [Math.cos(headingDeg * DEG), Math.sin(headingDeg * DEG)];
  const [cb, sb] = [Math.cos(tiltDeg * DEG), Math.sin(tiltDeg * DEG)];
  const [ct, st] = [Math.cos(twistDeg * DEG), Math.sin(twistDeg * DEG)];
  const A = [ch * cb, -sh, ch * sb, sh * cb, ch, sh * sb, -sb, 0, cb];
  const m = [0, 1, 2].flatMap((i) => [
    A[3 * i] * ct + A[3 * i + 1] * st,
    -A[3 * i] * st + A[3 * i + 1] * ct,
    A[3 * i + 2],
  ]);
  const pitch = Math.asin(Math.max(-1, Math.min(1, -m[6])));
  if (Math.abs(m[6]) > 1 - 1e-9) return [0, pitch / DEG, Math.atan2(-m[1], m[4]) / DEG];
  return [Math.atan2(m[7], m[8]) / DEG, pitch / DEG, Math.atan2(m[3], m[0]) / DEG];
}

/** A handle seen, in the frame of the start pose (a ahead, s to the left, z up). */
interface Handle {
  a: number;
  s: number;
  z: number;
  type: "bar" | "pull" | "knob";
}

/** How far behind a grip's front (what the camera sees) its axis lies. */
const gripR = (h: Handle) => (h.type === "knob" ? P.knobRadiusM : P.barRadiusM);

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(knobs: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const maybe = ctx.tools?.kitchen as unknown as KitchenTools | undefined;
  const k = maybe as KitchenTools; // checked when an episode starts
  let heading = 90;
  let fwd: Vec3 = [0, 1, 0];
  let left: Vec3 = [-1, 0, 0];
  let origin: Vec3 = [0, 0, 0]; // the base at the start: the frame handles are kept in
  let baseA = 0; // the base's distance ahead of the origin now
  const world = (a: number, s: number, z: number): Vec3 => [
    origin[0] + a * fwd[0] + s * left[0],
    origin[1] + a * fwd[1] + s * left[1],
    z,
  ];
  const local = (w: readonly number[]): Handle => {
    const r = [w[0] - origin[0], w[1] - origin[1]];
    return { a: r[0] * fwd[0] + r[1] * fwd[1], s: r[0] * left[0] + r[1] * left[1], z: w[2], type: "knob" };
  };
  const driveTo = (a: number) => {
    const p = world(a, 0, 0);
    k.moveBase({ x: p[0], y: p[1], yaw: heading, maxSteps: P.moveSteps });
    baseA = a;
  };

  function tiltTo(at: Vec3, from: number, to: number, twist: number): void {
    let tilt = from;
    while (tilt !== to) {
      tilt = to < tilt ? Math.max(to, tilt - P.tiltRateDeg) : Math.min(to, tilt + P.tiltRateDeg);
      k.moveEef({ pos: at, rpy: handRpy(heading, tilt, twist), maxSteps: 1 });
    }
  }

  /** The cabinet's width a single door's handle at h implies (the fixture is centred on the robot's start). */
  const impliedWidth = (h: Handle) => 2 * (Math.abs(h.s) + P.edgeToHandleM + (h.type === "pull" ? P.pullInsetM : 0));
  /** Whether a handle can be the task cabinet's: near the middle (double doors), or where a single door of one of
   * the cabinet widths has it (a neighbouring cabinet's handle lies further out). */
  const fits = (h: Handle) =>
    Math.abs(h.s) < P.doubleM || P.cabWidths.some((w) => Math.abs(impliedWidth(h) - w) < P.widthFitM);

  /** Handles found by depth where the colour segmenter sees none (a handle the colour of its front): the points
   * that stand P.standMinM..P.standMaxM out of the fronts' plane (the most common depth), grouped by pixel. */
  function depthHandles(cam: string): Handle[] {
    const im = k.image({ camera: cam, size: P.depthSize, depth: true });
    const n = P.depthSize;
    if (!im.depth) return [];
    const { fx, fy, cx, cy } = im.intrinsics;
    const R = im.extrinsics.rotation;
    const o = im.extrinsics.position;
    const pts: (Handle | null)[] = [];
    for (let v = 0; v < n; v++)
      for (let u = 0; u < n; u++) {
        const d = im.depth[v * n + u];
        if (!Number.isFinite(d) || d <= 0) {
          pts.push(null);
          continue;
        }
        const X = ((u - cx) * d) / fx;
        const Y = ((v - cy) * d) / fy;
        const h = local([
          o[0] + R[0] * X + R[1] * Y + R[2] * d,
          o[1] + R[3] * X + R[4] * Y + R[5] * d,
          o[2] + R[6] * X + R[7] * Y + R[8] * d,
        ]);
        pts.push(h.z < P.minZ || h.z > P.maxZ || Math.abs(h.s) > P.laneM + 0.1 ? null : h);
      }
    // the fronts' plane: the most common distance ahead (5 mm bins)
    const bins = new Map<number, number>();
    for (const p of pts) if (p) bins.set(Math.round(p.a / 0.005), (bins.get(Math.round(p.a / 0.005)) ?? 0) + 1);
    let front = 0;
    let best = 0;
    for (const [b, c] of bins)
      if (c > best) {
        best = c;
        front = b * 0.005;
      }
    const out = pts.map((p) => p !== null && p.a < front - P.standMinM && p.a > front - P.standMaxM);
    const seen = new Uint8Array(n * n);
    const found: Handle[] = [];
    for (let i = 0; i < n * n; i++) {
      if (!out[i] || seen[i]) continue;
      const group: Handle[] = [];
      let cut = false; // the group runs off the frame
      const stack = [i];
      seen[i] = 1;
      while (stack.length > 0) {
        const j = stack.pop() as number;
        group.push(pts[j] as Handle);
        const [ju, jv] = [j % n, Math.floor(j / n)];
        if (ju === 0 || jv === 0 || ju === n - 1 || jv === n - 1) cut = true;
        for (const [du, dv] of [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ]) {
          const [nu, nv] = [ju + du, jv + dv];
          const m = nv * n + nu;
          if (nu < 0 || nv < 0 || nu >= n || nv >= n || seen[m] || !out[m]) continue;
          seen[m] = 1;
          stack.push(m);
        }
      }
      if (group.length < P.depthMinPx) continue;
      const mean = (f: (h: Handle) => number) => group.reduce((t, h) => t + f(h), 0) / group.length;
      const ext = (f: (h: Handle) => number) => Math.max(...group.map(f)) - Math.min(...group.map(f));
      const [ds, dz] = [ext((h) => h.s), ext((h) => h.z)];
      if (
        Math.max(ds, dz) > P.depthMaxLenM ||
        Math.min(ds, dz) < P.depthMinWideM ||
        Math.abs(mean((h) => h.s)) > P.laneM
      )
        continue;
      const type = Math.max(ds, dz) < 0.05 ? "knob" : dz > ds ? "bar" : "pull";
      if (cut && type === "knob") continue;
      const front10 = group.map((h) => h.a).sort((x, y) => x - y)[Math.floor(group.length / 10)]; // the grip's front
      found.push({ a: front10, s: mean((h) => h.s), z: mean((h) => h.z), type });
    }
    console.log(`depth look: front ${front.toFixed(3)}, ${found.length} grips`);
    return found;
  }

  /** Handles in front of the robot, from the wrist camera pointing forward. */
  function look(): Handle[] {
    const at = world(baseA + P.lookAheadM, 0, P.lookZ);
    k.moveEef({ pos: at, rpy: handRpy(heading, 180, 0), maxSteps: P.moveSteps });
    tiltTo(at, 180, 90, 0);
    const found: Handle[] = [];
    const cam = "robot0_eye_in_hand";
    for (const yaw of P.lookYawsDeg) {
      if (yaw === P.lookYawsDeg[1] && found.some(fits)) break; // the turned looks (both) only when the straight one found none
      k.moveEef({ pos: at, rpy: handRpy(heading + yaw, 90, 0), maxSteps: P.moveSteps });
      for (const d of k.segmentAll({ query: "handle", camera: cam, size: P.lookSize }).detections) {
        const w = d.centroidWorldXyz;
        if (!w || d.maskArea < P.minAreaPx || d.maskArea > P.maxAreaPx) continue;
        const h = local(w);
        if (h.z < P.minZ || h.z > P.maxZ || Math.abs(h.s) > P.laneM) continue;
        const [bu, bv, bw, bh] = d.bboxXywh;
        let ends: Vec3[] = [w, w];
        try {
          ends =
            bw > bh
              ? [
                  k.deproject(bu + 1, bv + bh / 2, cam, P.lookSize),
                  k.deproject(bu + bw - 2, bv + bh / 2, cam, P.lookSize),
                ]
              : [
                  k.deproject(bu + bw / 2, bv + 1, cam, P.lookSize),
                  k.deproject(bu + bw / 2, bv + bh - 2, cam, P.lookSize),
                ];
        } catch {
          // no depth at a box end: the type stays a knob's
        }
        const [e0, e1] = ends.map(local);
        const len = Math.hypot(e0.s - e1.s, e0.z - e1.z);
        h.type = len < 0.05 ? "knob" : Math.abs(e0.z - e1.z) > Math.abs(e0.s - e1.s) ? "bar" : "pull";
        // a knob cut by the frame's edge: its centre is not where the part seen has it (a bar or pull cut short
        // still has its axis where it is seen)
        if (h.type === "knob" && (bu <= 0 || bv <= 0 || bu + bw >= P.lookSize || bv + bh >= P.lookSize)) continue;
        if (found.some((f) => Math.hypot(f.a - h.a, f.s - h.s, f.z - h.z) < P.sameM)) continue;
        // two pieces of one upright bar (seen in slivers): one bar between them
        const piece = found.find(
          (f) =>
            Math.abs(f.s - h.s) < P.pieceM && Math.abs(f.a - h.a) < P.pieceM * 2 && Math.abs(f.z - h.z) < P.barLenM,
        );
        if (piece) {
          piece.z = (piece.z + h.z) / 2;
          piece.type = "bar";
          continue;
        }
        found.push(h);
      }
      if (!found.some(fits)) found.push(...depthHandles(cam));
    }
    k.moveEef({ pos: at, rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps }); // straight again before reaching
    console.log(
      `look: ${found.map((h) => `${h.type} a ${h.a.toFixed(3)} s ${h.s.toFixed(3)} z ${h.z.toFixed(3)}`).join("; ")}`,
    );
    return found;
  }

  /** The hand's goal on a circle about the hinge (hingeA, hingeS), sigma +1 hinged on the left. */
  const onArc = (hingeA: number, hingeS: number, sigma: number, thDeg: number, rho: number, off: number, z: number) => {
    const t = thDeg * DEG;
    return world(
      hingeA - rho * Math.sin(t) + off * Math.cos(t),
      hingeS - sigma * rho * Math.cos(t) - sigma * off * Math.sin(t),
      z,
    );
  };

  /** Grasps the handle and pulls it round the hinge by knobs.crackDeg; the door's angle where the grip last held, or
   * null when the hand closed on nothing. */
  function crack(h: Handle, hingeS: number, sigma: number): number | null {
    const twist = h.type === "pull" ? 90 : 0;
    const z = h.type === "bar" ? h.z - P.barLowM : h.z;
    const axisA = h.a + gripR(h) + P.graspDeepM;
    const rpy = handRpy(heading, 90, twist);
    k.gripper({ close: false, steps: 4 });
    const pre = world(axisA - P.preGraspM, h.s, z);
    k.moveEef({ pos: pre, rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps });
    if (twist !== 0) {
      for (let t = P.twistRateDeg; t < twist; t += P.twistRateDeg)
        k.moveEef({ pos: pre, rpy: handRpy(heading, 90, t), maxSteps: 1 });
    }
    k.moveEef({ pos: pre, rpy, tolerance: P.graspTolM, maxSteps: P.moveSteps });
    let r = k.moveEef({ pos: world(axisA, h.s, z), rpy, tolerance: P.graspTolM, maxSteps: P.moveSteps });
    let g = k.gripper({ close: true });
    const wide = (h.type === "knob" ? P.knobWidthM : P.barWidthM) + P.wideByM; // wider: closed on more than the grip
    const missed = (w: number) => w < P.missedWidthM || w > wide;
    for (let i = 1; i <= P.regraspTries && missed(g.widthM); i++) {
      // closed on nothing: the grip's front was seen too deep (its sides count in the centroid); a little shallower
      k.gripper({ close: false, steps: 6 });
      r = k.moveEef({ pos: world(axisA - i * P.regraspStepM, h.s, z), rpy, tolerance: P.graspTolM, maxSteps: 30 });
      g = k.gripper({ close: true });
    }
    console.log(
      `grasp ${h.type}: ${r.arrived ? "arrived" : `${r.distance.toFixed(3)} m short`}, width ${g.widthM.toFixed(4)}`,
    );
    if (missed(g.widthM)) {
      k.gripper({ close: false });
      k.moveEef({ pos: pre, rpy, maxSteps: P.moveSteps });
      return null;
    }
    const hingeA = h.a + gripR(h) + P.hingeBehindM;
    const rho = Math.hypot(h.s - hingeS, P.hingeBehindM);
    const th0 = Math.atan2(P.hingeBehindM, Math.abs(h.s - hingeS)) / DEG;
    let held = 0;
    for (let d = P.crackStepDeg; d <= knobs.crackDeg; d += P.crackStepDeg) {
      const t = (th0 + d) * DEG;
      const pos = world(hingeA - rho * Math.sin(t), hingeS - sigma * rho * Math.cos(t), z);
      k.moveEef({ pos, rpy: handRpy(heading + sigma * d, 90, twist), tolerance: 0.01, maxSteps: 12 });
      if (k.state().gripperWidthM < P.missedWidthM) break;
      held = d;
    }
    console.log(`crack: held to ${held} deg`);
    k.gripper({ close: false, steps: 8 });
    const e = k.state().eePos;
    const back = P.preGraspM;
    const c = Math.cos((heading + sigma * knobs.crackDeg) * DEG);
    const s = Math.sin((heading + sigma * knobs.crackDeg) * DEG);
    k.moveEef({ pos: [e[0] - back * c, e[1] - back * s, e[2]], maxSteps: 40 });
    return held;
  }

  /** Where the hinge of a cracked door is (its s), from a depth frame of its front: the line the front makes seen
   * from above (the most points within P.fitTolM, turned P.fitMinDeg..P.fitMaxDeg from the closed fronts) gives
   * the door's angle, and the hinge lies on the line a = hingeA where the door's mid-plane meets it. */
  function measureHinge(h: Handle, sigma: number): number | null {
    const a0 = baseA;
    driveTo(a0 - P.measureBackM); // the base backs off, the arm held as it is (a hand move back would fold the elbow)
    const n = P.measureSize;
    const im = k.image({ camera: "robot0_eye_in_hand", size: n, depth: true });
    if (!im.depth) return null;
    const { fx, fy, cx, cy } = im.intrinsics;
    const R = im.extrinsics.rotation;
    const o = im.extrinsics.position;
    const bottom = h.z - (h.type === "bar" ? P.barCentreUpM : P.knobUpM);
    const hingeA = h.a + gripR(h) + P.hingeBehindM;
    const pts: Handle[] = [];
    for (let v = 0; v < n; v += 2)
      for (let u = 0; u < n; u += 2) {
        const d = im.depth[v * n + u];
        if (!Number.isFinite(d) || d <= 0) continue;
        const X = ((u - cx) * d) / fx;
        const Y = ((v - cy) * d) / fy;
        const q = local([
          o[0] + R[0] * X + R[1] * Y + R[2] * d,
          o[1] + R[3] * X + R[4] * Y + R[5] * d,
          o[2] + R[6] * X + R[7] * Y + R[8] * d,
        ]);
        if (q.z > bottom + 0.03 && q.z < bottom + 0.35 && q.a < hingeA + 0.03) pts.push(q);
      }
    driveTo(a0);
    if (pts.length < 20) return null;
    let best = { count: 0, m: 0, c: 0 };
    const stride = Math.max(1, Math.floor(pts.length / 60));
    for (let i = 0; i < pts.length; i += stride)
      for (let j = i + stride; j < pts.length; j += stride) {
        const [p, q] = [pts[i], pts[j]];
        if (Math.abs(q.s - p.s) < 0.03) continue;
        const m = (q.a - p.a) / (q.s - p.s);
        const th = Math.atan(sigma * m) / DEG;
        if (th < P.fitMinDeg || th > P.fitMaxDeg) continue;
        const c0 = p.a - m * p.s;
        const tol = P.fitTolM * Math.sqrt(1 + m * m);
        let count = 0;
        for (const r of pts) if (Math.abs(r.a - m * r.s - c0) < tol) count++;
        if (count > best.count) best = { count, m, c: c0 };
      }
    console.log(`measure: ${pts.length} points, best line ${best.count}`);
    if (best.count < P.fitMinPoints) return null;
    const inl = pts.filter((r) => Math.abs(r.a - best.m * r.s - best.c) < P.fitTolM * Math.sqrt(1 + best.m ** 2));
    const qa = inl.reduce((t, r) => t + r.a, 0) / inl.length;
    const qs = inl.reduce((t, r) => t + r.s, 0) / inl.length;
    const th = Math.atan(sigma * best.m);
    const hingeS = qs - (P.doorHalfM + (qa - hingeA) * Math.cos(th)) / (sigma * Math.sin(th));
    console.log(`measure: door at ${(th / DEG).toFixed(1)} deg (${inl.length} points), hinge s ${hingeS.toFixed(3)}`);
    return hingeS;
  }

  /** Pulls a cracked door open by its free edge: the closed hand (pads one above the other, so the hand is thin
   * sideways) comes round the free edge and in behind the door, its pads' centre P.hookDeepM behind the door's
   * mid-plane and knobs.hookInM inside the edge, the tool turned toward the hinge so that the forearm stays out beyond
   * the edge; then it carries the edge round the hinge to 90 degrees, only the fingers behind the door. */
  function hook(h: Handle, hingeS: number, sigma: number, width: number, th0: number): void {
    const bottom = h.z - (h.type === "bar" ? P.barCentreUpM : P.knobUpM) + P.gapM;
    const z = bottom + P.hookZUpM;
    const hingeA = h.a + gripR(h) + P.hingeBehindM;
    const beta = (th: number) => Math.max(0, P.hookSumDeg - th);
    const at = (th: number, rho: number, off: number) => onArc(hingeA, hingeS, sigma, th, rho, off, z);
    const turn = (from: number[], to: number[]) => {
      const e = k.state().eePos;
      const n = Math.ceil(Math.max(...from.map((f, i) => Math.abs(to[i] - f))) / P.tiltRateDeg);
      for (let i = 1; i <= n; i++) {
        const q = from.map((f, j) => f + ((to[j] - f) * i) / n);
        k.moveEef({ pos: e, rpy: handRpy(heading + q[0], 90, q[1]), maxSteps: 1 });
      }
    };
    const b0 = beta(th0);
    const rpy = handRpy(heading + sigma * b0, 90, 90);
    k.gripper({ close: true, steps: 6 });
    turn([sigma * knobs.crackDeg, h.type === "pull" ? 90 : 0], [sigma * b0, 90]);
    const r1 = k.moveEef({ pos: at(th0, width + P.hookOutM, -P.hookFrontM), rpy, maxSteps: P.sweepInSteps });
    const r2 = k.moveEef({ pos: at(th0, width + knobs.hookInM, P.hookDeepM), rpy, maxSteps: P.sweepInSteps });
    const r3 = k.moveEef({ pos: at(th0, width - knobs.hookInM, P.hookDeepM), rpy, maxSteps: P.sweepInSteps });
    console.log(`hook in: ${r1.distance.toFixed(3)} ${r2.distance.toFixed(3)} ${r3.distance.toFixed(3)}`);
    // round the hinge: the hand carries the edge along its arc, the tool turning back toward straight ahead as the
    // door opens (door angle + turn = P.hookSumDeg); the base backs straight off whenever the hand would come nearer
    // than knobs.hookAheadM ahead of it (the elbow folds nearer)
    const rho = width - knobs.hookInM;
    for (let th = th0 + P.hookStepDeg; th < P.hookEndDeg + P.hookStepDeg; th += P.hookStepDeg) {
      const p = at(Math.min(th, P.hookEndDeg), rho, P.hookDeepM);
      const pa = local(p).a;
      if (pa - baseA < knobs.hookAheadM) {
        const b = world(pa - knobs.hookAheadM, 0, 0);
        k.moveBase({ x: b[0], y: b[1], yaw: heading, maxSpeed: P.hookSpeed, maxSteps: P.hookSteps });
        baseA = pa - knobs.hookAheadM;
      }
      const rpyAt = handRpy(heading + sigma * beta(Math.min(th, P.hookEndDeg)), 90, 90);
      k.moveEef({ pos: p, rpy: rpyAt, tolerance: P.sweepTolM, maxSteps: P.hookSteps });
    }
    // the base backs off along the tool (straight ahead again at 90 degrees): the fingers slide out past the edge
    const e = k.state();
    const ey = (heading + sigma * beta(P.hookEndDeg)) * DEG;
    k.moveBase({
      x: e.base.x - P.retreatM * Math.cos(ey),
      y: e.base.y - P.retreatM * Math.sin(ey),
      yaw: e.base.yawDeg,
      maxSteps: 40,
    });
    baseA -= P.retreatM;
    // the pads side by side again (a bar's or knob's grasp)
    turn([sigma * beta(P.hookEndDeg), 90], [0, 0]);
  }

  return {
    episode() {
      if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s0 = k.state();
      heading = s0.base.yawDeg;
      fwd = [Math.cos(heading * DEG), Math.sin(heading * DEG), 0];
      left = [-fwd[1], fwd[0], 0];
      origin = [s0.base.x, s0.base.y, 0];
      driveTo(-P.lookBackM);
      k.torso({ m: P.torsoM });
      const handles = look();
      if (handles.length === 0) {
        console.log("no handle seen");
        return;
      }
      const a = Math.min(...handles.map((h) => h.a));
      const reachA = a - P.reachM;
      driveTo(reachA);
      const middle = handles.filter((h) => Math.abs(h.s) < P.doubleM).sort((x, y) => y.s - x.s);
      const doors: { h: Handle; hingeS: number; sigma: number; width: number }[] = [];
      if (middle.length >= 2) {
        const centre = (middle[0].s + middle[middle.length - 1].s) / 2;
        for (const h of [middle[0], middle[middle.length - 1]]) {
          const sigma = Math.sign(h.s - centre) || 1;
          doors.push({
            h,
            hingeS: centre + sigma * (P.doubleCabM / 2 - P.gapM),
            sigma,
            width: P.doubleCabM / 2 - 2 * P.gapM,
          });
        }
      } else {
        const ok = handles.filter(fits);
        const h = [...(ok.length > 0 ? ok : handles)].sort((x, y) => Math.abs(x.s) - Math.abs(y.s))[0];
        const guess = impliedWidth(h);
        const cab = P.cabWidths.reduce((best, w) => (Math.abs(w - guess) < Math.abs(best - guess) ? w : best));
        const sigma = -Math.sign(h.s) || 1;
        doors.push({ h, hingeS: sigma * (cab / 2 - P.gapM), sigma, width: cab - 2 * P.gapM });
      }
      for (const d of doors) {
        console.log(`door: hinge s ${d.hingeS.toFixed(3)}, width ${d.width.toFixed(3)}, handle ${d.h.type}`);
        if (d !== doors[0]) {
          // back to where the hand looked from, the tool still forward (going home would fold the elbow on the way back)
          // the hand out to the middle in front of the doors (clear of the open one), then the base back in
          const e = local(k.state().eePos);
          k.moveEef({ pos: world(baseA + P.lookAheadM, 0, e.z), rpy: handRpy(heading, 90, 0), maxSteps: P.homeSteps });
          driveTo(reachA);
          k.moveEef({ pos: world(baseA + P.lookAheadM, 0, e.z), rpy: handRpy(heading, 90, 0), maxSteps: P.homeSteps });
        }
        let held = crack(d.h, d.hingeS, d.sigma);
        for (let t = 1; t < P.crackTries && held !== null && held < P.crackAgainDeg; t++) {
          // slipped early: straighten the hand a few degrees a step where it is (in one goal the IK swings), again
          const e = k.state().eePos;
          const tw = d.h.type === "pull" ? 90 : 0;
          const from = d.sigma * Math.min(held + P.crackStepDeg, knobs.crackDeg);
          const nTurn = Math.ceil(Math.abs(from) / P.tiltRateDeg);
          for (let i = 1; i <= nTurn; i++)
            k.moveEef({ pos: e, rpy: handRpy(heading + (from * (nTurn - i)) / nTurn, 90, tw), maxSteps: 1 });
          held = crack(d.h, d.hingeS, d.sigma);
        }
        if (held === null || held < P.crackStepDeg) continue;
        if (doors.length === 2 && d === doors[0]) {
          // double doors: the handles do not tell the cabinet's width; the cracked door's front does
          const hs = measureHinge(d.h, d.sigma);
          if (hs !== null) {
            const mid = (doors[0].h.s + doors[1].h.s) / 2;
            const cab = P.cabWidths.reduce((b, w) =>
              Math.abs(mid + d.sigma * (w / 2 - P.gapM) - hs) < Math.abs(mid + d.sigma * (b / 2 - P.gapM) - hs) ? w : b,
            );
            for (const o of doors) {
              o.hingeS = mid + o.sigma * (cab / 2 - P.gapM);
              o.width = cab / 2 - 2 * P.gapM;
            }
            console.log(`double doors: cabinet ${cab} m`);
          }
        }
        hook(d.h, d.hingeS, d.sigma, d.width, Math.max(held - knobs.hookBackDeg, P.hookMinDeg));
      }
    },
  };
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
