import path from "node:path";
import ivm from "isolated-vm";
import { InvalidInputError, PolicyError } from "../../core/errors.js";
import type { Policy, PolicyContext } from "../../core/policy.js";
import type { DrivenStep } from "../../core/tools.js";
import type { ToolSet } from "../tools.js";
import { BUNDLE_NAME, POLICY_MODULE_GLOBAL, type PolicyBundle } from "./bundle.js";
import {
  RUNTIME_ENTRIES,
  RUNTIME_NAME,
  type RuntimeReply,
  runtimeSource,
  type ThrownByPolicy,
  TOOL_CALL_GLOBAL,
} from "./runtime.js";
import { type ToolCallRecord, ToolCalls, toolNames } from "./tool-calls.js";

export type { ToolCallRecord } from "./tool-calls.js";

export const sandboxDefaults = {
  stepDeadlineMs: 1000, // longest one act() or reset() may run before it is stopped: PolicyError "deadline"
  memoryLimitMb: 128, // the isolate's heap limit (minimum 8); going over disposes it: PolicyError "memory"
  loadDeadlineMs: 10_000, // longest the module's top level, and then createPolicy(ctx), may each run
  calls: "sync" as "sync" | "async", // sync: about 4 µs per act, on this thread; async: about 50 µs, on a pool thread
  maxLogLines: 1000, // console lines kept between drainLogs() calls; more are counted and dropped
  maxToolCalls: 1000, // tool-call records kept between drainToolCalls() calls; more are counted and dropped
};

export type SandboxOptions = { [K in keyof typeof sandboxDefaults]?: (typeof sandboxDefaults)[K] } & {
  /** The policy's name in messages and records; the file name without its extension by default. */
  name?: string;
  /**
   * Longest an episode script's episode(observation) may run, ms, its motions' steps included; by default the step
   * deadline times the task's maxSteps (1000 when it has none), as if every step had used its whole deadline.
   */
  episodeDeadlineMs?: number;
  /**
   * Host tools the policy may call as `ctx.tools[namespace][name](...args)` (see ../tools.ts). The sandbox owns
   * them from here on: it resets them with the policy and closes them when it closes (or fails to start).
   */
  tools?: readonly ToolSet[];
};

/** Resource use of a sandbox so far, for metrics and leak checks. */
export interface SandboxStats {
  usedHeapBytes: number;
  externalBytes: number; // large ArrayBuffers, counted against the memory limit too
  references: number; // live handles into the isolate; steady while a policy runs
  cpuTimeMs: number; // time the policy's code has spent on a CPU
}

/**
 * A policy module running in its own V8 isolate (isolated-vm): no filesystem, network, process, `require`, timers or
 * simulator, only the observation it is handed each step. Observations go in and actions come out as copies.
 * Every act and reset has a deadline and the isolate a memory limit; a throw, a timeout, running out of memory and an
 * action that cannot be copied out each become a PolicyError of their own kind ("threw", "deadline", "memory",
 * "bad-action"). The policy's console lines are kept, not printed: take them with drainLogs().
 * @example
 * const policy = await SandboxedPolicy.start(await bundlePolicy("reach.ts"), ctx, { stepDeadlineMs: 200 });
 * const action = await policy.act([256, 256, 300, 300, 0.5]);
 * policy.close();
 */
export class SandboxedPolicy<Obs = unknown, Act = unknown> implements Policy<Obs, Act> {
  /** Absolute path of the policy's entry file. */
  readonly path: string;
  /** Hex sha256 of the bundled code that runs. */
  readonly sha256: string;
  /** The entry file's text, as written. */
  readonly source: string;
  private logs: string[] = [];
  private droppedLogs = 0;
  private closed = false;
  private lastObservation: unknown;
  private stepIndex = 0;
  private toolCalls: ToolCalls | undefined;
  /** While an episode script runs: applies one of its actions (the runner's drive). */
  private driver: ((action: Act) => DrivenStep) | undefined;
  /** "episode" when the module is an episode script (its instance has episode(observation) instead of act). */
  kind: "act" | "episode" = "act";
  /** Present on an episode script: runs its episode() once, its motions stepping through `drive` (core/policy.ts). */
  runEpisode?: (observation: Obs, drive: (action: Act) => DrivenStep) => Promise<void>;

  private constructor(
    readonly name: string,
    private readonly bundle: PolicyBundle,
    private readonly isolate: ivm.Isolate,
    private readonly entries: Record<(typeof RUNTIME_ENTRIES)[number], ivm.Reference>,
    private readonly options: typeof sandboxDefaults,
    private readonly episodeDeadlineMs: number,
  ) {
    this.path = bundle.path;
    this.sha256 = bundle.sha256;
    this.source = bundle.source;
  }

  /**
   * Starts a sandbox for a bundled policy: runs the module, then its default export (createPolicy(ctx), or the
   * policy object itself). Throws PolicyError "load" (or "memory") when that fails, naming what the module should
   * export when it exports nothing usable.
   */
  static async start<Obs = unknown, Act = unknown>(
    bundle: PolicyBundle,
    ctx: PolicyContext,
    options: SandboxOptions = {},
  ): Promise<SandboxedPolicy<Obs, Act>> {
    const sets = options.tools ?? [];
    let o: typeof sandboxDefaults;
    let names: Record<string, string[]>;
    try {
      o = resolveOptions(options);
      names = toolNames(sets);
    } catch (err) {
      await new ToolCalls(sets, 0, () => 0).close();
      throw err;
    }
    const name = options.name ?? path.basename(bundle.path).replace(/\.[cm]?[jt]sx?$/, "");
    const isolate = new ivm.Isolate({ memoryLimit: o.memoryLimitMb });
    // the policy is made below, once the module has run; the dispatcher reaches it through this box
    const box: { policy?: SandboxedPolicy<Obs, Act> } = {};
    const tools = new ToolCalls(sets, o.maxToolCalls, () => box.policy?.stepIndex ?? 0);
    const loadFailure = (err: unknown, what: string): PolicyError => {
      if (isolate.isDisposed)
        return new PolicyError(
          `policy "${name}" ran out of memory while loading (limit ${o.memoryLimitMb} MB)`,
          "memory",
          { cause: err },
        );
      const message = errorMessage(err);
      if (message.includes("Script execution timed out"))
        return new PolicyError(`policy "${name}" did not finish ${what} within ${o.loadDeadlineMs} ms`, "load", {
          cause: err,
        });
      const thrown = fromHostError(err, bundle);
      return new PolicyError(`policy "${name}" threw while ${what}${headline(thrown)}`, "load", {
        cause: asError(thrown),
      });
    };
    try {
      const context = await isolate.createContext();
      if (sets.length > 0) {
        const dispatch = (ns: string, fn: string, args: unknown[]) => tools.call(ns, fn, args);
        await context.global.set(TOOL_CALL_GLOBAL, new ivm.Callback(dispatch, { sync: true }));
      }
      const runtime = (await context.eval(runtimeSource(POLICY_MODULE_GLOBAL, o.maxLogLines, names), {
        reference: true,
        filename: RUNTIME_NAME,
      })) as ivm.Reference;
      const entries = {} as Record<(typeof RUNTIME_ENTRIES)[number], ivm.Reference>;
      for (const entry of RUNTIME_ENTRIES) entries[entry] = await runtime.get(entry, { reference: true });
      runtime.release();
      try {
        await context.eval(bundle.code, { timeout: o.loadDeadlineMs, filename: BUNDLE_NAME });
      } catch (err) {
        throw loadFailure(err, "running its module code");
      }
      const episodeDeadlineMs = options.episodeDeadlineMs ?? o.stepDeadlineMs * (ctx.task.maxSteps ?? 1000);
      const policy = new SandboxedPolicy<Obs, Act>(name, bundle, isolate, entries, o, episodeDeadlineMs);
      policy.toolCalls = sets.length > 0 ? tools : undefined;
      box.policy = policy;
      let reply: RuntimeReply;
      try {
        reply = entries.init.applySync(undefined, [ctx], copyBoth(o.loadDeadlineMs)) as RuntimeReply;
        if (reply[0] === 3) reply = entries.settle.applySync(undefined, [], copyBoth(o.loadDeadlineMs)) as RuntimeReply;
      } catch (err) {
        throw loadFailure(err, "creating the policy");
      }
      if (reply[2]) policy.keepLogs(reply[2]);
      if (reply[0] === 1) {
        const thrown = policy.mapped(reply[1]);
        throw new PolicyError(`policy "${name}" threw while creating the policy${headline(thrown)}`, "load", {
          cause: asError(thrown),
        });
      }
      if (reply[0] !== 0) {
        throw new PolicyError(
          `policy "${name}" cannot be used: ${reply[0] === 2 ? reply[1] : "the sandbox gave no answer"}; a policy ` +
            "module must `export default function createPolicy(ctx) { return { act(observation) { return action; } }; }` " +
            "(reset() optional), or export default an object with an act(observation) method; an episode script " +
            "returns { episode(observation) { ... } } instead",
          "load",
        );
      }
      if (reply[1] === "episode") {
        policy.kind = "episode";
        policy.runEpisode = (observation, drive) => policy.episode(observation, drive);
      }
      return policy;
    } catch (err) {
      const failure = err instanceof PolicyError ? err : loadFailure(err, "loading");
      if (!isolate.isDisposed) isolate.dispose();
      await tools.close();
      throw failure;
    }
  }

  /** The policy's action for one observation. Rejects with a PolicyError when the policy fails; see the class doc. */
  async act(observation: Obs): Promise<Act> {
    if (this.kind === "episode")
      throw new PolicyError(
        `policy "${this.name}" is an episode script (episode(observation)): run it with runEpisode, not act`,
        "threw",
      );
    this.lastObservation = observation;
    try {
      return (await this.call("act", [observation])) as Act;
    } finally {
      this.stepIndex++;
    }
  }

  /**
   * Runs an episode script's episode(observation) once, to completion: every drive() its tools make (ToolHost.drive,
   * through this.drive) is handed to `drive`. Rejects with a PolicyError as act does, the deadline being the
   * episode's (episodeDeadlineMs).
   */
  private async episode(observation: Obs, drive: (action: Act) => DrivenStep): Promise<void> {
    this.lastObservation = observation;
    this.driver = drive;
    try {
      await this.call("episode", [observation]);
    } finally {
      this.driver = undefined;
    }
  }

  /**
   * One step of the running episode script, for its tools (ToolHost.drive): the runner applies the action; the
   * observation after it becomes the one the tools serve. Throws outside an episode script's run.
   */
  drive(action: Act): DrivenStep {
    if (!this.driver) throw new Error(`drive() works only while an episode script runs (policy "${this.name}")`);
    const out = this.driver(action);
    this.lastObservation = out.observation as Obs;
    this.stepIndex++;
    return out;
  }

  /** Calls the policy's reset(), when it has one, before an episode; resets its tool sets and the step count first. */
  async reset(): Promise<void> {
    this.lastObservation = undefined;
    this.stepIndex = 0;
    this.toolCalls?.reset();
    await this.call("reset", []);
  }

  /**
   * The observation last handed to act() (undefined after reset() until the next act): what a ToolHost serves.
   */
  observation(): unknown {
    return this.lastObservation;
  }

  /** The index of the step being decided: act() calls since the last reset() (0 during the first act). */
  step(): number {
    return this.stepIndex;
  }

  /**
   * Frees the isolate, then closes the tool sets (their failures are ignored). Safe to call more than once; the
   * policy cannot be used afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.isolate.isDisposed) this.isolate.dispose();
    await this.toolCalls?.close();
  }

  /**
   * The tool calls since the last drain, oldest first, each timed on the host; `dropped` counts those over
   * `maxToolCalls` that were not kept. Always empty for a policy started without tools.
   */
  drainToolCalls(): { calls: ToolCallRecord[]; dropped: number } {
    return this.toolCalls?.drain() ?? { calls: [], dropped: 0 };
  }

  /** The console lines the policy wrote since the last call, oldest first ("[warn] ..." for warn and error too). */
  drainLogs(): string[] {
    const lines = this.logs;
    if (this.droppedLogs > 0)
      lines.push(
        `[enpire] ${this.droppedLogs} more log lines dropped: over ${this.options.maxLogLines} between drains`,
      );
    this.logs = [];
    this.droppedLogs = 0;
    return lines;
  }

  /** Memory and CPU the sandbox has used; throws once the sandbox is closed. */
  stats(): SandboxStats {
    const heap = this.isolate.getHeapStatisticsSync();
    return {
      usedHeapBytes: heap.used_heap_size,
      externalBytes: heap.externally_allocated_size,
      references: this.isolate.referenceCount,
      cpuTimeMs: Number(this.isolate.cpuTime) / 1e6,
    };
  }

  private async call(entry: "act" | "episode" | "reset", args: unknown[]): Promise<unknown> {
    const what = entry === "reset" ? "reset()" : `${entry}(observation)`;
    if (this.closed) throw new Error(`policy "${this.name}" is closed; load it again to use it`);
    if (this.isolate.isDisposed)
      throw new PolicyError(
        `policy "${this.name}" ran out of memory earlier (limit ${this.options.memoryLimitMb} MB) and its sandbox is gone`,
        "memory",
      );
    const timeout = entry === "episode" ? this.episodeDeadlineMs : this.options.stepDeadlineMs;
    let reply: RuntimeReply;
    try {
      reply = await this.invoke(this.entries[entry], args, timeout);
      if (reply[0] === 3) reply = await this.invoke(this.entries.settle, [], timeout);
    } catch (err) {
      throw this.failure(err, entry, what);
    }
    if (reply[2]) this.keepLogs(reply[2]);
    if (reply[0] === 0) return reply[1];
    if (reply[0] === 1) {
      const thrown = this.mapped(reply[1]);
      throw new PolicyError(`policy "${this.name}" threw in ${what}${headline(thrown)}`, "threw", {
        cause: asError(thrown),
      });
    }
    const reason = reply[0] === 2 ? reply[1] : "the sandbox gave no answer";
    if (entry === "act")
      throw new PolicyError(
        `policy "${this.name}" returned an unusable action: ${reason}; act must return plain data, e.g. [x, y]`,
        "bad-action",
      );
    throw new PolicyError(`policy "${this.name}" failed in ${what}: ${reason}`, "threw");
  }

  private invoke(fn: ivm.Reference, args: unknown[], timeout: number): RuntimeReply | Promise<RuntimeReply> {
    const options = { arguments: { copy: true }, result: { copy: true }, timeout } as const;
    if (this.options.calls === "async") return fn.apply(undefined, args, options) as Promise<RuntimeReply>;
    return fn.applySync(undefined, args, options) as RuntimeReply;
  }

  /** A host-side failure of a call: the memory limit, the deadline, an uncopyable answer, or a stray rejection. */
  private failure(err: unknown, entry: "act" | "episode" | "reset", what: string): PolicyError {
    if (this.isolate.isDisposed && !this.closed)
      return new PolicyError(
        `policy "${this.name}" ran out of memory in ${what} (limit ${this.options.memoryLimitMb} MB); its sandbox was disposed`,
        "memory",
        { cause: err },
      );
    const message = errorMessage(err);
    if (message.includes("Script execution timed out")) {
      const deadline = entry === "episode" ? this.episodeDeadlineMs : this.options.stepDeadlineMs;
      const doing = entry === "act" ? "answer" : entry === "episode" ? "finish its episode" : "finish reset()";
      return new PolicyError(`policy "${this.name}" did not ${doing} within ${deadline} ms`, "deadline", {
        cause: err,
      });
    }
    if (entry === "act" && message.includes("could not be cloned"))
      return new PolicyError(`policy "${this.name}" returned an unusable action: ${message}`, "bad-action", {
        cause: err,
      });
    const thrown = fromHostError(err, this.bundle);
    return new PolicyError(`policy "${this.name}" threw in ${what}${headline(thrown)}`, "threw", {
      cause: asError(thrown),
    });
  }

  private mapped(thrown: ThrownByPolicy): ThrownByPolicy {
    return { ...thrown, stack: cleanStack(thrown.stack, this.bundle) };
  }

  private keepLogs(lines: string[]): void {
    const room = this.options.maxLogLines - this.logs.length;
    if (lines.length <= room) this.logs.push(...lines);
    else {
      this.logs.push(...lines.slice(0, Math.max(0, room)));
      this.droppedLogs += lines.length - Math.max(0, room);
    }
  }
}

function resolveOptions(options: SandboxOptions): typeof sandboxDefaults {
  const o = {
    stepDeadlineMs: options.stepDeadlineMs ?? sandboxDefaults.stepDeadlineMs,
    memoryLimitMb: options.memoryLimitMb ?? sandboxDefaults.memoryLimitMb,
    loadDeadlineMs: options.loadDeadlineMs ?? sandboxDefaults.loadDeadlineMs,
    calls: options.calls ?? sandboxDefaults.calls,
    maxLogLines: options.maxLogLines ?? sandboxDefaults.maxLogLines,
    maxToolCalls: options.maxToolCalls ?? sandboxDefaults.maxToolCalls,
  };
  const positive = (name: string, v: number, min = 0) => {
    if (!(Number.isFinite(v) && v > min))
      throw new InvalidInputError(`${name} must be a number above ${min}, got ${v}`);
  };
  positive("stepDeadlineMs", o.stepDeadlineMs);
  positive("loadDeadlineMs", o.loadDeadlineMs);
  positive("maxLogLines", o.maxLogLines);
  positive("maxToolCalls", o.maxToolCalls);
  if (!(Number.isFinite(o.memoryLimitMb) && o.memoryLimitMb >= 8))
    throw new InvalidInputError(`memoryLimitMb must be at least 8 (isolated-vm's minimum), got ${o.memoryLimitMb}`);
  if (o.calls !== "sync" && o.calls !== "async")
    throw new InvalidInputError(`calls must be "sync" or "async", got ${JSON.stringify(o.calls)}`);
  return o;
}

function copyBoth(timeout: number) {
  return { arguments: { copy: true }, result: { copy: true }, timeout } as const;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error raised in the isolate but thrown by isolated-vm on the host (e.g. module code, a stray rejection). */
function fromHostError(err: unknown, bundle: PolicyBundle): ThrownByPolicy {
  if (!(err instanceof Error)) return { name: "", message: String(err), stack: "" };
  return { name: err.name, message: err.message, stack: cleanStack(err.stack ?? "", bundle) };
}

/**
 * The policy's stack with bundle positions mapped to its own files, and the harness's frames (the runtime, the
 * isolate boundary, the host) left out.
 */
function cleanStack(stack: string, bundle: PolicyBundle): string {
  const lines = bundle.map.mapStack(stack, BUNDLE_NAME).split("\n");
  const kept = lines.filter(
    (line, i) =>
      i === 0 || !/^\s+at /.test(line) || !/enpire-sandbox-runtime\.js|<isolated-vm|file:\/\/|node:/.test(line),
  );
  return kept.join("\n");
}

/**
 * " at policy.ts:12:7: TypeError: x is not a function": the policy's innermost frame, then its message. The place
 * goes first so that whoever appends to the message (the runner adds " (at step 12)") keeps the two apart.
 */
function headline(thrown: ThrownByPolicy): string {
  const head = thrown.name && thrown.name !== "Error" ? `${thrown.name}: ${thrown.message}` : thrown.message;
  const frame = thrown.stack.split("\n").find((line) => /^\s+at /.test(line));
  const at = frame?.match(/\(([^()]+:\d+:\d+)\)\s*$/)?.[1] ?? frame?.match(/at ([^\s()]+:\d+:\d+)\s*$/)?.[1];
  return at ? ` at ${at}: ${head}` : `: ${head}`;
}

function asError(thrown: ThrownByPolicy): Error {
  const err = new Error(thrown.message);
  if (thrown.name) err.name = thrown.name;
  err.stack = thrown.stack || `${err.name}: ${thrown.message}`;
  return err;
}
