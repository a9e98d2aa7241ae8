/**
 * Perception for the procedural resets, on pixels only, through the station's own tools: the segmenter of
 * env/mujoco/tools (segmentAllIn: the built-in detector on RGB, or an HTTP /segment_all service) finds the object by
 * name in a camera's frame, and its mask is back-projected through depth and the camera model to world points, kept
 * inside a world box. Never the segmentation ids, which are privileged. `ObjectLocator` is the small interface the
 * reset scripts call; tests may hand a task another one.
 */
import type { ArmEnv } from "../arm-env.js";
import type { Vec3 } from "../scene.js";
import { pixelToWorld, segmentAllIn } from "../tools/segment.js";

/** What to look for: a name the station's segmenter knows (tools/vocabulary.ts) inside a world box (m). */
export interface ObjectQuery {
  label: string; // the segmenter's query and the name in messages, e.g. "pin"
  region: { low: Vec3; high: Vec3 };
  minPixels: number; // a detection with fewer pixels than this inside the box is "not seen"
}

/** An object seen: its world points and their summary. */
export interface Sighting {
  points: Vec3[]; // m, world, one per mask pixel
  centroid: Vec3; // m
  top: number; // m, highest point's z
  axis: [number, number]; // unit, the points' principal horizontal direction
  along: [number, number]; // m, the points' extent along `axis` around the centroid (min, max)
}

export interface ObjectLocator {
  locate(query: ObjectQuery): Sighting | null;
}

/**
 * The station's locator: one RGB-D frame of `camera` at `size` px per call, segmented by the station's tools; the
 * best-ranked detection with at least `minPixels` points inside the query's box is the object.
 */
export function toolLocator(env: ArmEnv, camera = "top", size = 256): ObjectLocator {
  return {
    locate(query) {
      const seen = segmentAllIn(env, { query: query.label, camera, size });
      const depth = seen.frame.depth;
      if (!depth) throw new Error("the segmenter's frame has no depth");
      const { low, high } = query.region;
      for (const d of seen.detections) {
        const points: Vec3[] = [];
        for (let i = 0; i < d.maskBytes.length; i++) {
          if (!d.maskBytes[i] || !Number.isFinite(depth[i])) continue;
          const w = pixelToWorld(seen.frame, i % size, Math.floor(i / size), depth[i]);
          if (w[0] < low[0] || w[1] < low[1] || w[2] < low[2]) continue;
          if (w[0] > high[0] || w[1] > high[1] || w[2] > high[2]) continue;
          points.push(w);
        }
        if (points.length >= query.minPixels) return summarise(points);
      }
      return null;
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
