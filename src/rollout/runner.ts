import type { Env, SafetyStop, Verification } from "../core/env.js";
import { EpisodeOverError, InvalidInputError, PolicyError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import type { DrivenStep } from "../core/tools.js";
import { summariseForEvents, type Termination, type TrialEvent, type TrialOutcome } from "../core/trial.js";

/**
 * One trial, start to finish: policy.reset → env.reset(seed) → act/step until terminated, truncated, a safety stop,
 * a policy failure or the step limit → env.verify() → outcome. The verifier alone decides success. An episode script
 * (a policy with runEpisode) is run once instead of act per step: each drive() it makes is one step, recorded alike,
 * and the episode also ends when the script returns ("script-end").
 */

export interface TrialSink {
  /** Receives every event as it happens (events.jsonl). */
  event(e: TrialEvent): void;
  /**
   * Receives a rendered frame after reset and after every step, when video is on. Called synchronously in step
   * order; the runner awaits the answers after each step (after the whole script, for an episode script).
   */
  frame?(rgb: Uint8Array): void | Promise<void>;
  /** Receives each of `TrialOptions.cameras`' frames right after the main frame, when video is on. */
  cameraFrame?(camera: string, rgb: Uint8Array): void | Promise<void>;
}

export interface TrialOptions {
  seed: number;
  maxSteps: number;
  sink?: TrialSink;
  /** Side of the square frames handed to sink.frame, px. */
  frameSize?: number;
  /**
   * Named cameras (env.cameraNames()) to hand to sink.cameraFrame with each frame, e.g. ["left", "right"]; none by
   * default. Refused when the env has no such camera.
   */
  cameras?: string[];
  /** Side of the cameras' square frames, px (default: frameSize). */
  cameraSize?: number;
  /**
   * In-context tries (ENPIRE's pass@k): after a try fails by running out of its maxSteps, the policy is reset
   * and tries again from the state the failure left, without an env reset, up to this many tries. Default 1.
   */
  tries?: number;
}

export interface TrialRecord {
  outcome: TrialOutcome;
  success: boolean;
  steps: number;
  totalReward: number;
  maxReward: number;
  termination: Termination;
  verification: Verification;
  /** One entry per in-context try (see TrialOptions.tries). */
  tries: { steps: number; success: boolean; maxReward: number }[];
  elapsedMs: number;
}

/**
 * Runs one trial of `policy` on `env` from `seed`.
 * @example const record = await runTrial(withSafety(new PushT()), policy, { seed: 100000, maxSteps: 300 });
 */
export async function runTrial<O, A>(env: Env<O, A>, policy: Policy<O, A>, opts: TrialOptions): Promise<TrialRecord> {
  const t0 = performance.now();
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000;
  const sink = opts.sink;
  const wantFrames = sink?.frame !== undefined && env.render !== undefined;
  const frameSize = opts.frameSize ?? 512;
  const cameras = wantFrames && sink.cameraFrame ? checkCameras(env, opts.cameras ?? []) : [];
  const cameraSize = opts.cameraSize ?? frameSize;
  /** The main frame, then each camera's, after the reset and after every step (handed on now, awaited by flush). */
  let framesPending: (void | Promise<void>)[] = [];
  const frames = () => {
    framesPending.push(sink!.frame!(env.render!(frameSize)));
    for (const camera of cameras) framesPending.push(sink!.cameraFrame!(camera, env.renderCamera!(camera, cameraSize)));
  };
  const flush = async () => {
    const waiting = framesPending;
    framesPending = [];
    await Promise.all(waiting);
  };

  await policy.reset();
  let observation = env.reset({ seed: opts.seed });
  sink?.event({ event: "reset", t: now(), seed: opts.seed, observation: summariseForEvents(observation) });
  if (wantFrames) frames();
  await flush();

  let steps = 0; // over the whole episode, all tries
  let totalReward = 0;
  let maxReward = 0;
  let termination: Termination = "max_steps";
  let policyFailure: { reason: string; error: PolicyError["kind"] } | undefined;
  let stop: SafetyStop | undefined;
  const tries: TrialRecord["tries"] = [];
  const maxTries = Math.max(1, opts.tries ?? 1);
  let verification: Verification;
  let tryStart = 0;
  let tryMaxReward = 0;
  /** Why the try is over, or null while it goes on (set by applyStep, in a closure: hence a box). */
  const tryState: { over: Exclude<Termination, "policy-error" | "interrupted" | "script-end"> | null } = { over: null };

  const startTry = () => {
    tryStart = steps;
    tryMaxReward = 0;
    tryState.over = null;
  };
  /** One action applied: the env's step, its event and frames; sets `over` when it ends the try. */
  const applyStep = (action: A): void => {
    const result = env.step(action);
    observation = result.observation;
    totalReward += result.reward;
    maxReward = steps === 0 ? result.reward : Math.max(maxReward, result.reward);
    tryMaxReward = steps === tryStart ? result.reward : Math.max(tryMaxReward, result.reward);
    sink?.event({
      event: "step",
      t: now(),
      index: steps,
      action: summariseForEvents(action),
      reward: result.reward,
      terminated: result.terminated,
      truncated: result.truncated,
      observation: summariseForEvents(observation),
      info: result.info,
    });
    steps++;
    if (wantFrames) frames();
    if (result.info.safety) {
      stop = result.info.safety;
      tryState.over = "safety";
    } else if (result.terminated) tryState.over = "terminated";
    else if (result.truncated) tryState.over = "truncated";
    else if (steps - tryStart >= opts.maxSteps) tryState.over = "max_steps";
  };
  const failed = (err: unknown) => {
    const e = err instanceof PolicyError ? err : new PolicyError(errorMessage(err), "threw", { cause: err });
    policyFailure = { reason: `${e.message} (at step ${steps})`, error: e.kind };
    sink?.event({ event: "policy-error", t: now(), index: steps, reason: policyFailure.reason });
    termination = "policy-error";
  };

  for (;;) {
    startTry();
    termination = "max_steps";
    if (policy.runEpisode) {
      // an episode script: it runs once, its motions stepping the env through drive(), until it returns
      const drive = (action: A): DrivenStep => {
        if (tryState.over) throw new EpisodeOverError(overReason(tryState.over, opts.maxSteps, stop));
        applyStep(action);
        return { observation, over: tryState.over !== null, steps: steps - tryStart };
      };
      try {
        await policy.runEpisode(observation, drive);
        termination = tryState.over ?? "script-end";
      } catch (err) {
        // a script unwound by the episode's end (or that threw after it) ended with the episode, not by failing
        if (tryState.over) termination = tryState.over;
        else failed(err);
      }
      await flush();
    } else {
      while (steps - tryStart < opts.maxSteps) {
        let action: A;
        try {
          action = await policy.act(observation);
        } catch (err) {
          failed(err);
          break;
        }
        applyStep(action);
        await flush();
        if (tryState.over) {
          termination = tryState.over;
          break;
        }
      }
    }
    verification = env.verify();
    tries.push({ steps: steps - tryStart, success: verification.success, maxReward: tryMaxReward });
    // Another in-context try only after a plain failure (out of steps or truncated), from the state it left.
    const retryable = (termination === "max_steps" || termination === "truncated") && !verification.success;
    if (!retryable || tries.length >= maxTries) break;
    sink?.event({ event: "retry", t: now(), try: tries.length + 1, step: steps });
    await policy.reset();
  }

  sink?.event({ event: "verify", t: now(), verification });
  const score = verification.score;
  let outcome: TrialOutcome;
  if (policyFailure) {
    outcome = { kind: "policy-error", score, reason: policyFailure.reason, error: policyFailure.error };
  } else if (stop) {
    outcome = { kind: "safety", score, reason: `safety stop at step ${steps - 1}: ${stop.reason}`, stop };
  } else if (verification.success) {
    outcome = { kind: "success", score };
  } else {
    const why = verification.reason ?? "the verifier did not report success";
    const after = tries.length > 1 ? ` after ${tries.length} tries, ${steps} steps` : ` after ${steps} steps`;
    outcome = { kind: "failure", score, reason: termination === "max_steps" ? `${why}${after}` : why };
  }
  return {
    outcome,
    success: outcome.kind === "success",
    steps,
    totalReward,
    maxReward,
    termination,
    verification,
    tries,
    elapsedMs: performance.now() - t0,
  };
}

/** The cameras asked for, each one the env has; refused (before the trial starts) naming the ones it has. */
function checkCameras<O, A>(env: Env<O, A>, cameras: readonly string[]): string[] {
  if (cameras.length === 0) return [];
  const known = env.cameraNames?.() ?? [];
  const unknown = cameras.filter((c) => !known.includes(c));
  if (!env.renderCamera || unknown.length > 0) {
    const has = known.length > 0 && env.renderCamera ? `it has ${known.join(", ")}` : "it has no named cameras";
    throw new InvalidInputError(
      `cannot record camera ${unknown.length ? unknown.join(", ") : cameras.join(", ")} of ${env.name}: ${has}`,
    );
  }
  return [...cameras];
}

/** Why a try ended, for the EpisodeOverError a script's late motion gets. */
function overReason(over: Termination, maxSteps: number, stop: SafetyStop | undefined): string {
  if (over === "max_steps") return `the step limit, ${maxSteps} steps`;
  if (over === "safety") return `a safety stop: ${stop?.reason ?? "unknown"}`;
  return over === "terminated" ? "the task ended it" : "truncated";
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
