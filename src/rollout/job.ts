import { z } from "zod";
import { VerificationSchema } from "../core/env.js";
import { TerminationSchema, TrialEventSchema, TrialOutcomeSchema } from "../core/trial.js";
import type { EnvVariant } from "../env/registry.js";

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
  video: z.object({ size: z.number().int().positive(), fps: z.number().positive() }).nullable(),
});
export type TrialJob = z.infer<typeof TrialJobSchema>;

/** The task variant a job asks for (its reset mode and verifier; the defaults when absent). */
export function jobVariant(job: Pick<TrialJob, "reset" | "verifier">): EnvVariant {
  return { reset: job.reset ?? undefined, verifier: job.verifier ?? undefined };
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
});
export type TrialOutput = z.infer<typeof TrialOutputSchema>;

/**
 * A trial's video as it leaves the station: raw RGB frames from a station in this process's threads (encoded by the
 * recorder, off the station's critical path), or an encoded mp4 from a remote station.
 */
export type TrialVideo =
  | { format: "rgb24"; width: number; height: number; fps: number; frames: Uint8Array[] }
  | { format: "mp4"; bytes: Uint8Array };
