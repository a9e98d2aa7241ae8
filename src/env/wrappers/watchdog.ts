import { PolicyError } from "../../core/errors.js";
import type { Policy } from "../../core/policy.js";

export interface StepDeadline {
  /** Longest one act() may take to settle, in ms. */
  stepDeadlineMs: number;
}

/**
 * Wraps a policy so that each `act` rejects with PolicyError (kind "deadline") when the inner act has not settled
 * within `stepDeadlineMs`, e.g. `policy "reach" did not answer within 200 ms`. An asynchronous act is raced against
 * a timer (cleared as soon as it settles); a late answer is ignored. Code that blocks the thread cannot be
 * interrupted from it, so blocking time (a synchronous act, or the part of an async one before it returns its
 * promise) is measured instead and the answer refused when it came too late: policies that may loop forever belong
 * in the sandbox (src/policy), whose deadline stops them. reset and close pass through.
 * @example
 * const policy = withStepDeadline(await loadPolicy("p.ts", ctx), { stepDeadlineMs: 1250 });
 * await policy.act(obs); // rejects with PolicyError("deadline") after 1250 ms without an answer
 */
export function withStepDeadline<O, A>(policy: Policy<O, A>, { stepDeadlineMs }: StepDeadline): Policy<O, A> {
  if (!(stepDeadlineMs > 0) || !Number.isFinite(stepDeadlineMs))
    throw new RangeError(`stepDeadlineMs must be a positive number of ms, got ${stepDeadlineMs}`);
  const late = () => new PolicyError(`policy "${policy.name}" did not answer within ${stepDeadlineMs} ms`, "deadline");
  return {
    name: policy.name,
    reset: () => policy.reset(),
    close: () => policy.close(),
    // an episode script keeps its own deadline (the sandbox's, for the whole episode)
    ...(policy.runEpisode ? { runEpisode: policy.runEpisode.bind(policy) } : {}),
    async act(observation) {
      const started = performance.now();
      const answer = policy.act(observation); // a synchronous throw rejects this act, as an async one would
      if (!isPromiseLike(answer)) {
        if (performance.now() - started > stepDeadlineMs) throw late();
        return answer;
      }
      // an act may block before it hands back its promise (a sandbox making a synchronous call): that time counts
      const remainingMs = stepDeadlineMs - (performance.now() - started);
      if (remainingMs <= 0) {
        Promise.resolve(answer).catch(() => {});
        throw late();
      }
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(late()), remainingMs);
      });
      try {
        return await Promise.race([answer, deadline]);
      } finally {
        clearTimeout(timer);
        // the losing inner act may still reject later; that rejection is ours to swallow, not the process's
        Promise.resolve(answer).catch(() => {});
      }
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
