/**
 * The task registry: every task enpire can run, by id. The faces (CLI, MCP, web) and the rollout engine find
 * tasks here and nowhere else, so a task is added by adding one entry.
 */
import type { Env, TaskSpec } from "../core/env.js";
import { InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { PUSHT_OBS_TYPES, PUSHT_SPEC, PushT, type PushTObsType, pushTEvalFingerprint } from "./tasks/pusht/pusht.js";

/** Options every task accepts; a task refuses values it does not know (e.g. an unknown observation type). */
export interface MakeEnvOptions {
  obsType?: string; // task-specific observation kind, e.g. "state" or "pixels" for Push-T
}

interface TaskEntry {
  spec: TaskSpec;
  make(options: MakeEnvOptions): Env;
  fingerprint(): string;
}

const TASKS: Record<string, TaskEntry> = {
  pusht: {
    spec: PUSHT_SPEC,
    make: (options) => {
      const obsType = options.obsType ?? "state";
      if (!(PUSHT_OBS_TYPES as readonly string[]).includes(obsType)) {
        throw new InvalidInputError(
          `task "pusht" has no observation type "${obsType}"; choose one of ${PUSHT_OBS_TYPES.join(", ")}`,
        );
      }
      return new PushT({ obsType: obsType as PushTObsType }) as Env;
    },
    fingerprint: pushTEvalFingerprint,
  },
};

/** The specs of every registered task, sorted by id. */
export function listTasks(): TaskSpec[] {
  return Object.keys(TASKS)
    .sort()
    .map((id) => TASKS[id].spec);
}

/**
 * A fresh environment for a task id. Throws UnknownTaskError (listing the known ids) for an unknown one.
 * @example const env = makeEnv("pusht", { obsType: "pixels" });
 */
export function makeEnv(taskId: string, options: MakeEnvOptions = {}): Env {
  return entry(taskId).make(options);
}

/**
 * sha256 of a task's evaluation side (reset, verifier, limits, physics), recorded with every result.
 * @example evalFingerprint("pusht") // "47e5…"
 */
export function evalFingerprint(taskId: string): string {
  return entry(taskId).fingerprint();
}

function entry(taskId: string): TaskEntry {
  const found = Object.hasOwn(TASKS, taskId) ? TASKS[taskId] : undefined;
  if (!found) throw new UnknownTaskError(taskId, Object.keys(TASKS).sort());
  return found;
}
