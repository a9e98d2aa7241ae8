import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { InvalidInputError } from "../../core/errors.js";
import { type AgentKind, AgentUnavailableError, agentCommand, checkAgent, launchAgent } from "./cli-agents.js";
import { stationPrompt } from "./station-prompt.js";
import {
  meanTokenUtilization,
  mergeTimelines,
  parseClaudeStream,
  parseCodexStream,
  parseKimiStream,
  type TokenUsage,
  timeToSuccess,
  tokensToSuccess,
  tokenUsage,
  UsageTally,
} from "./usage.js";

// ---------------------------------------------------------------------------------------------------------------
// Fake CLIs: small node scripts that print what the real ones print (lines built from each CLI's documented format)
// and record the argv, working directory and stdin they got.

const COMMON = `
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const record = (name, extra) => fs.writeFileSync(path.join(process.env.FAKE_DIR, name + "-call.json"),
  JSON.stringify({ argv: args, cwd: process.cwd(), env: { IS_SANDBOX: process.env.IS_SANDBOX,
  MCP_TOOL_TIMEOUT: process.env.MCP_TOOL_TIMEOUT }, ...extra }));
const readStdin = (then) => { let s = ""; process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => (s += d)); process.stdin.on("end", () => then(s)); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function hang(name, extra) {
  // a shell-like grandchild in the same process group, and a leader that ignores SIGTERM: only SIGKILL ends it
  const { spawn } = require("node:child_process");
  const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  process.on("SIGTERM", () => {});
  record(name, { ...extra, grandchild: grandchild.pid });
  setInterval(() => {}, 1000);
}
`;

const FAKE_CLAUDE = `#!/usr/bin/env node
${COMMON}
if (args[0] === "--version") { console.log("2.1.240 (Claude Code)"); process.exit(0); }
readStdin(async (stdin) => {
  const i = args.indexOf("--mcp-config");
  const mcpConfig = i >= 0 ? JSON.parse(fs.readFileSync(args[i + 1], "utf8")) : null;
  const usage1 = { input_tokens: 5, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0, output_tokens: 40 };
  if (process.env.FAKE_MODE === "hang") {
    out({ type: "assistant", message: { id: "msg_1", content: [{ type: "text", text: "Thinking." }], usage: usage1 } });
    return hang("claude", { stdin, mcpConfig });
  }
  record("claude", { stdin, mcpConfig });
  out({ type: "system", subtype: "init", session_id: "s1", mcp_servers: [{ name: "enpire", status: "connected" }] });
  // one API response split over two lines (text, tool_use) that repeat its id and usage
  out({ type: "assistant", parent_tool_use_id: null, session_id: "s1", message: { id: "msg_1", type: "message",
    role: "assistant", content: [{ type: "text", text: "Let me evaluate." }], usage: usage1 } });
  out({ type: "assistant", parent_tool_use_id: null, session_id: "s1", message: { id: "msg_1", type: "message",
    role: "assistant", content: [{ type: "tool_use", id: "t1", name: "mcp__enpire__evaluate_branch", input: {} }],
    usage: usage1 } });
  process.stderr.write("a warning on stderr\\n");
  out({ type: "assistant", parent_tool_use_id: "t1", session_id: "s1", message: { id: "msg_sub",
    content: [{ type: "text", text: "subagent notes" }], usage: { input_tokens: 3, cache_read_input_tokens: 200,
    output_tokens: 10 } } });
  out({ type: "user", session_id: "s1", message: { role: "user", content: [{ type: "tool_result", tool_use_id: "t1",
    content: "success 50/50" }] } });
  out({ type: "assistant", parent_tool_use_id: null, session_id: "s1", message: { id: "msg_2",
    content: [{ type: "text", text: "All 50 seeds succeed." }], usage: { input_tokens: 2,
    cache_read_input_tokens: 1000, output_tokens: 20 } } });
  await sleep(20);
  out({ type: "result", subtype: "success", is_error: false, num_turns: 2, result: "All 50 seeds succeed.",
    session_id: "s1", total_cost_usd: 0.01, usage: { input_tokens: 7, cache_creation_input_tokens: 1000,
    cache_read_input_tokens: 1000, output_tokens: 60 },
    modelUsage: { "claude-opus-4-7": { inputTokens: 7, outputTokens: 60, cacheReadInputTokens: 1000,
      cacheCreationInputTokens: 1000, webSearchRequests: 0, costUSD: 0.009, contextWindow: 200000 },
      "claude-haiku-4-5": { inputTokens: 53, outputTokens: 10, cacheReadInputTokens: 200,
      cacheCreationInputTokens: 0, webSearchRequests: 0, costUSD: 0.001, contextWindow: 200000 } } });
});
`;

const THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
const FAKE_CODEX = `#!/usr/bin/env node
${COMMON}
if (args[0] === "--version") { console.log("codex-cli 0.130.0"); process.exit(0); }
if (args[0] === "login" && args[1] === "status") { console.error("Not logged in"); process.exit(1); }
readStdin(async (stdin) => {
  // a background job the agent leaves running: it must not outlive the session
  const job = require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"],
    { stdio: "ignore" });
  job.unref();
  record("codex", { stdin, job: job.pid });
  const now = new Date();
  const day = [String(now.getFullYear()), String(now.getMonth() + 1).padStart(2, "0"), String(now.getDate()).padStart(2, "0")];
  const dir = path.join(process.env.CODEX_HOME, "sessions", ...day);
  fs.mkdirSync(dir, { recursive: true });
  const rollout = path.join(dir, "rollout-" + day.join("-") + "T10-00-00-${THREAD}.jsonl");
  const tokenCount = (input, cached, output, reasoning) => JSON.stringify({ timestamp: now.toISOString(),
    type: "event_msg", payload: { type: "token_count", info: { total_token_usage: { input_tokens: input,
    cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning,
    total_tokens: input + output }, last_token_usage: null, model_context_window: 272000 } } }) + "\\n";
  out({ type: "thread.started", thread_id: "${THREAD}" });
  out({ type: "turn.started" });
  fs.writeFileSync(rollout, JSON.stringify({ type: "session_meta", payload: { id: "${THREAD}" } }) + "\\n" +
    tokenCount(1000, 800, 50, 20));
  out({ type: "item.completed", item: { id: "item_0", type: "reasoning", text: "**Evaluating the branch**" } });
  out({ type: "item.started", item: { id: "item_1", type: "mcp_tool_call", server: "enpire",
    tool: "evaluate_branch", arguments: {}, result: null, error: null, status: "in_progress" } });
  await sleep(1200); // a long tool call: only the rollout file tells the running total meanwhile
  fs.appendFileSync(rollout, tokenCount(2000, 1700, 90, 30));
  out({ type: "item.completed", item: { id: "item_2", type: "agent_message", text: "All seeds pass." } });
  out({ type: "turn.completed", usage: { input_tokens: 2000, cached_input_tokens: 1700, output_tokens: 90,
    reasoning_output_tokens: 30 } });
});
`;

const FAKE_KIMI = `#!/usr/bin/env node
${COMMON}
if (args[0] === "--version") { console.log(process.env.FAKE_KIMI_VERSION || "kimi, version 1.49.0"); process.exit(0); }
const i = args.indexOf("--mcp-config-file");
const mcpConfig = i >= 0 ? JSON.parse(fs.readFileSync(args[i + 1], "utf8")) : null;
const seen = [];
const event = (type, payload) => out({ jsonrpc: "2.0", method: "event", params: { type, payload } });
const usage = (input_other, output, input_cache_read, input_cache_creation) =>
  ({ token_usage: { input_other, output, input_cache_read, input_cache_creation }, message_id: "m" });
let onApproval = null;
const rl = require("node:readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  seen.push(m);
  if (m.method === "initialize") {
    out({ jsonrpc: "2.0", id: m.id, result: { protocol_version: "1.10", server: { name: "Kimi Code CLI",
      version: "1.49.0" }, slash_commands: [] } });
  } else if (m.method === "prompt" && process.env.FAKE_MODE === "no-llm") {
    out({ jsonrpc: "2.0", id: m.id, error: { code: -32001, message: "LLM is not set" } });
  } else if (m.method === "prompt") {
    event("TurnBegin", { user_input: m.params.user_input });
    event("StepBegin", { n: 1 });
    event("ContentPart", { type: "text", text: "Checking the branch." });
    event("StatusUpdate", usage(100, 20, 900, 0));
    onApproval = () => {
      event("SubagentEvent", { parent_tool_call_id: "tc2", agent_id: "a1", subagent_type: "coder",
        event: { type: "StatusUpdate", payload: usage(50, 5, 0, 10) } });
      event("SubagentEvent", { parent_tool_call_id: "tc2", agent_id: "a1", subagent_type: "coder",
        event: { type: "ContentPart", payload: { type: "text", text: "subagent notes" } } });
      event("StepBegin", { n: 2 });
      event("ContentPart", { type: "text", text: "Goal reached" });
      event("ContentPart", { type: "text", text: " on all seeds." });
      event("StatusUpdate", usage(10, 30, 1000, 0));
      event("TurnEnd", {});
      out({ jsonrpc: "2.0", id: m.id, result: { status: "finished" } });
    };
    out({ jsonrpc: "2.0", method: "request", id: "req-1", params: { type: "ApprovalRequest", payload: {
      id: "approval-1", tool_call_id: "tc1", sender: "Shell", action: "run shell command",
      description: "Run git commit", display: [] } } });
  } else if (m.id === "req-1" && onApproval) {
    onApproval();
  }
});
rl.on("close", () => { record("kimi", { mcpConfig, seen }); process.exit(0); });
`;

interface Sandbox {
  root: string;
  bin: string;
  home: string;
  worktree: string;
  logs: string;
  env: NodeJS.ProcessEnv;
  call(name: AgentKind): Record<string, unknown>;
}

const roots: string[] = [];
after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

function sandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-agents-"));
  roots.push(root);
  const dirs = { bin: "bin", home: "home", worktree: "worktree", logs: "logs", fake: "fake", codexHome: "codex-home" };
  const p = Object.fromEntries(Object.entries(dirs).map(([k, d]) => [k, path.join(root, d)])) as typeof dirs;
  for (const d of Object.values(p)) fs.mkdirSync(d);
  for (const [name, text] of [
    ["claude", FAKE_CLAUDE],
    ["codex", FAKE_CODEX],
    ["kimi", FAKE_KIMI],
  ]) {
    fs.writeFileSync(path.join(p.bin, name), text);
    fs.chmodSync(path.join(p.bin, name), 0o755);
  }
  fs.mkdirSync(path.join(p.home, ".kimi"));
  fs.writeFileSync(path.join(p.home, ".kimi", "config.toml"), 'default_model = "kimi-code/kimi-for-coding"\n');
  const env: NodeJS.ProcessEnv = {
    PATH: `${p.bin}${path.delimiter}${process.env.PATH}`,
    HOME: p.home,
    FAKE_DIR: p.fake,
    CODEX_HOME: p.codexHome,
    ANTHROPIC_API_KEY: "sk-test",
    CODEX_API_KEY: "sk-test",
    IS_SANDBOX: "1", // the tests may run as root, where claude needs it for --dangerously-skip-permissions
  };
  return {
    root,
    ...p,
    env,
    call: (name) => JSON.parse(fs.readFileSync(path.join(p.fake, `${name}-call.json`), "utf8")),
  };
}

const MCP = { name: "enpire", command: "node", args: ["/opt/enpire/bin/enpire.js", "mcp", "--store", "/s"] };
const PROMPT = "Improve the Push-T policy.\nRecord every hypothesis.";

// ---------------------------------------------------------------------------------------------------------------
// Sessions

test("claude: argv, MCP config beside the log, prompt on stdin, usage counted once per response, result total wins", async () => {
  const s = sandbox();
  const seen: TokenUsage[] = [];
  const logFile = path.join(s.logs, "claude-1.log");
  const session = await launchAgent({
    kind: "claude",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer: MCP,
    logFile,
    env: s.env,
    onUsage: (u) => seen.push(u),
  });
  const call = s.call("claude");
  const mcpFile = path.join(s.logs, "claude-1.mcp.json");
  assert.deepEqual(call.argv, [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--dangerously-skip-permissions",
    "--strict-mcp-config",
    "--mcp-config",
    mcpFile,
  ]);
  assert.equal(call.cwd, fs.realpathSync(s.worktree));
  assert.equal(call.stdin, PROMPT);
  assert.deepEqual(call.mcpConfig, { mcpServers: { enpire: { command: MCP.command, args: MCP.args } } });
  assert.equal((call.env as Record<string, string>).MCP_TOOL_TIMEOUT, "3600000");
  assert.deepEqual(session.argv, [path.join(s.bin, "claude"), ...(call.argv as string[])]);

  // msg_1 twice (counted once) 1005 in + 40 out, subagent 203 + 10, msg_2 1002 + 20; then the result's modelUsage
  assert.deepEqual(
    session.usageTimeline.map((p) => p.total),
    [0, 1045, 1258, 2280, 2330],
  );
  assert.deepEqual(session.usage, { input: 2260, cachedInput: 1200, output: 70, reasoning: 0, total: 2330 });
  assert.deepEqual(
    seen.map((u) => u.total),
    [1045, 1258, 2280, 2330],
  );
  assert.equal(session.lastMessage, "All 50 seeds succeed.");
  assert.equal(session.exitCode, 0);
  assert.equal(session.stopped, null);
  assert.equal(session.error, null);
  assert.ok(Date.parse(session.endedAt) >= Date.parse(session.startedAt));

  const log = fs.readFileSync(logFile, "utf8");
  assert.equal(log.split("\n").filter((l) => l.startsWith('{"type":"assistant"')).length, 4);
  assert.match(log, /^a warning on stderr$/m);
  assert.match(log, /"type":"result"/);
  assert.ok(!fs.readdirSync(s.worktree).length, "nothing is written into the worktree");
});

test("codex: -c MCP overrides, exec flags, prompt on stdin; running total from the rollout file before the turn ends", async () => {
  const s = sandbox();
  const seen: number[] = [];
  const mcpServer = { ...MCP, env: { ENPIRE_HOME: "/srv/enpire home" } };
  const session = await launchAgent({
    kind: "codex",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer,
    logFile: path.join(s.logs, "codex.log"),
    env: s.env,
    onUsage: (u) => seen.push(u.total),
  });
  const call = s.call("codex");
  assert.deepEqual(call.argv, [
    "-c",
    'mcp_servers.enpire.command="node"',
    "-c",
    'mcp_servers.enpire.args=["/opt/enpire/bin/enpire.js","mcp","--store","/s"]',
    "-c",
    'mcp_servers.enpire.env={"ENPIRE_HOME"="/srv/enpire home"}',
    "-c",
    "mcp_servers.enpire.startup_timeout_sec=60",
    "-c",
    "mcp_servers.enpire.tool_timeout_sec=3600",
    "exec",
    "--json",
    "--color",
    "never",
    "--dangerously-bypass-approvals-and-sandbox",
    "-C",
    path.resolve(s.worktree),
    "-",
  ]);
  assert.equal(call.stdin, PROMPT);
  assert.equal(call.cwd, fs.realpathSync(s.worktree));
  assert.deepEqual(seen, [1050, 2090], "the rollout's 1050 arrived while the turn was running");
  assert.deepEqual(session.usage, { input: 2000, cachedInput: 1700, output: 90, reasoning: 30, total: 2090 });
  assert.equal(session.lastMessage, "All seeds pass.");
  assert.equal(session.exitCode, 0);
  assert.equal(fs.existsSync(path.join(s.logs, "codex.mcp.json")), false, "codex is configured by -c alone");
  assert.throws(() => process.kill(call.job as number, 0), { code: "ESRCH" }, "its background job ended with it");
  assert.match(fs.readFileSync(path.join(s.logs, "codex.log"), "utf8"), /"type":"turn.completed"/);
});

test("kimi: wire protocol, approvals answered, per-step usage summed with subagents, last step's text", async () => {
  const s = sandbox();
  const logFile = path.join(s.logs, "kimi.log");
  const session = await launchAgent({
    kind: "kimi",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer: MCP,
    logFile,
    env: s.env,
  });
  const call = s.call("kimi") as { argv: string[]; mcpConfig: unknown; seen: Record<string, unknown>[] };
  const mcpFile = path.join(s.logs, "kimi.mcp.json");
  assert.deepEqual(call.argv, [
    "--wire",
    "--yolo",
    "--work-dir",
    path.resolve(s.worktree),
    "--mcp-config-file",
    mcpFile,
  ]);
  assert.deepEqual(call.mcpConfig, { mcpServers: { enpire: { command: MCP.command, args: MCP.args } } });
  assert.deepEqual(
    call.seen.map((m) => m.method ?? `response ${m.id}`),
    ["initialize", "prompt", "response req-1"],
  );
  assert.deepEqual((call.seen[0].params as Record<string, unknown>).capabilities, {
    supports_question: false,
    supports_plan_mode: false,
  });
  assert.deepEqual(call.seen[1].params, { user_input: PROMPT });
  assert.deepEqual(call.seen[2], {
    jsonrpc: "2.0",
    id: "req-1",
    result: { request_id: "approval-1", response: "approve" },
  });
  // steps: 1000 in (900 cached) + 20 out; subagent 60 + 5; 1010 (1000 cached) + 30
  assert.deepEqual(session.usage, { input: 2070, cachedInput: 1900, output: 55, reasoning: 0, total: 2125 });
  assert.equal(session.lastMessage, "Goal reached on all seeds.");
  assert.equal(session.exitCode, 0);
  assert.equal(session.error, null);
});

test("kimi: an error answer to the prompt ends the session and is reported", async () => {
  const s = sandbox();
  const session = await launchAgent({
    kind: "kimi",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer: MCP,
    logFile: path.join(s.logs, "kimi-fail.log"),
    env: { ...s.env, FAKE_MODE: "no-llm" },
  });
  assert.equal(session.error, "kimi error -32001: LLM is not set");
  assert.equal(session.lastMessage, null);
  assert.equal(session.usage.total, 0);
});

test("an onUsage that throws stops the session, and launchAgent rejects with its error", async () => {
  const s = sandbox();
  const boom = new Error("ledger is closed");
  await assert.rejects(
    launchAgent({
      kind: "claude",
      cwd: s.worktree,
      prompt: PROMPT,
      mcpServer: MCP,
      logFile: path.join(s.logs, "throw.log"),
      env: { ...s.env, FAKE_MODE: "hang" },
      killGraceMs: 200,
      onUsage: () => {
        throw boom;
      },
    }),
    (e) => e === boom,
  );
});

test("a session that outlives timeoutMs is stopped: SIGTERM, then SIGKILL for the whole process group", async () => {
  const s = sandbox();
  const started = Date.now();
  const session = await launchAgent({
    kind: "claude",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer: MCP,
    logFile: path.join(s.logs, "hang.log"),
    env: { ...s.env, FAKE_MODE: "hang" },
    timeoutMs: 600,
    killGraceMs: 300,
  });
  const elapsed = Date.now() - started;
  assert.equal(session.stopped, "timeout");
  assert.equal(session.signal, "SIGKILL", "the leader ignored SIGTERM");
  assert.ok(elapsed >= 850 && elapsed < 4000, `stopped after ${elapsed} ms`);
  assert.equal(session.usage.total, 1045, "usage seen before the stop is kept");
  assert.match(fs.readFileSync(path.join(s.logs, "hang.log"), "utf8"), /"msg_1"/);
  const { grandchild } = s.call("claude") as { grandchild: number };
  assert.throws(() => process.kill(grandchild, 0), { code: "ESRCH" }, "the grandchild was killed too");
});

test("an aborted session is stopped and says so", async () => {
  const s = sandbox();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const session = await launchAgent({
    kind: "claude",
    cwd: s.worktree,
    prompt: PROMPT,
    mcpServer: MCP,
    logFile: path.join(s.logs, "abort.log"),
    env: { ...s.env, FAKE_MODE: "hang" },
    signal: controller.signal,
    killGraceMs: 200,
  });
  assert.equal(session.stopped, "aborted");
  assert.ok(session.exitCode === null && session.signal !== null);
});

// ---------------------------------------------------------------------------------------------------------------
// Refusals

async function refusal(kind: AgentKind, env: NodeJS.ProcessEnv): Promise<AgentUnavailableError> {
  try {
    await checkAgent(kind, env);
  } catch (e) {
    assert.ok(e instanceof AgentUnavailableError, String(e));
    assert.ok(!e.message.includes("\n"), "one line");
    return e;
  }
  assert.fail(`checkAgent("${kind}") accepted it`);
}

test("a missing binary is refused with the install command", async () => {
  const s = sandbox();
  const env = { ...s.env, PATH: path.join(s.root, "empty") };
  const claude = await refusal("claude", env);
  assert.equal(claude.missing, "binary");
  assert.match(
    claude.message,
    /^claude \(Claude Code\) is not on PATH; install it with `npm install -g @anthropic-ai\/claude-code`/,
  );
  assert.match((await refusal("codex", env)).message, /`npm install -g @openai\/codex`/);
  assert.match((await refusal("kimi", env)).message, /`uv tool install --python 3\.13 kimi-cli`/);
  await assert.rejects(
    launchAgent({
      kind: "codex",
      cwd: s.worktree,
      prompt: PROMPT,
      mcpServer: MCP,
      logFile: path.join(s.logs, "x.log"),
      env,
    }),
    AgentUnavailableError,
  );
});

test("missing credentials are refused with the variable to set and the login command", async () => {
  const s = sandbox();
  const bare = { PATH: s.env.PATH, HOME: path.join(s.root, "empty-home"), FAKE_DIR: s.env.FAKE_DIR };
  const claude = await refusal("claude", { ...bare, IS_SANDBOX: "1" });
  assert.equal(claude.missing, "credentials");
  assert.match(claude.message, /set ANTHROPIC_API_KEY .*run `claude auth login`/);
  const codex = await refusal("codex", bare);
  assert.match(codex.message, /set CODEX_API_KEY, or run `codex login`/);
  const kimi = await refusal("kimi", bare);
  assert.match(kimi.message, /run `kimi login`.*KIMI_API_KEY, KIMI_BASE_URL .* and KIMI_MODEL_NAME/);

  // each CLI's own login is found where it keeps it
  const claudeDir = path.join(s.root, "claude-config");
  fs.mkdirSync(claudeDir);
  fs.writeFileSync(path.join(claudeDir, ".credentials.json"), "{}");
  assert.equal(
    (await checkAgent("claude", { ...bare, CLAUDE_CONFIG_DIR: claudeDir, IS_SANDBOX: "1" })).version,
    "2.1.240",
  );
  fs.writeFileSync(path.join(s.root, "codex-home", "auth.json"), "{}");
  assert.equal(
    (await checkAgent("codex", { ...bare, CODEX_HOME: path.join(s.root, "codex-home") })).version,
    "0.130.0",
  );
  assert.deepEqual(await checkAgent("kimi", { ...bare, HOME: s.home }), {
    binary: path.join(s.bin, "kimi"),
    version: "1.49.0",
  });
  const trio = { KIMI_API_KEY: "k", KIMI_BASE_URL: "https://api.moonshot.ai/v1", KIMI_MODEL_NAME: "m" };
  assert.equal((await checkAgent("kimi", { ...bare, ...trio })).version, "1.49.0");
});

test("the TypeScript Kimi Code CLI and claude as root without IS_SANDBOX are refused, saying why", async () => {
  const s = sandbox();
  const kimi = await refusal("kimi", { ...s.env, FAKE_KIMI_VERSION: "0.38.0" });
  assert.equal(kimi.missing, "version");
  assert.match(kimi.message, /TypeScript Kimi Code CLI.*`uv tool install --python 3\.13 kimi-cli`/);
  if (process.getuid?.() === 0) {
    const { IS_SANDBOX: _, ...env } = s.env;
    assert.match((await refusal("claude", env)).message, /as root.*IS_SANDBOX=1/);
  }
});

test("bad launch options are refused before anything runs", async () => {
  const s = sandbox();
  const base = { kind: "claude" as const, cwd: s.worktree, prompt: PROMPT, mcpServer: MCP, env: s.env };
  const logFile = path.join(s.logs, "bad.log");
  await assert.rejects(launchAgent({ ...base, logFile, mcpServer: { ...MCP, name: "en pire" } }), InvalidInputError);
  await assert.rejects(launchAgent({ ...base, logFile, cwd: path.join(s.root, "nope") }), /is not a directory/);
  await assert.rejects(launchAgent({ ...base, logFile, timeoutMs: 0 }), /timeoutMs/);
  await assert.rejects(
    launchAgent({ ...base, logFile, kind: "gemini" as AgentKind }),
    /known kinds: claude, codex, kimi/,
  );
  assert.equal(fs.existsSync(logFile), false);
  assert.deepEqual(
    agentCommand("kimi", { cwd: "/w", mcpServer: MCP, mcpConfigFile: "/l/k.mcp.json" }).promptVia,
    "wire",
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Usage parsing and metrics

test("parsers read each CLI's documented usage lines, and say whether a figure is a delta, a message or a total", () => {
  // codex docs/exec.md sample
  assert.deepEqual(
    parseCodexStream(
      '{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}',
    ),
    { kind: "total", usage: { input: 24763, cachedInput: 24448, output: 122, reasoning: 0, total: 24885 } },
  );
  assert.equal(
    parseCodexStream('{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Yep"}}'),
    null,
  );
  assert.equal(parseCodexStream('{"type":"event_msg","payload":{"type":"token_count","info":null}}'), null);
  // claude: Anthropic input_tokens excludes cache reads and writes
  assert.deepEqual(
    parseClaudeStream(
      '{"type":"assistant","message":{"id":"msg_01","usage":{"input_tokens":4,"cache_creation_input_tokens":26313,"cache_read_input_tokens":0,"output_tokens":5}}}',
    ),
    { kind: "message", messageId: "msg_01", usage: tokenUsage({ input: 26317, cachedInput: 0, output: 5 }) },
  );
  assert.deepEqual(
    parseClaudeStream(
      '{"type":"result","subtype":"success","usage":{"input_tokens":33,"cache_read_input_tokens":230827,"output_tokens":904}}',
    ),
    {
      kind: "total",
      usage: tokenUsage({ input: 230860, cachedInput: 230827, output: 904 }),
    },
  );
  // kimi: a subagent's step, wrapped
  assert.deepEqual(
    parseKimiStream(
      '{"jsonrpc":"2.0","method":"event","params":{"type":"SubagentEvent","payload":{"event":{"type":"StatusUpdate","payload":{"token_usage":{"input_other":10,"output":3,"input_cache_read":90,"input_cache_creation":5}}}}}}',
    ),
    { kind: "delta", usage: tokenUsage({ input: 105, cachedInput: 90, output: 3 }) },
  );
  assert.equal(
    parseKimiStream(
      '{"jsonrpc":"2.0","method":"event","params":{"type":"StatusUpdate","payload":{"context_usage":0.2}}}',
    ),
    null,
  );
  for (const parse of [parseClaudeStream, parseCodexStream, parseKimiStream]) {
    assert.equal(parse("not json"), null);
    assert.equal(parse("[1,2]"), null);
  }
});

test("UsageTally: deltas add, repeated messages count once, a total replaces what came before it", () => {
  const t = new UsageTally();
  const u = (input: number, output: number) => tokenUsage({ input, output });
  t.add({ kind: "message", messageId: "a", usage: u(100, 10) });
  t.add({ kind: "message", messageId: "a", usage: u(100, 12) });
  assert.equal(t.total.total, 112);
  t.add({ kind: "delta", usage: u(5, 5) });
  assert.equal(t.total.total, 122);
  t.add({ kind: "total", usage: u(150, 20) });
  assert.equal(t.total.total, 170);
  t.add({ kind: "message", messageId: "a", usage: u(100, 12) }); // already inside the total
  t.add({ kind: "message", messageId: "b", usage: u(1, 1) });
  assert.deepEqual(t.total, tokenUsage({ input: 151, output: 21 }));
});

test("MTU, tokens to success and time to success", () => {
  assert.equal(meanTokenUtilization(tokenUsage({ input: 50_000, output: 10_000 }), 120_000), 30_000);
  assert.throws(() => meanTokenUtilization(tokenUsage({ input: 1, output: 1 }), 0), InvalidInputError);
  const timeline = [
    { atMs: 1_000, total: 0 },
    { atMs: 61_000, total: 5_000 },
    { atMs: 121_000, total: 9_000 },
  ];
  assert.equal(tokensToSuccess(timeline, 90_000), 5_000);
  assert.equal(tokensToSuccess(timeline, 121_000), 9_000);
  assert.equal(tokensToSuccess(timeline, null), null);
  assert.equal(timeToSuccess(timeline, 91_000), 90_000);
  assert.equal(timeToSuccess(timeline, null), null);
  assert.throws(() => tokensToSuccess([timeline[1], timeline[0]], 5), /time order/);
  assert.deepEqual(
    mergeTimelines([
      [
        { atMs: 0, total: 0 },
        { atMs: 10, total: 5 },
      ],
      [
        { atMs: 0, total: 0 },
        { atMs: 5, total: 2 },
        { atMs: 10, total: 4 },
      ],
    ]),
    [
      { atMs: 0, total: 0 },
      { atMs: 5, total: 2 },
      { atMs: 10, total: 9 },
    ],
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Station prompt

test("the station prompt states the goal, the branches and the tools, and refuses working on the baseline", () => {
  const tools = ["hypothesis", "evaluate_branch", "decide", "borrow", "leaderboard", "runs", "trial", "custom_tool"];
  const prompt = stationPrompt({
    taskId: "pusht@1",
    goal: "a 100% success rate over every window of 50 consecutive episodes",
    branch: "agent-1/rl",
    peers: ["agent-2/bc", "agent-3/hybrid"],
    baseline: "baseline",
    tools,
    notes: "Pin insertion summary: residual RL on top of the scripted policy worked best.",
  });
  assert.match(
    prompt,
    /task pusht@1 until it reaches a 100% success rate over every window of 50 consecutive episodes/,
  );
  assert.match(prompt, /`git switch -c agent-1\/rl baseline`/);
  assert.match(prompt, /Never commit to `baseline`, never push to it/);
  assert.match(prompt, /`agent-2\/bc`, `agent-3\/hybrid`/);
  assert.match(prompt, /reuse it with `borrow` \(cherry-pick one commit, merge their branch, or adopt their files\)/);
  assert.match(prompt, /1\. Record the hypothesis with `hypothesis`, before you change anything for it/);
  assert.match(prompt, /4\. Record the decision, keep or revert, with `decide`\./);
  assert.match(prompt, /never edit, copy around or imitate the evaluation/);
  for (const t of tools) assert.match(prompt, new RegExp(`^- \`${t}\``, "m"));
  assert.match(prompt, /residual RL/);
  assert.throws(
    () => stationPrompt({ taskId: "pusht@1", goal: "g", branch: "baseline", peers: [], baseline: "baseline", tools }),
    /must not be the baseline/,
  );
  assert.throws(
    () => stationPrompt({ taskId: "pusht@1", goal: "g", branch: "a", peers: [], baseline: "baseline", tools: [] }),
    /tools is empty/,
  );
  // without the borrow tool, reuse is still recorded, through whatever tools there are
  const plain = stationPrompt({ taskId: "pusht@1", goal: "g", branch: "a", peers: [], baseline: "b", tools: ["run"] });
  assert.match(
    plain,
    /cherry-pick the commit or merge their branch into yours, and record that reuse through the enpire/,
  );
  assert.match(plain, /none yet/);
  // where the tools make the commits and branches, the prompt sends the agent to them
  const managed = stationPrompt({
    taskId: "pusht@1",
    goal: "g",
    branch: "a",
    peers: ["c"],
    baseline: "b",
    tools: ["branch_create", "commit_change"],
  });
  assert.match(managed, /If it does not exist yet, create it with `branch_create`/);
  assert.match(managed, /then commit it with `commit_change`/);
});
