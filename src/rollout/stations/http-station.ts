/**
 * A station behind HTTP, as the fleet sees it: `run(job)` posts the job to the station (POST /start), polls
 * GET /status until the trial is done or failed, then fetches the output and the video. The station may be
 * `enpire station serve` or a lab's own server for a real robot; both speak the station protocol
 * (docs/station-protocol.md).
 *
 * What can go wrong, and what the fleet gets:
 * - no answer for `unresponsiveMs` mid-trial: StationFaultError(fatal), health "offline";
 * - the station's trial failed (its reset failed, it crashed): StationFaultError(not fatal) with the station's reason;
 * - the job is refused for its task or evaluation fingerprint: JobRefusedError, not retryable anywhere;
 * - the policy does not load on the station: PolicyError("load"), as on a station in this process.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { EnpireError, InvalidInputError, PolicyError } from "../../core/errors.js";
import {
  type ControlAction,
  type ControlResponse,
  ControlResponseSchema,
  ErrorBodySchema,
  PROTOCOL_VERSION,
  StartResponseSchema,
  type Status,
  StatusSchema,
} from "../../env/station/protocol.js";
import {
  type CameraMp4,
  cameraVideoFile,
  type TrialJob,
  type TrialOutput,
  TrialOutputSchema,
  type TrialVideo,
} from "../job.js";
import { type Station, StationFaultError, type StationHealth, type StationStatus } from "../station.js";

export const httpStationDefaults = {
  pollIntervalMs: 100, // GET /status while a trial runs; 50–100 ms suits simulated stations
  unresponsiveMs: 5000, // no answer at all for this long mid-trial: the station is offline (a fatal fault)
  requestTimeoutMs: 3000, // one request outside a trial (background health, control calls), as ENPIRE's client
  healthIntervalMs: 2000, // background GET /status while no trial runs, so status() stays current; 0: never
  trialTimeoutMs: 600_000, // a trial not finished by then leaves the station faulted (ENPIRE's longest run is 1200 s)
};
/** What run() hands back; `timing` as the fleet reads it from any station that knows when it worked. */
export interface HttpRun {
  output: TrialOutput;
  video: TrialVideo | null;
  timing: { startMs: number; endMs: number };
}

export type HttpStationOptions = Partial<typeof httpStationDefaults> & {
  /** The station's name in the fleet; default its URL. */
  id?: string;
};

/** No answer from a station within the time allowed (a network failure or a station that is down). */
export class StationUnreachableError extends EnpireError {
  override readonly retryable = true;
  constructor(
    readonly url: string,
    readonly request: string,
    readonly waitedMs: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `station ${url} did not answer ${request} within ${waitedMs} ms (${reason}); ` +
        "is `enpire station serve` (or the lab's station server) running there?",
      options,
    );
  }
}

/** The station answered a request with an error body (`{ error: { code, message, field? } }`). */
export class StationRequestError extends EnpireError {
  constructor(
    readonly url: string,
    readonly request: string,
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(`station ${url} refused ${request} (${httpStatus} ${code}): ${message}`);
  }
}

/**
 * The station will not run this job, and no station of the same kind would: another task or task version, another
 * evaluation fingerprint, or a job its schema refuses. Fix the job or the station; retrying does not help.
 */
export class JobRefusedError extends InvalidInputError {
  constructor(
    readonly station: string,
    readonly code: string,
    message: string,
  ) {
    super(`station ${station} refused the job (${code}): ${message}`);
  }
}

/**
 * A station reached over HTTP. `connect` checks it answers and speaks this protocol version.
 * @example
 * const station = await HttpStation.connect("http://127.0.0.1:8203", { pollIntervalMs: 50 });
 * const { output, video } = await station.run(job);
 * await station.close();
 */
export class HttpStation implements Station {
  readonly id: string;
  readonly url: string;
  private readonly options: typeof httpStationDefaults;
  private health: StationStatus;
  private busy = false;
  private refreshing = false;
  private readonly stop = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(url: string, options: HttpStationOptions = {}) {
    const { id, ...rest } = options;
    this.url = stationUrl(url);
    this.id = id ?? this.url;
    this.options = { ...httpStationDefaults, ...definedOnly(rest) };
    this.health = { id: this.id, kind: "http", health: "offline", detail: "not contacted yet" };
    if (this.options.healthIntervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), this.options.healthIntervalMs);
      this.timer.unref();
    }
  }

  /** A station that answered GET /status in a protocol version this client speaks; throws otherwise. */
  static async connect(url: string, options: HttpStationOptions = {}): Promise<HttpStation> {
    const station = new HttpStation(url, options);
    try {
      const status = await fetchStationStatus(station.url, station.options.requestTimeoutMs, station.stop.signal);
      station.note(status);
      if (status.protocolVersion !== PROTOCOL_VERSION)
        throw new EnpireError(`station ${station.url} ${station.health.detail}`);
      return station;
    } catch (err) {
      await station.close();
      throw err;
    }
  }

  status(): StationStatus {
    return { ...this.health };
  }

  /** Asks the station for its status now (outside a trial); a station that does not answer is offline. */
  async refresh(): Promise<StationStatus> {
    if (this.busy || this.refreshing || this.stop.signal.aborted) return this.status();
    this.refreshing = true;
    try {
      this.note(await fetchStationStatus(this.url, this.options.requestTimeoutMs, this.stop.signal));
    } catch (err) {
      if (!this.stop.signal.aborted && !this.busy) this.setHealth("offline", errorMessage(err));
    } finally {
      this.refreshing = false;
    }
    return this.status();
  }

  /**
   * Runs the job on the station. `timing` is the span from the station's 202 to the poll that saw the trial over,
   * on this machine's clock (epoch ms): the station's own clock may differ from it.
   */
  async run(job: TrialJob, signal?: AbortSignal): Promise<HttpRun> {
    if (this.stop.signal.aborted) throw new StationFaultError(this.id, "this client is closed", true);
    if (this.busy) throw new StationFaultError(this.id, "this client is already running a job on it", false);
    this.busy = true;
    const abort = signal ? AbortSignal.any([this.stop.signal, signal]) : this.stop.signal;
    try {
      return await this.runJob(job, abort);
    } catch (err) {
      if (err instanceof EnpireError || !abort.aborted) throw err;
      // stopped by the caller or by close(): as any station, a fault that is not fatal; the trial goes on there
      const why = signal?.aborted
        ? `the caller stopped waiting (${errorMessage(signal.reason)})`
        : "the client was closed";
      throw new StationFaultError(
        this.id,
        `${why} while ${describeJob(job)} ran; the station keeps its result`,
        false,
        {
          cause: err,
        },
      );
    } finally {
      this.busy = false;
    }
  }

  /**
   * Sends the robot to its home pose (POST /home, confirmed: the fleet asks for it only on an operator's confirmed
   * request, never during a trial). The station's answer updates its health.
   */
  async home(): Promise<void> {
    if (this.stop.signal.aborted) throw new StationFaultError(this.id, "this client is closed", true);
    if (this.busy) throw new StationFaultError(this.id, "it is running a trial: home it once the trial is over", false);
    const answer = await controlStation(this.url, "home", { confirm: true }, this.options.requestTimeoutMs);
    this.note(answer.status);
  }

  /** Stops polling; a trial the station is running goes on there, and its result stays on the station's disk. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.stop.abort();
  }

  // ---- one job: POST /start → GET /status until done or failed → GET /result (and its video) ----

  private async runJob(job: TrialJob, signal: AbortSignal): Promise<HttpRun> {
    const t0 = Date.now();
    this.setHealth("running", `starting ${describeJob(job)}`);

    // one attempt only: posting the job again after a lost answer could run the trial twice
    let answer: Answer;
    try {
      answer = await send(this.url, "POST", "/start", {
        body: { confirm: true, job },
        timeoutMs: this.options.unresponsiveMs,
        signal,
      });
    } catch (err) {
      if (err instanceof NoAnswer)
        throw this.offline(`did not answer POST /start within ${err.waitedMs} ms (${err.reason})`, err);
      throw err;
    }
    if (answer.status !== 202) throw this.refused(answer, job);
    const jobId = this.expect(StartResponseSchema, answer, "POST /start").jobId;
    const startMs = Date.now();
    const what = `job ${jobId} (${describeJob(job)})`;

    let lastAnswerAt = Date.now();
    let endMs = startMs;
    let status: Status;
    for (;;) {
      await sleep(this.options.pollIntervalMs, undefined, { signal });
      const polled = await this.getPatiently("/status", lastAnswerAt, what, signal);
      lastAnswerAt = polled.at;
      status = this.expect(StatusSchema, polled.answer, "GET /status");
      if (status.protocolVersion !== PROTOCOL_VERSION) {
        this.note(status);
        throw new StationFaultError(this.id, this.health.detail ?? "", true);
      }
      endMs = Date.now();
      if (status.job?.id !== jobId || !["queued", "running", "resetting"].includes(status.phase)) break;
      this.setHealth(status.phase === "resetting" ? "resetting" : "running", `${status.phase} ${what}`);
      const ranMs = Date.now() - t0;
      if (ranMs > this.options.trialTimeoutMs) {
        this.setHealth("faulted", `${what} still ${status.phase} after ${ranMs} ms`);
        throw new StationFaultError(
          this.id,
          `${what} still ${status.phase} after ${ranMs} ms; taken out of service`,
          true,
        );
      }
    }
    if (status.job?.id === jobId && status.phase === "failed") {
      this.note(status);
      throw this.jobFailed(status.lastError?.jobId === jobId ? status.lastError : null, what);
    }

    // the job is over (or the station moved on): its result says how it ended
    const got = await this.getPatiently(`/result/${jobId}`, lastAnswerAt, what, signal);
    if (got.answer.status !== 200) {
      const e = errorOf(got.answer);
      this.note(status);
      if (e.code === "job-failed") throw this.jobFailed(e, what);
      if (e.code === "unknown-job") {
        throw new StationFaultError(this.id, `no longer knows ${what}; was it restarted with another --dir?`, false);
      }
      throw new StationFaultError(
        this.id,
        `GET /result/${jobId} answered ${got.answer.status} ${e.code}: ${e.message}`,
        false,
      );
    }
    const output = this.expect(TrialOutputSchema, got.answer, `GET /result/${jobId}`);
    if (output.runId !== job.runId || output.index !== job.index || output.seed !== job.seed) {
      this.setHealth("faulted", `answered ${what} with the output of run ${output.runId} trial ${output.index}`);
      throw new StationFaultError(this.id, this.health.detail ?? "", true);
    }

    let video: TrialVideo | null = null;
    if (job.video) {
      const path = `/result/${jobId}/video.mp4`;
      const v = await this.getPatiently(path, got.at, what, signal, true);
      if (v.answer.status === 200 && v.answer.bytes) video = { format: "mp4", bytes: v.answer.bytes };
      else if (errorOf(v.answer).code !== "no-video") {
        const e = errorOf(v.answer);
        throw new StationFaultError(this.id, `GET ${path} answered ${v.answer.status} ${e.code}: ${e.message}`, false);
      }
      // the extra cameras the output names, each video-<camera>.mp4; one the station lacks is left out
      const cameras: CameraMp4[] = [];
      for (const camera of video ? (output.videoCameras ?? []) : []) {
        const cameraPath = `/result/${jobId}/${cameraVideoFile(camera)}`;
        const c = await this.getPatiently(cameraPath, got.at, what, signal, true);
        if (c.answer.status === 200 && c.answer.bytes) cameras.push({ camera, bytes: c.answer.bytes });
        else if (errorOf(c.answer).code !== "no-video") {
          const e = errorOf(c.answer);
          const why = `GET ${cameraPath} answered ${c.answer.status} ${e.code}: ${e.message}`;
          throw new StationFaultError(this.id, why, false);
        }
      }
      if (video && cameras.length > 0) video = { ...video, cameras };
    }
    this.note(status);
    return { output, video, timing: { startMs, endMs } };
  }

  /** GET, asked again until it is answered or nothing has come back for unresponsiveMs since `since`. */
  private async getPatiently(
    path: string,
    since: number,
    what: string,
    signal: AbortSignal,
    binary = false,
  ): Promise<{ answer: Answer; at: number }> {
    let last: NoAnswer | undefined;
    for (;;) {
      const left = since + this.options.unresponsiveMs - Date.now();
      if (left <= 0) {
        const waited = Date.now() - since;
        throw this.offline(
          `did not answer GET ${path} for ${waited} ms (allowed ${this.options.unresponsiveMs} ms) during ${what}` +
            `${last ? `; last try: ${last.reason}` : ""}`,
          last,
        );
      }
      try {
        return { answer: await send(this.url, "GET", path, { timeoutMs: left, signal, binary }), at: Date.now() };
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        last = err;
        await sleep(Math.min(this.options.pollIntervalMs, Math.max(1, left)), undefined, { signal });
      }
    }
  }

  private offline(message: string, cause?: unknown): StationFaultError {
    this.setHealth("offline", message);
    return new StationFaultError(this.id, `${this.url} ${message}; taken offline`, true, { cause });
  }

  private refused(answer: Answer, job: TrialJob): Error {
    const e = errorOf(answer);
    const detail = `${e.message}${e.field ? ` (field ${e.field})` : ""}`;
    if (answer.status === 422 || answer.status === 400) {
      this.setHealth("idle", `refused ${describeJob(job)}: ${e.code}`);
      return new JobRefusedError(this.id, e.code, detail);
    }
    if (e.code === "paused" || e.code === "parked") {
      this.setHealth("faulted", detail);
      return new StationFaultError(this.id, `refused to start ${describeJob(job)}: ${detail}`, false);
    }
    if (e.code === "busy") this.setHealth("running", detail);
    else if (answer.status === 404 || answer.status === 405) this.setHealth("faulted", "has no POST /start");
    else this.setHealth("idle", detail);
    const fatal = answer.status === 404 || answer.status === 405;
    return new StationFaultError(this.id, `refused POST /start (${answer.status} ${e.code}): ${detail}`, fatal);
  }

  private jobFailed(e: { code: string; message: string } | null, what: string): Error {
    const reason = e?.message ?? "the station gave no reason";
    if (e?.code === "policy-load") return new PolicyError(`${what} on station ${this.id}: ${reason}`, "load");
    if (e?.code === "invalid-job") return new JobRefusedError(this.id, e.code, reason);
    return new StationFaultError(this.id, `${what} failed on the station: ${reason}`, false);
  }

  /** The answer as `schema` says it should be, or a fatal fault: a station that garbles its answers is broken. */
  private expect<T>(schema: z.ZodType<T>, answer: Answer, request: string): T {
    const parsed = schema.safeParse(answer.json);
    if (parsed.success && answer.status < 300) return parsed.data;
    const why = answer.status >= 300 ? `${answer.status} ${errorOf(answer).message}` : parsed.error?.issues[0]?.message;
    const message = `answered ${request} with something this client cannot read (${why}); taken out of service`;
    this.setHealth("faulted", message);
    throw new StationFaultError(this.id, message, true);
  }

  /** Health from a status the station sent. */
  private note(s: Status): void {
    const [health, detail] = healthOf(s);
    this.setHealth(health, detail);
  }

  private setHealth(health: StationHealth, detail: string | null): void {
    this.health = { id: this.id, kind: "http", health, detail };
  }
}

/** What a station's status means for the fleet: can it take a job, and if not, why. */
export function healthOf(s: Status): [StationHealth, string | null] {
  if (s.protocolVersion !== PROTOCOL_VERSION) {
    return ["faulted", `speaks station protocol ${s.protocolVersion}; this client speaks protocol ${PROTOCOL_VERSION}`];
  }
  const job = s.job ? `job ${s.job.id} (run ${s.job.runId}, trial ${s.job.index})` : "no job";
  if (s.phase === "queued" || s.phase === "running") return ["running", `${s.phase} ${job}`];
  if (s.phase === "resetting") return ["resetting", `resetting after ${job}`];
  if (s.paused) return ["faulted", "paused by an operator; POST /resume with confirm to go on"];
  if (s.parked) return ["faulted", "arm parked out of the camera's view (avoid); POST /resume with confirm to go on"];
  if (s.phase === "failed") return ["idle", `last ${job} failed: ${s.lastError?.message ?? "no reason given"}`];
  return ["idle", s.phase === "done" ? `last ${job} done` : null];
}

/**
 * GET /status of the station at `url`.
 * @example const status = await fetchStationStatus("http://127.0.0.1:8203"); // status.phase, status.rolloutDir
 */
export async function fetchStationStatus(url: string, timeoutMs = 3000, signal?: AbortSignal): Promise<Status> {
  const base = stationUrl(url);
  const answer = await call(base, "GET", "/status", undefined, timeoutMs, signal);
  return readAs(StatusSchema, answer, base, "GET /status");
}

/**
 * Sends a control call (home, pause, resume, avoid, restart). Motion-capable ones need `confirm: true`.
 * @example const { rolloutDir } = await controlStation("http://127.0.0.1:8203", "restart", { confirm: true });
 */
export async function controlStation(
  url: string,
  action: ControlAction,
  body: { confirm?: boolean; label?: string },
  timeoutMs = 3000,
): Promise<ControlResponse> {
  const base = stationUrl(url);
  const answer = await call(base, "POST", `/${action}`, body, timeoutMs);
  return readAs(ControlResponseSchema, answer, base, `POST /${action}`);
}

// ---- HTTP ----

interface Answer {
  status: number;
  json: unknown; // undefined when the body is not JSON (or is a video)
  bytes?: Uint8Array;
  text: string;
}

/** Nothing came back: the connection failed or the time ran out. */
class NoAnswer extends Error {
  constructor(
    readonly reason: string,
    readonly waitedMs: number,
    options: { cause: unknown },
  ) {
    super(reason, options);
  }
}

async function send(
  base: string,
  method: "GET" | "POST",
  path: string,
  o: { body?: unknown; timeoutMs: number; signal?: AbortSignal; binary?: boolean },
): Promise<Answer> {
  const timeoutMs = Math.max(1, Math.round(o.timeoutMs));
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
  const t0 = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      signal,
      headers: o.body === undefined ? {} : { "content-type": "application/json" },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    if (o.binary && res.status === 200) {
      return { status: res.status, json: undefined, bytes: new Uint8Array(await res.arrayBuffer()), text: "" };
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const waitedMs = Date.now() - t0;
    const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : networkReason(err);
    throw new NoAnswer(reason, waitedMs, { cause: err });
  }
}

/** One request for the faces: no answer is StationUnreachableError. */
async function call(
  base: string,
  method: "GET" | "POST",
  path: string,
  body: unknown,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Answer> {
  try {
    return await send(base, method, path, { body, timeoutMs, signal });
  } catch (err) {
    if (err instanceof NoAnswer) {
      throw new StationUnreachableError(base, `${method} ${path}`, timeoutMs, err.reason, { cause: err });
    }
    throw err;
  }
}

function readAs<T>(schema: z.ZodType<T>, answer: Answer, base: string, request: string): T {
  if (answer.status >= 300) {
    const e = errorOf(answer);
    throw new StationRequestError(base, request, answer.status, e.code, e.message, e.field);
  }
  const parsed = schema.safeParse(answer.json);
  if (!parsed.success) {
    throw new EnpireError(
      `station ${base} answered ${request} with a body this client cannot read: ${parsed.error.issues[0]?.message}` +
        ` (station protocol ${PROTOCOL_VERSION} expected)`,
    );
  }
  return parsed.data;
}

function errorOf(answer: Answer): { code: string; message: string; field?: string } {
  const parsed = ErrorBodySchema.safeParse(answer.json);
  if (parsed.success) return parsed.data.error;
  return { code: `http-${answer.status}`, message: answer.text.slice(0, 300) || "(empty body)" };
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** "http://host:port" without a trailing slash; anything else is refused where it enters. */
function stationUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`station URL "${url}" is not a URL; give one like http://127.0.0.1:8203`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidInputError(`station URL "${url}" must start with http:// or https://`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

function describeJob(job: TrialJob): string {
  return `run ${job.runId} trial ${job.index} (seed ${job.seed}, attempt ${job.attempt})`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
