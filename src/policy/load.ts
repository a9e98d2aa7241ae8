import type { PolicyContext } from "../core/policy.js";
import { bundlePolicy } from "./sandbox/bundle.js";
import { SandboxedPolicy, type SandboxOptions } from "./sandbox/sandbox.js";

export type { SandboxOptions } from "./sandbox/sandbox.js";
export { SandboxedPolicy } from "./sandbox/sandbox.js";

/**
 * Loads a policy file (TypeScript or JavaScript, see authoring.ts for what it must export) into a sandbox: bundles
 * it with its own relative imports, then starts it with the task's public spec. The result is a Policy, plus the
 * file's `path`, `source` and the `sha256` of what runs, and `drainLogs()` for its console lines.
 *
 * Refuses a missing file (InvalidInputError `policy file "x" does not exist`), and a file that does not build, imports
 * a builtin or package, or exports no usable policy (PolicyError "load", with esbuild's location where it has one).
 * @example
 * const policy = await loadPolicy("policies/reach.ts", ctx, { stepDeadlineMs: 200 });
 * const action = await policy.act(observation);
 * policy.close();
 */
export async function loadPolicy<Obs = unknown, Act = unknown>(
  file: string,
  ctx: PolicyContext,
  options: SandboxOptions = {},
): Promise<SandboxedPolicy<Obs, Act>> {
  const bundle = await bundlePolicy(file);
  return SandboxedPolicy.start<Obs, Act>(bundle, ctx, options);
}
