/**
 * The real Push-T station's verifier, from the top camera's RGB pixels only (as the paper's reward.py judges):
 * 1. red mask: HSV (OpenCV scale) H 0..10 or 165..180, S ≥ 80, V ≥ 80, and R ≥ 195; a 3×3 opening then closing;
 * 2. the largest 4-connected red component, at least MIN_AREA_256 px scaled to the frame's size;
 * 3. the T's 8-corner outline fitted to it: every pixel is cast onto the plane of the T's top face through the
 *    camera model (OpenCV intrinsics and extrinsics), a first pose comes from the mask's moments (centroid, major
 *    axis = the stem), four headings are refined by pattern search on the IoU between the mask and the outline
 *    drawn at the pose, and the best fit wins;
 * 4. success when the fit is good (IoU ≥ MIN_IOU), the heading is within 10° of the goal's and the T's centre lies
 *    inside the success rectangle around the goal's centre.
 * It knows the T's shape and the camera model, nothing of the simulator's state.
 */
import { insideT, T_OUTLINE, tToWorld } from "./t-block.js";

/** The verifier's constants. */
export const PIXEL_VERIFIER = Object.freeze({
  hueLow: 10, // OpenCV hue (0..180) upper end of the low red band
  hueHigh: 165, // lower end of the high red band
  minSaturation: 80, // 0..255
  minValue: 80, // 0..255
  minRed: 195, // RGB gate on the red channel
  minArea256: 500, // px at 256×256 (the paper's minimum component area), scaled by the frame's area
  minIou: 0.7, // a fit below this is "no T outline found"
  angleTolDeg: 10, // heading within this of the goal's
  rectHalf: [0.02, 0.02] as const, // m, half sizes of the success rectangle (world x, y) around the goal's centre
});

export type Pose2 = [x: number, y: number, yaw: number];

export interface CameraModel {
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: readonly number[]; rotation: readonly number[] }; // camera-to-world, OpenCV frame
}

export interface PixelFit {
  pose: Pose2; // m, rad: the T's centroid and heading on the table
  iou: number; // agreement of the fitted outline with the mask
  maskPixels: number;
  corners: [number, number][]; // the fitted 8-corner outline, world m
}

export interface PixelVerdict {
  success: boolean;
  reason: string | null;
  fit: PixelFit | null;
  posError: [number, number] | null; // m, fitted centre − goal centre
  angleErrorDeg: number | null;
}

/** The red mask of an RGB frame (1 = red), opened and closed with a 3×3 square. */
export function redMask(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const c = PIXEL_VERIFIER;
  const n = width * height;
  if (rgb.length !== n * 3) throw new RangeError(`an RGB frame of ${width}×${height} has ${n * 3} bytes`);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    if (r < c.minRed) continue;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const v = max;
    const s = max === 0 ? 0 : (255 * (max - min)) / max;
    if (v < c.minValue || s < c.minSaturation) continue;
    // OpenCV's hue, 0..180; red is the channel at max here (r ≥ 195 and saturated)
    let h: number;
    if (max === r) h = (30 * (g - b)) / (max - min);
    else if (max === g) h = 60 + (30 * (b - r)) / (max - min);
    else h = 120 + (30 * (r - g)) / (max - min);
    if (h < 0) h += 180;
    if (h <= c.hueLow || h >= c.hueHigh) mask[i] = 1;
  }
  const opened = dilate(erode(mask, width, height), width, height);
  return erode(dilate(opened, width, height), width, height);
}

function erode(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let all = 1;
      for (let dy = -1; dy <= 1 && all; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h || !m[yy * w + xx]) {
            all = 0;
            break;
          }
        }
      }
      out[y * w + x] = all;
    }
  }
  return out;
}

function dilate(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let any = 0;
      for (let dy = -1; dy <= 1 && !any; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[yy * w + xx]) {
            any = 1;
            break;
          }
        }
      }
      out[y * w + x] = any;
    }
  }
  return out;
}

/** Keeps only the largest 4-connected component of a mask; returns its size. */
function keepLargest(mask: Uint8Array, w: number): number {
  const label = new Int32Array(mask.length).fill(-1);
  let best = -1;
  let bestSize = 0;
  const stack: number[] = [];
  let next = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || label[i] >= 0) continue;
    const id = next++;
    let size = 0;
    label[i] = id;
    stack.push(i);
    while (stack.length) {
      const j = stack.pop() as number;
      size++;
      const x = j % w;
      for (const k of [x > 0 ? j - 1 : -1, x < w - 1 ? j + 1 : -1, j - w, j + w]) {
        if (k < 0 || k >= mask.length || !mask[k] || label[k] >= 0) continue;
        label[k] = id;
        stack.push(k);
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = id;
    }
  }
  for (let i = 0; i < mask.length; i++) mask[i] = label[i] === best && best >= 0 ? 1 : 0;
  return bestSize;
}

/** Where pixel (col, row)'s centre ray meets the horizontal plane z = planeZ, world m. */
function pixelOnPlane(cam: CameraModel, col: number, row: number, planeZ: number): [number, number] {
  const { fx, fy, cx, cy } = cam.intrinsics;
  const R = cam.extrinsics.rotation;
  const p = cam.extrinsics.position;
  const X = (col - cx) / fx;
  const Y = (row - cy) / fy;
  const dx = R[0] * X + R[1] * Y + R[2];
  const dy = R[3] * X + R[4] * Y + R[5];
  const dz = R[6] * X + R[7] * Y + R[8];
  const t = (planeZ - p[2]) / dz;
  return [p[0] + t * dx, p[1] + t * dy];
}

/**
 * Fits the T's outline to the red mask of a frame. Returns null when no red component is large enough.
 * `planeZ` is the height of the T's top face (the camera sees the top face; the sides are shaded out of the mask).
 */
export function fitT(
  rgb: Uint8Array,
  width: number,
  height: number,
  cam: CameraModel,
  planeZ: number,
): PixelFit | null {
  const mask = redMask(rgb, width, height);
  const area = keepLargest(mask, width);
  const minArea = (PIXEL_VERIFIER.minArea256 * width * height) / (256 * 256);
  if (area < minArea) return null;
  // every pixel's footprint on the T's top plane, m
  const wx = new Float64Array(width * height);
  const wy = new Float64Array(width * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const [x, y] = pixelOnPlane(cam, col, row, planeZ);
      wx[row * width + col] = x;
      wy[row * width + col] = y;
    }
  }
  // moments of the mask on the plane
  let n = 0;
  let sx = 0;
  let sy = 0;
  let minCol = width;
  let maxCol = 0;
  let minRow = height;
  let maxRow = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    sx += wx[i];
    sy += wy[i];
    const col = i % width;
    const row = (i - col) / width;
    minCol = Math.min(minCol, col);
    maxCol = Math.max(maxCol, col);
    minRow = Math.min(minRow, row);
    maxRow = Math.max(maxRow, row);
  }
  const mx = sx / n;
  const my = sy / n;
  let cxx = 0;
  let cyy = 0;
  let cxy = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const dx = wx[i] - mx;
    const dy = wy[i] - my;
    cxx += dx * dx;
    cyy += dy * dy;
    cxy += dx * dy;
  }
  const major = 0.5 * Math.atan2(2 * cxy, cxx - cyy); // the stem's axis (the T's larger variance)
  // pixels the fit looks at: the mask's box plus a margin
  const margin = Math.ceil(0.25 * Math.max(maxCol - minCol, maxRow - minRow)) + 2;
  const c0 = Math.max(0, minCol - margin);
  const c1 = Math.min(width - 1, maxCol + margin);
  const r0 = Math.max(0, minRow - margin);
  const r1 = Math.min(height - 1, maxRow + margin);
  const iou = (p: Pose2): number => {
    const c = Math.cos(p[2]);
    const s = Math.sin(p[2]);
    let inter = 0;
    let union = 0;
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        const i = row * width + col;
        const dx = wx[i] - p[0];
        const dy = wy[i] - p[1];
        const inside = insideT(c * dx + s * dy, -s * dx + c * dy);
        if (inside && mask[i]) inter++;
        if (inside || mask[i]) union++;
      }
    }
    return union ? inter / union : 0;
  };
  const pixelM = Math.hypot(wx[1] - wx[0], wy[1] - wy[0]); // m per pixel near the image's corner
  let best: Pose2 = [mx, my, 0];
  let bestIou = -1;
  // body +y (the stem) along the major axis either way; the minor axis too, in case occlusion flipped the moments
  for (const k of [0, 1, 2, 3]) {
    const heading = major - Math.PI / 2 + (k * Math.PI) / 2; // yaw whose body +y points along major + kπ/2
    const r = refine(iou, [mx, my, heading], pixelM);
    if (r.score > bestIou) {
      bestIou = r.score;
      best = r.pose;
    }
  }
  const pose: Pose2 = [best[0], best[1], wrapAngle(best[2])];
  return { pose, iou: bestIou, maskPixels: area, corners: T_OUTLINE.map((p) => tToWorld(pose, p)) };
}

/** Pattern search on (x, y, yaw), from pixel-sized steps down to a tenth of a pixel. */
function refine(score: (p: Pose2) => number, start: Pose2, pixelM: number): { pose: Pose2; score: number } {
  let best: Pose2 = [...start];
  let bestScore = score(best);
  let step = [2 * pixelM, 2 * pixelM, 0.08];
  for (let round = 0; round < 200 && step[0] > 0.1 * pixelM; round++) {
    let improved = false;
    for (let k = 0; k < 3; k++) {
      for (const sign of [1, -1]) {
        const cand: Pose2 = [...best];
        cand[k] += sign * step[k];
        const sc = score(cand);
        if (sc > bestScore) {
          best = cand;
          bestScore = sc;
          improved = true;
        }
      }
    }
    if (!improved) step = step.map((v) => v / 2);
  }
  return { pose: best, score: bestScore };
}

/**
 * Judges a top-camera frame: the T found and fitted, heading within 10° of the goal's, centre inside the success
 * rectangle.
 */
export function judgePixels(
  rgb: Uint8Array,
  width: number,
  height: number,
  cam: CameraModel,
  planeZ: number,
  goal: readonly [number, number, number],
): PixelVerdict {
  const c = PIXEL_VERIFIER;
  const fit = fitT(rgb, width, height, cam, planeZ);
  if (!fit) {
    return { success: false, reason: "no red T in the top camera's view", fit, posError: null, angleErrorDeg: null };
  }
  if (fit.iou < c.minIou) {
    return {
      success: false,
      reason: `no T outline fits the red mask (IoU ${fit.iou.toFixed(2)} < ${c.minIou})`,
      fit,
      posError: null,
      angleErrorDeg: null,
    };
  }
  const posError: [number, number] = [fit.pose[0] - goal[0], fit.pose[1] - goal[1]];
  const angleErrorDeg = (Math.abs(angleDiff(fit.pose[2], goal[2])) * 180) / Math.PI;
  const inRect = Math.abs(posError[0]) <= c.rectHalf[0] && Math.abs(posError[1]) <= c.rectHalf[1];
  const oriented = angleErrorDeg <= c.angleTolDeg;
  const reasons: string[] = [];
  if (!oriented) reasons.push(`orientation off by ${angleErrorDeg.toFixed(1)}° (≤ ${c.angleTolDeg}° to count)`);
  if (!inRect) {
    reasons.push(
      `centre ${cm(posError[0])}, ${cm(posError[1])} cm from the goal's, outside the ±${cm(c.rectHalf[0])} × ` +
        `±${cm(c.rectHalf[1])} cm success rectangle`,
    );
  }
  return {
    success: oriented && inRect,
    reason: reasons.length ? reasons.join("; ") : null,
    fit,
    posError,
    angleErrorDeg,
  };
}

function cm(m: number): string {
  return (m * 100).toFixed(1);
}

/** a − b wrapped to (−π, π]. */
export function angleDiff(a: number, b: number): number {
  let d = (a - b) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d <= -Math.PI) d += 2 * Math.PI;
  return d;
}

/** An angle wrapped to (−π, π]. */
export function wrapAngle(a: number): number {
  return angleDiff(a, 0);
}
