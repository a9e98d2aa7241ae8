import { z } from "zod";
import { SafetyStopSchema, VerificationSchema } from "./env.js";

/**
 * How a trial ended, as a discriminated union: the verifier's verdict, a safety stop, a policy failure, or an
 * interruption (the station faulted or crashed mid-trial). Every kind is kept. Only "success" counts as a success;
 * "interrupted" counts as neither success nor failure, and its seed is run again (see `counted`).
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
  z.object({
    kind: z.literal("interrupted"),
    score: z.null(),
    reason: z.string(), // e.g. "station sim-2 stopped answering GET /status for 5000 ms"
  }),
]);
export type TrialOutcome = z.infer<typeof TrialOutcomeSchema>;

export const TerminationSchema = z.enum([
  "terminated",
  "truncated",
  "max_steps",
  "safety",
  "policy-error",
  "interrupted",
  "script-end", // an episode script returned before the step limit
]);
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
  station: z.string().nullable(), // the station that ran it, e.g. "sim-0" or "http://127.0.0.1:8203"
  attempt: z.number().int().positive().default(1), // 1, or k + 1 when this seed was interrupted k times before
  outcome: TrialOutcomeSchema,
  success: z.boolean(), // outcome.kind === "success"
  counted: z.boolean().default(true), // false only for "interrupted": excluded from every statistic
  steps: z.number().int().nonnegative(),
  totalReward: z.number(),
  maxReward: z.number(), // Diffusion Policy's per-episode score
  termination: TerminationSchema,
  verification: VerificationSchema,
  /**
   * In-context tries within this one episode (ENPIRE's pass@k): after a failed try the episode goes on from the
   * state the failure left, without a reset. One entry when retries are off.
   */
  tries: z
    .array(z.object({ steps: z.number().int().nonnegative(), success: z.boolean(), maxReward: z.number() }))
    .default([]),
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
  // one host tool call by a code policy (ctx.tools.<namespace>.<name>), timed on the host
  z.object({
    event: z.literal("tool"),
    t: z.number(), // ms since the trial started, when the call began
    index: z.number().int(), // the step whose act() made the call
    tool: z.string(), // "namespace.name", e.g. "pusht.perceive"
    ms: z.number().nonnegative(), // how long the tool ran
    ok: z.boolean(),
    error: z.string().optional(), // why it failed, as the policy's Error says
    args: z.array(z.unknown()).optional(), // large arrays summarised as { kind, length }
    result: z.unknown().optional(), // likewise; absent when the call failed
  }),
  z.object({ event: z.literal("policy-error"), t: z.number(), index: z.number().int(), reason: z.string() }),
  z.object({ event: z.literal("verify"), t: z.number(), verification: VerificationSchema }),
  // a new in-context try begins after a failed one, from the state it left (no reset)
  z.object({ event: z.literal("retry"), t: z.number(), try: z.number().int().positive(), step: z.number().int() }),
]);
export type TrialEvent = z.infer<typeof TrialEventSchema>;

/** Arrays and typed arrays longer than this are replaced by `{ kind, length }` in trial events. */
export const EVENT_ARRAY_MAX_LENGTH = 64;

/**
 * A value as trial events keep it (observations, actions, tool arguments and answers): small numbers and arrays
 * whole, arrays and typed arrays longer than EVENT_ARRAY_MAX_LENGTH (pixels) replaced by a description.
 * @example summariseForEvents({ pixels: new Uint8Array(27648), agent_pos: [1, 2] }) // { pixels: { kind: "Uint8Array", length: 27648 }, agent_pos: [1, 2] }
 */
export function summariseForEvents(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number>;
    return arr.length <= EVENT_ARRAY_MAX_LENGTH
      ? Array.from(arr)
      : { kind: value.constructor.name, length: arr.length };
  }
  if (Array.isArray(value))
    return value.length <= EVENT_ARRAY_MAX_LENGTH
      ? value.map(summariseForEvents)
      : { kind: "Array", length: value.length };
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = summariseForEvents(v);
    return out;
  }
  return value;
}
