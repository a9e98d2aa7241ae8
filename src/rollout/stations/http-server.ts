/**
 * A station behind HTTP: the station protocol (docs/station-protocol.md, schemas in env/station/protocol.ts) served
 * for one simulated task. One trial at a time, run on a ThreadStation (its own worker thread, with its watchdog), so
 * the station answers /status while it runs, as a robot's supervisor does. Every finished trial is kept on the
 * station's disk before it is reported done, so nothing is lost when the controller goes away:
 *
 *   <dir>/rollouts/<20260501T120000123Z-ab12[-label]>/rollout.json      one per POST /restart (and per start-up)
 *   <dir>/rollouts/<…>/trials/<jobId>/{job.json, output.json, video.mp4, video-<camera>.mp4…, error.json}
 *
 * A trial's extra cameras (output.videoCameras) are served as GET /result/<jobId>/video-<camera>.mp4.
 *
 * Loopback by default: binding another address is the caller's explicit choice (the protocol has no authentication).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { z } from "zod";
import { EnpireError, InvalidInputError, PolicyError } from "../../core/errors.js";
import { evalFingerprint, taskCapabilities, taskSpec } from "../../env/registry.js";
import {
  BUSY_PHASES,
  ConfirmRequestSchema,
  type ControlAction,
  type ControlResponse,
  describeIssue,
  ENDPOINTS,
  ERROR_CODES,
  type ErrorCode,
  type Health,
  type JobRef,
  PauseRequestSchema,
  type Phase,
  PROTOCOL_VERSION,
  RestartRequestSchema,
  StartRequestSchema,
  type StartResponse,
  type Status,
} from "../../env/station/protocol.js";
import {
  cameraVideoFile,
  jobVariant,
  type TrialJob,
  TrialJobSchema,
  type TrialOutput,
  TrialOutputSchema,
  type TrialVideo,
} from "../job.js";
import { type VideoOptions, VideoWriter } from "../video.js";
import { ThreadStation } from "./thread-station.js";

export const serverDefaults = {
  host: "127.0.0.1", // loopback: only this machine can reach the station
  port: 8203, // ENPIRE's Push-T supervisor port; 0 picks a free one
  resetMs: 0, // how long the scene reset after a trial takes (phase "resetting"); a simulated scene resets at once
  maxBodyBytes: 32 * 1024 * 1024, // a job carries its bundled policy
};

export interface StationServerOptions extends Partial<typeof serverDefaults> {
  taskId: string;
  /** The station's directory; rollout directories are made under <dir>/rollouts. */
  dir: string;
  /** The name recorded in every trial; default "<task>@<host>:<port>". */
  stationId?: string;
  /** Fault injection for tests of controllers: a reason makes the reset after this job fail (phase "failed"). */
  resetFailure?: (job: TrialJob) => string | null;
}

/** What the station remembers of a job (the job itself, with its policy, lives on disk once the trial is saved). */
interface JobEntry {
  ref: JobRef;
  dir: string; // the trial's directory once saved
  state: Phase;
  error: { code: string; message: string } | null;
  hasVideo: boolean;
}

type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { file: string; type: string; size: number };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

function fail(code: ErrorCode, message: string, field?: string): never {
  throw new HttpError(ERROR_CODES[code], code, message, field);
}

/**
 * Serves one task's station over HTTP until closed.
 * @example
 * const station = await StationServer.start({ taskId: "pusht", dir: ".enpire/stations/pusht", port: 0 });
 * console.log(station.url); // http://127.0.0.1:41234
 * await station.close();
 */
export class StationServer {
  readonly url: string;
  readonly id: string;
  private readonly task: Status["task"];
  private readonly options: typeof serverDefaults & StationServerOptions;
  private readonly thread: ThreadStation;
  private readonly jobs = new Map<string, JobEntry>();
  private phase: Phase = "idle";
  private phaseSince = new Date().toISOString();
  private current: JobEntry | null = null;
  private running: Promise<void> | null = null;
  private lastError: Status["lastError"] = null;
  private paused = false;
  private parked = false;
  private rolloutDir: string;
  private counters = { started: 0, done: 0, failed: 0, refused: 0, rollouts: 1 };
  private frozen: { promise: Promise<void>; release: () => void } | null = null;
  private helpBody: unknown;

  private constructor(
    private readonly http: http.Server,
    options: typeof serverDefaults & StationServerOptions,
    port: number,
    task: Status["task"],
  ) {
    this.options = options;
    this.task = task;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    this.url = `http://${host}:${port}`;
    this.id = options.stationId ?? `${task.id}@${options.host}:${port}`;
    this.thread = new ThreadStation(this.id);
    this.rolloutDir = this.openRollout(undefined);
    http.on("request", (req, res) => void this.handle(req, res));
  }

  /** Checks the task, binds host:port and opens a fresh rollout directory. */
  static async start(options: StationServerOptions): Promise<StationServer> {
    const o = { ...serverDefaults, ...options };
    const spec = taskSpec(o.taskId); // UnknownTaskError lists the known tasks
    const task = { id: spec.id, version: spec.version, evalFingerprint: evalFingerprint(o.taskId) };
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "EADDRINUSE"
            ? new InvalidInputError(`port ${o.port} on ${o.host} is in use; pick another --port, or 0 for a free one`)
            : new EnpireError(`cannot listen on ${o.host}:${o.port}: ${err.message}`, { cause: err }),
        ),
      );
      server.listen(o.port, o.host, () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    try {
      return new StationServer(server, o, port, task);
    } catch (err) {
      server.close();
      throw new EnpireError(`cannot open a rollout directory under ${path.resolve(o.dir)}: ${String(err)}`, {
        cause: err,
      });
    }
  }

  status(): Status {
    return {
      protocolVersion: PROTOCOL_VERSION,
      station: this.id,
      task: this.task,
      phase: this.phase,
      phaseSince: this.phaseSince,
      job: this.current ? { ...this.current.ref } : null,
      lastError: this.lastError,
      rolloutDir: this.rolloutDir,
      paused: this.paused,
      parked: this.parked,
      avoid: taskCapabilities(this.task.id).avoid,
      counters: { ...this.counters },
    };
  }

  /** Fault injection: stop answering (requests wait, connections stay open) until thaw(). A trial goes on. */
  freeze(): void {
    if (this.frozen) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.frozen = { promise, release };
  }

  thaw(): void {
    this.frozen?.release();
    this.frozen = null;
  }

  /** Stops listening, lets a running trial finish and be saved, then stops the worker thread. */
  async close(): Promise<void> {
    this.thaw();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
    await this.running;
    await this.thread.close();
  }

  // ---- requests ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      if (this.frozen) await this.frozen.promise;
      reply = await this.route(req);
    } catch (err) {
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, "internal", `station ${this.id}: ${err instanceof Error ? err.message : String(err)}`);
      reply = {
        status: e.status,
        json: { error: { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) } },
        headers: e.headers,
      };
    }
    if (res.destroyed) return;
    if ("file" in reply) {
      res.writeHead(200, { "content-type": reply.type, "content-length": reply.size, "cache-control": "no-store" });
      fs.createReadStream(reply.file)
        .on("error", () => res.destroy())
        .pipe(res);
      return;
    }
    const text = JSON.stringify(reply.json);
    res.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
      ...reply.headers,
    });
    res.end(text);
  }

  private async route(req: http.IncomingMessage): Promise<Reply> {
    const pathname = new URL(req.url ?? "/", "http://station").pathname.replace(/\/+$/, "") || "/";
    const result = /^\/result\/([^/]+)(\/video(?:-([A-Za-z0-9_-]{1,64}))?\.mp4)?$/.exec(pathname);
    const body = () => readJson(req, this.options.maxBodyBytes);
    const routes: Record<string, Partial<Record<"GET" | "POST", () => Reply | Promise<Reply>>>> = {
      "/health": { GET: () => ok(this.health()) },
      "/healthz": { GET: () => ok(this.health()) },
      "/help": { GET: () => ok(this.help()), POST: () => ok(this.help()) },
      "/status": { GET: () => ok(this.status()) },
      "/start": { POST: async () => this.start(await body()) },
      "/restart": { POST: async () => this.control("restart", await body()) },
      "/home": { POST: async () => this.control("home", await body()) },
      "/pause": { POST: async () => this.control("pause", await body()) },
      "/resume": { POST: async () => this.control("resume", await body()) },
    };
    if (taskCapabilities(this.task.id).avoid)
      routes["/avoid"] = { POST: async () => this.control("avoid", await body()) };
    const methods = result
      ? { GET: () => this.result(jobIdOf(result[1]), result[2] !== undefined, result[3]) }
      : routes[pathname];
    if (!methods) {
      const why = pathname === "/avoid" ? `; task ${this.task.id} has no /avoid` : "";
      fail("not-found", `no endpoint ${req.method} ${pathname}${why}; GET /help lists them`);
    }
    const method = req.method as "GET" | "POST";
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!handler) {
      const allow = Object.keys(methods).join(", ");
      throw new HttpError(405, "method-not-allowed", `${pathname} takes ${allow}, not ${req.method}`, undefined, {
        allow,
      });
    }
    return handler();
  }

  private health(): Health {
    return { ok: true, protocolVersion: PROTOCOL_VERSION, station: this.id, task: this.task, phase: this.phase };
  }

  private help(): unknown {
    this.helpBody ??= {
      protocolVersion: PROTOCOL_VERSION,
      station: this.id,
      task: this.task,
      confirm: 'calls that can move the robot (start, home, resume, avoid, restart) need "confirm": true in the body',
      endpoints: ENDPOINTS.filter((e) => e.path !== "/avoid" || taskCapabilities(this.task.id).avoid).map((e) => ({
        method: e.method,
        path: e.path,
        summary: e.summary,
        confirm: e.confirm,
        request: e.request ? z.toJSONSchema(e.request) : null,
        response: typeof e.response === "string" ? e.response : z.toJSONSchema(e.response),
      })),
      schemas: { TrialJob: z.toJSONSchema(TrialJobSchema), TrialOutput: z.toJSONSchema(TrialOutputSchema) },
      errors: ERROR_CODES,
    };
    return this.helpBody;
  }

  private start(body: unknown): Reply {
    requireConfirm("start", body);
    const request = parse(StartRequestSchema, body);
    const job = parse(TrialJobSchema, request.job, "job");
    const task = this.task;
    if (job.task.id !== task.id || job.task.version !== task.version) {
      this.counters.refused++;
      fail(
        "task-mismatch",
        `station ${this.id} runs ${task.id}@${task.version}; the job is for ${job.task.id}@${job.task.version}`,
        "job.task",
      );
    }
    // the station judges the job's variant of its task (reset mode, verifier): that variant's fingerprint
    const own = job.reset || job.verifier ? evalFingerprint(task.id, jobVariant(job)) : task.evalFingerprint;
    if (job.evalFingerprint !== own) {
      this.counters.refused++;
      fail(
        "fingerprint-mismatch",
        `station ${this.id} runs ${task.id}@${task.version} with evaluation fingerprint ` +
          `${own.slice(0, 12)}, but the job was made for ${job.evalFingerprint.slice(0, 12)}; ` +
          "update the station or the dispatcher so both run the same evaluation code",
        "job.evalFingerprint",
      );
    }
    this.refuseUnlessReady("start");
    const stamp = new Date().toISOString();
    const id = `job-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
    const entry: JobEntry = {
      ref: {
        id,
        runId: job.runId,
        index: job.index,
        seed: job.seed,
        attempt: job.attempt,
        startedAt: stamp,
        finishedAt: null,
      },
      dir: path.join(this.rolloutDir, "trials", id),
      state: "queued",
      error: null,
      hasVideo: false,
    };
    this.jobs.set(id, entry);
    this.current = entry;
    this.counters.started++;
    this.setPhase(entry, "queued");
    this.running = this.runJob(entry, job);
    const response: StartResponse = {
      jobId: id,
      phase: "queued",
      rolloutDir: this.rolloutDir,
      result: `/result/${id}`,
    };
    return { status: 202, json: response };
  }

  private refuseUnlessReady(action: string): void {
    const current = this.current;
    if (current && BUSY_PHASES.includes(this.phase)) {
      if (action === "start") this.counters.refused++;
      fail(
        "busy",
        `station ${this.id} is ${this.phase} job ${current.ref.id} (run ${current.ref.runId}, trial ` +
          `${current.ref.index}); it runs one trial at a time: poll GET /status until it is done or failed`,
      );
    }
    if (action !== "start") return;
    if (this.paused) {
      this.counters.refused++;
      fail("paused", `station ${this.id} is paused; POST /resume with {"confirm": true} to accept trials again`);
    }
    if (this.parked) {
      this.counters.refused++;
      fail(
        "parked",
        `station ${this.id} has its arm parked out of the camera's view (POST /avoid); ` +
          'POST /resume with {"confirm": true} to bring it back before starting',
      );
    }
  }

  private async control(action: ControlAction, body: unknown): Promise<Reply> {
    let message: string;
    if (action === "pause") {
      parse(PauseRequestSchema, body ?? {});
      this.paused = true;
      message = BUSY_PHASES.includes(this.phase)
        ? "paused: the running trial finishes, then starts are refused until POST /resume"
        : "paused: starts are refused until POST /resume";
    } else {
      requireConfirm(action, body);
      if (action === "restart") {
        const request = parse(RestartRequestSchema, body);
        this.refuseUnlessReady(action);
        const previous = this.rolloutDir;
        this.rolloutDir = this.openRollout(request.label);
        this.counters.rollouts++;
        this.current = null;
        this.setPhase(null, "idle");
        message = `fresh rollout directory ${this.rolloutDir}; the previous one (${previous}) is kept`;
      } else {
        parse(ConfirmRequestSchema, body);
        if (action === "resume") {
          // a simulated arm is back where it was at once; a robot's supervisor moves it before answering
          message = this.paused || this.parked ? "resumed: starts are accepted again" : "nothing to resume";
          this.paused = false;
          this.parked = false;
        } else if (action === "home") {
          this.refuseUnlessReady(action);
          this.parked = false;
          message = "arm at its home configuration";
        } else {
          this.refuseUnlessReady(action);
          this.parked = true;
          message = "arm parked out of the camera's view; POST /resume to bring it back";
        }
      }
    }
    const response: ControlResponse = { ok: true, action, message, rolloutDir: this.rolloutDir, status: this.status() };
    return ok(response);
  }

  /** The job's output.json; with `video`, its video.mp4, or the video of `camera` (video-<camera>.mp4). */
  private result(jobId: string, video: boolean, camera?: string): Reply {
    const entry = this.jobs.get(jobId) ?? this.findOnDisk(jobId);
    if (!entry) fail("unknown-job", `station ${this.id} has no job "${jobId}" in any of its rollout directories`);
    if (BUSY_PHASES.includes(entry.state)) {
      fail("job-not-finished", `job ${jobId} is ${entry.state}; poll GET /status until it is done`);
    }
    if (entry.state === "failed")
      fail("job-failed", `job ${jobId} failed: ${entry.error?.message ?? "no reason given"}`);
    if (!video) return fileReply(path.join(entry.dir, "output.json"), "application/json; charset=utf-8");
    if (!entry.hasVideo) {
      fail("no-video", `job ${jobId} has no video (the job asked for none, or its trial rendered no frames)`);
    }
    if (camera === undefined) return fileReply(path.join(entry.dir, "video.mp4"), "video/mp4");
    const file = path.join(entry.dir, cameraVideoFile(camera));
    if (!fs.existsSync(file)) fail("no-video", `job ${jobId} has no video of camera "${camera}"`);
    return fileReply(file, "video/mp4");
  }

  // ---- the trial cycle: queued → running → resetting → done | failed ----

  private async runJob(entry: JobEntry, job: TrialJob): Promise<void> {
    const tmp = path.join(path.dirname(entry.dir), `.tmp-${entry.ref.id}`);
    let output: TrialOutput | null = null;
    try {
      await this.thread.ready(); // queued while the station's thread starts (the first time) and loads the task
      this.setPhase(entry, "running");
      const run = await this.thread.run(job);
      output = run.output;
      this.setPhase(entry, "resetting"); // the scene resets while the trial is written
      fs.mkdirSync(tmp, { recursive: true });
      entry.hasVideo = await writeVideo(tmp, run.video);
      if (this.options.resetMs > 0) await new Promise((r) => setTimeout(r, this.options.resetMs));
      const resetFailure = this.options.resetFailure?.(job) ?? null;
      if (resetFailure) {
        entry.error = { code: "reset-failed", message: `the reset after the trial failed: ${resetFailure}` };
      }
    } catch (err) {
      // a policy that does not load, or a job this station cannot run, is the job's fault; the rest is the station's
      const code =
        err instanceof PolicyError ? "policy-load" : err instanceof InvalidInputError ? "invalid-job" : "station-error";
      entry.error = { code, message: err instanceof Error ? err.message : String(err) };
    }
    try {
      saveTrial(tmp, entry, job, output);
    } catch (err) {
      entry.error ??= { code: "station-error", message: `could not save the trial in ${entry.dir}: ${String(err)}` };
    }
    entry.ref.finishedAt = new Date().toISOString();
    if (entry.error) {
      this.counters.failed++;
      this.lastError = { ...entry.error, jobId: entry.ref.id, at: entry.ref.finishedAt };
      this.setPhase(entry, "failed");
    } else {
      this.counters.done++;
      this.setPhase(entry, "done");
    }
  }

  private setPhase(entry: JobEntry | null, phase: Phase): void {
    if (entry) entry.state = phase;
    if (entry && entry !== this.current) return; // a restart moved on; the job's own state still counts
    this.phase = phase;
    this.phaseSince = new Date().toISOString();
  }

  private openRollout(label: string | undefined): string {
    const createdAt = new Date().toISOString();
    const stamp = createdAt.replace(/[-:.]/g, "");
    const name = `${stamp}-${randomBytes(2).toString("hex")}${label ? `-${label}` : ""}`;
    const dir = path.resolve(this.options.dir, "rollouts", name);
    fs.mkdirSync(path.join(dir, "trials"), { recursive: true });
    const manifest = { schema: "enpire.station-rollout/1", station: this.id, task: this.task, createdAt, label };
    fs.writeFileSync(path.join(dir, "rollout.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    return dir;
  }

  /** A job from an earlier rollout directory or an earlier process: its files say how it ended. */
  private findOnDisk(jobId: string): JobEntry | null {
    if (!/^[A-Za-z0-9-]{1,80}$/.test(jobId)) return null;
    const root = path.resolve(this.options.dir, "rollouts");
    const rollouts = fs.existsSync(root) ? fs.readdirSync(root) : [];
    for (const rollout of rollouts) {
      const dir = path.join(root, rollout, "trials", jobId);
      if (!fs.existsSync(path.join(dir, "job.json"))) continue;
      const error = fs.existsSync(path.join(dir, "error.json"))
        ? (JSON.parse(fs.readFileSync(path.join(dir, "error.json"), "utf8")) as { code: string; message: string })
        : null;
      const job = JSON.parse(fs.readFileSync(path.join(dir, "job.json"), "utf8")) as TrialJob;
      return {
        ref: {
          id: jobId,
          runId: job.runId,
          index: job.index,
          seed: job.seed,
          attempt: job.attempt,
          startedAt: "",
          finishedAt: null,
        },
        dir,
        state: error ? "failed" : "done",
        error,
        hasVideo: fs.existsSync(path.join(dir, "video.mp4")),
      };
    }
    return null;
  }
}

/** Finishes the trial's hidden directory and renames it into place, so a trial directory is whole or absent. */
function saveTrial(tmp: string, entry: JobEntry, job: TrialJob, output: TrialOutput | null): void {
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, "job.json"), JSON.stringify(job));
  if (output) fs.writeFileSync(path.join(tmp, "output.json"), JSON.stringify(output));
  if (entry.error) fs.writeFileSync(path.join(tmp, "error.json"), `${JSON.stringify(entry.error, null, 2)}\n`);
  fs.renameSync(tmp, entry.dir);
}

/**
 * Encodes the trial's frames to mp4 (Debian's ffmpeg) on this thread, off the trial's thread: video.mp4 in `dir`, and
 * video-<camera>.mp4 for each extra camera; false: no video.
 */
async function writeVideo(dir: string, video: TrialVideo | null): Promise<boolean> {
  if (!video) return false;
  if (video.format === "mp4") {
    fs.writeFileSync(path.join(dir, "video.mp4"), video.bytes);
    for (const c of video.cameras ?? []) fs.writeFileSync(path.join(dir, cameraVideoFile(c.camera)), c.bytes);
    return true;
  }
  const fps = video.fps;
  await encodeMp4(path.join(dir, "video.mp4"), video.frames, { width: video.width, height: video.height, fps });
  for (const c of video.cameras ?? []) {
    await encodeMp4(path.join(dir, cameraVideoFile(c.camera)), c.frames, { width: c.size, height: c.size, fps });
  }
  return true;
}

async function encodeMp4(file: string, frames: Uint8Array[], options: VideoOptions): Promise<void> {
  const writer = await VideoWriter.open(file, options);
  try {
    for (const frame of frames) await writer.write(frame);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function fileReply(file: string, type: string): Reply {
  return { file, type, size: fs.statSync(file).size };
}

/** The job id in a result path; one that cannot be decoded names no job. */
function jobIdOf(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function ok(json: unknown): Reply {
  return { status: 200, json };
}

function requireConfirm(action: string, body: unknown): void {
  const confirmed = typeof body === "object" && body !== null && (body as { confirm?: unknown }).confirm === true;
  if (!confirmed) {
    fail(
      "confirm-required",
      `POST /${action} can move the robot; send {"confirm": true} in the JSON body to confirm`,
      "confirm",
    );
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, message } = describeIssue(parsed.error, prefix);
  fail("invalid-body", message, field);
}

/** The request's JSON body; undefined when it is empty. */
async function readJson(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new HttpError(413, "body-too-large", `the body is over ${maxBytes} bytes`, undefined, {
        connection: "close",
      });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    fail("bad-json", `the body is not JSON: ${(err as Error).message}`);
  }
}
