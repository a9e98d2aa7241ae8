/**
 * Charts of the Research pages: success vs wall-clock time per branch with the team-average best as a step curve
 * (uPlot, stepped lines), the idea tree as SVG (lanes by branch, time across; nodes sized and coloured by the rise of
 * the team-average best they caused, the best idea's lineage highlighted, borrowed edges dashed; each node a
 * keyboard-focusable button), a Wilson-interval bar, and a unified diff with +/- colouring. Labels are escaped.
 */
import uPlot from "/vendor/uplot/uPlot.esm.js";
import { COLORS } from "./charts.js";
import { escapeHtml, html, raw } from "./lib.js";

/** The team-average best's colour (the branches take COLORS in order). */
const TEAM_COLOR = "#24292f";

/**
 * Step curves as uPlot's aligned columns: every x of every curve, each curve holding its last value at or before
 * it (at a jump, the value after it). @param {[number, number][][]} curves @returns {(number|null)[][]}
 */
function alignSteps(curves) {
  const xs = [...new Set(curves.flatMap((c) => c.map((p) => p[0])))].sort((a, b) => a - b);
  const cols = curves.map((c) => {
    let j = -1;
    return xs.map((x) => {
      while (j + 1 < c.length && c[j + 1][0] <= x) j++;
      return j < 0 ? null : c[j][1];
    });
  });
  return [xs, ...cols];
}

/**
 * @typedef {{ perBranch: { branch: string, points: [number, number][] }[], teamAverage: [number, number][],
 *   totalMin: number }} Curves
 */

/**
 * Success vs wall-clock minutes: one stepped line per branch (its best kept success so far) and the team average.
 * @param {HTMLElement} el @param {Curves} curves
 * @returns {{ setData: (c: Curves) => void, destroy: () => void }}
 */
export function successVsTime(el, curves) {
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  const branches = curves.perBranch.map((b) => b.branch);
  const data = (/** @type {Curves} */ c) => alignSteps([...c.perBranch.map((b) => b.points), c.teamAverage]);
  const pctValue = (/** @type {any} */ _u, /** @type {number|null} */ v) =>
    v === null ? "–" : `${(v * 100).toFixed(1)}%`;
  const opts = {
    width: Math.max(300, el.clientWidth || 700),
    height: 260,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [
      { label: "wall-clock minutes", stroke: "#57606a", grid: { stroke: "#eaeef2" } },
      {
        label: "best success (search seeds)",
        stroke: "#57606a",
        grid: { stroke: "#eaeef2" },
        size: 56,
        values: (/** @type {any} */ _u, /** @type {number[]} */ t) => t.map((v) => `${Math.round(v * 100)}%`),
      },
    ],
    series: [
      {
        label: "min",
        value: (/** @type {any} */ _u, /** @type {number|null} */ v) => (v === null ? "–" : v.toFixed(2)),
      },
      ...branches.map((b, i) => ({
        label: b,
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        paths: stepped,
        points: { show: false },
        value: pctValue,
      })),
      { label: "team average", stroke: TEAM_COLOR, width: 3, paths: stepped, points: { show: false }, value: pctValue },
    ],
  };
  let plot = new uPlot(opts, data(curves), el);
  const resize = new ResizeObserver(() => {
    const width = Math.max(300, el.clientWidth);
    if (Math.abs(width - plot.width) > 2) plot.setSize({ width, height: plot.height });
  });
  resize.observe(el);
  return {
    setData(next) {
      if (next.perBranch.map((b) => b.branch).join("\n") !== branches.join("\n")) {
        // a new branch: the series change, draw afresh
        plot.destroy();
        branches.splice(0, branches.length, ...next.perBranch.map((b) => b.branch));
        opts.series.splice(
          1,
          opts.series.length - 2,
          ...branches.map((b, i) => ({
            label: b,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            paths: stepped,
            points: { show: false },
            value: pctValue,
          })),
        );
        plot = new uPlot(opts, data(next), el);
      } else plot.setData(data(next));
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/**
 * A Wilson 95% interval on a 0–100% scale, with the rate as a tick and the goal as a dashed line.
 * @param {number|null} rate @param {{low:number,high:number}|null} ci @param {number} [goal]
 */
export function ciBar(rate, ci, goal) {
  const w = 140;
  const h = 14;
  const x = (/** @type {number} */ v) => (Math.max(0, Math.min(1, v)) * (w - 2) + 1).toFixed(1);
  const parts = [`<rect x="0.5" y="4.5" width="${w - 1}" height="${h - 9}" class="research-ci-track"/>`];
  if (ci) {
    parts.push(
      `<rect x="${x(ci.low)}" y="3" width="${Math.max(1, Number(x(ci.high)) - Number(x(ci.low))).toFixed(1)}" height="${h - 6}" class="research-ci-range"/>`,
    );
  }
  if (typeof rate === "number")
    parts.push(`<rect x="${Number(x(rate)) - 1}" y="1" width="2" height="${h - 2}" class="research-ci-rate"/>`);
  if (typeof goal === "number")
    parts.push(`<line x1="${x(goal)}" x2="${x(goal)}" y1="0" y2="${h}" class="research-ci-goal"/>`);
  const title = ci ? `Wilson 95%: ${(ci.low * 100).toFixed(1)}–${(ci.high * 100).toFixed(1)}%` : "no trials yet";
  return raw(
    `<svg class="research-ci" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${parts.join("")}</svg>`,
  );
}

/**
 * @typedef {{ id: string, lane: string, agent: string|null, tMin: number, label: string, commit: string,
 *   score: number|null, trials: number, kept: boolean, gain: number, raisedTeamBest: boolean,
 *   onBestLineage: boolean, kind: "baseline"|"change"|"borrow" }} IdeaNode
 * @typedef {{ from: string, to: string, kind: "parent"|"borrowed" }} IdeaEdge
 * @typedef {{ lanes: string[], nodes: IdeaNode[], edges: IdeaEdge[], bestLineage: string[], totalMin: number }} Tree
 */

/** A node's fill: the baseline dark, kept ideas green (deeper for a larger gain), borrows purple, reverted grey. @param {IdeaNode} n */
function nodeClass(n) {
  if (n.kind === "baseline") return "research-node-baseline";
  if (n.kind === "borrow") return "research-node-borrow";
  if (!n.kept) return "research-node-reverted";
  return n.gain > 0 ? "research-node-raised" : "research-node-kept";
}

/**
 * The idea tree as trusted SVG markup: one lane per branch, x = minutes since the project started. Each node is a
 * focusable button carrying `data-node`; the page handles click and Enter/Space.
 * @param {Tree} tree @param {string|null} selected
 */
export function ideaTreeSvg(tree, selected) {
  if (tree.nodes.length <= 1)
    return raw('<p class="empty">No decided ideas yet: they appear here as agents decide them.</p>');
  const label = 110;
  const width = 1000;
  const laneH = 46;
  const top = 18;
  const plotW = width - label - 30;
  const height = top + tree.lanes.length * laneH + 22;
  const tMax = Math.max(tree.totalMin, ...tree.nodes.map((n) => n.tMin), 0.01);
  const laneOf = new Map(tree.lanes.map((l, i) => [l, i]));
  const radius = (/** @type {IdeaNode} */ n) =>
    n.kind === "baseline" ? 7 : 4 + Math.min(12, Math.sqrt(Math.max(0, n.gain)) * 22);
  /** Ideas decided within a few pixels' time of each other on one lane nudge apart so that none hides another. */
  const pos = new Map();
  /** @type {Map<number, { x: number, r: number }>} */
  const taken = new Map();
  for (const n of [...tree.nodes].sort((a, b) => a.tMin - b.tMin)) {
    const lane = laneOf.get(n.lane) ?? 0;
    let x = label + 12 + (n.tMin / tMax) * plotW;
    const last = taken.get(lane);
    const r = radius(n);
    if (last !== undefined && x - last.x < last.r + r + 2) x = last.x + last.r + r + 2;
    taken.set(lane, { x, r });
    pos.set(n.id, { x, y: top + lane * laneH + laneH / 2 });
  }
  const lineage = new Set(tree.bestLineage);
  const out = [];
  tree.lanes.forEach((l, i) => {
    const y = top + i * laneH + laneH / 2;
    out.push(
      `<line x1="${label}" x2="${width - 10}" y1="${y}" y2="${y}" class="research-lane"/><text x="0" y="${y + 4}" class="research-lane-label">${escapeHtml(l)}</text>`,
    );
  });
  for (const e of tree.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const best = lineage.has(e.from) && lineage.has(e.to);
    const cls = `research-edge research-edge-${e.kind}${best ? " research-edge-best" : ""}`;
    const mx = (a.x + b.x) / 2;
    out.push(
      `<path d="M${a.x.toFixed(1)},${a.y} C${mx.toFixed(1)},${a.y} ${mx.toFixed(1)},${b.y} ${b.x.toFixed(1)},${b.y}" class="${cls}"/>`,
    );
  }
  for (const n of tree.nodes) {
    const p = pos.get(n.id);
    const r = radius(n);
    const score = n.score === null ? "not evaluated" : `${(n.score * 100).toFixed(1)}% over ${n.trials} trials`;
    const gain = n.gain > 0 ? `, raised the team average by ${(n.gain * 100).toFixed(1)} pp` : "";
    const what = n.kind === "change" ? (n.kept ? "kept" : "reverted") : n.kind;
    const title = `${n.id} (${what}, ${score}${gain}): ${n.label}`;
    const cls = `research-node ${nodeClass(n)}${lineage.has(n.id) ? " research-node-best" : ""}${selected === n.id ? " research-node-selected" : ""}`;
    out.push(
      `<g class="${cls}" data-node="${escapeHtml(n.id)}" tabindex="0" role="button" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title><circle cx="${p.x.toFixed(1)}" cy="${p.y}" r="${r.toFixed(1)}"/></g>`,
    );
  }
  out.push(
    `<text x="${label}" y="${height - 4}" class="research-axis">0 min</text><text x="${width - 10}" y="${height - 4}" class="research-axis" text-anchor="end">${tMax.toFixed(1)} min</text>`,
  );
  return raw(
    `<svg class="research-tree" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMinYMin meet" role="group" aria-label="idea tree">${out.join("")}</svg>`,
  );
}

/** A unified diff, each line escaped and coloured: added, removed, hunk header, file header. @param {string} text */
export function diffView(text) {
  const lines = text.replace(/\n$/, "").split("\n");
  const cls = (/** @type {string} */ l) => {
    if (l.startsWith("+++") || l.startsWith("---") || l.startsWith("diff ") || l.startsWith("index "))
      return "research-diff-meta";
    if (l.startsWith("+")) return "research-diff-add";
    if (l.startsWith("-")) return "research-diff-del";
    if (l.startsWith("@@")) return "research-diff-hunk";
    return "";
  };
  return html`<pre class="research-diff">${lines.map((l) => html`<span class="${cls(l)}">${l}\n</span>`)}</pre>`;
}
