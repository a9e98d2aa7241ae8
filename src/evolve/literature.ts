/**
 * A local literature index: markdown, plain-text and PDF files cut into passages (one per heading section or PDF
 * page, split further when long), searched with BM25 ranking and prefix/fuzzy matching (MiniSearch). Agents use it
 * for the "review literature" step of an iteration (paper §2.2); `enpire lit search` is its face.
 *
 * ```ts
 * const index = await indexLiterature(["literature"]);
 * const [best] = searchLiterature(index, "BC regularisation offline to online", { limit: 5 });
 * console.log(best?.file, best?.heading, best?.excerpt);
 * ```
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import MiniSearch from "minisearch";
import { EnpireError, InvalidInputError } from "../core/errors.js";

export const defaults = {
  limit: 10, // hits returned by a search
  passageWords: 220, // a section longer than this is cut into passages of about this many words
  excerptWords: 40, // words shown around the best-matching spot of a passage
  fuzzy: 0.2, // edit distance allowed per term, as a fraction of its length
};

/** File name endings the index reads; anything else in a folder is skipped. */
export const LITERATURE_EXTENSIONS = [".md", ".markdown", ".txt", ".pdf"] as const;

/** Where a passage starts: a 1-based line of a text file, or a 1-based page of a PDF. */
export type PassageLocation = { kind: "line"; line: number } | { kind: "page"; page: number };

export interface Passage {
  id: number;
  file: string; // the folder as given, joined with the file's path inside it
  title: string; // the document's first "# " heading or PDF title, else its file name
  heading: string; // the section heading ("" before the first one); "page N" for a PDF
  location: PassageLocation;
  text: string;
}

export interface LiteratureIndex {
  dirs: string[];
  files: string[];
  passages: Passage[];
  engine: MiniSearch<Passage>;
}

export interface LiteratureHit {
  file: string;
  title: string;
  heading: string;
  location: PassageLocation;
  excerpt: string;
  score: number;
}

/** A literature folder that is missing, empty of readable files, or holds a file that cannot be read. */
/** The notes shipped with enpire (literature/ at the package root), from src/evolve (tsx) or dist/evolve. */
export const SHIPPED_LITERATURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "literature");

/** The folders searched by default: the shipped notes, plus $ENPIRE_HOME/literature when that folder exists. */
export function defaultLiteratureDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [SHIPPED_LITERATURE];
  const home = env.ENPIRE_HOME ? path.join(env.ENPIRE_HOME, "literature") : undefined;
  if (home && fs.existsSync(home)) dirs.push(home);
  return dirs;
}

export class LiteratureError extends EnpireError {}

/**
 * Reads every markdown, text and PDF file under the folders (recursively, skipping hidden entries) into one index.
 * Throws LiteratureError when a folder is absent or when the folders hold no readable file at all.
 */
export async function indexLiterature(dirs: string[]): Promise<LiteratureIndex> {
  if (dirs.length === 0) throw new InvalidInputError("no literature folder given; pass at least one folder");
  const files: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new LiteratureError(
        `literature folder "${dir}" does not exist or is not a directory; create it, or pass another with --dir`,
      );
    }
    files.push(...walk(dir));
  }
  if (files.length === 0) {
    throw new LiteratureError(
      `no literature files in ${dirs.map((d) => `"${d}"`).join(", ")}; ` +
        `add notes or papers ending in ${LITERATURE_EXTENSIONS.join(", ")}`,
    );
  }
  const passages: Passage[] = [];
  for (const file of files) {
    const parts = file.toLowerCase().endsWith(".pdf") ? await readPdf(file) : readText(file);
    for (const p of parts) passages.push({ ...p, id: passages.length });
  }
  const engine = new MiniSearch<Passage>({
    fields: ["title", "heading", "text"],
    storeFields: [],
    searchOptions: { boost: { title: 2, heading: 1.5 }, prefix: true, fuzzy: defaults.fuzzy, combineWith: "OR" },
  });
  engine.addAll(passages);
  return { dirs, files, passages, engine };
}

/**
 * Ranks the index's passages against a free-text query, best first. Terms match by prefix and with small typos;
 * scores are BM25 (higher is better) and comparable only within one search.
 */
export function searchLiterature(
  index: LiteratureIndex,
  query: string,
  options: { limit?: number } = {},
): LiteratureHit[] {
  const limit = options.limit ?? defaults.limit;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidInputError(`limit must be a positive integer, got ${limit}`);
  }
  if (query.trim() === "") throw new InvalidInputError("the literature query is empty; give a few keywords");
  return index.engine
    .search(query)
    .slice(0, limit)
    .map((r) => {
      const p = index.passages[r.id as number]!;
      return {
        file: p.file,
        title: p.title,
        heading: p.heading,
        location: p.location,
        excerpt: excerpt(p.text, r.terms),
        score: Math.round(r.score * 1000) / 1000,
      };
    });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full));
    else if (e.isFile() && LITERATURE_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext))) out.push(full);
  }
  return out;
}

type RawPassage = Omit<Passage, "id">;

/** Markdown is cut at headings; plain text (no headings) at paragraphs. Both are then capped in length. */
function readText(file: string): RawPassage[] {
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  const markdown = !file.toLowerCase().endsWith(".txt");
  const h1 = markdown ? lines.find((l) => /^#\s+\S/.test(l)) : undefined;
  const title = h1 ? h1.replace(/^#\s+/, "").trim() : path.basename(file);
  const out: RawPassage[] = [];
  let heading = "";
  let start = 1;
  let buffer: string[] = [];
  const flush = () => {
    for (const chunk of chunkLines(buffer, start)) {
      out.push({ file, title, heading, location: { kind: "line", line: chunk.line }, text: chunk.text });
    }
    buffer = [];
  };
  lines.forEach((line, i) => {
    const m = markdown ? /^#{1,6}\s+(.*)$/.exec(line) : null;
    if (m) {
      flush();
      heading = m[1]!.trim();
      start = i + 2;
    } else {
      if (buffer.length === 0) start = i + 1;
      buffer.push(line);
    }
  });
  flush();
  return out;
}

/** Groups lines into passages of about `passageWords` words, breaking at blank lines where it can. */
function chunkLines(lines: string[], firstLine: number): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let words = 0;
  let from = 0;
  const push = (to: number) => {
    const text = lines.slice(from, to).join("\n").trim();
    if (text !== "") out.push({ line: firstLine + from + leadingBlank(lines, from), text });
    from = to;
    words = 0;
  };
  lines.forEach((line, i) => {
    words += countWords(line);
    if (words >= defaults.passageWords && (line.trim() === "" || words >= defaults.passageWords * 1.5)) push(i + 1);
  });
  push(lines.length);
  return out;
}

function leadingBlank(lines: string[], from: number): number {
  let n = 0;
  while (from + n < lines.length && lines[from + n]!.trim() === "") n++;
  return n;
}

async function readPdf(file: string): Promise<RawPassage[]> {
  let pages: string[];
  let title = path.basename(file);
  try {
    // verbosity 0: pdf.js warnings about damaged files would otherwise go to the console; errors still throw
    // loaded only when a PDF is met: pdf.js is large, and most commands never read one
    const { extractText, getDocumentProxy, getMeta } = await import("unpdf");
    const doc = await getDocumentProxy(new Uint8Array(fs.readFileSync(file)), { verbosity: 0 });
    const meta = await getMeta(doc);
    const info = meta.info as Record<string, unknown>;
    if (typeof info.Title === "string" && info.Title.trim() !== "") title = info.Title.trim();
    pages = (await extractText(doc, { mergePages: false })).text;
  } catch (cause) {
    throw new LiteratureError(
      `could not read the PDF "${file}": ${cause instanceof Error ? cause.message : String(cause)}; ` +
        "repair it, convert it to text, or move it out of the literature folder",
      { cause },
    );
  }
  const out: RawPassage[] = [];
  pages.forEach((page, i) => {
    const words = page.split(/\s+/).filter((w) => w !== "");
    for (let at = 0; at < words.length; at += defaults.passageWords) {
      const text = words.slice(at, at + defaults.passageWords).join(" ");
      out.push({ file, title, heading: `page ${i + 1}`, location: { kind: "page", page: i + 1 }, text });
    }
  });
  return out;
}

/** The window of `excerptWords` words holding the most matched terms, with ellipses where it was cut. */
function excerpt(text: string, terms: string[]): string {
  const words = text.replace(/\s+/g, " ").trim().split(" ");
  const n = defaults.excerptWords;
  if (words.length <= n) return words.join(" ");
  const wanted = new Set(terms.map((t) => t.toLowerCase()));
  const hit = words.map((w) => (wanted.has(w.toLowerCase().replace(/^\W+|\W+$/g, "")) ? 1 : 0) as number);
  let best = 0;
  let bestCount = -1;
  let count = hit.slice(0, n).reduce((a, b) => a + b, 0);
  for (let s = 0; s + n <= words.length; s++) {
    if (s > 0) count += hit[s + n - 1]! - hit[s - 1]!;
    if (count > bestCount) {
      bestCount = count;
      best = s;
    }
  }
  return `${best > 0 ? "… " : ""}${words.slice(best, best + n).join(" ")}${best + n < words.length ? " …" : ""}`;
}

function countWords(line: string): number {
  return line.split(/\s+/).filter((w) => w !== "").length;
}
