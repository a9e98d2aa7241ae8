/**
 * Line charts over [0, xMax]: success against wall-clock time, e.g. mean ± SEM bands with the best run dashed, or the
 * team-average best step curve with its score-raising ideas marked.
 */
import {
  type Box,
  dataMax,
  drawLegend,
  drawTitle,
  drawXAxis,
  drawYAxis,
  el,
  esc,
  formatNumber,
  HALO,
  hash,
  INK,
  type LabelSpot,
  labelBox,
  niceDomain,
  niceTicks,
  num,
  PALETTE,
  pathData,
  placeLabel,
  rect,
  type Scale,
  scale,
  svgDocument,
  TICK_SIZE,
  text,
  textWidth,
  toSteps,
} from "./svg.js";

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
  /** A shaded band, e.g. mean ± SEM: `lo[i]`..`hi[i]` at `x[i]`. */
  band?: { x: number[]; lo: number[]; hi: number[] };
  /** Draw as steps: each value holds until the next point. */
  step?: boolean;
  dashed?: boolean;
  /** Any SVG colour; by default the next colour of the palette. */
  color?: string;
}

export interface ChartMarker {
  x: number;
  y: number;
  label: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** The x axis runs from 0 to xMax. */
  xMax: number;
  /** The y range; by default from the data (including 0), widened to round ticks. */
  yMin?: number;
  yMax?: number;
  series: LineSeries[];
  /** Labelled points, e.g. the ideas that raised the team best; labels that would collide are moved aside. */
  markers?: ChartMarker[];
  width?: number; // px, default 760
  height?: number; // px, default 440
  /** Explicit x ticks (e.g. every 30 min); by default round numbers. */
  xTicks?: number[];
  /** Formats y tick labels, e.g. (y) => `${y * 100}%`. */
  yTickFormat?: (y: number) => string;
}

/**
 * A line chart over [0, xMax], e.g. success rate against wall-clock minutes.
 * @example lineChart({ title: "Pin insertion", xLabel: "minutes", yLabel: "success", xMax: 240, yMin: 0, yMax: 1,
 *   series: [{ name: "Codex", points: [{ x: 0, y: 0.5 }, { x: 240, y: 1 }] }] })
 */
export function lineChart(options: LineChartOptions): string {
  const { title, xLabel, yLabel, xMax, series, markers = [], width = 760, height = 440 } = options;
  if (!(Number.isFinite(xMax) && xMax > 0)) throw new RangeError(`xMax must be a positive number, got ${xMax}`);
  for (const s of series) {
    const band = s.band;
    if (band && !(band.lo.length === band.x.length && band.hi.length === band.x.length)) {
      throw new RangeError(
        `series "${s.name}": band x, lo and hi must have one value each, got ${band.x.length}, ${band.lo.length}, ${band.hi.length}`,
      );
    }
  }
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const ys = series.flatMap((s) => [...s.points.map((p) => p.y), ...(s.band ? [...s.band.lo, ...s.band.hi] : [])]);
  const yDomain = niceDomain(options.yMin ?? Math.min(0, ...ys), options.yMax ?? dataMax(ys), {
    fixedLo: options.yMin !== undefined,
    fixedHi: options.yMax !== undefined,
  });
  const yFormat = options.yTickFormat ?? formatNumber;
  const xTicks = (options.xTicks ?? niceTicks(0, xMax)).filter((t) => t >= 0 && t <= xMax);

  const yTickLabelWidth = Math.max(...yDomain.ticks.map((t) => textWidth(yFormat(t), TICK_SIZE)));
  const left = Math.max(56, 30 + yTickLabelWidth + 12);
  const heading = drawTitle(title, left, width - left - 16);
  const legend = drawLegend(
    series.map((s, i) => ({ label: s.name, swatch: s.band ? "band" : "line", color: colors[i], dashed: s.dashed })),
    left,
    heading.bottom,
    width - left - 24,
  );
  const plot = {
    x0: left,
    x1: width - 24,
    y0: heading.bottom + legend.height + 12,
    y1: height - 52,
  };
  if (plot.y1 - plot.y0 < 40) throw new RangeError(`height ${height} px leaves no room for the plot; make it larger`);
  const sx = scale(0, xMax, plot.x0, plot.x1);
  const sy = scale(yDomain.lo, yDomain.hi, plot.y1, plot.y0);
  const clipId = `clip-${hash(`${title}|${width}x${height}|${series.length}`)}`;

  const parts: string[] = [];
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(
    el(
      "defs",
      {},
      el("clipPath", { id: clipId }, rect(plot.x0, plot.y0 - 2, plot.x1 - plot.x0, plot.y1 - plot.y0 + 4, {})),
    ),
    rect(plot.x0, plot.y0, plot.x1 - plot.x0, plot.y1 - plot.y0, { class: "plot-area", fill: "#fff" }),
    heading.svg,
    legend.svg,
    drawYAxis(yDomain.ticks, sy, plot, yFormat, yLabel),
    drawXAxis(xTicks, sx, plot, formatNumber, xLabel),
  );

  const body: string[] = [];
  series.forEach((s, i) => {
    const color = colors[i];
    if (s.band && s.band.x.length > 0) {
      const { x, lo, hi } = s.band;
      const upper = x.map((v, j) => `${num(sx(v))},${num(sy(hi[j]))}`);
      const lower = x.map((v, j) => `${num(sx(v))},${num(sy(lo[j]))}`).reverse();
      body.push(
        el("polygon", { class: "band", points: [...upper, ...lower].join(" "), fill: color, "fill-opacity": 0.18 }),
      );
    }
    const pts = s.step ? toSteps(s.points) : s.points;
    if (pts.length > 0) {
      body.push(
        el("path", {
          class: "series",
          "data-name": s.name,
          d: pathData(pts.map((p) => [sx(p.x), sy(p.y)])),
          fill: "none",
          stroke: color,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "stroke-dasharray": s.dashed ? "6 4" : undefined,
        }),
      );
    }
  });
  parts.push(el("g", { "clip-path": `url(#${clipId})` }, body.join("")));
  parts.push(drawMarkers(markers, sx, sy, plot));
  return svgDocument(width, height, parts);
}

function drawMarkers(markers: ChartMarker[], sx: Scale, sy: Scale, plot: Box): string {
  const taken: Box[] = [];
  const out: string[] = [];
  const bounds: Box = { x0: plot.x0 + 2, y0: plot.y0 + 2, x1: plot.x1 - 2, y1: plot.y1 - 2 };
  // the rightmost first: on a rising curve its label, up and to the left, has the most room
  const order = markers.map((m) => ({ m, px: sx(m.x), py: sy(m.y) })).sort((a, b) => b.px - a.px);
  for (const { m, px, py } of order) {
    const step = TICK_SIZE + 4;
    const candidates: LabelSpot[] = [];
    for (let k = 0; k < 6; k++) candidates.push({ x: px - 8, y: py - 8 - k * step, anchor: "end" });
    for (let k = 0; k < 6; k++) candidates.push({ x: px + 8, y: py + 16 + k * step, anchor: "start" });
    for (let k = 0; k < 4; k++) candidates.push({ x: px + 8, y: py - 8 - k * step, anchor: "start" });
    const spot = placeLabel(m.label, TICK_SIZE, candidates, taken, bounds) ?? candidates[0];
    taken.push(labelBox(m.label, TICK_SIZE, spot));
    if (spot !== candidates[0]) {
      const box = labelBox(m.label, TICK_SIZE, spot);
      const lx = spot.anchor === "end" ? box.x1 : box.x0;
      const ly = spot.y < py ? box.y1 : box.y0;
      out.push(el("line", { x1: px, y1: py, x2: lx, y2: ly, stroke: "#aaa", "stroke-width": 0.8 }));
    }
    out.push(
      el("circle", { class: "marker", cx: px, cy: py, r: 4, fill: "#fff", stroke: INK, "stroke-width": 1.5 }),
      text(spot.x, spot.y, m.label, {
        class: "marker-label",
        "font-size": TICK_SIZE,
        "text-anchor": spot.anchor,
        ...HALO,
      }),
    );
  }
  return el("g", { fill: INK }, out.join(""));
}
