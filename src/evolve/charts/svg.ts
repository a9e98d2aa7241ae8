/**
 * Shared pieces of the SVG charts: colours and sizes, scales, axes, titles, legends, label placement, tick choice,
 * number formats and XML building. Every coordinate is rounded to 2 decimals and all text is escaped for XML.
 */
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
export const INK = "#222";
export const MUTED = "#666";
export const GRID = "#e8e8e8";
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
  "#ff9da7",
];
export const GREEN = "#2ca25f";
export const GREEN_DARK = "#1b7340";
export const TITLE_SIZE = 16;
export const LABEL_SIZE = 12;
export const TICK_SIZE = 11;
/** A white outline under label text, so labels stay readable where they cross lines. */
export const HALO = { stroke: "#fff", "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke" } as const;

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type Scale = (v: number) => number;

export function scale(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

export function drawYAxis(ticks: number[], sy: Scale, plot: Box, format: (v: number) => string, label: string): string {
  const out: string[] = [];
  for (const t of ticks) {
    const y = sy(t);
    out.push(
      el("line", { x1: plot.x0, y1: y, x2: plot.x1, y2: y, stroke: GRID, "stroke-width": 1 }),
      text(plot.x0 - 7, y + 4, format(t), { "font-size": TICK_SIZE, "text-anchor": "end", fill: MUTED }),
    );
  }
  out.push(el("line", { x1: plot.x0, y1: plot.y0, x2: plot.x0, y2: plot.y1, stroke: "#999", "stroke-width": 1 }));
  const cy = (plot.y0 + plot.y1) / 2;
  out.push(
    text(14, cy, label, {
      "font-size": LABEL_SIZE,
      "text-anchor": "middle",
      fill: MUTED,
      transform: `rotate(-90 14 ${num(cy)})`,
      "dominant-baseline": "middle",
    }),
  );
  return el("g", { class: "y-axis" }, out.join(""));
}

export function drawXAxis(ticks: number[], sx: Scale, plot: Box, format: (v: number) => string, label: string): string {
  const out: string[] = [el("line", { x1: plot.x0, y1: plot.y1, x2: plot.x1, y2: plot.y1, stroke: "#999" })];
  for (const t of ticks) {
    const x = sx(t);
    out.push(
      el("line", { x1: x, y1: plot.y1, x2: x, y2: plot.y1 + 5, stroke: "#999" }),
      text(x, plot.y1 + 18, format(t), { "font-size": TICK_SIZE, "text-anchor": "middle", fill: MUTED }),
    );
  }
  out.push(
    text((plot.x0 + plot.x1) / 2, plot.y1 + 38, label, {
      "font-size": LABEL_SIZE,
      "text-anchor": "middle",
      fill: MUTED,
    }),
  );
  return el("g", { class: "x-axis" }, out.join(""));
}

/** The title from (x, 26), wrapped at word boundaries to maxWidth; `bottom` is where the next row goes. */
export function drawTitle(title: string, x: number, maxWidth: number): { svg: string; bottom: number } {
  const lines: string[] = [];
  for (const word of title.split(/\s+/).filter(Boolean)) {
    const line = lines.at(-1);
    if (line !== undefined && textWidth(`${line} ${word}`, TITLE_SIZE, true) <= maxWidth)
      lines[lines.length - 1] = `${line} ${word}`;
    else lines.push(word);
  }
  const lineHeight = TITLE_SIZE + 4;
  const svg = lines
    .map((line, i) => text(x, 26 + i * lineHeight, line, { "font-size": TITLE_SIZE, "font-weight": 600, fill: INK }))
    .join("");
  return { svg: el("g", { class: "title" }, svg), bottom: 46 + Math.max(0, lines.length - 1) * lineHeight };
}

export interface LegendItem {
  label: string;
  swatch: "line" | "band" | "rect" | "dot" | "ring" | "curve";
  color: string;
  dashed?: boolean;
  strokeWidth?: number;
}

/** Legend entries in rows from (x, y), wrapping at maxWidth; returns the SVG and the height it takes. */
export function drawLegend(
  items: LegendItem[],
  x: number,
  y: number,
  maxWidth: number,
): { svg: string; height: number } {
  const rowHeight = 18;
  const out: string[] = [];
  let cx = x;
  let row = 0;
  for (const item of items) {
    const w = 26 + textWidth(item.label, LABEL_SIZE) + 18;
    if (cx > x && cx + w > x + maxWidth) {
      cx = x;
      row++;
    }
    const cy = y + row * rowHeight;
    const sw = { x: cx, y: cy - 4 }; // the swatch's left middle
    const c = item.color;
    if (item.swatch === "band") {
      out.push(rect(sw.x, sw.y - 6, 20, 12, { fill: c, "fill-opacity": 0.18 }));
    }
    if (item.swatch === "line" || item.swatch === "band") {
      out.push(
        el("line", {
          x1: sw.x,
          y1: sw.y,
          x2: sw.x + 20,
          y2: sw.y,
          stroke: c,
          "stroke-width": item.strokeWidth ?? 2,
          "stroke-dasharray": item.dashed ? "6 4" : undefined,
        }),
      );
    } else if (item.swatch === "rect") {
      out.push(rect(sw.x + 3, sw.y - 6, 14, 12, { fill: c }));
    } else if (item.swatch === "dot") {
      out.push(el("circle", { cx: sw.x + 10, cy: sw.y, r: 5, fill: c, stroke: GREEN_DARK }));
    } else if (item.swatch === "ring") {
      out.push(el("circle", { cx: sw.x + 10, cy: sw.y, r: 4.5, fill: "#fff", stroke: c, "stroke-width": 1.6 }));
    } else if (item.swatch === "curve") {
      out.push(
        el("path", {
          d: `M${num(sw.x)} ${num(sw.y + 5)}C${num(sw.x + 10)} ${num(sw.y + 5)} ${num(sw.x + 10)} ${num(sw.y - 5)} ${num(sw.x + 20)} ${num(sw.y - 5)}`,
          fill: "none",
          stroke: c,
          "stroke-width": 1.6,
        }),
      );
    }
    out.push(text(cx + 26, cy, item.label, { "font-size": LABEL_SIZE, fill: INK }));
    cx += w;
  }
  return { svg: el("g", { class: "legend" }, out.join("")), height: items.length ? (row + 1) * rowHeight : 0 };
}

export interface LabelSpot {
  x: number;
  y: number; // baseline
  anchor: "start" | "end";
}

/** The first spot where the label fits inside `bounds` and clear of every box in `taken`, or null. */
export function placeLabel(
  label: string,
  size: number,
  spots: LabelSpot[],
  taken: Box[],
  bounds: Box,
): LabelSpot | null {
  for (const spot of spots) {
    const b = labelBox(label, size, spot);
    const inside = b.x0 >= bounds.x0 && b.x1 <= bounds.x1 && b.y0 >= bounds.y0 && b.y1 <= bounds.y1;
    if (inside && !taken.some((t) => overlaps(b, t))) return spot;
  }
  return null;
}

export function labelBox(label: string, size: number, spot: LabelSpot): Box {
  const w = textWidth(label, size);
  const x0 = spot.anchor === "end" ? spot.x - w : spot.x;
  return { x0, y0: spot.y - size * 0.8, x1: x0 + w, y1: spot.y + size * 0.25 };
}

export function overlaps(a: Box, b: Box, pad = 1.5): boolean {
  return a.x0 < b.x1 + pad && b.x0 < a.x1 + pad && a.y0 < b.y1 + pad && b.y0 < a.y1 + pad;
}

/** An estimate for a sans-serif font (no font metrics without a renderer); errs wide, so labels never collide. */
export function textWidth(s: string, size: number, bold = false): number {
  return s.length * size * (bold ? 0.64 : 0.58);
}

/** Round tick values covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toFixed(10)));
  return ticks;
}

/** The top of the data, or 1 where there is nothing above 0 (an empty chart still gets a y axis). */
export function dataMax(values: number[]): number {
  const max = Math.max(0, ...values);
  return max > 0 ? max : 1;
}

/** Widens [lo, hi] to round ticks at either end that is not fixed by the caller. */
export function niceDomain(lo: number, hi: number, fixed: { fixedLo: boolean; fixedHi: boolean }) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new RangeError(`the y range must be increasing and finite, got ${lo}..${hi}`);
  }
  const ticks = niceTicks(lo, hi, 5);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : hi - lo;
  const dLo = fixed.fixedLo ? lo : Math.floor(lo / step + 1e-9) * step;
  const dHi = fixed.fixedHi ? hi : Math.ceil(hi / step - 1e-9) * step;
  return { lo: dLo, hi: dHi, ticks: niceTicks(dLo, dHi, 5) };
}

/** Inserts the riser points so each value holds until the next x. */
export function toSteps(points: { x: number; y: number }[]): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  points.forEach((p, i) => {
    if (i > 0 && p.y !== points[i - 1].y && p.x !== points[i - 1].x) out.push({ x: p.x, y: points[i - 1].y });
    out.push(p);
  });
  return out;
}

export function pathData(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${num(x)} ${num(y)}`).join("");
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toFixed(1))}k`;
  return String(Number(v.toFixed(4)));
}

export function formatGain(gain: number): string {
  return `+${(gain * 100).toFixed(1)} pp`;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Rounds to 2 decimals without trailing zeros: 12.345 → "12.35", 3 → "3". */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Escapes text and attribute values for XML. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}
export const esc = escapeXml;

export type Attrs = Record<string, string | number | undefined>;

/** An element; numbers in attributes are rounded to 2 decimals, strings escaped, undefined ones left out. */
export function el(name: string, attrs: Attrs, children?: string): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : esc(v as string)}"`)
    .join("");
  return children === undefined ? `<${name}${a}/>` : `<${name}${a}>${children}</${name}>`;
}

export function rect(x: number, y: number, w: number, h: number, attrs: Attrs): string {
  return el("rect", { x, y, width: Math.max(0, w), height: Math.max(0, h), ...attrs });
}

export function text(x: number, y: number, content: string, attrs: Attrs): string {
  return el("text", { x, y, ...attrs }, esc(content));
}

export function svgDocument(width: number, height: number, parts: string[]): string {
  const root = {
    xmlns: "http://www.w3.org/2000/svg",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": FONT,
  };
  return `${el("svg", root, `${rect(0, 0, width, height, { fill: "#fff" })}${parts.join("")}`)}\n`;
}

/** A short stable id for clip paths, so two charts inlined in one page do not share one. */
export function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
