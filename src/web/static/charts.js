/**
 * Charts on uPlot (served from node_modules at /vendor/uplot/): `lineChart` draws one or more series against a shared
 * x axis, follows its container's width, and can show a vertical marker (the trial page moves it with the video).
 * `stationTimeline` draws the station utilisation bars as a plain SVG string.
 */
import uPlot from "/vendor/uplot/uPlot.esm.js";
import { escapeHtml, raw } from "./lib.js";

/** Line colours, in order (readable on white, distinguishable in grey). */
export const COLORS = Object.freeze(["#1f6feb", "#1a7f37", "#bc4c00", "#8250df", "#57606a", "#bf3989"]);
/** Axis steps for integer x values (trial and step indices): never a tick at 1.5. */
const INTEGER_STEPS = Object.freeze([
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000,
]);

/**
 * @typedef {{ label: string, color?: string, dash?: number[], points?: boolean }} SeriesSpec
 * @typedef {{
 *   title?: string, xLabel: string, yLabel?: string, series: SeriesSpec[], height?: number,
 *   yRange?: [number, number], yAtLeast?: [number, number], percent?: boolean, onPick?: (x: number) => void
 * }} ChartSpec
 * @typedef {{ plot: any, setData: (data: (number|null)[][]) => void, setMarker: (x: number|null) => void,
 *   destroy: () => void }} Chart
 */

/**
 * A uPlot line chart in `el`. `data` is uPlot's columns: [xs, ys0, ys1, ...] (nulls are gaps).
 * @param {HTMLElement} el @param {ChartSpec} spec @param {(number|null)[][]} data @returns {Chart}
 */
export function lineChart(el, spec, data) {
  /** @type {number | null} */
  let marker = null;
  const markerPlugin = {
    hooks: {
      draw: [
        (/** @type {any} */ u) => {
          if (marker === null) return;
          const x = Math.round(u.valToPos(marker, "x", true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#24292f";
          ctx.setLineDash([]);
          ctx.lineWidth = 2 * uPlot.pxRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  const fmtY = spec.percent
    ? (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map((v) => `${Math.round(v * 100)}%`)
    : undefined;
  const opts = {
    title: spec.title,
    width: Math.max(200, el.clientWidth || 600),
    height: spec.height ?? 220,
    plugins: [markerPlugin],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    scales: {
      x: {
        time: false,
        range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => [
          min,
          Math.max(max, min + 1),
        ],
      },
      y: spec.yRange
        ? { range: spec.yRange }
        : spec.yAtLeast
          ? {
              // at least this span (e.g. 0..1 for rewards), wider when the data is
              range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => [
                Math.min(spec.yAtLeast?.[0] ?? min, min),
                Math.max(spec.yAtLeast?.[1] ?? max, max),
              ],
            }
          : { auto: true },
    },
    axes: [
      { label: spec.xLabel, stroke: "#57606a", grid: { stroke: "#eaeef2" }, incrs: INTEGER_STEPS },
      { label: spec.yLabel, stroke: "#57606a", grid: { stroke: "#eaeef2" }, values: fmtY, size: 56 },
    ],
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? COLORS[i % COLORS.length],
        width: 1.5,
        dash: s.dash,
        points: { show: s.points ?? false, size: 5 },
        spanGaps: false,
        value: spec.percent
          ? (/** @type {any} */ _u, /** @type {number|null} */ v) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`)
          : (/** @type {any} */ _u, /** @type {number|null} */ v) => (v === null ? "–" : v.toFixed(3)),
      })),
    ],
  };
  const plot = new uPlot(opts, data, el);
  if (spec.onPick) {
    const pick = spec.onPick;
    plot.over.addEventListener("click", () => {
      const idx = plot.cursor.idx;
      if (idx !== null && idx !== undefined) pick(plot.data[0][idx]);
    });
  }
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, el.clientWidth);
    if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height: plot.height });
  });
  resize.observe(el);
  return {
    plot,
    setData: (next) => plot.setData(next),
    setMarker(x) {
      if (x === marker) return;
      marker = x;
      plot.redraw(false, false);
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/** Colour of a trial's bar by its outcome. */
const RESULT_COLORS = Object.freeze({
  success: "#2da44e",
  failure: "#cf222e",
  safety: "#bc4c00",
  "policy-error": "#8250df",
  interrupted: "#8c959f",
});

/**
 * The station utilisation timeline: one row per station, one bar per trial (coloured by outcome, linking to the
 * trial), over the run's wall-clock span. Returns trusted SVG markup (numbers only, labels escaped).
 * @param {{ id: string, mru: number|null, intervals: { startMs: number, endMs: number, index: number, result: string }[] }[]} stations
 * @param {(index: number) => string} trialHref
 */
export function stationTimeline(stations, trialHref) {
  const all = stations.flatMap((s) => s.intervals);
  if (all.length === 0) return raw('<p class="muted">No station timing recorded for this run.</p>');
  const t0 = Math.min(...all.map((i) => i.startMs));
  const t1 = Math.max(...all.map((i) => i.endMs), t0 + 1);
  const label = 150;
  const width = 1000;
  const rowH = 22;
  const plotW = width - label - 10;
  const height = stations.length * rowH + 24;
  const x = (/** @type {number} */ ms) => label + ((ms - t0) / (t1 - t0)) * plotW;
  const rows = stations.map((s, r) => {
    const y = r * rowH + 4;
    const mru = typeof s.mru === "number" ? ` ${(s.mru * 100).toFixed(0)}% busy` : "";
    const bars = s.intervals.map((iv) => {
      const x0 = x(iv.startMs);
      const w = Math.max(1, x(iv.endMs) - x0);
      const color = RESULT_COLORS[/** @type {keyof typeof RESULT_COLORS} */ (iv.result)] ?? "#57606a";
      const tip = `trial ${iv.index}: ${iv.result}, ${((iv.endMs - iv.startMs) / 1000).toFixed(1)} s`;
      return `<a href="${escapeHtml(trialHref(iv.index))}"><rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"><title>${escapeHtml(tip)}</title></rect></a>`;
    });
    return `<text x="0" y="${y + rowH / 2 + 1}" class="tl-label">${escapeHtml(s.id)}${escapeHtml(mru)}</text>${bars.join("")}`;
  });
  const span = (t1 - t0) / 1000;
  const axis = `<text x="${label}" y="${height - 4}" class="tl-axis">0 s</text><text x="${width - 10}" y="${height - 4}" class="tl-axis" text-anchor="end">${span.toFixed(1)} s</text>`;
  return raw(
    `<svg class="timeline" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMinYMin meet" role="img" aria-label="station utilisation timeline">${rows.join("")}${axis}</svg>`,
  );
}
