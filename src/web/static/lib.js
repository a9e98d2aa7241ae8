/**
 * Shared helpers for the page modules: the `html` tagged template (escapes every interpolated value), JSON fetching
 * with the API's `{ error }` answers turned into an ApiError, number and date formatting, a pager, and small DOM
 * helpers. Plain browser ES module, no dependencies.
 */

/** HTML that has already been escaped (made only by `html` and `raw`). */
export class SafeHtml {
  /** @param {string} text */
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[/** @type {keyof typeof ESCAPES} */ (c)]);
}

/** @param {unknown} value @returns {string} */
function part(value) {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(part).join("");
  return escapeHtml(value);
}

/**
 * Tagged template: `html\`<td>${name}</td>\`` escapes `name`; nested `html` results, arrays of them, and `raw(...)`
 * go in as they are; null, undefined and false render nothing.
 * @param {TemplateStringsArray} strings @param {...unknown} values @returns {SafeHtml}
 */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Trusted markup, e.g. an SVG built from numbers only. @param {string} text */
export function raw(text) {
  return new SafeHtml(text);
}

/** Replaces an element's content with escaped markup. @param {Element} el @param {SafeHtml} content */
export function render(el, content) {
  el.innerHTML = content.text;
}

/** An answer of the API that is not 2xx: `status` is 404 for an unknown run or trial. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GETs JSON from the API; a non-2xx answer throws an ApiError with the server's message. @param {string} url */
export async function getJson(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const message = body && typeof body.error === "string" ? body.error : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return body;
}

/** A value encoded for one segment of a URL path (ids come from the store: never put them in a URL raw). @param {unknown} s */
export function seg(s) {
  return encodeURIComponent(String(s));
}

/** @param {number | null | undefined} x @param {number} [digits] */
export function pct(x, digits = 1) {
  return typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "–";
}

/** Success as "83.3% (58.2–95.1)": the rate with its Wilson 95% interval. @param {number|null} rate @param {{low:number,high:number}|null} ci */
export function rateWithInterval(rate, ci) {
  if (rate === null || rate === undefined) return html`<span class="muted">–</span>`;
  const interval = ci ? html` <span class="ci">(${pct(ci.low)}–${pct(ci.high)})</span>` : "";
  return html`${pct(rate)}${interval}`;
}

/** @param {number | null | undefined} x @param {number} [digits] */
export function num(x, digits = 3) {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–";
}

/** Milliseconds as "850 ms", "12.3 s" or "4 min 05 s". @param {number | null | undefined} ms */
export function duration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, "0")} s`;
}

/** An ISO date as local "2026-01-31 14:05:09". @param {string | null | undefined} iso */
export function when(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The first 8 hex digits of a sha256 (or id). @param {string | null | undefined} s */
export function short(s, n = 8) {
  return s ? String(s).slice(0, n) : "–";
}

/** A status badge: running, done, interrupted, failed... @param {string} status */
export function statusBadge(status) {
  return html`<span class="badge status-${String(status).replace(/[^a-z-]/gi, "")}">${status}</span>`;
}

/** An outcome badge for a trial: success, failure, safety, policy-error, interrupted. @param {string} outcome */
export function outcomeBadge(outcome) {
  return html`<span class="badge outcome-${String(outcome).replace(/[^a-z-]/gi, "")}">${outcome}</span>`;
}

/**
 * "1–50 of 230" with previous / next buttons; the buttons carry `data-offset` for the page's click handler.
 * @param {{ total: number, offset: number, limit: number }} page
 */
export function pager({ total, offset, limit }) {
  if (total <= limit && offset === 0) return html`<div class="pager muted">${total} in all</div>`;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  const prev = Math.max(0, offset - limit);
  const next = offset + limit;
  return html`<div class="pager">
    <button type="button" data-offset="0" ${offset === 0 ? raw("disabled") : ""}>« first</button>
    <button type="button" data-offset="${prev}" ${offset === 0 ? raw("disabled") : ""}>‹ previous</button>
    <span>${first}–${last} of ${total}</span>
    <button type="button" data-offset="${next}" ${next >= total ? raw("disabled") : ""}>next ›</button>
  </div>`;
}

/**
 * Calls `fn` at most once per `ms`, the last call winning (for refetching on bursts of live events).
 * @param {() => void} fn @param {number} ms
 */
export function throttle(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let last = 0;
  const run = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  const call = () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(run, wait);
  };
  call.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return call;
}

/** The page shown for an unknown run or trial (or any failed load). @param {string} title @param {unknown} err */
export function errorPage(title, err) {
  const message = err instanceof Error ? err.message : String(err);
  return html`<section class="not-found">
    <h1>${title}</h1>
    <p class="error">${message}</p>
    <p><a href="#/runs">← all runs</a></p>
  </section>`;
}
