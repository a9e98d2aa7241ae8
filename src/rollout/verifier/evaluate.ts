/**
 * Checking a verifier against a labelled split (`enpire verifier eval`): runs it in its sandbox on every snapshot
 * (the label stays on the host), and reports precision, recall, accuracy, the confusion counts, latency p50/p95
 * (ms per snapshot; the paper asks < 150 ms) and every false positive and negative with its seed and reason.
 * `--require` bounds (e.g. "precision>=0.95,recall>=0.9,p95<150") say whether the verifier passes.
 */
import { InvalidInputError } from "../../core/errors.js";
import { verifierInput } from "../../core/snapshot.js";
import { VerifierSandbox } from "./sandbox.js";
import { listSnapshots, readSnapshot, type Split, setDir } from "./snapshot-store.js";

export interface Mistake {
  snapshot: string; // folder name
  seed: number;
  trial: string;
  step: number;
  truth: boolean; // the state predicate's verdict
  truthReason: string | null;
  verifierReason: string | null;
  views: Record<string, boolean> | null;
}

export interface VerifierReport {
  task: string;
  set: string;
  split: Split;
  verifier: string;
  verifierSha256: string;
  snapshots: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  precision: number | null; // tp / (tp + fp); null when it never said success
  recall: number | null; // tp / (tp + fn); null when the split holds no success
  accuracy: number;
  latencyMs: { p50: number; p95: number; max: number };
  views: Record<string, { agree: number; total: number }>; // per view: how often its verdict matched the truth
  falsePositives: Mistake[];
  falseNegatives: Mistake[];
  requirements: { bound: string; value: number | null; ok: boolean }[];
  passed: boolean;
}

export type Requirement = {
  metric: "precision" | "recall" | "accuracy" | "p50" | "p95";
  op: ">=" | "<=" | ">" | "<";
  value: number;
};

/**
 * Parses "precision>=0.95,recall>=0.9,p95<150".
 * @example parseRequirements("p95<150") // [{ metric: "p95", op: "<", value: 150 }]
 */
export function parseRequirements(text: string | undefined): Requirement[] {
  if (!text) return [];
  return text.split(",").map((part) => {
    const m = /^\s*(precision|recall|accuracy|p50|p95)\s*(>=|<=|>|<)\s*([0-9.]+)\s*$/.exec(part);
    if (!m) {
      throw new InvalidInputError(
        `bad --require bound "${part}"; write metric op value, e.g. precision>=0.95, with metric one of precision, recall, accuracy, p50, p95 and op one of >= <= > <`,
      );
    }
    return { metric: m[1] as Requirement["metric"], op: m[2] as Requirement["op"], value: Number(m[3]) };
  });
}

/** Computes the report's figures from (truth, said) pairs and latencies; used by evaluateVerifier and tests. */
export function scoreVerdicts(
  rows: { truth: boolean; said: boolean }[],
  latencies: number[],
): Pick<VerifierReport, "confusion" | "precision" | "recall" | "accuracy" | "latencyMs"> {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const r of rows) {
    if (r.said && r.truth) c.tp++;
    else if (r.said) c.fp++;
    else if (r.truth) c.fn++;
    else c.tn++;
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : 0);
  return {
    confusion: c,
    precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null,
    recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : null,
    accuracy: rows.length ? (c.tp + c.tn) / rows.length : 0,
    latencyMs: { p50: q(0.5), p95: q(0.95), max: sorted.at(-1) ?? 0 },
  };
}

/** Runs a verifier file over one split of a recorded set. Throws InvalidInputError for an empty split. */
export async function evaluateVerifier(o: {
  storeRoot: string;
  taskId: string;
  set: string;
  split: Split;
  verifierFile: string;
  require?: Requirement[];
}): Promise<VerifierReport> {
  const dir = setDir(o.storeRoot, o.taskId, o.set);
  const folders = listSnapshots(dir, o.split);
  if (!folders.length) {
    throw new InvalidInputError(
      `no snapshots in ${dir}/${o.split}; record some with \`enpire verifier record --task ${o.taskId} --policy FILE --set ${o.set}\``,
    );
  }
  const sandbox = await VerifierSandbox.start(o.verifierFile);
  const rows: { truth: boolean; said: boolean }[] = [];
  const latencies: number[] = [];
  const views: VerifierReport["views"] = {};
  const fps: Mistake[] = [];
  const fns: Mistake[] = [];
  try {
    for (const folder of folders) {
      const s = readSnapshot(folder);
      const { verdict, ms } = await sandbox.verify(verifierInput(s));
      latencies.push(ms);
      rows.push({ truth: s.label.success, said: verdict.success });
      for (const [view, ok] of Object.entries(verdict.views ?? {})) {
        const v = views[view] ?? { agree: 0, total: 0 };
        views[view] = v;
        v.total++;
        if (ok === s.label.success) v.agree++;
      }
      if (verdict.success !== s.label.success) {
        const m: Mistake = {
          snapshot: folder.replace(/^.*[\\/]/, ""),
          seed: s.origin.seed,
          trial: s.origin.trial,
          step: s.origin.step,
          truth: s.label.success,
          truthReason: s.label.reason,
          verifierReason: verdict.reason ?? null,
          views: verdict.views ?? null,
        };
        (verdict.success ? fps : fns).push(m);
      }
    }
  } finally {
    sandbox.close();
  }
  const scores = scoreVerdicts(rows, latencies);
  const value = (m: Requirement["metric"]): number | null =>
    m === "p50" || m === "p95" ? scores.latencyMs[m] : scores[m];
  const requirements = (o.require ?? []).map((r) => {
    const v = value(r.metric);
    const ok =
      v !== null &&
      (r.op === ">=" ? v >= r.value : r.op === "<=" ? v <= r.value : r.op === ">" ? v > r.value : v < r.value);
    return { bound: `${r.metric}${r.op}${r.value}`, value: v, ok };
  });
  return {
    task: o.taskId,
    set: o.set,
    split: o.split,
    verifier: sandbox.name,
    verifierSha256: sandbox.sha256,
    snapshots: rows.length,
    ...scores,
    views,
    falsePositives: fps,
    falseNegatives: fns,
    requirements,
    passed: requirements.every((r) => r.ok),
  };
}

/** The report for a person: figures, the mistakes, the bounds. */
export function formatVerifierReport(r: VerifierReport): string {
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
  const c = r.confusion;
  const lines = [
    `verifier ${r.verifier} on ${r.task} set ${r.set}, split ${r.split}: ${r.snapshots} snapshots (${c.tp + c.fn} successes)`,
    `precision ${f(r.precision)}  recall ${f(r.recall)}  accuracy ${f(r.accuracy)}`,
    `confusion  TP ${c.tp}  FP ${c.fp}  TN ${c.tn}  FN ${c.fn}`,
    `latency    p50 ${r.latencyMs.p50.toFixed(1)} ms  p95 ${r.latencyMs.p95.toFixed(1)} ms  max ${r.latencyMs.max.toFixed(1)} ms per snapshot`,
  ];
  for (const [view, v] of Object.entries(r.views))
    lines.push(`view ${view}: agrees with the truth on ${v.agree}/${v.total}`);
  const mistake = (m: Mistake) =>
    `  seed ${m.seed} step ${m.step} (${m.trial}): truth ${m.truthReason ?? "success"}; verifier ${m.verifierReason ?? "-"}`;
  if (r.falsePositives.length) lines.push("false positives:", ...r.falsePositives.map(mistake));
  if (r.falseNegatives.length) lines.push("false negatives:", ...r.falseNegatives.map(mistake));
  for (const q of r.requirements) lines.push(`require ${q.bound}: ${q.ok ? "ok" : "FAILED"} (${f(q.value)})`);
  return lines.join("\n");
}
