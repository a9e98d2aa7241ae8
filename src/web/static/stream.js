/**
 * Live updates: one EventSource on /api/stream shared by every page. Pages subscribe to "trial" and "run" events and
 * unsubscribe when they leave; the connection state ("live", "connecting", "offline") is shown by the top bar.
 * EventSource reconnects by itself after a dropped connection.
 */

/** @typedef {{ runId: string, index: number, seed: number, success: boolean, outcome: string }} TrialEventData */

/** @type {EventSource | null} */
let source = null;
/** @type {Map<string, Set<(data: any) => void>>} */
const handlers = new Map();
/** @type {Set<(state: string) => void>} */
const stateListeners = new Set();
let state = "offline";

/** @param {string} next */
function setState(next) {
  state = next;
  for (const fn of stateListeners) fn(state);
}

/** @param {string} type */
function listen(type) {
  source?.addEventListener(type, (e) => {
    let data;
    try {
      data = JSON.parse(/** @type {MessageEvent} */ (e).data);
    } catch {
      return; // a torn or foreign message: ignore it
    }
    for (const fn of handlers.get(type) ?? []) {
      try {
        fn(data);
      } catch (err) {
        console.error(`live ${type} handler failed`, err);
      }
    }
  });
}

/** Opens the shared stream (once). */
export function connect() {
  if (source || typeof EventSource === "undefined") return;
  setState("connecting");
  source = new EventSource("/api/stream");
  source.addEventListener("open", () => setState("live"));
  source.addEventListener("error", () =>
    setState(source?.readyState === EventSource.CLOSED ? "offline" : "connecting"),
  );
  for (const type of handlers.keys()) listen(type);
}

/**
 * Calls `fn` with the parsed data of every `type` event ("trial", "run" or "fleet"); returns the unsubscribe function.
 * @param {"trial" | "run" | "fleet"} type @param {(data: any) => void} fn @returns {() => void}
 */
export function subscribe(type, fn) {
  if (!handlers.has(type)) {
    handlers.set(type, new Set());
    listen(type);
  }
  handlers.get(type)?.add(fn);
  connect();
  return () => handlers.get(type)?.delete(fn);
}

/** Calls `fn` now and on each change of the connection state; returns the unsubscribe function. @param {(state: string) => void} fn */
export function onState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
