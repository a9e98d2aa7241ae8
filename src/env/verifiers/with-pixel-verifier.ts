/**
 * withPixelVerifier(env, verifyFn, name): an env wrapper whose verify() takes a snapshot of the station (every
 * camera, proprioception: capture.ts) and returns the pixel verifier's verdict instead of the state predicate's,
 * with the verifier's name and hash and the state predicate's own verdict (`stateSuccess`) in its metrics, so a
 * disagreement shows. A verifier that passed its requirements on held-out snapshots replaces the predicate this way
 * in a task version (whose fingerprint must then cover the verifier: `verifierHash`).
 */
import type { Env, Verification } from "../../core/env.js";
import { sha256 } from "../../core/hash.js";
import type { VerifierInput, VerifierVerdict } from "../../core/snapshot.js";
import { wrap } from "../wrappers/wrap.js";
import { SNAPSHOT_SIZE, snapshotInput } from "./capture.js";

export type VerifyFn = (snapshot: VerifierInput) => VerifierVerdict;

/**
 * @example const judged = withPixelVerifier(makeEnv("pin-insertion"), verifyPin, "pin-pixels");
 */
export function withPixelVerifier<O, A>(
  env: Env<O, A>,
  verifyFn: VerifyFn,
  name: string,
  opts: { size?: number } = {},
): Env<O, A> {
  const verifierHash = sha256(verifyFn.toString()).slice(0, 16);
  return wrap(
    env,
    "pixel-verifier",
    { name, verifierHash, size: opts.size ?? SNAPSHOT_SIZE },
    {
      verify(): Verification {
        const state = env.verify(); // first: a station may move its arm out of view to be judged
        const v = verifyFn(snapshotInput(env, { size: opts.size ?? SNAPSHOT_SIZE }));
        const metrics: Verification["metrics"] = { verifier: name, verifierHash, stateSuccess: state.success };
        for (const [view, ok] of Object.entries(v.views ?? {})) metrics[`view.${view}`] = ok;
        return {
          success: v.success,
          score: v.success ? 1 : 0,
          reason: v.success ? null : (v.reason ?? "the pixel verifier says failure"),
          metrics,
        };
      },
    },
  );
}
