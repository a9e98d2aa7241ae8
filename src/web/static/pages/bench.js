/**
 * `#/bench/<id>`: one AutoEnvBench. Its plan and status; per task a uPlot chart of team-average best success over
 * wall-clock minutes (per agent and team size: the mean over runs with a ± SEM band, and the best run dashed) and the
 * summary table (reached goal, time and tokens to success, MRU, MTU, iterations, final mean ± SEM, best run); every
 * run with a link to its research project (`#/research/<project>`) and to the store runs of its evaluations
 * (`#/runs/<id>`); the report's own charts. Live: while the bench runs, new store runs reload it (at most every 3 s).
 */
import { COLORS, lineChart } from "../charts.js";
import { ApiError, errorPage, getJson, html, num, pct, render, seg, statusBadge, throttle, when } from "../lib.js";
import { subscribe } from "../stream.js";

/** Reload at most this often (ms) while the bench runs. */
const RELOAD_MS = 3000;

/**
 * @typedef {{ median: number | null, mean: number | null }} Stat
 * @typedef {{ agent: string, task: string, size: number, runs: number, projects: string[], reached: number,
 *   timeToSuccessMin: Stat, tokensToSuccess: Stat, mru: { mean: number, std: number },
 *   mtu: { mean: number, std: number } | null, iterations: number, final: { mean: number, sem: number },
 *   curve: { grid: number[], mean: number[], sem: number[], best: number[], bestIndex: number, bestProject: string } }} Group
 * @typedef {{ runId: string, purpose: string, branch: string | null, agent: string | null, trials: number, successes: number }} Evaluation
 * @typedef {{ agent: string, task: string, size: number, repeat: number, project: string, wallMin: number,
 *   aborted: boolean, goalReached: boolean, timeToGoalMin: number | null, tokensToSuccess: number | null,
 *   tokens: number | null, mru: number, mtu: number | null, iterations: number, kept: number, finalTeamBest: number,
 *   evaluations: Evaluation[], projectExists: boolean }} BenchRun
 * @typedef {{ bench: import("./benches.js").BenchRow, options: { agents: string[], tasks: string[], teamSizes: number[],
 *   repeats: number, budgetMin: number, goal: number, seed: number, minTrials: number }, gridPoints: number,
 *   provisional: boolean, groups: Group[], runs: BenchRun[],
 *   files: { report: string | null, json: string, charts: { name: string, url: string }[] } }} BenchDetail
 */

/** @param {number | null | undefined} x */
function minutes(x) {
  return typeof x === "number" && Number.isFinite(x) ? `${x.toFixed(2)} min` : "–";
}

/** Token counts as 950, 12.3k, 1.20M. @param {number | null | undefined} x */
function tokens(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) return "–";
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}

/** @param {Group} g */
const groupName = (g) => `${g.agent} ×${g.size}`;

/** @param {string} project */
const projectLink = (project) => html`<a class="mono" href="#/research/${seg(project)}">${project}</a>`;

/** @param {BenchDetail} d */
function header(d) {
  const b = d.bench;
  const o = d.options;
  return html`<p class="crumbs"><a href="#/bench">AutoEnvBench</a> › <span class="mono">${b.id}</span></p>
    <h1>AutoEnvBench <span class="mono">${b.id}</span> ${statusBadge(b.status)}</h1>
    <dl class="facts">
      <dt>compares</dt><dd>agents ${o.agents.join(", ")} on ${o.tasks.join(", ")}, teams of ${o.teamSizes.join(", ")}</dd>
      <dt>runs</dt><dd>${b.runs.done} of ${b.runs.total} (${o.repeats} repeat${o.repeats === 1 ? "" : "s"} each), ${b.reached} reached the goal</dd>
      <dt>budget, goal</dt><dd>${o.budgetMin} min per run; ${pct(o.goal, 0)} success on each task's held-out seeds</dd>
      <dt>started</dt><dd>${when(b.startedAt)}${b.finishedAt ? html`, finished ${when(b.finishedAt)}` : ""}; seed ${o.seed}</dd>
      <dt>files</dt><dd>${b.files.report ? html`<a href="${b.files.report}" target="_blank" rel="noopener">report.md</a> · ` : ""}<a href="${d.files.json}" target="_blank" rel="noopener">bench.json</a></dd>
    </dl>
    ${
      d.provisional
        ? html`<p class="bench-note">Still running: the summaries below cover the ${d.runs.length} run${d.runs.length === 1 ? "" : "s"} finished so far.</p>`
        : ""
    }`;
}

/** @param {Group[]} groups */
function summaryTable(groups) {
  return html`<table class="grid bench-summary">
    <thead><tr>
      <th>agent</th><th class="num">team size</th><th class="num">runs</th><th class="num">reached goal</th>
      <th class="num">time to success, median (mean)</th><th class="num">tokens to success, median</th>
      <th class="num">MRU (mean ± std)</th><th class="num">MTU, tokens/min</th><th class="num">iterations (mean)</th>
      <th class="num">final team-average best (mean ± SEM)</th><th>best run</th>
    </tr></thead>
    <tbody>${groups.map(
      (g, i) => html`<tr>
        <td><i class="bench-swatch" style="background:${COLORS[i % COLORS.length]}"></i>${g.agent}</td>
        <td class="num">${g.size}</td>
        <td class="num">${g.runs}</td>
        <td class="num">${g.reached} / ${g.runs}</td>
        <td class="num">${g.reached ? `${minutes(g.timeToSuccessMin.median)} (${minutes(g.timeToSuccessMin.mean)})` : "–"}</td>
        <td class="num">${g.mtu === null ? html`<span class="muted" title="no language model: no tokens">n/a</span>` : g.reached ? tokens(g.tokensToSuccess.median) : "–"}</td>
        <td class="num">${pct(g.mru.mean)} ± ${pct(g.mru.std)}</td>
        <td class="num">${g.mtu === null ? html`<span class="muted">n/a</span>` : `${tokens(g.mtu.mean)} ± ${tokens(g.mtu.std)}`}</td>
        <td class="num">${num(g.iterations, 1)}</td>
        <td class="num">${pct(g.final.mean)} ± ${pct(g.final.sem)}</td>
        <td>${projectLink(g.curve.bestProject)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** @param {Evaluation} e */
function evaluationLink(e) {
  const what = `${e.purpose} ${e.successes}/${e.trials}`;
  const title = `${e.branch ?? ""}${e.agent ? ` (${e.agent})` : ""}: run ${e.runId}`;
  return html`<a class="bench-eval ${e.purpose}" href="#/runs/${seg(e.runId)}" title="${title}">${what}</a>`;
}

/** @param {BenchRun[]} runs */
function runsTable(runs) {
  if (runs.length === 0) return html`<p class="empty">No run has finished yet.</p>`;
  return html`<table class="grid bench-runs">
    <thead><tr>
      <th>project</th><th>agent</th><th>task</th><th class="num">team</th><th class="num">repeat</th>
      <th class="num">goal at</th><th class="num">final team-average best</th><th class="num">MRU</th>
      <th class="num">MTU</th><th class="num">tokens to success</th><th class="num">iterations (kept)</th>
      <th class="num">wall-clock</th><th>store runs (evaluations)</th>
    </tr></thead>
    <tbody>${runs.map(
      (r) => html`<tr class="${r.goalReached ? "" : "failed"}">
        <td>${r.projectExists ? projectLink(r.project) : html`<span class="mono muted" title="the project is gone from the store">${r.project}</span>`}</td>
        <td>${r.agent}</td>
        <td>${r.task}</td>
        <td class="num">${r.size}</td>
        <td class="num">${r.repeat}</td>
        <td class="num">${r.goalReached ? minutes(r.timeToGoalMin) : "–"}</td>
        <td class="num">${pct(r.finalTeamBest)}</td>
        <td class="num">${pct(r.mru)}</td>
        <td class="num">${r.mtu === null ? "n/a" : tokens(r.mtu)}</td>
        <td class="num">${r.tokens === null ? "n/a" : tokens(r.tokensToSuccess)}</td>
        <td class="num">${r.iterations} (${r.kept})</td>
        <td class="num">${minutes(r.wallMin)}${r.aborted ? html` <span class="muted">(stopped)</span>` : ""}</td>
        <td class="bench-evals">${r.evaluations.map(evaluationLink)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** uPlot columns for a task's groups: x = the grid; per group mean, mean + SEM, mean − SEM, best. @param {Group[]} gs */
function successData(gs) {
  const clamp = (/** @type {number} */ y) => Math.min(1, Math.max(0, y));
  return [
    gs[0].curve.grid,
    ...gs.flatMap((g) => [
      g.curve.mean,
      g.curve.mean.map((m, i) => clamp(m + g.curve.sem[i])),
      g.curve.mean.map((m, i) => clamp(m - g.curve.sem[i])),
      g.curve.best,
    ]),
  ];
}

/** A colour with alpha, for the band under a line. @param {string} hex */
function translucent(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.15)`;
}

/** @param {HTMLElement} el @param {Group[]} gs @param {number} budgetMin */
function successChart(el, gs, budgetMin) {
  const series = gs.flatMap((g, i) => {
    const color = COLORS[i % COLORS.length];
    return [
      { label: `${groupName(g)} mean (${g.runs} run${g.runs === 1 ? "" : "s"})`, color },
      { label: `${groupName(g)} + SEM`, color, width: 0 },
      { label: `${groupName(g)} − SEM`, color, width: 0 },
      { label: `${groupName(g)} best run`, color, dash: [6, 4] },
    ];
  });
  return lineChart(
    el,
    {
      xLabel: "wall-clock minutes since the team started",
      yLabel: "team-average best success",
      percent: true,
      yRange: [0, 1],
      xInteger: false,
      xRange: [0, budgetMin],
      height: 280,
      series,
      bands: gs.map((_, i) => ({ upper: 4 * i + 1, lower: 4 * i + 2, fill: translucent(COLORS[i % COLORS.length]) })),
    },
    successData(gs),
  );
}

/** @param {HTMLElement} root @param {Record<string, string>} params */
export async function mount(root, params) {
  /** @type {BenchDetail} */
  let detail;
  try {
    detail = await getJson(`/api/benches/${seg(params.id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      render(root, errorPage(`No bench ${params.id}`, err));
      return undefined;
    }
    throw err;
  }
  /** @type {{ destroy: () => void }[]} */
  let charts = [];

  function draw() {
    for (const c of charts) c.destroy();
    charts = [];
    const d = detail;
    const reportCharts = (/** @type {string} */ task) =>
      d.files.charts.filter((c) => c.name.startsWith(`${task}-`) && !c.name.endsWith("-success.svg"));
    render(
      root,
      html`${header(d)}
      ${d.options.tasks.map((task) => {
        const gs = d.groups.filter((g) => g.task === task);
        return html`<section class="bench-task" data-task="${task}">
          <h2>${task}</h2>
          ${
            gs.length === 0
              ? html`<p class="empty">No finished runs on ${task} yet.</p>`
              : html`<div class="chart-box"><h3 class="bench-chart-title">Team-average best success over wall-clock time
                  <span class="muted small">mean ± SEM (band) over runs; dashed: the best run</span></h3>
                  <div data-chart="${task}"></div></div>
                ${summaryTable(gs)}
                <div class="bench-figures">${reportCharts(task).map(
                  (c) =>
                    html`<a href="${c.url}" target="_blank" rel="noopener"><img src="${c.url}" alt="${c.name}" loading="lazy" /></a>`,
                )}</div>`
          }
        </section>`;
      })}
      <section><h2>Runs</h2>${runsTable(d.runs)}</section>`,
    );
    for (const task of d.options.tasks) {
      const gs = d.groups.filter((g) => g.task === task);
      const el = /** @type {HTMLElement | null} */ (root.querySelector(`[data-chart="${CSS.escape(task)}"]`));
      if (el && gs.length) charts.push(successChart(el, gs, d.options.budgetMin));
    }
  }

  const reload = throttle(() => {
    getJson(`/api/benches/${seg(detail.bench.id)}`)
      .then((next) => {
        detail = next;
        draw();
      })
      .catch(console.error);
  }, RELOAD_MS);
  const unsubscribe = subscribe("run", () => {
    if (detail.bench.status === "running") reload();
  });
  draw();
  return () => {
    unsubscribe();
    reload.cancel();
    for (const c of charts) c.destroy();
  };
}
