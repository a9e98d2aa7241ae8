/**
 * `#/bench`: every AutoEnvBench the store holds (`enpire bench-agents`), newest first, paginated: its status, the
 * agents × tasks × team sizes it compares, repeats, budget and goal, runs finished of planned, runs that reached the
 * goal, and its report. Live: while a bench runs, new store runs (its evaluations) reload the list, at most every 3 s.
 */
import { getJson, html, pager, pct, render, seg, statusBadge, throttle, when } from "../lib.js";
import { subscribe } from "../stream.js";

/** Benches per page. */
const PAGE_SIZE = 50;
/** Reload at most this often (ms) while a bench runs. */
const RELOAD_MS = 3000;

/**
 * @typedef {{ id: string, status: string, startedAt: string | null, finishedAt: string | null, agents: string[],
 *   tasks: string[], teamSizes: number[], repeats: number, budgetMin: number | null, goal: number | null,
 *   runs: { done: number, total: number }, reached: number, error: string | null,
 *   files: { report: string | null, json: string } }} BenchRow
 */

/** @param {BenchRow} b */
function row(b) {
  const plan = b.error
    ? html`<span class="error">${b.error}</span>`
    : html`${b.agents.join(", ")} <span class="muted">×</span> ${b.tasks.join(", ")} <span class="muted">×</span>
        teams of ${b.teamSizes.join(", ")}`;
  return html`<tr data-bench="${b.id}">
    <td><a class="mono" href="#/bench/${seg(b.id)}">${b.id}</a></td>
    <td>${statusBadge(b.status)}</td>
    <td>${plan}</td>
    <td class="num">${b.repeats}</td>
    <td class="num">${b.budgetMin === null ? "–" : `${b.budgetMin} min`}</td>
    <td class="num">${pct(b.goal, 0)}</td>
    <td class="num">${b.runs.done} / ${b.runs.total}</td>
    <td class="num">${b.reached} / ${b.runs.done}</td>
    <td>${when(b.startedAt)}</td>
    <td>${b.files.report ? html`<a href="${b.files.report}" target="_blank" rel="noopener">report.md</a>` : html`<span class="muted">–</span>`}</td>
  </tr>`;
}

/** @param {{ total: number, offset: number, limit: number, benches: BenchRow[] }} page */
function table(page) {
  if (page.total === 0) {
    return html`<p class="empty">No benches in this store yet. <code>enpire bench-agents</code> compares agents and team
      sizes over repeated research runs; its results appear here as they are written.</p>`;
  }
  return html`<table class="grid bench-list">
      <thead><tr>
        <th>bench</th><th>status</th><th>agents × tasks × team sizes</th><th class="num">repeats</th>
        <th class="num">budget / run</th><th class="num">goal</th><th class="num">runs</th>
        <th class="num">reached goal</th><th>started</th><th>report</th>
      </tr></thead>
      <tbody>${page.benches.map(row)}</tbody>
    </table>${pager(page)}`;
}

/** @param {HTMLElement} root */
export async function mount(root) {
  let offset = 0;
  render(
    root,
    html`<h1>AutoEnvBench</h1>
      <p class="muted">Agents and team sizes compared on the same tasks over repeated runs: success over wall-clock
        time (mean ± SEM, best run), time and tokens to success, robot and token utilisation.</p>
      <div data-part="list"></div>`,
  );
  const list = /** @type {HTMLElement} */ (root.querySelector('[data-part="list"]'));
  /** @type {BenchRow[]} */
  let shown = [];

  async function load() {
    const wanted = offset;
    const page = await getJson(`/api/benches?offset=${wanted}&limit=${PAGE_SIZE}`);
    if (wanted !== offset) return;
    shown = page.benches;
    render(list, table(page));
  }
  list.addEventListener("click", (e) => {
    const button = /** @type {HTMLElement} */ (e.target).closest("button[data-offset]");
    if (!button) return;
    offset = Number(button.getAttribute("data-offset")) || 0;
    load().catch(console.error);
  });
  const reload = throttle(() => load().catch(console.error), RELOAD_MS);
  const unsubscribe = subscribe("run", () => {
    if (offset === 0 || shown.some((b) => b.status === "running")) reload();
  });
  await load();
  return () => {
    unsubscribe();
    reload.cancel();
  };
}
