// The zip-tie-tie pixel verifier (two views fused, as the paper's zip-tie verifier) for
// `enpire verifier eval --task zip-tie-tie --verifier examples/verifiers/zip-tie-tie.ts`.
import { verifyTie } from "../../src/env/tasks/zip-tie/tie-pixel-verifier.js";

export const verify = verifyTie;
