// The gpu-insertion pixel verifier for `enpire verifier eval --task gpu-insertion --verifier examples/verifiers/gpu-insertion.ts`.
import { verifyGpu } from "../../src/env/tasks/gpu-insertion/pixel-verifier.js";

export const verify = verifyGpu;
