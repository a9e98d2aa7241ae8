import { z } from "zod";
import { SpaceSchema } from "./space.js";

/** What a task declares about itself: everything a policy author needs, and everything that is fingerprinted. */
export const TaskSpecSchema = z.object({
  id: z.string(), // e.g. "pusht"
  version: z.number().int().nonnegative(), // bumped by anything that could move a success rate
  description: z.string(),
  observationSpace: SpaceSchema,
  actionSpace: SpaceSchema,
  maxSteps: z.number().int().positive(), // episode horizon in policy steps
  controlHz: z.number().positive(), // policy steps per second of simulated (or real) time
  /** Constants of the evaluation side (thresholds, reset ranges, goal); part of the fingerprint. */
  evaluation: z.record(z.string(), z.unknown()),
});
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

/** The verifier's verdict, independent of the policy. The only judge of success. */
export const VerificationSchema = z.object({
  success: z.boolean(),
  score: z.number().nullable(), // task-specific, e.g. Push-T's normalised coverage reward in [0, 1]
  reason: z.string().nullable(), // a sentence a person reads, e.g. "coverage 0.812 <= 0.95"
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
});
export type Verification = z.infer<typeof VerificationSchema>;

/** A safety stop recorded by a wrapper: the trial ends as a failure with this reason. */
export const SafetyStopSchema = z.object({
  wrapper: z.string(), // e.g. "safety-box"
  kind: z.enum([
    "malformed-action",
    "delta-cap",
    "out-of-range",
    "deadline",
    // 3D stations (env/wrappers/safety-3d.ts)
    "workspace", // the commanded end-effector target left the workspace box
    "joint-limit", // a joint (commanded or measured) within the margin of its range's end
    "force", // a contact force between the robot side and the world above the limit
    "gripper-force", // the gripper squeezing harder than the limit
    "safety-zone", // the commanded pose outside the safety zone (hard mode)
    "e-stop", // the emergency stop was triggered
  ]),
  reason: z.string(), // e.g. "action element 0 is NaN"
});
export type SafetyStop = z.infer<typeof SafetyStopSchema>;

export interface StepInfo {
  /** Set by a safety wrapper that ended the trial. */
  safety?: SafetyStop;
  [key: string]: unknown;
}

export interface StepResult<Obs> {
  observation: Obs;
  reward: number;
  terminated: boolean; // the task reached a terminal state (e.g. success) or a safety stop
  truncated: boolean; // the episode was cut short by a time limit
  info: StepInfo;
}

/** A geom's shape, as MuJoCo names it; `size` keeps MuJoCo's meaning per shape (see env/scene-view.ts). */
export type SceneGeomType = "plane" | "box" | "sphere" | "capsule" | "cylinder" | "ellipsoid";

/** What a 3D viewer draws of a scene, once per env: its visible geoms (env/scene-view.ts holds the schema). */
export interface SceneGeometry {
  schema: "enpire.scene-geometry/1";
  geoms: {
    id: number; // the geom's id in the model
    name: string | null;
    type: SceneGeomType;
    size: [number, number, number]; // m, MuJoCo's geom_size
    rgba: [number, number, number, number]; // 0..1
    group: number; // MuJoCo's geom group
  }[];
}

/**
 * How a task's recorded observations split into a dataset's parts (LeRobot's `observation.state` and
 * `observation.environment_state`), with names for each element; declared by the task (env/registry.ts). A task that
 * declares none has its whole numeric observation exported as the state.
 */
export interface DatasetLayout {
  state: string[] | null; // names of observation.state's elements, or null when there is none
  envState: string[] | null; // names of observation.environment_state's elements, or null
  action: string[] | null; // names of the action's elements, or null for numbered ones
  /** Splits one recorded observation; throws InvalidInputError for one of the wrong shape. */
  split(observation: unknown): { state: number[] | null; envState: number[] | null };
}

/**
 * A task environment. `reset` draws its randomisation from the seed only, so a seed means the same initial state
 * everywhere. `verify` judges the current state without consulting the policy.
 */
export interface Env<Obs = unknown, Act = unknown> {
  readonly spec: TaskSpec;
  /** Wrapper stack, innermost last, e.g. "safety(clip-action(pusht@1))". */
  readonly name: string;
  reset(opts: { seed: number }): Obs;
  observe(): Obs;
  step(action: Act): StepResult<Obs>;
  verify(): Verification;
  /** An RGB picture of the scene for people (videos), size x size x 3 bytes, row-major; absent on blind stations. */
  render?(size: number): Uint8Array;
  /**
   * The env's named cameras (absent on envs without them), the same for the env's whole life; `render` shows the
   * first one's view, e.g. ["top", "left", "right", "right_wrist_cam", "left_wrist_cam"] on a 3D station.
   */
  cameraNames?(): string[];
  /** An RGB picture from one of `cameraNames()`, size x size x 3 bytes, row-major; an unknown camera throws. */
  renderCamera?(camera: string, size: number): Uint8Array;
  /**
   * The scene's geoms for a live 3D view (absent on envs without one): the same object until the scene itself changes
   * (a kitchen task builds another kitchen for another episode's triplet), so a viewer resends it when it changes.
   */
  sceneGeometry?(): SceneGeometry;
  /**
   * Where each geom of `sceneGeometry()` is now: 12 numbers per geom, in its order: position x, y, z (m), then the
   * rotation matrix row-major (world from geom).
   */
  scenePoses?(): Float32Array;
  close(): void;
}
