/**
 * `#/runs`: every run, newest first, paginated (50 a page): task, policy (name and short sha256), status, trials
 * against the budget, success with its Wilson 95% interval, score (mean max reward) and when it was created. Live:
 * a "run" event updates its row in place, and a run this page does not show yet reloads the first page.
 */
import {
  getJson,
  html,
  num,
  pager,
  rateWithInterval,
  render,
  seg,
  short,
  statusBadge,
  throttle,
  when,
} from "../lib.js";
import { subscribe } from "../stream.js";

/** Runs per page. */
const PAGE_SIZE = 50;
/** Reload the first page at most this often (ms) when new runs appear. */
const RELOAD_MS = 1000;

/** @typedef {import("../types.js").RunRow} RunRow */

/** @param {RunRow} r */
function trialsCell(r) {
  const interrupted = r.interrupted
    ? html` <span class="muted" title="interrupted trials (not counted)">+${r.interrupted}⚠</span>`
    : "";
  return html`${r.trials} / ${r.budget.episodes}${interrupted}`;
}

/** @param {RunRow} r */
function row(r) {
  const failed = r.trials > 0 && r.successes < r.trials;
  return html`<tr data-run="${r.id}" class="${r.status === "running" ? "running" : ""}">
    <td><a href="#/runs/${seg(r.id)}" class="mono">${r.id}</a></td>
    <td>${r.task.id} <span class="muted">v${r.task.version}</span></td>
    <td>${r.policy.name} <span class="mono muted" title="${r.policy.sha256}">${short(r.policy.sha256)}</span></td>
    <td>${statusBadge(r.status)}</td>
    <td class="num">${trialsCell(r)}</td>
    <td class="num ${failed ? "has-failures" : ""}">${rateWithInterval(r.successRate, r.wilson95)}</td>
    <td class="num">${num(r.meanMaxReward)}</td>
    <td class="num">${when(r.createdAt)}</td>
  </tr>`;
}

/** @param {HTMLElement} root */
export async function mount(root) {
  let offset = 0;
  /** @type {{ total: number, offset: number, limit: number, runs: RunRow[] } | null} */
  let page = null;

  async function load() {
    const wanted = offset;
    const next = await getJson(`/api/runs?offset=${wanted}&limit=${PAGE_SIZE}`);
    if (wanted !== offset) return; // another page was asked for meanwhile
    page = next;
    draw();
  }

  function draw() {
    if (!page) return;
    const body =
      page.runs.length === 0
        ? html`<p class="empty">No runs yet. Start one with <code>enpire run --policy my-policy.ts --episodes 20</code>; it appears here as it runs.</p>`
        : html`<table class="grid">
            <thead><tr>
              <th>run</th><th>task</th><th>policy</th><th>status</th><th class="num">trials / budget</th>
              <th class="num">success (Wilson 95%)</th><th class="num">score</th><th class="num">created</th>
            </tr></thead>
            <tbody>${page.runs.map(row)}</tbody>
          </table>`;
    render(root, html`<h1>Runs</h1>${body}${pager(page)}`);
  }

  root.addEventListener("click", (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest("button[data-offset]");
    if (!button) return;
    offset = Number(button.getAttribute("data-offset")) || 0;
    load().catch(showError);
  });

  /** @param {unknown} err */
  function showError(err) {
    console.error(err);
  }

  const reloadFirst = throttle(() => load().catch(showError), RELOAD_MS);
  const unsubscribe = subscribe("run", (/** @type {RunRow} */ r) => {
    if (!page || !r || typeof r.id !== "string") return;
    const i = page.runs.findIndex((x) => x.id === r.id);
    if (i >= 0) {
      page.runs[i] = r;
      draw();
    } else if (offset === 0) reloadFirst(); // a new run: it belongs at the top
  });

  try {
    await load();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return () => {
    unsubscribe();
    reloadFirst.cancel();
  };
}
