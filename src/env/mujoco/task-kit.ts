/**
 * What every MuJoCo task file shares: the evaluation fingerprint (the spec's evaluation constants and the source of
 * the files that build, reset and judge the task), a spec and fingerprint per reset mode, the physics and research
 * seeds every spec records, a deep freeze for specs, and the roundings their reasons use.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, sha256 } from "../../core/hash.js";
import type { ResetMode } from "./reset/procedure.js";

/** The physics every station runs, as each spec's evaluation records it. */
export const MUJOCO_PHYSICS = Object.freeze({
  engine: "MuJoCo (WebAssembly) 3.14.0",
  timestep: 0.002,
  integrator: "implicitfast",
  cone: "pyramidal",
});

/** Research projects (evolve) tune on search seeds and judge a goal on the held-out seeds only. */
export const RESEARCH_SEEDS = Object.freeze({
  heldOut: Object.freeze({ start: 100000, count: 50 }),
  search: Object.freeze({ start: 0, end: 99999 }),
});

/**
 * One value per reset mode, made on first use and kept: a task's spec, or its evaluation fingerprint, per mode.
 * @example export const cutSpec = perResetMode(makeCutSpec); cutSpec() // the "state" spec
 */
export function perResetMode<T>(make: (mode: ResetMode) => T): (mode?: ResetMode) => T {
  const made = new Map<ResetMode, T>();
  return (mode = "state") => {
    if (!made.has(mode)) made.set(mode, make(mode));
    return made.get(mode) as T;
  };
}

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

/**
 * Why a point left its out-of-range box (the box relative to the point's start, m), or null while it is inside: the
 * first axis out, as a sentence people read, e.g. "EE x moved 31.20 mm from its start; the box is -30.00..30.00 mm".
 */
export function outOfRangeReason(
  what: string,
  now: readonly number[],
  start: readonly number[],
  box: { readonly low: readonly number[]; readonly high: readonly number[] },
): string | null {
  for (let k = 0; k < 3; k++) {
    const rel = now[k] - start[k];
    if (rel < box.low[k] || rel > box.high[k]) {
      return `${what} ${"xyz"[k]} moved ${mm(rel)} mm from its start; the box is ${mm(box.low[k])}..${mm(box.high[k])} mm`;
    }
  }
  return null;
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
