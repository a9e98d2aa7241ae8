// The zip-tie-cut pixel verifier (two views fused with AND) for `enpire verifier eval --task zip-tie-cut --verifier examples/verifiers/zip-tie-cut.ts`.
import { verifyZipTie } from "../../src/env/tasks/zip-tie/pixel-verifier.js";

export const verify = verifyZipTie;
