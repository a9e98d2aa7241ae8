/**
 * `#/runs/<id>`: one run. A header (status, task, policy, evaluation fingerprint, budget used), the success rate with
 * its Wilson 95% interval, mean max reward, pass@k; uPlot charts of rolling and cumulative success and of max reward
 * per trial; the station utilisation timeline; and the trials, failed first, paginated, each linking to its page.
 * Live: a finishing trial of this run reloads the summary, charts and the trial table (at most once every 2 s, and
 * not while the tab is hidden: it catches up when shown). The run and its first page of trials are fetched together.
 */
import { lineChart, stationTimelineCanvas } from "../charts.js";
import {
  ApiError,
  duration,
  errorPage,
  getJson,
  html,
  num,
  outcomeBadge,
  pager,
  pct,
  rateWithInterval,
  render,
  seg,
  short,
  statusBadge,
  throttle,
  when,
} from "../lib.js";
import { subscribe } from "../stream.js";

/** Trials per page of the table. */
const PAGE_SIZE = 100;
/** Reload the run at most this often (ms) while its trials arrive. */
const RELOAD_MS = 2000;

/** @typedef {import("../types.js").RunDetail} RunDetail @typedef {import("../types.js").TrialRow} TrialRow */

/** @param {RunDetail["run"]} run */
function budgetUsed(run) {
  const parts = [html`${run.trials} of ${run.budget.episodes} trials`];
  if (run.interrupted) parts.push(html`, ${run.interrupted} interrupted (run again, not counted)`);
  if (run.budget.wallClockS !== null) parts.push(html`; wall clock ≤ ${run.budget.wallClockS} s`);
  if (run.budget.stationSeconds !== null) parts.push(html`; station time ≤ ${run.budget.stationSeconds} s`);
  return parts;
}

/** @param {Record<string, number> | null} passAtK */
function passAtKCells(passAtK) {
  if (!passAtK || Object.keys(passAtK).length === 0) return html`<span class="muted">–</span>`;
  return html`<table class="mini"><tr>${Object.keys(passAtK).map((k) => html`<th>${k}</th>`)}</tr><tr>${Object.values(
    passAtK,
  ).map((v) => html`<td class="num">${pct(v)}</td>`)}</tr></table>`;
}

/** @param {RunDetail} d */
function summary(d) {
  const r = d.run;
  return html`
    <div class="run-head">
      <h1>Run <span class="mono">${r.id}</span> ${statusBadge(r.status)}</h1>
      <dl class="facts">
        <dt>task</dt><dd>${r.task.id} <span class="muted">v${r.task.version}</span></dd>
        <dt>policy</dt><dd>${r.policy.name} <span class="mono muted" title="${r.policy.sha256}">${short(r.policy.sha256, 12)}</span></dd>
        <dt>eval fingerprint</dt><dd class="mono" title="${r.evalFingerprint}">${short(r.evalFingerprint, 16)}</dd>
        <dt>seeds</dt><dd>${r.seeds.start} … ${r.seeds.start + r.seeds.count - 1}</dd>
        <dt>budget used</dt><dd>${budgetUsed(r)}</dd>
        <dt>created</dt><dd>${when(r.createdAt)}</dd>
        <dt>directory</dt><dd class="mono">${r.dir}</dd>
      </dl>
    </div>
    <div class="stats">
      <div class="stat"><div class="label">success (Wilson 95%)</div>
        <div class="value">${rateWithInterval(r.successRate, r.wilson95)}</div>
        <div class="muted">${r.successes} of ${r.trials} counted trials</div></div>
      <div class="stat"><div class="label">score (mean max reward)</div><div class="value">${num(r.meanMaxReward)}</div></div>
      <div class="stat"><div class="label">pass@k</div>${passAtKCells(d.passAtK)}</div>
      ${d.passAtKInContext ? html`<div class="stat"><div class="label">pass@k in context</div>${passAtKCells(d.passAtKInContext)}</div>` : ""}
      ${d.fleetMru !== null ? html`<div class="stat"><div class="label">fleet utilisation</div><div class="value">${pct(d.fleetMru)}</div></div>` : ""}
    </div>`;
}

/** @param {TrialRow} t */
function rowClass(t) {
  if (!t.counted) return "interrupted";
  return t.success ? "" : "failed";
}

/** @param {string} runId @param {TrialRow[]} trials @param {Set<number>} fresh */
function trialTable(runId, trials, fresh) {
  if (trials.length === 0) return html`<p class="empty">No trials yet: they appear here as they finish.</p>`;
  const href = (/** @type {TrialRow} */ t) => `#/runs/${seg(runId)}/trials/${t.index}`;
  return html`<table class="grid trials">
    <thead><tr>
      <th class="num">#</th><th class="num">seed</th><th>outcome</th><th>reason</th><th class="num">steps</th>
      <th class="num">max reward</th><th class="num">time</th><th>station</th><th class="num">attempt</th><th>video</th>
    </tr></thead>
    <tbody>${trials.map(
      (t) => html`<tr class="${rowClass(t)} ${fresh.has(t.index) ? "fresh" : ""}">
        <td class="num"><a href="${href(t)}">${t.index}</a></td>
        <td class="num">${t.seed}</td>
        <td>${outcomeBadge(t.outcome)}</td>
        <td class="reason">${t.reason ?? ""}</td>
        <td class="num">${t.steps}</td>
        <td class="num">${num(t.maxReward)}</td>
        <td class="num">${duration(t.elapsedMs)}</td>
        <td>${t.station ?? html`<span class="muted">–</span>`}</td>
        <td class="num">${t.attempt}</td>
        <td>${t.video ? html`<a href="${href(t)}">▶ watch</a>` : html`<span class="muted">–</span>`}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** The x column of the curves: counted trial 1, 2, … n. @param {number} n */
function trialAxis(n) {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** @param {RunDetail["curves"]} c */
function successData(c) {
  return [trialAxis(c.cumulative.length), c.rolling, c.cumulative];
}

/** @param {RunDetail["curves"]} c */
function rewardData(c) {
  return [trialAxis(c.maxReward.length), c.maxReward];
}

/** @param {HTMLElement} root @param {Record<string, string>} params */
export async function mount(root, params) {
  /** @type {RunDetail} */
  let detail;
  const trialsUrl = (/** @type {string} */ id, /** @type {number} */ at) =>
    `/api/runs/${seg(id)}/trials?order=failed-first&offset=${at}&limit=${PAGE_SIZE}`;
  // the first page of trials is asked for with the run, not after it (an unknown run fails both: the run's 404 shows)
  const firstPage = getJson(trialsUrl(params.runId, 0)).catch(() => null);
  try {
    detail = await getJson(`/api/runs/${seg(params.runId)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      render(root, errorPage(`No run ${params.runId}`, err));
      return undefined;
    }
    throw err;
  }
  const runId = detail.run.id;
  let offset = 0;
  /** @type {Set<number>} trial indices that arrived live, highlighted in the table */
  const fresh = new Set();

  render(
    root,
    html`<p class="crumbs"><a href="#/runs">Runs</a> › <span class="mono">${runId}</span></p>
      <section data-part="summary"></section>
      <section class="charts">
        <div class="chart-box"><h2>Success vs trial</h2><div data-part="success"></div></div>
        <div class="chart-box"><h2>Max reward per trial</h2><div data-part="reward"></div></div>
      </section>
      <section><h2>Stations</h2><div data-part="timeline"></div></section>
      <section><h2>Trials <span class="muted small">failed first</span></h2><div data-part="trials"></div></section>`,
  );
  const part = (/** @type {string} */ name) => /** @type {HTMLElement} */ (root.querySelector(`[data-part="${name}"]`));

  const successChart = lineChart(
    part("success"),
    {
      xLabel: "trial",
      yLabel: "success",
      percent: true,
      yRange: [0, 1],
      series: [
        { label: `rolling ${detail.curves.window} (from trial ${detail.curves.window})` },
        { label: "cumulative", dash: [6, 4] },
      ],
    },
    successData(detail.curves),
  );
  const rewardChart = lineChart(
    part("reward"),
    { xLabel: "trial", yLabel: "max reward", yAtLeast: [0, 1], series: [{ label: "max reward", points: true }] },
    rewardData(detail.curves),
  );
  const timeline = stationTimelineCanvas(
    part("timeline"),
    detail.timeline,
    detail.stations,
    (i) => `#/runs/${seg(runId)}/trials/${i}`,
  );

  async function loadDetail() {
    detail = await getJson(`/api/runs/${seg(runId)}`);
    render(part("summary"), summary(detail));
    timeline.update(detail.timeline, detail.stations);
    successChart.setData(successData(detail.curves));
    rewardChart.setData(rewardData(detail.curves));
  }

  /** @param {{ total: number, offset: number, limit: number, trials: TrialRow[] }} page */
  function drawTrials(page) {
    render(part("trials"), html`${trialTable(runId, page.trials, fresh)}${pager(page)}`);
  }

  async function loadTrials() {
    const wanted = offset;
    const page = await getJson(trialsUrl(runId, wanted));
    if (wanted === offset) drawTrials(page);
  }

  part("trials").addEventListener("click", (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest("button[data-offset]");
    if (!button) return;
    offset = Number(button.getAttribute("data-offset")) || 0;
    loadTrials().catch(console.error);
  });

  let stale = false;
  const reload = throttle(() => {
    if (document.hidden) {
      stale = true; // nobody is looking: catch up when the tab is shown again
      return;
    }
    loadDetail().catch(console.error);
    loadTrials().catch(console.error);
  }, RELOAD_MS);
  const onVisible = () => {
    if (!document.hidden && stale) {
      stale = false;
      reload();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  const unsubscribers = [
    subscribe("trial", (d) => {
      if (d?.runId !== runId) return;
      if (typeof d.index === "number") fresh.add(d.index);
      reload();
    }),
    subscribe("run", (r) => {
      if (r?.id === runId) reload();
    }),
  ];

  render(part("summary"), summary(detail));
  const first = await firstPage;
  if (first) drawTrials(first);
  else await loadTrials();
  return () => {
    for (const u of unsubscribers) u();
    document.removeEventListener("visibilitychange", onVisible);
    timeline.destroy();
    reload.cancel();
    successChart.destroy();
    rewardChart.destroy();
  };
}
