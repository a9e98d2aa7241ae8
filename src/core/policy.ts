import type { TaskSpec } from "./env.js";

/**
 * A policy maps observations to actions. `act` may be asynchronous (a sandboxed module, a remote server);
 * `reset` is called before every episode.
 */
export interface Policy<Obs = unknown, Act = unknown> {
  readonly name: string;
  reset(): void | Promise<void>;
  act(observation: Obs): Act | Promise<Act>;
  close(): void | Promise<void>;
}

/** What a policy is told when it is created: the public part of a task spec (no verifier internals). */
export interface PolicyContext {
  task: Pick<TaskSpec, "id" | "version" | "observationSpace" | "actionSpace" | "maxSteps" | "controlHz">;
}

/** The public part of a task spec that a policy is created with; the evaluation side stays out of its reach. */
export function policyContext(spec: TaskSpec): PolicyContext {
  const { id, version, observationSpace, actionSpace, maxSteps, controlHz } = spec;
  return { task: { id, version, observationSpace, actionSpace, maxSteps, controlHz } };
}
