/**
 * The idea tree of paper Fig. 12: one lane per branch over time, the best idea's lineage, ideas borrowed between
 * branches, and the team-average best below.
 */
import {
  type Box,
  drawLegend,
  drawTitle,
  drawXAxis,
  drawYAxis,
  el,
  esc,
  formatGain,
  formatNumber,
  GREEN,
  GREEN_DARK,
  GRID,
  HALO,
  INK,
  LABEL_SIZE,
  type LabelSpot,
  labelBox,
  MUTED,
  niceTicks,
  num,
  pathData,
  placeLabel,
  scale,
  svgDocument,
  TICK_SIZE,
  text,
  textWidth,
  toSteps,
  truncate,
} from "./svg.js";

export interface IdeaTreeNode {
  id: string;
  lane: string;
  /** When the idea's result came in, minutes since the start. */
  tMin: number;
  label: string;
  /** Its success rate (0..1), or null if it was never scored. */
  score: number | null;
  /** How much it raised the team-average best, 0..1 (0.108 = +10.8 pp); 0 if it did not. */
  gain: number;
  raisedTeamBest: boolean;
  /** Kept on its branch (true) or reverted (false). */
  kept: boolean;
  onBestLineage: boolean;
}

export interface IdeaTreeView {
  /** "baseline" first, then one lane per branch or agent. */
  lanes: string[];
  nodes: IdeaTreeNode[];
  edges: { from: string; to: string; kind: "parent" | "borrowed" }[];
  /** Team-average best success rate (0..1) over minutes; drawn as a step curve in the bottom panel. */
  teamCurve: { t: number; y: number }[];
  totalMin: number;
}

export interface IdeaTreeChartOptions {
  title?: string;
  width?: number; // px, default 1200
  /** Vertical distance between lanes, px (default 34). */
  laneGap?: number;
}

/** A raise at least this large is "prominent" (paper §5.5) and gets a guide down to the team curve. */
const PROMINENT_GAIN = 0.06;

/**
 * The idea tree: time on x, one lane per branch. Filled green circles raised the team-average best (larger for
 * larger gains, labelled "+10.8 pp"), green rings were kept without raising it, hollow grey ones were reverted;
 * thin grey lines join an idea to its parent, green curves mark ideas borrowed from another branch, and a thick black
 * line follows the best idea's lineage. The bottom panel is the team-average best as a step curve on the same x axis.
 * Labels that would overlap are left out, largest gains first in line, so ~200 ideas stay legible; every node keeps
 * a tooltip with its label and score.
 * @example ideaTreeChart({ lanes: ["baseline", "agent-1"], totalMin: 60, teamCurve: [{ t: 0, y: 0 }], edges: [],
 *   nodes: [{ id: "I1", lane: "agent-1", tMin: 12, label: "BC regularization", score: 0.6, gain: 0.1,
 *     raisedTeamBest: true, kept: true, onBestLineage: true }] })
 */
export function ideaTreeChart(tree: IdeaTreeView, options: IdeaTreeChartOptions = {}): string {
  const { lanes, nodes, edges, teamCurve, totalMin } = tree;
  const { title = "Idea tree", width = 1200, laneGap = 34 } = options;
  checkTree(tree);

  const laneLabel = (lane: string) => truncate(lane, 24); // a long branch name must not eat the time axis
  const laneLabelWidth = Math.max(...lanes.map((l) => textWidth(laneLabel(l), LABEL_SIZE)));
  const x0 = Math.max(80, 24 + laneLabelWidth + 14);
  const x1 = width - 28;
  const heading = drawTitle(title, x0, x1 - x0);
  const legend = drawLegend(
    [
      { label: "raised the team-average best", swatch: "dot", color: GREEN },
      { label: "kept, no gain", swatch: "ring", color: GREEN },
      { label: "reverted", swatch: "ring", color: "#aaa" },
      { label: "best idea's lineage", swatch: "line", color: "#111", strokeWidth: 3.5 },
      { label: "borrowed from another branch", swatch: "curve", color: GREEN },
    ],
    x0,
    heading.bottom,
    x1 - x0,
  );
  const lanesTop = heading.bottom + legend.height + 24;
  const laneY = new Map(lanes.map((l, i) => [l, lanesTop + i * laneGap]));
  const lanesBottom = lanesTop + (lanes.length - 1) * laneGap;
  const panel = { x0, x1, y0: lanesBottom + 36, y1: lanesBottom + 36 + 140 };
  const height = panel.y1 + 50;
  const sx = scale(0, totalMin, x0, x1);
  const nodeX = (n: IdeaTreeNode) => sx(Math.min(totalMin, Math.max(0, n.tMin)));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const radius = (n: IdeaTreeNode) => (n.raisedTeamBest ? 4 + Math.min(4, Math.sqrt(Math.max(0, n.gain) * 100)) : 3.5);
  const xTicks = niceTicks(0, totalMin, Math.max(4, Math.round((x1 - x0) / 90)));

  const parts: string[] = [`<title>${esc(title)}</title>`];
  parts.push(heading.svg, legend.svg);
  // time grid across both panels
  for (const t of xTicks) {
    parts.push(el("line", { x1: sx(t), y1: lanesTop - 14, x2: sx(t), y2: panel.y1, stroke: "#f0f0f0" }));
  }
  for (const lane of lanes) {
    const y = laneY.get(lane)!;
    parts.push(
      el("line", { class: "lane", x1: x0, y1: y, x2: x1, y2: y, stroke: GRID, "stroke-width": 1 }),
      text(x0 - 12, y + 4, laneLabel(lane), {
        "font-size": LABEL_SIZE,
        "text-anchor": "end",
        fill: lane === lanes[0] ? INK : MUTED,
      }),
    );
  }
  // guides from prominent raises down to the team curve
  for (const n of nodes) {
    if (!n.raisedTeamBest || n.gain < PROMINENT_GAIN) continue;
    const x = nodeX(n);
    parts.push(
      el("line", {
        class: "guide",
        x1: x,
        y1: laneY.get(n.lane)! + radius(n),
        x2: x,
        y2: panel.y1,
        stroke: GREEN,
        "stroke-opacity": 0.45,
        "stroke-dasharray": "2 3",
      }),
    );
  }

  const edgePath = (a: IdeaTreeNode, b: IdeaTreeNode, kind: "parent" | "borrowed") => {
    const [ax, ay, bx, by] = [nodeX(a), laneY.get(a.lane)!, nodeX(b), laneY.get(b.lane)!];
    if (ay === by) return `M${num(ax)} ${num(ay)}H${num(bx)}`;
    // a branch leaves its parent's lane at once and runs along its own (git-graph style), so the lanes stay
    // readable; a borrowing is one S-curve from the idea to the one that took it
    const bend = kind === "parent" ? Math.min(Math.abs(bx - ax), 28) * Math.sign(bx - ax || 1) : bx - ax;
    const [mx, ex] = [ax + bend / 2, ax + bend];
    const tail = ex === bx ? "" : `H${num(bx)}`;
    return `M${num(ax)} ${num(ay)}C${num(mx)} ${num(ay)} ${num(mx)} ${num(by)} ${num(ex)} ${num(by)}${tail}`;
  };
  const edgeEl = (e: IdeaTreeView["edges"][number], cls: string, stroke: string, strokeWidth: number, extra = {}) =>
    el("path", {
      class: `edge ${cls}`,
      "data-from": e.from,
      "data-to": e.to,
      d: edgePath(byId.get(e.from)!, byId.get(e.to)!, e.kind),
      fill: "none",
      stroke,
      "stroke-width": strokeWidth,
      "stroke-linecap": "round",
      ...extra,
    });
  const onLineage = (e: IdeaTreeView["edges"][number]) =>
    byId.get(e.from)!.onBestLineage && byId.get(e.to)!.onBestLineage;
  for (const e of edges) if (e.kind === "parent" && !onLineage(e)) parts.push(edgeEl(e, "parent", "#bdbdbd", 1));
  for (const e of edges)
    if (e.kind === "borrowed" && !onLineage(e)) {
      parts.push(edgeEl(e, "borrowed", GREEN, 1.4, { "stroke-opacity": 0.8 }));
    }
  for (const e of edges) if (onLineage(e)) parts.push(edgeEl(e, `${e.kind} lineage`, "#111", 3.5));

  // nodes: reverted first, so kept and raising ones sit on top where they touch
  const rank = (n: IdeaTreeNode) => (n.raisedTeamBest ? 2 : n.kept ? 1 : 0);
  for (const n of [...nodes].sort((a, b) => rank(a) - rank(b))) {
    const kind = n.raisedTeamBest ? "raised" : n.kept ? "kept" : "reverted";
    const style =
      kind === "raised"
        ? { fill: GREEN, stroke: n.onBestLineage ? "#111" : GREEN_DARK, "stroke-width": n.onBestLineage ? 1.6 : 1 }
        : kind === "kept"
          ? { fill: "#fff", stroke: n.onBestLineage ? "#111" : GREEN, "stroke-width": 1.6 }
          : { fill: "#fff", stroke: n.onBestLineage ? "#111" : "#aaa", "stroke-width": 1 };
    const tip = [
      `${n.id} ${n.label}`,
      `score ${n.score === null ? "n/a" : `${formatNumber(n.score * 100)}%`}`,
      n.raisedTeamBest ? `team best ${formatGain(n.gain)}` : kind,
      `${formatNumber(Math.round(n.tMin * 10) / 10)} min`,
    ].join(" · ");
    parts.push(
      el(
        "circle",
        {
          class: `node ${kind}${n.onBestLineage ? " lineage" : ""}`,
          "data-id": n.id,
          cx: nodeX(n),
          cy: laneY.get(n.lane)!,
          r: radius(n),
          ...style,
        },
        `<title>${esc(tip)}</title>`,
      ),
    );
  }

  // labels of score-raising ideas, the largest gains first; a label that would overlap another or a node is dropped
  const nodeBoxes = nodes.map((n) => {
    const [x, y, r] = [nodeX(n), laneY.get(n.lane)!, radius(n)];
    return { id: n.id, box: { x0: x - r, y0: y - r, x1: x + r, y1: y + r } };
  });
  const labelBoxes: Box[] = [];
  const bounds: Box = { x0: 4, y0: lanesTop - 22, x1: width - 4, y1: lanesBottom + 26 };
  const labelSize = 10.5;
  const raised = nodes.filter((n) => n.raisedTeamBest && n.gain > 0).sort((a, b) => b.gain - a.gain);
  for (const n of raised) {
    const [x, y, r] = [nodeX(n), laneY.get(n.lane)!, radius(n)];
    const gain = formatGain(n.gain);
    const full = `${gain} ${truncate(n.label, 30)}`;
    const spots: LabelSpot[] = [
      { x: x - r, y: y - r - 3, anchor: "start" },
      { x: x + r, y: y - r - 3, anchor: "end" },
      { x: x - r, y: y + r + labelSize, anchor: "start" },
      { x: x + r, y: y + r + labelSize, anchor: "end" },
    ];
    const others = [...nodeBoxes.filter((b) => b.id !== n.id).map((b) => b.box), ...labelBoxes];
    let chosen: { spot: LabelSpot; content: string } | null = null;
    for (const content of n.label ? [full, gain] : [gain]) {
      const spot = placeLabel(content, labelSize, spots, others, bounds);
      if (spot) {
        chosen = { spot, content };
        break;
      }
    }
    if (!chosen) continue;
    const { spot, content } = chosen;
    labelBoxes.push(labelBox(content, labelSize, spot));
    const rest = content.slice(gain.length);
    parts.push(
      el(
        "text",
        {
          class: "node-label",
          ...HALO,
          "data-id": n.id,
          x: spot.x,
          y: spot.y,
          "font-size": labelSize,
          "text-anchor": spot.anchor,
          fill: INK,
        },
        `<tspan font-weight="700" fill="${GREEN_DARK}">${esc(gain)}</tspan>${esc(rest)}`,
      ),
    );
  }

  // bottom panel: the team-average best as a step curve, sharing the x axis
  const sy = scale(0, 1, panel.y1, panel.y0);
  const pct = (v: number) => `${formatNumber(Math.round(v * 1000) / 10)}%`;
  parts.push(
    drawYAxis([0, 0.25, 0.5, 0.75, 1], sy, panel, pct, "team-avg best SR"),
    drawXAxis(xTicks, sx, panel, formatNumber, "wall-clock time (min)"),
  );
  const curve = [...teamCurve].sort((a, b) => a.t - b.t);
  if (curve.length > 0) {
    const last = curve.at(-1)!;
    if (last.t < totalMin) curve.push({ t: totalMin, y: last.y });
    const pts = toSteps(curve.map((p) => ({ x: Math.min(totalMin, Math.max(0, p.t)), y: p.y }))).map(
      (p) => [sx(p.x), sy(p.y)] as [number, number],
    );
    const area = `${pathData(pts)}V${num(panel.y1)}H${num(pts[0][0])}Z`;
    parts.push(
      el("path", { class: "team-area", d: area, fill: GREEN, "fill-opacity": 0.1, stroke: "none" }),
      el("path", {
        class: "team-curve",
        d: pathData(pts),
        fill: "none",
        stroke: GREEN_DARK,
        "stroke-width": 2,
        "stroke-linejoin": "round",
      }),
      text(x1, sy(last.y) - 6, pct(last.y), {
        "font-size": TICK_SIZE,
        "text-anchor": "end",
        fill: GREEN_DARK,
        "font-weight": 600,
      }),
    );
  }
  return svgDocument(width, height, parts);
}

function checkTree(tree: IdeaTreeView): void {
  const { lanes, nodes, edges, totalMin } = tree;
  if (!(Number.isFinite(totalMin) && totalMin > 0)) throw new RangeError(`totalMin must be positive, got ${totalMin}`);
  if (lanes.length === 0) throw new RangeError('the idea tree needs at least one lane, e.g. "baseline"');
  if (new Set(lanes).size !== lanes.length) throw new RangeError(`lanes must be unique, got ${lanes.join(", ")}`);
  const ids = new Set<string>();
  for (const n of nodes) {
    if (ids.has(n.id)) throw new RangeError(`idea "${n.id}" appears twice`);
    ids.add(n.id);
    if (!lanes.includes(n.lane)) {
      throw new RangeError(`idea "${n.id}" is in lane "${n.lane}", which is not one of: ${lanes.join(", ")}`);
    }
    if (!Number.isFinite(n.tMin)) throw new RangeError(`idea "${n.id}": tMin must be a number, got ${n.tMin}`);
  }
  for (const e of edges) {
    for (const end of [e.from, e.to]) {
      if (!ids.has(end)) throw new RangeError(`edge ${e.from} → ${e.to} names idea "${end}", which is not in the tree`);
    }
  }
}
