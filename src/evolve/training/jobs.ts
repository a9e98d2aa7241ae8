/**
 * Training jobs: a training run the harness tracks, one directory per job under the run store.
 *
 *   <store>/training/<jobId>/job.json            what was asked, the data used, status, resources, checkpoints, result
 *   <store>/training/<jobId>/progress.jsonl      one TrainProgress line per report of the trainer
 *   <store>/training/<jobId>/checkpoints/step-N/ a policy folder (writeNeuralPolicy) per checkpoint
 *   <store>/training/<jobId>/policy/             the final policy folder: `enpire run --policy <it>/policy.ts`
 *
 * job.json is replaced atomically (written beside, then renamed), so a reader never sees half of it. A crash can
 * still stop a job between two writes: a job marked queued or running whose process is gone reads as failed
 * ("process exited without finishing"), so no job claims to be running forever.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { processAlive } from "../../core/process.js";

export const ALGORITHMS = ["bc", "ibc", "td3bc", "sac"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** What a job was asked to do: everything the process that runs it needs, and nothing else. */
export const TrainRequestSchema = z.object({
  algorithm: z.enum(ALGORITHMS),
  task: z.string().min(1).default("pusht"),
  runs: z.array(z.string().min(1)).default([]).describe("run ids (or prefixes) whose recorded trials are the data"),
  lerobot: z.string().nullable().default(null).describe("a LeRobotDataset v3.0 folder to train on instead"),
  allOutcomes: z.boolean().default(false).describe("bc/ibc: train on every counted trial, not only successes"),
  net: z.enum(["mlp", "conv"]).default("mlp").describe("bc/ibc: MLP on states, or a conv net on 96 px images"),
  budgetS: z.number().positive().default(60).describe("wall-clock budget of the whole job, s"),
  steps: z.number().int().positive().nullable().default(null).describe("gradient steps (per round for ibc/sac)"),
  seed: z.number().int().nonnegative().default(0),
  rounds: z.number().int().positive().default(3).describe("ibc/sac: collect → train rounds"),
  episodesPerRound: z.number().int().positive().default(10).describe("ibc/sac: episodes run on stations per round"),
  stations: z.number().int().positive().max(64).default(1).describe("ibc/sac: simulated stations for the rounds"),
  checkpointEvery: z.number().int().positive().nullable().default(null).describe("gradient steps between checkpoints"),
  evalEpisodes: z.number().int().nonnegative().default(0).describe("evaluate the final policy on held-out seeds"),
  hyper: z.record(z.string(), z.unknown()).default({}).describe("overrides of the algorithm's hyperparameters"),
  project: z.string().nullable().default(null).describe("research project whose ledger records the job"),
  branch: z.string().nullable().default(null).describe("the branch the ledger entries are filed under"),
  agent: z.string().nullable().default(null).describe("who asked for the job, for the ledger"),
});
export type TrainRequest = z.infer<typeof TrainRequestSchema>;
export type TrainRequestInput = z.input<typeof TrainRequestSchema>;

const DataSourceSchema = z.object({
  runId: z.string(),
  trials: z.number().int(),
  episodes: z.number().int(),
  steps: z.number().int(),
});

const EvaluationSchema = z.object({
  runId: z.string(),
  seedStart: z.number().int(),
  episodes: z.number().int(),
  successes: z.number().int(),
  successRate: z.number().nullable(),
  wilson95: z.object({ low: z.number(), high: z.number() }),
  meanMaxReward: z.number().nullable(),
});
export type JobEvaluation = z.infer<typeof EvaluationSchema>;

export const JOB_STATUSES = ["queued", "running", "finished", "failed", "stopped"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TrainingJobSchema = z.object({
  schema: z.literal("enpire.training-job/1"),
  id: z.string(),
  createdAt: z.string(),
  algorithm: z.enum(ALGORITHMS),
  request: TrainRequestSchema,
  /** The algorithm's hyperparameters as used (defaults with the request's overrides). */
  hyperparameters: z.record(z.string(), z.unknown()).nullable(),
  data: z
    .object({
      sources: z.array(DataSourceSchema),
      lerobot: z.string().nullable(),
      size: z.number().int(), // rows the (last) training saw
      sha256: z.string(),
    })
    .nullable(),
  /** ibc and sac: each round's collection run and what it added. */
  rounds: z.array(
    z.object({
      round: z.number().int(),
      runId: z.string(),
      episodes: z.number().int(),
      successes: z.number().int(),
      meanMaxReward: z.number().nullable(),
      addedSteps: z.number().int(),
      dataSize: z.number().int(),
      dataSha256: z.string().nullable(),
    }),
  ),
  budget: z.object({ wallClockS: z.number(), steps: z.number().int().nullable() }),
  status: z.enum(JOB_STATUSES),
  pid: z.number().int().nullable(),
  host: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  cpu: z.object({ userMs: z.number(), systemMs: z.number() }),
  peakRssMb: z.number(),
  device: z.string(),
  steps: z.number().int(),
  samples: z.number().int(),
  samplesPerS: z.number(),
  checkpoints: z.array(z.object({ step: z.number().int(), dir: z.string(), sha256: z.string() })),
  result: z.object({ policyFile: z.string(), sha256: z.string() }).nullable(),
  evaluation: EvaluationSchema.nullable(),
  error: z.string().nullable(),
});
export type TrainingJob = z.infer<typeof TrainingJobSchema>;

/** The directory holding every job of a store. */
export function jobsRoot(storeRoot: string): string {
  return path.join(storeRoot, "training");
}

export function jobDir(storeRoot: string, id: string): string {
  return path.join(jobsRoot(storeRoot), id);
}

/** A new job id: time, algorithm and a random tail, e.g. 20260101T120000-bc-a1b2c3 (sorts by creation). */
function newJobId(algorithm: Algorithm): string {
  const t = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "");
  return `${t}-${algorithm}-${randomBytes(3).toString("hex")}`;
}

/**
 * Creates a queued job (its directory and job.json) for a request, checked by its schema.
 * @example const job = createJob(store.root, { algorithm: "bc", runs: ["20260101T120000"] });
 */
export function createJob(storeRoot: string, raw: TrainRequestInput): TrainingJob {
  const parsed = TrainRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`training request: ${z.prettifyError(parsed.error)}`);
  const request = parsed.data;
  if (request.algorithm !== "sac" && request.runs.length === 0 && request.lerobot === null) {
    throw new InvalidInputError(
      `${request.algorithm} trains on recorded data: give runs (--runs R1,R2) or --lerobot DIR`,
    );
  }
  if (request.lerobot !== null && request.runs.length > 0) {
    throw new InvalidInputError("give either runs or a LeRobot folder, not both");
  }
  fs.mkdirSync(jobsRoot(storeRoot), { recursive: true });
  let id = newJobId(request.algorithm);
  while (fs.existsSync(jobDir(storeRoot, id))) id = newJobId(request.algorithm);
  fs.mkdirSync(jobDir(storeRoot, id));
  const job: TrainingJob = {
    schema: "enpire.training-job/1",
    id,
    createdAt: new Date().toISOString(),
    algorithm: request.algorithm,
    request,
    hyperparameters: null,
    data: null,
    rounds: [],
    budget: { wallClockS: request.budgetS, steps: request.steps },
    status: "queued",
    pid: null,
    host: os.hostname(),
    startedAt: null,
    endedAt: null,
    cpu: { userMs: 0, systemMs: 0 },
    peakRssMb: 0,
    device: "cpu",
    steps: 0,
    samples: 0,
    samplesPerS: 0,
    checkpoints: [],
    result: null,
    evaluation: null,
    error: null,
  };
  writeJob(storeRoot, job);
  return job;
}

/** Replaces job.json atomically. */
export function writeJob(storeRoot: string, job: TrainingJob): void {
  const file = path.join(jobDir(storeRoot, job.id), "job.json");
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`;
  fs.writeFileSync(tmp, `${JSON.stringify(TrainingJobSchema.parse(job), null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Appends one progress line to the job's progress.jsonl. */
export function appendProgress(storeRoot: string, id: string, line: Record<string, unknown>): void {
  fs.appendFileSync(path.join(jobDir(storeRoot, id), "progress.jsonl"), `${JSON.stringify(line)}\n`);
}

/** The job's progress lines, oldest first (the last `limit` when given). */
export function readProgress(storeRoot: string, id: string, limit?: number): Record<string, unknown>[] {
  const file = path.join(jobDir(storeRoot, id), "progress.jsonl");
  if (!fs.existsSync(file)) return [];
  const lines = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim());
  const chosen = limit === undefined ? lines : lines.slice(-limit);
  return chosen.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return []; // a line torn by a crash mid-append
    }
  });
}

/** Queued jobs whose launcher never recorded a process are given this long to start. */
const QUEUED_GRACE_MS = 120_000;

/**
 * Reads a job by id or unambiguous prefix. A job marked queued or running whose process is gone reads as failed.
 * @example readJob(store.root, "20260101T120000-bc").status // "finished"
 */
export function readJob(storeRoot: string, idOrPrefix: string): TrainingJob {
  const id = resolveJobId(storeRoot, idOrPrefix);
  const job = TrainingJobSchema.parse(
    JSON.parse(fs.readFileSync(path.join(jobDir(storeRoot, id), "job.json"), "utf8")),
  );
  return withLiveness(job);
}

/** Every job of the store, newest first. */
export function listJobs(storeRoot: string): TrainingJob[] {
  const root = jobsRoot(storeRoot);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((name) => fs.existsSync(path.join(root, name, "job.json")))
    .sort()
    .reverse()
    .map((name) => readJob(storeRoot, name));
}

function resolveJobId(storeRoot: string, idOrPrefix: string): string {
  const root = jobsRoot(storeRoot);
  const all = fs.existsSync(root) ? fs.readdirSync(root).filter((n) => !n.startsWith(".")) : [];
  if (all.includes(idOrPrefix)) return idOrPrefix;
  const matches = all.filter((n) => n.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new InvalidInputError(
      `no training job "${idOrPrefix}" in ${root}${all.length ? `; latest: ${all.sort().slice(-5).join(", ")}` : " (none yet)"}`,
    );
  }
  throw new InvalidInputError(`"${idOrPrefix}" matches ${matches.length} jobs: ${matches.join(", ")}`);
}

function withLiveness(job: TrainingJob): TrainingJob {
  const unfinished = job.status === "running" || job.status === "queued";
  if (!unfinished) return job;
  if (job.host !== os.hostname()) return job; // a process on another host cannot be checked from here
  const gone = job.pid !== null ? !processAlive(job.pid) : Date.now() - Date.parse(job.createdAt) > QUEUED_GRACE_MS;
  return gone ? { ...job, status: "failed", error: job.error ?? "process exited without finishing" } : job;
}
