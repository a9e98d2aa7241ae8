/**
 * Pixel tools a verifier written from pixels and proprioception uses: colour masks, a 3×3 dilation, the pixels of
 * a mask cast into the world through the frame's depth and camera model (OpenCV intrinsics, camera-to-world
 * extrinsics: env/mujoco/render/README.md), and reading a named element of the proprioception.
 * Pure functions on plain data, no imports, so a verifier file that imports them bundles into its sandbox.
 */

/** What these tools need of a frame (core/snapshot.ts SnapshotFrame has it). */
export interface FrameLike {
  width: number;
  height: number;
  rgb: Uint8Array;
  depth: Float32Array | null;
  intrinsics: { fx: number; fy: number; cx: number; cy: number };
  extrinsics: { position: readonly number[]; rotation: readonly number[] };
}

export type Point3 = [number, number, number];

/** 1 where `test(r, g, b)` holds. */
export function colourMask(f: FrameLike, test: (r: number, g: number, b: number) => boolean): Uint8Array {
  const n = f.width * f.height;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (test(f.rgb[3 * i], f.rgb[3 * i + 1], f.rgb[3 * i + 2])) mask[i] = 1;
  return mask;
}

/** Whether an RGB colour is within `tol` (per channel, 0..255) of a reference colour given as 0..1 fractions. */
export function near(r: number, g: number, b: number, ref: readonly number[], tol: number): boolean {
  return Math.abs(r - 255 * ref[0]) <= tol && Math.abs(g - 255 * ref[1]) <= tol && Math.abs(b - 255 * ref[2]) <= tol;
}

/** A 3×3 dilation of a mask. */
export function dilate(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < width && yy < height) out[yy * width + xx] = 1;
        }
      }
    }
  }
  return out;
}

/** The world point seen at pixel (col, row), from the frame's depth; null where nothing was seen. */
export function backProject(f: FrameLike, col: number, row: number): Point3 | null {
  if (!f.depth) return null;
  const z = f.depth[row * f.width + col];
  if (!Number.isFinite(z) || z <= 0) return null;
  const { fx, fy, cx, cy } = f.intrinsics;
  const X = ((col - cx) / fx) * z;
  const Y = ((row - cy) / fy) * z;
  const R = f.extrinsics.rotation;
  const p = f.extrinsics.position;
  return [
    p[0] + R[0] * X + R[1] * Y + R[2] * z,
    p[1] + R[3] * X + R[4] * Y + R[5] * z,
    p[2] + R[6] * X + R[7] * Y + R[8] * z,
  ];
}

/** Every masked pixel's world point (pixels without depth are skipped). */
export function worldPoints(f: FrameLike, mask: Uint8Array): Point3[] {
  const out: Point3[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const p = backProject(f, i % f.width, Math.floor(i / f.width));
    if (p) out.push(p);
  }
  return out;
}

/** The value of a named proprioception element; throws naming the ones there are when it is missing. */
export function proprioValue(s: { proprio: readonly number[]; proprioNames: readonly string[] }, name: string): number {
  const i = s.proprioNames.indexOf(name);
  if (i < 0) throw new Error(`no proprioception element "${name}"; there are: ${s.proprioNames.join(", ")}`);
  return s.proprio[i];
}

/** The q-quantile (0..1) of numbers, or null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
