/**
 * `enpire verify-ledger RUN`: checks a run's hash-chained ledger against its trial directories and its index (see
 * rollout/ledger.ts). Exit 0 when intact; 1 with one line per problem, each naming the trial, otherwise.
 */
import type { Command } from "commander";
import { verifyLedger } from "../../rollout/ledger.js";
import { RunStore } from "../../rollout/store.js";

export function registerLedgerCommands(program: Command): void {
  program
    .command("verify-ledger")
    .description("check a run's hash-chained ledger: every trial file, the chain, and the index")
    .argument("<run>", "run id or an unambiguous prefix")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the verification as JSON on stdout", false)
    .action((runId: string, o: { store?: string; json: boolean }) => {
      const store = RunStore.open(o.store);
      try {
        const v = verifyLedger(store, runId);
        if (o.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
        else if (v.ok) {
          process.stdout.write(
            `ledger of run ${v.runId} is intact: ${v.entries} trials, head ${v.head ?? "(empty)"}\n`,
          );
        } else {
          for (const p of v.problems) process.stdout.write(`${p.problem}\n`);
          process.stderr.write(
            `enpire: the ledger of run ${v.runId} does not match its trials: ${v.problems.length} problem(s)\n`,
          );
        }
        if (!v.ok) process.exitCode = 1;
      } finally {
        store.close();
      }
    });
}
