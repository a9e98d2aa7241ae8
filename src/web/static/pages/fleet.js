/**
 * `#/fleet`: the stations running trials now, from the fleet files processes publish (GET /api/fleet). The fleet's
 * utilisation; one card per station (id, the branch it evaluates, health, paused, its current trial and last result
 * as links, its latest camera frame, and, when the server allows control, Pause / Resume / Home behind a
 * confirmation); the fleets and their runs; a utilisation timeline of the last minutes (one row per station, a bar
 * per trial, the running trial's bar growing). Recently ended stations are shown apart, offline.
 *
 * Live: a `fleet` event (a fleet file changed) refetches, at most twice a second; cards and the frame images are
 * updated in place (a card is built once; an image reloads only when its frame changed), and a one-second tick keeps
 * "Xs ago" and the running bars current. A slow refetch also runs without events, since a fleet that dies writes
 * nothing.
 */
import { threeViewer } from "../fleet-3d.js";
import { duration, getJson, html, outcomeBadge, pct, render, seg, throttle } from "../lib.js";
import { subscribe } from "../stream.js";

/** The timeline's window (minutes). */
const WINDOW_MIN = 15;
/** Refetch at most this often (ms) while fleet events arrive. */
const REFETCH_MS = 500;
/** Refetch this often (ms) anyway: a fleet whose process died changes no file. */
const POLL_MS = 5000;
/** Redraw times ("3 s ago") and the growing bars this often (ms). */
const TICK_MS = 1000;
/** The camera frame's displayed size (px); frames are small (96 px) and scaled up without smoothing. */
const FRAME_PX = 256;

/**
 * @typedef {{ url: string, atMs: number, runId: string, index: number, step: number }} Frame
 * @typedef {{
 *   id: string, kind: string, health: string, paused: boolean, detail: string | null,
 *   current: { runId: string, index: number, seed: number, attempt: number, startedAtMs: number } | null,
 *   last: { runId: string, index: number, success: boolean, outcome: string, endMs: number } | null,
 *   frame: Frame | null, busyMs: number, mru: number, fleetId: string, label: string | null, live: boolean,
 *   view?: { url: string, geometryUrl: string, atMs: number } | null
 * }} Station
 * @typedef {{ startMs: number, endMs: number, runId: string, index: number, success: boolean, counted: boolean, open: boolean }} Interval
 * @typedef {{
 *   now: number, allowControl: boolean, fleetMru: number | null,
 *   fleets: { fleetId: string, label: string | null, pid: number, host: string, startedAt: string, updatedAt: string, live: boolean,
 *     runs: { runId: string, label: string | null, counted: number, interrupted: number, inFlight: number, queued: number, budget: { trials: number | null } }[] }[],
 *   stations: Station[],
 *   timeline: { fromMs: number, toMs: number, stations: { id: string, intervals: Interval[] }[] }
 * }} FleetView
 */

/**
 * Station viewers: what a card shows of a station's scene. Each is `{ name, mount(el, station) → { update(station),
 * tick?(nowMs), destroy() } }`; a card mounts every viewer of VIEWERS into its view area, side by side. The camera
 * frame is the first; a 3D view fed with body poses can join by adding itself to VIEWERS.
 */
export const cameraFrameViewer = {
  name: "camera",
  /** @param {HTMLElement} el @param {Station} station */
  mount(el, station) {
    const figure = document.createElement("figure");
    figure.className = "fleet-frame";
    const img = document.createElement("img");
    img.width = FRAME_PX;
    img.height = FRAME_PX;
    img.alt = `latest camera frame of ${station.id}`;
    img.decoding = "async";
    const caption = document.createElement("figcaption");
    figure.append(img, caption);
    el.append(figure);
    /** @type {Frame | null} */
    let frame = null;
    const viewer = {
      /** @param {Station} s */
      update(s) {
        frame = s.frame;
        img.hidden = !frame;
        if (!frame) {
          img.removeAttribute("src");
          caption.textContent = "no camera frame yet";
          return;
        }
        if (img.getAttribute("src") !== frame.url) img.src = frame.url; // the URL changes only with the frame
        viewer.tick(Date.now());
      },
      /** @param {number} nowMs */
      tick(nowMs) {
        if (!frame) return;
        const ago = Math.max(0, (nowMs - frame.atMs) / 1000);
        caption.textContent = `frame of trial ${frame.index}, step ${frame.step}, ${ago < 10 ? ago.toFixed(1) : Math.round(ago)} s ago`;
      },
      destroy() {
        figure.remove();
      },
    };
    viewer.update(station);
    return viewer;
  },
};

/** @type {{ name: string, mount: (el: HTMLElement, s: Station) => { update: (s: Station) => void, tick?: (now: number) => void, destroy: () => void } }[]} */
const VIEWERS = [cameraFrameViewer, threeViewer];

/** What each control does, as the confirmation says it. */
const ACTIONS = Object.freeze({
  pause: {
    label: "Pause",
    says: (/** @type {string} */ id) => `Pause ${id}? It finishes its current trial and takes no new ones.`,
  },
  resume: { label: "Resume", says: (/** @type {string} */ id) => `Resume ${id}? It starts taking new trials again.` },
  home: {
    label: "Home",
    says: (/** @type {string} */ id) =>
      `Home ${id}? It moves to its home pose; the fleet refuses while a trial is running.`,
  },
  "e-stop": {
    label: "E-stop",
    says: (/** @type {string} */ id) =>
      `Emergency-stop ${id}? Its running trial stops at once and is recorded as a safety stop ("e-stop"); the station is paused until you resume it.`,
  },
});

/** A duration as the axis shows it: "40 s", "3 min", "1 min 30 s". @param {number} ms */
function ago(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest && m < 5 ? `${m} min ${rest} s` : `${Math.round(s / 60)} min`;
}

/** Bar colours of the timeline. */
const COLORS = Object.freeze({
  success: "#2da44e",
  failure: "#cf222e",
  interrupted: "#8c959f",
  running: "#0969da",
  grid: "#d0d7de",
  text: "#656d76",
});

/** @param {string} runId @param {number} index */
const trialHref = (runId, index) => `#/runs/${seg(runId)}/trials/${index}`;

/** Sets an element's markup only when it changed (so links and badges are not rebuilt on every refresh). */
function setPart(/** @type {Element} */ el, /** @type {import("../lib.js").SafeHtml} */ content) {
  if (/** @type {any} */ (el).__fleetText === content.text) return;
  /** @type {any} */ (el).__fleetText = content.text;
  el.innerHTML = content.text;
}

/** @param {Station} s */
function currentPart(s) {
  if (!s.current) return html`<span class="muted">–</span>`;
  const c = s.current;
  return html`<a href="${trialHref(c.runId, c.index)}">trial ${c.index}</a> of
    <a class="mono" href="#/runs/${seg(c.runId)}">${c.runId}</a>
    <span class="muted">seed ${c.seed}${c.attempt > 1 ? `, attempt ${c.attempt}` : ""}</span>`;
}

/** @param {Station} s */
function lastPart(s) {
  if (!s.last) return html`<span class="muted">–</span>`;
  const l = s.last;
  return html`<a href="${trialHref(l.runId, l.index)}">trial ${l.index}</a> ${outcomeBadge(l.outcome)}`;
}

/** One station's card: built once, then updated in place. */
class Card {
  /** @param {Station} s @param {{ allowControl: boolean, ask: (card: Card, action: keyof typeof ACTIONS) => void }} ctx */
  constructor(s, ctx) {
    this.id = s.id;
    this.el = document.createElement("article");
    this.el.className = "fleet-card";
    this.el.dataset.station = s.id;
    render(
      this.el,
      html`<header class="fleet-card-head">
          <span class="fleet-station mono">${s.id}</span>
          <span class="fleet-health badge" data-part="health"></span>
          <span class="fleet-paused badge" data-part="paused" hidden>paused</span>
          <span class="fleet-branch" data-part="label"></span>
        </header>
        <div class="fleet-view" data-part="view"></div>
        <dl class="fleet-facts">
          <dt>now</dt><dd data-part="current"></dd>
          <dt>last</dt><dd data-part="last"></dd>
          <dt>busy</dt><dd data-part="busy"></dd>
        </dl>
        <p class="fleet-detail muted" data-part="detail" hidden></p>
        ${
          ctx.allowControl
            ? html`<div class="fleet-controls">
                ${Object.entries(ACTIONS).map(([a, { label }]) => html`<button type="button" data-action="${a}">${label}</button>`)}
                <span class="fleet-result" data-part="result" role="status"></span>
              </div>`
            : ""
        }`,
    );
    /** @param {string} name */
    const part = (name) => /** @type {HTMLElement} */ (this.el.querySelector(`[data-part="${name}"]`));
    this.parts = {
      health: part("health"),
      paused: part("paused"),
      label: part("label"),
      current: part("current"),
      last: part("last"),
      busy: part("busy"),
      detail: part("detail"),
      result: part("result"),
    };
    const view = part("view");
    this.viewers = VIEWERS.map((v) => v.mount(view, s));
    for (const b of this.el.querySelectorAll("button[data-action]")) {
      b.addEventListener("click", () =>
        ctx.ask(this, /** @type {keyof typeof ACTIONS} */ (/** @type {HTMLElement} */ (b).dataset.action)),
      );
    }
    /** @type {Station} */
    this.station = s;
    this.pending = false;
    this.update(s);
  }

  /** @param {Station} s */
  update(s) {
    this.station = s;
    const p = this.parts;
    if (p.health.textContent !== s.health) {
      p.health.textContent = s.health;
      p.health.className = `fleet-health badge fleet-${s.health}`;
    }
    p.paused.hidden = !s.paused;
    if (p.label.textContent !== (s.label ?? "")) p.label.textContent = s.label ?? "";
    setPart(p.current, currentPart(s));
    setPart(p.last, lastPart(s));
    const busy = `${pct(s.mru, 0)} since its fleet began`;
    if (p.busy.textContent !== busy) p.busy.textContent = busy;
    // a running station's detail names its trial, which "now" already shows
    const detail = s.health === "running" && s.current ? "" : (s.detail ?? "");
    p.detail.hidden = !detail;
    if (p.detail.textContent !== detail) p.detail.textContent = detail;
    this.el.classList.toggle("fleet-offline", !s.live);
    for (const v of this.viewers) v.update(s);
    this.syncButtons();
  }

  syncButtons() {
    const s = this.station;
    for (const b of /** @type {NodeListOf<HTMLButtonElement>} */ (this.el.querySelectorAll("button[data-action]"))) {
      const a = b.dataset.action;
      b.disabled = this.pending || !s.live || (a === "pause" && s.paused) || (a === "resume" && !s.paused);
    }
  }

  /** @param {number} nowMs */
  tick(nowMs) {
    for (const v of this.viewers) v.tick?.(nowMs);
  }

  /** @param {string} text @param {"ok" | "error" | "pending"} kind */
  showResult(text, kind) {
    if (!this.parts.result) return;
    this.parts.result.textContent = text;
    this.parts.result.className = `fleet-result fleet-result-${kind}`;
  }

  destroy() {
    for (const v of this.viewers) v.destroy();
    this.el.remove();
  }
}

/**
 * The live fleets, then the ended ones folded away (a team's agents start a fleet per evaluation, so dozens end in
 * a few minutes). @param {FleetView} v
 */
function fleetsTable(v) {
  const live = v.fleets.filter((f) => f.live);
  const ended = v.fleets.filter((f) => !f.live);
  /** @param {FleetView["fleets"]} fleets */
  const table = (fleets) => html`<table class="grid fleet-fleets">
    <thead><tr><th>fleet</th><th>branch</th><th>process</th><th>runs (counted / budget, in flight, queued)</th><th>state</th></tr></thead>
    <tbody>${fleets.map(
      (f) => html`<tr class="${f.live ? "" : "interrupted"}">
        <td class="mono">${f.fleetId}</td>
        <td>${f.label ?? html`<span class="muted">–</span>`}</td>
        <td class="mono">${f.pid}@${f.host}</td>
        <td>${f.runs.map(
          (r) => html`<div><a class="mono" href="#/runs/${seg(r.runId)}">${r.runId}</a>
            ${r.counted} / ${r.budget.trials ?? "∞"}${r.interrupted ? `, ${r.interrupted} interrupted` : ""},
            ${r.inFlight} in flight, ${r.queued} queued</div>`,
        )}</td>
        <td>${f.live ? html`<span class="badge fleet-running">live</span>` : html`<span class="badge fleet-offline">ended</span>`}</td>
      </tr>`,
    )}</tbody>
  </table>`;
  return html`${live.length ? table(live) : html`<p class="muted">No fleet is live now.</p>`}
    ${
      ended.length
        ? html`<details class="fleet-ended"><summary>${ended.length} fleet${ended.length === 1 ? "" : "s"} ended in the last
            10 min</summary>${table(ended)}</details>`
        : ""
    }`;
}

/**
 * The utilisation timeline on a canvas: one row per station (its id and busy share of the window), one bar per trial
 * coloured by result, the running trial in blue up to now. A click on a bar opens its trial.
 */
class Timeline {
  /** @param {HTMLElement} el */
  constructor(el) {
    this.el = el;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "fleet-timeline";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "station utilisation timeline");
    this.legend = document.createElement("p");
    this.legend.className = "fleet-legend muted small";
    render(
      this.legend,
      html`<span style="color:${COLORS.success}">■</span> success <span style="color:${COLORS.failure}">■</span> failure
        <span style="color:${COLORS.interrupted}">■</span> interrupted <span style="color:${COLORS.running}">■</span> running`,
    );
    el.append(this.canvas, this.legend);
    /** @type {FleetView["timeline"] | null} */
    this.data = null;
    this.skew = 0; // server clock minus ours
    /** @type {{ x0: number, x1: number, y0: number, y1: number, iv: Interval }[]} */
    this.hits = [];
    /** @type {((spanMs: number) => void) | null} told the span drawn, for the heading */
    this.onSpan = null;
    this.canvas.addEventListener("click", (e) => {
      const hit = this.hitAt(e);
      if (hit) location.hash = trialHref(hit.iv.runId, hit.iv.index);
    });
    this.canvas.addEventListener("mousemove", (e) => {
      const hit = this.hitAt(e);
      this.canvas.style.cursor = hit ? "pointer" : "default";
      const iv = hit?.iv;
      this.canvas.title = iv
        ? `${iv.runId} trial ${iv.index}: ${iv.open ? "running" : !iv.counted ? "interrupted" : iv.success ? "success" : "failure"}, ${duration(iv.endMs - iv.startMs)}`
        : "";
    });
  }

  /** @param {MouseEvent} e */
  hitAt(e) {
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    return this.hits.find((h) => x >= h.x0 - 1 && x <= h.x1 + 1 && y >= h.y0 && y <= h.y1) ?? null;
  }

  /** @param {FleetView["timeline"]} data @param {number} skew */
  set(data, skew) {
    this.data = data;
    this.skew = skew;
    this.draw();
  }

  /** Draws the window ending now (the running bars grow; the window slides). */
  draw() {
    const d = this.data;
    if (!d) return;
    const now = Date.now() + this.skew;
    const rows = d.stations;
    // the window ends now and begins at the earliest trial in it (a fleet that started a minute ago fills the width),
    // at least a minute, at most the window the server answered for
    let first = now;
    for (const row of rows) if (row.intervals.length) first = Math.min(first, row.intervals[0].startMs);
    const span = Math.min(d.toMs - d.fromMs, Math.max(60_000, (now - first) * 1.05));
    const from = now - span;
    if (this.onSpan) this.onSpan(span);
    const rowH = 22;
    const label = 200;
    const width = Math.max(400, this.el.clientWidth);
    const height = Math.max(1, rows.length) * rowH + 26;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const g = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext("2d"));
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const plotW = width - label - 8;
    const x = (/** @type {number} */ ms) => label + ((Math.min(Math.max(ms, from), now) - from) / span) * plotW;
    g.font = "12px system-ui, sans-serif";
    g.textBaseline = "middle";
    // minute grid
    g.fillStyle = COLORS.text;
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    const stepMs = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000].find((ms) => span / ms <= 8) ?? 1_800_000;
    for (let t = 0; t <= span; t += stepMs) {
      const gx = Math.round(x(now - t)) + 0.5;
      g.beginPath();
      g.moveTo(gx, 0);
      g.lineTo(gx, height - 20);
      g.stroke();
      g.textAlign = t === 0 ? "right" : "center";
      g.fillText(t === 0 ? "now" : `−${ago(t)}`, gx, height - 9);
    }
    this.hits = [];
    if (rows.length === 0) {
      g.textAlign = "left";
      g.fillText(`No trials on any station in the last ${Math.round(span / 60_000)} min.`, label, rowH / 2 + 2);
    }
    rows.forEach((row, r) => {
      const y = r * rowH + 3;
      let busy = 0;
      for (const iv of row.intervals) {
        const end = iv.open ? now : iv.endMs;
        if (end < from) continue;
        busy += Math.min(end, now) - Math.max(iv.startMs, from);
        const x0 = x(iv.startMs);
        const x1 = Math.max(x0 + 1, x(end));
        g.fillStyle = iv.open
          ? COLORS.running
          : !iv.counted
            ? COLORS.interrupted
            : iv.success
              ? COLORS.success
              : COLORS.failure;
        g.fillRect(x0, y, x1 - x0, rowH - 6);
        this.hits.push({ x0, x1, y0: y, y1: y + rowH - 6, iv });
      }
      g.fillStyle = COLORS.text;
      g.textAlign = "left";
      const name = row.id.length > 22 ? `${row.id.slice(0, 21)}…` : row.id;
      g.fillText(name, 0, y + (rowH - 6) / 2);
      g.textAlign = "right";
      g.fillText(pct(Math.max(0, busy) / span, 0), label - 8, y + (rowH - 6) / 2);
    });
  }
}

/** @param {HTMLElement} root */
export async function mount(root) {
  const config = await getJson("/api/config");
  /** @type {boolean} */
  const allowControl = config.allowControl === true;
  render(
    root,
    html`<h1>Fleet</h1>
      <div class="stats" data-part="stats"></div>
      <div data-part="empty"></div>
      <section class="fleet-cards" data-part="live"></section>
      <section data-part="ended-box" hidden><h2>Recently ended</h2><div class="fleet-cards" data-part="ended"></div></section>
      <section><h2>Fleets</h2><div data-part="fleets"></div></section>
      <section><h2>Utilisation <span class="muted small" data-part="span">last ${WINDOW_MIN} min</span></h2><div data-part="timeline"></div></section>
      <dialog class="fleet-dialog">
        <form method="dialog">
          <p data-part="question"></p>
          <div class="fleet-dialog-buttons">
            <button value="cancel" type="submit">Cancel</button>
            <button value="confirm" type="submit" class="fleet-confirm">Confirm</button>
          </div>
        </form>
      </dialog>`,
  );
  /** @param {string} name */
  const part = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-part="${name}"]`));
  const liveBox = part("live");
  const endedBox = part("ended");
  const dialog = /** @type {HTMLDialogElement} */ (root.querySelector("dialog"));
  const timeline = new Timeline(part("timeline"));
  const spanLabel = part("span");
  timeline.onSpan = (/** @type {number} */ ms) => {
    const text = `last ${ago(ms)}`;
    if (spanLabel.textContent !== text) spanLabel.textContent = text;
  };
  /** @type {Map<string, Card>} */
  const cards = new Map();
  let skew = 0;
  let stopped = false;

  /** @type {{ card: Card, action: keyof typeof ACTIONS } | null} */
  let asking = null;
  /** @param {Card} card @param {keyof typeof ACTIONS} action */
  const ask = (card, action) => {
    asking = { card, action };
    part("question").textContent = ACTIONS[action].says(card.id);
    dialog.returnValue = "";
    dialog.showModal();
  };
  dialog.addEventListener("close", async () => {
    const target = asking;
    asking = null;
    if (!target || dialog.returnValue !== "confirm") return;
    const { card, action } = target;
    card.pending = true;
    card.syncButtons();
    card.showResult(`${ACTIONS[action].label}: asking the fleet…`, "pending");
    try {
      const res = await fetch(`/api/fleet/stations/${seg(card.id)}/control`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ action }),
      });
      const body = await res.json().catch(() => null);
      if (res.ok) card.showResult(`${ACTIONS[action].label}: ${body?.message ?? "done"}`, "ok");
      else
        card.showResult(
          `${ACTIONS[action].label} refused: ${body?.error ?? `${res.status} ${res.statusText}`}`,
          "error",
        );
    } catch (err) {
      card.showResult(`${ACTIONS[action].label} failed: ${err instanceof Error ? err.message : String(err)}`, "error");
    } finally {
      card.pending = false;
      card.syncButtons();
      refetch();
    }
  });

  /** Puts the cards of `stations` into `box` in that order, moving only those out of place. */
  const place = (/** @type {HTMLElement} */ box, /** @type {Station[]} */ stations) => {
    stations.forEach((s, i) => {
      const el = /** @type {Card} */ (cards.get(s.id)).el;
      if (box.children[i] !== el) box.insertBefore(el, box.children[i] ?? null);
    });
  };

  /** @param {FleetView} v */
  const apply = (v) => {
    skew = v.now - Date.now();
    const live = v.stations.filter((s) => s.live);
    const ended = v.stations.filter((s) => !s.live);
    setPart(
      part("stats"),
      html`<div class="stat"><div class="label">fleet utilisation (MRU)</div><div class="value">${pct(v.fleetMru)}</div>
          <div class="muted">mean over live stations</div></div>
        <div class="stat"><div class="label">stations</div><div class="value">${live.length} live</div>
          <div class="muted">${live.filter((s) => s.health === "running").length} running, ${live.filter((s) => s.paused).length} paused${ended.length ? `, ${ended.length} ended` : ""}</div></div>`,
    );
    setPart(
      part("empty"),
      live.length
        ? html``
        : html`<div class="empty fleet-empty"><strong>No station is running now.</strong>
            Stations appear here while a process runs trials: <code>enpire run --policy my-policy.ts --episodes 50</code>
            or <code>enpire demo</code> (a team of agents on 4 simulated stations).</div>`,
    );
    const seen = new Set(v.stations.map((s) => s.id));
    for (const [id, card] of cards) {
      if (!seen.has(id)) {
        card.destroy();
        cards.delete(id);
      }
    }
    for (const s of v.stations) {
      const card = cards.get(s.id);
      if (card) card.update(s);
      else cards.set(s.id, new Card(s, { allowControl, ask }));
    }
    place(liveBox, live);
    place(endedBox, ended);
    part("ended-box").hidden = ended.length === 0;
    const fleetsEl = part("fleets");
    const wasOpen = fleetsEl.querySelector("details")?.open ?? false; // the reader's unfolding survives updates
    setPart(fleetsEl, v.fleets.length ? fleetsTable(v) : html`<p class="muted">No fleet has published lately.</p>`);
    const details = fleetsEl.querySelector("details");
    if (details && wasOpen) details.open = true;
    timeline.set(v.timeline, skew);
  };

  let inFlight = false;
  let again = false;
  const load = async () => {
    if (inFlight) {
      again = true; // one more after this one, never two at once
      return;
    }
    inFlight = true;
    try {
      const v = await getJson(`/api/fleet?windowMin=${WINDOW_MIN}`);
      const start = performance.now();
      if (!stopped) apply(v);
      performance.measure("fleet:apply", { start, end: performance.now() }); // its cost, for tests and devtools
    } catch (err) {
      console.error("fleet refresh failed", err);
    } finally {
      inFlight = false;
      if (again && !stopped) {
        again = false;
        refetch();
      }
    }
  };
  const refetch = throttle(load, REFETCH_MS);

  await load();
  const unsubscribe = subscribe("fleet", () => refetch());
  const unsubscribeTrials = subscribe("trial", () => refetch()); // a finished trial joins the timeline
  const poll = setInterval(refetch, POLL_MS);
  const tick = setInterval(() => {
    const now = Date.now() + skew;
    for (const card of cards.values()) card.tick(now);
    timeline.draw();
  }, TICK_MS);
  return () => {
    stopped = true;
    unsubscribe();
    unsubscribeTrials();
    refetch.cancel();
    clearInterval(poll);
    clearInterval(tick);
    if (dialog.open) dialog.close();
    for (const card of cards.values()) card.destroy();
  };
}
