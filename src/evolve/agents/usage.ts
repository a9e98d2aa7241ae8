/**
 * Token accounting from the coding agents' own output, and the paper's token metrics (§4: MTU, tokens to success).
 *
 * TokenUsage counts tokens the way the paper's Fig. 13 does:
 *   input        every prompt token the model read, cached or not (cached input is part of input)
 *   cachedInput  the part of input served from the provider's prompt cache (fresh input = input - cachedInput)
 *   output       every generated token, reasoning included
 *   reasoning    the part of output spent on hidden reasoning; 0 where the CLI does not report it (claude, kimi)
 *   total        input + output, the paper's aggregate (MTU and tokens to success are computed from it)
 *
 * The three CLIs report usage differently, and each parser says which kind of figure its line carries:
 *   claude  stream-json (Claude Code 2.1.x). Every `assistant` line carries the usage of one API response, and one
 *           response is split over several lines (one per content block) that share `message.id` and repeat the
 *           same usage: kind "message", counted once per id. The final `result` line carries the session's total:
 *           kind "total". Its `modelUsage` (per model, subagents and helper models included) is preferred over its
 *           `usage` (main loop only) when present. Anthropic's `input_tokens` excludes cache reads and writes, so
 *           input = input_tokens + cache_creation_input_tokens + cache_read_input_tokens.
 *   codex   `codex exec --json` (codex-rs/exec/src/exec_events.rs): `turn.completed.usage` is the thread's cumulative
 *           total (the exec processor copies `usage.total` of the last token-count update): kind "total". The
 *           session rollout file ($CODEX_HOME/sessions/…/rollout-*.jsonl) has `event_msg`/`token_count` lines
 *           whose `info.total_token_usage` is cumulative as well: kind "total". OpenAI's input_tokens already
 *           includes cached_input_tokens, and output_tokens includes reasoning_output_tokens.
 *   kimi    kimi-cli wire protocol 1.10 (docs/en/customization/wire-mode.md): each `StatusUpdate` event carries the
 *           `token_usage` of one step (one LLM call): kind "delta", summed. A subagent's steps arrive wrapped in
 *           `SubagentEvent` and are summed too. input = input_other + input_cache_read + input_cache_creation.
 */
import { InvalidInputError } from "../../core/errors.js";

export interface TokenUsage {
  input: number;
  cachedInput: number;
  output: number;
  reasoning: number;
  total: number;
}

/** What one line of a CLI's output says about usage; see the header for which CLI emits which kind. */
export type UsageReading =
  | { kind: "delta"; usage: TokenUsage } // tokens of one step: add
  | { kind: "message"; messageId: string; usage: TokenUsage } // one API response, possibly repeated: count once
  | { kind: "total"; usage: TokenUsage }; // the session's cumulative total so far: replaces what came before

/** The running total of one session at a wall-clock time (epoch ms). */
export interface UsagePoint {
  atMs: number;
  total: number;
}

export const ZERO_USAGE: Readonly<TokenUsage> = Object.freeze({
  input: 0,
  cachedInput: 0,
  output: 0,
  reasoning: 0,
  total: 0,
});

/** Builds a TokenUsage, total = input + output. */
export function tokenUsage(parts: {
  input: number;
  cachedInput?: number;
  output: number;
  reasoning?: number;
}): TokenUsage {
  return {
    input: parts.input,
    cachedInput: parts.cachedInput ?? 0,
    output: parts.output,
    reasoning: parts.reasoning ?? 0,
    total: parts.input + parts.output,
  };
}

/**
 * Field-wise sum.
 * @example addUsage(tokenUsage({ input: 10, output: 2 }), tokenUsage({ input: 5, output: 1 })).total // 18
 */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    cachedInput: a.cachedInput + b.cachedInput,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
    total: a.total + b.total,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers: one line in, the reading it carries out (null for lines without usage, and for lines that are not JSON).

type Json = Record<string, unknown>;

function parseJson(line: string): Json | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-negative count, or 0 when the field is absent (CLIs omit zero fields). */
function count(obj: Json, key: string): number {
  const v = obj[key];
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}

/** Anthropic usage (snake_case in messages and `result.usage`). */
function anthropicUsage(u: Json): TokenUsage {
  const cacheRead = count(u, "cache_read_input_tokens");
  const input = count(u, "input_tokens") + count(u, "cache_creation_input_tokens") + cacheRead;
  return tokenUsage({ input, cachedInput: cacheRead, output: count(u, "output_tokens") });
}

/**
 * Claude Code `--output-format stream-json` (with `--verbose`), as printed by Claude Code 2.1.x.
 * @example parseClaudeStream('{"type":"result","usage":{"input_tokens":3,"output_tokens":5}}') // kind "total"
 */
export function parseClaudeStream(line: string): UsageReading | null {
  const event = parseJson(line);
  if (!event) return null;
  if (event.type === "assistant" && isObject(event.message)) {
    const { id, usage } = event.message;
    if (typeof id !== "string" || !isObject(usage)) return null;
    return { kind: "message", messageId: id, usage: anthropicUsage(usage) };
  }
  if (event.type === "result") {
    // modelUsage: { "<model>": { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, … } }
    if (isObject(event.modelUsage) && Object.keys(event.modelUsage).length > 0) {
      let sum: TokenUsage = ZERO_USAGE;
      for (const m of Object.values(event.modelUsage)) {
        if (!isObject(m)) continue;
        const cacheRead = count(m, "cacheReadInputTokens");
        const input = count(m, "inputTokens") + count(m, "cacheCreationInputTokens") + cacheRead;
        sum = addUsage(sum, tokenUsage({ input, cachedInput: cacheRead, output: count(m, "outputTokens") }));
      }
      return { kind: "total", usage: sum };
    }
    if (isObject(event.usage)) return { kind: "total", usage: anthropicUsage(event.usage) };
  }
  return null;
}

/** OpenAI-style counts as codex prints them: input includes cached input, output includes reasoning. */
function openAiUsage(u: Json): TokenUsage {
  return tokenUsage({
    input: count(u, "input_tokens"),
    cachedInput: count(u, "cached_input_tokens"),
    output: count(u, "output_tokens"),
    reasoning: count(u, "reasoning_output_tokens"),
  });
}

/**
 * `codex exec --json` lines (`turn.completed`), and `token_count` lines of codex's session rollout file.
 * @example parseCodexStream('{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}')
 */
export function parseCodexStream(line: string): UsageReading | null {
  const event = parseJson(line);
  if (!event) return null;
  if (event.type === "turn.completed" && isObject(event.usage))
    return { kind: "total", usage: openAiUsage(event.usage) };
  if (event.type === "event_msg" && isObject(event.payload) && event.payload.type === "token_count") {
    const info = event.payload.info;
    if (isObject(info) && isObject(info.total_token_usage)) {
      return { kind: "total", usage: openAiUsage(info.total_token_usage) };
    }
  }
  return null;
}

/** The per-step token usage of a wire message `{ type, payload }`, looking inside subagent events. */
function kimiStepUsage(message: Json): TokenUsage | null {
  const payload = message.payload;
  if (!isObject(payload)) return null;
  if (message.type === "StatusUpdate" && isObject(payload.token_usage)) {
    const u = payload.token_usage;
    const cacheRead = count(u, "input_cache_read");
    const input = count(u, "input_other") + cacheRead + count(u, "input_cache_creation");
    return tokenUsage({ input, cachedInput: cacheRead, output: count(u, "output") });
  }
  if (message.type === "SubagentEvent" && isObject(payload.event)) return kimiStepUsage(payload.event);
  return null;
}

/**
 * kimi-cli `--wire` output: JSON-RPC `event` notifications whose `StatusUpdate` carries one step's token usage.
 * @example parseKimiStream('{"jsonrpc":"2.0","method":"event","params":{"type":"StatusUpdate","payload":{"token_usage":{"input_other":10,"output":3,"input_cache_read":90,"input_cache_creation":0}}}}')
 */
export function parseKimiStream(line: string): UsageReading | null {
  const message = parseJson(line);
  if (message?.method !== "event" || !isObject(message.params)) return null;
  const usage = kimiStepUsage(message.params);
  return usage ? { kind: "delta", usage } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Accumulation

/**
 * Keeps one session's running total from a mix of readings: the last "total" is the base, deltas and messages seen
 * after it are added, and a message id is counted once (its latest usage wins, as a response's usage is repeated on
 * each of its lines).
 * @example
 * const tally = new UsageTally();
 * tally.add({ kind: "delta", usage: tokenUsage({ input: 100, output: 10 }) });
 * tally.total.total // 110
 */
export class UsageTally {
  private base: TokenUsage = ZERO_USAGE;
  private deltas: TokenUsage = ZERO_USAGE;
  private readonly messages = new Map<string, TokenUsage>();
  private readonly counted = new Set<string>(); // message ids already inside a reported total

  /** Adds a reading and returns the running total. */
  add(reading: UsageReading): TokenUsage {
    if (reading.kind === "delta") this.deltas = addUsage(this.deltas, reading.usage);
    else if (reading.kind === "message") {
      if (!this.counted.has(reading.messageId)) this.messages.set(reading.messageId, reading.usage);
    } else {
      this.base = reading.usage;
      this.deltas = ZERO_USAGE;
      for (const id of this.messages.keys()) this.counted.add(id);
      this.messages.clear();
    }
    return this.total;
  }

  get total(): TokenUsage {
    let sum = addUsage(this.base, this.deltas);
    for (const u of this.messages.values()) sum = addUsage(sum, u);
    return sum;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics (paper §4)

/**
 * Mean Token Utilization: tokens (input + output) consumed per minute of wall clock.
 * @example meanTokenUtilization(tokenUsage({ input: 50_000, output: 10_000 }), 2 * 60_000) // 30000
 */
export function meanTokenUtilization(usage: TokenUsage, elapsedMs: number): number {
  if (!Number.isFinite(elapsedMs) || elapsedMs <= 0) {
    throw new InvalidInputError(`elapsedMs must be a positive number of milliseconds, got ${elapsedMs}`);
  }
  return usage.total / (elapsedMs / 60_000);
}

function checkTimeline(timeline: readonly UsagePoint[]): void {
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i].atMs < timeline[i - 1].atMs) {
      throw new InvalidInputError(
        `usage timeline must be in time order; point ${i} (atMs ${timeline[i].atMs}) is before point ${i - 1} (atMs ${timeline[i - 1].atMs})`,
      );
    }
  }
}

/**
 * Tokens to Success: the tokens consumed up to the moment the objective was reached (the running total of the last
 * point at or before it; usage is reported when a model call completes), or null if it never was.
 * @example tokensToSuccess([{ atMs: 0, total: 0 }, { atMs: 60_000, total: 5_000 }, { atMs: 120_000, total: 9_000 }], 90_000) // 5000
 */
export function tokensToSuccess(timeline: readonly UsagePoint[], reachedAtMs: number | null): number | null {
  checkTimeline(timeline);
  if (reachedAtMs === null) return null;
  let total = 0;
  for (const p of timeline) {
    if (p.atMs > reachedAtMs) break;
    total = p.total;
  }
  return total;
}

/**
 * Time to Success in ms: from the start (by default the timeline's first point, which `launchAgent` puts at the
 * session's start with total 0) to the moment the objective was reached, or null if it never was.
 * @example timeToSuccess([{ atMs: 1_000, total: 0 }, { atMs: 61_000, total: 700 }], 31_000) // 30000
 */
export function timeToSuccess(
  timeline: readonly UsagePoint[],
  reachedAtMs: number | null,
  startedAtMs: number | undefined = timeline[0]?.atMs,
): number | null {
  checkTimeline(timeline);
  if (reachedAtMs === null) return null;
  if (startedAtMs === undefined) {
    throw new InvalidInputError("timeToSuccess needs a start: pass startedAtMs, or a timeline with at least one point");
  }
  if (reachedAtMs < startedAtMs) {
    throw new InvalidInputError(`the objective was reached (atMs ${reachedAtMs}) before the start (${startedAtMs})`);
  }
  return reachedAtMs - startedAtMs;
}

/**
 * A fleet's timeline from its agents' timelines: at each point in time, the sum of every agent's latest running
 * total, so `tokensToSuccess(mergeTimelines(agents), t)` is the whole team's token budget up to t.
 * @example mergeTimelines([[{ atMs: 0, total: 0 }, { atMs: 10, total: 5 }], [{ atMs: 5, total: 2 }]]) // totals 0, 2, 7
 */
export function mergeTimelines(timelines: readonly (readonly UsagePoint[])[]): UsagePoint[] {
  for (const t of timelines) checkTimeline(t);
  const events = timelines.flatMap((t, agent) => t.map((p) => ({ agent, ...p })));
  events.sort((a, b) => a.atMs - b.atMs);
  const latest = new Array<number>(timelines.length).fill(0);
  const merged: UsagePoint[] = [];
  let sum = 0;
  for (const e of events) {
    sum += e.total - latest[e.agent];
    latest[e.agent] = e.total;
    const last = merged[merged.length - 1];
    if (last && last.atMs === e.atMs) last.total = sum;
    else merged.push({ atMs: e.atMs, total: sum });
  }
  return merged;
}
