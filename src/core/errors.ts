/**
 * Errors name what failed, the value, what is allowed, and what to do. `retryable` says whether trying again
 * (e.g. on another station) can help; a policy crash or a safety stop is a final, recorded outcome instead.
 */
export class EnpireError extends Error {
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input refused where it enters (a CLI flag, a file, a request body). Nothing recorded changes because of it. */
export class InvalidInputError extends EnpireError {}

/** A task id that no registry knows; the message lists the ones it does. */
export class UnknownTaskError extends EnpireError {
  constructor(
    readonly task: string,
    readonly known: readonly string[],
  ) {
    super(`unknown task "${task}"; known tasks: ${known.join(", ")}`);
  }
}

/** The policy failed: it threw, answered too late, ran out of memory, or returned something unusable. Final. */
export class PolicyError extends EnpireError {
  constructor(
    message: string,
    readonly kind: "threw" | "deadline" | "memory" | "load" | "bad-action",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A station could not put its scene back for the next trial (a procedural reset by its own arms failed after its
 * retries): the message says what failed. Retrying elsewhere can help; the station that threw should be marked faulted.
 */
export class ResetFailedError extends EnpireError {
  override readonly retryable = true;
}

/**
 * An episode script asked for a step after its episode had ended (its horizon, a safety stop, an e-stop): thrown by
 * ToolHost.drive, it unwinds the script, and the trial ends as the episode did, not as the script's failure.
 */
export class EpisodeOverError extends EnpireError {
  constructor(readonly why: string) {
    super(`the episode is over (${why}): the script's remaining motions were not run`);
  }
}
