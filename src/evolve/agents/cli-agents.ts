/**
 * Runs one non-interactive session of a real coding-agent CLI (Claude Code, Codex, Kimi Code) in an agent's git
 * worktree, with enpire's MCP server attached and permission prompts bypassed (the paper's agents ran so, App. B.1),
 * and counts its tokens from the CLI's own machine-readable output (usage.ts).
 *
 * The exact command lines, and what they rest on:
 *
 *   claude -p --output-format stream-json --verbose --dangerously-skip-permissions
 *          --strict-mcp-config --mcp-config <log>.mcp.json                       prompt on stdin
 *     Claude Code 2.1.x (anthropics/claude-code CHANGELOG.md, read at 2.1.240). Under -p, stream-json needs --verbose
 *     ("When using --print, --output-format=stream-json requires --verbose"). --mcp-config takes several files, so
 *     the prompt goes on stdin, never after it (`claude -p` reads its prompt from stdin when none is given).
 *     --strict-mcp-config ignores other MCP configs (e.g. the worktree's .mcp.json). As root, Claude Code refuses
 *     --dangerously-skip-permissions unless IS_SANDBOX=1 (anthropics/claude-code#3490). Usage semantics:
 *     code.claude.com/docs/en/agent-sdk/cost-tracking (count each message id once; the result carries the total).
 *
 *   codex -c mcp_servers.<name>.command=… -c mcp_servers.<name>.args=[…] [-c mcp_servers.<name>.env={…}]
 *         -c mcp_servers.<name>.startup_timeout_sec=60 -c mcp_servers.<name>.tool_timeout_sec=3600
 *         exec --json --color never --dangerously-bypass-approvals-and-sandbox -C <worktree> -      prompt on stdin
 *     openai/codex codex-rs/exec/src/cli.rs and docs/exec.md (`-` reads the prompt from stdin; a prompt argument plus a
 *     piped stdin would append stdin as a `<stdin>` block), exec_events.rs for the JSONL events. `-c key=value` values
 *     are TOML. Codex prints usage only when the turn completes, so during the session the running total is read from
 *     the session's rollout file, $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl (token_count).
 *
 *   kimi --wire --yolo --work-dir <worktree> --mcp-config-file <log>.mcp.json    JSON-RPC on stdin and stdout
 *     MoonshotAI/kimi-cli 1.49 (PyPI kimi-cli; docs/en/reference/kimi-command.md, docs/en/customization/wire-mode.md,
 *     wire protocol 1.10). Its print mode (--print --output-format stream-json) carries no token usage, so enpire
 *     speaks the wire protocol: initialize, then one prompt; StatusUpdate events carry each step's usage; approval
 *     requests are answered "approve" (--yolo already approves); stdin is closed when the prompt's response arrives.
 *     The newer TypeScript "Kimi Code" CLI (npm @moonshot-ai/kimi-code, also `kimi`) has neither usage in its output
 *     nor an MCP config flag, and is refused with a message saying so.
 *
 * MCP servers started by codex and kimi get a minimal environment (PATH, HOME and a few more; codex-rs
 * create_env_for_mcp_server) plus mcpServer.env: pass there whatever enpire's server needs. MCP tool calls may take
 * MCP_TOOL_TIMEOUT_MS under claude (MCP_TOOL_TIMEOUT) and codex (tool_timeout_sec); kimi-cli's limit is its config's
 * `[mcp.client] tool_call_timeout_ms` (default 60 s), which no flag overrides without replacing the whole config.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { EnpireError, InvalidInputError } from "../../core/errors.js";
import {
  parseClaudeStream,
  parseCodexStream,
  parseKimiStream,
  type TokenUsage,
  type UsagePoint,
  type UsageReading,
  UsageTally,
} from "./usage.js";

export type AgentKind = "claude" | "codex" | "kimi";
export const AGENT_KINDS: readonly AgentKind[] = ["claude", "codex", "kimi"];

/** How long one MCP tool call may take before the CLI gives up on it (claude, codex): evaluations take minutes. */
export const MCP_TOOL_TIMEOUT_MS = 3_600_000;
/** How long the CLI waits for the MCP server to start (claude, codex). */
export const MCP_STARTUP_TIMEOUT_MS = 60_000;
const VERSION_TIMEOUT_MS = 15_000;
const ROLLOUT_POLL_MS = 500;
const DRAIN_AFTER_EXIT_MS = 2_000;

/** The CLI cannot be used: its binary, its credentials, or a usable version is missing. Retrying will not help. */
export class AgentUnavailableError extends EnpireError {
  constructor(
    readonly agent: AgentKind,
    readonly missing: "binary" | "credentials" | "version" | "permissions",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** enpire's MCP server as the agent should start it (stdio). */
export interface McpServerSpec {
  name: string; // letters, digits, "_" and "-": it becomes part of tool names (mcp__enpire__run) and of TOML keys
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface LaunchOptions {
  kind: AgentKind;
  /** The agent's git worktree: the CLI works there. */
  cwd: string;
  prompt: string;
  mcpServer: McpServerSpec;
  /** Raw stdout and stderr of the CLI, line by line as they arrive (appended). Config files go beside it. */
  logFile: string;
  /** Stop the session (SIGTERM to its process group, SIGKILL after killGraceMs) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The CLI's environment (default process.env): credentials, PATH, HOME. */
  env?: NodeJS.ProcessEnv;
  /** Called with the running total each time it changes. Must not throw: an exception stops the session. */
  onUsage?: (usage: TokenUsage) => void;
  /** Between SIGTERM and SIGKILL when a session is stopped (default 5000 ms). */
  killGraceMs?: number;
}

export interface AgentSession {
  kind: AgentKind;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  startedAt: string; // ISO 8601
  endedAt: string;
  usage: TokenUsage;
  /** The agent's final answer (claude `result`, codex last agent_message, kimi last step's text), if it gave one. */
  lastMessage: string | null;
  /** Why enpire stopped it, or null when it ended by itself. */
  stopped: "timeout" | "aborted" | null;
  /** The failure the CLI reported in its stream (claude is_error result, codex turn.failed, kimi error), if any. */
  error: string | null;
  /** Running totals over wall-clock time (epoch ms), from { startedAt, 0 }: for tokensToSuccess and timeToSuccess. */
  usageTimeline: UsagePoint[];
  /** The binary and arguments that ran; the prompt went on stdin (as text, or for kimi as a wire-protocol request). */
  argv: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// What each CLI is, how to install it, what it needs

interface Profile {
  binary: string;
  product: string;
  install: string;
  parse: (line: string) => UsageReading | null;
}

const PROFILES: Record<AgentKind, Profile> = {
  claude: {
    binary: "claude",
    product: "Claude Code",
    install: "npm install -g @anthropic-ai/claude-code",
    parse: parseClaudeStream,
  },
  codex: { binary: "codex", product: "Codex CLI", install: "npm install -g @openai/codex", parse: parseCodexStream },
  kimi: {
    binary: "kimi",
    product: "Kimi Code CLI (the Python kimi-cli)",
    install: "uv tool install --python 3.13 kimi-cli",
    parse: parseKimiStream,
  },
};

function checkKind(kind: unknown): asserts kind is AgentKind {
  if (!AGENT_KINDS.includes(kind as AgentKind)) {
    throw new InvalidInputError(`unknown agent kind "${String(kind)}"; known kinds: ${AGENT_KINDS.join(", ")}`);
  }
}

/** The first executable file named `name` in env.PATH, or null. */
async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      const stat = await fsp.stat(candidate);
      if (!stat.isFile()) continue;
      await fsp.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next directory
    }
  }
  return null;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function runQuiet(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), error: error ?? undefined });
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? "").trim() !== "";
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Why the CLI has no credentials (one line: what is missing and how to fix it), or null when it has some. */
async function missingCredentials(kind: AgentKind, binary: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (kind === "claude") {
    const vars = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"];
    const clouds = ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"];
    if ([...vars, ...clouds].some((v) => isSet(env, v))) return null;
    // `claude auth login` keeps its OAuth credentials in <config dir>/.credentials.json on Linux, the Keychain on macOS
    const file = path.join(env.CLAUDE_CONFIG_DIR || path.join(home(env), ".claude"), ".credentials.json");
    if (await exists(file)) return null;
    if (process.platform === "darwin") {
      const keychain = await runQuiet(
        "security",
        ["find-generic-password", "-s", "Claude Code-credentials"],
        env,
        5000,
      );
      if (keychain.code === 0) return null;
    }
    return (
      `claude has no credentials: set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN from \`claude setup-token\`), ` +
      `or run \`claude auth login\` (it writes ${file})`
    );
  }
  if (kind === "codex") {
    // CODEX_API_KEY is read by `codex exec`; OPENAI_API_KEY is not used for Codex's own login
    if (isSet(env, "CODEX_API_KEY") || isSet(env, "CODEX_ACCESS_TOKEN")) return null;
    const file = path.join(env.CODEX_HOME || path.join(home(env), ".codex"), "auth.json");
    if (await exists(file)) return null;
    // credentials may live in the OS keyring instead (cli_auth_credentials_store): ask codex itself
    const status = await runQuiet(binary, ["login", "status"], env, VERSION_TIMEOUT_MS);
    if (status.code === 0) return null;
    return (
      `codex has no credentials: set CODEX_API_KEY, or run \`codex login\` ` +
      `(or \`printenv OPENAI_API_KEY | codex login --with-api-key\`; it writes ${file})`
    );
  }
  // kimi: `kimi login` writes default_model and the provider to config.toml (OAuth tokens under credentials/); the
  // KIMI_* variables override a configured provider, or stand alone when all three are set
  const shareDir = env.KIMI_SHARE_DIR || path.join(home(env), ".kimi");
  const config = path.join(shareDir, "config.toml");
  const text = await fsp.readFile(config, "utf8").catch(() => "");
  if (/^\s*default_model\s*=\s*["'][^"']+["']/m.test(text)) return null;
  if (["KIMI_API_KEY", "KIMI_BASE_URL", "KIMI_MODEL_NAME"].every((v) => isSet(env, v))) return null;
  return (
    `kimi has no model configured: run \`kimi login\` (it writes ${config}), or set KIMI_API_KEY, ` +
    "KIMI_BASE_URL (e.g. https://api.moonshot.ai/v1) and KIMI_MODEL_NAME"
  );
}

/**
 * Checks that the CLI is on PATH, answers `--version`, is a version enpire can drive, and has credentials (an API
 * key in `env` or the CLI's own login). Throws AgentUnavailableError saying what is missing and how to fix it.
 * @example const { binary, version } = await checkAgent("codex"); // "/usr/local/bin/codex", "0.130.0"
 */
export async function checkAgent(
  kind: AgentKind,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ binary: string; version: string }> {
  checkKind(kind);
  const profile = PROFILES[kind];
  const binary = await findOnPath(profile.binary, env);
  if (!binary) {
    throw new AgentUnavailableError(
      kind,
      "binary",
      `${profile.binary} (${profile.product}) is not on PATH; install it with \`${profile.install}\`, ` +
        "or add its directory to PATH",
    );
  }
  const run = await runQuiet(binary, ["--version"], env, VERSION_TIMEOUT_MS);
  const versionText = firstLine(run.stdout) || firstLine(run.stderr);
  if (run.code !== 0) {
    throw new AgentUnavailableError(
      kind,
      "binary",
      `\`${binary} --version\` failed (${run.code === null ? (run.error?.message ?? "no exit code") : `exit ${run.code}`}` +
        `${versionText ? `: ${versionText}` : ""}); reinstall it with \`${profile.install}\``,
      { cause: run.error },
    );
  }
  const version = /\d+\.\d+\.\d+[\w.+-]*/.exec(versionText)?.[0] ?? versionText;
  if (kind === "kimi" && !/^kimi, version /.test(versionText)) {
    // kimi-cli prints "kimi, version X"; the TypeScript Kimi Code prints the bare version
    throw new AgentUnavailableError(
      kind,
      "version",
      `the kimi on PATH (${binary}, version ${version}) is the TypeScript Kimi Code CLI, whose output carries no ` +
        `token usage and which takes no MCP config flag; install the Python kimi-cli with \`${profile.install}\``,
    );
  }
  const missing = await missingCredentials(kind, binary, env);
  if (missing) throw new AgentUnavailableError(kind, "credentials", missing);
  if (kind === "claude" && process.getuid?.() === 0 && env.IS_SANDBOX !== "1") {
    throw new AgentUnavailableError(
      kind,
      "permissions",
      "claude refuses --dangerously-skip-permissions (which enpire's sessions use) when run as root; run enpire as " +
        "a non-root user, or set IS_SANDBOX=1 if this machine is a disposable sandbox",
    );
  }
  return { binary, version };
}

// ---------------------------------------------------------------------------------------------------------------
// Command lines

export interface AgentCommand {
  /** Arguments after the binary. */
  args: string[];
  /** How the prompt reaches the CLI: written to stdin and closed, or sent as a wire-protocol request. */
  promptVia: "stdin" | "wire";
  /** Variables the CLI needs, added to its environment unless the caller set them. */
  env: Record<string, string>;
}

const MCP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The MCP config file for claude and kimi, beside the log: session.log → session.mcp.json. */
export function mcpConfigPath(logFile: string): string {
  const ext = path.extname(logFile);
  return `${ext ? logFile.slice(0, -ext.length) : logFile}.mcp.json`;
}

/** A TOML basic string: JSON's escapes are TOML's too; TOML also wants DEL escaped, which JSON leaves raw. */
const toml = (s: string): string => JSON.stringify(s).split("\u007f").join("\\u007F");

/**
 * The command line of one non-interactive session (see the header for the sources).
 * @example agentCommand("codex", { cwd: "/w", mcpServer: { name: "enpire", command: "node", args: ["mcp.js"] }, mcpConfigFile: "/l/s.mcp.json" }).args[0] // "-c"
 */
export function agentCommand(
  kind: AgentKind,
  o: { cwd: string; mcpServer: McpServerSpec; mcpConfigFile: string },
): AgentCommand {
  checkKind(kind);
  if (kind === "claude") {
    return {
      args: [
        "-p",
        "--output-format",
        "stream-json",
        "--verbose",
        "--dangerously-skip-permissions",
        "--strict-mcp-config",
        "--mcp-config",
        o.mcpConfigFile,
      ],
      promptVia: "stdin",
      env: { MCP_TIMEOUT: String(MCP_STARTUP_TIMEOUT_MS), MCP_TOOL_TIMEOUT: String(MCP_TOOL_TIMEOUT_MS) },
    };
  }
  if (kind === "codex") {
    const key = `mcp_servers.${o.mcpServer.name}`;
    const overrides = [
      `${key}.command=${toml(o.mcpServer.command)}`,
      `${key}.args=[${o.mcpServer.args.map(toml).join(",")}]`,
    ];
    const env = Object.entries(o.mcpServer.env ?? {});
    if (env.length > 0) overrides.push(`${key}.env={${env.map(([k, v]) => `${toml(k)}=${toml(v)}`).join(",")}}`);
    overrides.push(`${key}.startup_timeout_sec=${MCP_STARTUP_TIMEOUT_MS / 1000}`);
    overrides.push(`${key}.tool_timeout_sec=${MCP_TOOL_TIMEOUT_MS / 1000}`);
    return {
      args: [
        ...overrides.flatMap((v) => ["-c", v]),
        "exec",
        "--json",
        "--color",
        "never",
        "--dangerously-bypass-approvals-and-sandbox",
        "-C",
        o.cwd,
        "-",
      ],
      promptVia: "stdin",
      env: {},
    };
  }
  return {
    args: ["--wire", "--yolo", "--work-dir", o.cwd, "--mcp-config-file", o.mcpConfigFile],
    promptVia: "wire",
    env: {},
  };
}

function mcpConfigJson(server: McpServerSpec): string {
  const entry: Record<string, unknown> = { command: server.command, args: server.args };
  if (server.env && Object.keys(server.env).length > 0) entry.env = server.env;
  return `${JSON.stringify({ mcpServers: { [server.name]: entry } }, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the stream: final message and reported failure, per CLI

type Json = Record<string, unknown>;

function json(line: string): Json | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

const obj = (v: unknown): Json | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : null;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

interface StreamState {
  lastMessage: string | null;
  error: string | null;
  codexThreadId: string | null;
}

function observeClaude(e: Json, s: StreamState): void {
  const message = obj(e.message);
  if (e.type === "assistant" && message && !e.parent_tool_use_id && Array.isArray(message.content)) {
    const text = message.content
      .map((b) => (obj(b)?.type === "text" ? (str(obj(b)?.text) ?? "") : ""))
      .join("")
      .trim();
    if (text) s.lastMessage = text;
  } else if (e.type === "result") {
    const result = str(e.result);
    if (result !== null) s.lastMessage = result;
    if (e.is_error === true || (typeof e.subtype === "string" && e.subtype !== "success")) {
      const errors = Array.isArray(e.errors) ? e.errors.map(String).join("; ") : "";
      s.error = `${String(e.subtype ?? "error")}: ${errors || result || "no detail"}`;
    }
  }
}

function observeCodex(e: Json, s: StreamState): void {
  const item = obj(e.item);
  if (e.type === "thread.started") s.codexThreadId = str(e.thread_id);
  else if (e.type === "item.completed" && item?.type === "agent_message") s.lastMessage = str(item.text);
  else if (e.type === "turn.failed") s.error = str(obj(e.error)?.message) ?? "turn failed";
  else if (e.type === "error") s.error = str(e.message) ?? "error";
  else if (e.type === "turn.completed") s.error = null; // an `error` event before a completed turn was recovered from
}

// ---------------------------------------------------------------------------------------------------------------
// The kimi wire protocol (JSON-RPC 2.0, one message per line)

const KIMI_INIT_ID = "enpire-initialize";
const KIMI_PROMPT_ID = "enpire-prompt";

class KimiWire {
  private stepText = "";
  private lastStepText = "";

  constructor(
    private readonly send: (message: Json) => void,
    private readonly endInput: () => void,
    private readonly prompt: string,
    private readonly state: StreamState,
  ) {}

  start(): void {
    this.send({
      jsonrpc: "2.0",
      method: "initialize",
      id: KIMI_INIT_ID,
      params: {
        protocol_version: "1.10",
        client: { name: "enpire" },
        // no human answers questions, and plan mode would stop the agent waiting for approval
        capabilities: { supports_question: false, supports_plan_mode: false },
      },
    });
  }

  observe(m: Json): void {
    const params = obj(m.params);
    if (m.method === "event" && params) this.onEvent(params);
    else if (m.method === "request" && typeof m.id === "string") this.onRequest(m.id, params);
    else if (m.id === KIMI_INIT_ID) {
      // an older server answers "method not found": it takes the prompt without a handshake
      this.send({ jsonrpc: "2.0", method: "prompt", id: KIMI_PROMPT_ID, params: { user_input: this.prompt } });
    } else if (m.id === KIMI_PROMPT_ID) {
      const status = str(obj(m.result)?.status);
      const error = obj(m.error);
      if (error) this.state.error = `kimi error ${String(error.code)}: ${String(error.message)}`;
      else if (status !== "finished") this.state.error = `turn ended with status "${status ?? "unknown"}"`;
      this.state.lastMessage = this.finalText();
      this.endInput(); // the wire server exits when its stdin closes
    }
  }

  /** The text of the last top-level step that said something. */
  finalText(): string | null {
    return (this.stepText.trim() ? this.stepText : this.lastStepText).trim() || null;
  }

  private onEvent(e: Json): void {
    // top-level events only: a subagent's text arrives wrapped in SubagentEvent and is not the final answer
    if (e.type === "StepBegin" || e.type === "TurnBegin") {
      if (this.stepText.trim()) this.lastStepText = this.stepText;
      this.stepText = "";
    } else if (e.type === "ContentPart") {
      const part = obj(e.payload);
      if (part?.type === "text") this.stepText += str(part.text) ?? "";
    }
  }

  private onRequest(id: string, params: Json | null): void {
    const payload = obj(params?.payload);
    if (params?.type === "ApprovalRequest" && payload) {
      this.send({ jsonrpc: "2.0", id, result: { request_id: str(payload.id) ?? id, response: "approve" } });
    } else {
      // questions, external tools and hooks were not offered in initialize; answer so the agent never waits
      this.send({
        jsonrpc: "2.0",
        id,
        error: { code: -32601, message: `enpire does not handle ${String(params?.type)} requests` },
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Codex's rollout file: the running total while the turn is still going

class CodexRolloutTail {
  private file: string | null = null;
  private offset = 0;
  private partial = "";
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly codexHome: string,
    private readonly threadId: string,
    private readonly startedMs: number,
    private readonly onLine: (line: string) => void,
  ) {}

  poll(): Promise<void> {
    this.busy = this.busy.then(() => this.read()).catch(() => undefined); // a vanished file is retried next poll
    return this.busy;
  }

  private async find(): Promise<string | null> {
    // sessions/YYYY/MM/DD in local time, from the session's start day to today
    const day = new Date(this.startedMs);
    day.setHours(0, 0, 0, 0);
    for (; day.getTime() <= Date.now(); day.setDate(day.getDate() + 1)) {
      const dir = path.join(
        this.codexHome,
        "sessions",
        String(day.getFullYear()),
        String(day.getMonth() + 1).padStart(2, "0"),
        String(day.getDate()).padStart(2, "0"),
      );
      const names = await fsp.readdir(dir).catch(() => [] as string[]);
      const name = names.find((n) => n.startsWith("rollout-") && n.endsWith(`${this.threadId}.jsonl`));
      if (name) return path.join(dir, name);
    }
    return null;
  }

  private async read(): Promise<void> {
    this.file ??= await this.find();
    if (!this.file) return;
    const handle = await fsp.open(this.file, "r");
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buf.subarray(0, bytesRead).toString("utf8")).split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) this.onLine(line);
    } finally {
      await handle.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

/** Calls `each` with every line (newline included) of a stream, and the unterminated rest at its end. */
function eachLine(stream: Readable, each: (line: string) => void): void {
  let buffer = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      each(buffer.slice(0, nl + 1));
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
    }
  });
  stream.on("end", () => {
    if (buffer) each(`${buffer}\n`);
    buffer = "";
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM to the whole process group (the CLI, its MCP server, its shells), SIGKILL to whatever is left after graceMs. */
async function stopGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && signalGroup(pid, 0)) await sleep(50);
  if (signalGroup(pid, 0)) signalGroup(pid, "SIGKILL");
}

/**
 * Runs one non-interactive session of the agent CLI in `cwd` with enpire's MCP server attached, and resolves when
 * it ends (by itself, on timeoutMs, or on `signal`). Its raw stdout and stderr go to logFile; token usage is parsed
 * from its stream as lines arrive. The CLI runs in a process group of its own; whatever is left in it when the
 * session ends (a background job, the MCP server) is stopped too. Throws AgentUnavailableError when the CLI cannot
 * run (see checkAgent).
 * @example
 * const session = await launchAgent({
 *   kind: "claude", cwd: "/proj/branches/idea-a", prompt: stationPrompt(station),
 *   mcpServer: { name: "enpire", command: "npx", args: ["enpire", "mcp"] }, logFile: "/proj/logs/idea-a/1.log",
 *   timeoutMs: 3 * 3_600_000, onUsage: (u) => console.log(u.total),
 * });
 */
export async function launchAgent(opts: LaunchOptions): Promise<AgentSession> {
  checkKind(opts.kind);
  const cwd = path.resolve(opts.cwd);
  const stat = await fsp.stat(cwd).catch(() => null);
  if (!stat?.isDirectory()) throw new InvalidInputError(`cwd "${cwd}" is not a directory; pass the agent's worktree`);
  if (!opts.prompt.trim()) throw new InvalidInputError("prompt is empty; pass the station prompt");
  if (!MCP_NAME.test(opts.mcpServer.name)) {
    throw new InvalidInputError(
      `MCP server name "${opts.mcpServer.name}" must be 1-64 letters, digits, "_" or "-" (it becomes part of tool names)`,
    );
  }
  const { timeoutMs } = opts;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidInputError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  opts.signal?.throwIfAborted();

  const env = opts.env ?? process.env;
  const { binary } = await checkAgent(opts.kind, env);
  const logFile = path.resolve(opts.logFile);
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  const mcpConfigFile = mcpConfigPath(logFile);
  const command = agentCommand(opts.kind, { cwd, mcpServer: opts.mcpServer, mcpConfigFile });
  if (command.args.includes(mcpConfigFile)) await fsp.writeFile(mcpConfigFile, mcpConfigJson(opts.mcpServer));
  const childEnv: NodeJS.ProcessEnv = { ...env };
  for (const [k, v] of Object.entries(command.env)) childEnv[k] ??= v;
  const session = new Session(opts, binary, command, cwd, childEnv, logFile);
  return session.run();
}

/** One running CLI: its process group, its log, and what its stream has said so far. */
class Session {
  private readonly startedMs = Date.now();
  private readonly tally = new UsageTally();
  private readonly timeline: UsagePoint[] = [{ atMs: this.startedMs, total: 0 }];
  private readonly state: StreamState = { lastMessage: null, error: null, codexThreadId: null };
  private readonly argv: string[];
  private stopped: AgentSession["stopped"] = null;
  private stopping: Promise<void> | null = null;
  private ending = false; // past the point where a stop can still change anything
  private callbackError: { error: unknown } | null = null;
  private rollout: CodexRolloutTail | null = null;
  private rolloutTimer: NodeJS.Timeout | null = null;
  private pid: number | undefined;

  constructor(
    private readonly opts: LaunchOptions,
    private readonly binary: string,
    private readonly command: AgentCommand,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {
    this.argv = [binary, ...command.args];
  }

  async run(): Promise<AgentSession> {
    const { opts } = this;
    // detached: the CLI leads its own process group, so stopping it reaches its MCP server and shells too
    const child = spawn(this.binary, this.command.args, {
      cwd: this.cwd,
      env: this.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", reject);
      });
    } catch (e) {
      // e.g. the binary vanished since checkAgent: nothing ran
      throw new AgentUnavailableError(opts.kind, "binary", `could not start ${this.binary}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    this.pid = child.pid;
    child.stdin.on("error", () => {
      // EPIPE: the CLI exited before reading all its input; its exit code and output say why
    });

    const log = fs.createWriteStream(this.logFile, { flags: "a" });
    const logClosed = new Promise<void>((resolve) => log.once("close", () => resolve()));
    const wire =
      opts.kind === "kimi"
        ? new KimiWire(
            (m) => child.stdin.write(`${JSON.stringify(m)}\n`),
            () => child.stdin.end(),
            opts.prompt,
            this.state,
          )
        : null;
    eachLine(child.stdout, (line) => {
      log.write(line);
      this.onStdoutLine(line, wire);
    });
    eachLine(child.stderr, (line) => log.write(line));
    const streamsClosed = Promise.all([child.stdout, child.stderr].map((s) => new Promise((r) => s.once("close", r))));

    const timer = opts.timeoutMs === undefined ? null : setTimeout(() => this.stop("timeout"), opts.timeoutMs);
    const onAbort = () => this.stop("aborted");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (wire) wire.start();
    else child.stdin.end(opts.prompt);

    const exit = await exited;
    // a grandchild that inherited the CLI's stdout may hold it open: wait for the rest of the output only briefly
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([streamsClosed, new Promise((r) => (drainTimer = setTimeout(r, DRAIN_AFTER_EXIT_MS)))]);
    clearTimeout(drainTimer);
    child.stdout.destroy();
    child.stderr.destroy();
    this.ending = true;
    if (this.stopping) await this.stopping;
    else if (child.pid !== undefined && signalGroup(child.pid, 0)) {
      // the session is over: what it left running in its process group (a background job) ends with it
      await stopGroup(child.pid, opts.killGraceMs ?? 5000);
    }
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (this.rolloutTimer) clearInterval(this.rolloutTimer);
    await this.rollout?.poll(); // usage written since the last poll, or in place of turn.completed after a stop
    log.end();
    await logClosed;
    if (this.callbackError) throw this.callbackError.error;
    return {
      kind: opts.kind,
      exitCode: exit.code,
      signal: exit.signal,
      startedAt: new Date(this.startedMs).toISOString(),
      endedAt: new Date().toISOString(),
      usage: this.tally.total,
      lastMessage: this.state.lastMessage ?? wire?.finalText() ?? null,
      stopped: this.stopped,
      error: this.state.error,
      usageTimeline: this.timeline,
      argv: this.argv,
    };
  }

  private onStdoutLine(line: string, wire: KimiWire | null): void {
    const event = json(line);
    if (event && this.opts.kind === "claude") observeClaude(event, this.state);
    else if (event && this.opts.kind === "codex") {
      observeCodex(event, this.state);
      if (this.state.codexThreadId && !this.rollout) this.tailRollout(this.state.codexThreadId);
    } else if (event) wire?.observe(event);
    this.record(PROFILES[this.opts.kind].parse(line));
  }

  private tailRollout(threadId: string): void {
    const codexHome = this.env.CODEX_HOME || path.join(home(this.env), ".codex");
    const tail = new CodexRolloutTail(codexHome, threadId, this.startedMs, (l) => this.record(parseCodexStream(l)));
    this.rollout = tail;
    this.rolloutTimer = setInterval(() => void tail.poll(), ROLLOUT_POLL_MS);
  }

  private record(reading: UsageReading | null): void {
    if (!reading) return;
    const before = this.tally.total;
    const total = this.tally.add(reading);
    if (JSON.stringify(before) === JSON.stringify(total)) return;
    this.timeline.push({ atMs: Date.now(), total: total.total });
    if (!this.opts.onUsage || this.callbackError) return;
    try {
      this.opts.onUsage(total);
    } catch (error) {
      this.callbackError = { error };
      this.stop("aborted");
    }
  }

  private stop(reason: "timeout" | "aborted"): void {
    if (this.stopping || this.ending || this.pid === undefined) return;
    this.stopped = reason;
    this.stopping = stopGroup(this.pid, this.opts.killGraceMs ?? 5000);
  }
}
