/**
 * The host's half of tool calls (see ../tools.ts): the tool sets a sandboxed policy was started with, the one
 * dispatcher the isolate calls synchronously, and the record of every call (which tool, at which step, when, how long,
 * whether it failed, its arguments and result summarised). SandboxedPolicy owns one ToolCalls and hands its records
 * out with drainToolCalls().
 *
 * The dispatcher answers the isolate with a tagged pair, never a throw, so the runtime decides how a failure reads:
 *   [1, value]    the tool answered; value is copied into the isolate
 *   [0, message]  the tool threw or answered with something that is not plain data; the policy sees an Error
 *                 "tool <ns>.<name> failed: <message>"
 */
import { InvalidInputError } from "../../core/errors.js";
import { summariseForEvents } from "../../core/trial.js";
import type { ToolSet } from "../tools.js";

/** One tool call as the host saw it; the station writes each as a "tool" event. */
export interface ToolCallRecord {
  /** "namespace.name", e.g. "pusht.perceive". */
  tool: string;
  /** The policy's step when it called: acts since its last reset() (0 during the first act, and in reset()). */
  step: number;
  /** When the call began, ms since the policy's last reset() (since the sandbox started, before any reset). */
  tMs: number;
  /** How long the tool took on the host, ms (µs resolution). */
  ms: number;
  ok: boolean;
  /** Why it failed, as the policy's Error says after "failed: ". */
  error?: string;
  /** The arguments, with large arrays replaced by a description ({ kind, length }). */
  args?: unknown[];
  /** The answer, summarised the same way; absent when the call failed. */
  result?: unknown;
}

export type ToolReply = [ok: 1, value: unknown] | [ok: 0, message: string];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Checks that tool sets can be exposed as `ctx.tools[namespace][name]`; throws InvalidInputError otherwise. */
export function toolNames(sets: readonly ToolSet[]): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const set of sets) {
    if (!IDENTIFIER.test(set.namespace))
      throw new InvalidInputError(`tool namespace ${JSON.stringify(set.namespace)} is not a JavaScript identifier`);
    if (Object.hasOwn(names, set.namespace))
      throw new InvalidInputError(`two tool sets share the namespace "${set.namespace}"`);
    const fns = Object.keys(set.functions);
    for (const name of fns) {
      if (!IDENTIFIER.test(name))
        throw new InvalidInputError(`tool ${set.namespace}.${name} does not have a JavaScript identifier as its name`);
      if (typeof set.functions[name] !== "function")
        throw new InvalidInputError(`tool ${set.namespace}.${name} is not a function`);
    }
    names[set.namespace] = fns;
  }
  return names;
}

/** The tool sets of one sandbox, the call records since the last drain, and the step/clock they are stamped with. */
export class ToolCalls {
  private records: ToolCallRecord[] = [];
  private dropped = 0;
  private origin = performance.now();
  private readonly byNamespace = new Map<string, ToolSet>();

  constructor(
    readonly sets: readonly ToolSet[],
    private readonly maxRecords: number,
    private readonly stepNow: () => number,
  ) {
    for (const set of sets) this.byNamespace.set(set.namespace, set);
  }

  /** Restarts the clock records are stamped with (the policy's reset) and resets every set that has a reset(). */
  reset(): void {
    this.origin = performance.now();
    for (const set of this.sets) set.reset?.();
  }

  /** Runs one call from the isolate, times and records it. Never throws: a failure is the reply [0, message]. */
  call(namespace: string, name: string, args: unknown[]): ToolReply {
    const tool = `${namespace}.${name}`;
    const fn = this.byNamespace.get(namespace)?.functions[name];
    const started = performance.now();
    let reply: ToolReply;
    if (typeof fn !== "function") reply = [0, "no such tool"];
    else {
      try {
        const value = (fn as (...a: unknown[]) => unknown)(...args);
        const problem = notPlainData(value, "its answer", 0);
        reply = problem ? [0, `${problem}; a tool must answer with plain data`] : [1, value];
      } catch (err) {
        reply = [0, err instanceof Error ? err.message : String(err)];
      }
    }
    const ended = performance.now();
    const record: ToolCallRecord = {
      tool,
      step: this.stepNow(),
      tMs: round3(started - this.origin),
      ms: round3(ended - started),
      ok: reply[0] === 1,
    };
    if (reply[0] === 0) record.error = reply[1];
    record.args = args.map(summariseForEvents);
    if (reply[0] === 1 && reply[1] !== undefined) record.result = summariseForEvents(reply[1]);
    if (this.records.length < this.maxRecords) this.records.push(record);
    else this.dropped++;
    return reply;
  }

  /** The records since the last drain, oldest first, and how many more were dropped over the cap. */
  drain(): { calls: ToolCallRecord[]; dropped: number } {
    const out = { calls: this.records, dropped: this.dropped };
    this.records = [];
    this.dropped = 0;
    return out;
  }

  /** Closes every set; a set whose close fails does not keep the others open. */
  async close(): Promise<void> {
    await Promise.allSettled(this.sets.map(async (set) => set.close?.()));
  }
}

/** Why a tool's answer cannot be copied into the isolate as data, or undefined when it can. */
function notPlainData(v: unknown, where: string, depth: number): string | undefined {
  const t = typeof v;
  if (v === null || t === "undefined" || t === "number" || t === "string" || t === "boolean") return undefined;
  if (t === "function") return `${where} is a function`;
  if (t === "symbol" || t === "bigint") return `${where} is a ${t}`;
  if (ArrayBuffer.isView(v)) return undefined;
  if (depth >= 8) return `${where} nests more than 8 levels deep`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = notPlainData(v[i], `${where}[${i}]`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  if (typeof (v as { then?: unknown }).then === "function") return `${where} is a Promise (tools answer synchronously)`;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null)
    return `${where} is a ${(v as object).constructor?.name ?? "class instance"}, not plain data`;
  for (const [k, x] of Object.entries(v as object)) {
    const r = notPlainData(x, `${where}.${k}`, depth + 1);
    if (r) return r;
  }
  return undefined;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
