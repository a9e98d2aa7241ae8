/**
 * The JSON shapes the UI's API answers with (see src/web/README.md), built from the run store's rows: a run row with
 * its budget and Wilson interval, a trial row with the URL of its video, and the URL of a file in the store.
 */
import fs from "node:fs";
import path from "node:path";
import { wilson } from "../../rollout/metrics.js";
import { type RunManifest, RunManifestSchema, type RunRow, type RunStore, type TrialRow } from "../../rollout/store.js";

export interface ApiRunRow {
  id: string;
  task: { id: string; version: number };
  status: string;
  policy: { name: string; sha256: string };
  evalFingerprint: string;
  createdAt: string;
  budget: { episodes: number; wallClockS: number | null; stationSeconds: number | null };
  trials: number; // counted
  interrupted: number;
  successes: number;
  successRate: number | null;
  wilson95: { low: number; high: number } | null;
  meanMaxReward: number | null;
}

export interface ApiTrialRow {
  index: number; // the trial's index in the run, 0-based, as in its directory name
  seed: number;
  attempt: number;
  outcome: string; // success | failure | safety | policy-error | interrupted
  success: boolean;
  counted: boolean;
  reason: string | null;
  steps: number;
  maxReward: number;
  elapsedMs: number;
  station: string | null;
  startedAt: string | null;
  dir: string; // relative to the store root
  video: string | null; // URL under /files/
}

/** The URL at which `/files/` serves a store-relative path (each segment encoded). */
export function fileUrl(relative: string): string {
  return `/files/${relative
    .split(/[\\/]+/)
    .filter(Boolean)
    .map(encodeURIComponent)
    .join("/")}`;
}

/** run.json of each run, read once: a manifest never changes once written. */
export class ManifestCache {
  private readonly byId = new Map<string, RunManifest | null>();
  constructor(private readonly store: RunStore) {}

  get(run: RunRow): RunManifest | null {
    if (!this.byId.has(run.id)) {
      let manifest: RunManifest | null = null;
      try {
        const file = path.join(this.store.resolve(run.dir), "run.json");
        manifest = RunManifestSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
      } catch {
        manifest = null; // unreadable: the row still shows, without the budget's extra limits
      }
      this.byId.set(run.id, manifest);
    }
    return this.byId.get(run.id) ?? null;
  }
}

function numberOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function apiRunRow(run: RunRow, manifest: RunManifest | null): ApiRunRow {
  const budget = (manifest?.options.budget ?? {}) as Record<string, unknown>;
  return {
    id: run.id,
    task: { id: run.taskId, version: run.taskVersion },
    status: run.status,
    policy: { name: run.policyName, sha256: run.policySha256 },
    evalFingerprint: run.evalFingerprint,
    createdAt: run.createdAt,
    budget: {
      episodes: run.episodes,
      wallClockS: numberOrNull(budget.wallClockS),
      stationSeconds: numberOrNull(budget.stationSeconds),
    },
    trials: run.trials,
    interrupted: run.interrupted,
    successes: run.successes,
    successRate: run.trials ? run.successes / run.trials : null,
    wilson95: run.trials ? wilson(run.successes, run.trials) : null,
    meanMaxReward: run.meanMaxReward,
  };
}

export function apiTrialRow(t: TrialRow): ApiTrialRow {
  return {
    index: t.index,
    seed: t.seed,
    attempt: t.attempt,
    outcome: t.outcomeKind,
    success: t.success,
    counted: t.counted,
    reason: t.reason,
    steps: t.steps,
    maxReward: t.maxReward,
    elapsedMs: t.elapsedMs,
    station: t.station,
    startedAt: t.startedAt ? t.startedAt : null,
    dir: t.dir,
    video: t.video ? fileUrl(`${t.dir}/${t.video}`) : null,
  };
}
