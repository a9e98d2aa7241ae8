/**
 * The AutoEnvBench pages in a real browser (Debian's chromium, playwright-core) over a real tiny bench
 * (test/support/tiny-bench.ts): the list shows it, its page draws the summary table and the success chart (uPlot
 * canvas) with a ± SEM band, and its links lead to the research project and the store runs behind each run; an
 * unknown bench gets a clear page. Saves bench.png under $ENPIRE_SHOTS when it is set. Skipped when no chromium is
 * found, saying so.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { RunStore } from "../src/rollout/store.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, SHOTS, skipWithoutChromium } from "./support/browser.js";
import { tinyBench } from "./support/tiny-bench.js";

const skip = skipWithoutChromium;

let base: string;
let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];

before(async () => {
  if (skip) return;
  base = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-browser-bench-"));
  store = RunStore.open(path.join(base, "store"));
  await tinyBench(store, base, "bench-ui");
  server = await serveUi({ store, port: 0 });
  ({ browser, page } = await openBrowser());
  page.on("pageerror", (e) => errors.push(e.message));
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

// biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it, table cells apart
const bodyText = () => page.locator("body").innerText();

test("the bench list shows the bench, and its page draws the summary table and the success chart with links", {
  skip,
}, async () => {
  await page.goto(`${server.url}#/bench`);
  await page.waitForSelector('tr[data-bench="bench-ui"]', { timeout: 10_000 });
  // biome-ignore lint/performance/useDomNodeTextContent: the row as a person reads it, cells apart
  const listRow = await page.locator('tr[data-bench="bench-ui"]').innerText();
  assert.match(listRow, /complete/);
  assert.match(listRow, /llm × pusht × teams of 1/);
  assert.match(listRow, /2 \/ 2/, "both runs done");
  assert.match(listRow, /1 \/ 2/, "one reached the goal");

  await page.click('a[href="#/bench/bench-ui"]');
  await page.waitForSelector('[data-chart="pusht"] canvas', { timeout: 10_000 });
  const summary = await page.locator("table.bench-summary tbody tr").allInnerTexts();
  assert.equal(summary.length, 1);
  // llm, team of 1: 2 runs, 1 reached; tokens to success 1500; final 50.0% ± 50.0%
  assert.match(summary[0], /llm\s+1\s+2\s+1 \/ 2\s+[\d.]+ min \([\d.]+ min\)\s+1500\s/);
  assert.match(summary[0], /50\.0% ± 50\.0%/);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, "bench.png"), fullPage: false });
  const legend = (await page.locator('[data-chart="pusht"] .u-legend').textContent()) ?? "";
  for (const s of ["llm ×1 mean (2 runs)", "llm ×1 + SEM", "llm ×1 best run"]) assert.ok(legend.includes(s), s);
  // the band: pixels between the mean and the best run are tinted at the chart's right edge, where SEM = 50%
  const tinted = await page.evaluate(`(() => {
    const c = document.querySelector('[data-chart="pusht"] canvas');
    const ctx = c.getContext("2d");
    const x = Math.round(c.width * 0.9), data = ctx.getImageData(x, 0, 1, c.height).data;
    let n = 0;
    // the band's fill alone: a translucent (alpha ~0.15) blue, no line over it
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 20 && data[i + 3] < 80 && data[i + 2] > data[i] + 100) n++;
    return n;
  })()`);
  assert.ok(Number(tinted) > 20, `a translucent blue band is drawn (${tinted} px)`);

  const runs = await page.locator("table.bench-runs tbody tr").allInnerTexts();
  assert.equal(runs.length, 2);
  assert.match(runs[0], /bench-ui-llm-pusht-n1-r1/);
  assert.match(runs[0], /confirm 1\/1|confirm \d+\/\d+/);
  assert.equal((await page.locator('a[href="#/research/bench-ui-llm-pusht-n1-r1"]').count()) >= 1, true);
  // a store run behind the bench opens its run page
  const evalLink = page.locator("a.bench-eval.confirm").first();
  const href = (await evalLink.getAttribute("href")) ?? "";
  assert.match(href, /^#\/runs\//);
  await evalLink.click();
  await page.waitForSelector("table.trials tbody tr", { timeout: 10_000 });
  assert.match(await bodyText(), /success \(Wilson 95%\)/);
  assert.deepEqual(errors, []);
});

test("an unknown bench gets a clear page", { skip }, async () => {
  await page.goto(`${server.url}#/bench/no-such-bench`);
  await page.waitForFunction(`document.body.innerText.includes("No bench")`, null, { timeout: 10_000 });
  assert.match(await bodyText(), /no bench "no-such-bench"/);
});
