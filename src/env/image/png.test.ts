import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { InvalidInputError } from "../../core/errors.js";
import { renderPushT } from "../tasks/pusht/render.js";
import { crc32, decodePng, encodePng } from "./png.js";

const run = promisify(execFile);

/** A picture with detail in every channel: a gradient, and a rendered Push-T scene. */
function gradient(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgb.set([x * 7, y * 11, (x * y) & 255], (y * width + x) * 3);
  }
  return rgb;
}

test("crc32 gives the standard check value and agrees with zlib's", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const bytes = gradient(17, 9);
  if ("crc32" in zlib) assert.equal(crc32(bytes), (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(bytes));
});

test("encode then decode gives back the same pixels", () => {
  for (const [w, h] of [
    [1, 1],
    [5, 3],
    [96, 96],
  ]) {
    const rgb = gradient(w, h);
    const decoded = decodePng(encodePng(rgb, w, h));
    assert.deepEqual(decoded, { width: w, height: h, rgb });
  }
  const frame = renderPushT({ agent: [256, 400], block: [256, 300, 0.5] }, 512);
  const file = encodePng(frame, 512, 512);
  assert.deepEqual(decodePng(file).rgb, frame);
  assert.ok(file.length < 20_000, `a flat-coloured 512 px render compresses well; got ${file.length} bytes`);
});

test("the file starts with the PNG signature and an RGB IHDR", () => {
  const file = encodePng(gradient(3, 2), 3, 2);
  assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(file.toString("latin1", 12, 16), "IHDR");
  assert.deepEqual([file.readUInt32BE(16), file.readUInt32BE(20), file[24], file[25]], [3, 2, 8, 2]);
  assert.equal(file.toString("latin1", file.length - 8, file.length - 4), "IEND");
});

test("a corrupted chunk and a wrong-sized image are refused", () => {
  const file = encodePng(gradient(4, 4), 4, 4);
  file[40] ^= 0xff;
  assert.throws(() => decodePng(file), /bad CRC/);
  assert.throws(() => encodePng(new Uint8Array(10), 2, 2), InvalidInputError);
  assert.throws(() => encodePng(new Uint8Array(0), 0, 2), /positive integer width and height; got 0x2/);
});

test("ffmpeg decodes the file to the same pixels", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "enpire-png-"));
  try {
    const rgb = renderPushT({ agent: [300, 330], block: [223, 381.6, 3.008] }, 96);
    const path = join(dir, "frame.png");
    await writeFile(path, encodePng(rgb, 96, 96));
    let decoded: Buffer;
    try {
      const args = ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"];
      decoded = (await run("ffmpeg", args, { encoding: "buffer" })).stdout;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return t.skip("ffmpeg is not installed");
      throw error;
    }
    assert.deepEqual(new Uint8Array(decoded), rgb);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
