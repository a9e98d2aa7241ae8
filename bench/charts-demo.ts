/**
 * Example charts from the ENPIRE paper's numbers, to look at: writes SVGs to tmp/charts/ (or the folder given).
 * - team-average-best.svg  pin insertion, 8 agents: the team-average best step curve of paper §5.5, exact, with the
 *                          six labelled ideas.
 * - idea-tree.svg          an idea tree of ~200 ideas whose score-raising ideas reproduce that curve exactly; the
 *                          other ideas, lanes and borrowings are made up (seeded), to show the layout at full size.
 * - pin-agents.svg         AutoEnvBench pin insertion per agent, mean ± SEM of 4 runs and the best run (paper §5.3):
 *                          the best runs are the paper's points; the other runs are drawn from their start and final
 *                          values only (illustrative shapes).
 * - tokens.svg             Codex token breakdown on pusht-simple for 1 / 2 / 4 agents (paper §5.7, exact).
 * - utilization.svg        MRU and GPU utilisation per team size: illustrative values (the paper's bars were not
 *                          recoverable), following its findings (MRU falls, GPU use rises with fleet size).
 * Run: node --import tsx bench/charts-demo.ts [outDir]
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RandomState } from "../src/core/rng.js";
import { barChart, type IdeaTreeNode, type IdeaTreeView, ideaTreeChart, lineChart } from "../src/evolve/charts.js";
import { aggregateRuns, type Curve, type CurvePoint, teamAverageBest } from "../src/evolve/curves.js";

const outDir = process.argv[2] ?? "tmp/charts";
mkdirSync(outDir, { recursive: true });
const percent = (y: number) => `${Math.round(y * 100)}%`;

// ---- 1. the team-average best of the May-26 pin-insertion run (paper §5.5), [minutes, %]
const TOTAL_MIN = 202.4;
// biome-ignore format: one pair per step, as the paper lists them
const TEAM_STEPS: [number, number][] = [
  [0, 0], [8.75, 12.5], [13.78, 13.16], [15.63, 17.33], [19.58, 19.41], [20.65, 23.2], [23.5, 24.51],
  [28.08, 36.07], [31.1, 37.75], [32.65, 38.04], [33.88, 38.8], [40.68, 43.08], [42.78, 48.32],
  [43.3, 59.14], [47.92, 59.72], [53.03, 72.22], [59.6, 74.72], [61.23, 76.11], [66.87, 81.69],
  [74.23, 82.47], [83.3, 88.68], [93.88, 89.11], [117.47, 90.04], [123.08, 91.07], [148.9, 93.18],
  [149.28, 94.48], [171.13, 95.12], [183.18, 96.5], [192.98, 97.38],
];
const LABELLED: Record<string, string> = {
  "20.65": "Online RL mix Demo",
  "43.3": "BC regularization",
  "53.03": "Re-evaluate",
  "93.88": "Tweak BC term weight",
  "117.47": "Tune batch size 1024→512",
  "149.28": "Compensate controller",
};
const AGENTS = Array.from({ length: 8 }, (_, i) => `agent-${i + 1}`);

// Each step of the team average is one agent's personal best rising by 8 × the step. Give it to the agent with the
// least room that still fits (best fit), which keeps untouched agents for the late jumps of a whole 100 pp.
const personalBest = new Map(AGENTS.map((a) => [a, 0]));
const raisesByAgent: Record<string, CurvePoint[]> = {};
const raiseAgent = new Map<number, string>();
for (let k = 1; k < TEAM_STEPS.length; k++) {
  const [t, y] = TEAM_STEPS[k];
  const rise = ((y - TEAM_STEPS[k - 1][1]) / 100) * AGENTS.length;
  const fits = AGENTS.filter((a) => personalBest.get(a)! + rise <= 1 + 1e-9);
  if (fits.length === 0) throw new Error(`no agent can rise by ${rise} at ${t} min`);
  const agent = fits.reduce((a, b) => (personalBest.get(b)! > personalBest.get(a)! ? b : a));
  personalBest.set(agent, Math.min(1, personalBest.get(agent)! + rise));
  raisesByAgent[agent] = [...(raisesByAgent[agent] ?? []), { t, y: personalBest.get(agent)! }];
  raiseAgent.set(t, agent);
}
const team = teamAverageBest(raisesByAgent, AGENTS, { until: TOTAL_MIN });
for (const [t, y] of TEAM_STEPS.slice(1)) {
  const raise = team.raises.find((r) => r.t === t);
  if (!raise || Math.abs(raise.y * 100 - y) > 1e-9) throw new Error(`the reconstruction misses the step at ${t} min`);
}

writeFileSync(
  join(outDir, "team-average-best.svg"),
  lineChart({
    title: "Pin insertion, 8 agents: team-average best success rate (paper §5.5)",
    xLabel: "research wall-clock time (min)",
    yLabel: "team-average best SR",
    xMax: TOTAL_MIN,
    yMin: 0,
    yMax: 1,
    xTicks: [0, 30, 60, 90, 120, 150, 180],
    yTickFormat: percent,
    series: [
      {
        name: "mean of the 8 agents' personal best so far",
        points: team.curve.map(({ t, y }) => ({ x: t, y })),
        step: true,
      },
    ],
    markers: team.raises
      .filter((r) => LABELLED[String(r.t)])
      .map((r) => ({ x: r.t, y: r.y, label: `${LABELLED[String(r.t)]} +${(r.gain * 100).toFixed(1)} pp` })),
  }),
);

// ---- 2. an idea tree around those raises
const rng = new RandomState(26);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.randomSample();
const IDEAS = [
  "Lower actor LR",
  "Larger replay buffer",
  "Action chunk 8→4",
  "Reward: insertion depth",
  "Demo oversampling",
  "Wider critic",
  "Layer norm in critic",
  "Entropy target −2",
  "Noise on proprio",
  "Camera crop 224",
  "Freeze encoder",
  "UTD ratio 4",
  "Smaller gripper deadband",
  "Warm-start critic",
  "Clip Q targets",
  "Residual RL on BC",
  "n-step returns",
  "Longer episodes",
  "Retry on slip",
  "Wrist-camera only",
];
type Draft = Omit<IdeaTreeNode, "id" | "onBestLineage"> & { borrowedFrom?: number };
const drafts: Draft[] = [];
for (const [t] of TEAM_STEPS.slice(1)) {
  const r = team.raises.find((x) => x.t === t)!;
  const label = LABELLED[String(t)] ?? IDEAS[Math.floor(uniform(0, IDEAS.length))];
  drafts.push({
    lane: raiseAgent.get(t)!,
    tMin: t,
    label,
    score: personalBest.get(r.agent)!,
    gain: r.gain,
    raisedTeamBest: true,
    kept: true,
  });
}
for (const agent of AGENTS) {
  for (let i = 0; i < 21; i++) {
    const kept = rng.randomSample() < 0.3;
    drafts.push({
      lane: agent,
      tMin: uniform(2, TOTAL_MIN - 2),
      label: IDEAS[Math.floor(uniform(0, IDEAS.length))],
      score: rng.randomSample() < 0.1 ? null : uniform(0.05, 0.85),
      gain: 0,
      raisedTeamBest: false,
      kept,
    });
  }
}
drafts.sort((a, b) => a.tMin - b.tMin);
// after each prominent raise (≥ 6 pp), two or three other agents borrow it within the next quarter hour
drafts.forEach((d, i) => {
  if (!d.raisedTeamBest || d.gain < 0.06) return;
  const takers = drafts
    .map((x, j) => ({ x, j }))
    .filter(
      ({ x }) => x.lane !== d.lane && x.tMin > d.tMin + 2 && x.tMin < d.tMin + 15 && x.borrowedFrom === undefined,
    );
  for (const { x } of takers.slice(0, 3)) {
    x.borrowedFrom = i;
    x.kept = true;
  }
});
const nodes: IdeaTreeNode[] = [
  {
    id: "B0",
    lane: "baseline",
    tMin: 0,
    label: "baseline recipe",
    score: null,
    gain: 0,
    raisedTeamBest: false,
    kept: true,
    onBestLineage: true,
  },
  ...drafts.map((d, i) => ({ ...d, id: `I${i + 1}`, onBestLineage: false })),
];
const edges: IdeaTreeView["edges"] = [];
const parentOf = new Map<string, string>();
const lastKept = new Map<string, string>(AGENTS.map((a) => [a, "B0"]));
nodes.slice(1).forEach((n, i) => {
  const parent = lastKept.get(n.lane)!;
  edges.push({ from: parent, to: n.id, kind: "parent" });
  parentOf.set(n.id, parent);
  if (n.kept) lastKept.set(n.lane, n.id);
  const from = drafts[i].borrowedFrom;
  if (from !== undefined) edges.push({ from: `I${from + 1}`, to: n.id, kind: "borrowed" });
});
// the best idea: the last one to raise the team best; its lineage runs back through its parents and the ideas it
// borrowed
const byId = new Map(nodes.map((n) => [n.id, n]));
const lineage = [nodes.filter((n) => n.raisedTeamBest).at(-1)!.id];
while (lineage.length > 0) {
  const n = byId.get(lineage.pop()!)!;
  if (n.onBestLineage && n.id !== "B0") continue;
  n.onBestLineage = true;
  const parent = parentOf.get(n.id);
  if (parent) lineage.push(parent);
  for (const e of edges) if (e.kind === "borrowed" && e.to === n.id) lineage.push(e.from);
}
const tree: IdeaTreeView = {
  lanes: ["baseline", ...AGENTS],
  nodes,
  edges,
  teamCurve: team.curve,
  totalMin: TOTAL_MIN,
};
writeFileSync(
  join(outDir, "idea-tree.svg"),
  ideaTreeChart(tree, { title: `Pin insertion idea tree, 8 agents (${nodes.length} ideas; illustrative lanes)` }),
);

// ---- 3. AutoEnvBench pin insertion, 4 runs per agent (paper §5.3); hours → minutes
const h = (hours: number) => hours * 60;
// biome-ignore format: [hours, success]
const bestRuns: Record<string, [number, number][]> = {
  Codex: [[0, 0.52], [0.84, 0.88], [1.33, 0.94], [1.77, 0.98], [3.67, 1.0]],
  "Claude Code": [[0, 0.6], [0.41, 0.86], [0.8, 0.94], [1.61, 0.96], [2.0, 1.0]],
};
// [start success, hours, final success]; the shape between them is made up
const finals: Record<string, [number, number, number][]> = {
  Codex: [
    [0.45, 2.79, 0.98],
    [0.5, 3.95, 1.0],
    [0.41, 2.97, 0.84],
  ],
  "Claude Code": [
    [0.55, 3.5, 0.98],
    [0.48, 3.57, 1.0],
    [0.44, 3.1, 0.92],
  ],
  "Kimi Code": [
    [0.5, 2.59, 0.9],
    [0.47, 2.22, 0.78],
    [0.43, 3.07, 0.82],
    [0.41, 2.41, 0.66],
  ],
};
const shaped = ([start, hours, final]: [number, number, number]): Curve =>
  [0, 0.2, 0.45, 1].map((f, i) => ({ t: h(hours * f), y: start + (final - start) * [0, 0.55, 0.85, 1][i] }));
const agentColors: Record<string, string> = { Codex: "#4e79a7", "Claude Code": "#f28e2b", "Kimi Code": "#59a14f" };
const series = Object.keys(finals).flatMap((agent) => {
  const runs = [
    ...finals[agent].map(shaped),
    ...(bestRuns[agent] ? [bestRuns[agent].map(([t, y]) => ({ t: h(t), y }))] : []),
  ];
  const s = aggregateRuns(runs, h(4));
  return [
    {
      name: `${agent}: mean ± SEM (${runs.length} runs)`,
      color: agentColors[agent],
      points: s.grid.map((x, i) => ({ x, y: s.mean[i] })),
      band: { x: s.grid, lo: s.mean.map((m, i) => m - s.sem[i]), hi: s.mean.map((m, i) => m + s.sem[i]) },
    },
    {
      name: `${agent}: best run`,
      color: agentColors[agent],
      dashed: true,
      points: s.grid.map((x, i) => ({ x, y: s.best[i] })),
    },
  ];
});
writeFileSync(
  join(outDir, "pin-agents.svg"),
  lineChart({
    title: "Pin insertion (real): success rate vs wall-clock, 4 runs per agent (paper §5.3; shapes illustrative)",
    xLabel: "wall-clock time (min)",
    yLabel: "success rate",
    xMax: h(4),
    yMin: 0.4,
    yMax: 1,
    xTicks: [0, 30, 60, 90, 120, 150, 180, 210, 240],
    yTickFormat: percent,
    series,
    width: 860,
    height: 480,
  }),
);

// ---- 4. token breakdown, Codex on pusht-simple (paper §5.7), M tokens
writeFileSync(
  join(outDir, "tokens.svg"),
  barChart({
    title: "Codex on pusht-simple: tokens to success by team size (paper §5.7)",
    yLabel: "M tokens",
    xLabel: "team size",
    groups: ["1 agent", "2 agents", "4 agents"],
    series: [
      { name: "fresh input", values: [2.4, 4.2, 7.3] },
      { name: "output", values: [0.27, 0.4, 0.69] },
      { name: "reasoning", values: [0.08, 0.14, 0.22] },
      { name: "uncached work", values: [2.6, 4.6, 7.9] },
    ],
  }),
);

// ---- 5. utilisation per team size: illustrative values with ± std
writeFileSync(
  join(outDir, "utilization.svg"),
  barChart({
    title: "Resource utilisation by team size (illustrative values)",
    yLabel: "fraction of research wall-clock",
    xLabel: "team size (pin insertion)",
    groups: ["1 agent", "4 agents", "8 agents"],
    yMin: 0,
    yMax: 1,
    yTickFormat: percent,
    series: [
      { name: "MRU (robot)", values: [0.62, 0.51, 0.43], err: [0.06, 0.05, 0.07] },
      { name: "GPU", values: [0.31, 0.47, null], err: [0.05, 0.06, null] },
    ],
  }),
);

console.log(`wrote 5 charts to ${outDir}/: team-average-best, idea-tree, pin-agents, tokens, utilization (.svg)`);
