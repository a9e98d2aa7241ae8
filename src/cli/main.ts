import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { EnpireError, InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { listTasks } from "../env/registry.js";
import { evaluate } from "../rollout/evaluate.js";
import { summarise } from "../rollout/metrics.js";
import { RunStore } from "../rollout/store.js";
import { registerPushtCommands } from "./commands/pusht.js";
import { formatFailures, formatSummary, pct, table } from "./format.js";
import { Progress } from "./progress.js";

/** The package root, from src/cli (tsx) or dist/cli (built). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_POLICY = path.join(PACKAGE_ROOT, "examples", "policies", "pusht-heuristic.ts");

/** Builds the `enpire` command line. Every command is a thin layer over a module function. */
export function buildProgram(): Command {
  const program = new Command("enpire")
    .description("Reset → execute → verify → record → refine: a harness for agents that improve robot policies.")
    .version(packageVersion(), "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("run")
    .description("evaluate a policy on a task for N episodes, recording every trial")
    .option("--task <id>", "task id (see `enpire tasks`)", "pusht")
    .option("--policy <file>", "policy module (.ts or .js) run in the sandbox", DEFAULT_POLICY)
    .option("--episodes <n>", "number of trials", "50")
    .option(
      "--seed-start <s>",
      "first seed; trial i uses seed-start + i (100000 = Diffusion Policy's test seeds)",
      "100000",
    )
    .option("--obs <type>", "observation type, e.g. state | keypoints | pixels | pixels_agent_pos for pusht")
    .option("--video", "record an mp4 of every trial (needs ffmpeg)", false)
    .option("--video-size <px>", "video frame side", "512")
    .option("--step-deadline-ms <ms>", "the policy must answer each step within this time", "1000")
    .option("--memory-mb <mb>", "heap limit of the policy sandbox", "128")
    .option("--delta-cap <list>", "safety: largest change of each action element per step, e.g. 40,40 (px)")
    .option("--box <low:high>", "safety: out-of-range box on commanded actions, e.g. 20,20:490,490 (px)")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "print the result as JSON on stdout", false)
    .action(async (o) => {
      const store = RunStore.open(o.store);
      const episodes = int(o.episodes, "--episodes");
      const progress = new Progress(episodes, "trials");
      progress.starting("loading the policy and the task");
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
        process.stderr.write("\nstopping after the current trial (Ctrl-C again to quit now)\n");
      };
      process.on("SIGINT", onSigint);
      try {
        const result = await evaluate(store, {
          taskId: o.task,
          policyFile: o.policy,
          episodes,
          seedStart: int(o.seedStart, "--seed-start"),
          obsType: o.obs,
          video: o.video,
          videoSize: int(o.videoSize, "--video-size"),
          stepDeadlineMs: int(o.stepDeadlineMs, "--step-deadline-ms"),
          memoryLimitMb: int(o.memoryMb, "--memory-mb"),
          safety: {
            deltaCap: o.deltaCap === undefined ? undefined : numbers(o.deltaCap, "--delta-cap"),
            box: o.box === undefined ? undefined : boxFlag(o.box),
          },
          signal: controller.signal,
          onTrial: (_t, s) =>
            progress.update(s.episodes, `success ${s.successes}/${s.episodes} (${pct(s.successRate)})`),
        });
        const run = store.getRun(result.runId);
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ run, summary: result.summary, failed: result.trials.filter((t) => !t.success) }, null, 2)}\n`,
          );
        } else {
          process.stdout.write(`${formatSummary(run, result.summary, store.root)}\n`);
          if (result.trials.some((t) => !t.success)) process.stdout.write(`${formatFailures(result.trials, 10)}\n`);
        }
        if (result.status === "failed") throw new EnpireError(result.note ?? "the run failed");
        if (result.status === "interrupted") process.exitCode = 130;
      } catch (err) {
        progress.clear();
        throw err;
      } finally {
        process.off("SIGINT", onSigint);
        store.close();
      }
    });

  program
    .command("runs")
    .description("list recorded runs, newest first")
    .option("--limit <n>", "how many", "20")
    .option("--store <dir>", "run store directory")
    .option("--json", "JSON on stdout", false)
    .action((o) => {
      const store = RunStore.open(o.store);
      try {
        const runs = store.listRuns(int(o.limit, "--limit"));
        if (o.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        if (runs.length === 0)
          return void process.stdout.write(`no runs in ${store.root}; start one with \`enpire run\`\n`);
        const rows = runs.map((r) => [
          r.id,
          `${r.taskId}@${r.taskVersion}`,
          path.basename(r.policyPath ?? r.policyName),
          `${r.trials}/${r.episodes}`,
          r.trials ? `${r.successes}/${r.trials} ${pct(r.successes / r.trials)}` : "-",
          r.meanMaxReward === null ? "-" : r.meanMaxReward.toFixed(3),
          r.status,
        ]);
        process.stdout.write(`${table(["run", "task", "policy", "trials", "success", "score", "status"], rows)}\n`);
      } finally {
        store.close();
      }
    });

  program
    .command("show")
    .description("show one run: its summary and its failed trials")
    .argument("<run>", "run id or an unambiguous prefix")
    .option("--all", "list every failed trial", false)
    .option("--store <dir>", "run store directory")
    .option("--json", "JSON on stdout", false)
    .action((runId: string, o) => {
      const store = RunStore.open(o.store);
      try {
        const run = store.getRun(runId);
        const trials = store.trials(run.id);
        const summary = summarise(trials);
        if (o.json) {
          return void process.stdout.write(`${JSON.stringify({ run, summary, trials }, null, 2)}\n`);
        }
        process.stdout.write(`${formatSummary(run, summary, store.root)}\n`);
        process.stdout.write(`${formatFailures(trials, o.all ? Number.POSITIVE_INFINITY : 20)}\n`);
      } finally {
        store.close();
      }
    });

  program
    .command("tasks")
    .description("list the tasks and their spaces")
    .option("--json", "JSON on stdout", false)
    .action((o) => {
      const tasks = listTasks();
      if (o.json) return void process.stdout.write(`${JSON.stringify(tasks, null, 2)}\n`);
      for (const t of tasks) process.stdout.write(`${t.id}@${t.version}  ${t.description}\n`);
    });

  registerPushtCommands(program);
  return program;
}

/** Parses a comma-separated list of finite numbers, or refuses it naming the flag. */
export function numbers(value: string, flag: string): number[] {
  const parts = String(value).split(",");
  const out = parts.map((p) => Number(p.trim()));
  if (parts.some((p) => p.trim() === "") || out.some((n) => !Number.isFinite(n))) {
    throw new InvalidInputError(`${flag} must be a comma-separated list of numbers, got "${value}"`);
  }
  return out;
}

function boxFlag(value: string): { low: number[]; high: number[] } {
  const halves = String(value).split(":");
  if (halves.length !== 2)
    throw new InvalidInputError(`--box must look like LOW:HIGH, e.g. 20,20:490,490, got "${value}"`);
  return { low: numbers(halves[0], "--box"), high: numbers(halves[1], "--box") };
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/** Parses a non-negative integer flag, or refuses it naming the flag and the value. */
export function int(value: string, flag: string): number {
  if (!/^\d+$/.test(String(value).trim())) {
    throw new InvalidInputError(`${flag} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/** Runs the CLI; errors become one line on stderr and an exit code (2: bad input, 1: anything else). */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const bad = err instanceof InvalidInputError || err instanceof UnknownTaskError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`enpire: ${message}\n`);
    if (!(err instanceof EnpireError) && err instanceof Error && process.env.ENPIRE_DEBUG) {
      process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = bad ? 2 : 1;
  }
}
