import type { PolicyContext } from "../core/policy.js";

/**
 * How to write a policy file: the contract between a policy author (an agent, a person) and the sandbox.
 *
 * A policy is one TypeScript or JavaScript module (plus its own files, imported by relative path) whose default
 * export is a factory, called once with the task's public spec, that returns the policy:
 *
 * ```ts
 * // policies/reach.ts
 * import type { CreatePolicy } from "../src/policy/authoring.js"; // type-only imports are erased: any path works
 * import { clamp } from "./util.js";                               // your own files are bundled in
 *
 * const createPolicy: CreatePolicy<number[], [number, number]> = (ctx) => {
 *   const space = ctx.task.actionSpace;                             // e.g. a box 0..512 px for Push-T
 *   let steps = 0;
 *   return {
 *     reset() { steps = 0; },                                       // optional: before every episode
 *     act([agentX, agentY, blockX, blockY]) {                       // one observation in, one action out
 *       steps++;
 *       if (steps === 1) console.log("first step");                 // kept in the trial's events, not printed
 *       return [clamp(blockX, 0, 512), clamp(blockY, 0, 512)];
 *     },
 *   };
 * };
 * export default createPolicy;
 * ```
 *
 * A default-exported object with `act` (and optionally `reset`) works too: `export default { act(obs) { ... } }`.
 *
 * What the policy can use: the JavaScript language and its builtins (Math, JSON, typed arrays, Map, ...), its own
 * files, `console.log/info/debug/warn/error`, the observation it is handed, and the host tools of its task as
 * `ctx.tools[namespace][name](...args)` (synchronous; e.g. `ctx.tools.pusht.perceive()`; `{}` when there are none;
 * each call is recorded with its timing; see README.md "Tools"). What it cannot: files, network,
 * `process`, `require`, packages, timers, `fetch`, or the simulator; an import of a Node builtin or a package is a
 * load error. Observations arrive as copies (number[], Uint8Array pixels, or a dict of those), so changing one
 * changes nothing outside. Limits: each act() and reset() has a deadline (default 1000 ms) and the sandbox a memory
 * limit (default 128 MB); going over either, throwing, or returning something that is not plain data (a function,
 * a symbol, a class instance) ends the trial as a policy error with the reason. act should answer synchronously: an
 * async act is accepted only if it settles without waiting on anything, since nothing in the sandbox can be waited for.
 * The action's shape and range are checked by the env's safety wrapper, not here: a NaN or a wrong length stops
 * the trial as a safety failure.
 */

/** The public part of the task a policy is created for: id, version, spaces, maxSteps, controlHz. */
export type PolicyTask = PolicyContext["task"];

/** The policy a module provides: `act` maps one observation to one action; `reset` runs before every episode. */
export interface PolicyInstance<Obs = unknown, Act = unknown> {
  act(observation: Obs): Act;
  reset?(): void;
}

/**
 * An episode script: instead of one action per observation, `episode` runs once per episode, to completion, and
 * moves the robot through its task's motion tools, which in a script step the station themselves until they arrive
 * (e.g. `ctx.tools.kitchen.moveEef({ pos })`; the station records every step, frame and tool call as for any policy).
 * The episode ends when `episode` returns (or throws: a policy error), or earlier at the task's horizon or a safety
 * stop, where the next motion throws and unwinds the script; the verifier then judges the scene as it is.
 *
 * ```ts
 * const createScript: CreateScript = (ctx) => ({
 *   episode() {
 *     const k = ctx.tools.kitchen;
 *     const [mug] = k.segmentAll({ query: "mug" }).detections;
 *     k.moveEef({ pos: mug.centroidWorldXyz });
 *   },
 * });
 * export default createScript;
 * ```
 */
export interface ScriptInstance<Obs = unknown> {
  episode(observation: Obs): void;
  reset?(): void;
}

/** The default export of an episode script: called once per loaded sandbox, as CreatePolicy is. */
export type CreateScript<Obs = unknown> = (ctx: PolicyCreateContext) => ScriptInstance<Obs>;

/** What a host tool looks like from inside the sandbox: plain data in, plain data out, synchronously. */
export type PolicyTool = (...args: never[]) => unknown;

/**
 * The context a policy is created with: the task's public spec and its host tools by namespace. In the sandbox
 * `tools` is always set (`{}` without tools); it is optional so that a policy can also be created in-process.
 */
export type PolicyCreateContext = PolicyContext & {
  readonly tools?: Readonly<Record<string, Readonly<Record<string, PolicyTool>>>>;
};

/** The default export as a factory: called once per loaded sandbox with the task's public spec and its tools. */
export type CreatePolicy<Obs = unknown, Act = unknown> = (ctx: PolicyCreateContext) => PolicyInstance<Obs, Act>;

/** Everything a policy module may default-export: a factory (preferred) or the policy object itself. */
export type PolicyModuleExport<Obs = unknown, Act = unknown> =
  | CreatePolicy<Obs, Act>
  | PolicyInstance<Obs, Act>
  | CreateScript<Obs>
  | ScriptInstance<Obs>;
