/**
 * Trial jobs for tests: a bundled fixture policy on Push-T with small, fast defaults. One builder, so that a change
 * to the job's shape is made in one place for every test that sends jobs to a station.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evalFingerprint } from "../../src/env/registry.js";
import { bundlePolicy, bundleToData, type PolicyBundleData } from "../../src/policy/sandbox/bundle.js";
import type { TrialJob } from "../../src/rollout/job.js";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
/** Pushes straight at the block: well-formed, rarely successful, never throws. */
export const CHASE = path.join(FIXTURES, "cli", "chase.js");

/** A policy file bundled as a job carries it. */
export async function bundledPolicy(file: string): Promise<PolicyBundleData> {
  return bundleToData(await bundlePolicy(file));
}

/**
 * A Push-T job for `policy`: run "run-test", trial 0, seed 100000, attempt 1, 60 steps, no video, unless overridden.
 * @example pushtJob(await bundledPolicy(CHASE), { seed: 7, video: { size: 96, fps: 10 } })
 */
export function pushtJob(policy: PolicyBundleData, over: Partial<TrialJob> = {}): TrialJob {
  return {
    schema: "enpire.trial-job/1",
    runId: "run-test",
    index: 0,
    seed: 100000,
    attempt: 1,
    task: { id: "pusht", version: 1 },
    evalFingerprint: evalFingerprint("pusht"),
    obsType: null,
    policy: { name: path.basename(policy.path).replace(/\.[cm]?[jt]s$/, ""), ...policy },
    maxSteps: 60,
    tries: 1,
    stepDeadlineMs: 1000,
    memoryLimitMb: 64,
    safety: null,
    video: null,
    ...over,
  };
}
