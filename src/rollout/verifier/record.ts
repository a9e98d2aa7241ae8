/**
 * Recording a labelled snapshot set (`enpire verifier record`): episodes of one or more policies (each runs the same
 * seeds; a weak and a good policy give both successes and failures), a snapshot at each trial's end and optionally
 * at given mid-trial steps (labelled by the state predicate at that moment: near misses), split by a hash of the
 * seed into train/ and heldout/ so that every snapshot of one scene lands in the same split.
 * The policy runs in its sandbox (policy/load.ts) on the unwrapped task env, one step after another.
 */

import path from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { sha256 } from "../../core/hash.js";
import type { Policy } from "../../core/policy.js";
import { policyContext } from "../../core/policy.js";
import type { LabelledSnapshot } from "../../core/snapshot.js";
import { makeEnv, prepareTask } from "../../env/registry.js";
import { captureSnapshot, SNAPSHOT_SIZE } from "../../env/verifiers/capture.js";
import { loadPolicy } from "../../policy/load.js";
import { type Split, setDir, writeSnapshot } from "./snapshot-store.js";

/** The built-in policy that sends zero actions (the arm holds where the reset left it): a source of failures. */
export const HOLD_POLICY = "hold";
export const DEFAULT_TRAIN_FRACTION = 0.7;

export interface RecordOptions {
  taskId: string;
  policies: string[]; // policy files, or "hold"
  episodes: number; // per policy, seeds seedStart … seedStart + episodes − 1
  seedStart: number;
  storeRoot: string;
  set: string; // the set's name under <store>/verifiers/<task>/
  midSteps?: number[]; // control steps at which to take a mid-trial snapshot too (if the trial gets that far)
  size?: number; // px, square frames
  trainFraction?: number; // share of seeds in train/ (the rest in heldout/)
  onSnapshot?: (s: LabelledSnapshot, split: Split) => void;
}

export interface RecordSummary {
  dir: string;
  snapshots: { train: number; heldout: number };
  positives: { train: number; heldout: number };
  trials: number;
}

/**
 * Which split a seed's snapshots go to: sha256("<task>:<seed>") read as a fraction, below trainFraction → train.
 * @example splitOf("pin-insertion", 100000) // "train" or "heldout", the same every time
 */
export function splitOf(taskId: string, seed: number, trainFraction = DEFAULT_TRAIN_FRACTION): Split {
  const u = Number.parseInt(sha256(`${taskId}:${seed}`).slice(0, 8), 16) / 2 ** 32;
  return u < trainFraction ? "train" : "heldout";
}

/** Records the set; returns counts. Each policy's trials run in order on one env. */
export async function recordSnapshots(o: RecordOptions): Promise<RecordSummary> {
  if (!o.policies.length) throw new InvalidInputError("give at least one --policy (a file, or hold)");
  if (!Number.isInteger(o.episodes) || o.episodes < 1)
    throw new InvalidInputError(`--episodes must be ≥ 1, got ${o.episodes}`);
  const fraction = o.trainFraction ?? DEFAULT_TRAIN_FRACTION;
  if (!(fraction > 0 && fraction < 1))
    throw new InvalidInputError(`the train fraction must be in (0, 1), got ${fraction}`);
  const dir = setDir(o.storeRoot, o.taskId, o.set);
  await prepareTask(o.taskId);
  const env = makeEnv(o.taskId);
  const summary: RecordSummary = {
    dir,
    snapshots: { train: 0, heldout: 0 },
    positives: { train: 0, heldout: 0 },
    trials: 0,
  };
  const mid = new Set(o.midSteps ?? []);
  try {
    for (const file of o.policies) {
      const name = file === HOLD_POLICY ? HOLD_POLICY : path.basename(file).replace(/\.[cm]?[jt]sx?$/, "");
      const policy =
        file === HOLD_POLICY ? holdPolicy(env.spec.actionSpace) : await loadPolicy(file, policyContext(env.spec));
      try {
        for (let k = 0; k < o.episodes; k++) {
          const seed = o.seedStart + k;
          const split = splitOf(o.taskId, seed, fraction);
          const keep = (s: LabelledSnapshot) => {
            writeSnapshot(path.join(dir, split), s);
            summary.snapshots[split]++;
            if (s.label.success) summary.positives[split]++;
            o.onSnapshot?.(s, split);
          };
          const origin = (step: number, final: boolean) => ({
            seed,
            trial: `${name}/seed-${seed}`,
            policy: name,
            step,
            final,
          });
          let obs = env.reset({ seed });
          await policy.reset();
          let step = 0;
          while (step < env.spec.maxSteps) {
            const r = env.step((await policy.act(obs)) as never);
            obs = r.observation;
            step++;
            if (r.terminated || r.truncated) break;
            if (mid.has(step)) keep(captureSnapshot(env, origin(step, false), { size: o.size ?? SNAPSHOT_SIZE }));
          }
          keep(captureSnapshot(env, origin(step, true), { size: o.size ?? SNAPSHOT_SIZE }));
          summary.trials++;
        }
      } finally {
        await policy.close();
      }
    }
  } finally {
    env.close();
  }
  return summary;
}

function holdPolicy(space: { kind: string; shape?: number[] }): Policy<unknown, number[]> {
  const n = space.kind === "box" && space.shape ? space.shape[0] : 0;
  return { name: HOLD_POLICY, reset() {}, act: () => new Array(n).fill(0), close() {} };
}
