/**
 * `enpire lit search QUERY`: ranked passages from the local literature folders (see evolve/literature.ts). By default
 * the shipped `literature/` notes, plus `$ENPIRE_HOME/literature` when that folder exists; `--dir` replaces both.
 */
import type { Command } from "commander";
import { InvalidInputError } from "../../core/errors.js";
import {
  defaultLiteratureDirs,
  defaults,
  indexLiterature,
  type PassageLocation,
  searchLiterature,
} from "../../evolve/literature.js";

export { defaultLiteratureDirs, SHIPPED_LITERATURE } from "../../evolve/literature.js";

export function registerLitCommands(program: Command): void {
  const lit = program.command("lit").description("search the local literature: markdown, text and PDF files");
  lit
    .command("search")
    .description("rank passages of the literature folders against a query (BM25, prefix and fuzzy matching)")
    .argument("<query...>", 'keywords, e.g. "BC regularisation offline to online"')
    .option(
      "--dir <dir>",
      "literature folder (repeatable); default the shipped notes plus $ENPIRE_HOME/literature if it exists",
      (dir: string, all: string[] = []) => [...all, dir],
    )
    .option("--limit <n>", "hits to show", String(defaults.limit))
    .option("--json", "the hits as JSON on stdout", false)
    .action(async (words: string[], o: { dir?: string[]; limit: string; json: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new InvalidInputError(`--limit must be a positive integer, got "${o.limit}"`);
      }
      const query = words.join(" ");
      const dirs = o.dir ?? defaultLiteratureDirs();
      const index = await indexLiterature(dirs);
      const hits = searchLiterature(index, query, { limit });
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ query, dirs, files: index.files.length, hits }, null, 2)}\n`);
        return;
      }
      if (hits.length === 0) {
        process.stdout.write(`no passage matches "${query}" in ${index.files.length} file(s)\n`);
        return;
      }
      hits.forEach((h, i) => {
        const where = `${h.file}:${locationText(h.location)}`;
        const section = h.heading && h.heading !== h.title ? ` — ${h.heading}` : "";
        process.stdout.write(`${i + 1}. ${h.title}${section}  (score ${h.score})\n`);
        process.stdout.write(`   ${where}\n   ${h.excerpt}\n\n`);
      });
    });
}

function locationText(location: PassageLocation): string {
  return location.kind === "line" ? String(location.line) : `page ${location.page}`;
}
