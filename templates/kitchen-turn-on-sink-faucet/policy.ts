/**
 * A kitchen-turn-on-sink-faucet episode script (kitchen tools only: pixels, depth, the robot's own state) whose most
 * consequential numbers live in params.json: find the faucet's lever in depth, drive closer, and sweep the closed
 * hand round the lever's hinge so it pushes the lever into (0.40, π) rad. The rest of the reference script
 * (examples/scripts/kitchen-turn-on-sink-faucet.ts) is kept as constants.
 *
 * The lever (fixtures/sink.ts) is a short bar (0.08 m) on a post beside the faucet's column, just above the counter
 * top behind the basin, pointing at the robot when off; turning it on swings its tip to the robot's right.
 * 1. look: depth from both agent views (512 px) as points in the base's frame: the counter top's height from the
 *    strip in front of the basin, the wall from the band above the spout, and the lever as the points at the
 *    lever's height over the counter with nothing above them (the column has) and in front of the wall; the lever's
 *    far end (its post) is its hinge.
 * 2. closer: the base drives `baseForwardM` toward the sink.
 * 3. sweep: the closed hand, tool down, drops beside the lever (on its left, pad centre `padZ` over the top) and goes
 *    round the hinge on an arc of radius `arcRadiusM` to `arcToRad`, pushing the lever ahead of it.
 * 4. up: the hand lifts clear (the lever's friction keeps it where it was left).
 * README.md says what each parameter does and the range the built-in search looks in (knobs.json).
 */
import params from "./params.json" with { type: "json" };

/** Everything params.json holds (units: m and rad). */
export interface Params {
  baseForwardM: number; // m the base drives toward the sink before the sweep
  padZ: number; // m over the counter top for the pad centre while sweeping
  arcRadiusM: number; // m from the lever's hinge to the pad centre along the sweep
  arcToRad: number; // rad, where the sweep ends (0: the lever pointing at the robot)
}

/** The keys params.json must have, in the order README.md lists them. */
export const PARAM_NAMES = [
  "baseForwardM",
  "padZ",
  "arcRadiusM",
  "arcToRad",
] as const satisfies readonly (keyof Params)[];

/** The reference script's other numbers, kept as they are. */
const P = Object.freeze({
  lookSize: 512, // px, agent-view depth frames (the lever is 1.6 cm thick: 3 px at 512)
  nearM: 0.5, // m ahead of the base: nearer points are the robot itself
  farM: 1.45, // m ahead of the base: farther points are past any wall
  sideM: 0.35, // m either side of the heading searched
  topStrip: [0.56, 0.67] as readonly number[], // m ahead: the counter top's front strip (in front of the basin)
  topBinM: 0.004, // m, height bins: the flat top is the fullest bin of the strip (fronts below are vertical)
  wallBand: [0.33, 0.38] as readonly number[], // m over the top: above the spout, below any wall cabinet: the wall
  wallMarginM: 0.02, // m in front of the wall that a lever point must be
  leverBand: [0.043, 0.088] as readonly number[], // m over the top: the lever's height (its post ends at 0.04)
  columnBand: [0.12, 0.26] as readonly number[], // m over the top: the faucet's column (the lever has nothing here)
  columnRadiusM: 0.03, // m: a lever-height point this close (sideways) to a column point is the column
  minLeverPoints: 6, // fewer lever points is no lever
  arcFromRad: -0.6, // rad, the sweep's start: the pads left of the lever (0: on the lever, pointing at the robot)
  arcStepRad: 0.1, // rad the sweep's goal advances per waypoint
  arcWaypointSteps: 3, // steps spent on one waypoint at most
  hoverZ: 0.16, // m over the top where the hand comes in and leaves
});

/**
 * Checks a parsed params.json: every key present and a finite number > 0, the pads below the hover height and the
 * sweep ending past its start; anything else is refused by name, so a typo is a load error, not a different policy.
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
  if (p.padZ >= P.hoverZ) throw new Error(`params.json "padZ" must be below the hover height ${P.hoverZ} m`);
  if (p.arcToRad > Math.PI) throw new Error(`params.json "arcToRad" must be at most π rad, got ${p.arcToRad}`);
  return p;
}

type Vec3 = [number, number, number];
interface Motion {
  arrived: boolean;
  distance: number;
  steps: number;
}
interface Frame {
  depth: ArrayLike<number> | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: number[]; rotation: number[] };
}
interface KitchenTools {
  state(): { eePos: Vec3; base: { x: number; y: number; yawDeg: number } };
  image(opts: { camera: string; size: number; depth: boolean }): Frame;
  moveEef(opts: { pos: number[]; rpy?: number[]; tolerance?: number; gripper?: boolean; maxSteps?: number }): Motion;
  moveBase(opts: { x: number; y: number; yaw: number; maxSteps?: number }): Motion;
  gripper(opts: { close: boolean; steps?: number }): unknown;
}
/** What the script needs of the sandbox's context: the kitchen tools. */
export interface ScriptContext {
  tools?: Record<string, unknown>;
}

/** The q-quantile of xs (sorted copy). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))];
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
      /** (ahead, left, up) in the start pose's frame → world. */
      const world = (a: number, l: number, z: number): number[] => [
        bx + a * fwd[0] + l * left[0],
        by + a * fwd[1] + l * left[1],
        z,
      ];

      // 1. look: depth from both agent views as (ahead, left, up) points in the start pose's frame
      const pts: Vec3[] = [];
      for (const camera of ["robot0_agentview_left", "robot0_agentview_right"]) {
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
            const dx = o[0] + R[0] * X + R[1] * Y + R[2] * z - bx;
            const dy = o[1] + R[3] * X + R[4] * Y + R[5] * z - by;
            const a = dx * fwd[0] + dy * fwd[1];
            const l = dx * left[0] + dy * left[1];
            if (a < P.nearM || a > P.farM || Math.abs(l) > P.sideM) continue;
            pts.push([a, l, o[2] + R[6] * X + R[7] * Y + R[8] * z]);
          }
        }
      }
      const strip = pts.filter((q) => q[0] > P.topStrip[0] && q[0] < P.topStrip[1]).map((q) => q[2]);
      if (strip.length < 50)
        throw new Error(`the counter top in front of the sink is not seen (${strip.length} points)`);
      const bins = new Map<number, number>();
      for (const z of strip) bins.set(Math.round(z / P.topBinM), (bins.get(Math.round(z / P.topBinM)) ?? 0) + 1);
      const topBin = [...bins.entries()].sort((a, b) => b[1] - a[1])[0][0];
      const top = quantile(
        strip.filter((z) => Math.abs(z / P.topBinM - topBin) <= 1),
        0.5,
      );
      const over = (q: Vec3, band: readonly number[]) => q[2] > top + band[0] && q[2] < top + band[1];
      const wallPts = pts.filter((q) => over(q, P.wallBand)).map((q) => q[0]);
      const wall = wallPts.length > 20 ? quantile(wallPts, 0.5) : P.farM;
      const column = pts.filter((q) => over(q, P.columnBand) && q[0] < wall - P.wallMarginM);
      const lever = pts.filter(
        (q) =>
          over(q, P.leverBand) &&
          q[0] < wall - P.wallMarginM &&
          !column.some((c) => Math.abs(c[1] - q[1]) < P.columnRadiusM && Math.abs(c[0] - q[0]) < P.columnRadiusM),
      );
      if (lever.length < P.minLeverPoints) throw new Error(`no faucet lever seen (${lever.length} points)`);
      // the lever points at the robot: its hinge is its far end, sideways at its middle
      const hingeA = quantile(
        lever.map((q) => q[0]),
        0.95,
      );
      const hingeL = quantile(
        lever.map((q) => q[1]),
        0.5,
      );
      console.log(
        `faucet: counter top ${top.toFixed(3)}, wall ${wall.toFixed(3)} ahead, lever hinge ${hingeA.toFixed(3)} ahead ` +
          `${hingeL.toFixed(3)} left (${lever.length} points)`,
      );

      // 2. closer: the base drives straight toward the sink (the start pose's frame stays the reference)
      k.moveBase({
        x: bx + fwd[0] * p.baseForwardM,
        y: by + fwd[1] * p.baseForwardM,
        yaw: s.base.yawDeg,
        maxSteps: 60,
      });

      // 3. sweep: pads beside the lever on its left, then round the hinge to the right, pushing the lever ahead
      const down = [0, 180, s.base.yawDeg]; // tool down, fingers closing left-right
      const onArc = (phi: number, z: number) =>
        world(hingeA - p.arcRadiusM * Math.cos(phi), hingeL - p.arcRadiusM * Math.sin(phi), z);
      k.gripper({ close: true, steps: 6 });
      k.moveEef({ pos: onArc(P.arcFromRad, top + P.hoverZ), rpy: down, tolerance: 0.02 });
      k.moveEef({ pos: onArc(P.arcFromRad, top + p.padZ), rpy: down, maxSteps: 60 });
      let phi: number = P.arcFromRad;
      while (phi < p.arcToRad) {
        phi = Math.min(p.arcToRad, phi + P.arcStepRad);
        k.moveEef({ pos: onArc(phi, top + p.padZ), rpy: down, maxSteps: P.arcWaypointSteps });
      }
      k.moveEef({ pos: onArc(phi, top + p.padZ), rpy: down, maxSteps: 20 });

      // 4. up, clear of the faucet
      k.moveEef({ pos: onArc(phi, top + P.hoverZ), rpy: down, maxSteps: 40 });
    },
  };
}

// Checked when the sandbox loads the script: a bad params.json fails the load, naming the key.
const loaded = checkParams(params);

/** The sandbox's entry: the script with params.json's values. */
export default function createScript(ctx: ScriptContext) {
  return createPolicyWith(loaded, ctx);
}
