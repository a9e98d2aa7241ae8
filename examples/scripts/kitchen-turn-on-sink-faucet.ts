/**
 * Reference episode script for kitchen-turn-on-sink-faucet (src/env/kitchen): swing the sink's faucet lever into
 * (0.40, π) rad, through the kitchen tools only (`ctx.tools.kitchen`): no object or fixture pose is read.
 *
 * The lever (fixtures/sink.ts) is a short bar (0.08 m) on a post beside the faucet's column, just above the counter
 * top behind the basin, pointing at the robot when off; it turns about the vertical, and turning it on swings its
 * tip to the robot's right (the other way is the joint's stop).
 * 1. look: depth from both agent views (512 px) as points in the base's frame: the counter top's height from the
 *    strip in front of the basin, the wall from the band just above the faucet's spout, and the lever as the points
 *    at the lever's height over the counter (4-9 cm) with nothing above them (the column has) and in front of the
 *    wall. The colour segmenter's "faucet" cannot tell the chrome lever from the chrome faucet, basin and some walls,
 *    so geometry does it. The lever's far end (its post) is its hinge.
 * 2. closer: the base drives 0.25 m toward the sink (the lever is 1.1-1.2 m ahead at the start; from 0.22 m closer
 *    the tool-down hand could not reach the deepest counters' levers and sagged into the basin; from 0.26 m the base
 *    bumps the sink unit, 440 N, which the station's 200 N contact-force stop ends).
 * 3. sweep: the closed hand, tool down, drops beside the lever (on its left, pads at the lever's height) and goes
 *    round the hinge on a 5.5 cm arc to the right, pushing the lever ahead of it; the lever ends near 1.4-1.7 rad
 *    (the arc stops at 1.25 rad: further round, the pads would reach the faucet's column when it stands on that side).
 * 4. up: the hand lifts clear (the lever's friction keeps it where it was left).
 * Status: 40/40 on the paper's list (`enpire run --task kitchen-turn-on-sink-faucet --eval`, 0.5 s a trial, 50-112
 * of the 600 steps), after development on seeds 100-179 and 1000-1029 (all 110 succeeded).
 */
import type { CreateScript } from "../../src/policy/authoring.js"; // type-only: erased when bundled

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
  baseForwardM: 0.25, // m the base drives toward the sink (its front then just short of the sink unit)
  padZ: 0.06, // m over the top for the pad centre while sweeping (the lever spans 0.044-0.078)
  arcRadiusM: 0.055, // m from the hinge to the pad centre along the sweep (the lever is 0.08 m long)
  arcFromRad: -0.6, // rad, the sweep's start: the pads left of the lever (0: on the lever, pointing at the robot)
  arcToRad: 1.25, // rad, its end: the lever ends about 0.25 rad further (the pads and the bar have thickness);
  // further round, the pads would touch the faucet's column when it stands 0.09 m right of the hinge
  arcStepRad: 0.1, // rad the sweep's goal advances per waypoint
  arcWaypointSteps: 3, // steps spent on one waypoint at most
  hoverZ: 0.16, // m over the top where the hand comes in and leaves
});

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

/** The q-quantile of xs (sorted copy). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(q * s.length)))];
}

const createScript: CreateScript = (ctx) => {
  const k = ctx.tools?.kitchen as unknown as KitchenTools;
  return {
    episode() {
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
        x: bx + fwd[0] * P.baseForwardM,
        y: by + fwd[1] * P.baseForwardM,
        yaw: s.base.yawDeg,
        maxSteps: 60,
      });

      // 3. sweep: pads beside the lever on its left, then round the hinge to the right, pushing the lever ahead
      const down = [0, 180, s.base.yawDeg]; // tool down, fingers closing left-right
      const onArc = (phi: number, z: number) =>
        world(hingeA - P.arcRadiusM * Math.cos(phi), hingeL - P.arcRadiusM * Math.sin(phi), z);
      k.gripper({ close: true, steps: 6 });
      k.moveEef({ pos: onArc(P.arcFromRad, top + P.hoverZ), rpy: down, tolerance: 0.02 });
      k.moveEef({ pos: onArc(P.arcFromRad, top + P.padZ), rpy: down, maxSteps: 60 });
      let phi: number = P.arcFromRad;
      while (phi < P.arcToRad) {
        phi = Math.min(P.arcToRad, phi + P.arcStepRad);
        k.moveEef({ pos: onArc(phi, top + P.padZ), rpy: down, maxSteps: P.arcWaypointSteps });
      }
      k.moveEef({ pos: onArc(phi, top + P.padZ), rpy: down, maxSteps: 20 });

      // 4. up, clear of the faucet
      k.moveEef({ pos: onArc(phi, top + P.hoverZ), rpy: down, maxSteps: 40 });
    },
  };
};
export default createScript;
