/**
 * NumPy .npy files for 2-D masks, as the paper's /segment_all detector service sends them (base64 of `np.save`):
 * `writeNpyMask` writes a bool (`|b1`) or uint8 (`|u1`) array, C order, format version 1.0; `readNpyMask` reads
 * versions 1-3 of bool or 1-byte integer arrays of 2 dimensions (C or Fortran order) into a row-major Uint8Array.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** A 2-D mask: `height` rows of `width` bytes, row-major; non-zero is inside. */
export interface NpyMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The .npy bytes of a mask. */
export function writeNpyMask(mask: NpyMask, dtype: "bool" | "uint8" = "bool"): Uint8Array {
  const { width, height, data } = mask;
  if (data.length !== width * height) throw new Error(`mask has ${data.length} bytes, not ${width} × ${height}`);
  const descr = dtype === "bool" ? "|b1" : "|u1";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${height}, ${width}), }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += `${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = out.subarray(10 + header.length);
  for (let i = 0; i < data.length; i++) body[i] = dtype === "bool" ? (data[i] ? 1 : 0) : data[i];
  return out;
}

/** A mask from .npy bytes; throws an Error saying what is wrong with anything else. */
export function readNpyMask(bytes: Uint8Array): NpyMask {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error("not a .npy file (bad magic)");
  const major = bytes[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
    start = 12;
  } else throw new Error(`unsupported .npy version ${major}`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] === "True";
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`unreadable .npy header: ${header.trim()}`);
  if (!["|b1", "|u1", "<u1", ">u1", "|i1", "<i1", ">i1"].includes(descr))
    throw new Error(`a mask must be bool or uint8, got dtype ${descr}`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`a mask must be 2-D, got shape (${shapeText})`);
  const [height, width] = shape;
  const body = bytes.subarray(start + headerLen);
  if (body.length < width * height) throw new Error(`.npy data has ${body.length} bytes, needs ${width * height}`);
  const data = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      data[r * width + c] = body[fortran ? c * height + r : r * width + c] ? 1 : 0;
    }
  }
  return { width, height, data };
}
