/**
 * `#/runs/<id>/trials/<index>`: one trial. Its video (`<video controls>`) beside per-step plots of reward (and
 * coverage when recorded) and of each action component; a red cursor on the plots follows the video's current time
 * (step = floor(t · fps), fps = the task's control rate), and clicking a plot seeks the video to that step. Then the
 * verifier's verdict and reason, any safety stop, the event log (resets, tool calls with their ms, logs, errors,
 * retries, the verdict) and the policy's source as it ran. A trial of a station with several cameras has one video per
 * camera (video.mp4, the main view, and video-<camera>.mp4 for each other camera); buttons above the player switch the
 * camera at the same moment of the trial (same time, playing or paused), so the cursor stays on the same step.
 */
import { lineChart } from "../charts.js";
import { ApiError, duration, errorPage, getJson, html, num, outcomeBadge, render, seg, short, when } from "../lib.js";

/** Frames per second when the server does not know the task's control rate (Push-T's). */
const DEFAULT_FPS = 10;
/** The label of a trial's main video (video.mp4: the env's render view, e.g. a 3D station's top camera). */
const MAIN_VIEW = "main";
/** Action components plotted at most (the rest are in events.jsonl). */
const MAX_ACTION_COMPONENTS = 8;

/** @typedef {import("../types.js").StepPoint} StepPoint */

/** A step's action as numbers (a scalar becomes one component; anything else none). @param {unknown} a */
function actionComponents(a) {
  if (typeof a === "number") return [a];
  if (Array.isArray(a)) return a.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : null));
  return [];
}

/** A short, readable form of a tool call's arguments or result. @param {unknown} v */
function brief(v) {
  if (v === undefined) return "";
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

/** One row of the event log. @param {any} e */
function eventRow(e) {
  const t = html`<td class="num">${typeof e.t === "number" ? `${Math.round(e.t)} ms` : ""}</td>`;
  switch (e.event) {
    case "reset":
      return html`<tr>${t}<td><span class="tag">reset</span></td><td>seed ${e.seed}</td></tr>`;
    case "tool":
      return html`<tr class="${e.ok ? "" : "failed"}">${t}<td><span class="tag tool">tool</span></td><td>
        <span class="mono">${e.tool}</span> <span class="muted">at step ${e.index}</span>
        <b class="ms">${num(e.ms, 1)} ms</b> ${e.ok ? "" : html`<span class="error">${e.error ?? "failed"}</span>`}
        ${e.args !== undefined ? html`<div class="mono small muted">args ${brief(e.args)}</div>` : ""}
        ${e.result !== undefined ? html`<div class="mono small muted">→ ${brief(e.result)}</div>` : ""}
      </td></tr>`;
    case "log": {
      const lines = e.lines ?? [];
      const text =
        lines.length > 1 ? html`<pre class="log">${lines.join("\n")}</pre>` : html`<code>${lines[0] ?? ""}</code>`;
      return html`<tr>${t}<td><span class="tag">log</span></td><td><span class="muted">step ${e.index}</span> ${text}</td></tr>`;
    }
    case "policy-error":
      return html`<tr class="failed">${t}<td><span class="tag">policy-error</span></td><td>step ${e.index}: ${e.reason}</td></tr>`;
    case "retry":
      return html`<tr>${t}<td><span class="tag">retry</span></td><td>try ${e.try} from step ${e.step}</td></tr>`;
    case "verify":
      return html`<tr class="${e.verification?.success ? "" : "failed"}">${t}<td><span class="tag">verify</span></td><td>
        ${e.verification?.success ? "success" : "failure"}${e.verification?.reason ? html`: ${e.verification.reason}` : ""}</td></tr>`;
    default:
      return html`<tr>${t}<td><span class="tag">${String(e.event)}</span></td><td class="mono small">${brief(e)}</td></tr>`;
  }
}

/** @param {any} v the verification */
function verdict(v) {
  if (!v) return html`<p class="muted">No verdict recorded.</p>`;
  const metrics = Object.entries(v.metrics ?? {});
  return html`<p class="verdict ${v.success ? "ok" : "bad"}">${v.success ? "✔ success" : "✘ failure"}
      ${v.score !== null && v.score !== undefined ? html`<span class="muted">score ${num(v.score)}</span>` : ""}</p>
    <p>${v.reason ?? html`<span class="muted">no reason given</span>`}</p>
    ${
      metrics.length
        ? html`<table class="mini">${metrics.map(
            ([k, val]) =>
              html`<tr><th>${k}</th><td class="num">${typeof val === "number" ? num(val, 4) : String(val)}</td></tr>`,
          )}</table>`
        : ""
    }`;
}

/** @param {any} s the safety stop */
function safety(s, events) {
  const count = events.filter((/** @type {any} */ e) => e.event === "policy-error").length;
  const stop = s
    ? html`<p class="verdict bad">Stopped by <span class="mono">${s.wrapper}</span> (${s.kind}): ${s.reason}</p>`
    : html`<p class="muted">No safety stop.</p>`;
  return html`${stop}${count ? html`<p class="error">${count} policy error${count > 1 ? "s" : ""} (see the event log)</p>` : ""}`;
}

/** @param {HTMLElement} root @param {Record<string, string>} params */
export async function mount(root, params) {
  let d;
  try {
    d = await getJson(`/api/runs/${seg(params.runId)}/trials/${seg(params.index)}`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 400)) {
      render(root, errorPage(`No trial ${params.index} in run ${params.runId}`, err));
      return undefined;
    }
    throw err;
  }
  const t = d.trial;
  const r = d.result;
  const fps = typeof d.fps === "number" && d.fps > 0 ? d.fps : DEFAULT_FPS;
  /** @type {StepPoint[]} */
  const steps = d.steps ?? [];
  const runHref = `#/runs/${seg(r.runId)}`;
  /** The trial's videos, the main view first: { camera (its button's label), file, url }. */
  const videos = [
    ...(d.files.video ? [{ camera: MAIN_VIEW, file: "video.mp4", url: d.files.video }] : []),
    ...(d.files.cameraVideos ?? []).map((/** @type {{ camera: string, url: string }} */ c) => ({
      camera: c.camera,
      file: `video-${c.camera}.mp4`,
      url: c.url,
    })),
  ];

  render(
    root,
    html`<p class="crumbs"><a href="#/runs">Runs</a> › <a href="${runHref}" class="mono">${r.runId}</a> ›
      trial ${t.index}</p>
    <h1>Trial ${t.index} <span class="muted">seed ${t.seed}</span> ${outcomeBadge(t.outcome)}</h1>
    <dl class="facts">
      <dt>reason</dt><dd>${t.reason ?? html`<span class="muted">–</span>`}</dd>
      <dt>steps</dt><dd>${t.steps} <span class="muted">(${r.termination})</span></dd>
      <dt>max reward</dt><dd>${num(t.maxReward)} <span class="muted">total ${num(r.totalReward)}</span></dd>
      <dt>time</dt><dd>${duration(t.elapsedMs)} <span class="muted">started ${when(t.startedAt)}</span></dd>
      <dt>station</dt><dd>${t.station ?? "–"} <span class="muted">attempt ${t.attempt}${t.counted ? "" : ", not counted"}</span></dd>
      <dt>env stack</dt><dd class="mono">${r.envStack}</dd>
      <dt>files</dt><dd><a href="${d.files.events}">events.jsonl</a> · <a href="${d.files.result}">result.json</a>
        ${videos.map((v) => html` · <a href="${v.url}">${v.file}</a>`)}</dd>
    </dl>
    <section class="player">
      <div class="video-box">${
        videos.length
          ? html`${
              videos.length > 1
                ? html`<div class="camera-tabs" role="group" aria-label="camera">${videos.map(
                    (v, i) =>
                      html`<button type="button" class="camera-tab" data-camera="${v.camera}" aria-pressed="${i === 0 ? "true" : "false"}">${v.camera}</button>`,
                  )}</div>`
                : ""
            }<video controls preload="metadata" src="${videos[0].url}" data-camera="${videos[0].camera}"></video>
              <div class="muted small" data-part="frame">step 0 · ${fps} fps</div>`
          : html`<p class="empty">No video for this trial (run with <code>--video</code> to record one).</p>`
      }</div>
      <div class="plots">
        <h2>Reward per step</h2><div data-part="reward"></div>
        <h2>Action per step</h2><div data-part="action"></div>
      </div>
    </section>
    <section class="two-col">
      <div><h2>Verdict</h2>${verdict(d.verification)}</div>
      <div><h2>Safety</h2>${safety(d.safety, d.events ?? [])}</div>
    </section>
    <section><h2>Event log <span class="muted small">${(d.events ?? []).length} events, steps not shown</span></h2>
      ${
        (d.events ?? []).length
          ? html`<div class="scroll-box"><table class="grid events"><thead><tr><th class="num">t</th><th>event</th><th>detail</th></tr></thead>
            <tbody>${d.events.map(eventRow)}</tbody></table></div>`
          : html`<p class="muted">No events.</p>`
      }
    </section>
    <section><h2>Policy <span class="muted small">as it ran</span></h2>
      <p>${d.policy.name} <span class="mono muted">${short(d.policy.sha256, 12)}</span>
        ${d.policy.path ? html`<span class="mono muted">${d.policy.path}</span>` : ""}</p>
      ${d.policy.source !== null ? html`<pre class="source">${d.policy.source}</pre>` : html`<p class="muted">The run kept no copy of the policy's source.</p>`}
    </section>`,
  );
  const part = (/** @type {string} */ name) =>
    /** @type {HTMLElement | null} */ (root.querySelector(`[data-part="${name}"]`));
  const video = /** @type {HTMLVideoElement | null} */ (root.querySelector("video"));

  /** Seeks the video to the middle of a step's frame. @param {number} step */
  const seek = (step) => {
    if (video) video.currentTime = (step + 0.5) / fps;
  };
  /** @type {import("../charts.js").Chart[]} */
  const charts = [];
  if (steps.length) {
    const xs = steps.map((s) => s.index);
    const hasCoverage = steps.some((s) => typeof s.coverage === "number");
    const rewardSeries = [{ label: "reward" }];
    const rewardData = [xs, steps.map((s) => s.reward)];
    if (hasCoverage) {
      rewardSeries.push({ label: "coverage", dash: [6, 4] });
      rewardData.push(steps.map((s) => (typeof s.coverage === "number" ? s.coverage : null)));
    }
    charts.push(
      lineChart(
        /** @type {HTMLElement} */ (part("reward")),
        { xLabel: "step", series: rewardSeries, height: 200, yAtLeast: [0, 1], onPick: seek },
        rewardData,
      ),
    );
    const actions = steps.map((s) => actionComponents(s.action));
    const width = Math.min(MAX_ACTION_COMPONENTS, Math.max(0, ...actions.map((a) => a.length)));
    if (width > 0) {
      const names = width === 2 ? ["action x", "action y"] : Array.from({ length: width }, (_, i) => `action[${i}]`);
      charts.push(
        lineChart(
          /** @type {HTMLElement} */ (part("action")),
          { xLabel: "step", series: names.map((label) => ({ label })), height: 200, onPick: seek },
          [xs, ...names.map((_, i) => actions.map((a) => a[i] ?? null))],
        ),
      );
    }
  } else {
    const el = part("reward");
    if (el) render(el, html`<p class="muted">No steps recorded.</p>`);
  }

  // the cursor follows the video: every animation frame while it plays, and on each seek
  let raf = 0;
  const follow = () => {
    if (!video) return;
    const step = Math.floor(video.currentTime * fps);
    for (const c of charts) c.setMarker(step);
    const label = part("frame");
    if (label) label.textContent = `step ${step} · ${fps} fps · ${video.currentTime.toFixed(2)} s`;
  };
  const loop = () => {
    follow();
    raf = video && !video.paused && !video.ended ? requestAnimationFrame(loop) : 0;
  };
  if (video) {
    video.addEventListener("play", () => {
      if (!raf) raf = requestAnimationFrame(loop);
    });
    for (const type of ["seeked", "timeupdate", "loadedmetadata"]) video.addEventListener(type, follow);
    follow();
  }
  // another camera: the same element loads its video at the current time, playing on if it played
  const tabs = [...root.querySelectorAll(".camera-tabs button")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      const chosen = videos.find((v) => v.camera === tab.getAttribute("data-camera"));
      if (!video || !chosen || video.dataset.camera === chosen.camera) return;
      const at = video.currentTime;
      const playing = !video.paused && !video.ended;
      video.dataset.camera = chosen.camera;
      video.src = chosen.url;
      video.addEventListener(
        "loadedmetadata",
        () => {
          video.currentTime = at;
          if (playing) void video.play().catch(() => {});
        },
        { once: true },
      );
      for (const t of tabs) t.setAttribute("aria-pressed", t === tab ? "true" : "false");
    });
  }
  return () => {
    if (raf) cancelAnimationFrame(raf);
    video?.pause();
    for (const c of charts) c.destroy();
  };
}
