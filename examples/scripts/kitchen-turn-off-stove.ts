/**
 * Reference episode script for kitchen-turn-off-stove (src/env/kitchen): finds the burner that is on from pixels,
 * grips its knob and turns the hand about the knob's axis back to 0, through the kitchen tools only
 * (`ctx.tools.kitchen`): no object or fixture pose is read. It runs once per episode; every motion tool steps the
 * robot until it arrives. The method is the per-step policy examples/policies/kitchen-turn-off-stove-tools.ts's.
 *
 * 1. look: the knobs and their pointers ("knob", "knob marker") in robot0_agentview_left at 512 px. A knob's white
 *    pointer points up when it is off; the knobs are ranked by how low their pointer sits against their disc (from
 *    the agent view the pointer is a few px, too few for its angle), the lowest first.
 * 2. base: the base backs off 20 cm. Pointing forward puts the wrist 0.155 m behind the hand and the elbow folds at
 *    most 2.8 rad, so at knob height the hand must stay about 0.35 m ahead of the shoulder.
 * 3. lower, tilt: the hand, tool down, goes 20 cm in front of the knob, then tips the tool forward a few degrees a
 *    step (tipping 90° at once, or far from the knob, folds the arm into its limits).
 * 4. peek: the wrist camera looks straight at the knob. The knob is as dark as many panels, so its disc is found by
 *    depth (it stands 2.8 cm out of the panel), its pointer as the disc's bright pixels; the direction from the
 *    disc's centroid to the pointer's gives the angle without a half-turn ambiguity, the disc's centroid the knob's
 *    face. If the first knob already reads off, the next one in the ranking is peeked at.
 * 5. grip and turn: the open hand, pre-turned by half the turn, goes over the knob (the pads either side of its
 *    cylinder), closes, turns about its tool axis by −angle (past 0 by a margin), opens and backs off to the peek
 *    pose to look again: up to 4 tries until the knob reads within 0.2 rad of 0 (the pads slip: a 2.4 rad turn of
 *    the hand turns the knob about 2 rad, so a knob usually takes two or three).
 * Status: 40/40 on the paper's list (`enpire run --task kitchen-turn-off-stove --eval`, through the station and its
 * safety layer), 116-264 of the 750 steps (mean 188), about 1.2 s a trial on one shared core; the knobs end within
 * 0.27 rad of 0 (the band is 0.35; the wrist camera's reading is off by up to about 0.13 rad). Developed on seeds
 * 100-139, 200-239, 300-419 and 100000-100009 (all succeed): seed 311 showed the knobs' row taken from the cooktop's
 * dark burners (5 cm higher), hence the row from the blobs that carry a pointer.
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled

const P = Object.freeze({
  lookSize: 512, // px, agent-view frame for finding the knobs
  knobAreaMax: 1600, // px at 512: larger dark blobs are the countertop or the oven window, not a knob
  knobAreaMin: 80, // px at 512: smaller ones are seams
  rowBandM: 0.04, // m: the knobs sit in one row; a knob farther than this from the row's median height is not one
  markerNearM: 0.03, // m: a pointer this close to a knob's centroid is its pointer
  backOffM: 0.2, // m the base backs off from its 0.6 m approach pose before the tool points forward
  peekSize: 256, // px, the wrist camera's frame
  frontOffsetM: 0.2, // m in front of the knob's face for the peek
  discStandM: 0.012, // m nearer than the panel that counts as the knob's disc (it stands 0.028 m out)
  discAreaMin: 150, // px at 256: a smaller near patch is not a knob's disc
  pointerContrast: 40, // 0..255: the pointer (white, lit 80-130) is this much brighter than the disc's median
  pointerAreaMin: 8, // px at 256: fewer bright pixels on the disc is no pointer
  offRad: 0.2, // rad: a knob within this of 0 reads as off (RoboCasa's band is 0.35)
  tries: 4, // grip-and-turn attempts at most
  preGripM: 0.06, // m in front of the face where the open hand lines up before going over the knob
  gripDepthM: 0.016, // m past the face (toward the panel) where the pads close
  fineTolM: 0.005, // m: the approach onto the knob arrives within this
  moveSteps: 80, // steps one motion runs at most
  reachSteps: 40, // steps each half of the approach onto the knob runs at most
  gripSteps: 13, // steps the gripper closes (or opens) while the robot holds still
  tiltRateDeg: 3, // deg per step the tool tips from down to forward
  turnRateDeg: 10, // deg per step the turn's goal advances
  turnSign: -1, // the hand's turn about its tool axis that brings a knob back to 0 is turnSign × its angle
  overturnRad: 0.05, // rad past 0, a margin for the pads' slip
  releaseBackM: 0.15, // m in front of the face the open hand backs to after a turn
});

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

const createScript: CreateScript = (ctx) => {
  const maybe = ctx.tools?.kitchen as unknown as KitchenTools | undefined;
  if (!maybe) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
  const k: KitchenTools = maybe;
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
      const s = k.state();
      heading = s.base.yawDeg;
      fwd = [Math.cos(heading * DEG), Math.sin(heading * DEG), 0];
      // 1. look
      const candidates = look();
      let knob = candidates.shift() as Vec3;
      const front = () => add(knob, fwd, -P.frontOffsetM);

      // 2. back the base off along the heading
      k.moveBase({ x: s.base.x - fwd[0] * P.backOffM, y: s.base.y - fwd[1] * P.backOffM, yaw: heading, maxSteps: 80 });

      // 3. lower the open hand (tool down) in front of the knob, then tip the tool forward
      k.gripper({ close: false, steps: 1 });
      k.moveEef({ pos: front(), rpy: handRpy(heading, 180, 0), maxSteps: P.moveSteps });
      rotate(front(), [180, 0], [90, 0], P.tiltRateDeg);

      // 4.-5. peek, then grip and turn until the knob reads off
      for (let tries = 0; ; ) {
        const seen = peek();
        if (seen) knob = seen.face;
        const off = seen !== null && Math.abs(seen.angle) < P.offRad;
        if (off && tries === 0 && candidates.length > 0) {
          console.log("peek: this knob is off already; trying the next in the ranking");
          knob = candidates.shift() as Vec3;
          k.moveEef({ pos: front(), rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps });
          continue;
        }
        if (off || tries >= P.tries) break;
        tries++;
        const angle = seen?.angle ?? 0;
        const turn = P.turnSign * (angle + Math.sign(angle) * P.overturnRad) * (180 / Math.PI); // deg of hand turn
        // the open hand, pre-turned by half the turn so the wrist turns ± half the way, goes over the knob
        const pre = { rpy: handRpy(heading, 90, -turn / 2), tolerance: P.fineTolM, maxSteps: P.reachSteps };
        k.moveEef({ pos: add(knob, fwd, -P.preGripM), ...pre });
        k.moveEef({ pos: add(knob, fwd, P.gripDepthM), ...pre });
        const g = k.gripper({ close: true, steps: P.gripSteps });
        console.log(`try ${tries}: turn ${turn.toFixed(0)} deg, grip width ${g.widthM.toFixed(4)} m`);
        rotate(add(knob, fwd, P.gripDepthM), [90, -turn / 2], [90, turn / 2], P.turnRateDeg);
        k.gripper({ close: false, steps: P.gripSteps });
        // out of the knob first, then unturn the hand at the peek pose
        k.moveEef({ pos: add(knob, fwd, -P.releaseBackM), rpy: handRpy(heading, 90, turn / 2), maxSteps: P.moveSteps });
        k.moveEef({ pos: front(), rpy: handRpy(heading, 90, 0), maxSteps: P.moveSteps });
      }
    },
  };
};
export default createScript;
