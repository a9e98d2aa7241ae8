import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { EnpireError, InvalidInputError, UnknownTaskError } from "../core/errors.js";
import { listTasks, RESET_MODES, VERIFIER_MODES } from "../env/registry.js";
import { LiteratureError } from "../evolve/literature.js";
import { evaluate, fixedEvaluation, resume } from "../rollout/evaluate.js";
import type { FleetEvent } from "../rollout/fleet.js";
import type { RunSummary } from "../rollout/metrics.js";
import { runReport } from "../rollout/report.js";
import type { Station } from "../rollout/station.js";
import { connectStations } from "../rollout/stations/connect.js";
import { RunStore, type TrialRow } from "../rollout/store.js";
import { registerAgentCommands } from "./commands/agents.js";
import { registerBenchAgentsCommands } from "./commands/bench-agents.js";
import { registerExportCommands } from "./commands/export.js";
import { registerLedgerCommands } from "./commands/ledger.js";
import { registerLitCommands } from "./commands/lit.js";
import { registerMcpCommands } from "./commands/mcp.js";
import { registerPolicyCommands } from "./commands/policy.js";
import { registerPushtCommands } from "./commands/pusht.js";
import { registerResearchCommands } from "./commands/research.js";
import { registerStationCommands } from "./commands/station.js";
import { registerTrainCommands } from "./commands/train.js";
import { registerUiCommands } from "./commands/ui.js";
import { registerVerifierCommands } from "./commands/verifier.js";
import { registerWorkerCommands } from "./commands/worker.js";
import { formatFailures, formatReport, pct, table } from "./format.js";
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
    .option(
      "--reset <mode>",
      "3D tasks: state (the simulator puts the scene back) | procedural (the station's arms do)",
    )
    .option(
      "--verifier <mode>",
      "3D tasks: state (the simulator's predicate judges) | pixel (the task's pixel verifier)",
    )
    .option(
      "--eval",
      "run the task's fixed evaluation list (kitchen tasks: the paper's 40 episodes, seeds 0-39) instead of " +
        "--seed-start/--episodes",
      false,
    )
    .option(
      "--oracle",
      "kitchen tasks: also give the policy the simulator's poses (ctx.tools.oracle), for debugging; its runs have " +
        "their own fingerprint and are never an evaluation",
      false,
    )
    .option("--video", "record an mp4 of every trial (needs ffmpeg)", false)
    .option("--video-size <px>", "video frame side (the reference draws 512; 96 is the pixel observation)", "256")
    .option("--step-deadline-ms <ms>", "the policy must answer each step within this time", "1000")
    .option("--memory-mb <mb>", "heap limit of the policy sandbox", "128")
    .option("--delta-cap <list>", "safety: largest change of each action element per step, e.g. 40,40 (px)")
    .option("--box <low:high>", "safety: out-of-range box on commanded actions, e.g. 20,20:490,490 (px)")
    .option("--stations <n>", "simulated stations, each in its own worker thread", "1")
    .option(
      "--station-url <url>",
      "add a station behind the HTTP station protocol (repeatable), e.g. http://127.0.0.1:8203",
      (url: string, all: string[] = []) => [...all, url],
    )
    .option("--fleet <redis-url>", "add the live `enpire worker`s on this Redis queue, e.g. redis://127.0.0.1:6379")
    .option("--tries <k>", "in-context tries per episode: after a failed try the policy goes on from there", "1")
    .option("--budget-wall-s <s>", "budget: no trial starts after this many seconds of the run's wall-clock time")
    .option("--budget-station-s <s>", "budget: no trial starts once trials used this many station-seconds")
    .option("--resume <run>", "continue a stopped or killed run (id or prefix) with its own options and budget")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "print the result as JSON on stdout", false)
    .action(async (o, cmd: Command) => {
      const seconds = (value: string, flag: string): number => {
        const n = Number(value);
        if (String(value).trim() === "" || !Number.isFinite(n) || n <= 0) {
          throw new InvalidInputError(`${flag} must be a positive number of seconds, got "${value}"`);
        }
        return n;
      };
      const store = RunStore.open(o.store);
      const threads = int(o.stations, "--stations");
      // with remote stations, local threads join only when --stations is given
      const remote = (o.stationUrl?.length ?? 0) > 0 || o.fleet !== undefined;
      const stationsFlag = cmd.getOptionValueSource("stations") === "cli";
      let episodes: number;
      if (o.resume !== undefined) {
        // a resumed run keeps its own options: refuse flags that would change what is evaluated
        const given = ["task", "policy", "episodes", "seedStart", "obs", "video", "videoSize", "stepDeadlineMs"]
          .concat(["eval", "oracle", "reset", "verifier"])
          .concat(["memoryMb", "deltaCap", "box", "tries", "budgetWallS", "budgetStationS"])
          .filter((k) => cmd.getOptionValueSource(k) === "cli");
        if (given.length > 0) {
          const flags = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
          store.close();
          throw new InvalidInputError(
            `--resume continues run ${o.resume} with the options it was started with; drop ${flags.join(", ")}`,
          );
        }
        try {
          episodes = store.getRun(o.resume).episodes;
        } catch (err) {
          store.close();
          throw err;
        }
      } else if (o.eval) {
        const seedFlags = ["--episodes", "--seed-start"].filter(
          (f) => cmd.getOptionValueSource(f === "--episodes" ? "episodes" : "seedStart") === "cli",
        );
        if (seedFlags.length > 0)
          throw new InvalidInputError(`--eval runs the task's own evaluation seeds; drop ${seedFlags.join(", ")}`);
        const list = fixedEvaluation(o.task, o.oracle ? "oracle" : undefined);
        episodes = list.episodes;
        o.seedStart = String(list.seedStart);
      } else episodes = int(o.episodes, "--episodes");
      // connected last, once every flag is checked: evaluate and resume close the stations they are given
      const stations: number | Station[] = remote
        ? await connectStations({ threads: stationsFlag ? threads : 0, urls: o.stationUrl ?? [], redis: o.fleet })
        : threads;
      const progress = new Progress(episodes, "trials");
      progress.starting(o.resume ? `resuming run ${o.resume}` : "loading the policy and the task");
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
        process.stderr.write("\nstopping after the trials in flight (Ctrl-C again to quit now)\n");
      };
      process.on("SIGINT", onSigint);
      const onTrial = (_t: TrialRow, s: RunSummary) =>
        progress.update(s.episodes, `success ${s.successes}/${s.episodes} (${pct(s.successRate)})`);
      const onEvent = (e: FleetEvent) => {
        if (e.type !== "station" || (e.health !== "faulted" && e.health !== "offline")) return;
        progress.clear();
        process.stderr.write(`station ${e.station} ${e.health}: ${e.detail ?? ""}\n`);
      };
      try {
        const result = o.resume
          ? await resume(store, o.resume, {
              stations: stationsFlag || remote ? stations : undefined,
              signal: controller.signal,
              onTrial,
              onEvent,
            })
          : await evaluate(store, {
              taskId: o.task,
              policyFile: o.policy,
              episodes,
              seedStart: int(o.seedStart, "--seed-start"),
              obsType: o.obs,
              reset: choice(o.reset, RESET_MODES, "--reset"),
              verifier: choice(o.verifier, VERIFIER_MODES, "--verifier"),
              tools: o.oracle ? "oracle" : undefined,
              video: o.video,
              videoSize: int(o.videoSize, "--video-size"),
              stepDeadlineMs: int(o.stepDeadlineMs, "--step-deadline-ms"),
              memoryLimitMb: int(o.memoryMb, "--memory-mb"),
              safety: {
                deltaCap: o.deltaCap === undefined ? undefined : numbers(o.deltaCap, "--delta-cap"),
                box: o.box === undefined ? undefined : boxFlag(o.box),
              },
              stations,
              tries: int(o.tries, "--tries"),
              wallClockS: o.budgetWallS === undefined ? undefined : seconds(o.budgetWallS, "--budget-wall-s"),
              stationSeconds:
                o.budgetStationS === undefined ? undefined : seconds(o.budgetStationS, "--budget-station-s"),
              signal: controller.signal,
              onTrial,
              onEvent,
            });
        const report = runReport(store, result.runId);
        const run = report.run;
        const counted = result.trials.filter((t) => t.counted);
        const interrupted = result.trials.filter((t) => !t.counted);
        if (o.json) {
          const out = {
            run,
            summary: result.summary,
            passAtK: report.passAtK,
            passAtKInContext: report.passAtKInContext,
            failed: counted.filter((t) => !t.success),
            interrupted,
            fleet: result.fleet,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          process.stdout.write(`${formatReport(report, store.root)}\n`);
          const u = result.fleet.utilisation;
          process.stdout.write(
            `stations  ${result.fleet.stations.length}, mean robot utilisation ${pct(u.fleetMru)}` +
              `${interrupted.length ? `; ${interrupted.length} trials interrupted and run again` : ""}\n`,
          );
          if (counted.some((t) => !t.success)) process.stdout.write(`${formatFailures(counted, 10)}\n`);
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
    .description("show one run: success, pass@k, robot utilisation with a timeline, and its failed trials")
    .argument("<run>", "run id or an unambiguous prefix")
    .option("--all", "list every failed trial", false)
    .option("--window <w>", "rolling success over the last W trials", "50")
    .option("--store <dir>", "run store directory")
    .option("--json", "JSON on stdout", false)
    .action((runId: string, o) => {
      const store = RunStore.open(o.store);
      try {
        const window = int(o.window, "--window");
        if (window < 1) throw new InvalidInputError(`--window must be at least 1, got ${window}`);
        const report = runReport(store, runId, window);
        if (o.json) return void process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(`${formatReport(report, store.root)}\n`);
        process.stdout.write(`${formatFailures(report.trials, o.all ? Number.POSITIVE_INFINITY : 20)}\n`);
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
  registerWorkerCommands(program);
  registerStationCommands(program);
  registerLedgerCommands(program);
  registerExportCommands(program);
  registerMcpCommands(program);
  registerLitCommands(program);
  registerResearchCommands(program);
  registerTrainCommands(program);
  registerPolicyCommands(program);
  registerAgentCommands(program);
  registerBenchAgentsCommands(program);
  registerUiCommands(program);
  registerVerifierCommands(program);
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

/** One of `allowed`, or undefined when the flag was not given; refuses anything else, naming the flag and the choices. */
function choice<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return value as T;
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
    const bad = err instanceof InvalidInputError || err instanceof UnknownTaskError || err instanceof LiteratureError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`enpire: ${message}\n`);
    if (!(err instanceof EnpireError) && err instanceof Error && process.env.ENPIRE_DEBUG) {
      process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = bad ? 2 : 1;
  }
}
