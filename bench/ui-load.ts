/**
 * The UI's API under a large run: a scratch store with one run of 10,000 synthetic trials (written through the run
 * store's own API: createRun, beginTrial, commit; 1 in 7 fails, 1 in 97 is interrupted; no simulation), then the time
 * to answer GET /api/runs/:id, the first page of its trials (failed first) and a later page, each asked several times
 * (median and worst), in process with app.request (no socket). Target: each well under a second.
 * Run: node --import tsx bench/ui-load.ts [--trials 10000] [--repeat 5]
 * Last line: one JSON object for scripts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { RunStore } from "../src/rollout/store.js";
import { syntheticRun } from "../src/web/api/synthetic-run.js";
import { createUiApp } from "../src/web/server.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const trials = Number(flag("--trials", "10000"));
const repeat = Number(flag("--repeat", "5"));

const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-load-"));
const store = RunStore.open(root);
try {
  const t0 = performance.now();
  const runId = syntheticRun(store, {
    trials,
    fails: (i) => i % 7 === 3,
    interrupted: (i) => i % 97 === 50,
    station: (i) => `sim-${i % 4}`,
  });
  const writeS = (performance.now() - t0) / 1000;
  console.log(`store ${root}: ${trials} synthetic trials written in ${writeS.toFixed(1)} s`);
  const app = createUiApp({ store, staticDir: root });

  const time = async (label: string, url: string) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      const res = await app.request(url);
      const body = await res.text();
      ms.push(performance.now() - start);
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body}`);
      bytes = body.length;
    }
    ms.sort((a, b) => a - b);
    const out = { label, url, medianMs: ms[Math.floor(ms.length / 2)], worstMs: ms[ms.length - 1], bytes };
    console.log(
      `${label.padEnd(34)} median ${out.medianMs.toFixed(1)} ms, worst ${out.worstMs.toFixed(1)} ms, ${bytes} bytes`,
    );
    return out;
  };
  const results = [
    await time("run (curves, pass@k, stations)", `/api/runs/${runId}`),
    await time("trials, failed first, first page", `/api/runs/${runId}/trials?order=failed-first&limit=100`),
    await time("trials, failed first, page 80", `/api/runs/${runId}/trials?order=failed-first&offset=8000&limit=100`),
    await time("trials by index, page 99", `/api/runs/${runId}/trials?order=index&offset=9900&limit=100`),
    await time("runs list", "/api/runs"),
  ];
  console.log(JSON.stringify({ trials, writeS, results }));
} finally {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
}
