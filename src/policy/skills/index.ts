/**
 * The skill registry: which host tool sets a code policy of a task gets as `ctx.tools` (see ../tools.ts). The station
 * (src/rollout/execute.ts) calls toolSetsFor for every sandbox it starts and hands the sets to it.
 */
import { neuralToolSet } from "../neural/tool.js";
import type { ToolHost, ToolSet } from "../tools.js";
import { pushtSkills } from "./pusht.js";

export { type BlockPose, type Motion, type Perception, PUSHT_SKILL_DEFAULTS, pushtSkills } from "./pusht.js";

/** Tool sets every task's policies get, whatever the task. */
function commonToolSets(host: ToolHost): ToolSet[] {
  return [neuralToolSet(host)]; // nn: load and run a network on the host (its worker starts on the first call)
}

/** A task's own skill libraries, by task id. */
const TASK_SKILLS: Readonly<Record<string, (host: ToolHost) => ToolSet[]>> = {
  pusht: (host) => [pushtSkills(host)],
};

/**
 * The tool sets for a policy of task `taskId`, served by `host`: the task's skills plus the common sets. A task with
 * no skill library gets only the common sets.
 * @example const sets = toolSetsFor("pusht", host); // [pusht, nn]: perceive, goal, moveTo, ...; load, run
 */
export function toolSetsFor(taskId: string, host: ToolHost): ToolSet[] {
  return [...(TASK_SKILLS[taskId]?.(host) ?? []), ...commonToolSets(host)];
}

/** What the tools of a task's policies do, by namespace and function, for agents and docs (describe_task). */
export function describeTools(taskId: string): { namespace: string; functions: Record<string, string> }[] {
  const sets = toolSetsFor(taskId, { observation: () => undefined, step: () => 0 });
  try {
    return sets.map((s) => ({ namespace: s.namespace, functions: { ...s.describe } }));
  } finally {
    for (const s of sets) void s.close?.();
  }
}
