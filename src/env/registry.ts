/**
 * The task registry: every task enpire can run, by id. The faces (CLI, MCP, web) and the rollout engine find
 * tasks here and nowhere else, so a task is added by adding one entry.
 */
import type { DatasetLayout, Env, TaskSpec } from "../core/env.js";
import { InvalidInputError, UnknownTaskError } from "../core/errors.js";
import type { ToolHost, ToolSet } from "../core/tools.js";
import { isMujocoLoaded, loadMujocoOnce } from "./mujoco/runtime.js";
import { GPU_SPEC, GpuInsertion, gpuEvalFingerprint } from "./tasks/gpu-insertion/gpu-insertion.js";
import { PIN_SPECS, PinInsertion, type PinTaskId, pinEvalFingerprint } from "./tasks/pin-insertion/pin-insertion.js";
import { pushtDatasetLayout } from "./tasks/pusht/dataset-layout.js";
import { PUSHT_OBS_TYPES, PUSHT_SPEC, PushT, type PushTObsType, pushTEvalFingerprint } from "./tasks/pusht/pusht.js";
import { pushtSkills } from "./tasks/pusht/skills.js";
import { PUSHT_ARM_SPEC, PushTArm, pushtArmEvalFingerprint } from "./tasks/pusht-arm/pusht-arm.js";
import { CUT_SPEC, cutEvalFingerprint, ZipTieCut } from "./tasks/zip-tie/zip-tie-cut.js";

/** Options every task accepts; a task refuses values it does not know (e.g. an unknown observation type). */
export interface MakeEnvOptions {
  obsType?: string; // task-specific observation kind, e.g. "state" or "pixels" for Push-T
  /** How the scene is put back between episodes: "state" (the simulator's shortcut) or "procedural" (the robot). */
  reset?: "state" | "procedural";
}

interface TaskEntry {
  spec: TaskSpec;
  make(options: MakeEnvOptions): Env;
  fingerprint(): string;
  /** The spec an env made with this observation type has (throws for an unknown type); default: `spec`. */
  specFor?(obsType: string | undefined): TaskSpec;
  /** MuJoCo tasks: the WebAssembly module must be loaded on this thread first (prepareTask). */
  mujoco?: true;
  /** The task's own tool sets for its code policies (`ctx.tools.<namespace>`), besides those every task gets. */
  tools?(host: ToolHost): ToolSet[];
  /** What the task's station can do besides trials (the station protocol's optional endpoints). */
  capabilities?: Partial<TaskCapabilities>;
  /** How its observations of a type split into a dataset's parts (default: the whole observation is the state). */
  datasetLayout?(obsType: string): DatasetLayout | null;
}

/** What a task's station can do besides running trials. */
export interface TaskCapabilities {
  /** The arm can leave the camera's view on request (POST /avoid), as pixel verifiers need. */
  avoid: boolean;
}

/**
 * A MuJoCo task's entry: `make` builds its env with the caller's options, once MuJoCo is loaded; every 3D task gets
 * the same observation types and the stations' tools.
 */
function mujocoTask(
  id: string,
  spec: TaskSpec,
  make: (options: MakeEnvOptions) => Env,
  fingerprint: () => string,
): TaskEntry {
  const checkObs = (obsType: string | undefined) => {
    if (obsType !== undefined && obsType !== "state") {
      throw new InvalidInputError(`task "${id}" has no observation type "${obsType}"; choose one of state`);
    }
  };
  return {
    spec,
    make: (options) => {
      checkObs(options.obsType);
      return make(options);
    },
    fingerprint,
    specFor: (obsType) => {
      checkObs(obsType);
      return spec;
    },
    mujoco: true,
  };
}

/** A pin-insertion variant (its clearance is in its id). */
function pinEntry(id: PinTaskId): TaskEntry {
  return mujocoTask(
    id,
    PIN_SPECS[id],
    () => new PinInsertion(id) as Env,
    () => pinEvalFingerprint(id),
  );
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
    specFor: (obsType) => makeEnv("pusht", { obsType }).spec, // Push-T builds in microseconds
    tools: (host) => [pushtSkills(host)],
    capabilities: { avoid: true },
    datasetLayout: (obsType) =>
      (PUSHT_OBS_TYPES as readonly string[]).includes(obsType) ? pushtDatasetLayout(obsType as PushTObsType) : null,
  },
  "pin-insertion": pinEntry("pin-insertion"),
  "pin-insertion-easy": pinEntry("pin-insertion-easy"),
  "pin-insertion-expert": pinEntry("pin-insertion-expert"),
  "pusht-arm": mujocoTask("pusht-arm", PUSHT_ARM_SPEC, () => new PushTArm() as Env, pushtArmEvalFingerprint),
  "gpu-insertion": mujocoTask("gpu-insertion", GPU_SPEC, () => new GpuInsertion() as Env, gpuEvalFingerprint),
  "zip-tie-cut": mujocoTask("zip-tie-cut", CUT_SPEC, () => new ZipTieCut() as Env, cutEvalFingerprint),
};

/** The specs of every registered task, sorted by id. */
export function listTasks(): TaskSpec[] {
  return Object.keys(TASKS)
    .sort()
    .map((id) => TASKS[id].spec);
}

/**
 * Whether a task runs on MuJoCo (so prepareTask loads the WebAssembly module for it). Throws UnknownTaskError.
 * @example listTasks().filter((t) => isMujocoTask(t.id)) // the 3D tasks
 */
export function isMujocoTask(taskId: string): boolean {
  return entry(taskId).mujoco === true;
}

/**
 * A fresh environment for a task id. Throws UnknownTaskError (listing the known ids) for an unknown one.
 * @example const env = makeEnv("pusht", { obsType: "pixels" });
 */
export function makeEnv(taskId: string, options: MakeEnvOptions = {}): Env {
  const e = entry(taskId);
  if (e.mujoco && !isMujocoLoaded()) {
    throw new InvalidInputError(
      `task "${taskId}" runs on MuJoCo, which this thread has not loaded: await prepareTask("${taskId}") before makeEnv`,
    );
  }
  return e.make(options);
}

/**
 * Loads what a task needs on this thread before `makeEnv` (MuJoCo's WebAssembly module for the 3D tasks; nothing
 * for Push-T). Idempotent and cheap after the first call.
 * @example await prepareTask("pin-insertion"); const env = makeEnv("pin-insertion");
 */
export async function prepareTask(taskId: string): Promise<void> {
  if (!entry(taskId).mujoco) return;
  await loadMujocoOnce();
}

/**
 * The spec of a task's env for an observation type, without building the env (so reading a spec never loads
 * MuJoCo). Throws UnknownTaskError or InvalidInputError (unknown observation type).
 * @example taskSpec("pin-insertion").maxSteps // 160
 */
export function taskSpec(taskId: string, obsType?: string): TaskSpec {
  const e = entry(taskId);
  return e.specFor ? e.specFor(obsType) : e.spec;
}

/**
 * sha256 of a task's evaluation side (reset, verifier, limits, physics), recorded with every result.
 * @example evalFingerprint("pusht") // "47e5…"
 */
export function evalFingerprint(taskId: string): string {
  return entry(taskId).fingerprint();
}

/**
 * The task's own tool sets for a code policy served by `host` (Push-T's skills; the 3D stations' tools); [] when it
 * has none. Throws UnknownTaskError.
 * @example taskTools("pusht", host).map((s) => s.namespace) // ["pusht"]
 */
export function taskTools(taskId: string, host: ToolHost): ToolSet[] {
  return entry(taskId).tools?.(host) ?? [];
}

/**
 * What a task's station can do besides trials. Throws UnknownTaskError.
 * @example taskCapabilities("pusht").avoid // true
 */
export function taskCapabilities(taskId: string): TaskCapabilities {
  return { avoid: false, ...entry(taskId).capabilities };
}

/**
 * How a task's recorded observations of `obsType` split into a dataset's parts; null when the task declares no
 * layout for it (a numeric observation is then the state as a whole). Throws UnknownTaskError.
 */
export function datasetLayout(taskId: string, obsType: string): DatasetLayout | null {
  return entry(taskId).datasetLayout?.(obsType) ?? null;
}

function entry(taskId: string): TaskEntry {
  const found = Object.hasOwn(TASKS, taskId) ? TASKS[taskId] : undefined;
  if (!found) throw new UnknownTaskError(taskId, Object.keys(TASKS).sort());
  return found;
}
