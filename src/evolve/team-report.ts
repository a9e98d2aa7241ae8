/**
 * The report of a team's research session: `report.md` with the outcome, the leaderboard, the ideas that raised the
 * team-average best, the recipes that worked and links to the videos, beside SVG charts of the team-average best
 * success over wall-clock time (with each branch's best) and of the idea tree.
 *
 *   <out>/report.md  <out>/team-best.svg  <out>/idea-tree.svg  <out>/videos/*.mp4 (when recorded)
 */
import fs from "node:fs";
import path from "node:path";
import { ideaTreeChart, lineChart } from "./charts.js";
import { type IdeaTree, ideaTree, recipes } from "./idea-tree.js";
import type { ResearchProject } from "./project.js";
import type { TeamResult } from "./team.js";

export interface ReportVideo {
  label: string; // e.g. "best policy, held-out seed 100003 (success)"
  file: string; // absolute path of the mp4
}

export interface TeamReportFiles {
  dir: string;
  markdown: string;
  teamBest: string;
  ideaTree: string;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
const mins = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${x.toFixed(1)} min`);

/** Writes the report of `team` (run on `project`) into `dir`. Videos are copied in. */
export async function writeTeamReport(
  project: ResearchProject,
  team: TeamResult,
  dir: string,
  videos: ReportVideo[] = [],
): Promise<TeamReportFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const tree = ideaTree(project);
  const board = await project.leaderboard();
  const files: TeamReportFiles = {
    dir,
    markdown: path.join(dir, "report.md"),
    teamBest: path.join(dir, "team-best.svg"),
    ideaTree: path.join(dir, "idea-tree.svg"),
  };
  fs.writeFileSync(files.teamBest, teamBestChart(project, tree, team));
  fs.writeFileSync(files.ideaTree, ideaTreeChart(tree, { title: `Idea tree: ${project.name}` }));
  const copied = videos.map((v) => {
    const name = `${v.label.replace(/[^\w.-]+/g, "-").replace(/-+$/, "")}.mp4`;
    fs.mkdirSync(path.join(dir, "videos"), { recursive: true });
    fs.copyFileSync(v.file, path.join(dir, "videos", name));
    return { label: v.label, rel: `videos/${name}` };
  });

  const lines: string[] = [];
  lines.push(
    `# ${project.name}: ${team.size} ${team.kind} agent${team.size > 1 ? "s" : ""} on ${project.manifest.task.id}`,
  );
  lines.push("");
  const g = team.goal;
  const goalText = `${pct(project.manifest.goal.successRate)} success over the ${project.manifest.goal.episodes} held-out seeds ${project.manifest.goal.seedStart}..${project.manifest.goal.seedStart + project.manifest.goal.episodes - 1}`;
  lines.push(
    g.reached
      ? `**Goal reached** (${goalText}) after ${mins(g.atMin)}: branch \`${g.branch}\`, commit \`${g.commit?.slice(0, 10)}\`, ${g.successes}/${g.trials} held-out successes.`
      : `**Goal not reached** (${goalText}) in ${mins(team.wallMin)}.`,
  );
  lines.push("");
  lines.push("| | |\n|---|---|");
  lines.push(`| wall-clock time | ${mins(team.wallMin)} |`);
  lines.push(`| team-average best success (search seeds) | ${pct(team.teamBest)} |`);
  lines.push(
    `| best idea | ${tree.best ? `${tree.best.node}: ${pct(tree.best.score)} over ${tree.best.trials} trials` : "–"} |`,
  );
  lines.push(
    `| iterations (kept) | ${team.agents.reduce((s, a) => s + a.iterations, 0)} (${team.agents.reduce((s, a) => s + a.kept, 0)}) |`,
  );
  const checks = project.ledger.of("evaluation").filter((e) => e.body.purpose === "confirm");
  lines.push(
    `| held-out checks (each a different policy) | ${checks.length}: ${checks.map((e) => `${e.body.successes}/${e.body.trials}${e.body.trials < e.body.episodes ? " (cut off when the team stopped)" : ""}`).join(", ") || "none"} |`,
  );
  lines.push(
    `| search trials | ${project.ledger.of("evaluation").reduce((n, e) => n + (e.body.purpose === "search" ? e.body.trials : 0), 0)} |`,
  );
  lines.push(`| mean robot utilisation (MRU) | ${pct(team.mru)} |`);
  lines.push(
    `| mean token utilisation (MTU) | ${team.mtu === null ? "– (no language model)" : `${Math.round(team.mtu)} tokens/min`} |`,
  );
  lines.push(`| evaluation fingerprint | \`${project.manifest.evalFingerprint.slice(0, 16)}\` |`);
  lines.push("");
  lines.push("![team-average best success over time](team-best.svg)");
  lines.push("");
  lines.push("![idea tree](idea-tree.svg)");
  lines.push("");
  lines.push("## Leaderboard (branch heads, search seeds)");
  lines.push("");
  lines.push("| # | branch | successes | rate | Wilson 95% | |\n|---|---|---|---|---|---|");
  for (const r of board) {
    lines.push(
      `| ${r.rank} | ${r.id} | ${r.successes}/${r.trials} | ${pct(r.rate)} | ${pct(r.low)}–${pct(r.high)} | ${r.pruned ? "pruned" : r.best ? "best" : ""} |`,
    );
  }
  lines.push("");
  lines.push("## Ideas that raised the team-average best");
  lines.push("");
  const raised = tree.nodes.filter((n) => n.raisedTeamBest && n.kind !== "baseline").sort((a, b) => a.tMin - b.tMin);
  if (raised.length === 0) lines.push("None.");
  else {
    lines.push("| time | branch | idea | gain | success |\n|---|---|---|---|---|");
    for (const n of raised) {
      lines.push(
        `| ${mins(n.tMin)} | ${n.lane} | ${n.id}: ${escapeCell(short(n.label))} | +${(n.gain * 100).toFixed(1)} pp | ${pct(n.score)} (${n.trials}) |`,
      );
    }
  }
  lines.push("");
  lines.push("## Recipes that worked (kept changes, largest gain first)");
  lines.push("");
  const rs = recipes(project).slice(0, 10);
  if (rs.length === 0) lines.push("None.");
  for (const r of rs) {
    const gain = r.gain === null ? "" : ` (+${(r.gain * 100).toFixed(1)} pp over its parent)`;
    const reuse = r.borrowedBy.length ? `; reused by ${r.borrowedBy.join(", ")}` : "";
    lines.push(`- **${r.node}** on \`${r.branch}\`${gain}: ${escapeCell(r.hypothesis)}${reuse}`);
  }
  lines.push("");
  if (copied.length) {
    lines.push("## Videos");
    lines.push("");
    for (const v of copied) lines.push(`- [${v.label}](${v.rel})`);
    lines.push("");
  }
  lines.push("## Agents");
  lines.push("");
  lines.push("| agent | iterations | kept | tokens | stopped because |\n|---|---|---|---|---|");
  for (const a of team.agents) {
    lines.push(
      `| ${a.agent} | ${a.iterations} | ${a.kept} | ${a.usage ? a.usage.total : "–"} | ${escapeCell(a.exit)} |`,
    );
  }
  lines.push("");
  lines.push(
    `Every iteration is in the research ledger (\`enpire ledger --project ${project.name}\`); ` +
      `every trial is in the run store (\`enpire runs\`). Decisions are one-sided Fisher exact tests at α = 0.05 against the commit a change started from; undecided changes are reverted.`,
  );
  fs.writeFileSync(files.markdown, `${lines.join("\n")}\n`);
  return files;
}

function teamBestChart(project: ResearchProject, tree: IdeaTree, team: TeamResult): string {
  const xMax = Math.max(tree.totalMin, 0.1);
  const goalAt = project.goal()?.at;
  const checks = project.ledger
    .of("evaluation")
    .filter((e) => e.body.purpose === "confirm" && e.body.trials === e.body.episodes)
    .map((e) => ({
      tMin: project.minutesSince(e.at),
      rate: e.body.successes / e.body.trials,
      successes: e.body.successes,
      trials: e.body.trials,
      goal: goalAt !== undefined && e.at <= goalAt && project.goal()?.body.runId === e.body.runId,
    }));
  return lineChart({
    title: `Team-average best success (${team.size} ${team.kind} agents)`,
    xLabel: "wall-clock minutes",
    yLabel: "success rate (search seeds)",
    xMax,
    yMin: 0,
    yMax: 1,
    yTickFormat: (y) => `${Math.round(y * 100)}%`,
    series: [{ name: "team-average best", points: tree.teamCurve.map((p) => ({ x: p.t, y: p.y })), step: true }],
    markers: [
      ...tree.raises
        .filter((r) => r.gain >= 0.05)
        .map((r) => ({ x: r.t, y: r.y, label: `${r.node ?? r.agent} +${(r.gain * 100).toFixed(0)} pp` })),
      ...checks.map((c) => ({
        x: c.tMin,
        y: c.rate,
        label: `held-out ${c.successes}/${c.trials}${c.goal ? " (goal)" : ""}`,
      })),
    ],
  });
}

/** The first clause of a long hypothesis, for tables (the ledger keeps the whole sentence). */
function short(label: string, max = 110): string {
  return label.length <= max ? label : `${label.slice(0, max - 1).replace(/\s+\S*$/, "")}…`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
