/**
 * Loader for the reference data that Push-T is checked against (tests and bench/pusht-fidelity.ts only):
 * pusht_gym_reference.json, produced by running gym-pusht 0.1.5 on pymunk 6.8 (== Diffusion Policy
 * PushTEnv(legacy=True)) unmodified. Read from $ENPIRE_PUSHT_REFERENCE, else ../shared/reference/ beside the
 * repository.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InvalidInputError } from "../../../core/errors.js";
import { wrapAngle } from "./physics.js";

const RolloutSchema = z.object({
  seed: z.number().int(),
  actions: z.array(z.tuple([z.number(), z.number()])),
  obs: z.array(z.array(z.number()).length(5)), // obs[0] after reset, obs[i + 1] after actions[i]
  reward_coverage_terminated: z.array(z.tuple([z.number(), z.number(), z.boolean()])),
});
export type ReferenceRollout = z.infer<typeof RolloutSchema>;

const ReferenceSchema = z.object({
  reset_states: z.record(z.string(), z.array(z.number()).length(5)), // seed → state after reset
  coverage: z.array(z.array(z.number()).length(4)), // [x, y, θ, coverage]
  keypoints: z.array(z.array(z.number()).length(19)), // [x, y, θ, 16 corner coordinates]
  rollouts: z.array(RolloutSchema),
});
export type PushTReference = z.infer<typeof ReferenceSchema>;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const DEFAULT_REFERENCE_FILE = path.resolve(REPO, "../shared/reference/pusht_gym_reference.json");

/** Reads and validates the reference file; a missing file is an error saying where it was looked for. */
export function loadPushTReference(
  file = process.env.ENPIRE_PUSHT_REFERENCE ?? DEFAULT_REFERENCE_FILE,
): PushTReference {
  if (!existsSync(file)) {
    throw new InvalidInputError(
      `reference data not found at ${file}; set ENPIRE_PUSHT_REFERENCE to pusht_gym_reference.json`,
    );
  }
  return ReferenceSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** The unsigned difference of two angles, in [0, π]. */
export function angleError(a: number, b: number): number {
  const d = Math.abs(wrapAngle(a - b));
  return Math.min(d, 2 * Math.PI - d);
}
