/**
 * `enpire agents`: a team of agents (the built-in search agent, or Claude Code / Codex / Kimi Code through their own
 * CLIs) improving a task's policy on simulated stations, each on its own branch, until the goal is reached on the
 * held-out seeds or the budget is spent; then a report. `enpire demo` is the built-in team of 4 on Push-T.
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { AGENT_KINDS } from "../../evolve/agents/cli-agents.js";
import { agentRunner, TEAM_AGENT_KINDS } from "../../evolve/agents/runner.js";
import { ResearchProject } from "../../evolve/project.js";
import { runTeam, type TeamEvent, type TeamResult } from "../../evolve/team.js";
import { type ReportVideo, writeTeamReport } from "../../evolve/team-report.js";
import { evaluate } from "../../rollout/evaluate.js";
import { RunStore } from "../../rollout/store.js";
import { ffmpegAvailable } from "../../rollout/video.js";
import type { UiServer } from "../../web/server.js";
import { int } from "../main.js";
import { portNumber, serveUiBeside, untilInterrupted } from "./ui.js";

interface TeamFlags {
  agent: string;
  team: string;
  task: string;
  budgetMin: string;
  goal: string;
  project?: string;
  store?: string;
  seed: string;
  video: boolean;
  json: boolean;
  ui: boolean;
  uiPort: string;
}

export function registerAgentCommands(program: Command): void {
  program
    .command("agents")
    .description("run a team of agents, one per simulated station, each on its own branch, to the task's goal")
    .option("--agent <kind>", `builtin | ${AGENT_KINDS.join(" | ")}`, "builtin")
    .option("--team <n>", "agents (and stations), one branch each", "4")
    .option("--task <id>", "task id", "pusht")
    .option("--budget-min <m>", "wall-clock budget in minutes", "30")
    .option("--goal <rate>", "success rate the goal needs over the task's held-out seeds", "0.95")
    .option("--project <name>", "research project name (default <task>-<date>-<time>)")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--seed <n>", "seed of the built-in agents' own randomness", "0")
    .option("--no-video", "skip the report's videos")
    .option("--json", "the team's result as JSON on stdout", false)
    .option("--ui-port <n>", "port of the live web UI (on 127.0.0.1; a free one if taken)", "8300")
    .option("--no-ui", "do not serve the live web UI")
    .action(async (o: TeamFlags) => {
      await runTeamCommand(o);
    });

  program
    .command("demo")
    .description("4 built-in agents on 4 simulated Push-T stations, from a weak baseline to ≥95% on 50 held-out seeds")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--budget-min <m>", "wall-clock budget in minutes", "15")
    .option("--seed <n>", "seed of the agents' own randomness", "0")
    .option("--no-video", "skip the report's videos")
    .option("--json", "the team's result as JSON on stdout", false)
    .option("--ui-port <n>", "port of the live web UI (on 127.0.0.1; a free one if taken)", "8300")
    .option("--no-ui", "do not serve the live web UI")
    .action(
      async (o: {
        store?: string;
        budgetMin: string;
        seed: string;
        video: boolean;
        json: boolean;
        ui: boolean;
        uiPort: string;
      }) => {
        await runTeamCommand({ ...o, agent: "builtin", team: "4", task: "pusht", goal: "0.95" });
      },
    );
}

async function runTeamCommand(o: TeamFlags): Promise<void> {
  const size = int(o.team, "--team");
  if (size < 1 || size > 64) throw new InvalidInputError(`--team must be in 1..64, got ${size}`);
  const budgetMin = Number(o.budgetMin);
  if (!(budgetMin > 0))
    throw new InvalidInputError(`--budget-min must be a positive number of minutes, got "${o.budgetMin}"`);
  const goal = Number(o.goal);
  if (!(goal > 0 && goal <= 1)) throw new InvalidInputError(`--goal must be a success rate in (0, 1], got "${o.goal}"`);
  const seed = int(o.seed, "--seed");
  const kind = o.agent;
  if (!TEAM_AGENT_KINDS.includes(kind)) {
    throw new InvalidInputError(`--agent must be builtin or one of ${AGENT_KINDS.join(", ")}, got "${kind}"`);
  }
  const uiPort = o.ui ? portNumber(o.uiPort, "--ui-port") : null;
  const store = RunStore.open(o.store);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let ui: UiServer | null = null;
  try {
    // an external CLI is checked before anything is created: a missing CLI or key is one clear line
    const runner = await agentRunner(kind, { storeRoot: store.root });
    const name = o.project ?? `${o.task}-${stamp(new Date())}`;
    const project = await ResearchProject.create(store, { name, task: o.task, goalSuccessRate: goal });
    try {
      log(`enpire: ${size} ${kind} agent${size > 1 ? "s" : ""} on ${o.task}, project ${name} (${project.dir})`);
      log(
        `        goal: ${Math.round(goal * 100)}% over held-out seeds ${project.manifest.goal.seedStart}..${project.manifest.goal.seedStart + project.manifest.goal.episodes - 1}; budget ${budgetMin} min`,
      );
      if (uiPort !== null) {
        ui = await serveUiBeside(store, uiPort, log);
        if (ui) {
          log(`enpire: watch it live: ${ui.url}#/research/${encodeURIComponent(name)}`);
          log(`        stations: ${ui.url}#/fleet`);
        }
      }
      const controller = new AbortController();
      const onSigint = () => {
        log("enpire: stopping the team after the trials in flight (Ctrl-C again to kill)");
        controller.abort();
        process.once("SIGINT", () => process.exit(130));
      };
      process.once("SIGINT", onSigint);
      const team = await runTeam({
        project,
        kind,
        size,
        runner,
        budgetMin,
        seed,
        signal: controller.signal,
        onEvent: (e) => log(formatEvent(e)),
      });
      process.removeListener("SIGINT", onSigint);
      const videos = o.video ? await reportVideos(store, project, team, log) : [];
      const report = await writeTeamReport(project, team, path.join(project.dir, "report"), videos);
      if (o.json) process.stdout.write(`${JSON.stringify({ ...team, report }, null, 2)}\n`);
      else process.stdout.write(summary(team, report.markdown));
      if (!team.goal.reached) process.exitCode = 1;
      // a person watching keeps the pages (the report, the idea tree) until they are done with them
      if (ui && process.stdout.isTTY && !o.json) {
        log(`enpire: the web UI stays up at ${ui.url}#/research/${encodeURIComponent(name)}; Ctrl-C to exit`);
        await untilInterrupted();
      }
    } finally {
      project.close();
    }
  } finally {
    await ui?.close();
    store.close();
  }
}

function formatEvent(e: TeamEvent): string {
  const m = Math.floor(e.tMin);
  const s = Math.floor((e.tMin - m) * 60);
  return `[${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}] ${e.agent.padEnd(8)} ${e.text}`;
}

function summary(team: TeamResult, report: string): string {
  const lines = [
    team.goal.reached
      ? `goal reached in ${team.goal.atMin?.toFixed(1)} min by ${team.goal.branch} (${team.goal.commit?.slice(0, 10)}): ${team.goal.successes}/${team.goal.trials} on the held-out seeds`
      : `goal not reached in ${team.wallMin.toFixed(1)} min; team-average best ${(team.teamBest * 100).toFixed(1)}% on search seeds`,
    `iterations ${team.agents.reduce((s, a) => s + a.iterations, 0)}, kept ${team.agents.reduce((s, a) => s + a.kept, 0)}; mean robot utilisation ${(team.mru * 100).toFixed(1)}%${team.mtu === null ? "" : `; ${Math.round(team.mtu)} tokens/min`}`,
    `report: ${report}`,
    `ledger: enpire ledger --project ${team.project}`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Videos for the report: the best commit on the first held-out seeds, and the baseline on the same seeds (a failed
 * trial of it when there is one). Separate runs, outside the research ledger: they illustrate, they do not count.
 */
async function reportVideos(
  store: RunStore,
  project: ResearchProject,
  team: TeamResult,
  log: (l: string) => void,
): Promise<ReportVideo[]> {
  if (!(await ffmpegAvailable())) {
    log("enpire: no ffmpeg on PATH: the report has no videos (apt-get install ffmpeg)");
    return [];
  }
  const best = team.goal.commit ?? (team.best ? project.ideaCommit(team.best.node) : null);
  const seeds = project.manifest.goal.seedStart;
  const out: ReportVideo[] = [];
  const pickVideo = async (commit: string, label: string, wantFailure: boolean) => {
    const dir = await project.snapshot(commit);
    const r = await evaluate(store, {
      taskId: project.manifest.task.id,
      policyFile: path.join(dir, project.manifest.entry),
      episodes: 4,
      seedStart: seeds,
      video: true,
      videoSize: 256,
      stations: 2,
    });
    const trials = r.trials.filter((t) => t.counted && t.video);
    const chosen = (wantFailure ? trials.find((t) => !t.success) : trials.find((t) => t.success)) ?? trials[0];
    if (!chosen?.video) return;
    const file = path.join(store.resolve(chosen.dir), chosen.video);
    if (fs.existsSync(file)) {
      out.push({
        label: `${label}, held-out seed ${chosen.seed} (${chosen.success ? "success" : (chosen.reason ?? "failure")})`,
        file,
      });
    }
  };
  log("enpire: recording the report's videos");
  if (best) await pickVideo(best, `best policy ${best.slice(0, 8)}`, false);
  await pickVideo(project.manifest.baselineCommit, "baseline", true);
  return out;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
