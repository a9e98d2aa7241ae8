/**
 * `enpire verifier record|eval`: the verifier workbench (rollout/verifier/). `record` runs episodes of one or more
 * policies and keeps a labelled snapshot at each trial's end (and at --mid steps), split by seed into train/ and
 * heldout/; `eval` runs a verifier file in its sandbox over a split and prints precision, recall, accuracy, the
 * confusion counts, latency and the mistakes, then a last line of JSON; exit 1 when a --require bound fails.
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import { defaultStoreRoot } from "../../rollout/store.js";
import { evaluateVerifier, formatVerifierReport, parseRequirements } from "../../rollout/verifier/evaluate.js";
import { recordSnapshots } from "../../rollout/verifier/record.js";
import { SPLITS, type Split } from "../../rollout/verifier/snapshot-store.js";

const collect = (v: string, prev: string[]) => [...prev, v];
const integer = (v: string, flag: string) => {
  if (!/^\d+$/.test(v.trim())) throw new InvalidInputError(`${flag} must be a non-negative integer, got "${v}"`);
  return Number(v);
};

export function registerVerifierCommands(program: Command): void {
  const verifier = program
    .command("verifier")
    .description("build and check a task's verifier from labelled snapshots (record, eval)");
  verifier
    .command("record")
    .description("record labelled snapshots (every camera, proprioception, the state predicate's verdict)")
    .requiredOption("--task <id>", "task id (a MuJoCo station)")
    .option(
      "--policy <file>",
      "policy file, or hold (zero actions); give several for successes and failures",
      collect,
      [],
    )
    .option("--episodes <n>", "episodes per policy", "10")
    .option("--seed-start <n>", "first seed", "0")
    .option("--set <name>", "the set's name", "default")
    .option("--mid <steps>", "also snapshot at these control steps, e.g. 20,40 (near misses)")
    .option("--size <px>", "frame size", "128")
    .option("--train <fraction>", "share of seeds in train/", "0.7")
    .option("--store <dir>", "store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the summary as JSON", false)
    .action(async (o) => {
      const mid = o.mid
        ? String(o.mid)
            .split(",")
            .map((s: string) => integer(s, "--mid"))
        : [];
      const summary = await recordSnapshots({
        taskId: o.task,
        policies: o.policy.length ? o.policy : ["hold"],
        episodes: integer(o.episodes, "--episodes"),
        seedStart: integer(o.seedStart, "--seed-start"),
        storeRoot: o.store ?? defaultStoreRoot(),
        set: o.set,
        midSteps: mid,
        size: integer(o.size, "--size"),
        trainFraction: Number(o.train),
        onSnapshot: o.json
          ? undefined
          : (s, split) =>
              process.stdout.write(
                `${split.padEnd(7)} ${s.origin.trial} step ${s.origin.step}: ${s.label.success ? "success" : `failure (${s.label.reason})`}\n`,
              ),
      });
      if (!o.json) {
        const { train, heldout } = summary.snapshots;
        process.stdout.write(
          `${summary.trials} trials → ${train} train (${summary.positives.train} successes), ` +
            `${heldout} heldout (${summary.positives.heldout} successes) in ${summary.dir}\n`,
        );
      }
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
  verifier
    .command("eval")
    .description(
      "run a verifier file (exports verify(snapshot)) in its sandbox over a split; precision, recall, latency",
    )
    .requiredOption("--task <id>", "task id")
    .requiredOption("--verifier <file>", "the verifier file (TS or JS)")
    .option("--set <name>", "the set's name", "default")
    .option("--split <split>", "train or heldout", "heldout")
    .option("--require <bounds>", "e.g. precision>=0.95,recall>=0.9,p95<150; exit 1 when one fails")
    .option("--store <dir>", "store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "only the report as JSON", false)
    .action(async (o) => {
      if (!(SPLITS as readonly string[]).includes(o.split)) {
        throw new InvalidInputError(`--split must be train or heldout, got "${o.split}"`);
      }
      const report = await evaluateVerifier({
        storeRoot: o.store ?? defaultStoreRoot(),
        taskId: o.task,
        set: o.set,
        split: o.split as Split,
        verifierFile: o.verifier,
        require: parseRequirements(o.require),
      });
      if (!o.json) process.stdout.write(`${formatVerifierReport(report)}\n`);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (!report.passed) process.exitCode = 1;
    });
}
