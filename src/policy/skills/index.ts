/**
 * Which host tool sets a code policy of a task gets as `ctx.tools` (see core/tools.ts): the task's own (declared by
 * its registry entry in env/registry.ts) plus the sets every task gets. The station (src/rollout/execute.ts) calls
 * toolSetsFor for every sandbox it starts and hands the sets to it.
 */
import type { ToolHost, ToolSet } from "../../core/tools.js";
import { type EnvVariant, taskTools } from "../../env/registry.js";
import { neuralToolSet } from "../neural/tool.js";

/** Tool sets every task's policies get, whatever the task. */
function commonToolSets(host: ToolHost): ToolSet[] {
  return [neuralToolSet(host)]; // nn: load and run a network on the host (its worker starts on the first call)
}

/**
 * The tool sets for a policy of task `taskId`, served by `host`: the task's own plus the common sets. Throws
 * UnknownTaskError for an unknown task.
 * @example const sets = toolSetsFor("pusht", host); // [pusht, nn]: perceive, goal, moveTo, ...; load, run
 */
export function toolSetsFor(taskId: string, host: ToolHost, variant: EnvVariant = {}): ToolSet[] {
  return [...taskTools(taskId, host, variant), ...commonToolSets(host)];
}

/** What the tools of a task's policies do, by namespace and function, for agents and docs (describe_task). */
export function describeTools(
  taskId: string,
  variant: EnvVariant = {},
): { namespace: string; functions: Record<string, string> }[] {
  const sets = toolSetsFor(taskId, { observation: () => undefined, step: () => 0 }, variant);
  try {
    return sets.map((s) => ({ namespace: s.namespace, functions: { ...s.describe } }));
  } finally {
    for (const s of sets) void s.close?.();
  }
}
