/**
 * The MCP face of enpire: each tool is a thin layer over a module function, named for the CLI verb it matches.
 * Arguments are parsed by zod schemas (the SDK answers a bad one with `isError` naming the field); a refused call or
 * a failed run comes back as a readable `isError` result, never as a crash. Nothing here writes to stdout: on stdio
 * it belongs to the protocol.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.js";
import { evalFingerprint, evaluationList, listTasks } from "../env/registry.js";
import { CONFIRM_ACTIONS, ControlActionSchema } from "../env/station/protocol.js";
import { OPERATIONS, type Operation } from "../evolve/operations.js";
import { describeTools } from "../policy/skills/index.js";
import { evaluate, fixedEvaluation, MAX_SEED, MAX_STATIONS } from "../rollout/evaluate.js";
import { verifyLedger } from "../rollout/ledger.js";
import { runReport } from "../rollout/report.js";
import { controlStation, fetchStationStatus } from "../rollout/stations/http-station.js";
import { RunStore, type TrialRow } from "../rollout/store.js";

/** The package root, from src/mcp (tsx) or dist/mcp (built). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEFAULT_POLICY = path.join(PACKAGE_ROOT, "examples", "policies", "pusht-heuristic.ts");

export interface McpServerOptions {
  /** Run store directory (default $ENPIRE_HOME or ./.enpire, as for the CLI). */
  store?: string;
  /** Version reported to clients. */
  version?: string;
  /** The research project, branch and agent name this server is started for (an agent's own server). */
  bound?: { project?: string; branch?: string; agent?: string };
}

// ---- argument schemas: one per tool, the field names are what an error message points at ----

const runId = z.string().min(1, "run must be a run id or an unambiguous prefix of one");
const positiveSeconds = (what: string) => z.number().positive(`${what} must be a positive number of seconds`);
const stationUrl = z.url("url must be a station's http(s) URL, e.g. http://127.0.0.1:8203");

export const DescribeTaskArgsSchema = z.object({ task: z.string().min(1, "task must be a task id, e.g. pusht") });

/** The two shapes a policy module's instance may take, as describe_task tells an agent. */
const POLICY_FORMS =
  "createPolicy(ctx) returns { act(observation) { return action; } } (one action per step), or, an episode script, " +
  "{ episode(observation) { ... } }: run once per episode to completion, its task's motion tools stepping the robot " +
  "until they arrive (e.g. ctx.tools.kitchen.moveEef({ pos })); the episode ends when it returns or at the horizon";

export const RunArgsSchema = z.object({
  task: z.string().min(1).default("pusht").describe("task id (see the tasks tool)"),
  policy: z
    .string()
    .min(1, "policy must be the path of a .ts or .js policy module")
    .optional()
    .describe("policy module (.ts or .js) run in the sandbox; relative to the server's working directory"),
  episodes: z
    .number()
    .int("episodes must be an integer")
    .min(1, "episodes must be at least 1")
    .max(100_000, "episodes must be at most 100000")
    .default(50),
  seedStart: z
    .number()
    .int("seedStart must be an integer")
    .min(0, "seedStart must be at least 0")
    .max(MAX_SEED, `seedStart must be at most ${MAX_SEED}`)
    .default(100_000)
    .describe("first seed; trial i uses seedStart + i (100000 = Diffusion Policy's test seeds)"),
  obsType: z.string().optional().describe("observation type, e.g. state | keypoints | pixels for pusht"),
  reset: z
    .enum(["state", "procedural"])
    .optional()
    .describe("3D tasks: state (the simulator puts the scene back) | procedural (the station's own arms do)"),
  verifier: z
    .enum(["state", "pixel"])
    .optional()
    .describe("3D tasks: state (the simulator's predicate judges) | pixel (the task's pixel verifier)"),
  eval: z
    .boolean()
    .default(false)
    .describe(
      "run the task's fixed evaluation list (kitchen tasks: the paper's 40 episodes); replaces episodes and seedStart",
    ),
  tools: z
    .enum(["standard", "oracle"])
    .optional()
    .describe(
      "kitchen tasks: oracle also gives the policy the simulator's poses (debugging only; never an evaluation)",
    ),
  stations: z
    .number()
    .int("stations must be an integer")
    .min(1, "stations must be at least 1")
    .max(MAX_STATIONS, `stations must be at most ${MAX_STATIONS}`)
    .default(1)
    .describe("simulated stations, each in its own worker thread"),
  tries: z
    .number()
    .int("tries must be an integer")
    .min(1, "tries must be at least 1")
    .max(100, "tries must be at most 100")
    .default(1)
    .describe("in-context tries per episode: after a failed try the policy goes on from there"),
  video: z.boolean().default(false).describe("record an mp4 of every trial (needs ffmpeg)"),
  videoSize: z.number().int("videoSize must be an integer").positive("videoSize must be positive").optional(),
  stepDeadlineMs: z.number().int().positive("stepDeadlineMs must be a positive integer").optional(),
  memoryLimitMb: z.number().int().positive("memoryLimitMb must be a positive integer").optional(),
  deltaCap: z.array(z.number()).optional().describe("safety: largest change of each action element per step"),
  box: z
    .object({ low: z.array(z.number()), high: z.array(z.number()) })
    .optional()
    .describe("safety: allowed range of each commanded action element"),
  budgetWallS: positiveSeconds("budgetWallS")
    .optional()
    .describe("no trial starts after this many seconds of wall-clock time"),
  budgetStationS: positiveSeconds("budgetStationS")
    .optional()
    .describe("no trial starts once trials used this many station-seconds"),
});

export const RunsArgsSchema = z.object({
  limit: z.number().int("limit must be an integer").min(1, "limit must be at least 1").default(20),
});

export const ShowArgsSchema = z.object({
  run: runId,
  window: z.number().int("window must be an integer").min(1, "window must be at least 1").default(50),
  failedLimit: z
    .number()
    .int("failedLimit must be an integer")
    .min(0, "failedLimit must be at least 0")
    .default(20)
    .describe("how many failed trials to list"),
});

export const TrialArgsSchema = z.object({
  run: runId,
  index: z.number().int("index must be an integer").min(0, "index must be at least 0").describe("trial index"),
  events: z.boolean().default(false).describe("also return lines of the trial's events.jsonl"),
  offset: z.number().int("offset must be an integer").min(0, "offset must be at least 0").default(0),
  limit: z
    .number()
    .int("limit must be an integer")
    .min(1, "limit must be at least 1")
    .max(5000, "limit must be at most 5000")
    .default(200),
});

export const VerifyLedgerArgsSchema = z.object({ run: runId });

export const StationStatusArgsSchema = z.object({
  url: stationUrl,
  timeoutMs: z.number().int().positive("timeoutMs must be a positive integer").default(3000),
});

export const StationControlArgsSchema = z.object({
  url: stationUrl,
  action: ControlActionSchema.describe("home | pause | resume | avoid | restart"),
  confirm: z.boolean().default(false).describe("required for calls that can move the robot"),
  label: z.string().optional(),
  timeoutMs: z.number().int().positive("timeoutMs must be a positive integer").default(3000),
});

// ---- results ----

/** A JSON result: the text for any client, and the same object as structured content. */
function ok(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/** A refused call or a failed operation, as a result the agent can read. */
function refused(message: string, value?: Record<string, unknown>): CallToolResult {
  const content: CallToolResult["content"] = [{ type: "text", text: message }];
  if (value) content.push({ type: "text", text: JSON.stringify(value, null, 2) });
  return { content, isError: true };
}

/** Runs a handler, turning any thrown error into an error result with its message. */
async function guarded(fn: () => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return refused(err instanceof Error ? err.message : String(err));
  }
}

/** The absolute paths of one trial's files. */
function trialFiles(store: RunStore, t: TrialRow) {
  const dir = store.resolve(t.dir);
  return {
    dir,
    events: path.join(dir, "events.jsonl"),
    result: path.join(dir, "result.json"),
    video: t.video ? path.join(dir, t.video) : null,
  };
}

/**
 * Builds the enpire MCP server; connect it to a transport (stdio for `enpire mcp`).
 * @example await createMcpServer({ store: ".enpire" }).connect(new StdioServerTransport());
 */
export function createMcpServer(options: McpServerOptions = {}): McpServer {
  const server = new McpServer({ name: "enpire", version: options.version ?? "0.0.0" });
  const withStore = async <T>(fn: (store: RunStore) => Promise<T> | T): Promise<T> => {
    const store = RunStore.open(options.store);
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  };

  server.registerTool(
    "tasks",
    { description: "List the tasks enpire can run, with their observation and action spaces.", inputSchema: {} },
    () => guarded(() => ok({ tasks: listTasks() })),
  );

  server.registerTool(
    "describe_task",
    {
      description:
        "One task's spec: spaces, horizon, control rate, evaluation constants, its eval fingerprint, and the tools a " +
        "code policy can call as ctx.tools.<namespace>.<function>(...) (the task's skills, and nn for networks).",
      inputSchema: DescribeTaskArgsSchema.shape,
    },
    ({ task }) =>
      guarded(() => {
        const fingerprint = evalFingerprint(task); // refuses an unknown id, listing the known ones
        const spec = listTasks().find((t) => t.id === task);
        if (!spec) throw new InvalidInputError(`no task "${task}"`);
        return ok({
          ...spec,
          evalFingerprint: fingerprint,
          evaluationList: evaluationList(task), // run with eval: true; null when the task has none
          tools: describeTools(task),
          policyForms: POLICY_FORMS,
        });
      }),
  );

  server.registerTool(
    "run",
    {
      description:
        "Evaluate a policy file on a task for N consecutive seeds within a budget, recording every trial. " +
        "Returns the run summary; a run that fails comes back as an error with its reason.",
      inputSchema: RunArgsSchema.shape,
    },
    (a, extra) =>
      guarded(() =>
        withStore(async (store) => {
          const policyFile = path.resolve(a.policy ?? DEFAULT_POLICY);
          const seeds = a.eval ? fixedEvaluation(a.task, a.tools) : { episodes: a.episodes, seedStart: a.seedStart };
          const result = await evaluate(store, {
            taskId: a.task,
            policyFile,
            episodes: seeds.episodes,
            seedStart: seeds.seedStart,
            obsType: a.obsType,
            reset: a.reset,
            verifier: a.verifier,
            tools: a.tools,
            video: a.video,
            videoSize: a.videoSize,
            stepDeadlineMs: a.stepDeadlineMs,
            memoryLimitMb: a.memoryLimitMb,
            safety: { deltaCap: a.deltaCap, box: a.box },
            stations: a.stations,
            tries: a.tries,
            wallClockS: a.budgetWallS,
            stationSeconds: a.budgetStationS,
            signal: extra.signal, // a cancelled request stops the run after the trials in flight
          });
          const report = runReport(store, result.runId);
          const counted = result.trials.filter((t) => t.counted);
          const out = {
            runId: result.runId,
            runDir: result.runDir,
            status: result.status,
            note: result.note,
            run: report.run,
            summary: result.summary,
            passAtK: report.passAtK,
            passAtKInContext: report.passAtKInContext,
            failed: counted
              .filter((t) => !t.success)
              .map((t) => ({ index: t.index, seed: t.seed, reason: t.reason, files: trialFiles(store, t) })),
            interrupted: result.trials.filter((t) => !t.counted).length,
            fleet: result.fleet,
          };
          if (result.status === "failed")
            return refused(`run ${result.runId} failed: ${result.note ?? "no reason"}`, out);
          return ok(out);
        }),
      ),
  );

  server.registerTool(
    "runs",
    { description: "List recorded runs, newest first.", inputSchema: RunsArgsSchema.shape },
    ({ limit }) => guarded(() => withStore((store) => ok({ runs: store.listRuns(limit) }))),
  );

  server.registerTool(
    "show",
    {
      description:
        "One run: summary, pass@k, robot utilisation (MRU) and its failed trials with reasons and the paths of " +
        "each trial's events.jsonl, result.json and video.mp4.",
      inputSchema: ShowArgsSchema.shape,
    },
    (a) =>
      guarded(() =>
        withStore((store) => {
          const report = runReport(store, a.run, a.window);
          const failed = report.trials.filter((t) => t.counted && !t.success);
          return ok({
            run: report.run,
            summary: report.summary,
            passAtK: report.passAtK,
            passAtKInContext: report.passAtKInContext,
            utilisation: report.utilisation,
            failedCount: failed.length,
            failed: failed.slice(0, a.failedLimit).map((t) => ({ ...t, files: trialFiles(store, t) })),
          });
        }),
      ),
  );

  server.registerTool(
    "trial",
    {
      description:
        "One trial of a run by index: its result.json and, with events: true, a page of its events.jsonl " +
        "(offset/limit in lines).",
      inputSchema: TrialArgsSchema.shape,
    },
    (a) =>
      guarded(() =>
        withStore((store) => {
          const run = store.getRun(a.run);
          const row = store.trials(run.id).find((t) => t.index === a.index);
          if (!row) {
            const n = store.trials(run.id).length;
            const known = n ? `its trials are 0..${n - 1}` : "it has no trials yet";
            throw new InvalidInputError(`run ${run.id} has no trial ${a.index}; ${known}`);
          }
          const files = trialFiles(store, row);
          const result = JSON.parse(fs.readFileSync(files.result, "utf8")) as Record<string, unknown>;
          const out: Record<string, unknown> = { runId: run.id, index: row.index, files, result };
          if (a.events) {
            const lines = fs.readFileSync(files.events, "utf8").split("\n").filter(Boolean);
            out.events = {
              offset: a.offset,
              total: lines.length,
              items: lines.slice(a.offset, a.offset + a.limit).map((l) => JSON.parse(l) as unknown),
              nextOffset: a.offset + a.limit < lines.length ? a.offset + a.limit : null,
            };
          }
          return ok(out);
        }),
      ),
  );

  server.registerTool(
    "verify_ledger",
    {
      description: "Check a run's hash-chained ledger against its trial files and its index.",
      inputSchema: VerifyLedgerArgsSchema.shape,
    },
    ({ run }) =>
      guarded(() =>
        withStore((store) => {
          const v = verifyLedger(store, run);
          const value = v as unknown as Record<string, unknown>;
          return v.ok ? ok(value) : refused(`the ledger of run ${v.runId} does not match its trials`, value);
        }),
      ),
  );

  server.registerTool(
    "station_status",
    {
      description: "GET /status of a station behind the HTTP station protocol.",
      inputSchema: StationStatusArgsSchema.shape,
    },
    (a) => guarded(async () => ok(await fetchStationStatus(a.url, a.timeoutMs, undefined))),
  );

  server.registerTool(
    "station_control",
    {
      description:
        "Send a station a control call (home, pause, resume, avoid, restart). Calls that can move the robot " +
        `(${CONFIRM_ACTIONS.filter((x) => x !== "start").join(", ")}) need confirm: true.`,
      inputSchema: StationControlArgsSchema.shape,
    },
    (a) =>
      guarded(async () => {
        if (CONFIRM_ACTIONS.includes(a.action) && !a.confirm) {
          return refused(`station_control "${a.action}" can move the robot; call again with confirm: true to send it`);
        }
        const body = { ...(a.confirm ? { confirm: true } : {}), ...(a.label ? { label: a.label } : {}) };
        return ok(await controlStation(a.url, a.action, body, a.timeoutMs));
      }),
  );

  // research: the same operations as `enpire research <op>` (evolve/operations.ts)
  for (const o of OPERATIONS as readonly Operation[]) {
    server.registerTool(o.name, { description: o.description, inputSchema: o.args.shape }, (a, extra) =>
      guarded(() =>
        withStore(async (store) => ok(await o.run({ store, bound: options.bound ?? {}, signal: extra.signal }, a))),
      ),
    );
  }

  return server;
}
