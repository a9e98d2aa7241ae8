/**
 * `enpire research <op>`: every research operation the MCP server offers (evolve/operations.ts), as a CLI verb with
 * the same arguments as flags (`evaluate_branch` → `enpire research evaluate-branch --episodes 20`), printing JSON with
 * `--json` and a readable summary otherwise. `enpire ledger` shows a project's research ledger.
 */
import type { Command } from "commander";
import type { z } from "zod";
import { InvalidInputError } from "../../core/errors.js";
import { OPERATIONS, type Operation, runOperation } from "../../evolve/operations.js";
import { RunStore } from "../../rollout/store.js";
import { pct, table } from "../format.js";

interface FieldInfo {
  kind: "string" | "number" | "boolean" | "enum" | "array";
  description: string | undefined;
  values?: string[];
}

/** What a schema field takes, seen through optional/default wrappers (zod 4 definitions). */
function fieldInfo(schema: z.ZodType): FieldInfo {
  let s = schema as unknown as { description?: string; _zod: { def: Record<string, unknown> } };
  const description = s.description;
  while (s._zod.def.type === "optional" || s._zod.def.type === "default") {
    s = s._zod.def.innerType as typeof s;
  }
  const type = s._zod.def.type as string;
  if (type === "enum") return { kind: "enum", description, values: Object.keys(s._zod.def.entries as object) };
  if (type === "number" || type === "boolean" || type === "array") return { kind: type, description };
  return { kind: "string", description };
}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function registerResearchCommands(program: Command): void {
  const research = program
    .command("research")
    .description(
      "research projects: hypotheses, branches, evaluations, decisions, leaderboard, idea tree (as over MCP)",
    );
  for (const o of OPERATIONS as readonly Operation[]) {
    const cmd = research.command(o.name.replace(/_/g, "-")).description(o.description);
    const shape = o.args.shape as Record<string, z.ZodType>;
    for (const [key, field] of Object.entries(shape)) {
      const info = fieldInfo(field);
      const help = [info.description, info.values ? `one of ${info.values.join(" | ")}` : undefined]
        .filter(Boolean)
        .join("; ");
      if (info.kind === "boolean") cmd.option(`--${kebab(key)}`, help);
      else if (info.kind === "array") cmd.option(`--${kebab(key)} <value>`, `${help} (repeatable)`, collect);
      else cmd.option(`--${kebab(key)} <value>`, help);
    }
    cmd
      .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
      .option("--agent <name>", "agent name recorded with the entries this writes")
      .option("--json", "the result as JSON on stdout", false);
    cmd.action(async (flags: Record<string, unknown>) => {
      const args: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const v = flags[key];
        if (v === undefined) continue;
        args[key] = fieldInfo(field).kind === "number" ? numberFlag(String(v), `--${kebab(key)}`) : v;
      }
      const store = RunStore.open(flags.store as string | undefined);
      try {
        const result = await runOperation({ store, bound: { agent: flags.agent as string | undefined } }, o.name, args);
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${humanize(o.name, result)}\n`);
      } finally {
        store.close();
      }
    });
  }

  program
    .command("ledger")
    .description("show a research project's ledger: every hypothesis, change, evaluation and decision, in order")
    .option("--project <name>", "research project (default: the store's only one)")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--json", "the entries as JSON on stdout", false)
    .action(async (o: { project?: string; store?: string; json: boolean }) => {
      const store = RunStore.open(o.store);
      try {
        const result = await runOperation({ store, bound: {} }, "research_ledger", {
          project: o.project,
          limit: 5000,
        });
        if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${humanize("research_ledger", result)}\n`);
      } finally {
        store.close();
      }
    });
}

function collect(value: string, all: string[] = []): string[] {
  return [...all, value];
}

function numberFlag(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new InvalidInputError(`${flag} must be a number, got "${value}"`);
  return n;
}

type Row = Record<string, unknown>;

/** A readable rendering of the operations people read most; JSON (indented) for the rest. */
function humanize(name: string, r: Row): string {
  if (name === "leaderboard") {
    const rows = (r.leaderboard as Row[]).map((x) => [
      String(x.rank),
      String(x.id),
      `${x.successes}/${x.trials}`,
      x.rate === null ? "-" : pct(x.rate as number),
      `${pct(x.low as number)}–${pct(x.high as number)}`,
      x.pruned ? "pruned" : x.best ? "best" : "",
    ]);
    const alloc = Object.entries(r.allocation as Record<string, number>)
      .map(([b, n]) => `${b} ${n}`)
      .join(", ");
    return `${table(["#", "branch", "successes", "rate", "Wilson 95%", ""], rows)}\nnext trials: ${alloc || "-"}`;
  }
  if (name === "research_ledger") {
    const chain = r.chain as { ok: boolean; head: string | null; problems: string[] };
    const lines = (r.entries as Row[]).map(
      (e) =>
        `${String(e.seq).padStart(4)} ${e.at}  ${String(e.kind).padEnd(10)} ${String(e.branch ?? "").padEnd(12)} ${describeEntry(e)}`,
    );
    const status = chain.ok ? `chain intact, head ${chain.head}` : `CHAIN BROKEN:\n  ${chain.problems.join("\n  ")}`;
    return `${lines.join("\n")}\n${r.total} entries; ${status}`;
  }
  if (name === "idea_tree") {
    const nodes = r.nodes as Row[];
    const lines = nodes.map(
      (n) =>
        `${String(n.tMin === 0 ? "0.0" : (n.tMin as number).toFixed(1)).padStart(6)} min  ${String(n.lane).padEnd(12)} ${n.raisedTeamBest ? "●" : n.kept ? "○" : "·"} ${n.onBestLineage ? "*" : " "} ${String(n.id).padEnd(10)} ${n.score === null ? "   -  " : pct(n.score as number).padStart(6)}  ${n.gain ? `+${((n.gain as number) * 100).toFixed(1)} pp  ` : ""}${n.label}`,
    );
    const curve = r.teamCurve as { t: number; y: number }[];
    return `${lines.join("\n")}\n● raised the team-average best  ○ kept  · reverted  * lineage of the best idea\nteam-average best now ${pct(curve.at(-1)?.y ?? 0)}`;
  }
  return JSON.stringify(r, null, 2);
}

function describeEntry(e: Row): string {
  const b = e.body as Row;
  switch (e.kind) {
    case "hypothesis":
      return `${b.id}: ${b.text}`;
    case "change":
      return `${b.hypothesis} → ${String(b.commit).slice(0, 8)} (${(b.files as string[]).join(", ")}; +${b.insertions} −${b.deletions})`;
    case "evaluation":
      return `${String(b.commit).slice(0, 8)} ${b.purpose} ${b.successes}/${b.trials} seeds ${b.seedStart}.. run ${b.runId}${b.valid ? "" : " INVALID (evaluation side changed)"}`;
    case "decision":
      return `${b.hypothesis} ${String(b.decision).toUpperCase()}: ${b.reason}`;
    case "borrow":
      return `${b.method} from ${(b.from as Row).branch}@${String((b.from as Row).commit).slice(0, 8)} → ${String(b.commit).slice(0, 8)}`;
    case "branch":
      return `from ${(b.from as Row).branch}@${String((b.from as Row).commit).slice(0, 8)}`;
    case "goal":
      return `GOAL reached by ${String(b.commit).slice(0, 8)}: ${b.successes}/${b.trials} held-out (run ${b.runId})`;
    case "project":
      return `${b.name}: task ${(b.task as Row).id}@${(b.task as Row).version}, eval fingerprint ${String(b.evalFingerprint).slice(0, 12)}`;
    default:
      return JSON.stringify(b);
  }
}
