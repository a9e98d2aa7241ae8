#!/usr/bin/env node
// The enpire command: runs the built CLI (dist/), made by `npm ci` (its prepare step) or `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/entry.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    "enpire: the CLI is not built yet; run `npm ci` (or `npm run build`) in the enpire folder first\n",
  );
  process.exit(1);
}
await import(entry.href);
