/**
 * `enpire ui` in a real browser (Debian's chromium, driven by playwright-core) against real runs: each page renders
 * the run store's data, a run started while the runs page is open appears without a reload, a trial's video plays
 * (its current time advances) with the plot cursor following, and an unknown run gets a clear page.
 * `.ci/run` installs chromium; elsewhere the test is skipped when no chromium is found, saying so.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { evaluate } from "../src/rollout/evaluate.js";
import { RunStore } from "../src/rollout/store.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, skipWithoutChromium } from "./support/browser.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");
const skip = skipWithoutChromium;

let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
let runId: string;

before(async () => {
  if (skip) return;
  store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-browser-")));
  const run = await evaluate(store, { taskId: "pusht", policyFile: HEURISTIC, episodes: 3, seedStart: 0, video: true });
  runId = run.runId;
  server = await serveUi({ store, port: 0 });
  ({ browser, page } = await openBrowser(["--autoplay-policy=no-user-gesture-required"]));
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
});

// biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it, table cells apart
const bodyText = () => page.locator("body").innerText();
/** Waits until the page's visible text contains `text` (no reload: the page updates itself). */
const waitForText = (text: string) =>
  page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`, null, { timeout: 10_000 });
const navigations = () => page.evaluate(`performance.getEntriesByType("navigation").length`);

test("the runs page lists the run with its success, and a run started meanwhile appears without a reload", {
  skip,
}, async () => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}#/runs`);
  await waitForText(runId);
  assert.match(await bodyText(), /100\.0%/, "3 of 3 solved");
  const reloads = await navigations();

  const next = await evaluate(store, { taskId: "pusht", policyFile: HEURISTIC, episodes: 1, seedStart: 7 });
  await waitForText(next.runId);
  assert.equal(await navigations(), reloads, "no reload");
  assert.deepEqual(errors, []);
});

test("the run page shows its curves, stations and trials; the trial page plays its video with the cursor following", {
  skip,
}, async () => {
  await page.goto(`${server.url}#/runs/${runId}`);
  await page.waitForFunction(`document.querySelectorAll("canvas").length >= 2`, null, { timeout: 10_000 });
  const text = await bodyText();
  for (const seed of ["0", "1", "2"]) assert.match(text, new RegExp(`\\b${seed}\\b`));
  assert.match(text, /sim-0/, "the station timeline");

  await page.goto(`${server.url}#/runs/${runId}/trials/0`);
  await page.waitForSelector("video");
  await page.waitForFunction(`document.querySelector("video").readyState >= 2`, null, { timeout: 10_000 });
  await page.evaluate(`(() => { const v = document.querySelector("video"); v.muted = true; return v.play(); })()`);
  await page.waitForFunction(`document.querySelector("video").currentTime > 0.5`, null, { timeout: 10_000 });
  const label = (await page.locator('[data-part="frame"]').textContent()) ?? "";
  assert.match(label, /step [1-9]\d*/, `the plots follow the video: ${label}`);
  assert.match(await bodyText(), /coverage/, "the verdict and its metrics");
});

test("an unknown run gets a clear page", { skip }, async () => {
  await page.goto(`${server.url}#/runs/no-such-run`);
  await waitForText("No run");
  assert.match(await bodyText(), /no-such-run/);
});
