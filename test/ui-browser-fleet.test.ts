/**
 * The Fleet page in a real browser (Debian's chromium, driven by playwright-core) against fleet files written here
 * per the live board's contract, with Push-T camera frames from the task's renderer and trial rows in the store:
 * the page shows every station with its frame and the timeline; a rewritten fleet file updates the page in place
 * without a reload (the changed station's image reloads, the others' do not); with allowControl, Pause opens a
 * confirmation, Cancel writes no request, Confirm writes one and shows the fleet's answer; and 8 stations rewriting
 * their files and frames at 4 Hz leave the page's main thread responsive (no long task over 50 ms).
 * Saves fleet-synthetic.png and fleet-control.png under $ENPIRE_SHOTS when it is set (the README's fleet.png is from a
 * live `enpire demo`). Skipped when no chromium is found, saying so.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Locator, Page } from "playwright-core";
import type { TrialResult } from "../src/core/trial.js";
import { evaluate } from "../src/rollout/evaluate.js";
import { type LiveControlAnswer, LiveControlRequestSchema, type LiveStation } from "../src/rollout/live-board.js";
import { RunStore } from "../src/rollout/store.js";
import { syntheticStation, writeSyntheticFleet, writeSyntheticFrame } from "../src/web/api/synthetic-fleet.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, SHOTS, skipWithoutChromium } from "./support/browser.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");
const skip = skipWithoutChromium;

let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
const runs: Record<string, string> = {};
const BRANCHES = ["agent-1", "agent-2"];
/** Each station's last committed trial (index, success, end), and the index its running trial takes. */
const lastTrial = new Map<string, { index: number; success: boolean; endMs: number }>();
const nextIndex: Record<string, number> = {};

function createRun(label: string): string {
  return store.createRun({
    task: { id: "pusht", version: 1 },
    evalFingerprint: `fleet-browser-${label}`,
    policy: { name: `${label}.ts`, path: null, sha256: "0".repeat(64) },
    episodes: 200,
    seedStart: 100000,
    options: {},
  }).id;
}

/** A committed trial (through the store's API) on `station`, started at `startMs`, lasting `elapsedMs`. */
function commitTrial(
  runId: string,
  index: number,
  station: string,
  startMs: number,
  elapsedMs: number,
  success: boolean,
) {
  const outcome: TrialResult["outcome"] = success
    ? { kind: "success", score: 1 }
    : { kind: "failure", score: 0.4, reason: "coverage 0.40 <= 0.95" };
  store.beginTrial(runId, index, 100000 + index).commit({
    schema: "enpire.trial-result/1",
    runId,
    index,
    seed: 100000 + index,
    task: { id: "pusht", version: 1 },
    evalFingerprint: "fleet-browser",
    policy: { name: "p", path: null, sha256: "0".repeat(64) },
    envStack: "test",
    station,
    attempt: 1,
    outcome,
    success,
    counted: true,
    steps: 120,
    totalReward: 1,
    maxReward: success ? 1 : 0.4,
    termination: success ? "terminated" : "max_steps",
    verification: { success, score: success ? 1 : 0.4, reason: null, metrics: {} },
    tries: [],
    startedAt: new Date(startMs).toISOString(),
    elapsedMs,
    video: null,
  });
}

/** The live state of agent-k's two stations at `now`: running trials with frames, the last results. */
function branchStations(k: number, now: number, over: Record<string, Partial<LiveStation>> = {}): LiveStation[] {
  const branch = BRANCHES[k];
  const runId = runs[branch];
  return [0, 1].map((j) => {
    const id = `${branch}/sim-${j}`;
    const index = nextIndex[branch] + j;
    const last = lastTrial.get(id) ?? { index: 0, success: true, endMs: now };
    const file = writeSyntheticFrame(store.root, id, 0.25 + 0.3 * j + 0.1 * k, 2 * k + j);
    return syntheticStation(id, {
      health: "running",
      mru: 0.78 + 0.05 * j - 0.1 * k,
      busyMs: 500_000,
      current: { runId, index, seed: 100000 + index, attempt: 1, startedAtMs: last.endMs + 400 },
      last: {
        runId,
        index: last.index,
        success: last.success,
        outcome: last.success ? "success" : "failure",
        endMs: last.endMs,
      },
      frame: { file, atMs: now - 300 * (j + 1), runId, index, step: 40 + 23 * j + 11 * k },
      ...over[id],
    });
  });
}

function publish(k: number, over: Record<string, Partial<LiveStation>> = {}) {
  const branch = BRANCHES[k];
  const now = Date.now();
  writeSyntheticFleet(store.root, {
    fleetId: `fleet-${branch}`,
    label: branch,
    stations: branchStations(k, now, over),
    runs: [
      {
        runId: runs[branch],
        label: branch,
        counted: 60,
        interrupted: 0,
        inFlight: 2,
        queued: 8,
        budget: { trials: 200 },
      },
    ],
  });
}

before(async () => {
  if (skip) return;
  store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-fleet-")));
  const now = Date.now();
  for (const [k, branch] of BRANCHES.entries()) {
    runs[branch] = createRun(branch);
    // 12 minutes of trials on each station: 6 to 14 s each, short gaps, about one failure in four (fewer on agent-2)
    for (const j of [0, 1]) {
      let t = now - 12 * 60_000 + j * 3000;
      for (let i = 0; t < now - 10_000 - 3000 * j - 2000 * k; i++) {
        const elapsed = 6000 + ((i * 7919 + j * 104729 + k * 31) % 8000);
        const success = (i * 13 + j * 5 + k) % (k === 0 ? 4 : 6) !== 0;
        commitTrial(runs[branch], 2 * i + j, `${branch}/sim-${j}`, t, elapsed, success);
        lastTrial.set(`${branch}/sim-${j}`, { index: 2 * i + j, success, endMs: t + elapsed });
        nextIndex[branch] = Math.max(nextIndex[branch] ?? 0, 2 * i + j + 1);
        t += elapsed + 400 + ((i * 31) % 1500);
      }
    }
  }
  for (const k of [0, 1]) publish(k);
  writeSyntheticFleet(store.root, {
    fleetId: "fleet-old",
    label: "baseline",
    closed: true,
    updatedAt: new Date(now - 90_000).toISOString(),
    stations: [syntheticStation("sim-0", { mru: 0.6 })],
  });
  server = await serveUi({ store, port: 0, allowControl: true });
  ({ browser, page } = await openBrowser());
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
});

const card = (id: string) => page.locator(`article.fleet-card[data-station="${id}"]`);
// biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it
const seen = (l: Locator) => l.innerText();
const navigations = () => page.evaluate(`performance.getEntriesByType("navigation").length`);

test("the fleet page shows each station with its camera frame, the fleets and the timeline", { skip }, async () => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}#/fleet`);
  await page.waitForFunction(`document.querySelectorAll("article.fleet-card").length === 5`, null, { timeout: 10_000 });
  // every live station's frame loaded (a 96 px PNG), shown at 256 px
  await page.waitForFunction(
    `[...document.querySelectorAll("article.fleet-card:not(.fleet-offline) img")].every((i) => i.complete && i.naturalWidth === 96)`,
    null,
    { timeout: 10_000 },
  );
  const s0 = card("agent-1/sim-0");
  const s0Text = await seen(s0);
  assert.match(s0Text, /running/);
  assert.match(s0Text, /agent-1/);
  const running = nextIndex["agent-1"];
  assert.match(s0Text, new RegExp(`frame of trial ${running}, step 40, \\d+(\\.\\d)? s ago`));
  const href = await s0.locator(`a[href$="/trials/${running}"]`).getAttribute("href");
  assert.equal(href, `#/runs/${runs["agent-1"]}/trials/${running}`, "the running trial links to its page");
  const ended = await seen(card("sim-0"));
  assert.match(ended, /offline/);
  assert.match(ended, /fleet closed/);
  const text = await seen(page.locator("body"));
  assert.match(text, /Recently ended/);
  assert.match(text, /fleet-agent-2/);
  assert.doesNotMatch(text, /No station is running now/);
  assert.ok(await page.locator("canvas.fleet-timeline").isVisible());
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "fleet-synthetic.png"), fullPage: true });
  }
  assert.deepEqual(errors, []);
});

test("a rewritten fleet file updates its station in place, without a reload", { skip }, async () => {
  const reloads = await navigations();
  // mark the image elements: a rebuilt card would lose the mark
  await page.evaluate(
    `document.querySelectorAll("article.fleet-card img").forEach((i) => { i.dataset.mark = i.src; })`,
  );
  publish(0, { "agent-1/sim-0": { health: "resetting", paused: true, current: null } });
  await page.waitForFunction(
    `document.querySelector('article.fleet-card[data-station="agent-1/sim-0"] .fleet-health').textContent === "resetting"`,
    null,
    { timeout: 5_000 },
  );
  assert.equal(await navigations(), reloads, "no reload");
  assert.ok(await card("agent-1/sim-0").locator(".fleet-paused").isVisible(), "the paused badge shows");
  const marks = (await page.evaluate(
    `[...document.querySelectorAll("article.fleet-card img")].map((i) => [i.closest("article").dataset.station, i.dataset.mark === i.src, i.dataset.mark !== undefined])`,
  )) as [string, boolean, boolean][];
  const byId = Object.fromEntries(marks.map(([id, same, kept]) => [id, { same, kept }]));
  assert.deepEqual(byId["agent-1/sim-0"], { same: false, kept: true }, "same element, a new frame");
  assert.deepEqual(byId["agent-2/sim-0"], { same: true, kept: true }, "another fleet's station untouched");
  publish(0); // running again, not paused
});

test("Pause asks first: Cancel sends nothing, Confirm writes the request and shows the fleet's answer", {
  skip,
}, async () => {
  const dir = path.join(store.root, "live", "control", "fleet-agent-1");
  const requests = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  await page.waitForFunction(
    `!document.querySelector('article.fleet-card[data-station="agent-1/sim-0"] button[data-action="pause"]').disabled`,
    null,
    { timeout: 5_000 },
  );
  const pause = card("agent-1/sim-0").locator('button[data-action="pause"]');
  await pause.click();
  const dialog = page.locator("dialog.fleet-dialog");
  assert.ok(await dialog.isVisible());
  assert.match(await seen(dialog), /Pause agent-1\/sim-0\? It finishes its current trial and takes no new ones\./);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "fleet-control.png") });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  assert.equal(await dialog.isVisible(), false);
  await page.waitForTimeout(300);
  assert.deepEqual(requests(), [], "Cancel wrote no request");

  // a fleet's answerer: take the request, answer it
  const taken: { station: string; action: string }[] = [];
  const answerer = setInterval(() => {
    for (const name of requests()) {
      if (name.startsWith(".") || name.endsWith(".done.json")) continue;
      const req = LiveControlRequestSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")));
      fs.rmSync(path.join(dir, name));
      taken.push(req);
      const answer: LiveControlAnswer = {
        requestId: req.requestId,
        ok: true,
        message: `${req.station} pauses after trial 60`,
        doneAt: new Date().toISOString(),
      };
      fs.writeFileSync(path.join(dir, `${req.requestId}.done.json`), JSON.stringify(answer));
    }
  }, 50);
  try {
    await pause.click();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    const result = card("agent-1/sim-0").locator(".fleet-result");
    await page.waitForFunction(
      `document.querySelector('article.fleet-card[data-station="agent-1/sim-0"] .fleet-result').textContent.includes("pauses after trial 60")`,
      null,
      { timeout: 7_000 },
    );
    assert.match((await result.getAttribute("class")) ?? "", /fleet-result-ok/);
    assert.deepEqual(
      taken.map((r) => [r.station, r.action]),
      [["agent-1/sim-0", "pause"]],
    );
  } finally {
    clearInterval(answerer);
  }
});

test("8 stations rewriting their files and frames at 4 Hz leave the page responsive", { skip }, async () => {
  await page.evaluate(`(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
      .observe({ type: "longtask" });
    window.__fetches0 = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/fleet?")).length;
    window.__applies0 = performance.getEntriesByName("fleet:apply").length;
  })()`);
  const ids = Array.from({ length: 8 }, (_, j) => `load/sim-${j}`);
  const runId = runs["agent-1"];
  let tickNo = 0;
  const writeAll = () => {
    const now = Date.now();
    tickNo++;
    writeSyntheticFleet(store.root, {
      fleetId: "fleet-load",
      label: "load",
      stations: ids.map((id, j) => {
        const file = writeSyntheticFrame(store.root, id, (tickNo % 40) / 40, j);
        return syntheticStation(id, {
          health: "running",
          current: { runId, index: 1000 + j, seed: 1, attempt: 1, startedAtMs: now - 2000 },
          frame: { file, atMs: now, runId, index: 1000 + j, step: tickNo },
        });
      }),
    });
  };
  const seconds = 5;
  const timer = setInterval(writeAll, 250);
  await page.waitForTimeout(seconds * 1000);
  clearInterval(timer);
  await page.waitForTimeout(600);
  const stats = (await page.evaluate(`(() => ({
    long: window.__long,
    apply: performance.getEntriesByName("fleet:apply").slice(window.__applies0).map((e) => e.duration),
    fetches: performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/fleet?")).length - window.__fetches0,
    cards: document.querySelectorAll("article.fleet-card").length,
    steps: [...document.querySelectorAll('article.fleet-card[data-station^="load/"] figcaption')].map((c) => c.textContent),
  }))()`)) as { long: number[]; apply: number[]; fetches: number; cards: number; steps: string[] };
  const max = (xs: number[]) => Math.max(0, ...xs).toFixed(1);
  process.stdout.write(
    `# fleet page under load: ${tickNo} rewrites of 8 stations in ${seconds} s; ${stats.fetches} refetches, ` +
      `each applied in at most ${max(stats.apply)} ms; long tasks (>= 50 ms): ${stats.long.length} (max ${max(stats.long)} ms)\n`,
  );
  assert.equal(stats.cards, 13, "5 stations before and the 8 new ones");
  assert.ok(
    stats.steps.every((s) => s.includes(`step ${tickNo}`)),
    `the last frames show: ${stats.steps.join("; ")}`,
  );
  assert.ok(stats.fetches <= seconds * 2 + 3, `refetches are coalesced (${stats.fetches} in ${seconds} s)`);
  assert.ok(stats.fetches >= seconds, `and keep up (${stats.fetches} in ${seconds} s)`);
  // the page's own work per refresh stays far under 50 ms; the browser's other work (image decoding, GC) on a busy
  // 2-core machine may now and then make one task reach 50 ms, never more than one and never 100 ms
  assert.ok(stats.apply.length >= seconds, "each refresh measured");
  assert.ok(
    stats.apply.every((d) => d < 50),
    `each refresh under 50 ms: ${stats.apply.map((d) => d.toFixed(1))}`,
  );
  assert.ok(stats.long.length <= 1 && stats.long.every((d) => d < 100), `long tasks: ${stats.long.join(", ")}`);
});

test("a real evaluate() run shows its station live while it runs, then ended", { skip }, async () => {
  const running = evaluate(store, { taskId: "pusht", policyFile: HEURISTIC, episodes: 6, seedStart: 0, label: "main" });
  const station = 'article.fleet-card[data-station="main/sim-0"]';
  try {
    await page.waitForFunction(
      `document.querySelector('${station} .fleet-health')?.textContent === "running" && document.querySelector('${station} a[href*="/trials/"]') !== null`,
      null,
      { timeout: 20_000 },
    );
    const text = await seen(card("main/sim-0"));
    assert.match(text, /since its fleet began/);
    assert.equal(await card("main/sim-0").locator(".fleet-branch").textContent(), "main", "the run's label");
  } finally {
    const result = await running;
    assert.equal(result.trials.length, 6);
  }
  // the stations close a moment before the board's last write (closed: true): wait for that, not just "offline"
  await page.waitForFunction(
    `document.querySelector('${station} .fleet-health')?.textContent === "offline" && document.querySelector('${station}').innerText.includes("fleet closed")`,
    null,
    { timeout: 10_000 },
  );
  assert.match(await seen(card("main/sim-0")), /its fleet closed \d+ s ago: its runs ended/);
});
