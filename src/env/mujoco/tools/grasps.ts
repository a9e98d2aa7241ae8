/**
 * Top-down grasps from a mask (the paper's sample_grasp_pose_2d, then ranked by IK): the mask's pixels are
 * back-projected through depth; the principal axis of their x, y spread is the object's length, and the fingers
 * (which close along the hand's y) are turned across it. A candidate's width is the object's extent across that
 * axis near the candidate, its height halfway up the object (above the surface around the mask), kept high enough
 * that the pads clear that surface. Candidates lie along the principal axis and are ranked by whether the arm
 * reaches them (differential IK on a kinematic twin), how well the width fits the gripper, and how central they are.
 */
import type { ArmEnv } from "../arm-env.js";
import { DiffIk } from "../ik.js";
import { GRIPPER } from "../robot.js";
import { rpyToMat } from "./rpy.js";
import { pixelToWorld, type RleMask, type SegmentOptions, segmentAllIn, unRle } from "./segment.js";

export const GRASP_DEFAULTS = Object.freeze({
  k: 5, // candidates returned
  candidates: 9, // positions tried along the principal axis
  sliceHalfM: 0.003, // m: points within this of a candidate's line across the object give its local width
  ringPx: 3, // px: the ring around the mask whose depth gives the surface the object rests on
  padClearanceM: 0.002, // m the pads' lower ends are kept above that surface
  widthMarginM: 0.01, // m the gripper must open beyond the object's width
  reachTolM: 0.002, // m of IK position error a reachable pose may have
  reachTolRad: 0.05, // rad of IK orientation error
  ikIterations: 80, // Newton steps per reachability check
});

export interface Grasp {
  pos: [number, number, number]; // m, world: where the EE site (between the pads) goes
  rpy: [number, number, number]; // deg, top-down: (0, 180, yaw)
  width: number; // m, the object's extent between the pads
  score: number; // 0..1
  reachable: boolean;
  ikErrorM: number; // m, remaining IK position error
}

export interface GraspOptions {
  query?: string; // segment this (the best detection) …
  mask?: RleMask | Uint8Array | number[]; // … or use this mask of the camera's size × size frame
  camera?: string;
  size?: number;
  k?: number;
  segment?: Omit<SegmentOptions, "query" | "camera" | "size">;
}

/**
 * Ranked top-down grasps of an object seen by a camera of the env.
 * @example sampleGraspsIn(env, { query: "nail", size: 256 })[0] // { pos, rpy, width, score, … }
 */
export function sampleGraspsIn(env: ArmEnv, opts: GraspOptions): Grasp[] {
  const G = GRASP_DEFAULTS;
  const camera = opts.camera ?? "top";
  const size = opts.size ?? 128;
  let mask: Uint8Array;
  if (opts.mask !== undefined) {
    mask =
      opts.mask instanceof Uint8Array
        ? opts.mask
        : Array.isArray(opts.mask)
          ? Uint8Array.from(opts.mask)
          : unRle(opts.mask);
    if (mask.length !== size * size)
      throw new Error(`mask has ${mask.length} pixels; a ${size} px frame has ${size * size}`);
  } else if (opts.query) {
    const best = segmentAllIn(env, { ...opts.segment, query: opts.query, camera, size }).detections[0];
    if (!best) throw new Error(`no "${opts.query}" in camera ${camera}`);
    mask = best.maskBytes;
  } else throw new Error("give a query or a mask");
  const frame = env.cameraFrame(camera, size, { depth: true });
  const depth = frame.depth as Float32Array;
  const pts: [number, number, number][] = [];
  const ds: number[] = [];
  let u0 = size;
  let v0 = size;
  let u1 = -1;
  let v1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const u = i % size;
    const v = Math.floor(i / size);
    u0 = Math.min(u0, u);
    v0 = Math.min(v0, v);
    u1 = Math.max(u1, u);
    v1 = Math.max(v1, v);
    if (!Number.isFinite(depth[i])) continue;
    pts.push(pixelToWorld(frame, u, v, depth[i]));
    ds.push(depth[i]);
  }
  if (pts.length < 2) throw new Error("the mask has fewer than 2 pixels with depth");
  ds.sort((a, b) => a - b);
  const pixelM = ds[Math.floor(ds.length / 2)] / frame.intrinsics.fx; // one pixel's footprint at the object, m
  // the surface under the object: median height of the ring around the mask
  const ring: number[] = [];
  for (let v = Math.max(0, v0 - G.ringPx); v <= Math.min(size - 1, v1 + G.ringPx); v++) {
    for (let u = Math.max(0, u0 - G.ringPx); u <= Math.min(size - 1, u1 + G.ringPx); u++) {
      const i = v * size + u;
      if (!mask[i] && Number.isFinite(depth[i])) ring.push(pixelToWorld(frame, u, v, depth[i])[2]);
    }
  }
  const zs = pts.map((p) => p[2]).sort((a, b) => a - b);
  const top = zs[Math.floor(0.9 * (zs.length - 1))];
  ring.sort((a, b) => a - b);
  const support = ring.length ? Math.min(ring[Math.floor(ring.length / 2)], top) : zs[0];
  const z = Math.max((support + top) / 2, support + GRIPPER.padHalf[2] + G.padClearanceM);

  // principal axis of the x, y spread
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p[0] - mx) ** 2;
    syy += (p[1] - my) ** 2;
    sxy += (p[0] - mx) * (p[1] - my);
  }
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const major = [Math.cos(theta), Math.sin(theta)];
  const minor = [-major[1], major[0]];
  const along = pts.map((p) => (p[0] - mx) * major[0] + (p[1] - my) * major[1]);
  const lo = Math.min(...along);
  const hi = Math.max(...along);
  // hand y = (−sin ψ, cos ψ) must lie along the minor axis; the gripper is symmetric, so ψ in (−90, 90]
  let yaw = (Math.atan2(-minor[0], minor[1]) * 180) / Math.PI;
  if (yaw > 90) yaw -= 180;
  if (yaw <= -90) yaw += 180;
  const rpy: [number, number, number] = [0, 180, yaw];
  const mat = rpyToMat(rpy);

  const { scene, arm } = env.toolView();
  const ik = new DiffIk(scene, arm.joints, arm.eeSite);
  const q0 = env.robotState().jointPositions;
  const maxWidth = 2 * GRIPPER.maxOpening - G.widthMarginM;
  const out: Grasp[] = [];
  try {
    for (let c = 0; c < G.candidates; c++) {
      const t = (c / Math.max(1, G.candidates - 1) - 0.5) * 0.8; // −0.4..0.4 of the length
      const s = (lo + hi) / 2 + t * (hi - lo);
      const across = pts
        .filter((_, i) => Math.abs(along[i] - s) <= G.sliceHalfM)
        .map((p) => (p[0] - mx) * minor[0] + (p[1] - my) * minor[1]);
      if (across.length === 0) continue;
      const width = Math.max(...across) - Math.min(...across) + pixelM; // the outer pixels' own width
      const mid = (Math.max(...across) + Math.min(...across)) / 2;
      const pos: [number, number, number] = [mx + major[0] * s + minor[0] * mid, my + major[1] * s + minor[1] * mid, z];
      const sol = ik.solve(q0, { pos, mat }, { iterations: G.ikIterations });
      const reachable = sol.posError <= G.reachTolM && sol.rotError <= G.reachTolRad;
      const fits = width <= maxWidth ? 1 : 0;
      const central = 1 - Math.abs(t);
      const score = (reachable ? 1 : 0.2 * Math.exp(-sol.posError / 0.01)) * fits * central;
      out.push({ pos, rpy, width, score, reachable, ikErrorM: sol.posError });
    }
  } finally {
    ik.dispose();
  }
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, opts.k ?? G.k);
}
