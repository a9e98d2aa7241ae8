/**
 * Runs a coding-agent CLI (Claude Code, Codex, Kimi Code) as one member of a team: in its own worktree, with enpire's
 * MCP server bound to its project, branch and name, started with the station prompt, until it ends, the team stops or
 * the budget runs out. Its raw output and token use are kept under `<project>/agents/<agent>/`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { builtinAgentRunner } from "../builtin/agent.js";
import { OPERATIONS } from "../operations.js";
import type { AgentContext, AgentRunner } from "../team.js";
import { AGENT_KINDS, type AgentKind, checkAgent, launchAgent } from "./cli-agents.js";
import { stationPrompt } from "./station-prompt.js";

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** Tools the rollout side of the server offers besides the research operations. */
const ROLLOUT_TOOLS = ["tasks", "describe_task", "runs", "show", "trial"];

/** Every kind of team member: the built-in search agent, then the coding-agent CLIs. */
export const TEAM_AGENT_KINDS: readonly string[] = ["builtin", ...AGENT_KINDS];

/** The runner for a kind of agent: the built-in search agent, or a coding-agent CLI (checked first). */
export async function agentRunner(kind: string, opts: { storeRoot: string }): Promise<AgentRunner> {
  return kind === "builtin" ? builtinAgentRunner() : cliAgentRunner(kind as AgentKind, opts);
}

/** A runner that launches `kind` for each agent; checks the CLI (and its credentials) first. */
export async function cliAgentRunner(
  kind: AgentKind,
  opts: { storeRoot: string; notes?: string },
): Promise<AgentRunner> {
  await checkAgent(kind); // throws AgentUnavailableError with what is missing and how to fix it
  return async (ctx: AgentContext) => {
    const dir = path.join(ctx.project.dir, "agents", ctx.agent);
    fs.mkdirSync(dir, { recursive: true });
    const m = ctx.project.manifest;
    const prompt = stationPrompt({
      taskId: `${m.task.id}@${m.task.version}`,
      goal: `at least ${Math.round(m.goal.successRate * 100)}% success over the ${m.goal.episodes} held-out seeds (evaluate_branch with purpose "confirm", once per commit, when your search results say you are there)`,
      branch: ctx.branch,
      peers: ctx.team.filter((b) => b !== ctx.branch),
      baseline: m.baselineBranch,
      tools: [...OPERATIONS.map((o) => o.name), ...ROLLOUT_TOOLS],
      notes: [
        `Your worktree is the current directory; the policy's entry is ${m.entry}. Edit files there, then call commit_change: the tools make the git commits, evaluations and reverts for you.`,
        "The evaluation side (environment, verifier, seeds, scoring) is not in your worktree and cannot be changed; an evaluation under a changed one is recorded as invalid.",
        opts.notes,
      ]
        .filter(Boolean)
        .join("\n"),
    });
    fs.writeFileSync(path.join(dir, "prompt.md"), prompt);
    const session = await launchAgent({
      kind,
      cwd: ctx.project.branchDir(ctx.branch),
      prompt,
      mcpServer: {
        name: "enpire",
        command: process.execPath,
        args: [
          path.join(PACKAGE_ROOT, "bin", "enpire.js"),
          "mcp",
          "--store",
          path.resolve(opts.storeRoot),
          "--project",
          ctx.project.name,
          "--branch",
          ctx.branch,
          "--agent",
          ctx.agent,
        ],
      },
      logFile: path.join(dir, "session.log"),
      timeoutMs: ctx.msLeft(),
      signal: ctx.signal,
      onUsage: (u) => ctx.reportUsage(u),
    });
    fs.writeFileSync(path.join(dir, "session.json"), `${JSON.stringify(session, null, 2)}\n`);
    const hyps = ctx.project.ledger.of("hypothesis").filter((h) => h.branch === ctx.branch).length;
    const kept = ctx.project.ledger
      .of("decision")
      .filter((d) => d.branch === ctx.branch && d.body.decision === "keep").length;
    const exit = session.stopped
      ? `stopped (${session.stopped})`
      : session.error
        ? `the CLI reported: ${session.error}`
        : `the session ended (exit ${session.exitCode})`;
    return { iterations: hyps, kept, exit };
  };
}
