/**
 * `#/research/<name>` and `#/research/<name>/nodes/<id>`: one research project. A header (goal, best branch, team),
 * the leaderboard of branch heads with Wilson 95% bars, best success vs wall-clock time per branch with the team
 * average as a step curve, the idea tree (click or press Enter on a node: a side panel with its hypothesis, its diff
 * and the evaluations behind it; the URL follows, so a node can be linked), and the agents' token use.
 * Live: while the project is running, each `run` event fetches it again (coalesced, at most every 2 s).
 */

import { ApiError, getJson, html, num, pct, rateWithInterval, render, seg, short, throttle, when } from "../lib.js";
import { ciBar, diffView, ideaTreeSvg, successVsTime } from "../research-charts.js";
import { subscribe } from "../stream.js";

/** Fetch the project again at most this often (ms) while it runs. */
const RELOAD_MS = 2000;

/** @param {number|null|undefined} m */
const mins = (m) => (typeof m === "number" && Number.isFinite(m) ? `${m.toFixed(1)} min` : "–");
/** @param {number|null|undefined} n */
const tokens = (n) => (typeof n === "number" && Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");

/** @param {any} d */
function header(d) {
  const p = d.project;
  const g = p.goal;
  const goalText = `${pct(g.rate, 0)} over the ${g.episodes} held-out seeds ${g.seedStart}…${g.seedStart + g.episodes - 1}`;
  const teamBest = d.curves.teamAverage.at(-1)?.[1] ?? null;
  return html`<div class="research-head">
      <h1>${p.name} ${p.running ? html`<span class="badge status-running">running</span>` : ""}</h1>
      <dl class="facts">
        <dt>task</dt><dd>${p.task.id} <span class="muted">v${p.task.version}</span></dd>
        <dt>goal</dt><dd>${goalText}</dd>
        <dt>team</dt><dd>${p.team ? `${p.team.size} ${p.team.kind} agents, ${mins(p.team.wallMin)}` : html`<span class="muted">no team.json${p.running ? " yet" : ""}</span>`}</dd>
        <dt>created</dt><dd>${when(p.created)} <span class="muted">(last entry ${when(p.lastActivity)})</span></dd>
        <dt>eval fingerprint</dt><dd class="mono" title="${p.evalFingerprint}">${short(p.evalFingerprint, 16)}</dd>
      </dl>
    </div>
    <div class="stats">
      <div class="stat"><div class="label">goal</div><div class="value">${
        g.reached ? html`<span class="research-goal-reached">reached</span>` : html`<span class="muted">not yet</span>`
      }</div><div class="muted">${g.reached ? html`${mins(g.atMin)}, ${g.branch}: ${g.successes}/${g.trials} held-out` : ""}</div></div>
      <div class="stat"><div class="label">best branch (Wilson 95%)</div><div class="value">${
        p.best ? rateWithInterval(p.best.rate, p.best.wilson95) : "–"
      }</div><div class="muted">${p.best ? `${p.best.branch}: ${p.best.successes}/${p.best.trials}` : ""}</div></div>
      <div class="stat"><div class="label">team-average best</div><div class="value">${pct(teamBest)}</div></div>
      <div class="stat"><div class="label">iterations</div><div class="value">${p.iterations}</div><div class="muted">${p.kept} kept, ${p.branches} branches</div></div>
    </div>`;
}

/** @param {any} d */
function leaderboardTable(d) {
  const goal = d.project.goal.rate;
  return html`<table class="grid research-board">
    <thead><tr><th class="num">#</th><th>branch</th><th>agent</th><th>head</th><th class="num">successes</th>
      <th class="num">rate (Wilson 95%)</th><th>interval <span class="muted small">goal dashed</span></th><th class="num">score</th><th></th></tr></thead>
    <tbody>${d.leaderboard.map(
      (/** @type {any} */ r) => html`<tr class="${r.pruned ? "research-pruned" : ""}">
        <td class="num">${r.rank}</td>
        <td class="mono">${r.branch}</td>
        <td>${r.agent ?? html`<span class="muted">–</span>`}</td>
        <td class="mono muted" title="${r.commit}">${short(r.commit)}</td>
        <td class="num">${r.successes}/${r.trials}</td>
        <td class="num">${rateWithInterval(r.rate, r.wilson95)}</td>
        <td>${ciBar(r.rate, r.wilson95, goal)}</td>
        <td class="num">${num(r.meanMaxReward)}</td>
        <td>${r.best ? html`<span class="badge research-best">best</span>` : r.pruned ? html`<span class="badge">pruned</span>` : ""}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** @param {any} d */
function checksList(d) {
  const checks = d.curves.confirmations;
  if (!checks.length) return html`<p class="muted small">No held-out check yet.</p>`;
  return html`<p class="small">Held-out checks: ${checks.map(
    (/** @type {any} */ c, /** @type {number} */ i) =>
      html`${i ? ", " : ""}<a href="#/runs/${seg(c.runId)}">${c.successes}/${c.trials}</a> <span class="muted">(${c.branch}, ${mins(c.tMin)}${c.complete ? "" : ", cut off"})</span>${c.goal ? html` <span class="research-goal-reached">goal</span>` : ""}`,
  )}</p>`;
}

/**
 * Per agent: what it tried and kept, its tokens and MTU, its tokens when the team reached the goal; then the team's
 * own figures (time and tokens to success are the team's: the goal is reached once, by the team).
 * @param {any} d
 */
function agentsTable(d) {
  if (!d.agents.length) return html`<p class="muted">No agents recorded.</p>`;
  const anyTokens = d.agents.some((/** @type {any} */ a) => a.tokens);
  const team = d.project.team;
  const goal = d.project.goal;
  const teamLine = team
    ? html`<p class="small">Team: ${team.size} ${team.kind} agent${team.size === 1 ? "" : "s"} for ${mins(team.wallMin)};
        ${goal?.reached ? html`time to success <b>${mins(goal.atMin)}</b>` : "goal not reached"}${
          team.tokensToSuccess !== null ? html`, tokens to success <b>${tokens(team.tokensToSuccess)}</b>` : ""
        }${team.mtu !== null ? html`, MTU <b>${tokens(team.mtu)}</b> tokens/min` : ""}${
          team.mru !== null ? html`, mean robot utilisation <b>${(100 * team.mru).toFixed(1)}%</b>` : ""
        }.</p>`
    : "";
  return html`<table class="grid research-agents">
    <thead><tr><th>agent</th><th>branch</th><th class="num">iterations</th><th class="num">kept</th>
      <th class="num">input tokens</th><th class="num">output tokens</th><th class="num">total</th><th class="num">MTU (tokens/min)</th>
      <th class="num">tokens at the goal</th><th>stopped because</th></tr></thead>
    <tbody>${d.agents.map(
      (/** @type {any} */ a) => html`<tr>
        <td>${a.agent}</td><td class="mono">${a.branch}</td>
        <td class="num">${a.iterations}</td><td class="num">${a.kept}</td>
        <td class="num">${tokens(a.tokens?.input)}</td><td class="num">${tokens(a.tokens?.output)}</td>
        <td class="num">${tokens(a.tokens?.total)}</td><td class="num">${tokens(a.mtu)}</td>
        <td class="num">${tokens(a.tokensToSuccess)}</td>
        <td class="small">${a.exit ?? html`<span class="muted">–</span>`}</td>
      </tr>`,
    )}</tbody>
  </table>
  ${teamLine}
  ${anyTokens ? "" : html`<p class="muted small">These agents have no language model behind them: no tokens to count.</p>`}`;
}

/** The side panel of one idea. @param {any} n @param {string} name */
function nodePanel(n, name) {
  const node = n.node;
  const what = node.kind === "change" ? (node.kept ? "kept" : "reverted") : node.kind;
  const link = (/** @type {any} */ e) =>
    html`<a href="#/research/${seg(name)}/nodes/${seg(e.node)}" data-goto="${e.node}">${e.node}</a> <span class="muted">(${e.branch ?? ""})</span>`;
  const c = n.change;
  return html`<div class="research-panel-head">
      <h2>${node.id} <span class="badge research-what-${what}">${what}</span></h2>
      <button type="button" class="research-close" data-close aria-label="close">×</button>
    </div>
    ${
      n.hypothesis
        ? html`<p class="research-hypothesis">${n.hypothesis.text}</p>
          <p class="muted small">${n.hypothesis.agent ?? ""} on ${n.hypothesis.branch ?? ""}, ${mins(n.hypothesis.tMin)} · decided ${mins(node.tMin)}</p>`
        : html`<p class="research-hypothesis">${node.label}</p>`
    }
    <dl class="facts">
      <dt>score</dt><dd>${rateWithInterval(n.pooled.rate, n.pooled.wilson95)} <span class="muted">${n.pooled.successes}/${n.pooled.trials} search trials</span></dd>
      ${node.gain > 0 ? html`<dt>team gain</dt><dd>+${(node.gain * 100).toFixed(1)} pp of the team-average best</dd>` : ""}
      ${
        n.decision
          ? html`<dt>decision</dt><dd><strong>${n.decision.decision}</strong> <span class="muted">(p better ${num(n.decision.pBetter, 4)}, p worse ${num(n.decision.pWorse, 4)})</span><br /><span class="small">${n.decision.reason}</span>${n.decision.taggedAs ? html`<br /><span class="small muted">kept under tag <span class="mono">${n.decision.taggedAs}</span></span>` : ""}</dd>`
          : ""
      }
      ${c.borrow ? html`<dt>borrowed</dt><dd>${c.borrow.method} from ${c.borrow.from.branch}@<span class="mono">${short(c.borrow.from.commit)}</span></dd>` : ""}
      ${n.borrowedFrom.length ? html`<dt>from</dt><dd>${n.borrowedFrom.map(link)}</dd>` : ""}
      ${n.borrowedBy.length ? html`<dt>borrowed by</dt><dd>${n.borrowedBy.map((/** @type {any} */ e, /** @type {number} */ i) => html`${i ? ", " : ""}${link(e)}`)}</dd>` : ""}
      ${n.parents.length ? html`<dt>parent</dt><dd>${n.parents.map(link)}</dd>` : ""}
      <dt>commit</dt><dd class="mono" title="${c.commit}">${short(c.commit, 10)}${c.parent ? html` <span class="muted">from ${short(c.parent, 10)}</span>` : ""}</dd>
    </dl>
    <h3>Change <span class="muted small">${c.files.length} file${c.files.length === 1 ? "" : "s"}, +${c.insertions} −${c.deletions}</span></h3>
    ${c.truncated ? html`<p class="error small">The diff is ${Math.round(c.diffBytes / 1000)} KB: showing the first ${Math.round(c.diff.length / 1000)} KB.</p>` : ""}
    ${c.diff ? diffView(c.diff) : html`<p class="muted">No changed files.</p>`}
    <h3>Evaluations</h3>
    ${
      n.evaluations.length
        ? html`<table class="grid mini research-evals"><thead><tr><th>purpose</th><th class="num">successes</th><th class="num">rate (Wilson 95%)</th><th>run</th><th class="num">at</th></tr></thead>
          <tbody>${n.evaluations.map(
            (/** @type {any} */ e) => html`<tr class="${e.valid ? "" : "research-invalid"}">
              <td>${e.purpose}${e.valid ? "" : html` <span class="error">invalid</span>`}${e.sameFiles ? html` <span class="muted small" title="another commit with the same files">same files</span>` : ""}</td>
              <td class="num">${e.successes}/${e.trials}</td>
              <td class="num">${rateWithInterval(e.rate, e.wilson95)}</td>
              <td><a class="mono" href="#/runs/${seg(e.runId)}">${short(e.runId, 15)}</a></td>
              <td class="num">${mins(e.tMin)}</td>
            </tr>`,
          )}</tbody></table>`
        : html`<p class="muted">Never evaluated.</p>`
    }`;
}

/** @param {HTMLElement} root @param {Record<string, string>} params */
export async function mount(root, params) {
  const name = params.name;
  /** @type {any} */
  let detail;
  try {
    detail = await getJson(`/api/projects/${seg(name)}`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
      render(
        root,
        html`<section class="not-found"><h1>No research project “${name}”</h1><p class="error">${err.message}</p>
          <p><a href="#/research">← all research projects</a></p></section>`,
      );
      return undefined;
    }
    throw err;
  }
  /** @type {string|null} */
  let selected = params.node ?? null;
  let nodeToken = 0;

  render(
    root,
    html`<p class="crumbs"><a href="#/research">Research</a> › ${name}</p>
      <section data-part="head"></section>
      <section><h2>Leaderboard <span class="muted small">branch heads, search seeds, ranked by the Wilson lower bound</span></h2><div data-part="board"></div></section>
      <section class="chart-box"><h2>Best success vs wall-clock time</h2><div data-part="chart"></div><div data-part="checks"></div></section>
      <section><h2>Idea tree <span class="muted small">size: rise of the team average; green kept, grey reverted, purple borrowed; orange: the best idea's lineage; dashed: borrowed</span></h2>
        <div class="research-tree-wrap"><div data-part="tree"></div><aside class="research-panel" data-part="panel" hidden></aside></div></section>
      <section><h2>Agents and token use</h2><div data-part="agents"></div></section>`,
  );
  const part = (/** @type {string} */ p) => /** @type {HTMLElement} */ (root.querySelector(`[data-part="${p}"]`));
  const chart = successVsTime(part("chart"), detail.curves);

  function draw() {
    render(part("head"), header(detail));
    render(part("board"), leaderboardTable(detail));
    render(part("checks"), checksList(detail));
    render(part("tree"), ideaTreeSvg(detail.ideaTree, selected));
    render(part("agents"), agentsTable(detail));
  }

  const projectHash = `#/research/${seg(name)}`;
  /** Opens the side panel on node `id` (the URL follows without remounting the page). @param {string} id */
  async function openNode(id) {
    selected = id;
    const mine = ++nodeToken;
    render(part("tree"), ideaTreeSvg(detail.ideaTree, selected));
    const panel = part("panel");
    panel.hidden = false;
    render(panel, html`<p class="muted">Loading ${id}…</p>`);
    history.replaceState(null, "", `${projectHash}/nodes/${seg(id)}`);
    try {
      const n = await getJson(`/api/projects/${seg(name)}/nodes/${seg(id)}`);
      if (mine === nodeToken) render(panel, nodePanel(n, name));
    } catch (err) {
      if (mine === nodeToken)
        render(
          panel,
          html`<p class="error">${err instanceof Error ? err.message : String(err)}</p><button type="button" data-close>close</button>`,
        );
    }
  }
  function closeNode() {
    selected = null;
    nodeToken++;
    part("panel").hidden = true;
    render(part("tree"), ideaTreeSvg(detail.ideaTree, null));
    history.replaceState(null, "", projectHash);
  }

  part("tree").addEventListener("click", (e) => {
    const g = /** @type {Element} */ (e.target).closest("[data-node]");
    if (g) openNode(g.getAttribute("data-node") ?? "");
  });
  part("tree").addEventListener("keydown", (e) => {
    const g = /** @type {Element} */ (e.target).closest("[data-node]");
    if (g && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      openNode(g.getAttribute("data-node") ?? "").then(() => {
        /** @type {HTMLElement|null} */ (
          root.querySelector(`[data-node="${CSS.escape(g.getAttribute("data-node") ?? "")}"]`)
        )?.focus();
      });
    }
  });
  part("panel").addEventListener("click", (e) => {
    const target = /** @type {Element} */ (e.target);
    if (target.closest("[data-close]")) closeNode();
    const go = target.closest("[data-goto]");
    if (go) {
      e.preventDefault();
      openNode(go.getAttribute("data-goto") ?? "");
    }
  });

  const reload = throttle(async () => {
    try {
      detail = await getJson(`/api/projects/${seg(name)}`);
      draw();
      chart.setData(detail.curves);
    } catch (err) {
      console.error(err);
    }
  }, RELOAD_MS);
  const unsubscribe = subscribe("run", () => {
    if (detail.project.running) reload();
  });

  draw();
  if (selected) await openNode(selected);
  return () => {
    unsubscribe();
    reload.cancel();
    chart.destroy();
  };
}
