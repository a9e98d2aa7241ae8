/**
 * The research ledger: the append-only, hash-chained record of a research project, in the order things happened.
 * Every hypothesis, change, evaluation, decision, branch, borrow, prune and training job is one entry; nothing is ever updated or
 * deleted (the database refuses it), and failed iterations stay in it like kept ones.
 *
 *   <project>/research.db   SQLite (WAL), table `entries`: seq, at, kind, branch, agent, body (JSON), prev, hash
 *
 * `hash` is the sha256 of the canonical JSON of { seq, at, kind, branch, agent, body, prev }; `prev` is the previous
 * entry's hash (64 zeros for the first). Appends from several processes (one MCP server per agent) are serialised by
 * SQLite's write lock, so the chain has no forks. `verify()` recomputes it.
 */
import Database from "better-sqlite3";
import { z } from "zod";
import { EnpireError } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";

const Sha = z.string().regex(/^[0-9a-f]{40}$/); // a git commit
const Stats = z.object({
  commit: Sha,
  trials: z.number().int().nonnegative(),
  successes: z.number().int().nonnegative(),
});

/** What each kind of entry holds. `branch` and `agent` live on the entry itself. */
export const EntryBodies = {
  project: z.object({
    name: z.string(),
    task: z.object({ id: z.string(), version: z.number().int() }),
    evalFingerprint: z.string(),
    baselineBranch: z.string(),
    baselineCommit: Sha,
    baselineTree: Sha,
    template: z.string(),
    entry: z.string(), // the policy file evaluations load, relative to the workspace
    goal: z.object({ successRate: z.number(), episodes: z.number().int().positive(), seedStart: z.number().int() }),
  }),
  branch: z.object({ from: z.object({ branch: z.string(), commit: Sha }) }),
  hypothesis: z.object({ id: z.string(), text: z.string(), parentCommit: Sha }),
  change: z.object({
    hypothesis: z.string(),
    commit: Sha,
    tree: Sha, // the commit's git tree: evidence is pooled per tree (the same files are the same policy)
    parentCommit: Sha,
    files: z.array(z.string()),
    insertions: z.number().int(),
    deletions: z.number().int(),
  }),
  evaluation: z.object({
    hypothesis: z.string().nullable(),
    commit: Sha,
    tree: Sha,
    runId: z.string(),
    purpose: z.enum(["search", "confirm"]),
    evalFingerprint: z.string(),
    valid: z.boolean(), // the task's evaluation side was the project's
    seedStart: z.number().int(),
    episodes: z.number().int(),
    trials: z.number().int(), // counted trials
    successes: z.number().int(),
    meanMaxReward: z.number().nullable(),
    status: z.string(),
    wallS: z.number(),
  }),
  decision: z.object({
    hypothesis: z.string(),
    decision: z.enum(["keep", "revert"]),
    statistic: z.enum(["keep", "revert", "undecided"]), // what the test said; undecided changes are reverted
    baseline: Stats,
    candidate: Stats,
    pBetter: z.number(),
    pWorse: z.number(),
    reason: z.string(),
    head: Sha, // the branch's head after the decision
    taggedAs: z.string().nullable(), // a reverted commit stays reachable under this tag
  }),
  borrow: z.object({
    from: z.object({ branch: z.string(), commit: Sha }),
    method: z.enum(["cherry-pick", "merge", "adopt"]),
    commit: Sha, // the commit on the borrowing branch
    tree: Sha,
    hypothesis: z.string().nullable(),
  }),
  prune: z.object({ reason: z.string(), stats: Stats }),
  goal: z.object({ commit: Sha, runId: z.string(), trials: z.number().int(), successes: z.number().int() }),
  // a training job (evolve/training): one entry when it starts, one when it ends with the policy it wrote
  training: z.object({
    job: z.string(),
    phase: z.enum(["started", "finished", "failed", "stopped"]),
    algorithm: z.string(), // bc | ibc | td3bc | sac
    task: z.string(),
    data: z.object({
      runs: z.array(z.string()),
      lerobot: z.string().nullable(),
      sha256: z.string().nullable(), // of the dataset's arrays, once read
    }),
    policy: z.object({ file: z.string(), sha256: z.string() }).nullable(), // sha256 of the bundle runs record
    evaluation: z.object({ runId: z.string(), episodes: z.number().int(), successes: z.number().int() }).nullable(), // on the task's held-out seeds
    error: z.string().nullable(),
  }),
} as const;

export type EntryKind = keyof typeof EntryBodies;
export type EntryBody<K extends EntryKind> = z.infer<(typeof EntryBodies)[K]>;

export interface Entry<K extends EntryKind = EntryKind> {
  seq: number;
  at: string; // ISO time
  kind: K;
  branch: string | null;
  agent: string | null;
  body: EntryBody<K>;
  prev: string;
  hash: string;
}

const GENESIS = "0".repeat(64);

export class ResearchLedgerError extends EnpireError {}

export class ResearchLedger {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating if needed) the ledger at `file`. */
  static open(file: string): ResearchLedger {
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL"); // the ledger is the record: every append is durable
    db.pragma("busy_timeout = 10000");
    db.exec(`
      CREATE TABLE IF NOT EXISTS entries (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, branch TEXT, agent TEXT,
        body TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
      CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind);
      CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'the research ledger is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'the research ledger is append-only'); END;`);
    return new ResearchLedger(file, db);
  }

  /**
   * Opens an existing ledger for reading only (e.g. the web UI): no schema is created, and an append fails. Readers
   * see every committed entry; they never block the writers (WAL).
   */
  static openReadOnly(file: string): ResearchLedger {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 10000");
    return new ResearchLedger(file, db);
  }

  close(): void {
    this.db.close();
  }

  /** Appends one entry (validated against its kind's schema) at the end of the chain, and returns it. */
  append<K extends EntryKind>(
    kind: K,
    body: EntryBody<K>,
    who: { branch?: string | null; agent?: string | null } = {},
  ) {
    const parsed = EntryBodies[kind].safeParse(body);
    if (!parsed.success) {
      throw new ResearchLedgerError(`a "${kind}" entry is malformed: ${z.prettifyError(parsed.error)}`);
    }
    const write = this.db.transaction((): Entry<K> => {
      const last = this.db.prepare("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").get() as
        | { seq: number; hash: string }
        | undefined;
      const unsigned = {
        seq: last ? last.seq + 1 : 0,
        at: new Date().toISOString(),
        kind,
        branch: who.branch ?? null,
        agent: who.agent ?? null,
        body: parsed.data as EntryBody<K>,
        prev: last?.hash ?? GENESIS,
      };
      const entry = { ...unsigned, hash: sha256(canonicalJson(unsigned)) };
      this.db
        .prepare("INSERT INTO entries (seq, at, kind, branch, agent, body, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(entry.seq, entry.at, kind, entry.branch, entry.agent, JSON.stringify(entry.body), entry.prev, entry.hash);
      return entry;
    });
    return write.immediate();
  }

  /** Every entry in order, or only those of the given kinds. */
  entries(kinds?: readonly EntryKind[]): Entry[] {
    const rows = (
      kinds
        ? this.db
            .prepare(`SELECT * FROM entries WHERE kind IN (${kinds.map(() => "?").join(",")}) ORDER BY seq`)
            .all(...kinds)
        : this.db.prepare("SELECT * FROM entries ORDER BY seq").all()
    ) as {
      seq: number;
      at: string;
      kind: EntryKind;
      branch: string | null;
      agent: string | null;
      body: string;
      prev: string;
      hash: string;
    }[];
    return rows.map((r) => ({ ...r, body: JSON.parse(r.body) }));
  }

  /** Entries of one kind, typed. */
  of<K extends EntryKind>(kind: K): Entry<K>[] {
    return this.entries([kind]) as Entry<K>[];
  }

  /** Recomputes the chain; returns the problems found (none when intact) and the head hash. */
  verify(): { ok: boolean; entries: number; head: string | null; problems: string[] } {
    const problems: string[] = [];
    let prev = GENESIS;
    const all = this.entries();
    all.forEach((e, i) => {
      if (e.seq !== i) problems.push(`entry ${i} has seq ${e.seq}: an entry is missing or out of order`);
      if (e.prev !== prev) problems.push(`entry ${e.seq} does not chain to the entry before it`);
      const { hash, ...unsigned } = e;
      if (sha256(canonicalJson(unsigned)) !== hash)
        problems.push(`entry ${e.seq} (${e.kind}) was changed after it was written`);
      prev = hash;
    });
    return { ok: problems.length === 0, entries: all.length, head: all.at(-1)?.hash ?? null, problems };
  }
}
