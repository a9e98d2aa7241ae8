/**
 * A 3D trial's cameras on the trial page, in a real browser (Debian's chromium, driven by playwright-core), over a
 * real run recorded here: pin-insertion-easy, 2 episodes of the example heuristic, with video. The page offers the
 * main view and each other camera of the station; switching the camera loads that camera's video (a smaller one) at
 * the same moment of the trial, so the plots' cursor stays on the same step, and clicking a plot seeks whichever
 * camera is shown. Skipped when no chromium (or no ffmpeg, which recording needs) is found.
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
import { ffmpegAvailable } from "../src/rollout/video.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, skipWithoutChromium } from "./support/browser.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const HEURISTIC = path.join(ROOT, "examples", "policies", "pin-insertion-heuristic.ts");
const skip = skipWithoutChromium || ((await ffmpegAvailable()) ? false : "no ffmpeg here (apt-get install ffmpeg)");
/** pin-insertion's control rate: video frames per second. */
const FPS = 20;

let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
let errors: string[];
let runId: string;

before(async () => {
  if (skip) return;
  store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-cameras-")));
  const run = await evaluate(store, {
    taskId: "pin-insertion-easy",
    policyFile: HEURISTIC,
    episodes: 2,
    seedStart: 0,
    video: true,
  });
  runId = run.runId;
  server = await serveUi({ store, port: 0 });
  ({ browser, page, errors } = await openBrowser(["--autoplay-policy=no-user-gesture-required"]));
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
});

/** What the player shows: its camera, the file it plays, its frame width, its time and the cursor's label. */
async function player(p: Page): Promise<{ camera: string; src: string; width: number; t: number; label: string }> {
  return (await p.evaluate(`(() => {
    const v = document.querySelector("video");
    const label = document.querySelector('[data-part="frame"]').textContent;
    return { camera: v.dataset.camera, src: v.currentSrc, width: v.videoWidth, t: v.currentTime, label };
  })()`)) as { camera: string; src: string; width: number; t: number; label: string };
}

/** A page condition: the video is still, past `step`, and the cursor's label names the step it shows. */
const SETTLED_AFTER = (step: number) => `(() => {
  const v = document.querySelector("video");
  const shown = Math.floor(v.currentTime * ${FPS});
  const label = document.querySelector('[data-part="frame"]').textContent;
  return !v.seeking && shown > ${step} && label.startsWith("step " + shown + " ");
})()`;

/**
 * Waits until the player shows `camera`'s video, loaded (a frame decodable), still, at `step`, with the cursor's label
 * on that step; times out (failing the test) when the switch lost the moment.
 */
const loaded = (camera: string, step: number) =>
  page.waitForFunction(
    `(() => { const v = document.querySelector("video");
      const label = document.querySelector('[data-part="frame"]').textContent;
      return v.dataset.camera === ${JSON.stringify(camera)} && v.readyState >= 2 && !v.seeking &&
        Math.floor(v.currentTime * ${FPS}) === ${step} && label.startsWith("step ${step} "); })()`,
    null,
    { timeout: 10_000 },
  );

test("the trial page switches between the station's cameras at the same step, the cursor in sync", {
  skip,
}, async () => {
  await page.goto(`${server.url}#/runs/${runId}/trials/0`);
  await page.waitForSelector(".camera-tabs button");
  const tabs = await page.locator(".camera-tabs button").allTextContents();
  const cameras = ["left", "left_wrist_cam", "right", "right_wrist_cam"];
  assert.deepEqual(tabs, ["main", ...cameras], "the main view, then each other camera by name");
  await loaded("main", 0);
  const main = await player(page);
  assert.match(main.src, /\/video\.mp4$/);
  assert.equal(main.width, 256, "the main view at --video-size");

  // to step 20 on the main view, then the left camera: same moment, the cursor on the same step
  await page.evaluate(`document.querySelector("video").currentTime = ${(20 + 0.5) / FPS}`);
  await loaded("main", 20);
  await page.locator('.camera-tabs button[data-camera="left"]').click();
  await loaded("left", 20);
  const left = await player(page);
  assert.match(left.src, /\/video-left\.mp4$/, "the left camera's own file");
  assert.equal(left.width, 128, "the extra cameras are recorded at half the size");
  assert.ok(Math.abs(left.t - (20 + 0.5) / FPS) < 1e-3, `the same moment: ${left.t} s`);
  const pressed = await page.locator('.camera-tabs button[aria-pressed="true"]').allTextContents();
  assert.deepEqual(pressed, ["left"]);

  // clicking the reward plot seeks the camera shown; the wrist camera then opens at that step
  const plot = page.locator('[data-part="reward"] .u-over').first();
  const box = await plot.boundingBox();
  assert.ok(box, "the reward plot is drawn");
  await plot.hover({ position: { x: box.width * 0.8, y: box.height / 2 } }); // uPlot's cursor picks the step
  await plot.click({ position: { x: box.width * 0.8, y: box.height / 2 } });
  await page.waitForFunction(SETTLED_AFTER(25));
  const sought = await player(page);
  const step = Math.floor(sought.t * FPS);
  assert.match(sought.label, new RegExp(`^step ${step} `), sought.label);
  await page.locator('.camera-tabs button[data-camera="right_wrist_cam"]').click();
  await loaded("right_wrist_cam", step);
  const wrist = await player(page);
  assert.match(wrist.src, /\/video-right_wrist_cam\.mp4$/);
  assert.ok(Math.abs(wrist.t - sought.t) < 1e-3, `the same moment: ${wrist.t} s, was ${sought.t} s`);

  // and back to the main view, still there
  await page.locator('.camera-tabs button[data-camera="main"]').click();
  await loaded("main", step);
  assert.equal((await player(page)).width, 256);
  assert.deepEqual(errors, []);
});
