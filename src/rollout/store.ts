import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { InvalidInputError } from "../core/errors.js";
import { type TrialEvent, type TrialResult, TrialResultSchema } from "../core/trial.js";

/**
 * The run store: one directory per run and per trial on disk, indexed in SQLite.
 *
 *   <root>/enpire.db
 *   <root>/runs/<runId>/run.json           what was run: task, evaluation fingerprint, policy, options
 *   <root>/runs/<runId>/policy/<file>      the policy's source as it ran
 *   <root>/runs/<runId>/trials/<00000-seed-100000>/{events.jsonl,result.json,video.mp4}
 *
 * A trial is written into a hidden temporary directory and renamed into place only when complete, so a crash
 * never leaves a half-written trial that counts. Nothing is overwritten: a new run is a new directory.
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
  trials: number;
  successes: number;
  meanMaxReward: number | null;
  note: string | null;
}

export interface TrialRow {
  runId: string;
  index: number;
  seed: number;
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
    const db = new Database(path.join(root, "enpire.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA_SQL);
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

  /** Starts writing one trial into a temporary directory; `commit` makes it visible and indexed atomically. */
  beginTrial(runId: string, index: number, seed: number): TrialWriter {
    const run = this.requireRun(runId);
    const trialsDir = path.join(this.root, run.dir, "trials");
    const name = `${String(index).padStart(5, "0")}-seed-${seed}`;
    const tmp = path.join(trialsDir, `.tmp-${name}-${randomBytes(3).toString("hex")}`);
    fs.mkdirSync(tmp);
    return new TrialWriter(this, tmp, path.join(trialsDir, name));
  }

  /** @internal Indexes a committed trial. */
  indexTrial(result: TrialResult, dir: string): TrialRow {
    const row: TrialRow = {
      runId: result.runId,
      index: result.index,
      seed: result.seed,
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
        `INSERT INTO trials (run_id, idx, seed, success, outcome_kind, reason, score, max_reward, total_reward, steps,
           termination, elapsed_ms, dir, video) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.runId,
        row.index,
        row.seed,
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

  trials(runId: string, filter: { failedOnly?: boolean } = {}): TrialRow[] {
    const where = filter.failedOnly ? "AND success = 0" : "";
    return this.db
      .prepare(`SELECT * FROM trials WHERE run_id = ? ${where} ORDER BY idx`)
      .all(runId)
      .map((r) => {
        const row = r as Record<string, unknown>;
        return {
          runId: row.run_id as string,
          index: row.idx as number,
          seed: row.seed as number,
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
   * A run still marked "running" whose process is gone crashed. Its committed trial directories are kept: any that
   * were renamed into place but not yet indexed are indexed now, and the run is marked interrupted.
   */
  private recoverAbandonedRuns(): void {
    const stale = this.db.prepare("SELECT id, dir, pid FROM runs WHERE status = 'running'").all() as {
      id: string;
      dir: string;
      pid: number | null;
    }[];
    for (const run of stale) {
      if (run.pid !== null && processAlive(run.pid)) continue;
      const known = new Set(
        (this.db.prepare("SELECT dir FROM trials WHERE run_id = ?").all(run.id) as { dir: string }[]).map((r) => r.dir),
      );
      const trialsDir = path.join(this.root, run.dir, "trials");
      const names = fs.existsSync(trialsDir) ? fs.readdirSync(trialsDir) : [];
      for (const name of names) {
        if (name.startsWith(".")) continue; // an unfinished trial: never counted
        const rel = path.join(run.dir, "trials", name);
        if (known.has(rel)) continue;
        const file = path.join(this.root, rel, "result.json");
        if (!fs.existsSync(file)) continue;
        this.indexTrial(TrialResultSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))), path.join(this.root, rel));
      }
      this.finishRun(run.id, "interrupted", "the process running it stopped before the run finished");
    }
  }
}

const RUN_SELECT = `SELECT r.*, COUNT(t.idx) AS n_trials, COALESCE(SUM(t.success), 0) AS n_success,
  AVG(t.max_reward) AS mean_max_reward FROM runs r LEFT JOIN trials t ON t.run_id = r.id`;

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
    note: row.note as string | null,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes one trial's files into a temporary directory; `commit` renames it into place and indexes it. */
export class TrialWriter {
  private lines: string[] = [];
  private done = false;
  private readonly eventsFile: string;

  constructor(
    private readonly store: RunStore,
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

  /** Validates and writes result.json, renames the directory into place, then indexes the trial. */
  commit(result: TrialResult): TrialRow {
    if (this.done) throw new Error("trial already committed or aborted");
    const parsed = TrialResultSchema.parse(result);
    this.flush();
    if (!fs.existsSync(this.eventsFile)) fs.writeFileSync(this.eventsFile, "");
    const resultFile = path.join(this.tmpDir, "result.json");
    const fd = fs.openSync(resultFile, "w");
    fs.writeSync(fd, `${JSON.stringify(parsed, null, 2)}\n`);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(this.tmpDir, this.finalDir); // the atomic step: before it the trial does not exist
    this.done = true;
    return this.store.indexTrial(parsed, this.finalDir);
  }

  /** Leaves the partial directory (hidden, never counted) for inspection. */
  abort(): void {
    if (this.done) return;
    this.flush();
    this.done = true;
  }
}
