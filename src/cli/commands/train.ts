/**
 * `enpire train <bc|ibc|td3bc|sac>`: trains a policy as a tracked job (evolve/training) from recorded runs or a
 * LeRobot export, showing one updating progress line on a terminal and a summary at the end; `--detach` runs it in
 * a child process and prints the job id. `enpire train jobs` lists jobs, `enpire train show <job>` shows one,
 * `enpire train stop <job>` stops a running one (it keeps the policy trained so far).
 */
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import {
  ALGORITHMS,
  createJob,
  listJobs,
  readJob,
  readProgress,
  type TrainingJob,
  type TrainRequestInput,
} from "../../evolve/training/jobs.js";
import { launchJob } from "../../evolve/training/launch.js";
import { runJob } from "../../evolve/training/run-job.js";
import { RunStore } from "../../rollout/store.js";
import { pct, table } from "../format.js";

interface TrainFlags {
  task: string;
  runs?: string;
  fromRuns?: string;
  lerobot?: string;
  allOutcomes: boolean;
  net: string;
  budgetS: string;
  steps?: string;
  seed: string;
  rounds: string;
  episodesPerRound: string;
  stations: string;
  checkpointEvery?: string;
  evalEpisodes: string;
  hyper: string[];
  out?: string;
  detach: boolean;
  store?: string;
  json: boolean;
}

const ABOUT: Record<(typeof ALGORITHMS)[number], string> = {
  bc: "behaviour cloning on recorded successes (or a LeRobot export): an MLP on states or a conv net on images",
  ibc: "iterative BC: train, run the policy on stations, add its successful trials, retrain (--rounds)",
  td3bc: "offline RL (TD3+BC) on recorded trials of every outcome",
  sac: "online RL (SAC) on simulated stations; with --runs, offline-to-online from those demonstrations",
};

export function registerTrainCommands(program: Command): void {
  const train = program
    .command("train")
    .description("train a policy from recorded trials as a tracked job (bc, ibc, td3bc, sac); list and show jobs");
  for (const algorithm of ALGORITHMS) {
    train
      .command(algorithm)
      .description(ABOUT[algorithm])
      .option("--task <id>", "task id", "pusht")
      .option("--runs <ids>", "runs whose trials are the data, comma-separated ids or prefixes")
      .option("--from-runs <ids>", "sac: demonstrations to start from (the same as --runs)")
      .option("--lerobot <dir>", "a LeRobotDataset v3.0 folder to train on instead of runs")
      .option("--all-outcomes", "bc/ibc: every counted trial, not only successes", false)
      .option("--net <kind>", "bc/ibc: mlp (states) or conv (96 px images rendered from the states)", "mlp")
      .option("--budget-s <s>", "wall-clock budget of the whole job, seconds", "60")
      .option("--steps <n>", "gradient steps (per round for ibc and sac)")
      .option("--seed <n>", "seeds weights, batches and the rounds' search seeds", "0")
      .option("--rounds <n>", "ibc/sac: collect-and-train rounds", "3")
      .option("--episodes-per-round <n>", "ibc/sac: episodes run on stations each round", "10")
      .option("--stations <n>", "simulated stations for rounds and evaluation", "1")
      .option("--checkpoint-every <n>", "write a checkpoint policy every n gradient steps")
      .option("--eval-episodes <n>", "evaluate the final policy on this many of the task's held-out seeds", "0")
      .option("--hyper <k=v>", "override a hyperparameter (repeatable), e.g. --hyper lr=0.001", collect, [])
      .option("--out <dir>", "also copy the final policy folder here")
      .option("--detach", "run in a child process and print the job id", false)
      .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
      .option("--json", "the job as JSON on stdout", false)
      .action(async (o: TrainFlags) => {
        const request = requestFrom(algorithm, o);
        const store = RunStore.open(o.store);
        try {
          if (o.detach) {
            if (o.out)
              throw new InvalidInputError("--out is not available with --detach; `enpire train show` gives the policy");
            const { job, dir } = launchJob(store.root, request);
            if (o.json) process.stdout.write(`${JSON.stringify({ id: job.id, dir }, null, 2)}\n`);
            else process.stdout.write(`${job.id}\n${dir}\n`);
            return;
          }
          const job = createJob(store.root, request);
          process.stderr.write(
            `training job ${job.id} (${algorithm}) in ${path.join(store.root, "training", job.id)}\n`,
          );
          const stop = new AbortController();
          const onSigint = () => stop.abort(new Error("stopped by Ctrl-C"));
          process.once("SIGINT", onSigint);
          const line = new ProgressLine();
          let ended: TrainingJob;
          try {
            ended = await runJob(store, job.id, {
              signal: stop.signal,
              onProgress: (p) => line.update({ ...p }),
              onPhase: (text) => line.say(text),
            });
          } finally {
            process.off("SIGINT", onSigint);
            line.end();
          }
          if (o.out && ended.result) fs.cpSync(path.dirname(ended.result.policyFile), o.out, { recursive: true });
          if (o.json) process.stdout.write(`${JSON.stringify(ended, null, 2)}\n`);
          else process.stdout.write(`${describeJob(ended, o.out)}\n`);
          if (ended.status !== "finished") process.exitCode = 1;
        } finally {
          store.close();
        }
      });
  }

  train
    .command("jobs")
    .description("list training jobs, newest first")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the jobs as JSON on stdout", false)
    .action((o: { store?: string; json: boolean }) => {
      const store = RunStore.open(o.store);
      try {
        const jobs = listJobs(store.root);
        if (o.json) return void process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
        if (jobs.length === 0) return void process.stdout.write("no training jobs yet (enpire train bc --runs ...)\n");
        const rows = jobs.map((j) => [
          j.id,
          j.algorithm,
          j.status,
          String(j.steps),
          j.samplesPerS ? j.samplesPerS.toFixed(0) : "-",
          j.evaluation ? pct(j.evaluation.successRate) : "-",
          j.result ? j.result.sha256.slice(0, 12) : (j.error ?? "").slice(0, 40),
        ]);
        process.stdout.write(
          `${table(["job", "algorithm", "status", "steps", "samples/s", "held-out", "policy"], rows)}\n`,
        );
      } finally {
        store.close();
      }
    });

  train
    .command("show")
    .description("show one training job: status, data, rounds, last progress, checkpoints, result")
    .argument("<job>", "job id or an unambiguous prefix")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the job and its last progress lines as JSON on stdout", false)
    .action((id: string, o: { store?: string; json: boolean }) => {
      const store = RunStore.open(o.store);
      try {
        const job = readJob(store.root, id);
        const progress = readProgress(store.root, job.id, 5);
        if (o.json) return void process.stdout.write(`${JSON.stringify({ ...job, progress }, null, 2)}\n`);
        process.stdout.write(`${describeJob(job)}\n`);
        for (const p of progress) process.stdout.write(`  ${describeProgress(p)}\n`);
      } finally {
        store.close();
      }
    });

  train
    .command("stop")
    .description("stop a running training job (it ends as stopped, keeping the policy trained so far)")
    .argument("<job>", "job id or an unambiguous prefix")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .action((id: string, o: { store?: string }) => {
      const store = RunStore.open(o.store);
      try {
        const job = readJob(store.root, id);
        if (job.status !== "running" || job.pid === null) {
          throw new InvalidInputError(`job ${job.id} is ${job.status}, not running`);
        }
        process.kill(job.pid, "SIGTERM");
        process.stdout.write(`asked job ${job.id} (pid ${job.pid}) to stop\n`);
      } finally {
        store.close();
      }
    });
}

/** The request a command line asks for, checked by the job schema when the job is created. */
function requestFrom(algorithm: (typeof ALGORITHMS)[number], o: TrainFlags): TrainRequestInput {
  const list = (s?: string) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  if (!["mlp", "conv"].includes(o.net)) throw new InvalidInputError(`--net must be mlp or conv, got "${o.net}"`);
  return {
    algorithm,
    task: o.task,
    runs: [...list(o.runs), ...list(o.fromRuns)],
    lerobot: o.lerobot ? path.resolve(o.lerobot) : null,
    allOutcomes: o.allOutcomes,
    net: o.net as "mlp" | "conv",
    budgetS: num(o.budgetS, "--budget-s", { positive: true }),
    steps: o.steps === undefined ? null : num(o.steps, "--steps", { integer: true, positive: true }),
    seed: num(o.seed, "--seed", { integer: true }),
    rounds: num(o.rounds, "--rounds", { integer: true, positive: true }),
    episodesPerRound: num(o.episodesPerRound, "--episodes-per-round", { integer: true, positive: true }),
    stations: num(o.stations, "--stations", { integer: true, positive: true }),
    checkpointEvery:
      o.checkpointEvery === undefined
        ? null
        : num(o.checkpointEvery, "--checkpoint-every", { integer: true, positive: true }),
    evalEpisodes: num(o.evalEpisodes, "--eval-episodes", { integer: true }),
    hyper: Object.fromEntries(
      o.hyper.map((kv) => {
        const at = kv.indexOf("=");
        if (at < 1) throw new InvalidInputError(`--hyper takes key=value, got "${kv}"`);
        const raw = kv.slice(at + 1);
        let value: unknown = raw;
        try {
          value = JSON.parse(raw); // numbers, booleans, arrays like [256,256]
        } catch {}
        return [kv.slice(0, at), value];
      }),
    ),
  };
}

function num(value: string, flag: string, o: { integer?: boolean; positive?: boolean } = {}): number {
  const n = Number(value);
  const ok =
    value.trim() !== "" && Number.isFinite(n) && (!o.integer || Number.isInteger(n)) && (o.positive ? n > 0 : n >= 0);
  if (!ok) {
    throw new InvalidInputError(
      `${flag} must be a ${o.positive ? "positive" : "non-negative"} ${o.integer ? "integer" : "number"}, got "${value}"`,
    );
  }
  return n;
}

function collect(value: string, all: string[]): string[] {
  return [...all, value];
}

/** One updating line on a terminal; a plain line every few seconds otherwise. Always on stderr. */
class ProgressLine {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastPlain = 0;
  private open = false;

  update(p: Record<string, unknown>): void {
    const text = describeProgress(p);
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.open = true;
    } else if (Date.now() - this.lastPlain >= 5000) {
      process.stderr.write(`${text}\n`);
      this.lastPlain = Date.now();
    }
  }

  say(text: string): void {
    this.end();
    process.stderr.write(`${text}\n`);
  }

  end(): void {
    if (this.open) process.stderr.write("\n");
    this.open = false;
  }
}

function describeProgress(p: Record<string, unknown>): string {
  if (typeof p.phase === "string") return p.phase;
  const losses = Object.entries((p.losses as Record<string, number>) ?? {})
    .map(([k, v]) => `${k} ${Number(v).toPrecision(4)}`)
    .join("  ");
  const round = p.round === undefined ? "" : `round ${p.round}  `;
  return `${round}step ${p.step}  ${losses}  ${Number(p.samplesPerS ?? 0).toFixed(0)} samples/s  ${(Number(p.elapsedMs ?? 0) / 1000).toFixed(1)} s`;
}

function describeJob(j: TrainingJob, out?: string): string {
  const lines = [`job ${j.id}: ${j.algorithm} on ${j.request.task}, ${j.status}${j.error ? ` (${j.error})` : ""}`];
  if (j.data) {
    const from = j.data.lerobot ?? j.data.sources.map((s) => `${s.runId} (${s.episodes} episodes)`).join(", ");
    lines.push(`  data      ${j.data.size} steps from ${from}; sha256 ${j.data.sha256.slice(0, 12)}`);
  }
  for (const r of j.rounds) {
    lines.push(
      `  round ${r.round}   run ${r.runId}: ${r.successes}/${r.episodes} successes, +${r.addedSteps} steps → ${r.dataSize}`,
    );
  }
  lines.push(
    `  training  ${j.steps} steps, ${j.samples} samples, ${j.samplesPerS.toFixed(0)} samples/s on ${j.device}; ` +
      `cpu ${((j.cpu.userMs + j.cpu.systemMs) / 1000).toFixed(1)} s, peak RSS ${j.peakRssMb} MB`,
  );
  if (j.checkpoints.length) lines.push(`  checkpoints ${j.checkpoints.map((c) => c.step).join(", ")}`);
  if (j.result)
    lines.push(
      `  policy    ${out ? path.join(out, "policy.ts") : j.result.policyFile}\n  sha256    ${j.result.sha256}`,
    );
  if (j.evaluation) {
    const e = j.evaluation;
    lines.push(
      `  held-out  ${e.successes}/${e.episodes} = ${pct(e.successRate)} (Wilson 95% ${pct(e.wilson95.low)}–${pct(e.wilson95.high)}), ` +
        `mean max reward ${e.meanMaxReward === null ? "n/a" : e.meanMaxReward.toFixed(3)}; run ${e.runId}`,
    );
  }
  return lines.join("\n");
}
