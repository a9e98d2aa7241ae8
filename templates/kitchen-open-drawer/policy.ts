/**
 * A kitchen-open-drawer episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the drawer's handle, grasp it and pull the drawer open by driving
 * the base back. The rest of the reference script (examples/scripts/kitchen-open-drawer.ts) is kept as constants.
 *
 * 1. look: the handles in robot0_agentview_left ("handle"); the drawer's is the one on the robot's heading line,
 *    highest of those (the top drawer). Without a detection the handle is guessed straight ahead at drawer height.
 * 2. base: the base backs off `backOffM`: with the tool pointing forward the wrist sits 0.155 m behind the hand and
 *    the elbow folds only so far, so the hand needs room in front of the shoulder.
 * 3. lower, tilt: the hand (tool down) goes 0.2 m in front of the handle, then tips the tool forward a few degrees a
 *    step.
 * 4. peek: the wrist camera looks at the handle head-on; the handle is the patch of depth that stands out of the
 *    front nearest the image centre. Its front surface gives the grip's axis, its extent the grip's type.
 * 5. grasp: the open hand turned so the fingers close across the grip lines up `preGraspM` in front of it, then goes
 *    onto its axis (`graspBiasM` past it, toward the front) and closes. A closed hand with no width left missed:
 *    peek and try again.
 * 6. pull: the base drives `pullM` straight back with the hand closed, so the drawer slides out to its end stop.
 * 7. let go, back the hand away and go home.
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m). */
export interface Params {
  backOffM: number; // m the base backs off before the tool points forward
  preGraspM: number; // m in front of the grip where the open hand lines up
  graspBiasM: number; // m past the grip's axis (toward the front) where the pads close
  pullM: number; // m the base backs with the drawer in hand
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "backOffM",
  "preGraspM",
  "graspBiasM",
  "pullM",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 256, // px, agent-view frame for finding the handles
  laneM: 0.15, // m: a handle farther than this sideways from the heading line is another fixture's
  nearM: 0.3, // m: a handle nearer than this ahead of the base is not on the counter's front
  farM: 0.85, // m: … nor farther than this
  minZ: 0.7, // m: the top drawer's handle is above this (counter 0.89-0.94 m, less top and half a 0.16-0.2 m front) …
  maxZ: 0.88, // m: … and below this (lower handles belong to the drawn fronts below, which do not move)
  maxAreaPx: 1500, // px at 256: a larger blob is fronts merged with handles, not a handle
  guessAheadM: 0.55, // m ahead of the base's centre where the handle is guessed when none is seen
  guessZ: 0.79, // m: and its height
  peekDistM: 0.2, // m in front of the handle where the wrist camera looks at it
  peekSize: 256, // px, the wrist camera's frame
  standM: 0.015, // m nearer than the front that counts as the handle (its grip stands 0.035 m proud)
  surfaceBandM: 0.012, // m: the grip's front surface is the handle's pixels within this of its nearest depth
  minPx: 30, // px at 256: a smaller proud patch is not a handle
  barRadiusM: 0.009, // m, a bar's or pull's grip radius: from its front surface to its axis
  knobRadiusM: 0.016, // m, a knob's ball radius
  knobMaxM: 0.05, // m: a grip shorter than this both ways is a knob
  tiltRateDeg: 3, // deg per step the tool tips from down to forward
  twistRateDeg: 6, // deg per step the hand turns about its tool axis
  moveSteps: 120, // steps a motion phase runs at most
  fineTolM: 0.005, // m: the last approach to the grip arrives within this
  missedWidthM: 0.006, // m: a closed hand narrower than this holds nothing
  tries: 3, // grasp attempts at most
  pullSteps: 160, // steps the pull runs at most
  releaseBackM: 0.12, // m the open hand backs away from the handle before going home
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
  score: number;
  centroidWorldXyz: Vec3 | null;
}
interface Frame {
  rgb: ArrayLike<number>;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface KitchenTools {
  state(): { eePos: Vec3; gripperWidthM: number; base: { x: number; y: number; yawDeg: number } };
  segmentAll(opts: { query: string; camera?: string; size?: number }): { detections: Detection[] };
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): { widthM: number; forceN: number };
  goHome(opts?: { maxSteps?: number }): Motion;
}

const DEG = Math.PI / 180;
const add = (a: readonly number[], b: readonly number[], s = 1): Vec3 => [
  a[0] + s * b[0],
  a[1] + s * b[1],
  a[2] + s * b[2],
];

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

/** What the wrist camera saw of a handle: its grip's axis point (world) and whether the grip runs sideways. */
interface Seen {
  axis: Vec3;
  horizontal: boolean;
  knob: boolean;
  px: number;
}

/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  const maybe = ctx.tools?.kitchen as KitchenTools | undefined;
  const k = maybe as KitchenTools; // checked when an episode starts
  let heading = 90; // deg, the base's heading (the drawer's pull direction is its opposite)
  let fwd: Vec3 = [0, 1, 0];
  let left: Vec3 = [-1, 0, 0];

  /** The handle's position from the agent view: on the heading line, the highest there. */
  function look(): Vec3 {
    const s = k.state();
    const base: Vec3 = [s.base.x, s.base.y, 0];
    const seen = (camera: string) =>
      k.segmentAll({ query: "handle", camera, size: P.lookSize }).detections.flatMap((d) => {
        const w = d.centroidWorldXyz;
        if (!w || d.maskArea > P.maxAreaPx) return [];
        const r = add(w, base, -1);
        const ahead = r[0] * fwd[0] + r[1] * fwd[1];
        const side = r[0] * left[0] + r[1] * left[1];
        const ok = ahead > P.nearM && ahead < P.farM && Math.abs(side) < P.laneM && w[2] > P.minZ && w[2] < P.maxZ;
        return ok ? [{ w, side }] : [];
      });
    let found = seen("robot0_agentview_left");
    if (found.length === 0) found = seen("robot0_agentview_right");
    found.sort((a, b) => b.w[2] - a.w[2]);
    if (found.length > 0) {
      console.log(`look: handle near ${found[0].w.map((v) => v.toFixed(3))} (${found.length} on the lane)`);
      return found[0].w;
    }
    const guess = add(add(base, fwd, P.guessAheadM), [0, 0, P.guessZ]);
    console.log(`look: no handle seen on the lane; guessing ${guess.map((v) => v.toFixed(3))}`);
    return guess;
  }

  /**
   * The handle seen head-on by the wrist camera: the connected patch standing P.standM or more out of the front
   * (the frame's median depth) nearest the centre; its nearest surface, deprojected, is the grip's front.
   */
  function peek(): Seen | null {
    const cam = "robot0_eye_in_hand";
    const n = P.peekSize;
    const im = k.image({ camera: cam, size: n, depth: true });
    const depth = im.depth;
    if (!depth) return null;
    const sorted = Array.from(depth)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const front = sorted[Math.floor(sorted.length / 2)];
    const near = (i: number) => depth[i] < front - P.standM;
    let seed = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n * n; i++) {
      if (!near(i)) continue;
      const r = Math.hypot((i % n) - n / 2, Math.floor(i / n) - n / 2);
      if (r < best) [best, seed] = [r, i];
    }
    if (seed < 0) return null;
    const inPatch = new Uint8Array(n * n);
    const stack = [seed];
    inPatch[seed] = 1;
    const patch: number[] = [];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      patch.push(i);
      const [u, v] = [i % n, Math.floor(i / n)];
      for (const [du, dv] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const [uu, vv] = [u + du, v + dv];
        const j = vv * n + uu;
        if (uu < 0 || vv < 0 || uu >= n || vv >= n || inPatch[j] || !near(j)) continue;
        inPatch[j] = 1;
        stack.push(j);
      }
    }
    if (patch.length < P.minPx) return null;
    const { fx, fy, cx, cy } = im.intrinsics;
    const R = im.extrinsics.rotation;
    const o = im.extrinsics.position;
    const world = (i: number): Vec3 => {
      const z = depth[i];
      const X = (((i % n) - cx) * z) / fx;
      const Y = ((Math.floor(i / n) - cy) * z) / fy;
      return [
        o[0] + R[0] * X + R[1] * Y + R[2] * z,
        o[1] + R[3] * X + R[4] * Y + R[5] * z,
        o[2] + R[6] * X + R[7] * Y + R[8] * z,
      ];
    };
    const nearest = Math.min(...patch.map((i) => depth[i]));
    const surface = patch.filter((i) => depth[i] < nearest + P.surfaceBandM).map(world);
    const mean = (k3: number) => surface.reduce((t, p) => t + p[k3], 0) / surface.length;
    const c: Vec3 = [mean(0), mean(1), mean(2)];
    const sides = surface.map((p) => p[0] * left[0] + p[1] * left[1]);
    const zs = surface.map((p) => p[2]);
    const wide = Math.max(...sides) - Math.min(...sides);
    const tall = Math.max(...zs) - Math.min(...zs);
    const knob = wide < P.knobMaxM && tall < P.knobMaxM;
    const axis = add(c, fwd, knob ? P.knobRadiusM : P.barRadiusM);
    console.log(
      `peek: grip ${wide.toFixed(3)} x ${tall.toFixed(3)} m, axis ${axis.map((v) => v.toFixed(3))} (${patch.length} px)`,
    );
    if (axis[2] < P.minZ || axis[2] > P.maxZ) {
      console.log("peek: that grip is too high or low for the top drawer's (a drawn front's handle); ignored");
      return null;
    }
    return { axis, horizontal: wide >= tall, knob, px: patch.length };
  }

  /** Tips the tool from its tilt now to `to` deg a few degrees a step, the hand held at `at`. */
  function tiltTo(at: Vec3, from: number, to: number, twist: number): void {
    let tilt = from;
    while (tilt !== to) {
      tilt = to < tilt ? Math.max(to, tilt - P.tiltRateDeg) : Math.min(to, tilt + P.tiltRateDeg);
      k.moveEef({ pos: at, rpy: handRpy(heading, tilt, twist), maxSteps: 1 });
    }
    k.moveEef({ pos: at, rpy: handRpy(heading, to, twist), maxSteps: P.moveSteps });
  }

  /** Turns the hand about its tool axis from `from` to `to` deg, pointing forward at `at`. */
  function twistTo(at: Vec3, from: number, to: number): void {
    let t = from;
    while (t !== to) {
      t = to < t ? Math.max(to, t - P.twistRateDeg) : Math.min(to, t + P.twistRateDeg);
      k.moveEef({ pos: at, rpy: handRpy(heading, 90, t), maxSteps: 1 });
    }
    k.moveEef({ pos: at, rpy: handRpy(heading, 90, to), maxSteps: P.moveSteps });
  }

  return {
    episode() {
      if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s0 = k.state();
      heading = s0.base.yawDeg;
      fwd = [Math.cos(heading * DEG), Math.sin(heading * DEG), 0];
      left = [-fwd[1], fwd[0], 0];
      let handle = look();

      // 2. back the base off along the heading
      const b = { x: s0.base.x - fwd[0] * p.backOffM, y: s0.base.y - fwd[1] * p.backOffM, yaw: heading };
      k.moveBase({ ...b, maxSteps: P.moveSteps });

      // 3. lower the hand (tool down) in front of the handle, then tip the tool forward
      k.gripper({ close: false, steps: 1 });
      let peekAt = add(handle, fwd, -P.peekDistM);
      k.moveEef({ pos: peekAt, rpy: handRpy(heading, 180, 0), maxSteps: P.moveSteps });
      tiltTo(peekAt, 180, 90, 0);

      let twist = 0;
      for (let attempt = 1; attempt <= P.tries; attempt++) {
        // 4. look at the handle head-on
        const seen = peek();
        if (seen) {
          handle = seen.axis;
          peekAt = add(handle, fwd, -P.peekDistM);
        } else console.log("peek: no handle stands out of the front; keeping the estimate");
        // 5. line up, fingers across the grip, and close on it
        const want = seen && !seen.horizontal && !seen.knob ? 0 : 90;
        const pre = add(handle, fwd, -p.preGraspM);
        k.moveEef({ pos: pre, rpy: handRpy(heading, 90, twist), maxSteps: P.moveSteps });
        twistTo(pre, twist, want);
        twist = want;
        const rpy = handRpy(heading, 90, twist);
        k.moveEef({ pos: pre, rpy, tolerance: P.fineTolM, maxSteps: P.moveSteps });
        k.moveEef({ pos: add(handle, fwd, p.graspBiasM), rpy, tolerance: P.fineTolM, maxSteps: P.moveSteps });
        const g = k.gripper({ close: true });
        console.log(`grasp ${attempt}: width ${g.widthM.toFixed(4)} m, force ${g.forceN.toFixed(1)} N`);
        if (g.widthM > P.missedWidthM) break;
        k.gripper({ close: false });
        k.moveEef({ pos: peekAt, rpy, maxSteps: P.moveSteps });
      }

      // 6. pull: the base drives straight back, the hand closed on the handle
      const s1 = k.state();
      const pull = k.moveBase({
        x: s1.base.x - fwd[0] * p.pullM,
        y: s1.base.y - fwd[1] * p.pullM,
        yaw: heading,
        maxSteps: P.pullSteps,
      });
      console.log(`pull: base ${pull.arrived ? "arrived" : `stopped ${pull.distance.toFixed(3)} m short`}`);

      // 7. let go and back away
      k.gripper({ close: false });
      const e = k.state().eePos;
      k.moveEef({ pos: add(e, fwd, -P.releaseBackM), maxSteps: P.moveSteps });
      k.goHome({ maxSteps: P.moveSteps });
    },
  };
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
