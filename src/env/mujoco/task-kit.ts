/**
 * What every MuJoCo task file shares: the evaluation fingerprint (the spec's evaluation constants and the source of
 * the files that build, reset and judge the task), a deep freeze for specs, and the roundings their reasons use.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, sha256 } from "../../core/hash.js";

/** src/env, whether this runs from src/ (tsx) or dist/: the sources are hashed, never the compiled output. */
const ENV_DIR = path
  .resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
  .replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`);

/**
 * sha256 of a task's evaluation side: `evaluation` (its spec's constants) and the source of `files`, each a path
 * relative to src/env without ".ts" (e.g. "tasks/pin-insertion/pin-insertion", "mujoco/arm-env").
 */
export function sourceFingerprint(evaluation: unknown, files: readonly string[]): string {
  const sources = files.map((f) => `\n--- ${f}\n${readFileSync(path.join(ENV_DIR, `${f}.ts`), "utf8")}`);
  return sha256(canonicalJson(evaluation), ...sources);
}

/** Freezes an object and everything in it (a spec must not change after its fingerprint is taken). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Metres as millimetres with two decimals, for reasons people read. */
export function mm(m: number): string {
  return (m * 1000).toFixed(2);
}

/** Rounded to 3 decimals, for metrics. */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
