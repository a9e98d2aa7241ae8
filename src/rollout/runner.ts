import type { Env, SafetyStop, Verification } from "../core/env.js";
import { InvalidInputError, PolicyError } from "../core/errors.js";
import type { Policy } from "../core/policy.js";
import { summariseForEvents, type Termination, type TrialEvent, type TrialOutcome } from "../core/trial.js";

/**
 * One trial, start to finish: policy.reset → env.reset(seed) → act/step until terminated, truncated, a safety stop,
 * a policy failure or the step limit → env.verify() → outcome. The verifier alone decides success.
 */

export interface TrialSink {
  /** Receives every event as it happens (events.jsonl). */
  event(e: TrialEvent): void;
  /** Receives a rendered frame after reset and after every step, when video is on. */
  frame?(rgb: Uint8Array): Promise<void>;
  /** Receives each of `TrialOptions.cameras`' frames right after the main frame, when video is on. */
  cameraFrame?(camera: string, rgb: Uint8Array): Promise<void>;
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
  /** The main frame, then each camera's, after the reset and after every step. */
  const frames = async () => {
    await sink!.frame!(env.render!(frameSize));
    for (const camera of cameras) await sink!.cameraFrame!(camera, env.renderCamera!(camera, cameraSize));
  };

  await policy.reset();
  let observation = env.reset({ seed: opts.seed });
  sink?.event({ event: "reset", t: now(), seed: opts.seed, observation: summariseForEvents(observation) });
  if (wantFrames) await frames();

  let steps = 0; // over the whole episode, all tries
  let totalReward = 0;
  let maxReward = 0;
  let termination: Termination = "max_steps";
  let policyFailure: { reason: string; error: PolicyError["kind"] } | undefined;
  let stop: SafetyStop | undefined;
  const tries: TrialRecord["tries"] = [];
  const maxTries = Math.max(1, opts.tries ?? 1);
  let verification: Verification;

  for (;;) {
    const tryStart = steps;
    let tryMaxReward = 0;
    termination = "max_steps";
    while (steps - tryStart < opts.maxSteps) {
      let action: A;
      try {
        action = await policy.act(observation);
      } catch (err) {
        const e = err instanceof PolicyError ? err : new PolicyError(errorMessage(err), "threw", { cause: err });
        policyFailure = { reason: `${e.message} (at step ${steps})`, error: e.kind };
        sink?.event({ event: "policy-error", t: now(), index: steps, reason: policyFailure.reason });
        termination = "policy-error";
        break;
      }
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
      if (wantFrames) await frames();
      if (result.info.safety) {
        stop = result.info.safety;
        termination = "safety";
        break;
      }
      if (result.terminated) {
        termination = "terminated";
        break;
      }
      if (result.truncated) {
        termination = "truncated";
        break;
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
