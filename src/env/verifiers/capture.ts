/**
 * Taking a snapshot of a station: frames from every camera (RGB and depth at a fixed size; never segmentation,
 * which is privileged), the robot's proprioception and the ground truth of the task's state predicate, in the shape
 * of core/snapshot.ts. Used by the verifier workbench (rollout/verifier/record.ts) and withPixelVerifier.
 *
 * Proprioception is the arm's block of the task's state observation (joint angles, EE pose, gripper width and
 * force, EE wrench: mujoco/arm-env.ts), which comes first in every 3D task's observation; whatever a task appends
 * after it (object poses, the cut's distance) is simulator state a pixel verifier must not read, so it is left out.
 */
import type { Env, Verification } from "../../core/env.js";
import { InvalidInputError } from "../../core/errors.js";
import type { LabelledSnapshot, SnapshotFrame, SnapshotLabel, VerifierInput } from "../../core/snapshot.js";

/** The last name of the arm's proprioceptive block in a 3D task's observation (mujoco/arm-env.ts proprioNames). */
const PROPRIO_END = "ee torque z N·m";
export const SNAPSHOT_SIZE = 128; // px, default frame size (square)

/** What a station must offer to be snapshotted: ArmEnv's cameras. */
export interface CameraSource {
  cameraNames(): string[];
  cameraFrame(
    camera: string,
    size: number,
    opts: { depth?: boolean },
  ): {
    rgb: Uint8Array | null;
    depth: Float32Array | null;
    intrinsics: SnapshotFrame["intrinsics"];
    extrinsics: { position: readonly number[] | number[]; rotation: number[] };
  };
}

export function isCameraSource(e: unknown): e is CameraSource {
  const c = e as Partial<CameraSource> | null;
  return typeof c?.cameraNames === "function" && typeof c?.cameraFrame === "function";
}

/** The env itself or the first env inside its wrappers that has cameras; refused when none has. */
export function findCameras<O, A>(env: Env<O, A>): CameraSource {
  let e: unknown = env;
  while (e && typeof e === "object") {
    if (isCameraSource(e)) return e;
    e = (e as { inner?: unknown }).inner;
  }
  throw new InvalidInputError(
    `${env.name} has no cameras (cameraNames() and cameraFrame()); snapshots need a MuJoCo station, e.g. pin-insertion`,
  );
}

/** The input a verifier would see now. */
export function snapshotInput<O, A>(env: Env<O, A>, opts: { size?: number; depth?: boolean } = {}): VerifierInput {
  const size = opts.size ?? SNAPSHOT_SIZE;
  if (!Number.isInteger(size) || size < 16 || size > 512) {
    throw new InvalidInputError(`snapshot size must be an integer in 16..512 px, got ${size}`);
  }
  const cams = findCameras(env);
  const cameras: Record<string, SnapshotFrame> = {};
  for (const name of cams.cameraNames()) {
    const f = cams.cameraFrame(name, size, { depth: opts.depth ?? true });
    if (!f.rgb) throw new Error(`camera ${name} returned no RGB frame`);
    const [x, y, z] = f.extrinsics.position;
    cameras[name] = {
      width: size,
      height: size,
      rgb: f.rgb,
      depth: f.depth,
      intrinsics: { ...f.intrinsics },
      extrinsics: { position: [x, y, z], rotation: [...f.extrinsics.rotation] },
    };
  }
  const observation = env.observe();
  if (!Array.isArray(observation) || !observation.every((v) => typeof v === "number")) {
    throw new InvalidInputError(`${env.name}'s observation is not a list of numbers; snapshots need the state type`);
  }
  const space = env.spec.observationSpace;
  const names = space.kind === "box" && space.names ? space.names : observation.map((_, i) => `obs ${i}`);
  const end = names.indexOf(PROPRIO_END);
  const n = end >= 0 ? end + 1 : observation.length;
  return {
    task: { id: env.spec.id, version: env.spec.version },
    cameras,
    proprio: (observation as number[]).slice(0, n),
    proprioNames: names.slice(0, n),
  };
}

/**
 * The ground truth now: the task's state predicate. A task whose verify() judges from pixels itself (pusht-arm)
 * reports its state predicate as the metric `gtSuccess`, which is taken instead.
 */
export function groundTruth(v: Verification): SnapshotLabel {
  const gt = v.metrics.gtSuccess;
  if (typeof gt === "boolean" && gt !== v.success) {
    return { success: gt, reason: gt ? null : (v.reason ?? "the state predicate says failure") };
  }
  return { success: typeof gt === "boolean" ? gt : v.success, reason: v.reason };
}

/**
 * A labelled snapshot of the env now: verify() is asked first (a station like pusht-arm moves its arm out of view
 * to be judged), then every camera is rendered.
 * @example const s = captureSnapshot(env, { seed: 7, trial: "heuristic/seed-7", policy: "heuristic", step: 40, final: true });
 */
export function captureSnapshot<O, A>(
  env: Env<O, A>,
  origin: LabelledSnapshot["origin"],
  opts: { size?: number; depth?: boolean; verification?: Verification } = {},
): LabelledSnapshot {
  const label = groundTruth(opts.verification ?? env.verify());
  return { ...snapshotInput(env, opts), label, origin };
}
