/**
 * A kitchen-turn-off-stove episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the burner knob that is on, grip it and turn the hand about the
 * knob's axis back to 0. The rest of the reference script (examples/scripts/kitchen-turn-off-stove.ts) is kept as
 * constants.
 *
 * 1. look: the knobs and their pointers ("knob", "knob marker") in robot0_agentview_left at 512 px; a knob's white
 *    pointer points up when it is off, so the knobs are ranked by how low their pointer sits against their disc.
 * 2. base: the base backs off `backOffM`: with the tool pointing forward the wrist sits 0.155 m behind the hand and
 *    the elbow folds only so far, so at knob height the hand needs room in front of the shoulder.
 * 3. lower, tilt: the hand, tool down, goes 0.2 m in front of the knob, then tips the tool forward a few degrees a
 *    step.
 * 4. peek: the wrist camera looks straight at the knob: its disc by depth (it stands 2.8 cm out of the panel), its
 *    pointer as the disc's bright pixels; the direction from the disc's centroid to the pointer's gives the angle.
 *    If the first knob already reads off (within `offRad`), the next one in the ranking is peeked at.
 * 5. grip and turn: the open hand, pre-turned by half the turn, goes `gripDepthM` past the knob's face, closes,
 *    turns about its tool axis by −angle (`overturnRad` past 0, for the pads' slip), opens and backs off to look
 *    again: up to 4 tries until the knob reads within `offRad` of 0.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m and rad). */
export interface Params {
  backOffM: number; // m the base backs off before the tool points forward
  gripDepthM: number; // m past the knob's face (toward the panel) where the pads close
  overturnRad: number; // rad the turn goes past 0, a margin for the pads' slip
  offRad: number; // rad: a knob the wrist camera reads within this of 0 counts as off (the task's band is 0.35)
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "backOffM",
  "gripDepthM",
  "overturnRad",
  "offRad",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 512, // px, agent-view frame for finding the knobs
  knobAreaMax: 1600, // px at 512: larger dark blobs are the countertop or the oven window, not a knob
  knobAreaMin: 80, // px at 512: smaller ones are seams
  rowBandM: 0.04, // m: the knobs sit in one row; a knob farther than this from the row's median height is not one
  markerNearM: 0.03, // m: a pointer this close to a knob's centroid is its pointer
  baseSteps: 80, // steps the base's back-off runs at most
  peekSize: 256, // px, the wrist camera's frame
  frontOffsetM: 0.2, // m in front of the knob's face for the peek
  discStandM: 0.012, // m nearer than the panel that counts as the knob's disc (it stands 0.028 m out)
  discAreaMin: 150, // px at 256: a smaller near patch is not a knob's disc
  pointerContrast: 40, // 0..255: the pointer (white, lit 80-130) is this much brighter than the disc's median
  pointerAreaMin: 8, // px at 256: fewer bright pixels on the disc is no pointer
  tries: 4, // grip-and-turn attempts at most
  preGripM: 0.06, // m in front of the face where the open hand lines up before going over the knob
  fineTolM: 0.005, // m: the approach onto the knob arrives within this
  moveSteps: 80, // steps one motion runs at most
  reachSteps: 40, // steps each half of the approach onto the knob runs at most
  gripSteps: 13, // steps the gripper closes (or opens) while the robot holds still
  tiltRateDeg: 3, // deg per step the tool tips from down to forward
  turnRateDeg: 10, // deg per step the turn's goal advances
  turnSign: -1, // the hand's turn about its tool axis that brings a knob back to 0 is turnSign × its angle
  releaseBackM: 0.15, // m in front of the face the open hand backs to after a turn
});

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

type Vec3 = [number, number, number];
interface Motion {
  arrived: boolean;
  distance: number;
  steps: number;
}
interface Detection {
  maskArea: number;
  centroidWorldXyz: Vec3 | null;
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number } };
  segmentAll(opts: {
    query: string;
    camera?: string;
    size?: number;
    filters?: { metric: string; op: string; value: number }[];
  }): { detections: Detection[] };
  image(opts: { camera: string; size: number; depth: boolean }): {
    rgb: ArrayLike<number>;
    depth: ArrayLike<number> | null;
  };
  deproject(u: number, v: number, camera: string, size: number): Vec3;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
}

const DEG = Math.PI / 180;
const add = (a: readonly number[], b: readonly number[], s = 1): Vec3 => [
  a[0] + s * b[0],
  a[1] + s * b[1],
  a[2] + s * b[2],
];

/**
 * World rpy (deg, R = Rz(yaw)·Ry(pitch)·Rx(roll)) of Rz(heading)·Ry(tilt)·Rz(twist): tool down at tilt 180°, pointing
 * forward along the heading at 90° (fingers closing left-right at twist 0, the arm's natural pose), turned `twist`
 * deg about its own tool axis. Forward sits at rpy pitch 90°, where roll and yaw fold into one, so the rpy is read
 * off the matrix.
 */
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

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const maybe = ctx.tools?.kitchen as KitchenTools | undefined;
  const k = maybe as KitchenTools; // checked when an episode starts
  let heading = 90; // deg, the base's heading (the knob's axis points back along it)
  let fwd: Vec3 = [0, 1, 0];

  /** The knobs from the agent view, likeliest on first: the pointer lowest against its disc. */
  function look(): Vec3[] {
    const world = (d: Detection) => d.centroidWorldXyz as Vec3;
    const knobs = k
      .segmentAll({ query: "knob", size: P.lookSize, filters: [{ metric: "area", op: "<=", value: P.knobAreaMax }] })
      .detections.filter((d) => d.maskArea >= P.knobAreaMin && d.centroidWorldXyz);
    const markers = k
      .segmentAll({ query: "knob marker", size: P.lookSize })
      .detections.filter((d) => d.centroidWorldXyz)
      .map(world);
    const withPointer = knobs.map(world).map((c) => {
      const near = markers
        .map((m) => ({ m, r: Math.hypot(m[0] - c[0], m[1] - c[1], m[2] - c[2]) }))
        .filter((x) => x.r < P.markerNearM)
        .sort((a, b) => a.r - b.r)[0];
      return { c, dz: near ? near.m[2] - c[2] : null };
    });
    // the knobs' row: the median height of the dark blobs with a pointer on them (the cooktop's burners are dark
    // blobs too, some 5 cm higher, without one), or of all blobs when no pointer was seen
    const pointed = withPointer.filter((x) => x.dz !== null);
    const zs = (pointed.length > 0 ? pointed : withPointer).map((x) => x.c[2]).sort((a, b) => a - b);
    const zMid = zs[Math.floor(zs.length / 2)];
    const ranked = withPointer
      .filter((x) => Math.abs(x.c[2] - zMid) < P.rowBandM)
      .map((x) => ({ c: x.c, dz: x.dz ?? 0 }))
      .sort((a, b) => a.dz - b.dz);
    if (ranked.length === 0) throw new Error("no stove knob seen from robot0_agentview_left");
    const on = ranked[0];
    console.log(`look: knob on near ${on.c.map((v) => v.toFixed(3))} (pointer ${(on.dz * 1000).toFixed(1)} mm)`);
    return ranked.map((r) => r.c);
  }

  /**
   * The knob's angle and face centre from the wrist camera looking at it head-on: the disc is the connected patch
   * standing out of the panel (the frame's median depth) nearest the image centre, the pointer its bright pixels.
   * Null when no disc or pointer was seen.
   */
  function peek(): { angle: number; face: Vec3 } | null {
    const cam = "robot0_eye_in_hand";
    const n = P.peekSize;
    const im = k.image({ camera: cam, size: n, depth: true });
    const depth = im.depth;
    if (!depth) return null;
    const sorted = Array.from(depth).sort((x, y) => x - y);
    const panel = sorted[Math.floor(sorted.length / 2)]; // the panel fills most of the frame
    const near = (i: number) => depth[i] < panel - P.discStandM;
    let seed = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n * n; i++) {
      if (!near(i)) continue;
      const r = Math.hypot((i % n) - n / 2, Math.floor(i / n) - n / 2);
      if (r < best) [best, seed] = [r, i];
    }
    if (seed < 0) {
      console.log("peek: no knob disc in the wrist camera");
      return null;
    }
    // flood fill the disc from the seed pixel
    const inDisc = new Uint8Array(n * n);
    const stack = [seed];
    inDisc[seed] = 1;
    const disc: number[] = [];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      disc.push(i);
      const [u, v] = [i % n, Math.floor(i / n)];
      for (const [du, dv] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const [uu, vv] = [u + du, v + dv];
        const j = vv * n + uu;
        if (uu < 0 || vv < 0 || uu >= n || vv >= n || inDisc[j] || !near(j)) continue;
        inDisc[j] = 1;
        stack.push(j);
      }
    }
    // the pointer: the disc's pixels well brighter than its (dark) median, in every channel
    const value = (i: number) => Math.min(im.rgb[3 * i], im.rgb[3 * i + 1], im.rgb[3 * i + 2]);
    const values = disc.map(value).sort((x, y) => x - y);
    const cut = values[Math.floor(values.length / 2)] + P.pointerContrast;
    const bright = disc.filter((i) => value(i) > cut);
    if (disc.length < P.discAreaMin || bright.length < P.pointerAreaMin) {
      console.log(`peek: disc ${disc.length} px, pointer ${bright.length} px: no knob read`);
      return null;
    }
    const centroid = (px: number[]) => [
      px.reduce((t, i) => t + (i % n), 0) / px.length,
      px.reduce((t, i) => t + Math.floor(i / n), 0) / px.length,
    ];
    const [uc, vc] = centroid(disc);
    const [up, vp] = centroid(bright);
    const c = k.deproject(Math.round(uc), Math.round(vc), cam, n);
    const m = k.deproject(Math.round(up), Math.round(vp), cam, n);
    const right: Vec3 = [fwd[1], -fwd[0], 0]; // the robot's right in the panel's plane
    const angle = Math.atan2((m[0] - c[0]) * right[0] + (m[1] - c[1]) * right[1], m[2] - c[2]);
    console.log(`peek: angle ${angle.toFixed(2)} rad (disc ${disc.length} px, pointer ${bright.length} px)`);
    return { angle, face: [c[0], c[1], c[2]] };
  }

  /** Moves the hand to `pos` while its orientation goes a few degrees a step from (tilt, twist) `from` to `to`. */
  function rotate(pos: Vec3, from: [number, number], to: [number, number], rateDeg: number): void {
    const n = Math.ceil(Math.max(Math.abs(to[0] - from[0]), Math.abs(to[1] - from[1])) / rateDeg);
    for (let i = 1; i <= n; i++) {
      const tilt = from[0] + ((to[0] - from[0]) * i) / n;
      const twist = from[1] + ((to[1] - from[1]) * i) / n;
      k.moveEef({ pos, rpy: handRpy(heading, tilt, twist), maxSteps: 1 });
    }
    k.moveEef({ pos, rpy: handRpy(heading, to[0], to[1]), maxSteps: P.moveSteps });
  }

  return {
    episode() {
      if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s = k.state();
      heading = s.base.yawDeg;
      fwd = [Math.cos(heading * DEG), Math.sin(heading * DEG), 0];
      // 1. look
      const candidates = look();
      let knob = candidates.shift() as Vec3;
      const front = () => add(knob, fwd, -P.frontOffsetM);

      // 2. back the base off along the heading
      k.moveBase({
        x: s.base.x - fwd[0] * p.backOffM,
        y: s.base.y - fwd[1] * p.backOffM,
        yaw: heading,
        maxSteps: P.baseSteps,
      });

      // 3. lower the open hand (tool down) in front of the knob, then tip the tool forward
      k.gripper({ close: false, steps: 1 });
      k.moveEef({ pos: front(), rpy: handRpy(heading, 180, 0), maxSteps: P.moveSteps });
      rotate(front(), [180, 0], [90, 0], P.tiltRateDeg);

      // 4.-5. peek, then grip and turn until the knob reads off
      for (let tries = 0; ; ) {
        const seen = peek();
        if (seen) knob = seen.face;
        const off = seen !== null && Math.abs(seen.angle) < p.offRad;
        if (off && tries === 0 && candidates.length > 0) {
          console.log("peek: this knob is off already; trying the next in the ranking");
          knob = candidates.shift() as Vec3;
          k.moveEef({ pos: front(), rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps });
          continue;
        }
        if (off || tries >= P.tries) break;
        tries++;
        const angle = seen?.angle ?? 0;
        const turn = P.turnSign * (angle + Math.sign(angle) * p.overturnRad) * (180 / Math.PI); // deg of hand turn
        // the open hand, pre-turned by half the turn so the wrist turns ± half the way, goes over the knob
        const pre = { rpy: handRpy(heading, 90, -turn / 2), tolerance: P.fineTolM, maxSteps: P.reachSteps };
        k.moveEef({ pos: add(knob, fwd, -P.preGripM), ...pre });
        k.moveEef({ pos: add(knob, fwd, p.gripDepthM), ...pre });
        const g = k.gripper({ close: true, steps: P.gripSteps });
        console.log(`try ${tries}: turn ${turn.toFixed(0)} deg, grip width ${g.widthM.toFixed(4)} m`);
        rotate(add(knob, fwd, p.gripDepthM), [90, -turn / 2], [90, turn / 2], P.turnRateDeg);
        k.gripper({ close: false, steps: P.gripSteps });
        // out of the knob first, then unturn the hand at the peek pose
        k.moveEef({ pos: add(knob, fwd, -P.releaseBackM), rpy: handRpy(heading, 90, turn / 2), maxSteps: P.moveSteps });
        k.moveEef({ pos: front(), rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps });
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
