/**
 * The Fleet page's live 3D view in a real browser (Debian's chromium with SwiftShader's software WebGL, driven by
 * playwright-core), over view files written per the live board's contract from the real pin-insertion station (two
 * arms, the pin box, the pin; MuJoCo poses read by env/mujoco/scene-view.ts) and its top camera's frame:
 * the card draws the scene on a WebGL canvas (its pixels are not all background), new poses move it in place (same
 * canvas, other pixels, the caption's step follows), the toggle switches to the camera frame and back, a station
 * that goes away takes its canvas with it, and a browser without WebGL gets a sentence on the card instead of a
 * broken page. Saves fleet-3d.png under $ENPIRE_SHOTS when it is set. Skipped when no chromium is found.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import loadMujoco, { type MainModule, type MjData, type MjModel } from "@mujoco/mujoco";
import type { Browser, Page } from "playwright-core";
import { encodePng } from "../src/env/image/png.js";
import { SceneRenderer } from "../src/env/mujoco/render/index.js";
import { armNames } from "../src/env/mujoco/robot.js";
import { mujocoSceneGeometry, mujocoScenePoses } from "../src/env/mujoco/scene-view.js";
import { pinStationXml } from "../src/env/tasks/pin-insertion/pin-insertion.js";
import { fileSafe, type LiveStation } from "../src/rollout/live-board.js";
import { writeLiveView } from "../src/rollout/live-views.js";
import { RunStore } from "../src/rollout/store.js";
import { syntheticStation, writeSyntheticFleet } from "../src/web/api/synthetic-fleet.js";
import { serveUi, type UiServer } from "../src/web/server.js";
import { openBrowser, SHOTS, skipWithoutChromium } from "./support/browser.js";

const skip = skipWithoutChromium;
const STATION = "pin/sim-0";
/** Chromium's software WebGL (no GPU here). */
const WEBGL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];

let store: RunStore;
let server: UiServer;
let browser: Browser;
let page: Page;
let mj: MainModule;
let model: MjModel;
let data: MjData;
let geometryId: string | null = null;

/** Poses the right arm (shoulder turned by `turn` rad, elbow bent), writes its view and frame, and the fleet file. */
async function publish(step: number, turn: number, stations: LiveStation[] = []): Promise<void> {
  const qpos = data.qpos as Float64Array;
  const adr = model.jnt_qposadr as Int32Array;
  const joint = (name: string) => adr[mj.mj_name2id(model, mj.mjtObj.mjOBJ_JOINT.value, name)];
  const right = armNames("right").joints;
  qpos[joint(right[0])] = turn;
  qpos[joint(right[1])] = 0.5;
  qpos[joint(right[2])] = -0.9;
  mj.mj_forward(model, data);
  const view = {
    geometry: mujocoSceneGeometry(model),
    poses: mujocoScenePoses(model, data),
    runId: "r",
    index: 3,
    step,
  };
  const atMs = Date.now();
  const entry = await writeLiveView(store.root, STATION, fileSafe(STATION), view, atMs, geometryId, "test");
  geometryId = entry.geometryId;
  const renderer = new SceneRenderer(mj, model);
  const rgb = renderer.render(data, { camera: "top", width: 128, height: 128 }).rgb as Uint8Array;
  const frameFile = `live/frames/${fileSafe(STATION)}.png`;
  fs.mkdirSync(path.join(store.root, "live", "frames"), { recursive: true });
  fs.writeFileSync(path.join(store.root, frameFile), encodePng(rgb, 128, 128));
  writeSyntheticFleet(store.root, {
    fleetId: "fleet-pin",
    label: "pin-insertion",
    stations: [
      syntheticStation(STATION, {
        health: "running",
        current: { runId: "r", index: 3, seed: 7, attempt: 1, startedAtMs: atMs - 2000 },
        frame: { file: frameFile, atMs, runId: "r", index: 3, step },
        view: entry,
      }),
      ...stations,
    ],
  });
}

before(async () => {
  if (skip) return;
  store = RunStore.open(fs.mkdtempSync(path.join(os.tmpdir(), "enpire-ui-view-")));
  mj = await loadMujoco();
  model = mj.MjModel.from_xml_string(pinStationXml(0.0005));
  data = new mj.MjData(model);
  await publish(10, 0.2, [syntheticStation("pin/sim-1", { health: "idle" })]);
  server = await serveUi({ store, port: 0 });
  ({ browser, page } = await openBrowser(WEBGL_ARGS));
});

after(async () => {
  await browser?.close();
  await server?.close();
  store?.close();
  data?.delete();
  model?.delete();
});

const CANVAS = `article.fleet-card[data-station="${STATION}"] canvas.fleet-3d-canvas`;

/** The share of the 3D canvas's pixels that differ from its background, and a hash of them. */
async function pixels(p: Page): Promise<{ share: number; sum: number }> {
  return (await p.evaluate(`(async () => {
    const src = document.querySelector('${CANVAS}');
    const img = new Image();
    img.src = src.toDataURL("image/png");
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const [br, bg, bb] = [d[0], d[1], d[2]]; // a corner is background
    let other = 0, sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - br) + Math.abs(d[i + 1] - bg) + Math.abs(d[i + 2] - bb) > 24) other++;
      sum = (sum * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
    }
    return { share: other / (d.length / 4), sum };
  })()`)) as { share: number; sum: number };
}

test("a station with a 3D view shows its scene on a WebGL canvas, moved in place by new poses", { skip }, async () => {
  // browsers keep only a few WebGL contexts: updates must reuse the station's one (and any probe be given back)
  await page.addInitScript(`(() => {
    window.__webglContexts = 0;
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
      const ctx = getContext.call(this, type, ...rest);
      if (ctx && String(type).startsWith("webgl") && !this.__counted) { this.__counted = true; window.__webglContexts++; }
      return ctx;
    };
  })()`);
  await page.goto(`${server.url}#/fleet`);
  await page.waitForSelector(CANVAS, { timeout: 15_000 });
  const card = page.locator(`article.fleet-card[data-station="${STATION}"]`);
  await page.waitForFunction(
    `document.querySelector('article.fleet-card[data-station="${STATION}"] .fleet-3d figcaption').textContent.includes("step 10")`,
    null,
    { timeout: 10_000 },
  );
  if (SHOTS) {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, "fleet-3d.png") });
  }
  const first = await pixels(page);
  assert.ok(first.share > 0.15, `the scene covers ${(100 * first.share).toFixed(1)}% of the canvas`);
  assert.equal(await card.locator(".fleet-frame").isVisible(), false, "the 3D view shows instead of the frame");
  assert.equal(
    await page.locator('article.fleet-card[data-station="pin/sim-1"] .fleet-3d-toggle').isVisible(),
    false,
    "a station without a view has no toggle",
  );

  await page.evaluate(`document.querySelector('${CANVAS}').dataset.mark = "1"`);
  await publish(20, -0.6);
  await page.waitForFunction(
    `document.querySelector('article.fleet-card[data-station="${STATION}"] .fleet-3d figcaption').textContent.includes("step 20")`,
    null,
    { timeout: 10_000 },
  );
  assert.equal(await page.evaluate(`document.querySelector('${CANVAS}').dataset.mark`), "1", "the same canvas");
  const moved = await pixels(page);
  assert.notEqual(moved.sum, first.sum, "the arm moved on screen");
  for (const step of [30, 40]) {
    await publish(step, step / 100);
    await page.waitForFunction(
      `document.querySelector('article.fleet-card[data-station="${STATION}"] .fleet-3d figcaption').textContent.includes("step ${step}")`,
      null,
      { timeout: 10_000 },
    );
  }
  const contexts = (await page.evaluate("window.__webglContexts")) as number;
  assert.ok(contexts <= 2, `${contexts} WebGL contexts made for one station's view and a probe`);

  await card.locator('button[data-mode="camera"]').click();
  assert.equal(await card.locator(".fleet-frame img").isVisible(), true, "the camera frame on request");
  assert.equal(await page.locator(CANVAS).isVisible(), false);
  await card.locator('button[data-mode="3d"]').click();
  assert.equal(await page.locator(CANVAS).isVisible(), true);

  // the station goes away: its card and canvas with it
  writeSyntheticFleet(store.root, { fleetId: "fleet-pin", stations: [syntheticStation("pin/sim-1")] });
  await page.waitForFunction(`document.querySelector('${CANVAS}') === null`, null, { timeout: 10_000 });
});

test("without WebGL the card says so and the page works", { skip }, async () => {
  await publish(30, 0.1);
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const plain = await context.newPage();
  const errors: string[] = [];
  plain.on("pageerror", (e) => errors.push(e.message));
  // a browser without WebGL: every WebGL context request fails
  await plain.addInitScript(`(() => {
    const get = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
      return /webgl/.test(kind) ? null : get.call(this, kind, ...rest);
    };
  })()`);
  try {
    await plain.goto(`${server.url}#/fleet`);
    const caption = `article.fleet-card[data-station="${STATION}"] .fleet-3d figcaption`;
    await plain.waitForFunction(`document.querySelector('${caption}')?.textContent.includes("no WebGL")`, null, {
      timeout: 10_000,
    });
    assert.match((await plain.locator(caption).textContent()) ?? "", /3D view unavailable: this browser has no WebGL/);
    assert.equal(await plain.locator("canvas.fleet-3d-canvas").count(), 0);
    await plain.locator(`article.fleet-card[data-station="${STATION}"] button[data-mode="camera"]`).click();
    assert.equal(
      await plain.locator(`article.fleet-card[data-station="${STATION}"] .fleet-frame img`).isVisible(),
      true,
      "the camera frame still shows",
    );
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
