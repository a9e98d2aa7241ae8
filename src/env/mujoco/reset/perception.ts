/**
 * Perception for the procedural resets, on pixels only: a camera's RGB and depth (never the segmentation ids, which
 * are privileged). `ObjectLocator` is the small interface the reset scripts call; `colourLocator` is the built-in
 * one (a colour mask, back-projected through depth and the camera model to world points, kept inside a world box),
 * and the place to plug in the station tools' segmenter (env/mujoco/tools) once it exists.
 */
import type { RenderResult } from "../render/index.js";
import type { Vec3 } from "../scene.js";

/** What to look for: a colour range (0-255 per channel) inside a world box (m). */
export interface ObjectQuery {
  label: string; // for messages, e.g. "pin"
  rgbLow: Vec3;
  rgbHigh: Vec3;
  region: { low: Vec3; high: Vec3 };
  minPixels: number; // fewer matching pixels than this is "not seen"
}

/** An object seen: its world points and their summary. */
export interface Sighting {
  points: Vec3[]; // m, world, one per matching pixel
  centroid: Vec3; // m
  top: number; // m, highest point's z
  axis: [number, number]; // unit, the points' principal horizontal direction
  along: [number, number]; // m, the points' extent along `axis` around the centroid (min, max)
}

export interface ObjectLocator {
  locate(query: ObjectQuery): Sighting | null;
}

/** The built-in locator: one RGB-D frame of `camera` at `size` px per call, a colour mask, back-projection. */
export function colourLocator(
  frame: (camera: string, size: number) => RenderResult,
  camera = "top",
  size = 256,
): ObjectLocator {
  return {
    locate(query) {
      const f = frame(camera, size);
      if (!f.rgb || !f.depth) throw new Error("colourLocator needs RGB and depth frames");
      const { fx, fy, cx, cy } = f.intrinsics;
      const R = f.extrinsics.rotation;
      const P = f.extrinsics.position;
      const points: Vec3[] = [];
      const { low, high } = query.region;
      for (let v = 0; v < size; v++) {
        for (let u = 0; u < size; u++) {
          const i = v * size + u;
          const r = f.rgb[3 * i];
          const g = f.rgb[3 * i + 1];
          const b = f.rgb[3 * i + 2];
          if (r < query.rgbLow[0] || g < query.rgbLow[1] || b < query.rgbLow[2]) continue;
          if (r > query.rgbHigh[0] || g > query.rgbHigh[1] || b > query.rgbHigh[2]) continue;
          const d = f.depth[i];
          if (!Number.isFinite(d)) continue;
          const xc = ((u - cx) / fx) * d;
          const yc = ((v - cy) / fy) * d;
          const w: Vec3 = [
            P[0] + R[0] * xc + R[1] * yc + R[2] * d,
            P[1] + R[3] * xc + R[4] * yc + R[5] * d,
            P[2] + R[6] * xc + R[7] * yc + R[8] * d,
          ];
          if (w[0] < low[0] || w[1] < low[1] || w[2] < low[2]) continue;
          if (w[0] > high[0] || w[1] > high[1] || w[2] > high[2]) continue;
          points.push(w);
        }
      }
      if (points.length < query.minPixels) return null;
      return summarise(points);
    },
  };
}

/** Centroid, top, principal horizontal axis and extent of world points. */
export function summarise(points: Vec3[]): Sighting {
  const n = points.length;
  const c: Vec3 = [0, 0, 0];
  let top = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    c[0] += p[0] / n;
    c[1] += p[1] / n;
    c[2] += p[2] / n;
    top = Math.max(top, p[2]);
  }
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    const dx = p[0] - c[0];
    const dy = p[1] - c[1];
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const axis: [number, number] = [Math.cos(theta), Math.sin(theta)];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    const s = (p[0] - c[0]) * axis[0] + (p[1] - c[1]) * axis[1];
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  return { points, centroid: c, top, axis, along: [lo, hi] };
}
