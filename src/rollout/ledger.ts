/**
 * The run ledger: an append-only, hash-chained record of every committed trial of a run, in commit order, so that a
 * trial edited, removed, reordered or slipped in after the fact is found by `verifyLedger` (`enpire verify-ledger`).
 *
 *   <run>/ledger.jsonl   one JSON entry per line:
 *   { schema, seq, index, seed, attempt, outcome, dir, resultSha256, eventsSha256, videoSha256,
 *     cameraVideoSha256?, prev, hash }
 *
 * `cameraVideoSha256` maps each extra camera whose video the trial has (video-<camera>.mp4, a 3D station's left,
 * right and wrist cameras) to its sha256; it is absent when there is none, so entries without (Push-T's, older
 * runs') read and hash as before.
 *
 * `seq` counts entries from 0. `prev` is the previous entry's `hash`; the first entry's `prev` is the sha256 of the
 * run's run.json (the genesis), so the chain is bound to what was run. `hash` is the sha256 of the canonical JSON of
 * the entry without `hash` (keys sorted, see core/hash.ts). Each append is fsynced before the trial is indexed.
 *
 * The chain detects inconsistency, not a forger who rewrites every file and recomputes every hash: to anchor a run,
 * note its head hash (printed by `enpire verify-ledger`) somewhere the run's owner cannot edit.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { EnpireError } from "../core/errors.js";
import { canonicalJson, sha256 } from "../core/hash.js";
import type { TrialResult } from "../core/trial.js";
import { CameraNameSchema, cameraOfVideoFile, cameraVideoFile } from "./job.js";
import type { RunStore } from "./store.js";

export const LEDGER_FILE = "ledger.jsonl";

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const LedgerEntrySchema = z
  .object({
    schema: z.literal("enpire.ledger-entry/1"),
    seq: z.number().int().nonnegative(), // 0, 1, 2, … in commit order
    index: z.number().int().nonnegative(), // the trial's index in the run
    seed: z.number().int().nonnegative(),
    attempt: z.number().int().positive(),
    outcome: z.string(), // the outcome kind, e.g. "success", "interrupted"
    dir: z.string(), // the trial directory's name inside <run>/trials, e.g. "00003-seed-100003"
    resultSha256: Sha256Schema,
    eventsSha256: Sha256Schema,
    videoSha256: Sha256Schema.nullable(), // null when the trial has no video
    cameraVideoSha256: z.record(CameraNameSchema, Sha256Schema).optional(), // camera → its video-<camera>.mp4's
    prev: Sha256Schema,
    hash: Sha256Schema,
  })
  .strict();
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** The ledger's last entry cannot be read, so no entry can be chained after it. Nothing was appended. */
export class LedgerCorruptError extends EnpireError {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(
      `the last entry of ${file} is unreadable (${why}); run \`enpire verify-ledger\` on the run to see what changed`,
    );
  }
}

export interface LedgerProblem {
  seq: number | null; // the ledger entry concerned, or null when the trial has none
  index: number | null; // the trial concerned, or null when not known (an unreadable line)
  problem: string; // a sentence naming the trial and what differs
}

export interface LedgerVerification {
  ok: boolean;
  runId: string;
  entries: number;
  head: string | null; // hash of the last entry: note it to anchor the run
  problems: LedgerProblem[];
}

/** sha256 of a file's bytes. */
export function fileSha256(file: string): string {
  return sha256(fs.readFileSync(file));
}

/** The chain's genesis: sha256 of the run's run.json as written. */
export function ledgerGenesis(runDir: string): string {
  return fileSha256(path.join(runDir, "run.json"));
}

/** The hash of an entry: sha256 of the canonical JSON of every field but `hash`. */
export function entryHash(entry: Omit<LedgerEntry, "hash"> | LedgerEntry): string {
  const { hash: _drop, ...rest } = entry as LedgerEntry;
  return sha256(canonicalJson(rest));
}

/**
 * Reads the ledger's entries as they stand (lines that do not parse are skipped; `verifyLedger` reports them).
 * A final line without its newline is a torn append from a crash, not an entry.
 */
export function readLedger(runDir: string): LedgerEntry[] {
  const file = path.join(runDir, LEDGER_FILE);
  if (!fs.existsSync(file)) return [];
  const entries: LedgerEntry[] = [];
  for (const line of completeLines(fs.readFileSync(file, "utf8"))) {
    const parsed = parseEntry(line);
    if (parsed.ok) entries.push(parsed.entry);
  }
  return entries;
}

/**
 * Appends the entry of a trial committed into `trialDir` (its files already final) and fsyncs the ledger.
 * The entry's seq and prev are read and the line written in one synchronous step, so appends never interleave.
 */
export function appendLedgerEntry(runDir: string, trialDir: string, result: TrialResult): LedgerEntry {
  const video = result.video === null ? null : fileSha256(path.join(trialDir, result.video));
  const cameras = Object.fromEntries(cameraVideos(trialDir).map((c) => [c, fileSha256(cameraPath(trialDir, c))]));
  const files = {
    result: fileSha256(path.join(trialDir, "result.json")),
    events: eventsHash(trialDir),
    video,
    cameras,
  };
  const { entry, fd, created } = writeEntry(runDir, trialDir, result, files);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (created) fsyncDir(runDir);
  return entry;
}

/** As appendLedgerEntry, with the file reads and the fsync off the event loop. */
export async function appendLedgerEntryAsync(
  runDir: string,
  trialDir: string,
  result: TrialResult,
): Promise<LedgerEntry> {
  const read = (name: string) => fs.promises.readFile(path.join(trialDir, name)).then((b) => sha256(b));
  const cameraNames = cameraVideos(trialDir);
  const [resultSha, eventsSha, videoSha, ...cameraShas] = await Promise.all([
    read("result.json"),
    read("events.jsonl"),
    result.video === null ? null : read(result.video),
    ...cameraNames.map((c) => read(cameraVideoFile(c))),
  ]);
  const { entry, fd, created } = writeEntry(runDir, trialDir, result, {
    result: resultSha as string,
    events: eventsSha as string,
    video: videoSha,
    cameras: Object.fromEntries(cameraNames.map((c, i) => [c, cameraShas[i] as string])),
  });
  try {
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
  } finally {
    fs.closeSync(fd);
  }
  if (created) fsyncDir(runDir); // once per run
  return entry;
}

/** The extra cameras whose videos lie in a trial directory (video-<camera>.mp4), sorted. */
export function cameraVideos(trialDir: string): string[] {
  if (!fs.existsSync(trialDir)) return [];
  return fs
    .readdirSync(trialDir)
    .flatMap((name) => {
      const camera = cameraOfVideoFile(name);
      return camera === null ? [] : [camera];
    })
    .sort();
}

function cameraPath(trialDir: string, camera: string): string {
  return path.join(trialDir, cameraVideoFile(camera));
}

function eventsHash(trialDir: string): string {
  return fileSha256(path.join(trialDir, "events.jsonl"));
}

/** Chains and writes the entry in one synchronous step; returns the still open file for the caller to fsync. */
function writeEntry(
  runDir: string,
  trialDir: string,
  result: TrialResult,
  files: { result: string; events: string; video: string | null; cameras: Record<string, string> },
): { entry: LedgerEntry; fd: number; created: boolean } {
  const file = path.join(runDir, LEDGER_FILE);
  const last = lastEntry(file);
  const body: Omit<LedgerEntry, "hash"> = {
    schema: "enpire.ledger-entry/1",
    seq: last ? last.seq + 1 : 0,
    index: result.index,
    seed: result.seed,
    attempt: result.attempt,
    outcome: result.outcome.kind,
    dir: path.basename(trialDir),
    resultSha256: files.result,
    eventsSha256: files.events,
    videoSha256: files.video,
    ...(Object.keys(files.cameras).length > 0 ? { cameraVideoSha256: files.cameras } : {}),
    prev: last ? last.hash : ledgerGenesis(runDir),
  };
  const entry: LedgerEntry = { ...body, hash: entryHash(body) };
  const created = !fs.existsSync(file);
  const fd = fs.openSync(file, "a");
  try {
    fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return { entry, fd, created };
}

/**
 * Drops a torn final line (an append cut short by a crash: no newline at its end), so the next append starts on a
 * line of its own. Only the store's crash recovery calls it; complete lines are never touched.
 */
export function repairTornTail(runDir: string): boolean {
  const file = path.join(runDir, LEDGER_FILE);
  if (!fs.existsSync(file)) return false;
  const text = fs.readFileSync(file);
  if (text.length === 0 || text[text.length - 1] === 0x0a) return false;
  const cut = text.lastIndexOf(0x0a) + 1;
  fs.truncateSync(file, cut);
  return true;
}

/**
 * Checks a run's ledger against its trial directories and its index: every line parses, seq counts up from 0, each
 * `prev` is the previous entry's hash (the first, the sha256 of run.json), each `hash` is recomputed, the files of
 * each trial hash to what the ledger recorded, and the indexed trials, the trial directories and the ledger entries
 * name the same trials.
 * @example const { ok, problems } = verifyLedger(RunStore.open(), "20260101T000000-abc123");
 */
export function verifyLedger(store: RunStore, runId: string): LedgerVerification {
  const run = store.getRun(runId);
  const runDir = store.resolve(run.dir);
  const trialsDir = path.join(runDir, "trials");
  const problems: LedgerProblem[] = [];
  const file = path.join(runDir, LEDGER_FILE);
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const lines = completeLines(text);
  if (text.length > 0 && !text.endsWith("\n")) {
    problems.push({ seq: null, index: null, problem: `${LEDGER_FILE} ends with a torn line (an append cut short)` });
  }

  let prev = fs.existsSync(path.join(runDir, "run.json")) ? ledgerGenesis(runDir) : null;
  if (prev === null)
    problems.push({ seq: null, index: null, problem: "run.json is missing: the chain has no genesis" });
  const seenIndex = new Map<number, number>(); // trial index → seq
  let head: string | null = null;
  for (const [position, line] of lines.entries()) {
    const parsed = parseEntry(line);
    if (!parsed.ok) {
      problems.push({ seq: position, index: null, problem: `line ${position + 1} of ${LEDGER_FILE}: ${parsed.why}` });
      prev = null; // the chain cannot be followed through an unreadable entry
      continue;
    }
    const e = parsed.entry;
    const name = `trial ${e.index} (${e.dir})`;
    const say = (problem: string) => problems.push({ seq: e.seq, index: e.index, problem: `${name}: ${problem}` });
    if (e.seq !== position) say(`entry on line ${position + 1} has seq ${e.seq}; expected ${position}`);
    if (entryHash(e) !== e.hash) say(`entry seq ${e.seq} does not hash to its recorded hash (it was edited)`);
    if (prev !== null && e.prev !== prev) {
      say(`entry seq ${e.seq} does not follow the entry before it (prev ${short(e.prev)}, expected ${short(prev)})`);
    }
    prev = e.hash;
    head = e.hash;
    const before = seenIndex.get(e.index);
    if (before !== undefined) say(`recorded twice in the ledger (seq ${before} and ${e.seq})`);
    seenIndex.set(e.index, e.seq);

    const dir = path.join(trialsDir, e.dir);
    if (!fs.existsSync(dir)) {
      say(`its directory trials/${e.dir} is missing`);
      continue;
    }
    checkFile(dir, "result.json", e.resultSha256, say);
    checkFile(dir, "events.jsonl", e.eventsSha256, say);
    if (e.videoSha256 === null) {
      if (fs.existsSync(path.join(dir, "video.mp4"))) say("has a video.mp4 that the ledger did not record");
    } else checkFile(dir, "video.mp4", e.videoSha256, say);
    const cameras = e.cameraVideoSha256 ?? {};
    for (const [camera, sha] of Object.entries(cameras)) checkFile(dir, cameraVideoFile(camera), sha, say);
    for (const camera of cameraVideos(dir)) {
      if (!Object.hasOwn(cameras, camera)) say(`has a ${cameraVideoFile(camera)} that the ledger did not record`);
    }
    try {
      const result = JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8")) as Partial<TrialResult>;
      const recorded = { index: result.index, seed: result.seed, attempt: result.attempt };
      if (recorded.index !== e.index || recorded.seed !== e.seed || (recorded.attempt ?? 1) !== e.attempt) {
        say(`result.json names index ${recorded.index}, seed ${recorded.seed}, attempt ${recorded.attempt}`);
      }
    } catch {
      // unreadable result.json: its hash mismatch is already reported
    }
  }

  for (const t of store.trials(run.id)) {
    if (!seenIndex.has(t.index)) {
      problems.push({
        seq: null,
        index: t.index,
        problem: `trial ${t.index} (${path.basename(t.dir)}) is indexed but not in the ledger`,
      });
    }
  }
  const indexed = new Set(store.trials(run.id).map((t) => t.index));
  for (const [index, seq] of seenIndex) {
    if (!indexed.has(index)) problems.push({ seq, index, problem: `trial ${index} is in the ledger but not indexed` });
  }
  const inLedger = new Set(lines.map((l) => parseEntry(l)).flatMap((p) => (p.ok ? [p.entry.dir] : [])));
  const onDisk = fs.existsSync(trialsDir) ? fs.readdirSync(trialsDir).filter((n) => !n.startsWith(".")) : [];
  for (const name of onDisk.sort()) {
    if (!inLedger.has(name)) {
      const index = Number.parseInt(name, 10);
      problems.push({
        seq: null,
        index: Number.isFinite(index) ? index : null,
        problem: `trial directory trials/${name} is not in the ledger`,
      });
    }
  }
  return { ok: problems.length === 0, runId: run.id, entries: lines.length, head, problems };
}

function checkFile(dir: string, name: string, expected: string, say: (problem: string) => void): void {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) return void say(`${name} is missing`);
  const actual = fileSha256(file);
  if (actual !== expected) say(`${name} has sha256 ${short(actual)}, the ledger recorded ${short(expected)}`);
}

function parseEntry(line: string): { ok: true; entry: LedgerEntry } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, why: "not JSON" };
  }
  const parsed = LedgerEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, why: `not a ledger entry (${issue.path.join(".") || "entry"}: ${issue.message})` };
  }
  return { ok: true, entry: parsed.data };
}

/** The lines that end with a newline (a torn last line is left out). */
function completeLines(text: string): string[] {
  const end = text.lastIndexOf("\n");
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split("\n")
    .filter((l) => l.length > 0);
}

/** The last complete entry, read from the end of the file so an append stays cheap however long the ledger. */
function lastEntry(file: string): LedgerEntry | null {
  if (!fs.existsSync(file)) return null;
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    for (let span = 4096; ; span *= 4) {
      const start = Math.max(0, size - span);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const lines = completeLines(buf.toString("utf8"));
      // the first line of a partial read may be cut; any later complete line is whole
      const usable = start === 0 ? lines : lines.slice(1);
      const line = usable.at(-1);
      if (line !== undefined) {
        const parsed = parseEntry(line);
        if (!parsed.ok) throw new LedgerCorruptError(file, parsed.why);
        return parsed.entry;
      }
      if (start === 0) return null;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Fsyncs a directory, so a file created or renamed inside it survives a power loss. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
