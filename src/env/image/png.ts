/**
 * PNG files for pictures a person looks at (saved frames, renders): 8-bit RGB, no interlace, deflate from
 * node:zlib, CRC-32 from a small table here. `decodePng` reads back what `encodePng` writes (and any 8-bit
 * RGB or RGBA PNG without interlace), for checks.
 */

import { deflateSync, inflateSync } from "node:zlib";
import { InvalidInputError } from "../../core/errors.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), one table entry per byte value.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of the bytes, as PNG chunks and zip use it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

/**
 * A PNG file of an RGB image (width·height·3 bytes, row-major, top row first).
 *
 * @example
 * writeFileSync("/tmp/frame.png", encodePng(renderPushT(scene, 512), 512, 512));
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidInputError(`a PNG needs positive integer width and height; got ${width}x${height}`);
  }
  const stride = width * 3;
  if (rgb.length !== stride * height) {
    throw new InvalidInputError(`an RGB image of ${width}x${height} holds ${stride * height} bytes; got ${rgb.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // bytes 10..12: deflate, adaptive filtering, no interlace
  // filter type 1 (Sub) on every row: the flat areas of rendered pictures become zeros, which deflate well
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const src = y * stride;
    const dst = y * (stride + 1);
    filtered[dst] = 1;
    for (let i = 0; i < stride; i++) {
      filtered[dst + 1 + i] = (rgb[src + i] - (i >= 3 ? rgb[src + i - 3] : 0)) & 0xff;
    }
  }
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(filtered, { level: 9 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** A decoded PNG: RGB bytes, row-major, top row first (alpha, if any, dropped). */
export type DecodedPng = { width: number; height: number; rgb: Uint8Array };

/** Reads an 8-bit RGB or RGBA PNG without interlace, checking every chunk's CRC. */
export function decodePng(file: Uint8Array): DecodedPng {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) {
    throw new InvalidInputError("not a PNG file: the 8-byte signature is missing");
  }
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  let at = 8;
  while (at + 12 <= buf.length) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    const end = at + 8 + length;
    if (end + 4 > buf.length) throw new InvalidInputError(`PNG chunk ${type} runs past the end of the file`);
    if (crc32(buf, at + 4, end) !== buf.readUInt32BE(end)) {
      throw new InvalidInputError(`PNG chunk ${type} at byte ${at} has a bad CRC`);
    }
    const data = buf.subarray(at + 8, end);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) {
        throw new InvalidInputError(
          `decodePng reads 8-bit RGB/RGBA without interlace; got depth ${depth}, colour type ${colour}, interlace ${interlace}`,
        );
      }
      channels = colour === 2 ? 3 : 4;
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    at = end + 4;
  }
  if (channels === 0) throw new InvalidInputError("PNG file has no IHDR chunk");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) {
    throw new InvalidInputError(
      `PNG image data holds ${raw.length} bytes; ${width}x${height} needs ${(stride + 1) * height}`,
    );
  }
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[dst + i - channels] : 0;
      const b = y > 0 ? pixels[dst - stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[dst - stride + i - channels] : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new InvalidInputError(`PNG row ${y} has unknown filter type ${filter}`);
      }
      pixels[dst + i] = (raw[src + i] + predictor) & 0xff;
    }
  }
  if (channels === 3) return { width, height, rgb: pixels };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) rgb.set(pixels.subarray(p * 4, p * 4 + 3), p * 3);
  return { width, height, rgb };
}
