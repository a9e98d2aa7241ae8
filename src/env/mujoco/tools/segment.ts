/**
 * Perception on pixels for the 3D stations: `segmentAllIn(env, opts)` finds every instance of an object named by a
 * text query in one camera's RGB frame and measures each (box, area, perimeter, compactness, aspect ratio, centroid
 * in pixels and, through the depth frame and the camera model, in the world), then filters and ranks them with the
 * paper's parameters (enpire-paper.md §2.1, SAM3 multi-object segmentation tool). `deprojectIn` turns a pixel into
 * a world point. Nothing here reads object poses or segmentation ids: the detector sees the RGB frame (cropped and
 * with boxes blanked), the measurements read the depth frame (an RGB-D camera's), and the robot's own pixels are
 * found from its kinematics (a self-filter).
 *
 * Detectors: the built-in one (colour classes of the task's vocabulary in HSV, vocabulary.ts, each pixel given to the
 * nearest class, then 8-connected components; a confidence from the colour match and the size) and an HTTP service with the paper's /segment_all
 * request (http-detector.ts), chosen by `detector: { url }` or ENPIRE_DETECTOR_URL.
 */
import type { RenderResult } from "../render/index.js";
import type { MjScene } from "../scene.js";
import { httpSegmentAll } from "./http-detector.js";
import { hsvDistance, type ResolvedQuery, resolveQuery, rgbToHsv } from "./vocabulary.js";

/**
 * What perception needs of a station (an ArmEnv is one; the kitchens adapt theirs): its cameras, and its MuJoCo scene
 * for the built-in detector's colours and the robot self-filter (bodies "<prefix>_…" of each "<prefix>_base" with a
 * "<prefix>_link1"). `resolveQuery`, when given, replaces vocabulary.ts' per-task words (a station with its own).
 */
export interface SegmentHost {
  readonly spec: { readonly id: string };
  cameraNames(): string[];
  cameraFrame(camera: string, size: number, opts?: { depth?: boolean; segmentation?: boolean }): RenderResult;
  toolView(): { scene: MjScene };
  resolveQuery?(query: string): ResolvedQuery;
}

export const SEGMENT_DEFAULTS = Object.freeze({
  camera: "top", // the paper's default camera
  size: 128, // px, side of the square frame rendered for a query
  scoreThresh: 0.1, // the paper's default minimum confidence
  minArea: 2, // px: smaller components are noise
  competitionMargin: 0.25, // a pixel goes to another word's object when its colour distance there is this much lower
  sizeScalePx: 6, // px: confidence × (1 − e^(−area / this)), so a speck scores less than a clear blob
  depthBandM: 0.03, // m: pixels farther than this from the mask's median depth are left out of its 3D centroid
  robotMarginM: 0.002, // m: pixels whose back-projected point is this close to the robot's geoms are blanked
});

export type Metric = "confidence" | "area" | "AR" | "C" | "P";
export interface Filter {
  metric: Metric;
  op: ">=" | "<=";
  value: number;
}
export interface RankBy {
  metric: Metric;
  direction: "max" | "min";
}

export interface SegmentOptions {
  query: string;
  camera?: string;
  size?: number;
  scoreThresh?: number;
  imageBbox?: [number, number, number, number]; // [xMin, yMin, xMax, yMax] px: everything outside is blanked
  imageExcludeBboxes?: [number, number, number, number][]; // boxes blanked after the crop (e.g. the jaws)
  /**
   * Blank the pixels that show the robot (arms, gripper): those whose depth puts them on one of the arms' geoms, from
   * the robot's kinematics (the paper blanks the gripper's jaws). Default true.
   */
  excludeRobot?: boolean;
  filters?: Filter[];
  rankBy?: RankBy;
  /** Include each detection's mask, run-length encoded. Default false. */
  returnMasks?: boolean;
  /** Use an HTTP detector with the paper's /segment_all request instead of the built-in one. */
  detector?: { url: string; timeoutMs?: number };
}

/** A mask run-length encoded in row-major order: counts alternate outside, inside, … starting outside. */
export interface RleMask {
  size: [number, number]; // [height, width]
  counts: number[];
}

export interface Detection {
  score: number; // 0..1
  bboxXywh: [number, number, number, number]; // px: left column, top row, width, height
  maskArea: number; // px
  perimeterPx: number; // boundary pixels: mask pixels with a 4-neighbour outside the mask
  compactness: number; // 4π·area / perimeter²
  aspectRatio: number; // ≥ 1: major / minor axis of the mask's second moments
  centroidUv: [number, number]; // px, (column, row)
  centroidWorldXyz: [number, number, number] | null; // m, world: mean of the mask's back-projected pixels
  depthM: number | null; // m along the optical axis, median over the mask
  mask?: RleMask;
}

/** A detection with its mask as bytes, for callers inside the host (grasp sampling). */
export interface DetectionWithMask extends Detection {
  maskBytes: Uint8Array; // size × size, 1 inside
}

/** What a detector answers for one query on one (blanked) frame. */
export interface RawDetection {
  mask: Uint8Array; // size × size, non-zero inside
  score: number;
}

export interface SegmentResult {
  query: string;
  camera: string;
  size: number;
  detector: string; // "built-in" or the service's URL
  detections: DetectionWithMask[];
  frame: RenderResult;
}

/**
 * Every instance of `query` in a camera frame of the env, filtered and ranked (best first).
 * @example segmentAllIn(env, { query: "nail", camera: "top", size: 256 }).detections[0].centroidWorldXyz
 */
export function segmentAllIn(env: SegmentHost, opts: SegmentOptions): SegmentResult {
  const D = SEGMENT_DEFAULTS;
  if (typeof opts?.query !== "string" || opts.query.trim() === "") throw new Error("query must be a non-empty text");
  const camera = opts.camera ?? D.camera;
  const size = opts.size ?? D.size;
  if (!Number.isInteger(size) || size < 16 || size > 512) throw new Error(`size must be a whole number 16..512 px`);
  if (!env.cameraNames().includes(camera))
    throw new Error(`no camera "${camera}"; this station has ${env.cameraNames().join(", ")}`);
  const scoreThresh = opts.scoreThresh ?? D.scoreThresh;
  const frame = env.cameraFrame(camera, size, { depth: true });
  const rgb = frame.rgb as Uint8Array;
  const valid = new Uint8Array(size * size).fill(1);
  if (opts.imageBbox) {
    const [x0, y0, x1, y1] = box(opts.imageBbox, "imageBbox");
    for (let v = 0; v < size; v++)
      for (let u = 0; u < size; u++) if (u < x0 || u > x1 || v < y0 || v > y1) valid[v * size + u] = 0;
  }
  for (const [x0, y0, x1, y1] of (opts.imageExcludeBboxes ?? []).map((b) => box(b, "imageExcludeBboxes[]"))) {
    for (let v = Math.max(0, y0); v <= Math.min(size - 1, y1); v++)
      for (let u = Math.max(0, x0); u <= Math.min(size - 1, x1); u++) valid[v * size + u] = 0;
  }
  // the paper blanks the gripper's jaws; this blanks every pixel whose depth puts it on the robot (its kinematics),
  // tested lazily: the built-in detector asks only about the pixels of the query's colour
  const onRobot = (opts.excludeRobot ?? true) ? robotSelfFilter(env, D.robotMarginM) : null;
  const depth = frame.depth as Float32Array;
  const usable = (i: number): boolean => {
    if (valid[i] !== 1) return false;
    const z = depth[i];
    if (onRobot && Number.isFinite(z) && onRobot(pixelToWorld(frame, i % size, Math.floor(i / size), z))) {
      valid[i] = 2; // on the robot
      return false;
    }
    return true;
  };
  const url = opts.detector?.url ?? process.env.ENPIRE_DETECTOR_URL;
  if (url) for (let i = 0; i < valid.length; i++) usable(i);
  const blanked = new Uint8Array(rgb);
  for (let i = 0; i < valid.length; i++) if (valid[i] !== 1) blanked.fill(0, 3 * i, 3 * i + 3);
  const raw = url
    ? httpSegmentAll(
        url,
        { text: opts.query, rgb: blanked, size, scoreThreshold: scoreThresh },
        opts.detector?.timeoutMs,
      )
    : builtInSegmentAll(env, opts.query, blanked, usable, size);

  const detections: DetectionWithMask[] = [];
  for (const r of raw) {
    if (!(r.score >= scoreThresh)) continue;
    const mask = new Uint8Array(size * size);
    for (let i = 0; i < mask.length; i++) mask[i] = r.mask[i] && valid[i] === 1 ? 1 : 0;
    const d = measure(mask, size, r.score, frame);
    if (!d) continue;
    if (opts.returnMasks) d.mask = rle(mask, size);
    if ((opts.filters ?? []).every((f) => passes(d, f))) detections.push(d);
  }
  const rank = opts.rankBy ?? { metric: "confidence", direction: "max" };
  if (rank.direction !== "max" && rank.direction !== "min") throw new Error(`rankBy.direction must be max or min`);
  const sign = rank.direction === "max" ? -1 : 1;
  detections.sort((a, b) => sign * (metric(a, rank.metric) - metric(b, rank.metric)) || b.score - a.score);
  return { query: opts.query, camera, size, detector: url ?? "built-in", detections, frame };
}

/**
 * The world point (m) seen at pixel (u, v) of a camera's size × size frame, through its depth, intrinsics and
 * extrinsics. Throws when nothing is there (no depth).
 */
export function deprojectIn(
  env: SegmentHost,
  u: number,
  v: number,
  camera = "top",
  size = 128,
): [number, number, number] {
  if (!Number.isFinite(u) || !Number.isFinite(v)) throw new Error("u and v must be finite numbers (px)");
  const col = Math.round(u);
  const row = Math.round(v);
  if (col < 0 || row < 0 || col >= size || row >= size) throw new Error(`(${u}, ${v}) is outside the ${size} px frame`);
  const frame = env.cameraFrame(camera, size, { depth: true });
  const z = (frame.depth as Float32Array)[row * size + col];
  if (!Number.isFinite(z)) throw new Error(`nothing is seen at (${u}, ${v}) in camera ${camera}: no depth`);
  return pixelToWorld(frame, u, v, z);
}

/** The world point at pixel (u, v) with depth z (m along the optical axis). */
export function pixelToWorld(frame: RenderResult, u: number, v: number, z: number): [number, number, number] {
  const { fx, fy, cx, cy } = frame.intrinsics;
  const X = ((u - cx) * z) / fx;
  const Y = ((v - cy) * z) / fy;
  const R = frame.extrinsics.rotation;
  const p = frame.extrinsics.position;
  return [
    p[0] + R[0] * X + R[1] * Y + R[2] * z,
    p[1] + R[3] * X + R[4] * Y + R[5] * z,
    p[2] + R[6] * X + R[7] * Y + R[8] * z,
  ];
}

/** The pixel (u, v) and depth (m) of a world point in a frame; depth ≤ 0 is behind the camera. */
export function worldToPixel(frame: RenderResult, w: readonly number[]): [number, number, number] {
  const R = frame.extrinsics.rotation;
  const p = frame.extrinsics.position;
  const d = [w[0] - p[0], w[1] - p[1], w[2] - p[2]];
  const X = R[0] * d[0] + R[3] * d[1] + R[6] * d[2];
  const Y = R[1] * d[0] + R[4] * d[1] + R[7] * d[2];
  const Z = R[2] * d[0] + R[5] * d[1] + R[8] * d[2];
  const { fx, fy, cx, cy } = frame.intrinsics;
  return [(fx * X) / Z + cx, (fy * Y) / Z + cy, Z];
}

/** The built-in detector: pixels in the query's colour classes, grouped into 8-connected components. */
function builtInSegmentAll(
  env: SegmentHost,
  query: string,
  rgb: Uint8Array,
  usable: (i: number) => boolean,
  size: number,
): RawDetection[] {
  const { scene } = env.toolView();
  const D = SEGMENT_DEFAULTS;
  const { colours, others } = env.resolveQuery ? env.resolveQuery(query) : resolveQuery(env.spec.id, scene, query);
  const n = size * size;
  const match = new Float32Array(n).fill(-1); // pixel score 0.5..1, −1 outside every class
  for (let i = 0; i < n; i++) {
    if (rgb[3 * i] === 0 && rgb[3 * i + 1] === 0 && rgb[3 * i + 2] === 0) continue; // blanked (or pure black)
    const hsv = rgbToHsv(rgb[3 * i] / 255, rgb[3 * i + 1] / 255, rgb[3 * i + 2] / 255);
    let best = Number.POSITIVE_INFINITY;
    for (const c of colours) best = Math.min(best, hsvDistance(hsv, c));
    if (best > 1) continue;
    // a pixel that looks clearly more like another object of the task is that object's
    if (others.some((c) => hsvDistance(hsv, c) < best - D.competitionMargin)) continue;
    if (usable(i)) match[i] = 1 - 0.5 * best;
  }
  const labels = new Int32Array(n).fill(-1);
  const out: RawDetection[] = [];
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (match[i] < 0 || labels[i] >= 0) continue;
    const mask = new Uint8Array(n);
    let area = 0;
    let sum = 0;
    labels[i] = out.length;
    stack.push(i);
    while (stack.length) {
      const j = stack.pop() as number;
      mask[j] = 1;
      area++;
      sum += match[j];
      const r = Math.floor(j / size);
      const c = j - r * size;
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= size || cc >= size) continue;
          const k = rr * size + cc;
          if (match[k] >= 0 && labels[k] < 0) {
            labels[k] = labels[i];
            stack.push(k);
          }
        }
      }
    }
    if (area < D.minArea) continue;
    out.push({ mask, score: (sum / area) * (1 - Math.exp(-area / D.sizeScalePx)) });
  }
  return out;
}

/** A detection's measurements from its mask and the frame's depth; null for an empty mask. */
function measure(mask: Uint8Array, size: number, score: number, frame: RenderResult): DetectionWithMask | null {
  let area = 0;
  let su = 0;
  let sv = 0;
  let suu = 0;
  let svv = 0;
  let suv = 0;
  let perimeter = 0;
  let u0 = size;
  let v0 = size;
  let u1 = -1;
  let v1 = -1;
  const depths: number[] = [];
  const depth = frame.depth as Float32Array;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const i = v * size + u;
      if (!mask[i]) continue;
      area++;
      su += u;
      sv += v;
      suu += u * u;
      svv += v * v;
      suv += u * v;
      u0 = Math.min(u0, u);
      v0 = Math.min(v0, v);
      u1 = Math.max(u1, u);
      v1 = Math.max(v1, v);
      const edge =
        u === 0 ||
        v === 0 ||
        u === size - 1 ||
        v === size - 1 ||
        !mask[i - 1] ||
        !mask[i + 1] ||
        !mask[i - size] ||
        !mask[i + size];
      if (edge) perimeter++;
      if (Number.isFinite(depth[i])) depths.push(depth[i]);
    }
  }
  if (area === 0) return null;
  const mu = su / area;
  const mv = sv / area;
  // second moments, plus a pixel's own spread (1/12) so a one-pixel-wide line has a finite ratio
  const a = suu / area - mu * mu + 1 / 12;
  const c = svv / area - mv * mv + 1 / 12;
  const b = suv / area - mu * mv;
  const root = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = (a + c) / 2 + root;
  const l2 = Math.max(1e-9, (a + c) / 2 - root);
  let depthM: number | null = null;
  let world: [number, number, number] | null = null;
  if (depths.length) {
    depths.sort((x, y) => x - y);
    depthM = depths[Math.floor(depths.length / 2)];
    const acc = [0, 0, 0];
    let k = 0;
    for (let v = v0; v <= v1; v++) {
      for (let u = u0; u <= u1; u++) {
        const i = v * size + u;
        if (!mask[i] || !(Math.abs(depth[i] - depthM) <= SEGMENT_DEFAULTS.depthBandM)) continue;
        const w = pixelToWorld(frame, u, v, depth[i]);
        acc[0] += w[0];
        acc[1] += w[1];
        acc[2] += w[2];
        k++;
      }
    }
    world = [acc[0] / k, acc[1] / k, acc[2] / k];
  }
  return {
    score,
    bboxXywh: [u0, v0, u1 - u0 + 1, v1 - v0 + 1],
    maskArea: area,
    perimeterPx: perimeter,
    compactness: (4 * Math.PI * area) / (perimeter * perimeter),
    aspectRatio: Math.sqrt(l1 / l2),
    centroidUv: [mu, mv],
    centroidWorldXyz: world,
    depthM,
    maskBytes: mask,
  };
}

/**
 * A robot self-filter (as point-cloud pipelines have): a test whether a world point lies on the robot (within
 * `margin` of one of the arms' geoms, whose poses and sizes come from the robot's kinematics and its model).
 * An arm is every body named "<prefix>_…" for each "<prefix>_base" with a "<prefix>_link1".
 */
export function robotSelfFilter(env: SegmentHost, margin: number): (p: readonly number[]) => boolean {
  const { scene } = env.toolView();
  const m = scene.model;
  const d = scene.data;
  const names = Array.from({ length: m.nbody }, (_, i) => scene.name("body", i));
  const prefixes = names
    .filter((n) => n.endsWith("_base") && names.includes(`${n.slice(0, -5)}_link1`))
    .map((n) => n.slice(0, -4));
  const robotBody = names.map((n) => prefixes.some((p) => n.startsWith(p)));
  const bodyOf = m.geom_bodyid as Int32Array;
  const type = m.geom_type as Int32Array;
  const gsize = m.geom_size as Float64Array;
  const xpos = d.geom_xpos as Float64Array;
  const xmat = d.geom_xmat as Float64Array;
  const geoms: number[] = [];
  for (let g = 0; g < m.ngeom; g++) if (robotBody[bodyOf[g]] && type[g] !== 0) geoms.push(g);
  return (p) => {
    for (const g of geoms) {
      const dx = p[0] - xpos[3 * g];
      const dy = p[1] - xpos[3 * g + 1];
      const dz = p[2] - xpos[3 * g + 2];
      const R = xmat.subarray(9 * g, 9 * g + 9);
      const lx = R[0] * dx + R[3] * dy + R[6] * dz;
      const ly = R[1] * dx + R[4] * dy + R[7] * dz;
      const lz = R[2] * dx + R[5] * dy + R[8] * dz;
      const s0 = gsize[3 * g];
      const s1 = gsize[3 * g + 1];
      const s2 = gsize[3 * g + 2];
      let inside: boolean;
      switch (type[g]) {
        case 2: // sphere
          inside = Math.hypot(lx, ly, lz) <= s0 + margin;
          break;
        case 3: // capsule: radius s0, half-length s1 along z
          inside = Math.hypot(lx, ly, Math.max(0, Math.abs(lz) - s1)) <= s0 + margin;
          break;
        case 5: // cylinder
          inside = Math.hypot(lx, ly) <= s0 + margin && Math.abs(lz) <= s1 + margin;
          break;
        case 4: // ellipsoid: its bounding box
        case 6: // box
          inside = Math.abs(lx) <= s0 + margin && Math.abs(ly) <= s1 + margin && Math.abs(lz) <= s2 + margin;
          break;
        default:
          inside = false;
      }
      if (inside) return true;
    }
    return false;
  };
}

function metric(d: Detection, m: Metric): number {
  switch (m) {
    case "confidence":
      return d.score;
    case "area":
      return d.maskArea;
    case "AR":
      return d.aspectRatio;
    case "C":
      return d.compactness;
    case "P":
      return d.perimeterPx;
    default:
      throw new Error(`unknown metric "${String(m)}"; one of confidence, area, AR, C, P`);
  }
}

function passes(d: Detection, f: Filter): boolean {
  if (f?.op !== ">=" && f?.op !== "<=") throw new Error(`filter op must be ">=" or "<=", got ${String(f?.op)}`);
  if (typeof f.value !== "number") throw new Error("filter value must be a number");
  const x = metric(d, f.metric);
  if (!Number.isFinite(x)) return false; // the paper drops non-finite metric values
  return f.op === ">=" ? x >= f.value : x <= f.value;
}

function box(b: unknown, name: string): [number, number, number, number] {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((x) => typeof x === "number" && Number.isFinite(x)))
    throw new Error(`${name} must be [xMin, yMin, xMax, yMax] px`);
  return [Math.round(b[0]), Math.round(b[1]), Math.round(b[2]), Math.round(b[3])];
}

/** Row-major run-length encoding, starting with the run outside. */
export function rle(mask: Uint8Array, size: number): RleMask {
  const counts: number[] = [];
  let cur = 0;
  let run = 0;
  for (let i = 0; i < mask.length; i++) {
    const bit = mask[i] ? 1 : 0;
    if (bit !== cur) {
      counts.push(run);
      run = 0;
      cur = bit;
    }
    run++;
  }
  counts.push(run);
  return { size: [size, size], counts };
}

/** The bytes of an RLE mask (as rle() writes it). */
export function unRle(m: RleMask): Uint8Array {
  const out = new Uint8Array(m.size[0] * m.size[1]);
  let i = 0;
  let bit = 0;
  for (const n of m.counts) {
    if (bit) out.fill(1, i, i + n);
    i += n;
    bit ^= 1;
  }
  return out;
}
