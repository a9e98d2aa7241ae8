/**
 * The z-buffered triangle fill under the MuJoCo renderer: one frame's buffers and `fillTriangle`.
 *
 * Screen coordinates are continuous pixels, x right and y down, with pixel (col, row) covering [col, col+1) ×
 * [row, row+1) and sampled at its centre. Each vertex carries w = 1 / depth, which is affine in screen space, so
 * interpolating it is exact and the nearest surface is the one with the largest w. The buffers start at
 * w = 1 / far, so anything beyond the far plane never lands. A pixel is covered when its centre lies inside or on
 * all three edges; each row's covered span is solved from the edges rather than tested pixel by pixel, with a hair
 * of slack so a centre on a shared edge goes to both triangles (the depth test settles it) and never to neither.
 */

/** Fraction of a pixel by which a span may reach past an edge (absorbs rounding on shared edges). */
const SLACK = 1e-7;

/** One frame's working buffers, kept and reused while the size stays the same. */
export class FrameBuffers {
  readonly invDepth: Float32Array; // 1 / depth in metres of the nearest surface so far
  readonly colour: Uint32Array; // packed 0x00BBGGRR of that surface
  readonly id: Int32Array; // its geom id, -1 where nothing

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = width * height;
    this.invDepth = new Float32Array(n);
    this.colour = new Uint32Array(n);
    this.id = new Int32Array(n);
  }

  /** Clears to the background: colour `background`, no geom, nothing nearer than `far` metres. */
  clear(background: number, far: number): void {
    this.invDepth.fill(1 / far);
    this.colour.fill(background);
    this.id.fill(-1);
  }
}

/**
 * Fills one triangle given in screen coordinates (x, y) with w = 1 / depth at each vertex, in either winding.
 * Pixels where it is nearer than what is there take `colour` and `id`.
 */
export function fillTriangle(
  fb: FrameBuffers,
  x0: number,
  y0: number,
  w0: number,
  x1: number,
  y1: number,
  w1: number,
  x2: number,
  y2: number,
  w2: number,
  colour: number,
  id: number,
): void {
  let area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
  if (area === 0 || !Number.isFinite(area)) return;
  if (area < 0) {
    // make the winding positive so that "inside" is e >= 0 on every edge
    let t = x1;
    x1 = x2;
    x2 = t;
    t = y1;
    y1 = y2;
    y2 = t;
    t = w1;
    w1 = w2;
    w2 = t;
    area = -area;
  }
  const width = fb.width;
  const xMin = Math.max(0, Math.floor(Math.min(x0, x1, x2)));
  const xMax = Math.min(width - 1, Math.ceil(Math.max(x0, x1, x2)));
  const yMin = Math.max(0, Math.floor(Math.min(y0, y1, y2)));
  const yMax = Math.min(fb.height - 1, Math.ceil(Math.max(y0, y1, y2)));
  if (xMin > xMax || yMin > yMax) return;

  // edge functions, each zero on one edge and equal to `area` at the opposite vertex
  const a0 = y1 - y2; // e0: edge 1→2, weight of vertex 0
  const b0 = x2 - x1;
  const a1 = y2 - y0; // e1: edge 2→0, weight of vertex 1
  const b1 = x0 - x2;
  const a2 = y0 - y1; // e2: edge 0→1, weight of vertex 2
  const b2 = x1 - x0;
  const px = xMin + 0.5;
  const py = yMin + 0.5;
  let r0 = (px - x1) * a0 + (py - y1) * b0;
  let r1 = (px - x2) * a1 + (py - y2) * b1;
  let r2 = (px - x0) * a2 + (py - y0) * b2;
  const inv = 1 / area;
  const dw = (a0 * w0 + a1 * w1 + a2 * w2) * inv; // change of w per pixel to the right
  const invDepth = fb.invDepth;
  const colours = fb.colour;
  const ids = fb.id;

  for (let y = yMin; y <= yMax; y++) {
    // the row's covered span, solved from the three edges (e + a·k ≥ 0 for k pixels right of xMin), with a
    // hair of slack so that a pixel centre on a shared edge goes to both triangles rather than to neither
    let lo = 0;
    let hi = xMax - xMin;
    if (a0 > 0) lo = Math.max(lo, Math.ceil(-r0 / a0 - SLACK));
    else if (a0 < 0) hi = Math.min(hi, Math.floor(r0 / -a0 + SLACK));
    else if (r0 < 0) hi = -1;
    if (a1 > 0) lo = Math.max(lo, Math.ceil(-r1 / a1 - SLACK));
    else if (a1 < 0) hi = Math.min(hi, Math.floor(r1 / -a1 + SLACK));
    else if (r1 < 0) hi = -1;
    if (a2 > 0) lo = Math.max(lo, Math.ceil(-r2 / a2 - SLACK));
    else if (a2 < 0) hi = Math.min(hi, Math.floor(r2 / -a2 + SLACK));
    else if (r2 < 0) hi = -1;
    let w = (r0 * w0 + r1 * w1 + r2 * w2) * inv + lo * dw;
    const rowStart = y * width + xMin;
    for (let i = rowStart + lo, end = rowStart + hi; i <= end; i++) {
      if (w > invDepth[i]) {
        invDepth[i] = w;
        colours[i] = colour;
        ids[i] = id;
      }
      w += dw;
    }
    r0 += b0;
    r1 += b1;
    r2 += b2;
  }
}
