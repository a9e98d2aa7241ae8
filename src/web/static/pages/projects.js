/**
 * `#/research`: the store's research projects, newest first: task, running or not, the goal (reached when and by
 * which branch), branches, iterations (kept), the best branch with its Wilson 95% interval, the team, when created.
 * Live: while runs come and go (a team evaluating), the list is fetched again, at most every 2 s.
 */

import { getJson, html, pct, rateWithInterval, render, seg, throttle, when } from "../lib.js";
import { ciBar } from "../research-charts.js";
import { subscribe } from "../stream.js";

/** Fetch the list again at most this often (ms) while runs change. */
const RELOAD_MS = 2000;

/**
 * @typedef {{ name: string, task: { id: string, version: number }, created: string,
 *   goal: { rate: number, episodes: number, reached: boolean, atMin: number|null, branch: string|null },
 *   branches: number, iterations: number, kept: number,
 *   best: { branch: string, successes: number, trials: number, rate: number|null, wilson95: { low: number, high: number } } | null,
 *   team: { kind: string, size: number, wallMin: number } | null, running: boolean, lastActivity: string }} ProjectRow
 */

/** @param {ProjectRow} p */
function goalCell(p) {
  const target = `${pct(p.goal.rate, 0)} of ${p.goal.episodes} held-out`;
  if (p.goal.reached) {
    return html`<span class="research-goal-reached">reached</span> after ${(p.goal.atMin ?? 0).toFixed(1)} min
      <span class="muted">(${p.goal.branch ?? ""}; ${target})</span>`;
  }
  return html`<span class="muted">not yet (${target})</span>`;
}

/** @param {ProjectRow} p */
function row(p) {
  return html`<tr data-project="${p.name}" class="${p.running ? "running" : ""}">
    <td><a href="#/research/${seg(p.name)}">${p.name}</a></td>
    <td>${p.task.id} <span class="muted">v${p.task.version}</span></td>
    <td>${p.running ? html`<span class="badge status-running">running</span>` : html`<span class="badge">idle</span>`}</td>
    <td>${goalCell(p)}</td>
    <td class="num">${p.branches}</td>
    <td class="num">${p.iterations} <span class="muted">(${p.kept} kept)</span></td>
    <td>${
      p.best
        ? html`<span class="mono">${p.best.branch}</span> ${rateWithInterval(p.best.rate, p.best.wilson95)}
            <span class="muted">${p.best.successes}/${p.best.trials}</span><br />${ciBar(p.best.rate, p.best.wilson95, p.goal.rate)}`
        : html`<span class="muted">–</span>`
    }</td>
    <td>${p.team ? html`${p.team.size} × ${p.team.kind} <span class="muted">${p.team.wallMin.toFixed(1)} min</span>` : html`<span class="muted">–</span>`}</td>
    <td class="num">${when(p.created)}</td>
  </tr>`;
}

/** @param {HTMLElement} root */
export async function mount(root) {
  async function load() {
    /** @type {{ projects: ProjectRow[] }} */
    const body = await getJson("/api/projects");
    const content =
      body.projects.length === 0
        ? html`<p class="empty">No research projects yet. <code>enpire demo</code> runs a team of 4 built-in agents on
            Push-T; <code>enpire research init</code> starts a project by hand. They appear here as they run.</p>`
        : html`<table class="grid research-projects">
            <thead><tr>
              <th>project</th><th>task</th><th>state</th><th>goal</th><th class="num">branches</th>
              <th class="num">iterations</th><th>best branch (Wilson 95%)</th><th>team</th><th class="num">created</th>
            </tr></thead>
            <tbody>${body.projects.map(row)}</tbody>
          </table>`;
    render(root, html`<h1>Research</h1>${content}`);
  }
  const reload = throttle(() => load().catch(console.error), RELOAD_MS);
  const unsubscribe = subscribe("run", () => reload());
  try {
    await load();
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return () => {
    unsubscribe();
    reload.cancel();
  };
}
