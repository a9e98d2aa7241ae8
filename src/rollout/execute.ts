import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Env } from "../core/env.js";
import { InvalidInputError } from "../core/errors.js";
import { policyContext } from "../core/policy.js";
import type { ToolHost } from "../core/tools.js";
import type { TrialEvent } from "../core/trial.js";
import { evalFingerprint, makeEnv, prepareTask } from "../env/registry.js";
import { withStationSafety } from "../env/station-defaults.js";
import { findEStop, withStepDeadline } from "../env/wrappers/index.js";
import { bundleFromData } from "../policy/sandbox/bundle.js";
import { SandboxedPolicy, type ToolCallRecord } from "../policy/sandbox/sandbox.js";
import { toolSetsFor } from "../policy/skills/index.js";
import {
  type CameraFrames,
  cameraVideoSize,
  defaultVideoCameras,
  jobVariant,
  type TrialJob,
  type TrialOutput,
  type TrialVideo,
} from "./job.js";
import { runTrial } from "./runner.js";
import type { EStopSignal } from "./stations/e-stop-signal.js";
import { VideoWriter } from "./video.js";

/** What a station may watch while a trial runs (live previews). */
export interface TrialWatch {
  /** After the reset (step 0) and after every step. */
  onStep?(env: Env<unknown, unknown>, step: number): void;
  /** Once the episode is over, on its final state (before the next trial resets the env). */
  onEnd?(env: Env<unknown, unknown>, steps: number): void;
}

export interface TrialExecutorOptions {
  /** Requests to stop the running trial (a thread station's e-stop); read after the reset and every step. */
  eStop?: EStopSignal;
}

/**
 * Runs trial jobs on this machine: the part of a station that is the same everywhere (a worker thread, an HTTP
 * station, a queue worker). It keeps one task env per (task, observation type) and one sandbox per policy hash
 * between jobs, so consecutive trials of a run pay no start-up cost.
 */
export class TrialExecutor {
  private env: { key: string; env: Env<unknown, unknown> } | undefined;
  private policy:
    | { sha256: string; taskId: string; tools: string; policy: SandboxedPolicy<unknown, unknown> }
    | undefined;

  constructor(
    readonly stationId: string,
    /** "rgb24": hand frames back for the recorder to encode; "mp4": encode here (remote stations). */
    private readonly videoFormat: "rgb24" | "mp4" = "rgb24",
    private readonly options: TrialExecutorOptions = {},
  ) {}

  async run(job: TrialJob, watch?: TrialWatch): Promise<{ output: TrialOutput; video: TrialVideo | null }> {
    const fingerprint = evalFingerprint(job.task.id, jobVariant(job));
    if (fingerprint !== job.evalFingerprint) {
      throw new InvalidInputError(
        `station ${this.stationId} runs ${job.task.id} with evaluation fingerprint ${fingerprint.slice(0, 12)}, ` +
          `but the job was made for ${job.evalFingerprint.slice(0, 12)}; update the station or the dispatcher`,
      );
    }
    await prepareTask(job.task.id); // MuJoCo tasks load their runtime on this thread once
    const env = this.envFor(job);
    // the station's safety: the task's default 3D limits (with an e-stop) for MuJoCo tasks, the job's action limits
    const safeEnv = withStationSafety(env, job.task.id, job.safety ?? undefined);
    const eStopLayer = findEStop(safeEnv);
    const eStopSignal = this.options.eStop;
    const sandboxed = await this.policyFor(job, env);
    const policy = withStepDeadline(sandboxed, { stepDeadlineMs: job.stepDeadlineMs + 250 });

    const events: TrialEvent[] = [];
    const frames: Uint8Array[] = [];
    // the extra cameras (video-<camera>.mp4), smaller than the main view: their raw frames wait in memory too
    const cameras = job.video ? (job.video.cameras ?? defaultVideoCameras(safeEnv)) : [];
    const cameraSize = job.video ? (job.video.cameraSize ?? cameraVideoSize(job.video.size)) : 0;
    const cameraFrames = new Map<string, Uint8Array[]>(cameras.map((c) => [c, []]));
    let stepIndex = 0;
    let tryStartT = 0; // tool calls are timed from the policy's reset(), which follows the trial's start or a retry
    const startedAt = new Date().toISOString();
    const record = await runTrial(safeEnv, policy, {
      seed: job.seed,
      maxSteps: job.maxSteps,
      tries: job.tries,
      frameSize: job.video?.size,
      cameras,
      cameraSize,
      sink: {
        event(e) {
          // the tool calls made while deciding this step (or while resetting) go first, in the order they ran
          const index = e.event === "step" || e.event === "policy-error" ? e.index : stepIndex;
          const { calls, dropped } = sandboxed.drainToolCalls();
          for (const c of calls) {
            const t = Math.round((tryStartT + c.tMs) * 1000) / 1000;
            events.push({ event: "tool", t, index, tool: c.tool, ms: c.ms, ok: c.ok, ...toolDetails(c) });
          }
          events.push(e);
          // an operator's e-stop: the e-stop layer stops the next step (kind "e-stop"), whatever the policy does
          const eStopReason = e.event === "step" || e.event === "reset" ? eStopSignal?.take() : null;
          if (eStopReason) {
            if (eStopLayer) eStopLayer.trigger(eStopReason);
            else {
              const line = `[enpire] e-stop "${eStopReason}" ignored: ${safeEnv.name} has no e-stop layer (not a robot task)`;
              events.push({ event: "log", t: "t" in e ? e.t : 0, index: stepIndex, lines: [line] });
            }
          }
          if (e.event === "retry") tryStartT = e.t;
          if (e.event === "step") stepIndex = e.index + 1;
          if (e.event === "step" || e.event === "reset") watch?.onStep?.(env, stepIndex);
          const lines = sandboxed.drainLogs();
          if (dropped > 0) lines.push(`[enpire] ${dropped} more tool calls not recorded: over the cap between steps`);
          if (lines.length) events.push({ event: "log", t: "t" in e ? e.t : 0, index: stepIndex, lines });
        },
        frame: job.video
          ? async (rgb) => {
              frames.push(rgb);
            }
          : undefined,
        cameraFrame: async (camera, rgb) => {
          cameraFrames.get(camera)?.push(rgb);
        },
      },
    });
    watch?.onEnd?.(env, stepIndex);
    if (record.outcome.kind === "policy-error" && record.outcome.error !== "threw") {
      // out of memory (the isolate is gone) or stopped mid-computation: start the next trial from a fresh sandbox
      await this.policy?.policy.close();
      this.policy = undefined;
    }
    const output: TrialOutput = {
      schema: "enpire.trial-output/1",
      runId: job.runId,
      index: job.index,
      seed: job.seed,
      attempt: job.attempt,
      station: this.stationId,
      envStack: safeEnv.name,
      startedAt,
      elapsedMs: record.elapsedMs,
      outcome: record.outcome,
      success: record.success,
      steps: record.steps,
      totalReward: record.totalReward,
      maxReward: record.maxReward,
      termination: record.termination,
      verification: record.verification,
      tries: record.tries,
      events,
    };
    if (!job.video || frames.length === 0) return { output, video: null };
    const { size, fps } = job.video;
    const extra: CameraFrames[] = [...cameraFrames].flatMap(([camera, f]) =>
      f.length > 0 ? [{ camera, size: cameraSize, frames: f }] : [],
    );
    if (extra.length > 0) output.videoCameras = extra.map((c) => c.camera);
    if (this.videoFormat === "rgb24") {
      const video: TrialVideo = { format: "rgb24", width: size, height: size, fps, frames };
      if (extra.length > 0) video.cameras = extra;
      return { output, video };
    }
    const video: TrialVideo = { format: "mp4", bytes: await encodeMp4(frames, size, fps) };
    if (extra.length > 0) {
      video.cameras = [];
      for (const c of extra) video.cameras.push({ camera: c.camera, bytes: await encodeMp4(c.frames, c.size, fps) });
    }
    return { output, video };
  }

  /** Puts the env back in its start state (seed 0), as a robot homes; false when there is no env yet. */
  home(): boolean {
    const env = this.env?.env;
    if (!env) return false;
    env.reset({ seed: 0 });
    return true;
  }

  async close(): Promise<void> {
    await this.policy?.policy.close();
    this.env?.env.close();
    this.policy = undefined;
    this.env = undefined;
  }

  private envFor(job: TrialJob): Env<unknown, unknown> {
    const key = `${job.task.id}@${job.task.version}/${job.obsType ?? ""}/${job.reset ?? ""}/${job.verifier ?? ""}/${job.tools ?? ""}`;
    if (this.env?.key !== key) {
      this.env?.env.close();
      const env = makeEnv(job.task.id, { obsType: job.obsType ?? undefined, ...jobVariant(job) });
      if (env.spec.version !== job.task.version) {
        env.close();
        throw new InvalidInputError(
          `station ${this.stationId} has ${job.task.id}@${env.spec.version}, the job asks for version ${job.task.version}`,
        );
      }
      this.env = { key, env };
    }
    return this.env.env;
  }

  private async policyFor(job: TrialJob, env: Env<unknown, unknown>): Promise<SandboxedPolicy<unknown, unknown>> {
    // one sandbox per policy and task: its tool sets are the task's
    const tools = job.tools ?? "standard";
    if (
      this.policy?.sha256 !== job.policy.sha256 ||
      this.policy.taskId !== job.task.id ||
      this.policy.tools !== tools
    ) {
      await this.policy?.policy.close();
      this.policy = undefined;
      const bundle = bundleFromData(job.policy);
      // the policy's tools read the observation and step from its sandbox, and the scene from the station's camera
      let sandbox: SandboxedPolicy<unknown, unknown> | undefined;
      const host: ToolHost = {
        observation: () => sandbox?.observation(),
        step: () => sandbox?.step() ?? 0,
        camera: (size) => {
          const current = this.env?.env; // the env of the job being run, which may change under a kept sandbox
          if (!current?.render) throw new Error(`station ${this.stationId} has no camera for ${job.task.id}`);
          return current.render(size);
        },
        env: () => this.env?.env, // the task's own env, without the job's wrappers
        // an episode script's motions step the station through the runner (runTrial's drive)
        get drive() {
          return sandbox?.kind === "episode" ? (action: unknown) => sandbox!.drive(action) : undefined;
        },
      };
      const policy = await SandboxedPolicy.start(bundle, policyContext(env.spec), {
        name: job.policy.name,
        stepDeadlineMs: job.stepDeadlineMs,
        memoryLimitMb: job.memoryLimitMb,
        tools: toolSetsFor(job.task.id, host, jobVariant(job)),
      });
      sandbox = policy;
      this.policy = { sha256: job.policy.sha256, taskId: job.task.id, tools, policy };
    }
    return this.policy.policy;
  }
}

/** A tool record's optional parts, present only when they have something to say. */
function toolDetails(c: ToolCallRecord): { error?: string; args?: unknown[]; result?: unknown } {
  const out: { error?: string; args?: unknown[]; result?: unknown } = {};
  if (c.error !== undefined) out.error = c.error;
  if (c.args !== undefined && c.args.length > 0) out.args = c.args;
  if (c.result !== undefined) out.result = c.result;
  return out;
}

async function encodeMp4(frames: Uint8Array[], size: number, fps: number): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-video-"));
  try {
    const file = path.join(dir, "video.mp4");
    const writer = await VideoWriter.open(file, { width: size, height: size, fps });
    for (const f of frames) await writer.write(f);
    await writer.close();
    return new Uint8Array(fs.readFileSync(file));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
