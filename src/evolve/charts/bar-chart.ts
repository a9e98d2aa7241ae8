/** Grouped bar charts with optional error bars, e.g. MRU and MTU per team size. */
import {
  dataMax,
  drawLegend,
  drawTitle,
  drawYAxis,
  el,
  esc,
  formatNumber,
  INK,
  LABEL_SIZE,
  MUTED,
  niceDomain,
  num,
  PALETTE,
  rect,
  scale,
  svgDocument,
  TICK_SIZE,
  text,
  textWidth,
} from "./svg.js";

export interface BarSeries {
  name: string;
  /** One value per group; null where there is none (drawn as "n/a"). */
  values: (number | null)[];
  /** Error bar half-widths, e.g. ± std. */
  err?: (number | null)[];
  color?: string;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  /** Group labels along x, e.g. ["1 agent", "4 agents", "8 agents"]. */
  groups: string[];
  series: BarSeries[];
  xLabel?: string;
  yMin?: number;
  yMax?: number;
  width?: number; // px, default 640
  height?: number; // px, default 400
  yTickFormat?: (y: number) => string;
  /** Print each bar's value above it (default true). */
  valueLabels?: boolean;
}

/**
 * Grouped bars with optional error bars, e.g. robot utilisation per team size.
 * @example barChart({ title: "MRU", yLabel: "robot utilisation", groups: ["1", "4", "8"],
 *   series: [{ name: "MRU", values: [0.8, 0.6, 0.5], err: [0.05, 0.04, 0.06] }] })
 */
export function barChart(options: BarChartOptions): string {
  const { title, yLabel, groups, series, width = 640, height = 400, valueLabels = true } = options;
  if (groups.length === 0) throw new RangeError("barChart needs at least one group");
  for (const s of series) {
    if (s.values.length !== groups.length || (s.err && s.err.length !== groups.length)) {
      throw new RangeError(
        `series "${s.name}" has ${s.values.length} values${s.err ? ` and ${s.err.length} errors` : ""} for ${groups.length} groups`,
      );
    }
  }
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const format = options.yTickFormat ?? formatNumber;
  const extents = series.flatMap((s) =>
    s.values.flatMap((v, g) => (v === null ? [] : [v - (s.err?.[g] ?? 0), v + (s.err?.[g] ?? 0)])),
  );
  const yDomain = niceDomain(options.yMin ?? Math.min(0, ...extents), options.yMax ?? dataMax(extents), {
    fixedLo: options.yMin !== undefined,
    fixedHi: options.yMax !== undefined,
  });
  const yTickLabelWidth = Math.max(...yDomain.ticks.map((t) => textWidth(format(t), TICK_SIZE)));
  const left = Math.max(56, 30 + yTickLabelWidth + 12);
  const heading = drawTitle(title, left, width - left - 16);
  const legend = drawLegend(
    series.map((s, i) => ({ label: s.name, swatch: "rect" as const, color: colors[i] })),
    left,
    heading.bottom,
    width - left - 20,
  );
  const plot = {
    x0: left,
    x1: width - 20,
    y0: heading.bottom + legend.height + 14,
    y1: height - (options.xLabel ? 56 : 38),
  };
  const sy = scale(yDomain.lo, yDomain.hi, plot.y1, plot.y0);
  const band = (plot.x1 - plot.x0) / groups.length;
  const barWidth = Math.min(56, (band * 0.76) / Math.max(1, series.length));
  const zero = sy(Math.max(yDomain.lo, Math.min(0, yDomain.hi)));

  const parts: string[] = [
    `<title>${esc(title)}</title>`,
    rect(plot.x0, plot.y0, plot.x1 - plot.x0, plot.y1 - plot.y0, { class: "plot-area", fill: "#fff" }),
    heading.svg,
    legend.svg,
    drawYAxis(yDomain.ticks, sy, plot, format, yLabel),
    el("line", { x1: plot.x0, y1: zero, x2: plot.x1, y2: zero, stroke: "#999", "stroke-width": 1 }),
  ];
  groups.forEach((g, gi) => {
    const cx = plot.x0 + band * (gi + 0.5);
    parts.push(text(cx, plot.y1 + 18, g, { "font-size": LABEL_SIZE, "text-anchor": "middle", fill: INK }));
    series.forEach((s, si) => {
      const x = cx + (si - series.length / 2) * barWidth;
      const v = s.values[gi];
      if (v === null) {
        parts.push(text(x + barWidth / 2, zero - 4, "n/a", { "font-size": 9, "text-anchor": "middle", fill: MUTED }));
        return;
      }
      const top = Math.min(sy(v), zero);
      const geometry = { x: x + 1, y: top, width: Math.max(0, barWidth - 2), height: Math.abs(sy(v) - zero) };
      const tip = `<title>${esc(`${s.name}, ${g}: ${format(v)}`)}</title>`;
      parts.push(el("rect", { class: "bar", "data-series": s.name, ...geometry, fill: colors[si] }, tip));
      const e = s.err?.[gi];
      let labelY = Math.min(sy(v), zero) - 4;
      if (e !== null && e !== undefined && e > 0) {
        const [hi, lo] = [sy(v + e), sy(v - e)];
        const mid = x + barWidth / 2;
        const cap = Math.min(8, barWidth / 2);
        parts.push(
          el("path", {
            class: "err",
            d: `M${num(mid)} ${num(lo)}V${num(hi)}M${num(mid - cap / 2)} ${num(hi)}h${num(cap)}M${num(mid - cap / 2)} ${num(lo)}h${num(cap)}`,
            stroke: "#333",
            "stroke-width": 1.2,
            fill: "none",
          }),
        );
        labelY = Math.min(labelY, hi - 4);
      }
      if (valueLabels) {
        parts.push(
          text(x + barWidth / 2, labelY, format(v), { "font-size": 10, "text-anchor": "middle", fill: MUTED }),
        );
      }
    });
  });
  if (options.xLabel) {
    parts.push(
      text((plot.x0 + plot.x1) / 2, height - 12, options.xLabel, {
        "font-size": LABEL_SIZE,
        "text-anchor": "middle",
        fill: MUTED,
      }),
    );
  }
  return svgDocument(width, height, parts);
}
