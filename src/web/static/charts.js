/**
 * Charts on uPlot (served from node_modules at /vendor/uplot/): `lineChart` draws one or more series against a shared
 * x axis, follows its container's width, and can show a vertical marker (the trial page moves it with the video).
 * `stationTimeline` draws the station utilisation bars as a plain SVG string (a bar per trial: fine for tens or
 * hundreds); `stationTimelineCanvas` draws them on canvases from the run API's columns (fine for 10,000 and more).
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
 * @typedef {{ label: string, color?: string, dash?: number[], points?: boolean, width?: number }} SeriesSpec
 *   width 0: the series draws no line (e.g. the edges of a band)
 * @typedef {{ upper: number, lower: number, fill: string }} BandSpec
 *   the area between two series (their positions in `series`), e.g. mean ± SEM
 * @typedef {{
 *   title?: string, xLabel: string, yLabel?: string, series: SeriesSpec[], height?: number,
 *   yRange?: [number, number], yAtLeast?: [number, number], percent?: boolean, onPick?: (x: number) => void,
 *   bands?: BandSpec[], xInteger?: boolean, xRange?: [number, number]
 * }} ChartSpec
 *   xInteger (default true): x values are indices (ticks at 1, 2, 5 …); false for continuous x (e.g. minutes)
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
    bands: (spec.bands ?? []).map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
    scales: {
      x: {
        time: false,
        range: spec.xRange
          ? spec.xRange
          : (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => [
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
      {
        label: spec.xLabel,
        stroke: "#57606a",
        grid: { stroke: "#eaeef2" },
        ...(spec.xInteger === false ? {} : { incrs: INTEGER_STEPS }),
      },
      { label: spec.yLabel, stroke: "#57606a", grid: { stroke: "#eaeef2" }, values: fmtY, size: 56 },
    ],
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: s.width === 0 ? "transparent" : (s.color ?? COLORS[i % COLORS.length]),
        width: s.width ?? 1.5,
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

/**
 * @typedef {{ t0Ms: number | null, spanMs: number, outcomes: string[] }} TimelineSpan
 * @typedef {{ id: string, mru: number | null, startMs: number[], ms: number[], index: number[], outcome: number[] }} StationColumns
 */

/**
 * The station utilisation timeline on canvases (the run page: 10,000 trials draw in a few milliseconds where as many
 * SVG elements took a long task): one row per station, its label and busy share as text, and a canvas on which each
 * device pixel column is filled to the share of its time the station ran trials, coloured by the outcomes of those
 * trials in proportion (a wide bar is one trial; where trials are narrower than a pixel they merge). Hovering names
 * the trial under the pointer; clicking opens it. Returns `{ update, destroy }`.
 * @param {HTMLElement} el @param {TimelineSpan} span @param {StationColumns[]} stations
 * @param {(index: number) => string} trialHref
 */
export function stationTimelineCanvas(el, span, stations, trialHref) {
  const rowH = 18;
  /** @type {{ canvas: HTMLCanvasElement, station: StationColumns }[]} */
  let rows = [];
  let current = { span, stations };

  function build() {
    const { span, stations } = current;
    if (span.t0Ms === null || stations.length === 0) {
      el.innerHTML = '<p class="muted">No station timing recorded for this run.</p>';
      rows = [];
      return;
    }
    const used = span.outcomes.filter((_, code) => stations.some((s) => s.outcome.includes(code)));
    const legend = used
      .map((o) => `<span><i style="background:${resultColor(o)}"></i>${escapeHtml(o)}</span>`)
      .join("");
    el.innerHTML = `<div class="timeline" role="img" aria-label="station utilisation timeline">${stations
      .map(
        (s) =>
          `<div class="tl-row"><span class="tl-label">${escapeHtml(s.id)}${typeof s.mru === "number" ? ` <span class="muted">${(s.mru * 100).toFixed(0)}% busy</span>` : ""}</span><canvas height="${rowH}"></canvas></div>`,
      )
      .join(
        "",
      )}<div class="tl-row tl-axis"><span></span><span>0 s</span><span>${(span.spanMs / 1000).toFixed(1)} s</span></div><div class="tl-legend">${legend}</div></div>`;
    rows = [...el.querySelectorAll("canvas")].map((canvas, r) => ({ canvas, station: stations[r] }));
    draw();
  }

  function draw() {
    const { span } = current;
    const colors = span.outcomes.map(resultColor);
    const k = span.outcomes.length;
    for (const { canvas, station } of rows) {
      const dpr = window.devicePixelRatio || 1;
      const cols = Math.max(1, Math.round(canvas.clientWidth * dpr));
      const h = Math.round(rowH * dpr);
      canvas.width = cols;
      canvas.height = h;
      // busy share of each pixel column, per outcome (column c covers [c, c + 1) in column units)
      const busy = new Float32Array(cols * k);
      const scale = cols / Math.max(1, span.spanMs);
      for (let i = 0; i < station.startMs.length; i++) {
        const a = station.startMs[i] * scale;
        const b = Math.min(cols, (station.startMs[i] + station.ms[i]) * scale);
        const o = station.outcome[i];
        for (let c = Math.floor(a); c < b; c++) busy[c * k + o] += Math.min(b, c + 1) - Math.max(a, c);
      }
      const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      ctx.clearRect(0, 0, cols, h);
      for (let c = 0; c < cols; c++) {
        let total = 0;
        for (let o = 0; o < k; o++) total += busy[c * k + o];
        if (total <= 0) continue;
        const shown = Math.max(Math.min(total, 1), 0.3); // a trial shorter than a pixel still shows
        let y = h;
        for (let o = 0; o < k; o++) {
          const v = busy[c * k + o];
          if (v <= 0) continue;
          const part = (v / total) * shown * h;
          ctx.fillStyle = colors[o];
          ctx.fillRect(c, y - part, 1, part);
          y -= part;
        }
      }
    }
  }

  /** The trial of `station` under the pointer (within 3 px), or -1. @param {StationColumns} s @param {number} ms @param {number} slackMs */
  function trialAt(s, ms, slackMs) {
    let lo = 0;
    let hi = s.startMs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s.startMs[mid] <= ms) lo = mid;
      else hi = mid - 1;
    }
    for (const i of [lo, lo + 1, lo - 1]) {
      if (i < 0 || i >= s.startMs.length) continue;
      if (ms >= s.startMs[i] - slackMs && ms <= s.startMs[i] + s.ms[i] + slackMs) return i;
    }
    return -1;
  }

  /** @param {MouseEvent} e @returns {{ canvas: HTMLCanvasElement, s: StationColumns, i: number } | null} */
  function hit(e) {
    const row = rows.find((r) => r.canvas === e.target);
    if (!row) return null;
    const box = row.canvas.getBoundingClientRect();
    const msPerPx = current.span.spanMs / Math.max(1, box.width);
    const i = trialAt(row.station, (e.clientX - box.left) * msPerPx, 3 * msPerPx);
    return { canvas: row.canvas, s: row.station, i };
  }

  const onMove = (/** @type {MouseEvent} */ e) => {
    const h = hit(e);
    if (!h) return;
    const { canvas, s, i } = h;
    canvas.style.cursor = i < 0 ? "default" : "pointer";
    canvas.title =
      i < 0
        ? ""
        : `trial ${s.index[i]}: ${current.span.outcomes[s.outcome[i]]}, ${(s.ms[i] / 1000).toFixed(1)} s (click to open)`;
  };
  const onClick = (/** @type {MouseEvent} */ e) => {
    const h = hit(e);
    if (h && h.i >= 0) location.hash = trialHref(h.s.index[h.i]);
  };
  el.addEventListener("mousemove", onMove);
  el.addEventListener("click", onClick);
  let width = el.clientWidth;
  const resize = new ResizeObserver(() => {
    if (Math.abs(el.clientWidth - width) < 2) return;
    width = el.clientWidth;
    draw();
  });
  resize.observe(el);
  build();

  return {
    /** @param {TimelineSpan} span @param {StationColumns[]} stations */
    update(span, stations) {
      const sameRows =
        span.outcomes.join() === current.span.outcomes.join() &&
        rows.length === stations.length &&
        rows.every((r, i) => r.station.id === stations[i].id && r.station.mru === stations[i].mru);
      current = { span, stations };
      if (sameRows && span.t0Ms !== null) {
        rows = rows.map((r, i) => ({ canvas: r.canvas, station: stations[i] }));
        const axis = el.querySelector(".tl-axis span:last-child");
        if (axis) axis.textContent = `${(span.spanMs / 1000).toFixed(1)} s`;
        draw();
      } else build();
    },
    destroy() {
      resize.disconnect();
      el.removeEventListener("mousemove", onMove);
      el.removeEventListener("click", onClick);
    },
  };
}

/** @param {string} outcome */
function resultColor(outcome) {
  return RESULT_COLORS[/** @type {keyof typeof RESULT_COLORS} */ (outcome)] ?? "#57606a";
}
