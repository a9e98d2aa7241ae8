/**
 * A kitchen-open-stand-mixer-head episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the mixer's head in depth, drive closer, put the closed hand under
 * the head's front and lift it along its arc about the hinge until the head rests on its stop (past 0.99 of its
 * range). The rest of the reference script (examples/scripts/kitchen-open-stand-mixer-head.ts) is kept as constants.
 *
 * 1. look: the mixer on pixels ("mixer" in robot0_agentview_left: a first guess of its side-to-side place, trusted
 *    only near the heading), then depth from both agent views: the high points near the guess give the mixer's axis,
 *    the points in a narrow band about it are its column, bowl and head; the highest are the head's top, the nearest
 *    of those its front face, its underside 0.09 m below the top (or the front face's lowest point, if lower). The
 *    hinge is taken `hingeBackM` behind the front face, at the head's underside.
 * 2. closer, under: the base drives `baseForwardM` closer; the closed hand, tool pointing forward (tipped from down a
 *    few degrees at a time), goes in front of the head, its pad centre 0.014 m below the underside, then pokes
 *    `underM` in under the front.
 * 3. lift: the hand follows the arc the head's underside takes about the hinge up to `liftToRad` (the joint stops at
 *    1 rad: going past it presses the head onto its stop), then presses a few steps.
 * 4. away: the hand drops off the underside and backs out; the script returns at once (the head creeps down slowly,
 *    so waiting out the horizon would cost the 0.99 margin).
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m and rad). */
export interface Params {
  baseForwardM: number; // m the base drives toward the mixer before reaching for the head
  hingeBackM: number; // m from the head's front face back to the hinge the lift's arc turns about
  underM: number; // m the pad centre goes in under the head's front
  liftToRad: number; // rad the lift's arc is followed to (the joint's stop is at 1 rad)
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "baseForwardM",
  "hingeBackM",
  "underM",
  "liftToRad",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 256, // px, the agent-view frames used to find the mixer
  bandM: 0.045, // m either side of the mixer's axis whose points count as the mixer (the head is 0.12 m wide)
  nearM: 0.5, // m ahead of the base: nearer points are the robot's own arm
  farM: 1.1, // m ahead of the base: farther points are the wall (the counter is at least 0.6 m deep)
  seenSideM: 0.3, // m either side of the heading where a segmenter's "mixer" may be
  seenMinZ: 0.8, // m: a "mixer" centroid lower than this is a front or the floor
  guessM: 0.15, // m: a segmenter's mixer farther than this to the side of the heading is not trusted
  axisBandM: 0.12, // m either side of the first guess whose high points refine the mixer's axis
  axisMinZ: 1.05, // m: points above this (and below the head's top) refine the axis
  minZ: 0.95, // m, points lower than this are counter tops, not the mixer's upper part
  headTallM: 0.085, // m below the top that still counts as the head's front face
  headHeightM: 0.09, // m, the head's height: its underside is at most this below its top (fixtures/appliances.ts)
  faceDepthM: 0.015, // m behind the nearest head point that still counts as its front face
  stopRad: 1, // rad, the head's hinge range ends here (fixtures/appliances.ts)
  belowM: 0.014, // m the pad centre stays below the head's underside (the closed pads are 0.016 m tall)
  tiltRateDeg: 6, // deg per motion the tool tips from down to forward
  preBackM: 0.12, // m in front of the head's face where the tool tips forward
  liftStepRad: 0.06, // rad the arc advances per waypoint
  waypointTolM: 0.02, // m: an arc waypoint counts as reached within this
  waypointSteps: 6, // steps spent on one arc waypoint at most
  holdSteps: 8, // steps to press the head onto its stop at the arc's end
  clearM: 0.03, // m the hand first drops away from the head's underside (along its normal)
  backOffM: 0.1, // m the hand then backs away from the head
});

/**
 * Checks a parsed params.json: every key present and a finite number > 0, the hand going in under the front less
 * far than the hinge is behind it; anything else is refused by name, so a typo is a load error, not a different
 * policy.
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
  const p = record as unknown as Params;
  if (p.underM >= p.hingeBackM) {
    throw new Error(`params.json "underM" (${p.underM} m) must be less than "hingeBackM" (${p.hingeBackM} m)`);
  }
  return p;
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
interface Frame {
  rgb: ArrayLike<number>;
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number } };
  segmentAll(opts: { query: string; camera?: string; size?: number }): { detections: Detection[] };
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }): Motion;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): unknown;
}
/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The episode script for one set of parameters (the default export uses params.json; benches pass their own). */
export function createPolicyWith(p: Params, ctx: ScriptContext): { episode(observation: unknown): void } {
  return {
    episode() {
      const k = ctx.tools?.kitchen as KitchenTools | undefined;
      if (!k) throw new Error("this script needs the kitchen tools (ctx.tools.kitchen)");
      const s = k.state();
      const yaw = (s.base.yawDeg * Math.PI) / 180;
      const fwd = [Math.cos(yaw), Math.sin(yaw)];
      const left = [-fwd[1], fwd[0]];
      const bx = s.base.x;
      const by = s.base.y;
      /** World point → (ahead, left, up) in the base's frame. */
      const local = (p: number[]): Vec3 => {
        const dx = p[0] - bx;
        const dy = p[1] - by;
        return [dx * fwd[0] + dy * fwd[1], dx * left[0] + dy * left[1], p[2]];
      };
      /** (ahead, left, up) in the base's frame → world. */
      const world = (a: number, l: number, z: number): number[] => [
        bx + a * fwd[0] + l * left[0],
        by + a * fwd[1] + l * left[1],
        z,
      ];

      // 1. look: the mixer's side-to-side place from the segmenter, then its head from depth
      const cam = "robot0_agentview_left";
      const seen = k
        .segmentAll({ query: "mixer", camera: cam, size: P.lookSize })
        .detections.filter((d) => d.centroidWorldXyz)
        .map((d) => ({ d, p: local(d.centroidWorldXyz as Vec3) }))
        .filter((x) => x.p[0] > P.nearM && x.p[0] < P.farM && Math.abs(x.p[1]) < P.seenSideM && x.p[2] > P.seenMinZ)
        .sort((a, b) => b.d.maskArea - a.d.maskArea);
      const guess = seen.length > 0 && Math.abs(seen[0].p[1]) < P.guessM ? seen[0].p[1] : 0;
      const all: Vec3[] = [];
      for (const camera of [cam, "robot0_agentview_right"]) {
        const f = k.image({ camera, size: P.lookSize, depth: true });
        const depth = f.depth as ArrayLike<number>;
        const { fx, fy, cx, cy } = f.intrinsics;
        const R = f.extrinsics.rotation;
        const o = f.extrinsics.position;
        for (let v = 0; v < P.lookSize; v++) {
          for (let u = 0; u < P.lookSize; u++) {
            const z = depth[v * P.lookSize + u];
            if (!Number.isFinite(z)) continue;
            const X = ((u - cx) * z) / fx;
            const Y = ((v - cy) * z) / fy;
            const w = [0, 1, 2].map((i) => o[i] + R[3 * i] * X + R[3 * i + 1] * Y + R[3 * i + 2] * z);
            const q = local(w);
            if (q[0] < P.nearM || q[0] > P.farM || q[2] < P.minZ || Math.abs(q[1] - guess) > P.axisBandM) continue;
            all.push(q);
          }
        }
      }
      // the axis: the middle of the high points (column and head are symmetric about it)
      const ls = all
        .filter((q) => q[2] > P.axisMinZ)
        .map((q) => q[1])
        .sort((a, b) => a - b);
      const lateral = ls.length > 0 ? (ls[Math.floor(ls.length * 0.05)] + ls[Math.floor(ls.length * 0.95)]) / 2 : guess;
      const pts = all.filter((q) => Math.abs(q[1] - lateral) < P.bandM);
      if (pts.length < 50) throw new Error(`too few mixer points in depth (${pts.length})`);
      const zs = pts.map((q) => q[2]).sort((a, b) => a - b);
      const top = zs[Math.floor(zs.length * 0.98)];
      const head = pts.filter((q) => q[2] > top - P.headTallM);
      const fs = head.map((q) => q[0]).sort((a, b) => a - b);
      const front = fs[Math.floor(fs.length * 0.03)];
      const faceZ = head
        .filter((q) => q[0] < front + P.faceDepthM)
        .map((q) => q[2])
        .sort((a, b) => a - b);
      const bottom = Math.min(faceZ[Math.floor(faceZ.length * 0.03)], top - P.headHeightM);
      const hinge = front + p.hingeBackM;
      console.log(
        `mixer: lateral ${lateral.toFixed(3)}, head top ${top.toFixed(3)}, front ${front.toFixed(3)} ahead, ` +
          `underside ${bottom.toFixed(3)}, ${pts.length} points`,
      );

      // 2. closer, then under the head's front, tool forward
      k.moveBase({
        x: bx + fwd[0] * p.baseForwardM,
        y: by + fwd[1] * p.baseForwardM,
        yaw: s.base.yawDeg,
        maxSteps: 60,
      });
      const rpyAt = (tiltDeg: number) => [0, tiltDeg, s.base.yawDeg]; // tilt 180: tool down, 90: forward
      k.gripper({ close: true, steps: 6 });
      const z0 = bottom - P.belowM;
      k.moveEef({ pos: world(front - P.preBackM, lateral, z0), rpy: rpyAt(180), tolerance: 0.02 });
      for (let t = 180 - P.tiltRateDeg; t >= 90; t -= P.tiltRateDeg) {
        k.moveEef({ pos: world(front - P.preBackM, lateral, z0), rpy: rpyAt(t), maxSteps: 3 });
      }
      k.moveEef({ pos: world(front - P.preBackM, lateral, z0), rpy: rpyAt(90), maxSteps: 30 });
      k.moveEef({ pos: world(front + p.underM, lateral, z0), rpy: rpyAt(90), maxSteps: 40 });

      // 3. lift along the underside's arc about the hinge
      const r = hinge - (front + p.underM);
      let last = world(front + p.underM, lateral, z0);
      for (let th = P.liftStepRad; th <= p.liftToRad + 1e-9; th += P.liftStepRad) {
        const a = hinge - r * Math.cos(th) - P.belowM * Math.sin(th);
        const z = bottom + r * Math.sin(th) - P.belowM * Math.cos(th);
        last = world(a, lateral, z);
        k.moveEef({ pos: last, rpy: rpyAt(90), tolerance: P.waypointTolM, maxSteps: P.waypointSteps });
      }
      k.moveEef({ pos: last, rpy: rpyAt(90), maxSteps: P.holdSteps });

      // 4. down off the underside (along its normal at the stop), then back, clear of the head
      const e = local(k.state().eePos);
      const down = world(e[0] - P.clearM * Math.sin(P.stopRad), lateral, e[2] - P.clearM * Math.cos(P.stopRad));
      k.moveEef({ pos: down, rpy: rpyAt(90), maxSteps: 10 });
      k.moveEef({ pos: world(e[0] - P.backOffM, lateral, e[2] - P.clearM), rpy: rpyAt(90), maxSteps: 20 });
    },
  };
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
