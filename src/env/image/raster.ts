/**
 * A small rasteriser that paints palette labels (one byte per pixel) with the same pixel rules as the
 * reference's drawing stack: pygame 2's filled polygon, filled circle and thick line, and pymunk's
 * `draw_fat_segment` built from them. No anti-aliasing: the reference draws hard-edged shapes and only
 * blurs them when cv2 resizes the canvas, which `linearTaps` reproduces.
 *
 * Coordinates are integer pixel indices (pixel (x, y) is row y, column x, its centre at (x, y) in world px);
 * everything clips to the plane and, optionally, to a smaller rectangle.
 */

/** An 8-bit label image, row-major, top row first. A label indexes a palette chosen by the caller. */
export type LabelPlane = { readonly width: number; readonly height: number; readonly data: Uint8Array };

/** An inclusive pixel rectangle. */
export type Rect = { x0: number; y0: number; x1: number; y1: number };

/** A blank plane (every pixel label 0). */
export function createPlane(width: number, height: number): LabelPlane {
  return { width, height, data: new Uint8Array(width * height) };
}

/** Python's round(), and OpenCV's cvRound: to the nearest integer, halves to even (pymunk's `to_pygame` uses it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Paints label `value` on row y from column xa to xb inclusive (either order), clipped. */
export function fillSpan(plane: LabelPlane, y: number, xa: number, xb: number, value: number, clip?: Rect): void {
  let x0 = Math.min(xa, xb);
  let x1 = Math.max(xa, xb);
  let top = 0;
  let bottom = plane.height - 1;
  let left = 0;
  let right = plane.width - 1;
  if (clip) {
    top = Math.max(top, clip.y0);
    bottom = Math.min(bottom, clip.y1);
    left = Math.max(left, clip.x0);
    right = Math.min(right, clip.x1);
  }
  if (y < top || y > bottom) return;
  if (x0 < left) x0 = left;
  if (x1 > right) x1 = right;
  if (x0 > x1) return;
  const row = y * plane.width;
  const data = plane.data;
  // TypedArray.fill costs more than a loop for the short spans that outlines are made of
  if (x1 - x0 < 24) for (let i = row + x0; i <= row + x1; i++) data[i] = value;
  else data.fill(value, row + x0, row + x1 + 1);
}

/** Paints label `value` on column x from row ya to yb inclusive, clipped. */
function fillColumn(plane: LabelPlane, x: number, ya: number, yb: number, value: number, clip?: Rect): void {
  let left = 0;
  let right = plane.width - 1;
  let y0 = Math.max(ya, 0);
  let y1 = Math.min(yb, plane.height - 1);
  if (clip) {
    left = Math.max(left, clip.x0);
    right = Math.min(right, clip.x1);
    y0 = Math.max(y0, clip.y0);
    y1 = Math.min(y1, clip.y1);
  }
  if (x < left || x > right) return;
  const data = plane.data;
  const w = plane.width;
  for (let y = y0; y <= y1; y++) data[y * w + x] = value;
}

// Intersections of one scanline with the polygon's edges; reused so painting allocates nothing.
let scanline = new Int32Array(16);
let edgeTop = new Int32Array(16);
let edgeBottom = new Int32Array(16);
let edgeTopX = new Int32Array(16);
let edgeBottomX = new Int32Array(16);

/**
 * Fills a polygon with integer vertices by pygame 2's scanline rule (`draw_fillpoly`): each row from the top
 * vertex to the bottom one is filled between pairs of edge crossings, x found by truncating integer
 * division, the lower end of each edge excluded except on the last row; horizontal edges are drawn too.
 * Boundary pixels are included, so a square from (0,0) to (10,10) fills 11×11 pixels.
 */
export function fillPolygon(
  plane: LabelPlane,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  count: number,
  value: number,
  clip?: Rect,
): void {
  if (count < 1) return;
  let minY = ys[0];
  let maxY = ys[0];
  for (let i = 1; i < count; i++) {
    if (ys[i] < minY) minY = ys[i];
    if (ys[i] > maxY) maxY = ys[i];
  }
  if (minY === maxY) {
    let minX = xs[0];
    let maxX = xs[0];
    for (let i = 1; i < count; i++) {
      if (xs[i] < minX) minX = xs[i];
      if (xs[i] > maxX) maxX = xs[i];
    }
    fillSpan(plane, minY, minX, maxX, value, clip);
    return;
  }
  if (scanline.length < count) {
    scanline = new Int32Array(count * 2);
    edgeTop = new Int32Array(count * 2);
    edgeBottom = new Int32Array(count * 2);
    edgeTopX = new Int32Array(count * 2);
    edgeBottomX = new Int32Array(count * 2);
  }
  // each non-horizontal edge, top end first
  let edges = 0;
  for (let i = 0; i < count; i++) {
    const prev = i === 0 ? count - 1 : i - 1;
    if (ys[prev] === ys[i]) continue;
    const down = ys[prev] < ys[i];
    edgeTop[edges] = down ? ys[prev] : ys[i];
    edgeBottom[edges] = down ? ys[i] : ys[prev];
    edgeTopX[edges] = down ? xs[prev] : xs[i];
    edgeBottomX[edges] = down ? xs[i] : xs[prev];
    edges++;
  }
  const yStart = Math.max(minY, clip ? clip.y0 : 0, 0);
  const yEnd = Math.min(maxY, clip ? clip.y1 : plane.height - 1, plane.height - 1);
  for (let y = yStart; y <= yEnd; y++) {
    let n = 0;
    for (let e = 0; e < edges; e++) {
      const y1 = edgeTop[e];
      const y2 = edgeBottom[e];
      if ((y >= y1 && y < y2) || (y === maxY && y2 === maxY)) {
        const x1 = edgeTopX[e];
        scanline[n++] = Math.trunc(((y - y1) * (edgeBottomX[e] - x1)) / (y2 - y1)) + x1;
      }
    }
    // insertion sort: a convex part has two crossings, a degenerate one a handful
    for (let i = 1; i < n; i++) {
      const v = scanline[i];
      let j = i - 1;
      while (j >= 0 && scanline[j] > v) {
        scanline[j + 1] = scanline[j];
        j--;
      }
      scanline[j + 1] = v;
    }
    for (let i = 0; i + 1 < n; i += 2) fillSpan(plane, y, scanline[i], scanline[i + 1], value, clip);
  }
  for (let i = 0; i < count; i++) {
    const prev = i === 0 ? count - 1 : i - 1;
    const y = ys[i];
    if (minY < y && ys[prev] === y && y < maxY) fillSpan(plane, y, xs[i], xs[prev], value, clip);
  }
}

// Half-widths of pygame's filled circle, per radius: row y0 - t and row y0 + t - 1 (t = 1..r) span
// x0 - k[t] .. x0 + k[t] - 1, so the disc is centred half a pixel up and left of (x0, y0).
const circleTables = new Map<number, Int32Array>();

function circleHalfWidths(radius: number): Int32Array {
  const cached = circleTables.get(radius);
  if (cached) return cached;
  const k = new Int32Array(radius + 2);
  // pygame 2's `draw_circle_filled` midpoint recurrence, recording the widest span drawn on each row
  let f = 1 - radius;
  let ddFx = 0;
  let ddFy = -2 * radius;
  let x = 0;
  let y = radius;
  while (x < y) {
    if (f >= 0) {
      y--;
      ddFy += 2;
      f += ddFy;
    }
    x++;
    ddFx += 2;
    f += ddFx + 1;
    if (f >= 0 && x > k[y]) k[y] = x;
    if (y > k[x]) k[x] = y;
  }
  circleTables.set(radius, k);
  return k;
}

/** Fills a disc the way pygame 2's `draw.circle(surface, color, (x0, y0), radius)` does (integer centre). */
export function fillCircle(
  plane: LabelPlane,
  x0: number,
  y0: number,
  radius: number,
  value: number,
  clip?: Rect,
): void {
  if (radius < 1) return;
  const k = circleHalfWidths(radius);
  for (let t = 1; t <= radius; t++) {
    const half = k[t];
    if (half === 0) continue;
    fillSpan(plane, y0 - t, x0 - half, x0 + half - 1, value, clip);
    fillSpan(plane, y0 + t - 1, x0 - half, x0 + half - 1, value, clip);
  }
}

/**
 * A thick line between integer points as pygame 2's `draw_line_width` paints it: a Bresenham walk from the
 * first point to the second, both included, with a span of `width` pixels at each step, horizontal when the
 * line is steep (|dx| <= |dy|), vertical otherwise; the span runs from -(width-1)/2 to +width/2 (integer halves).
 */
export function thickLine(
  plane: LabelPlane,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  width: number,
  value: number,
  clip?: Rect,
): void {
  if (width < 1) return;
  const steep = Math.abs(x1 - x2) <= Math.abs(y1 - y2);
  const before = (width - 1) >> 1;
  const after = width >> 1;
  const dx = Math.abs(x2 - x1);
  const dy = Math.abs(y2 - y1);
  const sx = x1 < x2 ? 1 : -1;
  const sy = y1 < y2 ? 1 : -1;
  let err = Math.trunc((dx > dy ? dx : -dy) / 2);
  let x = x1;
  let y = y1;
  for (;;) {
    if (steep) fillSpan(plane, y, x - before, x + after, value, clip);
    else fillColumn(plane, x, y - before, y + after, value, clip);
    if (x === x2 && y === y2) break;
    const e2 = err;
    if (e2 > -dx) {
      err -= dy;
      x += sx;
    }
    if (e2 < dy) {
      err += dx;
      y += sy;
    }
  }
}

const quadX = new Int32Array(4);
const quadY = new Int32Array(4);

/**
 * A segment of the given radius as pymunk's pygame `draw_fat_segment` paints it: the end points rounded to
 * pixels, a thick line of width round(2·radius), and (when that is over 2) a quad offset by `orthog` plus
 * discs of round(radius) at both ends. `orthog` keeps pymunk's absolute values, so for edges running
 * down-right or up-left it lies along the edge rather than across it; the picture depends on that.
 */
export function fatSegment(
  plane: LabelPlane,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  radius: number,
  value: number,
  clip?: Rect,
): void {
  const x1 = pyRound(ax);
  const y1 = pyRound(ay);
  const x2 = pyRound(bx);
  const y2 = pyRound(by);
  const width = pyRound(Math.max(1, radius * 2));
  thickLine(plane, x1, y1, x2, y2, width, value, clip);
  if (width <= 2) return;
  let ox = Math.abs(y2 - y1);
  let oy = Math.abs(x2 - x1);
  if (ox === 0 && oy === 0) return;
  const scale = radius / Math.sqrt(ox * ox + oy * oy);
  ox = pyRound(ox * scale);
  oy = pyRound(oy * scale);
  quadX[0] = x1 - ox;
  quadY[0] = y1 - oy;
  quadX[1] = x1 + ox;
  quadY[1] = y1 + oy;
  quadX[2] = x2 + ox;
  quadY[2] = y2 + oy;
  quadX[3] = x2 - ox;
  quadY[3] = y2 - oy;
  fillPolygon(plane, quadX, quadY, 4, value, clip);
  const r = pyRound(radius);
  fillCircle(plane, x1, y1, r, value, clip);
  fillCircle(plane, x2, y2, r, value, clip);
}

/**
 * Sampling positions and fixed-point weights of OpenCV's `cv2.resize(..., INTER_LINEAR)` along one axis:
 * destination pixel d reads source pixels `lo[d]` and `hi[d]` with weights `w0[d] + w1[d]` ≈ 2048, where
 * the source position is (d + 0.5)·src/dst − 0.5 (no area averaging when shrinking), clamped at the edges.
 */
export type LinearTaps = {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
};

/**
 * The taps for resizing `srcSize` pixels to `dstSize` along one axis, as OpenCV computes them.
 *
 * @example
 * const taps = linearTaps(512, 96); // taps.lo[0] = 2, taps.w1[0] = 341: pixel 0 reads 2.1667
 */
export function linearTaps(srcSize: number, dstSize: number): LinearTaps {
  const lo = new Int32Array(dstSize);
  const hi = new Int32Array(dstSize);
  const w0 = new Int32Array(dstSize);
  const w1 = new Int32Array(dstSize);
  const scale = 1 / (dstSize / srcSize);
  for (let d = 0; d < dstSize; d++) {
    // OpenCV computes the position in double, then keeps it as float
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= srcSize - 1) {
      s = srcSize - 1;
      f = 0;
    }
    lo[d] = s;
    hi[d] = Math.min(s + 1, srcSize - 1);
    w0[d] = pyRound(Math.fround(Math.fround(1 - f) * 2048));
    w1[d] = pyRound(Math.fround(f * 2048));
  }
  return { lo, hi, w0, w1 };
}

/**
 * One channel of OpenCV's 8-bit bilinear blend with x weights (a0, a1) and y weights (b0, b1): a horizontal
 * pass in exact integers, then the vertical pass as its SIMD path rounds it, ((h>>4)·b >> 16) summed, (+2) >> 2.
 */
export function blendLinear(
  c00: number,
  c01: number,
  c10: number,
  c11: number,
  a0: number,
  a1: number,
  b0: number,
  b1: number,
): number {
  const h0 = c00 * a0 + c01 * a1;
  const h1 = c10 * a0 + c11 * a1;
  const v = (((h0 >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16);
  return Math.min(255, (v + 2) >> 2); // never negative: colours and weights are not
}
