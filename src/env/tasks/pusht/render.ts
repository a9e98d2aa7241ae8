/**
 * Push-T pictures, drawn as the reference draws them (gym-pusht 0.1.5 / Diffusion Policy PushTEnv).
 *
 * Canvas    512×512 px, y down: white; the goal T (LightGreen) at GOAL_POSE; the block T filled (143,163,184)
 *           with a radius-2 (119,136,153) outline round each of its two parts; the agent disc, radius 15 RoyalBlue
 *           with a radius-11 (78,126,255) centre; the walls, radius-2 LightGray segments, drawn last. Shapes use
 *           pygame 2's pixel rules on vertices rounded to whole pixels (raster.ts). The agent is drawn over the
 *           block, as the reference's shape order puts it.
 * Size 96   the observation: `cv2.resize(canvas, (96, 96))`, bilinear, source position (d + 0.5)·512/96 − 0.5,
 *           OpenCV's fixed-point weights. Leave `action` out for observations: the reference's have no cross.
 * Others    any size (256, 512, 680 for videos) is the same resize of the same canvas; when `scene.action` is
 *           given a red cross marks the commanded target, sized as the reference's 680 px render() sizes it.
 * Not drawn the short red contact-point marks pymunk's debug draw adds where bodies touch (a pixel or two at 96).
 *
 * Speed: the static layers are resampled once per size and cached; a frame repaints only the rectangle that
 * the block and agent cover, and allocates nothing when `out` is passed.
 */

import { InvalidInputError } from "../../../core/errors.js";
import {
  blendLinear,
  createPlane,
  fatSegment,
  fillCircle,
  fillPolygon,
  fillSpan,
  type LabelPlane,
  type LinearTaps,
  linearTaps,
  pyRound,
  type Rect,
} from "../../image/raster.js";
import { AGENT_RADIUS, ARENA_SIZE, COLORS, GOAL_POSE, T_PARTS, WALL_RADIUS, WALLS } from "./geometry.js";

/** What a picture shows: agent centre (px), block pose (body origin px, angle rad), optional commanded target. */
export type PushTScene = {
  agent: readonly [number, number];
  block: readonly [number, number, number];
  action?: readonly [number, number] | null;
};

/** Palette labels of the 512 canvas, in drawing order. */
const WHITE = 0;
const GOAL = 1;
const BLOCK_FILL = 2;
const BLOCK_OUTLINE = 3;
const AGENT = 4;
const AGENT_INNER = 5;
const WALL = 6;

const PALETTE: readonly (readonly [number, number, number])[] = [
  COLORS.background,
  COLORS.goal,
  COLORS.blockFill,
  COLORS.blockOutline,
  COLORS.agent,
  COLORS.agentInner,
  COLORS.wall,
];
const RED = new Uint8Array(PALETTE.map((c) => c[0]));
const GREEN = new Uint8Array(PALETTE.map((c) => c[1]));
const BLUE = new Uint8Array(PALETTE.map((c) => c[2]));

/** The agent's inner disc: pymunk_override draws radius − 4 in 1.2× the colour. */
const AGENT_INNER_RADIUS = AGENT_RADIUS - 4;
/** The reference outlines each polygon with fat segments of radius 2 (its draw_polygon hard-codes it). */
const OUTLINE_RADIUS = 2;
/** How far painting reaches past a rounded vertex: the thick line's span runs to +2, its end discs to −2. */
const OUTLINE_REACH = 3;

const vx = new Int32Array(4);
const vy = new Int32Array(4);
const cornerX = new Float64Array(4);
const cornerY = new Float64Array(4);

/** World corners of one T part at pose (x, y, angle) into cornerX/Y, and rounded to pixels into vx/vy. */
function partCorners(x: number, y: number, angle: number, part: readonly (readonly [number, number])[]): void {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let i = 0; i < 4; i++) {
    const px = part[i][0];
    const py = part[i][1];
    cornerX[i] = x + c * px - s * py;
    cornerY[i] = y + s * px + c * py;
    vx[i] = pyRound(cornerX[i]);
    vy[i] = pyRound(cornerY[i]);
  }
}

/** White and the goal T: the layers under the moving bodies. */
function paintBase(plane: LabelPlane): void {
  plane.data.fill(WHITE);
  for (const part of T_PARTS) {
    partCorners(GOAL_POSE[0], GOAL_POSE[1], GOAL_POSE[2], part);
    fillPolygon(plane, vx, vy, 4, GOAL);
  }
}

function paintWalls(plane: LabelPlane): void {
  for (const [a, b] of WALLS) fatSegment(plane, a[0], a[1], b[0], b[1], WALL_RADIUS, WALL);
}

/** The block's two parts, each filled then outlined, then the agent: pymunk's debug-draw order. */
function paintBodies(plane: LabelPlane, scene: PushTScene, clip?: Rect): void {
  const block = scene.block;
  for (let p = 0; p < T_PARTS.length; p++) {
    partCorners(block[0], block[1], block[2], T_PARTS[p]);
    fillPolygon(plane, vx, vy, 4, BLOCK_FILL, clip);
    for (let i = 0; i < 4; i++) {
      const j = (i + 1) % 4;
      fatSegment(plane, cornerX[i], cornerY[i], cornerX[j], cornerY[j], OUTLINE_RADIUS, BLOCK_OUTLINE, clip);
    }
  }
  const ax = pyRound(scene.agent[0]);
  const ay = pyRound(scene.agent[1]);
  fillCircle(plane, ax, ay, AGENT_RADIUS, AGENT, clip);
  fillCircle(plane, ax, ay, AGENT_INNER_RADIUS, AGENT_INNER, clip);
}

/** The rectangle of canvas pixels the block and agent can paint, clipped to the canvas; null when off it. */
function bodiesRect(scene: PushTScene, into: Rect): Rect | null {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  const block = scene.block;
  for (let p = 0; p < T_PARTS.length; p++) {
    partCorners(block[0], block[1], block[2], T_PARTS[p]);
    for (let i = 0; i < 4; i++) {
      x0 = Math.min(x0, vx[i] - OUTLINE_REACH);
      x1 = Math.max(x1, vx[i] + OUTLINE_REACH);
      y0 = Math.min(y0, vy[i] - OUTLINE_REACH);
      y1 = Math.max(y1, vy[i] + OUTLINE_REACH);
    }
  }
  const ax = pyRound(scene.agent[0]);
  const ay = pyRound(scene.agent[1]);
  x0 = Math.min(x0, ax - AGENT_RADIUS - 1);
  x1 = Math.max(x1, ax + AGENT_RADIUS);
  y0 = Math.min(y0, ay - AGENT_RADIUS - 1);
  y1 = Math.max(y1, ay + AGENT_RADIUS);
  into.x0 = Math.max(0, x0);
  into.y0 = Math.max(0, y0);
  into.x1 = Math.min(ARENA_SIZE - 1, x1);
  into.y1 = Math.min(ARENA_SIZE - 1, y1);
  return into.x0 > into.x1 || into.y0 > into.y1 ? null : into;
}

function checkScene(scene: PushTScene): void {
  if (scene.agent.length !== 2 || scene.block.length !== 3 || (scene.action && scene.action.length !== 2)) {
    throw new InvalidInputError(
      `a Push-T scene needs agent [x, y], block [x, y, angle] and optionally action [x, y]; got agent of ` +
        `${scene.agent.length}, block of ${scene.block.length}${scene.action ? `, action of ${scene.action.length}` : ""} numbers`,
    );
  }
  const finite =
    Number.isFinite(scene.agent[0]) &&
    Number.isFinite(scene.agent[1]) &&
    Number.isFinite(scene.block[0]) &&
    Number.isFinite(scene.block[1]) &&
    Number.isFinite(scene.block[2]) &&
    (!scene.action || (Number.isFinite(scene.action[0]) && Number.isFinite(scene.action[1])));
  if (!finite) {
    throw new InvalidInputError(
      `a Push-T scene must hold finite numbers; got agent [${scene.agent.join(", ")}], block [${scene.block.join(", ")}]` +
        (scene.action ? `, action [${scene.action.join(", ")}]` : ""),
    );
  }
}

/**
 * The 512×512 canvas as the reference paints it, labels turned into RGB: the straightforward full repaint,
 * kept for checks and single pictures. `renderPushT(scene, 512)` gives the same bytes, faster.
 *
 * @example
 * const canvas = paintPushTCanvas({ agent: [256, 400], block: [256, 300, 0] }); // 512*512*3 bytes
 */
export function paintPushTCanvas(scene: PushTScene): Uint8Array {
  checkScene(scene);
  const plane = createPlane(ARENA_SIZE, ARENA_SIZE);
  paintBase(plane);
  paintBodies(plane, scene);
  paintWalls(plane);
  const rgb = new Uint8Array(ARENA_SIZE * ARENA_SIZE * 3);
  for (let i = 0; i < plane.data.length; i++) {
    const label = plane.data[i];
    rgb[i * 3] = RED[label];
    rgb[i * 3 + 1] = GREEN[label];
    rgb[i * 3 + 2] = BLUE[label];
  }
  return rgb;
}

/**
 * Renders Push-T pictures of one size, caching what never moves. Use one per size and frame stream;
 * `renderPushT` keeps one per size for you.
 */
export class PushTRenderer {
  readonly size: number;
  /** `plane` then `still` in one buffer, so restoring a row is a copyWithin, which allocates nothing. */
  private readonly planes = new Uint8Array(2 * ARENA_SIZE * ARENA_SIZE);
  /** The canvas labels: static layers everywhere, the bodies of the last frame inside `painted`. */
  private readonly plane: LabelPlane = planeOf(this.planes, 0);
  /** The static canvas (white, goal, walls), to restore what the last frame's bodies covered. */
  private readonly still: LabelPlane = planeOf(this.planes, 1);
  /** Row spans of the walls, repainted over the bodies inside the dirty rectangle. */
  private readonly wallSpans: RowSpans;
  /** The static canvas resampled to `size`. */
  private readonly background: Uint8Array;
  private readonly taps: LinearTaps;
  /** Whether every weight pair sums to 2048, so four equal labels give exactly their colour. */
  private readonly exactWeights: boolean;
  private painted: Rect | null = null;
  private readonly next: Rect = { x0: 0, y0: 0, x1: 0, y1: 0 };

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > 8192) {
      throw new InvalidInputError(`render size must be an integer from 1 to 8192 px; got ${size}`);
    }
    this.size = size;
    paintBase(this.still);
    const walls = createPlane(ARENA_SIZE, ARENA_SIZE);
    paintWalls(walls);
    paintWalls(this.still);
    this.plane.data.set(this.still.data);
    this.wallSpans = rowSpans(walls, WALL);
    this.taps = linearTaps(ARENA_SIZE, size);
    this.exactWeights = this.taps.w0.every((w, i) => w + this.taps.w1[i] === 2048);
    this.background = new Uint8Array(size * size * 3);
    this.resample(this.background, { x0: 0, y0: 0, x1: ARENA_SIZE - 1, y1: ARENA_SIZE - 1 });
  }

  /**
   * RGB bytes of the scene, size·size·3, row-major, top row first; written into `out` when given.
   *
   * @example
   * const renderer = new PushTRenderer(96);
   * const frame = new Uint8Array(96 * 96 * 3);
   * renderer.render({ agent: [256, 400], block: [256, 300, 0] }, frame);
   */
  render(scene: PushTScene, out?: Uint8Array): Uint8Array {
    checkScene(scene);
    const bytes = this.size * this.size * 3;
    if (out && out.length !== bytes) {
      throw new InvalidInputError(
        `out must hold ${this.size}x${this.size}x3 = ${bytes} bytes; got ${out.length}; pass a buffer of that ` +
          "length or none",
      );
    }
    const image = out ?? new Uint8Array(bytes);
    if (this.painted) {
      const { x0, y0, x1, y1 } = this.painted;
      const still = ARENA_SIZE * ARENA_SIZE;
      for (let y = y0; y <= y1; y++) {
        const row = y * ARENA_SIZE;
        this.planes.copyWithin(row + x0, still + row + x0, still + row + x1 + 1);
      }
      this.painted = null;
    }
    image.set(this.background);
    const rect = bodiesRect(scene, this.next);
    if (rect) {
      paintBodies(this.plane, scene, rect);
      const { rowStart, xs } = this.wallSpans;
      for (let y = rect.y0; y <= rect.y1; y++) {
        for (let i = rowStart[y]; i < rowStart[y + 1]; i += 2) fillSpan(this.plane, y, xs[i], xs[i + 1], WALL, rect);
      }
      this.painted = rect;
      this.resample(image, rect);
    }
    if (scene.action) drawCross(image, this.size, scene.action);
    return image;
  }

  /** Resamples the destination pixels whose source taps touch `rect` of the current canvas into `image`. */
  private resample(image: Uint8Array, rect: Rect): void {
    const { lo, hi, w0, w1 } = this.taps;
    const n = this.size;
    let dx0 = 0;
    while (dx0 < n && hi[dx0] < rect.x0) dx0++;
    let dx1 = n - 1;
    while (dx1 >= 0 && lo[dx1] > rect.x1) dx1--;
    let dy0 = 0;
    while (dy0 < n && hi[dy0] < rect.y0) dy0++;
    let dy1 = n - 1;
    while (dy1 >= 0 && lo[dy1] > rect.y1) dy1--;
    const data = this.plane.data;
    if (n === ARENA_SIZE) {
      // the canvas size itself: OpenCV copies, and so does this
      for (let y = dy0; y <= dy1; y++) {
        let o = (y * n + dx0) * 3;
        for (let i = y * ARENA_SIZE + dx0; i <= y * ARENA_SIZE + dx1; i++, o += 3) {
          const label = data[i];
          image[o] = RED[label];
          image[o + 1] = GREEN[label];
          image[o + 2] = BLUE[label];
        }
      }
      return;
    }
    const exact = this.exactWeights;
    for (let dy = dy0; dy <= dy1; dy++) {
      const row0 = lo[dy] * ARENA_SIZE;
      const row1 = hi[dy] * ARENA_SIZE;
      const b0 = w0[dy];
      const b1 = w1[dy];
      let o = (dy * n + dx0) * 3;
      for (let dx = dx0; dx <= dx1; dx++, o += 3) {
        const sx0 = lo[dx];
        const sx1 = hi[dx];
        const l00 = data[row0 + sx0];
        const l01 = data[row0 + sx1];
        const l10 = data[row1 + sx0];
        const l11 = data[row1 + sx1];
        if (exact && l00 === l01 && l00 === l10 && l00 === l11) {
          image[o] = RED[l00];
          image[o + 1] = GREEN[l00];
          image[o + 2] = BLUE[l00];
          continue;
        }
        const a0 = w0[dx];
        const a1 = w1[dx];
        image[o] = blendLinear(RED[l00], RED[l01], RED[l10], RED[l11], a0, a1, b0, b1);
        image[o + 1] = blendLinear(GREEN[l00], GREEN[l01], GREEN[l10], GREEN[l11], a0, a1, b0, b1);
        image[o + 2] = blendLinear(BLUE[l00], BLUE[l01], BLUE[l10], BLUE[l11], a0, a1, b0, b1);
      }
    }
  }
}

/** The index-th 512×512 label plane inside a shared buffer. */
function planeOf(buffer: Uint8Array, index: number): LabelPlane {
  const n = ARENA_SIZE * ARENA_SIZE;
  return { width: ARENA_SIZE, height: ARENA_SIZE, data: buffer.subarray(index * n, (index + 1) * n) };
}

/** Runs of one label, row by row: row y's runs are [xs[i], xs[i + 1]] for i from rowStart[y] to rowStart[y + 1]. */
type RowSpans = { rowStart: Int32Array; xs: Int32Array };

function rowSpans(plane: LabelPlane, label: number): RowSpans {
  const spans: number[] = [];
  const rowStart = new Int32Array(plane.height + 1);
  for (let y = 0; y < plane.height; y++) {
    rowStart[y] = spans.length;
    const row = y * plane.width;
    let x = 0;
    while (x < plane.width) {
      if (plane.data[row + x] !== label) {
        x++;
        continue;
      }
      const start = x;
      while (x < plane.width && plane.data[row + x] === label) x++;
      spans.push(start, x - 1);
    }
  }
  rowStart[plane.height] = spans.length;
  return { rowStart, xs: Int32Array.from(spans) };
}

/**
 * The reference's action marker, `cv2.drawMarker(img, (action / 512 · size) truncated, red, MARKER_CROSS,
 * markerSize = int(8/96 · size), thickness = int(1/96 · size))`, drawn after the resize: two bars of half-length
 * markerSize/2 (integer), the pixels within thickness/2 of either bar (round caps), a plain 1-px cross below 96 px.
 */
function drawCross(image: Uint8Array, size: number, action: readonly [number, number]): void {
  const cx = Math.trunc((action[0] / ARENA_SIZE) * size);
  const cy = Math.trunc((action[1] / ARENA_SIZE) * size);
  const half = Math.trunc(Math.trunc((8 / 96) * size) / 2);
  const radius = Math.max(0, Math.trunc((1 / 96) * size)) / 2;
  const reach = Math.ceil(radius);
  const r2 = radius * radius;
  for (let y = Math.max(0, cy - half - reach); y <= Math.min(size - 1, cy + half + reach); y++) {
    for (let x = Math.max(0, cx - half - reach); x <= Math.min(size - 1, cx + half + reach); x++) {
      const ox = x - cx;
      const oy = y - cy;
      // distance² to the horizontal bar (|ox| <= half, oy = 0) and to the vertical one
      const hx = Math.max(0, Math.abs(ox) - half);
      const vy = Math.max(0, Math.abs(oy) - half);
      if (hx * hx + oy * oy <= r2 || ox * ox + vy * vy <= r2) {
        const o = (y * size + x) * 3;
        image[o] = 255;
        image[o + 1] = 0;
        image[o + 2] = 0;
      }
    }
  }
}

const renderers = new Map<number, PushTRenderer>();

/**
 * RGB bytes (size·size·3, row-major, top row first) of a Push-T scene as the reference shows it: at 96 the
 * observation image, at other sizes the same canvas resized (680 is the reference's render()), with the
 * action cross when `scene.action` is given. Pass `out` to render without allocating.
 *
 * @example
 * const obs = renderPushT({ agent: [222, 97], block: [223, 381.6, 3.008] }, 96); // 27 648 bytes
 */
export function renderPushT(scene: PushTScene, size: number, out?: Uint8Array): Uint8Array {
  let renderer = renderers.get(size);
  if (!renderer) {
    renderer = new PushTRenderer(size);
    renderers.set(size, renderer);
  }
  return renderer.render(scene, out);
}
