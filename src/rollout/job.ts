import { z } from "zod";
import { type Env, VerificationSchema } from "../core/env.js";
import { TerminationSchema, TrialEventSchema, TrialOutcomeSchema } from "../core/trial.js";
import type { EnvVariant } from "../env/registry.js";

/** A camera name that can be part of a file name (video-<camera>.mp4), e.g. "right_wrist_cam". */
export const CameraNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "a camera name is 1 to 64 letters, digits, _ or -");

/** The file name of one extra camera's video inside a trial directory: video-<camera>.mp4. */
export function cameraVideoFile(camera: string): string {
  return `video-${CameraNameSchema.parse(camera)}.mp4`;
}

/** The camera a camera video file holds (video-<camera>.mp4), or null for any other file name. */
export function cameraOfVideoFile(file: string): string | null {
  const m = /^video-([A-Za-z0-9_-]{1,64})\.mp4$/.exec(file);
  return m ? m[1] : null;
}

/** Smallest side of an extra camera's video, px. */
export const MIN_CAMERA_VIDEO_SIZE = 96;

/**
 * The side of the extra cameras' videos when a job names none: half the main video's, at least 96 px (and never
 * more than the main video's), even for yuv420p. Raw frames wait in memory until encoded, so the extra cameras are
 * recorded smaller: at 256 px, four 128 px cameras hold as many bytes as the main video.
 */
export function cameraVideoSize(mainSize: number): number {
  const half = Math.max(MIN_CAMERA_VIDEO_SIZE, Math.floor(mainSize / 2));
  const size = Math.min(half, mainSize);
  return size % 2 === 0 || size === 1 ? size : size - 1;
}

/**
 * The cameras recorded beside the main video when a job does not name them: every camera of the env but the first,
 * whose view the main video already shows (`render`); none for an env without named cameras (Push-T).
 */
export function defaultVideoCameras(env: Pick<Env, "cameraNames" | "renderCamera">): string[] {
  if (!env.cameraNames || !env.renderCamera) return [];
  return env.cameraNames().slice(1);
}

/**
 * A trial job: everything a station needs to run one trial, as plain data, so the same job can go to a worker
 * thread, a station behind HTTP, or a worker on another machine through the job queue. The station rebuilds the task
 * (its own reset and verifier) and the sandboxed policy from it; it never needs the run store.
 */
export const TrialJobSchema = z.object({
  schema: z.literal("enpire.trial-job/1"),
  runId: z.string(),
  index: z.number().int().nonnegative(), // the trial's index in the run (its directory number)
  seed: z.number().int().nonnegative(),
  attempt: z.number().int().positive(), // 1, or k + 1 after k interruptions of this seed
  task: z.object({ id: z.string(), version: z.number().int() }),
  evalFingerprint: z.string(), // the station refuses a job whose fingerprint differs from its own task's
  obsType: z.string().nullable(),
  /** The task's variant (env/registry.ts EnvVariant); absent or null: the default (state reset, state predicate). */
  reset: z.enum(["state", "procedural"]).nullish(),
  verifier: z.enum(["state", "pixel"]).nullish(),
  tools: z.enum(["standard", "oracle"]).nullish(),
  policy: z.object({
    name: z.string(),
    path: z.string(),
    source: z.string(),
    code: z.string(), // the bundled policy (see policy/sandbox/bundle.ts)
    sha256: z.string(),
    map: z.object({ mappings: z.string(), sources: z.array(z.string()) }),
  }),
  maxSteps: z.number().int().positive(),
  tries: z.number().int().positive(), // in-context tries per episode (ENPIRE's pass@k); 1 = plain episodes
  stepDeadlineMs: z.number().int().positive(),
  memoryLimitMb: z.number().int().positive(),
  safety: z
    .object({
      deltaCap: z.array(z.number()).optional(),
      box: z.object({ low: z.array(z.number()), high: z.array(z.number()) }).optional(),
    })
    .nullable(),
  video: z
    .object({
      size: z.number().int().positive(), // px, the main video's (video.mp4: the env's render view)
      fps: z.number().positive(),
      /**
       * More cameras, each recorded to video-<camera>.mp4 beside video.mp4. Absent: every camera of the env but the
       * one the main video shows (see defaultVideoCameras); [] none. An env without named cameras records none.
       */
      cameras: z.array(CameraNameSchema).optional(),
      cameraSize: z.number().int().positive().optional(), // px of the extra cameras; absent: cameraVideoSize(size)
    })
    .nullable(),
});
export type TrialJob = z.infer<typeof TrialJobSchema>;

/** The task variant a job (or a run's options) asks for: its reset mode, verifier and tool mode; defaults when absent. */
export function jobVariant(job: Pick<TrialJob, "reset" | "verifier" | "tools">): EnvVariant {
  return { reset: job.reset ?? undefined, verifier: job.verifier ?? undefined, tools: job.tools ?? undefined };
}

/** What a station hands back for a job (the JSON part; video bytes travel beside it, see TrialVideo). */
export const TrialOutputSchema = z.object({
  schema: z.literal("enpire.trial-output/1"),
  runId: z.string(),
  index: z.number().int().nonnegative(),
  seed: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  station: z.string(),
  envStack: z.string(),
  startedAt: z.string(), // ISO 8601, when the station began the trial (reset included)
  elapsedMs: z.number().nonnegative(),
  outcome: TrialOutcomeSchema,
  success: z.boolean(),
  steps: z.number().int().nonnegative(),
  totalReward: z.number(),
  maxReward: z.number(),
  termination: TerminationSchema,
  verification: VerificationSchema,
  tries: z.array(z.object({ steps: z.number().int(), success: z.boolean(), maxReward: z.number() })),
  events: z.array(TrialEventSchema),
  /** The extra cameras whose videos travel beside the main one, in order; absent: none (see TrialVideo). */
  videoCameras: z.array(CameraNameSchema).optional(),
});
export type TrialOutput = z.infer<typeof TrialOutputSchema>;

/**
 * A trial's video as it leaves the station: raw RGB frames from a station in this process's threads (encoded by the
 * recorder, off the station's critical path), or an encoded mp4 from a remote station.
 */
export type TrialVideo =
  | { format: "rgb24"; width: number; height: number; fps: number; frames: Uint8Array[]; cameras?: CameraFrames[] }
  | { format: "mp4"; bytes: Uint8Array; cameras?: CameraMp4[] };

/** One extra camera's raw frames (size × size × 3 RGB bytes each), at the main video's rate. */
export interface CameraFrames {
  camera: string;
  size: number; // px
  frames: Uint8Array[];
}

/** One extra camera's encoded video. */
export interface CameraMp4 {
  camera: string;
  bytes: Uint8Array;
}
