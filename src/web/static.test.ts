/**
 * Tests of the front end that need no browser: the `html` helper escapes whatever the store holds (a policy named
 * `<img onerror=…>` shows as text), the number formats and the pager read right, and every module the pages import
 * is served by the real UI server (a broken import path would leave a blank page).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { RunStore } from "../rollout/store.js";
import { createUiApp } from "./server.js";

const STATIC = path.join(path.dirname(fileURLToPath(import.meta.url)), "static");

interface Safe {
  text: string;
}
/** The part of lib.js these tests use (it is a browser module without type declarations). */
interface Lib {
  html(strings: TemplateStringsArray, ...values: unknown[]): Safe;
  raw(text: string): Safe;
  pct(x: number | null, digits?: number): string;
  rateWithInterval(rate: number | null, ci: { low: number; high: number } | null): Safe;
  duration(ms: number): string;
  pager(page: { total: number; offset: number; limit: number }): Safe;
  seg(s: unknown): string;
}
const lib = (await import(pathToFileURL(path.join(STATIC, "lib.js")).href)) as Lib;
const { html, raw } = lib;

describe("html", () => {
  test("escapes interpolated strings, so names from the store show as text", () => {
    const name = `<img src=x onerror="alert('x')">&`;
    assert.equal(
      html`<td title="${name}">${name}</td>`.text,
      '<td title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</td>',
    );
  });

  test("nests html results and arrays without escaping them twice; null, undefined and false render nothing", () => {
    const rows = ["a<b", "c"].map((s) => html`<li>${s}</li>`);
    assert.equal(html`<ul>${rows}</ul>${null}${undefined}${false}${0}`.text, "<ul><li>a&lt;b</li><li>c</li></ul>0");
    assert.equal(html`${raw("<b>x</b>")}`.text, "<b>x</b>");
  });

  test("seg encodes an id for one URL path segment", () => {
    assert.equal(lib.seg("../x y#?"), "..%2Fx%20y%23%3F");
  });
});

describe("formats", () => {
  test("success reads as a percentage with its Wilson interval, and a dash when there are no trials", () => {
    assert.equal(
      lib.rateWithInterval(0.8333, { low: 0.4365, high: 0.9699 }).text,
      '83.3% <span class="ci">(43.6%–97.0%)</span>',
    );
    assert.match(lib.rateWithInterval(null, null).text, /–/);
    assert.equal(lib.pct(1), "100.0%");
  });

  test("durations read in ms, s, then minutes", () => {
    assert.deepEqual(
      [lib.duration(71), lib.duration(12_340), lib.duration(245_000)],
      ["71 ms", "12.3 s", "4 min 05 s"],
    );
  });

  test("the pager offers the next page only while there is one", () => {
    const middle = lib.pager({ total: 230, offset: 100, limit: 100 }).text;
    assert.match(middle, /101–200 of 230/);
    assert.match(middle, /data-offset="200"/);
    assert.doesNotMatch(middle, /disabled/);
    const last = lib.pager({ total: 230, offset: 200, limit: 100 }).text;
    assert.match(last, /201–230 of 230/);
    assert.match(last, /data-offset="300"\s+disabled/);
    assert.match(lib.pager({ total: 3, offset: 0, limit: 100 }).text, /3 in all/);
  });
});

describe("the server serves the front end", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-static-"));
  const store = RunStore.open(path.join(base, "store"));
  const app = createUiApp({ store });
  after(() => {
    store.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test("index.html and every module, stylesheet and vendor file it reaches load", async () => {
    const seen = new Set<string>();
    const queue = ["/", "/app.js", "/style.css"];
    while (queue.length) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await app.request(`http://127.0.0.1${url}`);
      assert.equal(res.status, 200, `${url} answered ${res.status}`);
      const text = await res.text();
      if (url.endsWith(".js")) {
        assert.match(res.headers.get("content-type") ?? "", /javascript/, url);
        if (url.startsWith("/vendor/")) continue;
        for (const m of text.matchAll(
          /(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g,
        )) {
          const spec = m[1] ?? m[2];
          queue.push(new URL(spec, `http://x${url}`).pathname);
        }
      } else if (url === "/") {
        for (const m of text.matchAll(/(?:src|href)="(\/[^"]+)"/g)) queue.push(m[1]);
      }
    }
    for (const needed of [
      "/pages/runs.js",
      "/pages/run.js",
      "/pages/trial.js",
      "/charts.js",
      "/vendor/uplot/uPlot.esm.js",
      "/vendor/uplot/uPlot.min.css",
    ]) {
      assert.ok(seen.has(needed), `${needed} is reachable from index.html`);
    }
  });
});
