/**
 * The UI server end to end: the JSON API on a real recorded run (3 Push-T episodes of the example heuristic, with
 * video) and a synthetic run of mixed outcomes, file serving (types, Range, every traversal trick refused), the
 * access token off loopback, static files, and the SSE stream delivering a trial committed while it is open.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import { evaluate } from "../rollout/evaluate.js";
import { RunStore } from "../rollout/store.js";
import { syntheticRun } from "./api/synthetic-run.js";
import { createUiApp, serveUi } from "./server.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pusht-heuristic.ts");
const MARKER = "MARKER-outside-the-store-7f3a9c";

let base: string;
let store: RunStore;
let app: Hono;
let realRun: string;
let mixedRun: string;

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field below
async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await app.request(url, init);
  return { status: res.status, body: await res.json() };
}

before(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-"));
  fs.writeFileSync(path.join(base, "secret.txt"), MARKER);
  fs.mkdirSync(path.join(base, "outside"));
  fs.writeFileSync(path.join(base, "outside", "x"), MARKER);
  store = RunStore.open(path.join(base, "store"));
  const res = await evaluate(store, {
    taskId: "pusht",
    policyFile: HEURISTIC,
    episodes: 3,
    seedStart: 100000,
    video: true,
    videoSize: 96,
  });
  realRun = res.runId;
  // 25 trials: failures at 2, 5, 11, 17, 23; an interrupted one at 8
  mixedRun = syntheticRun(store, {
    trials: 25,
    fails: (i) => [2, 5, 11, 17, 23].includes(i),
    interrupted: (i) => i === 8,
  });
  const trialDir = store.resolve(store.trial(realRun, 0)!.dir);
  fs.symlinkSync(path.join(base, "secret.txt"), path.join(trialDir, "leak.txt"));
  fs.symlinkSync(path.join(base, "outside"), path.join(store.root, "runs", "out"));
  const staticDir = path.join(base, "static");
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>enpire</title>");
  fs.writeFileSync(path.join(staticDir, "app.js"), "export {};\n");
  app = createUiApp({ store, staticDir });
});

after(() => {
  store.close();
  fs.rmSync(base, { recursive: true, force: true });
});

describe("runs", () => {
  test("the list is newest first, with counts, Wilson interval and budget", async () => {
    const { status, body } = await json("/api/runs");
    assert.equal(status, 200);
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.runs.map((r: { id: string }) => r.id),
      [mixedRun, realRun],
    );
    const mixed = body.runs[0];
    assert.equal(mixed.trials, 24); // the interrupted one is kept, not counted
    assert.equal(mixed.interrupted, 1);
    assert.equal(mixed.successes, 19);
    assert.ok(Math.abs(mixed.successRate - 19 / 24) < 1e-12);
    assert.ok(mixed.wilson95.low < 19 / 24 && mixed.wilson95.high > 19 / 24);
    assert.deepEqual(mixed.budget, { episodes: 25, wallClockS: 600, stationSeconds: null });
    const real = body.runs[1];
    assert.deepEqual(real.task, { id: "pusht", version: 1 });
    assert.equal(real.status, "finished");
    assert.equal(real.trials, 3);
    assert.equal(real.policy.name, "pusht-heuristic");
    assert.match(real.policy.sha256, /^[0-9a-f]{64}$/);
  });

  test("the list pages, and refuses a bad page", async () => {
    const { body } = await json("/api/runs?offset=1&limit=1");
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.runs.map((r: { id: string }) => r.id),
      [realRun],
    );
    const bad = await json("/api/runs?limit=abc");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /limit/);
  });

  test("one run: curves over counted trials, pass@k, stations", async () => {
    const { status, body } = await json(`/api/runs/${mixedRun}`);
    assert.equal(status, 200);
    assert.equal(body.run.id, mixedRun);
    assert.deepEqual(body.run.seeds, { start: 1000, count: 25 });
    assert.equal(body.curves.window, 50);
    assert.equal(body.curves.cumulative.length, 24);
    assert.equal(body.curves.cumulative[2], 0.66667); // counted trial 3 (index 2) failed: 2 of 3, to 5 decimals
    assert.equal(body.curves.rolling[23], null); // fewer than 50 trials
    assert.equal(body.curves.maxReward.length, 24);
    assert.equal(body.curves.maxReward[2], 0.2); // a failure's max reward in the synthetic run
    assert.ok(Math.abs(body.passAtK["pass@1"] - 19 / 24) < 1e-12);
    // the timeline as columns: t0 is the first trial's start, each station's trials in start order
    assert.equal(body.timeline.t0Ms, Date.parse("2026-01-01T00:00:00Z"));
    assert.equal(body.timeline.spanMs, 24_900); // the last trial starts at 24 s and runs 0.9 s
    assert.deepEqual(
      body.stations.map((s: { id: string }) => s.id),
      ["sim-0", "sim-1"],
    );
    const sim1 = body.stations[1];
    assert.equal(sim1.index.length, 12);
    assert.deepEqual(sim1.index.slice(0, 6), [1, 3, 5, 7, 9, 11]);
    assert.equal(sim1.startMs[4], 9000);
    assert.equal(sim1.ms[4], 900);
    assert.equal(body.timeline.outcomes[sim1.outcome[4]], "success");
    assert.equal(body.timeline.outcomes[sim1.outcome[5]], "failure"); // trial 11
    assert.equal(body.timeline.outcomes[body.stations[0].outcome[4]], "interrupted"); // trial 8
    assert.ok(body.fleetMru > 0.4 && body.fleetMru < 0.5); // each busy 0.9 s of every 2 s
  });

  test("an unknown run is a 404 naming it", async () => {
    for (const url of ["/api/runs/nope", "/api/runs/nope/trials", "/api/runs/nope/trials/0"]) {
      const { status, body } = await json(url);
      assert.equal(status, 404, url);
      assert.equal(body.error, 'no run "nope"');
    }
  });
});

describe("trials", () => {
  test("failed first: counted failures, then interrupted, then successes, paginated", async () => {
    const first = await json(`/api/runs/${mixedRun}/trials?limit=7`);
    assert.equal(first.status, 200);
    assert.equal(first.body.total, 25);
    assert.deepEqual(
      first.body.trials.map((t: { index: number }) => t.index),
      [2, 5, 11, 17, 23, 8, 0],
    );
    const t2 = first.body.trials[0];
    assert.equal(t2.outcome, "failure");
    assert.equal(t2.success, false);
    assert.equal(t2.reason, "coverage 0.2 <= 0.95");
    assert.equal(first.body.trials[5].counted, false);
    // the 19 successes follow the 6 others in index order: positions 20.. are the last five of them
    const later = await json(`/api/runs/${mixedRun}/trials?order=failed-first&offset=20&limit=10`);
    assert.deepEqual(
      later.body.trials.map((t: { index: number }) => t.index),
      [19, 20, 21, 22, 24],
    );
    const byIndex = await json(`/api/runs/${mixedRun}/trials?order=index&offset=3&limit=3`);
    assert.deepEqual(
      byIndex.body.trials.map((t: { index: number }) => t.index),
      [3, 4, 5],
    );
    const bad = await json(`/api/runs/${mixedRun}/trials?order=random`);
    assert.equal(bad.status, 400);
  });

  test("one trial of the real run: steps with coverage, events, verdict, policy source, file URLs", async () => {
    const { status, body } = await json(`/api/runs/${realRun}/trials/1`);
    assert.equal(status, 200);
    assert.equal(body.trial.index, 1);
    assert.equal(body.trial.seed, 100001);
    assert.equal(body.trial.success, true);
    assert.equal(body.steps.length, body.trial.steps);
    assert.ok(body.steps.every((s: { coverage?: number }) => typeof s.coverage === "number"));
    assert.ok(body.steps.at(-1).coverage > 0.95);
    assert.equal(body.steps[0].action.length, 2);
    const kinds = body.events.map((e: { event: string }) => e.event);
    assert.equal(kinds[0], "reset");
    assert.ok(kinds.includes("verify"));
    assert.ok(!kinds.includes("step"));
    assert.equal(body.verification.success, true);
    assert.equal(body.safety, null);
    assert.equal(body.fps, 10);
    assert.equal(body.policy.source, fs.readFileSync(HEURISTIC, "utf8"));
    assert.equal(body.files.video, body.trial.video);
    assert.match(body.files.video, /^\/files\/runs\/[^/]+\/trials\/00001-seed-100001\/video\.mp4$/);
    const events = await app.request(body.files.events);
    assert.equal(events.status, 200);
    assert.match(events.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal((await events.text()).split("\n").filter(Boolean).length, body.steps.length + body.events.length);
    const result = await app.request(body.files.result);
    assert.deepEqual(await result.json(), body.result);
  });

  test("a missing trial is a 404, a malformed index a 400", async () => {
    const missing = await json(`/api/runs/${realRun}/trials/99`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, `no trial 99 in run ${realRun}`);
    const bad = await json(`/api/runs/${realRun}/trials/x`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /trial index/);
  });
});

describe("files", () => {
  test("a video is served whole, and a Range gives 206 with exactly those bytes", async () => {
    const row = store.trial(realRun, 0)!;
    const file = path.join(store.resolve(row.dir), "video.mp4");
    const bytes = fs.readFileSync(file);
    const { body } = await json(`/api/runs/${realRun}/trials/0`);
    const whole = await app.request(body.files.video);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-type"), "video/mp4");
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
    const part = await app.request(body.files.video, { headers: { Range: "bytes=100-299" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 100-299/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 300)));
    const tail = await app.request(body.files.video, { headers: { Range: "bytes=-10" } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));
    const beyond = await app.request(body.files.video, { headers: { Range: `bytes=${bytes.length}-` } });
    assert.equal(beyond.status, 416);
  });

  test("every way out of the store is a 404 that never reads the file", async () => {
    const trialDir = store.trial(realRun, 0)!.dir;
    const attempts = [
      "/files/../secret.txt",
      "/files/%2e%2e/secret.txt",
      "/files/%2E%2E/secret.txt",
      "/files/%252e%252e/secret.txt",
      "/files/..%2fsecret.txt",
      "/files/..%2Fsecret.txt",
      "/files/..%5csecret.txt",
      "/files/runs/..%2f..%2fsecret.txt",
      "/files/%2e%2e%2fsecret.txt",
      `/files/${encodeURIComponent(path.join(base, "secret.txt"))}`,
      `/files/${path.join(base, "secret.txt")}`,
      `/files//${path.join(base, "secret.txt")}`,
      `/files/${trialDir}/leak.txt`, // a symlink out of the store
      "/files/runs/out/x", // a symlinked directory out of the store
      "/files/runs/%00/../../secret.txt",
      "/files/secret.txt%00.mp4",
      "/files/enpire.db%00",
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/vendor/uplot/..%2f..%2f..%2fpackage.json",
    ];
    for (const url of attempts) {
      const res = await app.request(url);
      const text = await res.text();
      assert.equal(res.status, 404, url);
      assert.ok(!text.includes(MARKER), url);
    }
  });
});

describe("server", () => {
  test("static files and uPlot are served; unknown API routes are JSON 404s", async () => {
    const index = await app.request("/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type") ?? "", /^text\/html/);
    const js = await app.request("/app.js");
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    const uplot = await app.request("/vendor/uplot/uPlot.esm.js");
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /export/);
    const css = await app.request("/vendor/uplot/uPlot.min.css");
    assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
    const api = await json("/api/nothing");
    assert.equal(api.status, 404);
    assert.match(api.body.error, /no API route/);
  });

  test("on loopback, a request naming another Host is refused (DNS rebinding)", async () => {
    const res = await app.request("/api/runs", { headers: { Host: "evil.example:8300" } });
    assert.equal(res.status, 403);
  });

  test("off loopback every request needs the token: ?token= once, then the cookie, or a Bearer header", async () => {
    const ui = await serveUi({ store, port: 0, host: "0.0.0.0" });
    try {
      assert.ok(ui.token && ui.token.length >= 32);
      const port = new URL(ui.url).port;
      const at = (p: string) => `http://127.0.0.1:${port}${p}`;
      const refused = await fetch(at("/api/runs"));
      assert.equal(refused.status, 401);
      assert.match(((await refused.json()) as { error: string }).error, /access token/);
      assert.equal((await fetch(at("/api/runs?token=wrong"))).status, 401);
      const video = (await json(`/api/runs/${realRun}/trials/0`)).body.files.video;
      assert.equal((await fetch(at(video))).status, 401);
      const once = await fetch(at(`/api/runs?token=${ui.token}`), { redirect: "manual" });
      assert.equal(once.status, 302);
      assert.equal(once.headers.get("location"), "/api/runs");
      const cookie = (once.headers.get("set-cookie") ?? "").split(";")[0];
      assert.match(once.headers.get("set-cookie") ?? "", /HttpOnly/);
      const withCookie = await fetch(at("/api/runs"), { headers: { Cookie: cookie } });
      assert.equal(withCookie.status, 200);
      assert.equal(((await withCookie.json()) as { total: number }).total, 2);
      const bearer = await fetch(at("/api/runs"), { headers: { Authorization: `Bearer ${ui.token}` } });
      assert.equal(bearer.status, 200);
      await bearer.body?.cancel();
    } finally {
      await ui.close();
    }
  });

  test("the SSE stream delivers a trial committed while it is open, then the run's new counts", async () => {
    const ui = await serveUi({ store, port: 0, host: "127.0.0.1" });
    try {
      const res = await fetch(`${ui.url}api/stream`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const readUntil = async (pattern: RegExp) => {
        const deadline = Date.now() + 20_000;
        while (!pattern.test(text)) {
          assert.ok(Date.now() < deadline, `timed out waiting for ${pattern} in:\n${text}`);
          const { value, done } = await reader.read();
          assert.ok(!done, "the stream ended early");
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(/: connected/);
      const run = await evaluate(store, { taskId: "pusht", policyFile: HEURISTIC, episodes: 1, seedStart: 100004 });
      await readUntil(new RegExp(`event: run\\ndata: \\{"id":"${run.runId}"[^\\n]*"status":"finished"`));
      const trial = /event: trial\ndata: (.*)\n/.exec(text);
      assert.ok(trial, text);
      const data = JSON.parse(trial[1]);
      assert.deepEqual(data, { runId: run.runId, index: 0, seed: 100004, success: true, outcome: "success" });
      await reader.cancel();
    } finally {
      await ui.close();
    }
  });
});
