/**
 * The Research pages of `enpire ui` in a real browser (Debian's chromium, driven by playwright-core) over a real small
 * research project: the list shows it, the project page shows the leaderboard, the curves and the idea tree, clicking
 * an idea opens its diff (the added line visible, coloured as added) and keyboard focus works, and an unknown project
 * gets a clear page. Skipped, saying so, when no chromium is found (.ci/run installs it).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { RunStore } from "../src/rollout/store.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, skipWithoutChromium } from "./support/browser.js";
import { buildSmallProject, type SmallProject } from "./support/research-project.js";

const skip = skipWithoutChromium;

let root: string;
let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
let fixture: SmallProject;
const errors: string[] = [];

before(async () => {
  if (skip) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-browser-research-"));
  store = RunStore.open(path.join(root, "store"));
  fixture = await buildSmallProject(store, root);
  server = await serveUi({ store, port: 0 });
  ({ browser, page } = await openBrowser());
  page.on("pageerror", (e) => errors.push(e.message));
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

// biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it
const bodyText = () => page.locator("body").innerText();
// biome-ignore lint/performance/useDomNodeTextContent: the text as a person sees it
const textOf = (selector: string) => page.locator(selector).innerText();
const waitForText = (text: string) =>
  page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`, null, { timeout: 10_000 });

test("the research list shows the project, linking to it", { skip }, async () => {
  await page.goto(`${server.url}#/research`);
  await waitForText(fixture.name);
  const text = await bodyText();
  assert.match(text, /100\.0%/, "the best branch's success");
  assert.match(text, /2 \(1 kept\)/, "iterations and kept");
  await page.getByRole("link", { name: fixture.name }).click();
  await page.waitForSelector(".research-tree");
  assert.equal(await page.evaluate("location.hash"), `#/research/${fixture.name}`);
});

test("the project page shows the leaderboard, the curves and the idea tree; an idea opens its diff", {
  skip,
}, async () => {
  await page.goto(`${server.url}#/research/${fixture.name}`);
  await page.waitForSelector(".research-tree");
  await page.waitForFunction(`document.querySelectorAll("canvas").length >= 1`, null, { timeout: 10_000 });
  const board = await textOf("table.research-board");
  assert.match(board, /agent-1[\s\S]*14\/14/, "the leaderboard with pooled evidence");
  assert.match(board, /baseline[\s\S]*0\/10[\s\S]*pruned/);
  assert.equal(await page.locator(".research-board svg.research-ci").count(), 3, "a CI bar per row");
  assert.equal(await page.locator(".research-tree [data-node]").count(), 4, "baseline, two ideas and a borrow");
  assert.equal(await page.locator(".research-edge-borrowed").count(), 1);

  await page.locator(`[data-node="${fixture.good}"]`).click();
  const added = page.locator(".research-diff-add", { hasText: '{"still":false}' });
  await added.waitFor({ timeout: 10_000 });
  assert.ok(await added.isVisible(), "the diff's added line is visible");
  assert.match(await textOf(".research-panel"), new RegExp(fixture.goodText));
  assert.equal(await page.evaluate("location.hash"), `#/research/${fixture.name}/nodes/${fixture.good}`);

  // the keyboard: focus the reverted idea and press Enter
  await page.locator(`[data-node="${fixture.bad}"]`).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    `document.querySelector(".research-panel h2")?.innerText.includes(${JSON.stringify(fixture.bad)})`,
    null,
    { timeout: 10_000 },
  );
  assert.match(await textOf(".research-panel"), /reverted/);

  // the node's own URL opens the page with its panel
  await page.goto(`${server.url}#/research/${fixture.name}/nodes/${fixture.borrow}`);
  await page.waitForSelector(".research-diff");
  assert.match(await textOf(".research-panel"), /adopt from agent-1/);
  assert.deepEqual(errors, []);
});

test("an unknown project gets a clear page", { skip }, async () => {
  await page.goto(`${server.url}#/research/no-such-project`);
  await waitForText("No research project");
  assert.match(await bodyText(), /no-such-project/);
  assert.ok(await page.getByRole("link", { name: /all research projects/ }).isVisible());
});
