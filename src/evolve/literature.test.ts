import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { registerLitCommands, SHIPPED_LITERATURE } from "../cli/commands/lit.js";
import { indexLiterature, LiteratureError, searchLiterature } from "./literature.js";

/** A minimal hand-built PDF: one Helvetica text line per entry of each page, with a correct xref table. */
function tinyPdf(pages: string[][], title: string): Uint8Array {
  const objects = [
    `<< /Type /Catalog /Pages 2 0 R >>`,
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${5 + 2 * i} 0 R`).join(" ")}] /Count ${pages.length} >>`,
    `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>`,
    `<< /Title (${title}) >>`,
  ];
  pages.forEach((lines, i) => {
    const stream = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${l}) '`).join(" ")} ET`;
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> ` +
        `/Contents ${6 + 2 * i} 0 R >>`,
    );
    objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  });
  let out = "%PDF-1.4\n";
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "enpire-lit-"));
}

test("the shipped notes answer their own topics first", async () => {
  const index = await indexLiterature([SHIPPED_LITERATURE]);
  assert.ok(index.files.length >= 6, `expected the six starter notes, got ${index.files.length}`);
  const first = (query: string) => path.basename(searchLiterature(index, query, { limit: 3 })[0]?.file ?? "(none)");
  assert.equal(first("BC regularisation offline to online"), "bc-regularisation.md");
  assert.equal(first("push T diffusion policy score"), "diffusion-policy.md");
  assert.equal(first("symmetric sampling layer norm ensemble"), "rlpd.md");
  assert.equal(first("language model writes robot program perception primitives"), "code-as-policies.md");
  assert.equal(first("cross entropy method quasi-static pushing"), "cem-mpc-pushing.md");
  assert.equal(first("probe learn distill residual"), "pld-residual-rl.md");
});

test("a hit names its file, title, heading and line, with an excerpt around the match", async () => {
  const index = await indexLiterature([SHIPPED_LITERATURE]);
  const hits = searchLiterature(index, "TD3+BC lambda", { limit: 2 });
  assert.equal(hits.length, 2);
  const [hit] = hits;
  assert.equal(hit!.title, "BC regularisation in offline-to-online RL (TD3+BC and its λ)");
  assert.equal(hit!.location.kind, "line");
  assert.ok(hits[0]!.score >= hits[1]!.score);
  assert.ok(hit!.excerpt.split(" ").length <= 42, hit!.excerpt);
  // the line points into the file at the passage's first line
  const lines = fs.readFileSync(hit!.file, "utf8").split("\n");
  assert.ok(hit!.location.kind === "line" && lines[hit!.location.line - 1]!.trim() !== "");
});

test("prefix and fuzzy matching find words the query only starts or misspells", async () => {
  const index = await indexLiterature([SHIPPED_LITERATURE]);
  assert.equal(path.basename(searchLiterature(index, "difusion polcy")[0]!.file), "diffusion-policy.md");
  assert.equal(path.basename(searchLiterature(index, "quasi-stat")[0]!.file), "cem-mpc-pushing.md");
});

test("PDF and text files are indexed with their pages and lines", async () => {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, "paper.pdf"),
    tinyPdf([["An introduction to robots"], ["Zebrafish swim in a quokka tank", "far from any robot"]], "Quokka study"),
  );
  fs.writeFileSync(path.join(dir, "notes.txt"), "first paragraph about arms\n\nsecond paragraph about wombats\n");
  fs.writeFileSync(path.join(dir, "ignored.json"), '{"quokka": true}');
  const index = await indexLiterature([dir]);
  assert.deepEqual(index.files.map((f) => path.basename(f)).sort(), ["notes.txt", "paper.pdf"]);
  const [pdfHit] = searchLiterature(index, "quokka");
  assert.equal(path.basename(pdfHit!.file), "paper.pdf");
  assert.equal(pdfHit!.title, "Quokka study");
  assert.equal(pdfHit!.heading, "page 2");
  assert.deepEqual(pdfHit!.location, { kind: "page", page: 2 });
  const [txtHit] = searchLiterature(index, "wombats");
  assert.equal(txtHit!.title, "notes.txt");
  assert.deepEqual(txtHit!.location, { kind: "line", line: 1 });
});

test("an absent folder, an empty folder and a broken PDF are refused with what to do", async () => {
  const absent = path.join(tempDir(), "nope");
  await assert.rejects(indexLiterature([absent]), (e: unknown) => {
    assert.ok(e instanceof LiteratureError);
    assert.match(e.message, /does not exist/);
    assert.ok(e.message.includes(absent));
    return true;
  });
  const empty = tempDir();
  await assert.rejects(indexLiterature([empty]), (e: unknown) => {
    assert.ok(e instanceof LiteratureError);
    assert.match(e.message, /no literature files in .*\.md, \.markdown, \.txt, \.pdf/);
    return true;
  });
  const broken = tempDir();
  fs.writeFileSync(path.join(broken, "bad.pdf"), "not a pdf at all");
  await assert.rejects(indexLiterature([broken]), /could not read the PDF ".*bad\.pdf"/);
});

test("enpire lit search --json prints the query, folders and ranked hits", async () => {
  const program = new Command("enpire").exitOverride();
  registerLitCommands(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => chunks.push(s) > 0) as typeof process.stdout.write;
  try {
    await program.parseAsync(["lit", "search", "push", "T", "diffusion", "--limit", "3", "--json"], { from: "user" });
  } finally {
    process.stdout.write = write;
  }
  const out = JSON.parse(chunks.join(""));
  assert.equal(out.query, "push T diffusion");
  assert.ok(out.dirs.includes(SHIPPED_LITERATURE));
  assert.ok(out.files >= 6);
  assert.equal(out.hits.length, 3);
  assert.deepEqual(Object.keys(out.hits[0]).sort(), ["excerpt", "file", "heading", "location", "score", "title"]);
  assert.equal(path.basename(out.hits[0].file), "diffusion-policy.md");
});

test("enpire lit search refuses a bad --limit and a missing --dir", async () => {
  const program = new Command("enpire").exitOverride();
  registerLitCommands(program);
  await assert.rejects(program.parseAsync(["lit", "search", "x", "--limit", "0"], { from: "user" }), /--limit/);
  await assert.rejects(
    program.parseAsync(["lit", "search", "x", "--dir", "/no/such/folder"], { from: "user" }),
    /"\/no\/such\/folder" does not exist/,
  );
});
