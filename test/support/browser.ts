/**
 * What every browser test of `enpire ui` shares: Debian's chromium (installed by `.ci/run`; without it the tests are
 * skipped, saying so, except under CI where its absence is an error), a page at the screenshots' size, and where to
 * save screenshots when asked (ENPIRE_SHOTS=docs/screenshots; never in a plain test run).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
/** The `skip` option of a browser test: false, or why it is skipped. */
export const skipWithoutChromium: false | string = CHROMIUM
  ? false
  : "no chromium here (`apt-get install chromium`; .ci/run installs it)";
if (!CHROMIUM && process.env.CI) throw new Error("CI needs chromium for the browser tests: .ci/run installs it");

/** Where to save screenshots, or null when not asked. */
export const SHOTS = process.env.ENPIRE_SHOTS ? path.resolve(ROOT, process.env.ENPIRE_SHOTS) : null;

/** Chromium with a 1300×900 page whose uncaught errors are collected in `errors`. */
export async function openBrowser(
  extraArgs: string[] = [],
): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", ...extraArgs] });
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { browser, page, errors };
}
