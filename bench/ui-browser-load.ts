/**
 * The run page of a 10,000-trial run, opened in a real browser: a scratch store with one run of synthetic trials
 * (src/web/api/synthetic-run.ts: 1 in 7 fails, 1 in 97 is interrupted, 4 stations), served by `serveUi`, opened at
 * `#/runs/<id>` in Debian's chromium (playwright-core), each time in a fresh browser context (nothing cached in the
 * browser). Each repeat starts a fresh server and opens the page twice: "cold" (the server summarises the run for the
 * first time) and "warm" (the server answers from its cache of the run's summary, as for a second viewer or a reload).
 * Measured per open, in the page's own clock (performance.now(), 0 = navigation start):
 *   - ready: the page shows its summary cards, both charts (uPlot canvases), the station timeline and the first page
 *     of the trial table (100 rows); polled on every animation frame
 *   - the JSON bytes the page fetched from /api/ (resource timing, body sizes as sent)
 *   - the main thread's long tasks (> 50 ms; PerformanceObserver "longtask"): count, total and longest
 * Printed per repeat, then the medians; the last line is one JSON object for scripts. Target (issue 7): ready < 1 s.
 * Run: npm run bench:ui -- [--trials 10000] [--repeat 5] [--store DIR]
 * --store keeps the store in DIR and reuses the run already there (writing 10,000 trials takes a while on a slow disk).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { chromium } from "playwright-core";
import { RunStore } from "../src/rollout/store.js";
import { syntheticRun } from "../src/web/api/synthetic-run.js";
import { serveUi } from "../src/web/server.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const trials = Number(flag("--trials", "10000"));
const repeat = Number(flag("--repeat", "5"));
const keep = flag("--store", "");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM) throw new Error("no chromium at /usr/bin/chromium: `apt-get install chromium`");

/** Installed before any page script: collects long tasks from navigation start on. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: "longtask", buffered: true });
`;

/** True once the run page shows everything a person looks at first; returns the page's clock then. */
const READY = `(() => {
  const stats = document.querySelectorAll(".stats .stat").length >= 2;
  const charts = document.querySelectorAll('[data-part="success"] canvas, [data-part="reward"] canvas').length >= 2;
  const timeline = document.querySelector('[data-part="timeline"] .timeline') !== null;
  const rows = document.querySelectorAll("table.trials tbody tr").length >= 100;
  return stats && charts && timeline && rows ? performance.now() : false;
})()`;

interface Open {
  readyMs: number;
  /** when the last API answer had arrived (so readyMs - apiDoneMs is the page's own work after it) */
  apiDoneMs: number;
  jsonBytes: number;
  apiRequests: number;
  longTasks: number;
  longTaskMs: number;
  longestTaskMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const root = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-browser-load-"));
const store = RunStore.open(root);
const kept = keep ? store.runsPage(0, 1).runs.find((r) => r.trials + r.interrupted === trials) : undefined;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  const t0 = performance.now();
  const runId =
    kept?.id ??
    syntheticRun(store, {
      trials,
      fails: (i) => i % 7 === 3,
      interrupted: (i) => i % 97 === 50,
      station: (i) => `sim-${i % 4}`,
    });
  const writeS = (performance.now() - t0) / 1000;
  console.log(
    `store ${root}: ${kept ? "reusing the run of" : "wrote"} ${trials} synthetic trials (${writeS.toFixed(1)} s)`,
  );

  const open = async (url: string): Promise<Open> => {
    const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript(OBSERVE_LONG_TASKS);
    await page.goto(url);
    const handle = await page.waitForFunction(READY, null, { polling: "raf", timeout: 60_000 });
    const readyMs = Number(await handle.jsonValue());
    // let a last long task that began before "ready" finish before reading the list
    await page.waitForTimeout(300);
    const measured = (await page.evaluate(`(() => {
      const api = performance.getEntriesByType("resource").filter((e) => new URL(e.name).pathname.startsWith("/api/"));
      return {
        jsonBytes: api.reduce((s, e) => s + e.encodedBodySize, 0),
        apiRequests: api.length,
        apiDoneMs: Math.max(0, ...api.map((e) => e.responseEnd)),
        tasks: window.__longTasks.filter((t) => t.start <= ${readyMs}),
      };
    })()`)) as { jsonBytes: number; apiRequests: number; apiDoneMs: number; tasks: { start: number; ms: number }[] };
    if (errors.length) throw new Error(`the page threw: ${errors.join("; ")}`);
    await context.close();
    return {
      readyMs,
      apiDoneMs: measured.apiDoneMs,
      jsonBytes: measured.jsonBytes,
      apiRequests: measured.apiRequests,
      longTasks: measured.tasks.length,
      longTaskMs: measured.tasks.reduce((s, t) => s + t.ms, 0),
      longestTaskMs: Math.max(0, ...measured.tasks.map((t) => t.ms)),
    };
  };
  const line = (o: Open) =>
    `ready ${o.readyMs.toFixed(0)} ms (API answered by ${o.apiDoneMs.toFixed(0)} ms), ${o.apiRequests} API requests, ` +
    `${o.jsonBytes} JSON bytes, ${o.longTasks} long tasks (${o.longTaskMs.toFixed(0)} ms in all, longest ${o.longestTaskMs.toFixed(0)} ms)`;

  const cold: Open[] = [];
  const warm: Open[] = [];
  for (let i = 0; i < repeat; i++) {
    const server = await serveUi({ store, port: 0 });
    try {
      cold.push(await open(`${server.url}#/runs/${runId}`));
      warm.push(await open(`${server.url}#/runs/${runId}`));
    } finally {
      await server.close();
    }
    console.log(`repeat ${i + 1} cold: ${line(cold[i])}`);
    console.log(`repeat ${i + 1} warm: ${line(warm[i])}`);
  }
  const summary = (opens: Open[]) => ({
    readyMs: median(opens.map((o) => o.readyMs)),
    worstReadyMs: Math.max(...opens.map((o) => o.readyMs)),
    apiDoneMs: median(opens.map((o) => o.apiDoneMs)),
    jsonBytes: median(opens.map((o) => o.jsonBytes)),
    longTasks: median(opens.map((o) => o.longTasks)),
    longTaskMs: median(opens.map((o) => o.longTaskMs)),
    longestTaskMs: median(opens.map((o) => o.longestTaskMs)),
  });
  const result = { trials, repeat, cold: summary(cold), warm: summary(warm) };
  for (const which of ["cold", "warm"] as const) {
    const r = result[which];
    console.log(
      `median of ${repeat}, ${which}: ready ${r.readyMs.toFixed(0)} ms (worst ${r.worstReadyMs.toFixed(0)} ms; API answered by ${r.apiDoneMs.toFixed(0)} ms), ` +
        `${r.jsonBytes} JSON bytes, ${r.longTasks} long tasks (${r.longTaskMs.toFixed(0)} ms, longest ${r.longestTaskMs.toFixed(0)} ms)`,
    );
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  store.close();
  if (!keep) fs.rmSync(root, { recursive: true, force: true });
}
