import type { TaskSpec } from "./env.js";
import type { DrivenStep } from "./tools.js";

/**
 * A policy maps observations to actions. `act` may be asynchronous (a sandboxed module, a remote server);
 * `reset` is called before every episode.
 */
export interface Policy<Obs = unknown, Act = unknown> {
  readonly name: string;
  reset(): void | Promise<void>;
  act(observation: Obs): Act | Promise<Act>;
  close(): void | Promise<void>;
  /**
   * Present on an episode script (policy/authoring.ts ScriptInstance): runs the whole episode from its first
   * observation, applying each action with `drive` (one env step, recorded as an act() answer would be); resolves
   * when the script returns. The runner calls this instead of act.
   */
  runEpisode?(observation: Obs, drive: (action: Act) => DrivenStep): Promise<void>;
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
