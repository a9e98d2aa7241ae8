/**
 * The station protocol, version 1: one robot (simulated or real) behind HTTP/JSON, with endpoints named and meant as
 * ENPIRE's station servers name them (health/healthz, help, status, start, restart, home, pause/resume, avoid).
 * docs/station-protocol.md is the same protocol as a spec a lab implements in any language; this file is its
 * schemas, so the server and the client parse every body with the same definitions.
 *
 * The trial job and its output are opaque objects here (env does not know the rollout engine): the station parses
 * `job` with TrialJobSchema and the client parses a result with TrialOutputSchema (both in rollout/job.ts).
 *
 * Compatibility: a client ignores fields it does not know, so a station may add fields within a version; renaming
 * or removing one, or changing its meaning, bumps PROTOCOL_VERSION.
 */
import { z } from "zod";

/** Bumped by any change a version-1 client could misread. Sent in /health, /help and /status. */
export const PROTOCOL_VERSION = 1;

/**
 * Where the station is in a trial's cycle (ENPIRE's supervisor phases; its rl_running / reset_running are running /
 * resetting here): idle → queued → running → resetting → done | failed, then queued again on the next start.
 */
export const PhaseSchema = z.enum(["idle", "queued", "running", "resetting", "done", "failed"]);
export type Phase = z.infer<typeof PhaseSchema>;
/** Phases in which a job holds the station: start, home, avoid and restart are refused (409 busy). */
export const BUSY_PHASES: readonly Phase[] = ["queued", "running", "resetting"];

/** The station's control calls besides start. Those in CONFIRM_ACTIONS can move the robot. */
export const ControlActionSchema = z.enum(["home", "pause", "resume", "avoid", "restart"]);
export type ControlAction = z.infer<typeof ControlActionSchema>;
/** Calls that can move the robot; each needs `"confirm": true` in its body, or is refused with 400. */
export const CONFIRM_ACTIONS: readonly string[] = ["start", "home", "resume", "avoid", "restart"];

/** Every error is `{ "error": { code, message, field? } }`; a client matches on code, a person reads message. */
export const ERROR_CODES = {
  "bad-json": 400, // the body is not JSON
  "confirm-required": 400, // a motion-capable call without "confirm": true
  "invalid-body": 400, // a field is missing or has the wrong type; `field` names it, e.g. "job.seed"
  "not-found": 404, // no such endpoint (or this task has no /avoid)
  "unknown-job": 404, // GET /result/:jobId for a job this station never ran
  "no-video": 404, // the job asked for no video, or its trial produced no frames
  "method-not-allowed": 405, // the path exists with another method; the Allow header lists it
  busy: 409, // a job holds the station (phases queued, running, resetting)
  paused: 409, // POST /pause was called; POST /resume first
  parked: 409, // POST /avoid parked the arm out of the camera's view; POST /resume first
  "job-not-finished": 409, // GET /result/:jobId before the job is done
  "job-failed": 409, // GET /result/:jobId of a failed job; `message` says why it failed
  "body-too-large": 413,
  "task-mismatch": 422, // the job is for another task or task version than this station runs
  "fingerprint-mismatch": 422, // the job's evalFingerprint differs from the station's evaluation side
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** A station may send codes this client does not know; they are kept as strings. */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

const isoTime = z.string(); // ISO 8601 with a time zone, e.g. "2026-05-01T12:00:00.000Z"

export const TaskRefSchema = z.object({
  id: z.string(), // e.g. "pusht"
  version: z.number().int().nonnegative(),
  evalFingerprint: z.string(), // hex sha256 of the station's evaluation side; a job must carry the same
});

/** The job that holds (or last held) the station. */
export const JobRefSchema = z.object({
  id: z.string(), // the station's id for this start, [A-Za-z0-9-]{1,80}
  runId: z.string(),
  index: z.number().int().nonnegative(), // the trial's index in its run
  seed: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  startedAt: isoTime, // when the station accepted it
  finishedAt: isoTime.nullable(), // when it reached done or failed
});
export type JobRef = z.infer<typeof JobRefSchema>;

export const StationErrorSchema = z.object({
  code: z.string(), // "reset-failed", "policy-load", "station-error", or a lab's own
  message: z.string(),
  jobId: z.string().nullable(),
  at: isoTime,
});

/** GET /status. `rolloutDir` is a path on the station's machine, for people and for the lab's own tools. */
export const StatusSchema = z.object({
  protocolVersion: z.number().int().positive(),
  station: z.string(), // the name it records in every trial, e.g. "pusht@127.0.0.1:8203"
  task: TaskRefSchema,
  phase: PhaseSchema,
  phaseSince: isoTime,
  job: JobRefSchema.nullable(), // null until the first start after the station came up
  lastError: StationErrorSchema.nullable(), // the latest failed job or control call, kept until the next one
  rolloutDir: z.string(),
  paused: z.boolean(), // POST /pause: no start until POST /resume
  parked: z.boolean(), // POST /avoid: the arm is out of the camera's view; no start until POST /resume
  avoid: z.boolean(), // whether this station's task has POST /avoid
  counters: z.object({
    started: z.number().int().nonnegative(), // starts accepted (202)
    done: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    refused: z.number().int().nonnegative(), // starts answered 409 or 422
    rollouts: z.number().int().positive(), // rollout directories opened by this process (1 + restarts)
  }),
});
export type Status = z.infer<typeof StatusSchema>;

export const HealthSchema = z.object({
  ok: z.literal(true),
  protocolVersion: z.number().int().positive(),
  station: z.string(),
  task: TaskRefSchema,
  phase: PhaseSchema,
});
export type Health = z.infer<typeof HealthSchema>;

/** Motion-capable calls carry this; anything but `true` is refused. */
const confirm = z.literal(true);

/** POST /start. `job` is an enpire.trial-job/1 object (see GET /help's schemas.TrialJob). */
export const StartRequestSchema = z.strictObject({
  confirm,
  job: z.record(z.string(), z.unknown()),
});

/** 202 Accepted: the job holds the station; poll GET /status, then GET /result/:jobId. */
export const StartResponseSchema = z.object({
  jobId: z.string(),
  phase: PhaseSchema,
  rolloutDir: z.string(),
  result: z.string(), // the path of the result, "/result/<jobId>"
});
export type StartResponse = z.infer<typeof StartResponseSchema>;

/** POST /home, /resume, /avoid. */
export const ConfirmRequestSchema = z.strictObject({ confirm });
/** POST /pause: stopping moves nothing, so confirmation is optional. */
export const PauseRequestSchema = z.strictObject({ confirm: z.boolean().optional() });
/** POST /restart: an optional label names the new rollout directory, e.g. the hypothesis it holds. */
export const RestartRequestSchema = z.strictObject({
  confirm,
  label: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "1 to 64 letters, digits, '.', '_' or '-'")
    .optional(),
});

/** Every control call answers the same shape: what it did, and the status after it. */
export const ControlResponseSchema = z.object({
  ok: z.literal(true),
  action: ControlActionSchema,
  message: z.string(), // a sentence for people, e.g. "arm parked out of the camera's view; POST /resume to go on"
  rolloutDir: z.string(), // for restart: the fresh directory (ENPIRE's run_dir)
  status: StatusSchema,
});
export type ControlResponse = z.infer<typeof ControlResponseSchema>;

export interface Endpoint {
  method: "GET" | "POST";
  path: string; // ":jobId" marks a path parameter
  summary: string;
  confirm: boolean; // needs "confirm": true in the body
  request: z.ZodType | null; // null: no body
  response: z.ZodType | string; // a schema, or what the body is when it is not JSON of ours
}

/** The endpoints of protocol version 1, in the order GET /help lists them. */
export const ENDPOINTS: readonly Endpoint[] = [
  {
    method: "GET",
    path: "/health",
    summary: "liveness: answers at once",
    confirm: false,
    request: null,
    response: HealthSchema,
  },
  {
    method: "GET",
    path: "/healthz",
    summary: "the same as /health",
    confirm: false,
    request: null,
    response: HealthSchema,
  },
  {
    method: "GET",
    path: "/help",
    summary: "this list, with the body schemas",
    confirm: false,
    request: null,
    response: "this description: endpoints, schemas.TrialJob, schemas.TrialOutput, errors",
  },
  {
    method: "GET",
    path: "/status",
    summary: "phase, current job, counters, rollout directory",
    confirm: false,
    request: null,
    response: StatusSchema,
  },
  {
    method: "POST",
    path: "/start",
    summary: "run one trial job; 202 with its jobId, 409 when busy, paused or parked",
    confirm: true,
    request: StartRequestSchema,
    response: StartResponseSchema,
  },
  {
    method: "GET",
    path: "/result/:jobId",
    summary: "the trial's output (enpire.trial-output/1) once the job is done",
    confirm: false,
    request: null,
    response: "a TrialOutput (see schemas.TrialOutput)",
  },
  {
    method: "GET",
    path: "/result/:jobId/video.mp4",
    summary: "the trial's video (H.264 mp4)",
    confirm: false,
    request: null,
    response: "video/mp4 bytes (H.264)",
  },
  {
    method: "POST",
    path: "/restart",
    summary: "open a fresh rollout directory and return its path",
    confirm: true,
    request: RestartRequestSchema,
    response: ControlResponseSchema,
  },
  {
    method: "POST",
    path: "/home",
    summary: "return the arm to its home configuration",
    confirm: true,
    request: ConfirmRequestSchema,
    response: ControlResponseSchema,
  },
  {
    method: "POST",
    path: "/pause",
    summary: "refuse starts until resume; a running trial finishes",
    confirm: false,
    request: PauseRequestSchema,
    response: ControlResponseSchema,
  },
  {
    method: "POST",
    path: "/resume",
    summary: "undo pause and avoid: the arm returns and starts are accepted",
    confirm: true,
    request: ConfirmRequestSchema,
    response: ControlResponseSchema,
  },
  {
    method: "POST",
    path: "/avoid",
    summary: "Push-T: back the arm out of the camera's view; no start until resume",
    confirm: true,
    request: ConfirmRequestSchema,
    response: ControlResponseSchema,
  },
];

/**
 * The first problem zod found, as the field it concerns ("job.seed"; "" for the body itself) and a sentence.
 * `prefix` is the path of the parsed value inside the body, e.g. "job".
 * @example describeIssue(StartRequestSchema.safeParse({ confirm: true }).error!) // { field: "job", message: … }
 */
export function describeIssue(error: z.ZodError, prefix = ""): { field: string; message: string } {
  const issue = error.issues[0];
  const at = (parts: PropertyKey[]) => [prefix, ...parts.map(String)].filter((p) => p !== "").join(".");
  if (!issue) return { field: prefix, message: "the body does not match the schema" };
  if (issue.code === "unrecognized_keys") {
    const field = at([...issue.path, issue.keys[0]]);
    return { field, message: `unknown field "${field}"` };
  }
  const field = at(issue.path);
  return { field, message: field ? `field "${field}": ${issue.message}` : issue.message };
}
