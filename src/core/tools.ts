/**
 * Host tools: functions that run outside the policy's sandbox and that a code policy calls synchronously as
 * `ctx.tools.<namespace>.<name>(...args)` (code-as-policies). A task's own tools (declared by its registry entry in
 * src/env/registry.ts), the tools every 3D station has (src/env/mujoco/tools/) and the neural-network runtime
 * (src/policy/neural/) are tool sets. The sandbox copies plain data in and out (numbers,
 * strings, arrays, typed arrays, plain objects), times every call, and the station writes each call to the trial's
 * events as a "tool" event, so a reader sees which tools a policy used, when, and how long each took.
 */

import type { Env } from "./env.js";

/** What a tool set sees of the trial it serves: the observation the policy was last handed, and the station's camera. */
export interface ToolHost {
  /** The observation last handed to the policy's act(); undefined before the first step of an episode. */
  observation(): unknown;
  /** The index of the step being decided (0 before the first act of an episode). */
  step(): number;
  /** A camera frame of the scene as the station sees it now: size × size RGB bytes, when the station has a camera. */
  camera?(size: number): Uint8Array;
  /**
   * The station's env for the trial being run, without its wrappers (the task's own object), for tools that model
   * the station's hardware (cameras, the arm's kinematics, collision checks); undefined between trials. Tools must
   * not change its state or read what a real station could not (object poses): perception works on pixels.
   */
  env?(): Env | undefined;
  /**
   * Present only while an episode script runs (a policy whose instance has `episode(observation)` instead of `act`,
   * see policy/authoring.ts): applies one action to the station exactly as an act() answer would be applied, through
   * its safety layer and its recorder (a step event, video frames), and answers the observation after it. `over` turns
   * true on the step that ends the episode (the horizon, a safety stop, the task's own end, an e-stop); a drive after
   * that throws EpisodeOverError, which ends the script without counting against it.
   */
  drive?(action: unknown): DrivenStep;
}

/** What one driven step answers (ToolHost.drive). */
export interface DrivenStep {
  observation: unknown;
  /** The episode has ended with this step: the next drive throws EpisodeOverError. */
  over: boolean;
  /** Steps taken so far this episode, this one included. */
  steps: number;
}

/** One namespace of host functions, as the policy sees it under `ctx.tools[namespace]`. */
export interface ToolSet {
  /** e.g. "pusht" or "nn": a JavaScript identifier. */
  readonly namespace: string;
  /** One line per function: what it does, its arguments and what it returns (shown to agents and in docs). */
  readonly describe: Readonly<Record<string, string>>;
  /** Called with the policy's (copied) arguments; returns plain data. A throw reaches the policy as an Error. */
  readonly functions: Readonly<Record<string, (...args: never[]) => unknown>>;
  /** Called before every episode (optional), e.g. to forget a skill's progress. */
  reset?(): void;
  /** Releases what the set holds (models, workers) when its sandbox closes. */
  close?(): void | Promise<void>;
}

/** Makes the tool sets for one sandboxed policy of a task; called once per loaded policy. */
export type ToolSetFactory = (host: ToolHost) => ToolSet;
