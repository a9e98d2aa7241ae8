import { z } from "zod";
import { SafetyStopSchema, VerificationSchema } from "./env.js";

/**
 * How a trial ended, as a discriminated union: the verifier's verdict, a safety stop, or a policy failure.
 * Every kind is a final, recorded outcome; only "success" counts as a success.
 */
export const TrialOutcomeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("success"), score: z.number().nullable() }),
  z.object({ kind: z.literal("failure"), score: z.number().nullable(), reason: z.string() }),
  z.object({ kind: z.literal("safety"), score: z.number().nullable(), reason: z.string(), stop: SafetyStopSchema }),
  z.object({
    kind: z.literal("policy-error"),
    score: z.number().nullable(),
    reason: z.string(), // e.g. "policy did not answer within 200 ms at step 12"
    error: z.enum(["threw", "deadline", "memory", "load", "bad-action"]),
  }),
]);
export type TrialOutcome = z.infer<typeof TrialOutcomeSchema>;

export const TerminationSchema = z.enum(["terminated", "truncated", "max_steps", "safety", "policy-error"]);
export type Termination = z.infer<typeof TerminationSchema>;

/** result.json of one trial directory. */
export const TrialResultSchema = z.object({
  schema: z.literal("enpire.trial-result/1"),
  runId: z.string(),
  index: z.number().int().nonnegative(), // position in the run, 0-based
  seed: z.number().int().nonnegative(),
  task: z.object({ id: z.string(), version: z.number().int() }),
  evalFingerprint: z.string(), // sha256 of the task's evaluation side
  policy: z.object({ name: z.string(), path: z.string().nullable(), sha256: z.string() }),
  envStack: z.string(), // wrapper stack, e.g. "safety(clip-action(pusht@1))"
  outcome: TrialOutcomeSchema,
  success: z.boolean(), // outcome.kind === "success"
  steps: z.number().int().nonnegative(),
  totalReward: z.number(),
  maxReward: z.number(), // Diffusion Policy's per-episode score
  termination: TerminationSchema,
  verification: VerificationSchema,
  startedAt: z.string(), // ISO 8601
  elapsedMs: z.number().nonnegative(),
  video: z.string().nullable(), // file name inside the trial directory
});
export type TrialResult = z.infer<typeof TrialResultSchema>;

/** One line of events.jsonl. */
export const TrialEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("reset"), t: z.number(), seed: z.number().int(), observation: z.unknown() }),
  z.object({
    event: z.literal("step"),
    t: z.number(), // ms since the trial started
    index: z.number().int().nonnegative(),
    action: z.unknown(),
    reward: z.number(),
    terminated: z.boolean(),
    truncated: z.boolean(),
    observation: z.unknown(), // state observations are kept; pixel observations are summarised
    info: z.record(z.string(), z.unknown()),
  }),
  z.object({ event: z.literal("log"), t: z.number(), index: z.number().int(), lines: z.array(z.string()) }),
  z.object({ event: z.literal("policy-error"), t: z.number(), index: z.number().int(), reason: z.string() }),
  z.object({ event: z.literal("verify"), t: z.number(), verification: VerificationSchema }),
]);
export type TrialEvent = z.infer<typeof TrialEventSchema>;
