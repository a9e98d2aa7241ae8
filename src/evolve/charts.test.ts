import assert from "node:assert/strict";
import { test } from "node:test";
import { barChart, type IdeaTreeNode, type IdeaTreeView, ideaTreeChart, lineChart } from "./charts.js";

// ---- a small XML well-formedness check: one root, matched tags, quoted unique attributes, only known entities

const NAME = "[A-Za-z_][\\w:.-]*";
const TAG = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`);
const ATTR = new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, "g");
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

function assertWellFormedXml(xml: string): void {
  const open: string[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const textRun = xml.slice(i, lt < 0 ? xml.length : lt);
    assert.ok(!ENTITY.test(textRun), `a bare & in text near "${textRun.slice(0, 60)}"`);
    assert.ok(open.length > 0 || textRun.trim() === "", `text outside the root: "${textRun.slice(0, 60)}"`);
    if (lt < 0) break;
    const m = TAG.exec(xml.slice(lt));
    assert.ok(m, `a malformed tag at ${lt}: ${xml.slice(lt, lt + 80)}`);
    const [whole, closing, name, attrs, selfClosing] = m;
    const names = [...attrs.matchAll(ATTR)].map((a) => a[1]);
    assert.equal(new Set(names).size, names.length, `duplicate attribute in <${name}>`);
    for (const a of attrs.matchAll(ATTR)) assert.ok(!ENTITY.test(a[2]), `a bare & in ${name}@${a[1]}="${a[2]}"`);
    if (closing) assert.equal(open.pop(), name, `</${name}> closes the wrong element`);
    else {
      if (open.length === 0) roots++;
      if (!selfClosing) open.push(name);
    }
    i = lt + whole.length;
  }
  assert.deepEqual(open, [], "unclosed elements");
  assert.equal(roots, 1, "exactly one root element");
}

/** The attributes of every `<tag …>` whose attributes match `where`. */
function elements(svg: string, tag: string, where: Record<string, string | RegExp> = {}): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag}\\b([^>]*?)/?>`, "g"))) {
    const attrs = Object.fromEntries([...m[1].matchAll(ATTR)].map((a) => [a[1], a[2]]));
    const ok = Object.entries(where).every(([k, v]) =>
      typeof v === "string" ? attrs[k] === v : v.test(attrs[k] ?? ""),
    );
    if (ok) out.push(attrs);
  }
  return out;
}

function one(svg: string, tag: string, where: Record<string, string | RegExp>): Record<string, string> {
  const found = elements(svg, tag, where);
  assert.equal(found.length, 1, `one <${tag}> matching ${JSON.stringify(where, (_, v) => String(v))}`);
  return found[0];
}

test("the well-formedness check itself rejects broken XML", () => {
  assert.throws(() => assertWellFormedXml("<svg><g></svg>"));
  assert.throws(() => assertWellFormedXml("<svg><text>a & b</text></svg>"));
  assert.throws(() => assertWellFormedXml('<svg><text x="1" x="2">a</text></svg>'));
  assert.throws(() => assertWellFormedXml("<svg/><svg/>"));
  assertWellFormedXml('<svg a="1"><text>a &amp; b &lt;c&gt;</text><g/></svg>');
});

// ---- line chart

const lineOptions = () => ({
  title: "Pin insertion <real> & friends",
  xLabel: "wall-clock time (min)",
  yLabel: "success rate",
  xMax: 200,
  yMin: 0,
  yMax: 1,
  series: [
    {
      name: "Codex mean ± SEM",
      points: [
        { x: 0, y: 0.5 },
        { x: 100, y: 0.9 },
        { x: 200, y: 1 },
      ],
      band: { x: [0, 100, 200], lo: [0.45, 0.85, 0.98], hi: [0.55, 0.95, 1] },
    },
    {
      name: "Claude <best> run",
      dashed: true,
      step: true,
      points: [
        { x: 0, y: 0.6 },
        { x: 50, y: 0.8 },
      ],
    },
  ],
  markers: [{ x: 50, y: 0.25, label: "BC <reg> & co +10.8 pp" }],
});

test("a line chart is well-formed SVG with its title, series names, labels and markers, all escaped", () => {
  const svg = lineChart(lineOptions());
  assertWellFormedXml(svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const s of ["Pin insertion &lt;real&gt; &amp; friends", "Codex mean ± SEM", "Claude &lt;best&gt; run"]) {
    assert.ok(svg.includes(s), `contains ${s}`);
  }
  assert.ok(svg.includes("BC &lt;reg&gt; &amp; co +10.8 pp"));
  assert.ok(!svg.includes("<real>") && !svg.includes("<best>") && !svg.includes("<reg>"), "no raw markup from labels");
  assert.ok(svg.includes("wall-clock time (min)") && svg.includes("success rate"));
  assert.equal(elements(svg, "polygon", { class: "band" }).length, 1);
  assert.equal(one(svg, "path", { "data-name": "Claude &lt;best&gt; run" })["stroke-dasharray"], "6 4");
  assert.ok(!/\d\.\d{3,}/.test(svg), "every number is rounded to 2 decimals");
});

test("a point lands on the right pixel for the axes' scale", () => {
  const svg = lineChart(lineOptions());
  const area = one(svg, "rect", { class: "plot-area" });
  const [x, y, w, h] = [area.x, area.y, area.width, area.height].map(Number);
  const marker = one(svg, "circle", { class: "marker" });
  // marker (50 min, 0.25) on x 0..200 and y 0..1: a quarter across, a quarter up from the bottom
  assert.ok(Math.abs(Number(marker.cx) - (x + w * 0.25)) <= 0.01, `cx ${marker.cx}`);
  assert.ok(Math.abs(Number(marker.cy) - (y + h * 0.75)) <= 0.01, `cy ${marker.cy}`);
  // the first series starts at (0, 0.5): the left edge, half-way up
  const d = one(svg, "path", { "data-name": "Codex mean ± SEM" }).d;
  const [, mx, my] = /^M([\d.]+) ([\d.]+)/.exec(d)!.map(Number);
  assert.ok(Math.abs(mx - x) <= 0.01 && Math.abs(my - (y + h / 2)) <= 0.01, `path starts at ${mx},${my}`);
});

test("a step series holds each value until the next point", () => {
  const svg = lineChart(lineOptions());
  const area = one(svg, "rect", { class: "plot-area" });
  const [x, y, w, h] = [area.x, area.y, area.width, area.height].map(Number);
  const d = one(svg, "path", { "data-name": "Claude &lt;best&gt; run" }).d;
  const points = [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  const px = (t: number) => Math.round((x + (w * t) / 200) * 100) / 100;
  const py = (v: number) => Math.round((y + h * (1 - v)) * 100) / 100;
  assert.deepEqual(points, [
    [px(0), py(0.6)],
    [px(50), py(0.6)], // the riser: still 0.6 at t = 50
    [px(50), py(0.8)],
  ]);
});

test("line chart inputs that cannot be drawn are refused", () => {
  assert.throws(() => lineChart({ ...lineOptions(), xMax: 0 }), /xMax must be a positive number/);
  const bad = { name: "x", points: [], band: { x: [0, 1], lo: [0], hi: [1, 1] } };
  assert.throws(() => lineChart({ ...lineOptions(), series: [bad] }), /series "x": band x, lo and hi/);
});

// ---- bar chart

test("a bar chart draws each value at its height, with error bars, and n/a for a missing value", () => {
  const svg = barChart({
    title: "MRU & MTU by team size",
    yLabel: "utilisation",
    groups: ["1 agent", "4 agents", "8 <agents>"],
    yMin: 0,
    yMax: 1,
    series: [
      { name: "MRU", values: [0.8, 0.5, 0.4], err: [0.05, 0.1, null] },
      { name: "GPU", values: [0.2, null, 0.6] },
    ],
  });
  assertWellFormedXml(svg);
  assert.ok(svg.includes("MRU &amp; MTU by team size") && svg.includes("8 &lt;agents&gt;"));
  const area = one(svg, "rect", { class: "plot-area" });
  const bars = elements(svg, "rect", { class: "bar" });
  assert.equal(bars.length, 5, "one bar per non-null value");
  const first = bars.find((b) => b["data-series"] === "MRU")!; // 0.8 on 0..1
  assert.ok(Math.abs(Number(first.height) - Number(area.height) * 0.8) <= 0.01, "0.8 of the plot's height");
  const bottom = Number(area.y) + Number(area.height);
  assert.ok(Math.abs(Number(first.y) + Number(first.height) - bottom) <= 0.01, "standing on the zero line");
  assert.equal(elements(svg, "path", { class: "err" }).length, 2);
  assert.ok(svg.includes(">n/a</text>"));
  assert.throws(
    () => barChart({ title: "t", yLabel: "y", groups: ["a", "b"], series: [{ name: "s", values: [1] }] }),
    /series "s" has 1 values for 2 groups/,
  );
});

// ---- idea tree

function node(id: string, lane: string, tMin: number, more: Partial<IdeaTreeNode> = {}): IdeaTreeNode {
  return {
    id,
    lane,
    tMin,
    label: `idea ${id}`,
    score: 0.5,
    gain: 0,
    raisedTeamBest: false,
    kept: false,
    onBestLineage: false,
    ...more,
  };
}

const smallTree = (): IdeaTreeView => ({
  lanes: ["baseline", "agent-1", "agent-2"],
  nodes: [
    node("B0", "baseline", 0, { kept: true, onBestLineage: true }),
    node("I1", "agent-1", 20, {
      label: "BC <regularization>",
      raisedTeamBest: true,
      kept: true,
      gain: 0.108,
      onBestLineage: true,
    }),
    node("I2", "agent-1", 40, { kept: true }),
    node("I3", "agent-2", 50),
    node("I4", "agent-2", 70, { kept: true, raisedTeamBest: true, gain: 0.02, onBestLineage: true }),
  ],
  edges: [
    { from: "B0", to: "I1", kind: "parent" },
    { from: "I1", to: "I2", kind: "parent" },
    { from: "B0", to: "I3", kind: "parent" },
    { from: "I1", to: "I4", kind: "borrowed" },
    { from: "I2", to: "I3", kind: "borrowed" },
  ],
  teamCurve: [
    { t: 0, y: 0 },
    { t: 20, y: 0.108 },
    { t: 70, y: 0.128 },
  ],
  totalMin: 100,
});

test("the idea tree fills the ideas that raised the team best, rings the kept ones, greys the reverted", () => {
  const svg = ideaTreeChart(smallTree());
  assertWellFormedXml(svg);
  const raised = one(svg, "circle", { "data-id": "I1" });
  assert.match(raised.class, /\bnode raised\b/);
  assert.notEqual(raised.fill, "#fff", "filled");
  const kept = one(svg, "circle", { "data-id": "I2" });
  assert.match(kept.class, /\bkept\b/);
  assert.equal(kept.fill, "#fff");
  assert.equal(kept.stroke, raised.fill, "a ring in the raised colour");
  const reverted = one(svg, "circle", { "data-id": "I3" });
  assert.match(reverted.class, /\breverted\b/);
  assert.equal(reverted.fill, "#fff");
  assert.notEqual(reverted.stroke, raised.fill, "grey, not green");
  assert.ok(Number(raised.r) > Number(one(svg, "circle", { "data-id": "I4" }).r), "a larger gain, a larger circle");
});

test("the idea tree draws the best lineage thick and black, borrowings green, other parents thin", () => {
  const svg = ideaTreeChart(smallTree());
  const lineage = one(svg, "path", { "data-from": "B0", "data-to": "I1" });
  assert.match(lineage.class, /\blineage\b/);
  const parent = one(svg, "path", { "data-from": "I1", "data-to": "I2" });
  assert.doesNotMatch(parent.class, /lineage/);
  assert.ok(Number(lineage["stroke-width"]) >= 3 * Number(parent["stroke-width"]), "thick against thin");
  assert.equal(lineage.stroke, "#111");
  const borrowed = one(svg, "path", { "data-from": "I1", "data-to": "I4" });
  assert.match(borrowed.class, /\bborrowed\b/, "a borrowing stays a borrowing even on the lineage");
  assert.match(borrowed.d, /C/, "drawn as a curve between lanes");
  assert.equal(borrowed.stroke, "#111", "on the lineage: black");
  const green = one(svg, "path", { "data-from": "I2", "data-to": "I3" });
  assert.equal(green.class, "edge borrowed");
  assert.equal(green.stroke, one(svg, "circle", { "data-id": "I1" }).fill, "off the lineage: green");
});

test("the idea tree labels score-raising ideas with their gain, escapes labels, and draws the team curve", () => {
  const svg = ideaTreeChart(smallTree(), { title: "Pin <insertion>" });
  assert.ok(svg.includes("+10.8 pp") && svg.includes("+2.0 pp"));
  assert.ok(svg.includes("BC &lt;regularization&gt;") && svg.includes("Pin &lt;insertion&gt;"));
  assert.ok(!svg.includes("<regularization>"));
  const curve = one(svg, "path", { class: "team-curve" });
  assert.equal(curve.d.match(/L/g)?.length, 5, "(0,0) → (20,0) → (20,.108) → (70,.108) → (70,.128) → (100,.128)");
});

test("with 200 crowded ideas the tree stays well-formed and leaves out labels rather than overlap them", () => {
  const lanes = ["baseline", "a", "b", "c"];
  const nodes = Array.from({ length: 200 }, (_, i) =>
    node(`I${i}`, lanes[1 + (i % 3)], 10 + (i % 50) * 0.5, { raisedTeamBest: true, kept: true, gain: 0.001 * (i + 1) }),
  );
  const svg = ideaTreeChart({ lanes, nodes, edges: [], teamCurve: [], totalMin: 60 });
  assertWellFormedXml(svg);
  assert.equal(elements(svg, "circle", { class: /\bnode\b/ }).length, 200, "every idea is drawn");
  const labels = [...svg.matchAll(/<text class="node-label"([^>]*)>(.*?)<\/text>/g)];
  assert.ok(labels.length > 0 && labels.length < 40, `${labels.length} labels`);
  // the largest gains get their labels first
  assert.ok(labels.some((l) => l[1].includes('data-id="I199"')));
  const boxes = labels.map(([, attrs, body]) => {
    const a = Object.fromEntries([...attrs.matchAll(ATTR)].map((m) => [m[1], m[2]]));
    const width = body.replace(/<[^>]+>/g, "").replace(/&\w+;/g, "x").length * Number(a["font-size"]) * 0.5;
    const x0 = a["text-anchor"] === "end" ? Number(a.x) - width : Number(a.x);
    return { x0, x1: x0 + width, y0: Number(a.y) - 8, y1: Number(a.y) + 2 };
  });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [p, q] = [boxes[i], boxes[j]];
      const overlap = p.x0 < q.x1 && q.x0 < p.x1 && p.y0 < q.y1 && q.y0 < p.y1;
      assert.ok(!overlap, `labels ${i} and ${j} overlap`);
    }
  }
});

test("an idea tree that names unknown lanes or ideas is refused", () => {
  const t = smallTree();
  assert.throws(
    () => ideaTreeChart({ ...t, nodes: [...t.nodes, node("X", "agent-9", 5)] }),
    /idea "X" is in lane "agent-9", which is not one of: baseline, agent-1, agent-2/,
  );
  assert.throws(
    () => ideaTreeChart({ ...t, edges: [{ from: "I1", to: "nope", kind: "parent" }] }),
    /edge I1 → nope names idea "nope"/,
  );
  assert.throws(
    () => ideaTreeChart({ ...t, nodes: [...t.nodes, node("I1", "agent-1", 5)] }),
    /idea "I1" appears twice/,
  );
});
