/**
 * The front end's entry: a tiny hash router. Each route maps a pattern of `location.hash` to a page module under
 * pages/ whose `mount(root, params)` draws the page and returns a cleanup function (unsubscribe from live updates,
 * destroy charts) called before the next page mounts. A new page (Fleet, Research) is one more ROUTES entry.
 */
import { errorPage, render } from "./lib.js";
import * as benchPage from "./pages/bench.js";
import * as benchesPage from "./pages/benches.js";
import * as fleetPage from "./pages/fleet.js";
import * as notFound from "./pages/not-found.js";
import * as projectPage from "./pages/project.js";
import * as projectsPage from "./pages/projects.js";
import * as runPage from "./pages/run.js";
import * as runsPage from "./pages/runs.js";
import * as trialPage from "./pages/trial.js";
import { connect, onState } from "./stream.js";

/**
 * @typedef {{ mount: (root: HTMLElement, params: Record<string, string>) => Promise<(() => void) | undefined> | (() => void) | undefined }} PageModule
 * @typedef {{ pattern: RegExp, names: string[], nav: string, page: PageModule }} Route
 */

/** @type {Route[]} */
const ROUTES = [
  { pattern: /^\/?$/, names: [], nav: "runs", page: runsPage },
  { pattern: /^\/runs\/?$/, names: [], nav: "runs", page: runsPage },
  { pattern: /^\/runs\/([^/]+)\/?$/, names: ["runId"], nav: "runs", page: runPage },
  { pattern: /^\/runs\/([^/]+)\/trials\/([^/]+)\/?$/, names: ["runId", "index"], nav: "runs", page: trialPage },
  { pattern: /^\/fleet\/?$/, names: [], nav: "fleet", page: fleetPage },
  { pattern: /^\/bench\/?$/, names: [], nav: "bench", page: benchesPage },
  { pattern: /^\/bench\/([^/]+)\/?$/, names: ["id"], nav: "bench", page: benchPage },
  { pattern: /^\/research\/?$/, names: [], nav: "research", page: projectsPage },
  { pattern: /^\/research\/([^/]+)\/?$/, names: ["name"], nav: "research", page: projectPage },
  { pattern: /^\/research\/([^/]+)\/nodes\/([^/]+)\/?$/, names: ["name", "node"], nav: "research", page: projectPage },
];

/** @type {(() => void) | undefined} */
let cleanup;
let generation = 0;

/** The route for a hash ("#/runs/abc"), with its decoded parameters. @param {string} hash */
function match(hash) {
  const path = hash.replace(/^#/, "").split("?")[0];
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    /** @type {Record<string, string>} */
    const params = {};
    try {
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
    } catch {
      break; // a malformed %-escape: no such page
    }
    return { route, params };
  }
  return { route: { pattern: /$^/, names: [], nav: "", page: notFound }, params: { path } };
}

async function show() {
  const root = /** @type {HTMLElement} */ (document.getElementById("page"));
  const mine = ++generation;
  try {
    cleanup?.();
  } catch (err) {
    console.error("page cleanup failed", err);
  }
  cleanup = undefined;
  const { route, params } = match(location.hash || "#/runs");
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.classList.toggle("active", a.getAttribute("data-nav") === route.nav);
  }
  // each page draws into its own element: a page still loading when the user moves on writes to a detached one
  const view = document.createElement("div");
  root.replaceChildren(view);
  try {
    const done = await route.page.mount(view, params);
    if (mine !== generation)
      done?.(); // the user moved on while this page loaded
    else cleanup = done;
  } catch (err) {
    console.error(err);
    if (mine === generation) {
      render(view, errorPage("Something went wrong", err));
    }
  }
  window.scrollTo(0, 0);
}

function start() {
  const live = document.getElementById("live");
  if (live) {
    onState((state) => {
      live.textContent = state;
      live.className = `live live-${state}`;
    });
  }
  connect(); // one stream for every page: the indicator shows whether live updates arrive
  window.addEventListener("hashchange", show);
  show();
}

start();
