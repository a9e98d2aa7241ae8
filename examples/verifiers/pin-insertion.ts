// The pin-insertion pixel verifier for `enpire verifier eval --task pin-insertion --verifier examples/verifiers/pin-insertion.ts`.
import { verifyPin } from "../../src/env/tasks/pin-insertion/pixel-verifier.js";

export const verify = verifyPin;
