/**
 * The task registry: every task enpire can run, by id. The faces (CLI, MCP, web) and the rollout engine find
 * tasks here and nowhere else, so a task is added by adding one entry.
 */
import type { DatasetLayout, Env, TaskSpec } from "../core/env.js";
import { InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import type { ToolHost, ToolSet } from "../core/tools.js";
import { KITCHEN_EVAL_EPISODES } from "./kitchen/eval-list.js";
import { KITCHEN_SPECS, KITCHEN_TASK_IDS, KitchenTask, kitchenEvalFingerprint } from "./kitchen/kitchen-tasks.js";
import { kitchenTools } from "./kitchen/tools/kitchen-tools.js";
import { kitchenOracleTools } from "./kitchen/tools/oracle-tools.js";
import type { ArmEnv } from "./mujoco/arm-env.js";
import type { ResetMode } from "./mujoco/reset/procedure.js";
import { isMujocoLoaded, loadMujocoOnce } from "./mujoco/runtime.js";
import { deepFreeze, sourceFingerprint } from "./mujoco/task-kit.js";
import { armTools } from "./mujoco/tools/arm-tools.js";
import { pixelDefaults, pixelSpaceFor, safety3dDefaults } from "./station-defaults.js";
import { GPU_SPEC, GpuInsertion, gpuEvalFingerprint, gpuSpec } from "./tasks/gpu-insertion/gpu-insertion.js";
import { verifyGpu } from "./tasks/gpu-insertion/pixel-verifier.js";
import {
  PIN_SPECS,
  PinInsertion,
  type PinTaskId,
  pinEvalFingerprint,
  pinSpec,
} from "./tasks/pin-insertion/pin-insertion.js";
import { verifyPin } from "./tasks/pin-insertion/pixel-verifier.js";
import { pushtDatasetLayout } from "./tasks/pusht/dataset-layout.js";
import { PUSHT_OBS_TYPES, PUSHT_SPEC, PushT, type PushTObsType, pushTEvalFingerprint } from "./tasks/pusht/pusht.js";
import { pushtSkills } from "./tasks/pusht/skills.js";
import { PUSHT_ARM_SPEC, PushTArm, pushtArmEvalFingerprint, pushtArmSpec } from "./tasks/pusht-arm/pusht-arm.js";
import { verifyZipTie } from "./tasks/zip-tie/pixel-verifier.js";
import { verifyTie } from "./tasks/zip-tie/tie-pixel-verifier.js";
import { CUT_SPEC, cutEvalFingerprint, cutSpec, ZipTieCut } from "./tasks/zip-tie/zip-tie-cut.js";
import { TIE_SPEC, tieEvalFingerprint, tieSpec, ZipTieTie } from "./tasks/zip-tie/zip-tie-tie.js";
import { type VerifyFn, withPixelVerifier } from "./verifiers/with-pixel-verifier.js";

/** How a task's evaluation side is varied, besides its observation: each variant has its own spec and fingerprint. */
export interface EnvVariant {
  /** How the scene is put back between episodes: "state" (the simulator's shortcut, default) or "procedural" (the
   * station's own arms, as a real station must). */
  reset?: ResetMode;
  /** Which verdict counts: "state" (the simulator's predicate, default) or "pixel" (the task's pixel verifier, from
   * cameras and proprioception only; the state predicate's verdict stays in the metrics). */
  verifier?: VerifierMode;
  /** Which tools its code policies get: "standard" (default: perception on pixels) or "oracle" (also the simulator's
   * object and fixture poses, `ctx.tools.oracle`, for debugging a script; its runs have their own fingerprint, so no
   * evaluation mixes them with standard ones, and `enpire run --eval` refuses it). */
  tools?: ToolMode;
}
export type { ResetMode };
export type VerifierMode = "state" | "pixel";
export type ToolMode = "standard" | "oracle";
export const RESET_MODES: readonly ResetMode[] = ["state", "procedural"];
export const VERIFIER_MODES: readonly VerifierMode[] = ["state", "pixel"];
export const TOOL_MODES: readonly ToolMode[] = ["standard", "oracle"];

/** Options every task accepts; a task refuses values it does not know (e.g. an unknown observation type). */
export interface MakeEnvOptions extends EnvVariant {
  obsType?: string; // task-specific observation kind, e.g. "state" or "pixels" for Push-T
}

interface TaskEntry {
  spec: TaskSpec;
  make(options: MakeEnvOptions): Env;
  /** The fingerprint of a variant (checked: throws for one the task does not have). */
  fingerprint(variant: EnvVariant): string;
  /** The spec an env made with this observation type and variant has (throws for an unknown one). */
  specFor(obsType: string | undefined, variant: EnvVariant): TaskSpec;
  /** MuJoCo tasks: the WebAssembly module must be loaded on this thread first (prepareTask). */
  mujoco?: true;
  /** The task's own tool sets for its code policies (`ctx.tools.<namespace>`), besides those every task gets. */
  tools?(host: ToolHost, variant: EnvVariant): ToolSet[];
  /** The task's fixed evaluation list, when it has one (`enpire run --eval`): the seeds it runs. */
  evaluationList?: EvaluationList;
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

/** A 3D task's variants besides the default (state reset, state predicate). */
interface ArmTaskVariants {
  /** Its procedural reset: the spec and fingerprint with `evaluation.resetMode` "procedural". */
  procedural?: { spec: TaskSpec; fingerprint: () => string };
  /** Its pixel verifier: a name, the function, and the source files (relative to src/env, no ".ts") that make it. */
  pixelVerifier?: { name: string; verify: VerifyFn; files: readonly string[] };
}

/** A task's fixed evaluation: seeds seedStart .. seedStart + episodes − 1, and what they are. */
export interface EvaluationList {
  seedStart: number;
  episodes: number;
  about: string; // e.g. "the paper's 40 (seed, layout_id, style_id) triplets from random.Random(42)"
}

/** Refuses a variant value the task does not have, naming the ones it has. */
function checkVariant(
  id: string,
  variant: EnvVariant,
  resets: readonly ResetMode[],
  verifiers: readonly VerifierMode[],
  toolModes: readonly ToolMode[] = ["standard"],
) {
  const reset = variant.reset ?? "state";
  const verifier = variant.verifier ?? "state";
  const tools = variant.tools ?? "standard";
  if (!toolModes.includes(tools)) {
    throw new InvalidInputError(`task "${id}" has no tool mode "${tools}"; choose one of ${toolModes.join(", ")}`);
  }
  if (!resets.includes(reset)) {
    throw new InvalidInputError(`task "${id}" has no reset mode "${reset}"; choose one of ${resets.join(", ")}`);
  }
  if (!verifiers.includes(verifier)) {
    throw new InvalidInputError(`task "${id}" has no verifier "${verifier}"; choose one of ${verifiers.join(", ")}`);
  }
  return { reset, verifier, tools };
}

/**
 * A MuJoCo arm task's entry: `make` builds its env with the caller's options, once MuJoCo is loaded. Every 3D task
 * gets the same observation types: "state" (the task's vector, default) and "pixels" (the arm's proprioception and
 * the task's default cameras, station-defaults.ts), whose spec is computed without MuJoCo. Its fingerprint covers the
 * task's evaluation side (with its reset mode), its default safety limits (station-defaults.ts), which the runner
 * applies, and the pixel verifier's sources when that verifier judges.
 */
function mujocoArmTask(
  id: string,
  spec: TaskSpec,
  make: (options: MakeEnvOptions) => ArmEnv,
  fingerprint: () => string,
  variants: ArmTaskVariants = {},
): TaskEntry {
  const checkObs = (obsType: string | undefined): "state" | "pixels" => {
    if (obsType === undefined || obsType === "state" || obsType === "pixels") return obsType ?? "state";
    throw new InvalidInputError(`task "${id}" has no observation type "${obsType}"; choose one of state, pixels`);
  };
  const resets: ResetMode[] = variants.procedural ? ["state", "procedural"] : ["state"];
  const verifiers: VerifierMode[] = variants.pixelVerifier ? ["state", "pixel"] : ["state"];
  const pixels = pixelDefaults(id);
  const pixelSpace = pixelSpaceFor(id);
  if (!pixels || !pixelSpace) throw new Error(`task "${id}" has no pixel defaults in station-defaults.ts`);
  const pv = variants.pixelVerifier;
  const specs = new Map<string, TaskSpec>();
  const specFor = (obsType: string | undefined, variant: EnvVariant): TaskSpec => {
    const obs = checkObs(obsType);
    const { reset, verifier } = checkVariant(id, variant, resets, verifiers);
    const key = `${obs}/${reset}/${verifier}`;
    let out = specs.get(key);
    if (!out) {
      const base = reset === "procedural" && variants.procedural ? variants.procedural.spec : spec;
      const evaluation =
        pv && verifier === "pixel" ? { ...base.evaluation, verifier: `pixel: ${pv.name}` } : base.evaluation;
      out = deepFreeze({ ...base, evaluation, ...(obs === "pixels" ? { observationSpace: pixelSpace } : {}) });
      specs.set(key, out);
    }
    return out;
  };
  return {
    spec,
    make: (options) => {
      const obs = checkObs(options.obsType);
      const { verifier } = checkVariant(id, options, resets, verifiers);
      const env = make(options);
      try {
        if (obs === "pixels") env.observeWith(pixels);
      } catch (err) {
        env.close();
        throw err;
      }
      return pv && verifier === "pixel" ? withPixelVerifier(env as Env, pv.verify, pv.name) : (env as Env);
    },
    fingerprint: (variant) => {
      const { reset, verifier } = checkVariant(id, variant, resets, verifiers);
      const base = reset === "procedural" && variants.procedural ? variants.procedural.fingerprint() : fingerprint();
      const judged = pv && verifier === "pixel" ? { verifier: sourceFingerprint(pv.name, pv.files) } : {};
      return sha256(base, canonicalJson({ safety3d: safety3dDefaults(id), ...judged }));
    },
    specFor,
    mujoco: true,
    tools: (host) => [armTools(host)], // ctx.tools.arm: perception, control, planning (mujoco/tools/)
  };
}

/** A pin-insertion variant (its clearance is in its id). */
function pinEntry(id: PinTaskId): TaskEntry {
  return mujocoArmTask(
    id,
    PIN_SPECS[id],
    (options) => new PinInsertion(id, { reset: options.reset }),
    () => pinEvalFingerprint(id),
    {
      procedural: { spec: pinSpec(id, "procedural"), fingerprint: () => pinEvalFingerprint(id, "procedural") },
      pixelVerifier: { name: "pin-pixels", verify: verifyPin, files: PIXEL_VERIFIER_FILES("pin-insertion") },
    },
  );
}

/** The sources a task's pixel verifier is made of (`tasks/<prefix>-pixel-verifier`, or `tasks/<folder>/pixel-verifier`
 * for a folder name) and the shared pixel helpers. */
function PIXEL_VERIFIER_FILES(at: string): string[] {
  const own = at.includes("/") ? `tasks/${at}-pixel-verifier` : `tasks/${at}/pixel-verifier`;
  return [own, "verifiers/pixels", "verifiers/capture", "verifiers/with-pixel-verifier"];
}

/**
 * A kitchen task's entry (env/kitchen: RoboCasa's tasks rebuilt): state observations, the state reset and the
 * simulator's predicate only, for now.
 */
function kitchenEntry(id: (typeof KITCHEN_TASK_IDS)[number]): TaskEntry {
  const check = (obsType: string | undefined, variant: EnvVariant) => {
    if (obsType !== undefined && obsType !== "state") {
      throw new InvalidInputError(`task "${id}" has no observation type "${obsType}"; choose one of state`);
    }
    return checkVariant(id, variant, ["state"], ["state"], TOOL_MODES).tools;
  };
  // the oracle's spec and fingerprint say so: its runs never pass for standard ones
  const oracleSpec = deepFreeze({
    ...KITCHEN_SPECS[id],
    evaluation: { ...KITCHEN_SPECS[id].evaluation, toolMode: "oracle" },
  });
  return {
    spec: KITCHEN_SPECS[id],
    make: (options) => {
      check(options.obsType, options);
      return new KitchenTask(id) as Env;
    },
    fingerprint: (variant) => {
      const tools = check(undefined, variant);
      // the station's default limits judge too (station-defaults.ts), and an oracle run is its own evaluation
      const base = sha256(kitchenEvalFingerprint(id), canonicalJson({ safety3d: safety3dDefaults(id) }));
      return tools === "oracle" ? sha256(base, "tools:oracle") : base;
    },
    specFor: (obsType, variant) => (check(obsType, variant) === "oracle" ? oracleSpec : KITCHEN_SPECS[id]),
    tools: (host, variant) => {
      const sets = [kitchenTools(host)];
      if (check(undefined, variant) === "oracle") sets.push(kitchenOracleTools(host));
      return sets;
    },
    evaluationList: {
      seedStart: 0,
      episodes: KITCHEN_EVAL_EPISODES,
      about: "the paper's 40 (seed, layout_id, style_id) triplets, random.Random(42)",
    },
    mujoco: true,
  };
}

const TASKS: Record<string, TaskEntry> = {
  pusht: {
    spec: PUSHT_SPEC,
    make: (options) => {
      checkVariant("pusht", options, ["state"], ["state"]);
      const obsType = options.obsType ?? "state";
      if (!(PUSHT_OBS_TYPES as readonly string[]).includes(obsType)) {
        throw new InvalidInputError(
          `task "pusht" has no observation type "${obsType}"; choose one of ${PUSHT_OBS_TYPES.join(", ")}`,
        );
      }
      return new PushT({ obsType: obsType as PushTObsType }) as Env;
    },
    fingerprint: (variant) => {
      checkVariant("pusht", variant, ["state"], ["state"]);
      return pushTEvalFingerprint();
    },
    specFor: (obsType, variant) => {
      checkVariant("pusht", variant, ["state"], ["state"]);
      return makeEnv("pusht", { obsType }).spec; // Push-T builds in microseconds
    },
    tools: (host) => [pushtSkills(host)],
    capabilities: { avoid: true },
    datasetLayout: (obsType) =>
      (PUSHT_OBS_TYPES as readonly string[]).includes(obsType) ? pushtDatasetLayout(obsType as PushTObsType) : null,
  },
  "pin-insertion": pinEntry("pin-insertion"),
  "pin-insertion-easy": pinEntry("pin-insertion-easy"),
  "pin-insertion-expert": pinEntry("pin-insertion-expert"),
  "pusht-arm": mujocoArmTask(
    "pusht-arm",
    PUSHT_ARM_SPEC,
    (options) => new PushTArm({ reset: options.reset }),
    () => pushtArmEvalFingerprint("state"),
    {
      procedural: { spec: pushtArmSpec("procedural"), fingerprint: () => pushtArmEvalFingerprint("procedural") },
    },
  ),
  "gpu-insertion": mujocoArmTask(
    "gpu-insertion",
    GPU_SPEC,
    (options) => new GpuInsertion({ reset: options.reset }),
    () => gpuEvalFingerprint("state"),
    {
      procedural: { spec: gpuSpec("procedural"), fingerprint: () => gpuEvalFingerprint("procedural") },
      pixelVerifier: { name: "gpu-pixels", verify: verifyGpu, files: PIXEL_VERIFIER_FILES("gpu-insertion") },
    },
  ),
  "zip-tie-cut": mujocoArmTask(
    "zip-tie-cut",
    CUT_SPEC,
    (options) => new ZipTieCut({ reset: options.reset }),
    () => cutEvalFingerprint("state"),
    {
      procedural: { spec: cutSpec("procedural"), fingerprint: () => cutEvalFingerprint("procedural") },
      pixelVerifier: { name: "zip-tie-cut-pixels", verify: verifyZipTie, files: PIXEL_VERIFIER_FILES("zip-tie") },
    },
  ),
  "zip-tie-tie": mujocoArmTask(
    "zip-tie-tie",
    TIE_SPEC,
    (options) => new ZipTieTie({ reset: options.reset }),
    () => tieEvalFingerprint("state"),
    {
      procedural: { spec: tieSpec("procedural"), fingerprint: () => tieEvalFingerprint("procedural") },
      pixelVerifier: { name: "zip-tie-tie-pixels", verify: verifyTie, files: PIXEL_VERIFIER_FILES("zip-tie/tie") },
    },
  ),
  ...Object.fromEntries(KITCHEN_TASK_IDS.map((id) => [id, kitchenEntry(id)])),
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
 * The spec of a task's env for an observation type and variant, without building the env (so reading a spec never
 * loads MuJoCo). Throws UnknownTaskError or InvalidInputError (an observation type or variant the task lacks).
 * @example taskSpec("pin-insertion").maxSteps // 160
 */
export function taskSpec(taskId: string, obsType?: string, variant: EnvVariant = {}): TaskSpec {
  return entry(taskId).specFor(obsType, variant);
}

/**
 * sha256 of a task's evaluation side (reset, verifier, limits, physics) for a variant (default: state reset, state
 * predicate), recorded with every result. Throws UnknownTaskError, or InvalidInputError for a variant it lacks.
 * @example evalFingerprint("pusht") // "47e5…"; evalFingerprint("pin-insertion", { reset: "procedural" })
 */
export function evalFingerprint(taskId: string, variant: EnvVariant = {}): string {
  return entry(taskId).fingerprint(variant);
}

/**
 * The task's own tool sets for a code policy served by `host` (Push-T's skills; the 3D stations' tools); [] when it
 * has none. Throws UnknownTaskError.
 * @example taskTools("pusht", host).map((s) => s.namespace) // ["pusht"]
 */
export function taskTools(taskId: string, host: ToolHost, variant: EnvVariant = {}): ToolSet[] {
  return entry(taskId).tools?.(host, variant) ?? [];
}

/**
 * The task's fixed evaluation list (`enpire run --eval`), or null when it has none. Throws UnknownTaskError.
 * @example evaluationList("kitchen-open-drawer") // { seedStart: 0, episodes: 40, about: "the paper's 40 …" }
 */
export function evaluationList(taskId: string): EvaluationList | null {
  return entry(taskId).evaluationList ?? null;
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
