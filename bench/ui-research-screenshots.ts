/**
 * Screenshots of the Research pages for docs/screenshots/ (research.png: a project page; research-node.png: an idea
 * with its diff), taken in Debian's chromium at 1300×900 over a store that holds a real team run, e.g. one made by
 * `enpire demo --store /tmp/demo-store --no-video --no-ui --budget-min 4`. Not part of the test suite.
 *
 *   node --import tsx bench/ui-research-screenshots.ts /tmp/demo-store [out-dir]
 */
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ResearchProject } from "../src/evolve/project.js";
import { RunStore } from "../src/rollout/store.js";
import { serveUi } from "../src/web/server.js";

const storeDir = process.argv[2];
const out = path.resolve(process.argv[3] ?? "docs/screenshots");
if (!storeDir) throw new Error("usage: bench/ui-research-screenshots.ts <store with a research project> [out-dir]");
const store = RunStore.open(storeDir);
const name = ResearchProject.list(store).at(-1);
if (!name) throw new Error(`no research project in ${storeDir}`);
const server = await serveUi({ store, port: 0 });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  fs.mkdirSync(out, { recursive: true });
  await page.goto(`${server.url}#/research/${encodeURIComponent(name)}`);
  await page.waitForSelector(".research-tree");
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, "research.png"), fullPage: true });
  // the idea that raised the team average most, with its diff beside the tree
  const id = await page.evaluate(`(() => {
    const nodes = [...document.querySelectorAll(".research-node-raised")];
    return nodes.at(-1)?.getAttribute("data-node") ?? null;
  })()`);
  if (typeof id === "string") {
    await page.locator(`[data-node="${id}"]`).click();
    await page.waitForSelector(".research-diff");
    await page.evaluate(`document.querySelector(".research-tree-wrap").parentElement.scrollIntoView()`);
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(out, "research-node.png") });
  }
  console.log(`screenshots of ${name} in ${out}`);
} finally {
  await browser.close();
  await server.close();
  store.close();
}
