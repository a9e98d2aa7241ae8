import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { EnpireError, InvalidInputError } from "../core/errors.js";
import { processAlive } from "../core/process.js";
import { type TrialEvent, type TrialResult, TrialResultSchema } from "../core/trial.js";
import { appendLedgerEntry, appendLedgerEntryAsync, fsyncDir, readLedger, repairTornTail } from "./ledger.js";

/**
 * The run store: one directory per run and per trial on disk, indexed in SQLite.
 *
 *   <root>/enpire.db
 *   <root>/runs/<runId>/run.json           what was run: task, evaluation fingerprint, policy, options
 *   <root>/runs/<runId>/policy/<file>      the policy's source as it ran
 *   <root>/runs/<runId>/trials/<00000-seed-100000>/{events.jsonl,result.json,video.mp4}
 *   <root>/runs/<runId>/ledger.jsonl       the hash-chained ledger of committed trials (ledger.ts)
 *
 * A trial is written into a hidden temporary directory and renamed into place only when complete, then appended to
 * the ledger, then indexed; so a crash never leaves a half-written trial that counts. Nothing is overwritten: a new
 * run is a new directory, and a trial index is never used twice in a run (see nextTrialIndex).
 *
 * Every trial is kept, interrupted ones included (a station fault, or this process stopping mid-trial); only trials
 * with `counted` enter a run's totals.
 */

export const RunManifestSchema = z.object({
  schema: z.literal("enpire.run/1"),
  id: z.string(),
  createdAt: z.string(),
  task: z.object({ id: z.string(), version: z.number().int() }),
  evalFingerprint: z.string(),
  policy: z.object({ name: z.string(), path: z.string().nullable(), sha256: z.string() }),
  episodes: z.number().int().positive(),
  seedStart: z.number().int().nonnegative(),
  options: z.record(z.string(), z.unknown()),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

export type RunStatus = "running" | "finished" | "interrupted" | "failed";

export interface RunRow {
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: RunStatus;
  taskId: string;
  taskVersion: number;
  evalFingerprint: string;
  policyName: string;
  policyPath: string | null;
  policySha256: string;
  episodes: number;
  seedStart: number;
  dir: string;
  trials: number; // counted trials only: interrupted ones are kept and listed but never counted
  successes: number;
  meanMaxReward: number | null; // over counted trials
  interrupted: number; // trials kept but not counted
  note: string | null;
}

/** A trial as the fleet timeline sees it (`RunStore.stationTrialsSince`). */
export interface StationTrial {
  runId: string;
  index: number;
  station: string;
  startedAt: string; // ISO 8601
  elapsedMs: number;
  success: boolean;
  counted: boolean;
}

export interface TrialRow {
  runId: string;
  index: number;
  seed: number;
  station: string | null; // the station that ran it, e.g. "sim-0"
  attempt: number; // 1, or k + 1 when this seed was interrupted k times before
  counted: boolean; // false only for an interrupted trial
  startedAt: string; // ISO 8601
  success: boolean;
  outcomeKind: string;
  reason: string | null;
  score: number | null;
  maxReward: number;
  totalReward: number;
  steps: number;
  termination: string;
  elapsedMs: number;
  dir: string;
  video: string | null;
}

/**
 * The index's schema version, kept in SQLite's user_version. 1: the first store (no version set, no station,
 * attempt, counted or started_at columns); 2: those columns. A version-1 index is migrated on open (old trials were
 * all counted first attempts); an index from a newer enpire is refused.
 */
export const STORE_SCHEMA_VERSION = 2;

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  task_id TEXT NOT NULL,
  task_version INTEGER NOT NULL,
  eval_fingerprint TEXT NOT NULL,
  policy_name TEXT NOT NULL,
  policy_path TEXT,
  policy_sha256 TEXT NOT NULL,
  episodes INTEGER NOT NULL,
  seed_start INTEGER NOT NULL,
  dir TEXT NOT NULL,
  pid INTEGER,
  note TEXT
);
CREATE TABLE IF NOT EXISTS trials (
  run_id TEXT NOT NULL REFERENCES runs(id),
  idx INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  station TEXT,
  attempt INTEGER NOT NULL,
  counted INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  success INTEGER NOT NULL,
  outcome_kind TEXT NOT NULL,
  reason TEXT,
  score REAL,
  max_reward REAL NOT NULL,
  total_reward REAL NOT NULL,
  steps INTEGER NOT NULL,
  termination TEXT NOT NULL,
  elapsed_ms REAL NOT NULL,
  dir TEXT NOT NULL,
  video TEXT,
  PRIMARY KEY (run_id, idx)
);
`;

/** Lets the fleet timeline ask for the trials of the last minutes without a scan (made on open when missing). */
const STARTED_AT_INDEX_SQL = "CREATE INDEX IF NOT EXISTS trials_started_at ON trials(started_at)";

const MIGRATE_1_TO_2 = `
ALTER TABLE trials ADD COLUMN station TEXT;
ALTER TABLE trials ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE trials ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
ALTER TABLE trials ADD COLUMN started_at TEXT NOT NULL DEFAULT '';
`;

/** The index was written by a newer enpire than this one; nothing in it is changed. */
export class StoreVersionError extends EnpireError {
  constructor(
    readonly file: string,
    readonly version: number,
  ) {
    super(
      `the run index ${file} has schema version ${version}, newer than this enpire's ${STORE_SCHEMA_VERSION}; ` +
        "upgrade enpire, or point --store (or $ENPIRE_HOME) at another directory",
    );
  }
}

/** A trial's directory name: its index, zero-padded, and its seed. */
export function trialDirName(index: number, seed: number): string {
  return `${String(index).padStart(5, "0")}-seed-${seed}`;
}

/** `00003-seed-100003`, or a hidden `.tmp-00003-seed-100003-a1b2c3` one: its index and seed. */
const TRIAL_DIR = /^(?:\.tmp-)?(\d+)-seed-(\d+)(?:-[0-9a-f]+)?$/;

/** The default store root: $ENPIRE_HOME, else .enpire in the working directory. */
export function defaultStoreRoot(): string {
  return process.env.ENPIRE_HOME ?? path.resolve(".enpire");
}

export class RunStore {
  private constructor(
    readonly root: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating if needed) the store at `root`, and indexes trials that a crashed run left unindexed. */
  static open(root: string = defaultStoreRoot()): RunStore {
    fs.mkdirSync(path.join(root, "runs"), { recursive: true });
    const file = path.join(root, "enpire.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    // the trial directories and the ledger are fsynced and are the record; an index row lost to a power cut is
    // rebuilt from them on the next open (the run is still marked running then), so the WAL need not be fsynced
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    try {
      migrate(db, file);
      db.exec(STARTED_AT_INDEX_SQL);
    } catch (err) {
      db.close();
      throw err;
    }
    const store = new RunStore(root, db);
    store.recoverAbandonedRuns();
    return store;
  }

  close(): void {
    this.db.close();
  }

  /** Creates a new run directory (never an existing one) and its index row. */
  createRun(init: Omit<RunManifest, "schema" | "id" | "createdAt">, policySource?: { file: string; text: string }) {
    const createdAt = new Date().toISOString();
    let id = "";
    let dir = "";
    for (;;) {
      id = `${createdAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "")}-${randomBytes(3).toString("hex")}`;
      dir = path.join(this.root, "runs", id);
      try {
        fs.mkdirSync(dir); // fails if it exists: runs are never overwritten
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    }
    fs.mkdirSync(path.join(dir, "trials"));
    const manifest: RunManifest = RunManifestSchema.parse({ schema: "enpire.run/1", id, createdAt, ...init });
    fs.writeFileSync(path.join(dir, "run.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    if (policySource) {
      fs.mkdirSync(path.join(dir, "policy"));
      fs.writeFileSync(path.join(dir, "policy", path.basename(policySource.file)), policySource.text);
    }
    this.db
      .prepare(
        `INSERT INTO runs (id, created_at, status, task_id, task_version, eval_fingerprint, policy_name, policy_path,
           policy_sha256, episodes, seed_start, dir, pid) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        createdAt,
        manifest.task.id,
        manifest.task.version,
        manifest.evalFingerprint,
        manifest.policy.name,
        manifest.policy.path,
        manifest.policy.sha256,
        manifest.episodes,
        manifest.seedStart,
        path.relative(this.root, dir),
        process.pid,
      );
    return { id, dir, manifest };
  }

  /**
   * Starts writing one trial into a hidden temporary directory; `commit` renames it into place, appends it to the
   * ledger and indexes it. Use `nextTrialIndex` for the index: it is never one already used in the run.
   */
  beginTrial(runId: string, index: number, seed: number): TrialWriter {
    const run = this.requireRun(runId);
    const runDir = path.join(this.root, run.dir);
    const name = trialDirName(index, seed);
    const tmp = path.join(runDir, "trials", `.tmp-${name}-${randomBytes(3).toString("hex")}`);
    fs.mkdirSync(tmp);
    return new TrialWriter(this, runDir, tmp, path.join(runDir, "trials", name));
  }

  /**
   * The index for the run's next trial: one more than the largest used so far, counting indexed trials, committed
   * directories and hidden half-written ones, so that an index is never used twice (not even after a crash).
   */
  nextTrialIndex(runId: string): number {
    const run = this.requireRun(runId);
    const row = this.db.prepare("SELECT MAX(idx) AS m FROM trials WHERE run_id = ?").get(run.id) as {
      m: number | null;
    };
    let max = row.m ?? -1;
    const trialsDir = path.join(this.root, run.dir, "trials");
    for (const name of fs.existsSync(trialsDir) ? fs.readdirSync(trialsDir) : []) {
      const m = TRIAL_DIR.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  }

  /** Whether the run has a trial indexed at `index`. */
  hasTrial(runId: string, index: number): boolean {
    return this.db.prepare("SELECT 1 FROM trials WHERE run_id = ? AND idx = ?").get(runId, index) !== undefined;
  }

  /**
   * Marks a stopped run as running again in this process (for `enpire run --resume`). Refused while another live
   * process runs it. Its trials are untouched: a crashed run's half-written trial was already recorded as
   * interrupted when the store was opened.
   */
  markResumed(runId: string): RunRow {
    const run = this.getRun(runId);
    const owner = this.db.prepare("SELECT pid FROM runs WHERE id = ?").get(run.id) as { pid: number | null };
    if (run.status === "running" && owner.pid !== null && owner.pid !== process.pid && processAlive(owner.pid)) {
      throw new InvalidInputError(`run ${run.id} is still running in process ${owner.pid}; stop it before resuming`);
    }
    this.db
      .prepare("UPDATE runs SET status = 'running', finished_at = NULL, note = NULL, pid = ? WHERE id = ?")
      .run(process.pid, run.id);
    return this.requireRun(run.id);
  }

  /** @internal Indexes a committed trial. */
  indexTrial(result: TrialResult, dir: string): TrialRow {
    const row: TrialRow = {
      runId: result.runId,
      index: result.index,
      seed: result.seed,
      station: result.station,
      attempt: result.attempt,
      counted: result.counted,
      startedAt: result.startedAt,
      success: result.success,
      outcomeKind: result.outcome.kind,
      reason: result.outcome.kind === "success" ? null : result.outcome.reason,
      score: result.outcome.score,
      maxReward: result.maxReward,
      totalReward: result.totalReward,
      steps: result.steps,
      termination: result.termination,
      elapsedMs: result.elapsedMs,
      dir: path.relative(this.root, dir),
      video: result.video,
    };
    this.db
      .prepare(
        `INSERT INTO trials (run_id, idx, seed, station, attempt, counted, started_at, success, outcome_kind, reason,
           score, max_reward, total_reward, steps, termination, elapsed_ms, dir, video)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.runId,
        row.index,
        row.seed,
        row.station,
        row.attempt,
        row.counted ? 1 : 0,
        row.startedAt,
        row.success ? 1 : 0,
        row.outcomeKind,
        row.reason,
        row.score,
        row.maxReward,
        row.totalReward,
        row.steps,
        row.termination,
        row.elapsedMs,
        row.dir,
        row.video,
      );
    return row;
  }

  finishRun(runId: string, status: Exclude<RunStatus, "running">, note?: string): void {
    this.db
      .prepare("UPDATE runs SET status = ?, finished_at = ?, note = ?, pid = NULL WHERE id = ?")
      .run(status, new Date().toISOString(), note ?? null, runId);
  }

  listRuns(limit = 50): RunRow[] {
    const rows = this.db
      .prepare(`${RUN_SELECT} GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC LIMIT ?`)
      .all(limit);
    return rows.map(toRunRow);
  }

  /** Finds a run by its id or an unambiguous prefix of it. */
  getRun(idOrPrefix: string): RunRow {
    const rows = this.db
      .prepare(`${RUN_SELECT} WHERE r.id LIKE ? ESCAPE '\\' GROUP BY r.id ORDER BY r.id LIMIT 6`)
      .all(`${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .map(toRunRow);
    if (rows.length === 0) {
      const recent = this.listRuns(3).map((r) => r.id);
      throw new InvalidInputError(
        `no run "${idOrPrefix}" in ${this.root}` +
          (recent.length ? `; recent runs: ${recent.join(", ")}` : "; run `enpire run` first"),
      );
    }
    const exact = rows.find((r) => r.id === idOrPrefix);
    if (exact) return exact;
    if (rows.length > 1) {
      throw new InvalidInputError(`run prefix "${idOrPrefix}" is ambiguous: ${rows.map((r) => r.id).join(", ")}`);
    }
    return rows[0];
  }

  /**
   * A run's trials in index order, interrupted ones included (filter on `counted` for statistics).
   * `failedOnly`: counted trials that did not succeed. `countedOnly`: leave interrupted trials out.
   */
  trials(runId: string, filter: { failedOnly?: boolean; countedOnly?: boolean } = {}): TrialRow[] {
    const where = [
      filter.failedOnly ? "AND success = 0 AND counted = 1" : "",
      filter.countedOnly ? "AND counted = 1" : "",
    ];
    return this.db
      .prepare(`SELECT * FROM trials WHERE run_id = ? ${where.join(" ")} ORDER BY idx`)
      .all(runId)
      .map(toTrialRow);
  }

  /** Read-only, for viewers: one page of runs, newest first, and how many runs there are. */
  runsPage(offset: number, limit: number): { total: number; runs: RunRow[] } {
    const { n } = this.db.prepare("SELECT COUNT(*) AS n FROM runs").get() as { n: number };
    const runs = this.db
      .prepare(
        `SELECT r2.*, COALESCE(SUM(t.counted), 0) AS n_trials, COALESCE(SUM(t.success * t.counted), 0) AS n_success,
           AVG(CASE WHEN t.counted = 1 THEN t.max_reward END) AS mean_max_reward,
           COALESCE(SUM(1 - t.counted), 0) AS n_interrupted
         FROM (SELECT * FROM runs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?) r2
         LEFT JOIN trials t ON t.run_id = r2.id GROUP BY r2.id ORDER BY r2.created_at DESC, r2.id DESC`,
      )
      .all(limit, offset)
      .map(toRunRow);
    return { total: n, runs };
  }

  /**
   * Read-only, for viewers: one page of a run's trials (interrupted ones included) and how many it has. `index`
   * order is the order they were run; `failed-first` puts counted failures first, then interrupted trials, then
   * successes, each by index.
   */
  trialsPage(
    runId: string,
    page: { offset: number; limit: number; order: "index" | "failed-first" },
  ): { total: number; trials: TrialRow[] } {
    const { n } = this.db.prepare("SELECT COUNT(*) AS n FROM trials WHERE run_id = ?").get(runId) as { n: number };
    const order =
      page.order === "failed-first" ? "CASE WHEN success = 1 THEN 2 WHEN counted = 0 THEN 1 ELSE 0 END, idx" : "idx";
    const trials = this.db
      .prepare(`SELECT * FROM trials WHERE run_id = ? ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(runId, page.limit, page.offset)
      .map(toTrialRow);
    return { total: n, trials };
  }

  /** Read-only: the run's trial at `index`, or null. */
  trial(runId: string, index: number): TrialRow | null {
    const row = this.db.prepare("SELECT * FROM trials WHERE run_id = ? AND idx = ?").get(runId, index);
    return row ? toTrialRow(row) : null;
  }

  /**
   * Read-only, for watchers that poll the index cheaply: the largest row ids of the trials and runs tables, the
   * trials and runs indexed after given row ids (oldest first, at most `limit`), and the runs still running.
   */
  watermarks(): { trial: number; run: number } {
    const t = this.db.prepare("SELECT COALESCE(MAX(rowid), 0) AS m FROM trials").get() as { m: number };
    const r = this.db.prepare("SELECT COALESCE(MAX(rowid), 0) AS m FROM runs").get() as { m: number };
    return { trial: t.m, run: r.m };
  }

  trialsAfter(rowid: number, limit = 1000): { rowid: number; trial: TrialRow }[] {
    return this.db
      .prepare("SELECT rowid AS rid, * FROM trials WHERE rowid > ? ORDER BY rowid LIMIT ?")
      .all(rowid, limit)
      .map((r) => ({ rowid: (r as { rid: number }).rid, trial: toTrialRow(r) }));
  }

  runIdsAfter(rowid: number, limit = 1000): { rowid: number; id: string }[] {
    return this.db
      .prepare("SELECT rowid AS rid, id FROM runs WHERE rowid > ? ORDER BY rowid LIMIT ?")
      .all(rowid, limit)
      .map((r) => ({ rowid: (r as { rid: number }).rid, id: (r as { id: string }).id }));
  }

  runningRunIds(): string[] {
    return this.db
      .prepare("SELECT id FROM runs WHERE status = 'running'")
      .all()
      .map((r) => (r as { id: string }).id);
  }

  /**
   * Read-only, for the fleet's utilisation timeline: trials of every run that ran on a station and started at or
   * after `sinceIso` (an ISO 8601 instant), newest first, at most `limit` (uses the started_at index).
   */
  stationTrialsSince(sinceIso: string, limit = 20_000): StationTrial[] {
    return this.db
      .prepare(
        `SELECT run_id, idx, station, started_at, elapsed_ms, success, counted FROM trials
         WHERE started_at >= ? AND station IS NOT NULL ORDER BY started_at DESC LIMIT ?`,
      )
      .all(sinceIso, limit)
      .map((r) => {
        const row = r as Record<string, unknown>;
        return {
          runId: row.run_id as string,
          index: row.idx as number,
          station: row.station as string,
          startedAt: row.started_at as string,
          elapsedMs: row.elapsed_ms as number,
          success: row.success === 1,
          counted: row.counted === 1,
        };
      });
  }

  /** Absolute path of a store-relative directory. */
  resolve(relative: string): string {
    return path.join(this.root, relative);
  }

  private requireRun(runId: string): RunRow {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ? GROUP BY r.id`).get(runId);
    if (!row) throw new InvalidInputError(`no run "${runId}" in ${this.root}`);
    return toRunRow(row);
  }

  /**
   * A run still marked "running" whose process is gone crashed. Everything it left is kept: trials renamed into
   * place but not yet in the ledger or the index are added to both; each hidden half-written trial is recorded as
   * interrupted ("the process stopped mid-trial") with whatever events it had; then the run is marked interrupted.
   */
  private recoverAbandonedRuns(): void {
    const stale = this.db.prepare("SELECT id, dir, pid FROM runs WHERE status = 'running'").all() as {
      id: string;
      dir: string;
      pid: number | null;
    }[];
    for (const run of stale) {
      if (run.pid !== null && processAlive(run.pid)) continue;
      const runDir = path.join(this.root, run.dir);
      const trialsDir = path.join(runDir, "trials");
      repairTornTail(runDir);
      const inLedger = new Set(readLedger(runDir).map((e) => e.index));
      const names = (fs.existsSync(trialsDir) ? fs.readdirSync(trialsDir) : []).sort();

      // 1. committed (renamed into place) but not yet in the ledger or the index
      for (const name of names) {
        if (name.startsWith(".")) continue;
        const dir = path.join(trialsDir, name);
        const file = path.join(dir, "result.json");
        if (!fs.existsSync(file)) continue;
        const result = TrialResultSchema.parse(JSON.parse(fs.readFileSync(file, "utf8")));
        if (this.hasTrial(run.id, result.index)) continue; // indexed, so already in the ledger: it is written first
        if (!inLedger.has(result.index)) appendLedgerEntry(runDir, dir, result);
        this.indexTrial(result, dir);
      }

      // 2. half-written: recorded as interrupted, in index order. A trial may have left two hidden directories (a
      //    marker made when its station started, and the recorder's); the one holding the most events is kept.
      const partial = new Map<number, { name: string; seed: number; size: number }[]>();
      for (const name of names) {
        const m = TRIAL_DIR.exec(name);
        if (!name.startsWith(".tmp-") || !m) continue;
        const events = path.join(trialsDir, name, "events.jsonl");
        const size = fs.existsSync(events) ? fs.statSync(events).size : 0;
        const index = Number(m[1]);
        partial.set(index, [...(partial.get(index) ?? []), { name, seed: Number(m[2]), size }]);
      }
      for (const index of [...partial.keys()].sort((a, b) => a - b)) {
        const [best, ...rest] = partial.get(index)!.sort((a, b) => b.size - a.size);
        for (const other of rest) removeIfEmpty(path.join(trialsDir, other.name));
        const finalDir = path.join(trialsDir, trialDirName(index, best.seed));
        // a leftover of a trial already committed (or of a commit refused because its index was taken)
        if (this.hasTrial(run.id, index) || fs.existsSync(finalDir)) {
          removeIfEmpty(path.join(trialsDir, best.name));
          continue;
        }
        const writer = new TrialWriter(this, runDir, path.join(trialsDir, best.name), finalDir);
        writer.commit(this.interruptedResult(run.id, writer.tmpDir, index, best.seed));
      }
      this.finishRun(run.id, "interrupted", "the process running it stopped before the run finished");
    }
  }

  /** The result of a trial this process's predecessor left half-written: what its events say, marked interrupted. */
  private interruptedResult(runId: string, tmpDir: string, index: number, seed: number): TrialResult {
    const manifest = RunManifestSchema.parse(
      JSON.parse(fs.readFileSync(path.join(this.root, this.requireRun(runId).dir, "run.json"), "utf8")),
    );
    let steps = 0;
    let totalReward = 0;
    let maxReward = 0;
    let lastT = 0;
    const eventsFile = path.join(tmpDir, "events.jsonl");
    const text = fs.existsSync(eventsFile) ? fs.readFileSync(eventsFile, "utf8") : "";
    for (const line of text.split("\n")) {
      let e: { event?: unknown; reward?: unknown; t?: unknown };
      try {
        e = JSON.parse(line);
      } catch {
        continue; // an empty or torn line
      }
      if (typeof e.t === "number") lastT = Math.max(lastT, e.t);
      if (e.event !== "step" || typeof e.reward !== "number") continue;
      maxReward = steps === 0 ? e.reward : Math.max(maxReward, e.reward);
      totalReward += e.reward;
      steps++;
    }
    const earlier = this.trials(runId).filter((t) => t.seed === seed && t.index < index).length;
    const reason = "the process stopped mid-trial";
    return {
      schema: "enpire.trial-result/1",
      runId,
      index,
      seed,
      task: manifest.task,
      evalFingerprint: manifest.evalFingerprint,
      policy: manifest.policy,
      envStack: typeof manifest.options.envStack === "string" ? manifest.options.envStack : "unknown",
      station: null,
      attempt: earlier + 1,
      outcome: { kind: "interrupted", score: null, reason },
      success: false,
      counted: false,
      steps,
      totalReward,
      maxReward,
      termination: "interrupted",
      verification: { success: false, score: null, reason, metrics: {} },
      tries: [],
      startedAt: fs.statSync(tmpDir).birthtime.toISOString(),
      elapsedMs: lastT,
      video: null,
    };
  }
}

const RUN_SELECT = `SELECT r.*, COALESCE(SUM(t.counted), 0) AS n_trials,
  COALESCE(SUM(t.success * t.counted), 0) AS n_success,
  AVG(CASE WHEN t.counted = 1 THEN t.max_reward END) AS mean_max_reward,
  COALESCE(SUM(1 - t.counted), 0) AS n_interrupted
  FROM runs r LEFT JOIN trials t ON t.run_id = r.id`;

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > STORE_SCHEMA_VERSION) throw new StoreVersionError(file, version);
  if (version === STORE_SCHEMA_VERSION) return;
  const hasTrials = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trials'").get();
  db.transaction(() => {
    if (hasTrials) {
      // version 1 had no user_version; every trial it recorded was a counted first attempt
      db.exec(MIGRATE_1_TO_2);
      db.exec("UPDATE trials SET started_at = (SELECT created_at FROM runs WHERE runs.id = trials.run_id)");
    } else {
      db.exec(SCHEMA_SQL);
    }
    db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
  })();
}

function toRunRow(r: unknown): RunRow {
  const row = r as Record<string, unknown>;
  return {
    id: row.id as string,
    createdAt: row.created_at as string,
    finishedAt: row.finished_at as string | null,
    status: row.status as RunStatus,
    taskId: row.task_id as string,
    taskVersion: row.task_version as number,
    evalFingerprint: row.eval_fingerprint as string,
    policyName: row.policy_name as string,
    policyPath: row.policy_path as string | null,
    policySha256: row.policy_sha256 as string,
    episodes: row.episodes as number,
    seedStart: row.seed_start as number,
    dir: row.dir as string,
    trials: row.n_trials as number,
    successes: row.n_success as number,
    meanMaxReward: row.mean_max_reward as number | null,
    interrupted: row.n_interrupted as number,
    note: row.note as string | null,
  };
}

function toTrialRow(r: unknown): TrialRow {
  const row = r as Record<string, unknown>;
  return {
    runId: row.run_id as string,
    index: row.idx as number,
    seed: row.seed as number,
    station: row.station as string | null,
    attempt: row.attempt as number,
    counted: row.counted === 1,
    startedAt: row.started_at as string,
    success: row.success === 1,
    outcomeKind: row.outcome_kind as string,
    reason: row.reason as string | null,
    score: row.score as number | null,
    maxReward: row.max_reward as number,
    totalReward: row.total_reward as number,
    steps: row.steps as number,
    termination: row.termination as string,
    elapsedMs: row.elapsed_ms as number,
    dir: row.dir as string,
    video: row.video as string | null,
  };
}

/** Removes a directory that holds nothing (a marker); one with files is left for inspection. */
function removeIfEmpty(dir: string): void {
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/**
 * Writes one trial's files into a hidden temporary directory; `commit` renames it into place, appends it to the
 * run's ledger and indexes it, in that order, so that a crash at any point leaves either no trial or one that the
 * next open completes.
 */
export class TrialWriter {
  private lines: string[] = [];
  private done = false;
  private committing = false;
  private readonly eventsFile: string;

  constructor(
    private readonly store: RunStore,
    private readonly runDir: string,
    readonly tmpDir: string,
    readonly finalDir: string,
  ) {
    this.eventsFile = path.join(tmpDir, "events.jsonl");
  }

  /** Path for an extra file of this trial (e.g. video.mp4), inside the temporary directory until commit. */
  file(name: string): string {
    if (name !== path.basename(name) || name.startsWith(".") || name.length === 0) {
      throw new InvalidInputError(`trial file name "${name}" must be a plain file name inside the trial directory`);
    }
    return path.join(this.tmpDir, name);
  }

  event(e: TrialEvent): void {
    this.lines.push(JSON.stringify(e));
    if (this.lines.length >= 64) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    fs.appendFileSync(this.eventsFile, `${this.lines.join("\n")}\n`);
    this.lines = [];
  }

  /**
   * Validates and writes result.json, renames the directory into place, appends the trial to the ledger and indexes
   * it. Refused, with nothing changed, when the run already has a trial at this index.
   */
  commit(result: TrialResult): TrialRow {
    const parsed = this.check(result);
    this.committing = true;
    this.flush();
    if (!fs.existsSync(this.eventsFile)) fs.writeFileSync(this.eventsFile, "");
    syncFile(this.eventsFile);
    if (parsed.video !== null) syncFile(path.join(this.tmpDir, parsed.video));
    const fd = fs.openSync(path.join(this.tmpDir, "result.json"), "w");
    fs.writeSync(fd, `${JSON.stringify(parsed, null, 2)}\n`);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    this.checkFree(parsed);
    fs.renameSync(this.tmpDir, this.finalDir); // the atomic step: before it the trial does not exist
    fsyncDir(path.dirname(this.finalDir));
    this.done = true;
    appendLedgerEntry(this.runDir, this.finalDir, parsed);
    return this.store.indexTrial(parsed, this.finalDir);
  }

  /**
   * As `commit`, with every fsync off the event loop, for callers that must stay responsive (the fleet's recorder).
   * The rename, the ledger append and the index row of one run's trials are done one trial at a time, in the order
   * their files became complete.
   */
  async commitAsync(result: TrialResult): Promise<TrialRow> {
    const parsed = this.check(result);
    this.committing = true;
    this.flush();
    if (!fs.existsSync(this.eventsFile)) fs.writeFileSync(this.eventsFile, "");
    const files = [this.eventsFile, ...(parsed.video === null ? [] : [path.join(this.tmpDir, parsed.video)])];
    await Promise.all(files.map(syncFileAsync));
    const handle = await fs.promises.open(path.join(this.tmpDir, "result.json"), "w");
    try {
      await handle.writeFile(`${JSON.stringify(parsed, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return inCommitLane(this.runDir, async () => {
      this.checkFree(parsed);
      fs.renameSync(this.tmpDir, this.finalDir); // the atomic step: before it the trial does not exist
      this.done = true;
      await syncFileAsync(path.dirname(this.finalDir));
      await appendLedgerEntryAsync(this.runDir, this.finalDir, parsed);
      return this.store.indexTrial(parsed, this.finalDir);
    });
  }

  private check(result: TrialResult): TrialResult {
    if (this.done || this.committing) throw new Error("trial already committed or aborted");
    const parsed = TrialResultSchema.parse(result);
    this.checkFree(parsed);
    if (parsed.video !== null && !fs.existsSync(path.join(this.tmpDir, parsed.video))) {
      throw new InvalidInputError(`result.json names video "${parsed.video}", which was not written`);
    }
    return parsed;
  }

  private checkFree(parsed: TrialResult): void {
    if (this.store.hasTrial(parsed.runId, parsed.index) || fs.existsSync(this.finalDir)) {
      throw new InvalidInputError(
        `run ${parsed.runId} already has a trial ${parsed.index} (${path.basename(this.finalDir)}); ` +
          "take indices from store.nextTrialIndex",
      );
    }
  }

  /** Leaves the partial directory (hidden, never counted) for inspection. */
  abort(): void {
    if (this.done) return;
    this.flush();
    this.done = true;
  }
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync of a file or a directory in libuv's thread pool. */
async function syncFileAsync(file: string): Promise<void> {
  const handle = await fs.promises.open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One run's commits, one after another: each waits for the one before it to finish (or fail). */
const commitLanes = new Map<string, Promise<unknown>>();

function inCommitLane<T>(key: string, step: () => Promise<T>): Promise<T> {
  const before = commitLanes.get(key) ?? Promise.resolve();
  const mine = before.then(step, step);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  commitLanes.set(key, settled);
  void settled.then(() => {
    if (commitLanes.get(key) === settled) commitLanes.delete(key);
  });
  return mine;
}
