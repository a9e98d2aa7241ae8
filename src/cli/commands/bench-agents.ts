/**
 * `enpire bench-agents`: AutoEnvBench (paper §4, §5.3–5.6). Every agent kind × task × team size, several runs each,
 * one fresh research project per run; then a report with success-over-time curves (mean ± SEM, best run), time and
 * tokens to success, and robot and token utilisation per team size.
 */
import path from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { listTasks } from "../../env/registry.js";
import { AGENT_KINDS } from "../../evolve/agents/cli-agents.js";
import { agentRunner, TEAM_AGENT_KINDS } from "../../evolve/agents/runner.js";
import { type BenchEvent, benchAgents, newBenchId } from "../../evolve/bench-agents.js";
import { RunStore } from "../../rollout/store.js";
import { int, numbers } from "../main.js";

interface BenchFlags {
  agent: string;
  task: string;
  teams: string;
  repeats: string;
  budgetMin: string;
  goal: string;
  store?: string;
  out?: string;
  seed: string;
  json: boolean;
}

export function registerBenchAgentsCommands(program: Command): void {
  program
    .command("bench-agents")
    .description("AutoEnvBench: compare agents and team sizes on tasks over repeated runs, with curves and a report")
    .option("--agent <kinds>", `comma-separated: builtin, ${AGENT_KINDS.join(", ")}`, "builtin")
    .option("--task <ids>", "comma-separated task ids", "pusht")
    .option("--teams <sizes>", "comma-separated team sizes (agents, one station each)", "1,2,4")
    .option("--repeats <n>", "runs per agent, task and team size", "3")
    .option("--budget-min <m>", "wall-clock budget of each run, minutes", "10")
    .option("--goal <rate>", "success rate the goal needs over the task's held-out seeds", "0.95")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--out <dir>", "where the report goes (default <store>/bench/<bench id>)")
    .option("--seed <n>", "seed of the first repeat; repeat k uses seed + k - 1", "0")
    .option("--json", "the summaries as JSON on stdout", false)
    .action(async (o: BenchFlags) => {
      await benchCommand(o);
    });
}

/** Every flag checked, in order, each refused with one line naming it. */
export function parseBenchFlags(o: BenchFlags) {
  const agents = commaList(o.agent, "--agent");
  for (const a of agents) {
    if (!TEAM_AGENT_KINDS.includes(a)) {
      throw new InvalidInputError(`--agent must list kinds of ${TEAM_AGENT_KINDS.join(", ")}, got "${a}"`);
    }
  }
  const tasks = commaList(o.task, "--task");
  const known = listTasks().map((t) => t.id);
  for (const t of tasks) {
    if (!known.includes(t))
      throw new InvalidInputError(`--task: unknown task "${t}"; known tasks: ${known.join(", ")}`);
  }
  const teamSizes = numbers(o.teams, "--teams");
  for (const n of teamSizes) {
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new InvalidInputError(`--teams must list integers in 1..64, got "${o.teams}"`);
    }
  }
  if (new Set(teamSizes).size !== teamSizes.length) {
    throw new InvalidInputError(`--teams lists a size twice: "${o.teams}"`);
  }
  const repeats = int(o.repeats, "--repeats");
  if (repeats < 1 || repeats > 1000) throw new InvalidInputError(`--repeats must be in 1..1000, got ${repeats}`);
  const budgetMin = Number(o.budgetMin);
  if (String(o.budgetMin).trim() === "" || !Number.isFinite(budgetMin) || budgetMin <= 0) {
    throw new InvalidInputError(`--budget-min must be a positive number of minutes, got "${o.budgetMin}"`);
  }
  const goal = Number(o.goal);
  if (String(o.goal).trim() === "" || !(goal > 0 && goal <= 1)) {
    throw new InvalidInputError(`--goal must be a success rate in (0, 1], got "${o.goal}"`);
  }
  const seed = int(o.seed, "--seed");
  return { agents, tasks, teamSizes, repeats, budgetMin, goal, seed };
}

function commaList(value: string, flag: string): string[] {
  const parts = String(value)
    .split(",")
    .map((s) => s.trim());
  if (parts.some((p) => p === ""))
    throw new InvalidInputError(`${flag} must be a comma-separated list, got "${value}"`);
  if (new Set(parts).size !== parts.length) throw new InvalidInputError(`${flag} lists a value twice: "${value}"`);
  return parts;
}

async function benchCommand(o: BenchFlags): Promise<void> {
  const flags = parseBenchFlags(o);
  const store = RunStore.open(o.store);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const id = newBenchId(store);
    const outDir = path.resolve(o.out ?? path.join(store.root, "bench", id));
    const makeRunner = (kind: string) => agentRunner(kind, { storeRoot: store.root });
    const controller = new AbortController();
    const onSigint = () => {
      log("enpire: stopping the run in flight after its trials, then writing the report (Ctrl-C again to kill)");
      controller.abort();
      process.once("SIGINT", () => process.exit(130));
    };
    process.once("SIGINT", onSigint);
    const started = Date.now();
    const clock = () => {
      const s = Math.floor((Date.now() - started) / 1000);
      return `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}]`;
    };
    const onEvent = (e: BenchEvent) => {
      const show = e.kind !== "team" || ["goal", "confirm", "error"].includes(e.team?.kind ?? "");
      if (show) log(`${clock()} ${e.text}`);
    };
    try {
      const { data, files } = await benchAgents({
        store,
        ...flags,
        makeRunner,
        onEvent,
        signal: controller.signal,
        outDir,
        id,
      });
      if (o.json) {
        const groups = data.groups.map(({ curve, ...g }) => ({
          ...g,
          curve: { bestProject: curve.bestProject, finalMean: g.final.mean, finalSem: g.final.sem },
        }));
        const out = { id: data.id, complete: data.complete, report: files.report, data: files.json, groups };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else process.stdout.write(`report: ${files.report}\ndata:   ${files.json}\n`);
      if (!data.complete) process.exitCode = 130;
    } finally {
      process.removeListener("SIGINT", onSigint);
    }
  } finally {
    store.close();
  }
}
