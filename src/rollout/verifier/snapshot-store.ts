/**
 * Labelled snapshots on disk: `<store>/verifiers/<task>/<set>/<split>/<id>/` holds `snapshot.json` (SnapshotMeta:
 * label, origin, proprioception, camera models), `<camera>.png` (8-bit RGB, env/image/png.ts) and
 * `<camera>.depth.png` (16-bit grey PNG, depth in units of 0.1 mm, 0 where nothing was seen; up to 6.55 m).
 * About 15-25 kB per camera at 128 px. Written to a hidden directory and renamed into place, so a crash never
 * leaves half a snapshot.
 */
import fs from "node:fs";
import path from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import { InvalidInputError } from "../../core/errors.js";
import {
  type LabelledSnapshot,
  type SnapshotFrame,
  type SnapshotMeta,
  SnapshotMetaSchema,
} from "../../core/snapshot.js";
import { crc32, decodePng, encodePng } from "../../env/image/png.js";

export const DEPTH_UNIT_M = 0.0001; // m per step of the 16-bit depth PNG
export type Split = "train" | "heldout";
export const SPLITS: readonly Split[] = ["train", "heldout"];

/** The folder of a task's snapshot set. */
export function setDir(storeRoot: string, taskId: string, set: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(set)) throw new InvalidInputError(`set name "${set}" may hold only A-Z a-z 0-9 _ . -`);
  return path.join(storeRoot, "verifiers", taskId, set);
}

/** A snapshot's folder name: policy, seed, step (unique within a set). */
export function snapshotId(s: LabelledSnapshot): string {
  const policy = s.origin.policy.replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${policy}-seed-${s.origin.seed}-step-${String(s.origin.step).padStart(4, "0")}`;
}

/** Writes one snapshot into `dir/<id>/`; returns that folder. Refuses to overwrite one already there. */
export function writeSnapshot(dir: string, s: LabelledSnapshot): string {
  const id = snapshotId(s);
  const final = path.join(dir, id);
  if (fs.existsSync(final)) throw new InvalidInputError(`snapshot ${final} exists already; record into a new --set`);
  const tmp = path.join(dir, `.tmp-${id}-${process.pid}`);
  fs.mkdirSync(tmp, { recursive: true });
  const cameras: SnapshotMeta["cameras"] = [];
  for (const [name, f] of Object.entries(s.cameras)) {
    fs.writeFileSync(path.join(tmp, `${name}.png`), encodePng(f.rgb, f.width, f.height));
    if (f.depth) fs.writeFileSync(path.join(tmp, `${name}.depth.png`), encodeDepthPng(f.depth, f.width, f.height));
    cameras.push({
      name,
      width: f.width,
      height: f.height,
      intrinsics: f.intrinsics,
      extrinsics: f.extrinsics,
      rgb: `${name}.png`,
      depth: f.depth ? `${name}.depth.png` : null,
    });
  }
  const meta: SnapshotMeta = {
    schema: "enpire.snapshot/1",
    task: s.task,
    origin: s.origin,
    label: s.label,
    cameras,
    proprio: s.proprio,
    proprioNames: s.proprioNames,
  };
  fs.writeFileSync(path.join(tmp, "snapshot.json"), `${JSON.stringify(meta, null, 1)}\n`);
  fs.renameSync(tmp, final);
  return final;
}

/** Reads a snapshot folder back (depth to the 0.1 mm it was stored with). */
export function readSnapshot(dir: string): LabelledSnapshot {
  const file = path.join(dir, "snapshot.json");
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new InvalidInputError(`cannot read snapshot ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = SnapshotMetaSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`snapshot ${file} is malformed: ${parsed.error.message}`);
  const meta = parsed.data;
  const cameras: Record<string, SnapshotFrame> = {};
  for (const c of meta.cameras) {
    const png = decodePng(fs.readFileSync(path.join(dir, c.rgb)));
    if (png.width !== c.width || png.height !== c.height) {
      throw new InvalidInputError(
        `${c.rgb} in ${dir} is ${png.width}×${png.height}, snapshot.json says ${c.width}×${c.height}`,
      );
    }
    cameras[c.name] = {
      width: c.width,
      height: c.height,
      rgb: png.rgb,
      depth: c.depth ? decodeDepthPng(fs.readFileSync(path.join(dir, c.depth)), c.width, c.height) : null,
      intrinsics: c.intrinsics,
      extrinsics: c.extrinsics,
    };
  }
  return {
    task: meta.task,
    cameras,
    proprio: meta.proprio,
    proprioNames: meta.proprioNames,
    label: meta.label,
    origin: meta.origin,
  };
}

/** The snapshot folders of one split of a set, sorted by name. */
export function listSnapshots(dir: string, split: Split): string[] {
  const d = path.join(dir, split);
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => path.join(d, e.name))
    .sort();
}

// 16-bit grey PNG (colour type 0, bit depth 16, big-endian samples, filter None) ------------------------------------

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

/** Depth in m (Infinity = nothing seen) as a 16-bit grey PNG in 0.1 mm steps; 0 = nothing seen or beyond 6.55 m. */
export function encodeDepthPng(depth: Float32Array, width: number, height: number): Buffer {
  if (depth.length !== width * height)
    throw new InvalidInputError(`depth of ${width}×${height} needs ${width * height} values`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 16; // bit depth
  header[9] = 0; // grey
  const rows = Buffer.alloc((2 * width + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (2 * width + 1);
    rows[at] = 0; // filter None
    for (let x = 0; x < width; x++) {
      const d = depth[y * width + x];
      const v = Number.isFinite(d) && d > 0 ? Math.round(d / DEPTH_UNIT_M) : 0;
      rows.writeUInt16BE(v > 0xffff ? 0 : v, at + 1 + 2 * x);
    }
  }
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 6 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Reads what encodeDepthPng wrote: depth in m, Infinity where nothing was seen. */
export function decodeDepthPng(file: Uint8Array, width: number, height: number): Float32Array {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new InvalidInputError("depth file is not a PNG");
  const idat: Buffer[] = [];
  let at = 8;
  while (at + 12 <= buf.length) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (type === "IHDR" && (data.readUInt32BE(0) !== width || data.readUInt32BE(4) !== height || data[8] !== 16)) {
      throw new InvalidInputError(`depth PNG is not a ${width}×${height} 16-bit image`);
    }
    if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * (2 * width + 1);
    if (rows[row] !== 0) throw new InvalidInputError(`depth PNG row ${y} uses filter ${rows[row]}; only None is read`);
    for (let x = 0; x < width; x++) {
      const v = rows.readUInt16BE(row + 1 + 2 * x);
      out[y * width + x] = v === 0 ? Number.POSITIVE_INFINITY : v * DEPTH_UNIT_M;
    }
  }
  return out;
}
