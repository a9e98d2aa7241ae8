/**
 * A verifier file in its own V8 isolate (isolated-vm), as policies run (policy/sandbox): bundled with its own
 * relative imports by the policy bundler (which refuses Node builtins and packages, so `import fs from "fs"` or
 * `require("fs")` does not build), run with no filesystem, network, process or timers, and handed each snapshot as a
 * copy. It can read nothing but the snapshot it is given: the held-out files are out of its reach.
 * A verifier module exports `verify(snapshot) → { success, reason?, views? }` (named or as the default export's
 * `verify`); see core/snapshot.ts for the snapshot (VerifierInput).
 */
import ivm from "isolated-vm";
import { PolicyError } from "../../core/errors.js";
import { type VerifierInput, type VerifierVerdict, VerifierVerdictSchema } from "../../core/snapshot.js";
import { bundlePolicy, POLICY_MODULE_GLOBAL, type PolicyBundle } from "../../policy/sandbox/bundle.js";

export const verifierSandboxDefaults = Object.freeze({
  deadlineMs: 2000, // longest one verify() may run before it is stopped
  memoryLimitMb: 256, // the isolate's heap limit (snapshots of 5 cameras at 128 px are about 0.6 MB each)
  loadDeadlineMs: 10_000, // longest the module's top level may run
});

const ENTRY = "__enpireVerify";

/** Finds verify() in the bundled module's exports and keeps it where the host can reach it. */
const FIND_VERIFY = `
(function () {
  var mod = globalThis.${POLICY_MODULE_GLOBAL};
  var fn = mod && (typeof mod.verify === "function" ? mod.verify
    : mod["default"] && typeof mod["default"].verify === "function" ? mod["default"].verify
    : typeof mod["default"] === "function" ? mod["default"] : undefined);
  if (!fn) return "the module exports no verify(snapshot) function (it exports: " + Object.keys(mod || {}).join(", ") + ")";
  globalThis.${ENTRY} = function (s) { var v = fn(s); return v; };
  return "";
})()`;

export class VerifierSandbox {
  private constructor(
    readonly name: string,
    readonly sha256: string,
    private readonly isolate: ivm.Isolate,
    private readonly fn: ivm.Reference,
    private readonly deadlineMs: number,
  ) {}

  /**
   * Bundles and starts a verifier file. Throws PolicyError "load" when it does not build (e.g. it imports a Node
   * builtin), throws while loading, or exports no verify().
   * @example const v = await VerifierSandbox.start("examples/verifiers/pin-insertion.ts"); await v.verify(input);
   */
  static async start(file: string, options: Partial<typeof verifierSandboxDefaults> = {}): Promise<VerifierSandbox> {
    const o = { ...verifierSandboxDefaults, ...options };
    const bundle: PolicyBundle = await bundlePolicy(file);
    const name = file.replace(/^.*[\\/]/, "").replace(/\.[cm]?[jt]sx?$/, "");
    const isolate = new ivm.Isolate({ memoryLimit: o.memoryLimitMb });
    try {
      const context = await isolate.createContext();
      await context.eval(bundle.code, { timeout: o.loadDeadlineMs, filename: "verifier-bundle.js" });
      const problem = (await context.eval(FIND_VERIFY, { timeout: o.loadDeadlineMs })) as string;
      if (problem) throw new PolicyError(`verifier "${name}": ${problem}`, "load");
      const fn = (await context.global.get(ENTRY, { reference: true })) as ivm.Reference;
      return new VerifierSandbox(name, bundle.sha256, isolate, fn, o.deadlineMs);
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      if (err instanceof PolicyError) throw err;
      throw new PolicyError(`verifier "${name}" failed while loading: ${(err as Error).message}`, "load", {
        cause: err,
      });
    }
  }

  /**
   * Runs verify() on a copy of the snapshot. Returns the verdict and the milliseconds it took (copying in
   * included). A throw, a timeout or a malformed answer rejects with PolicyError.
   */
  async verify(input: VerifierInput): Promise<{ verdict: VerifierVerdict; ms: number }> {
    const t0 = performance.now();
    let out: unknown;
    try {
      out = this.fn.applySync(undefined, [input], {
        arguments: { copy: true },
        result: { copy: true },
        timeout: this.deadlineMs,
      });
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      const kind = msg.includes("timed out") ? "deadline" : this.isolate.isDisposed ? "memory" : "threw";
      throw new PolicyError(`verifier "${this.name}" ${kind === "threw" ? "threw" : kind}: ${msg}`, kind, {
        cause: err,
      });
    }
    const ms = performance.now() - t0;
    const parsed = VerifierVerdictSchema.safeParse(out);
    if (!parsed.success) {
      throw new PolicyError(
        `verifier "${this.name}" returned ${JSON.stringify(out)?.slice(0, 120)}; it must return { success: boolean, reason?: string, views?: { [view]: boolean } }`,
        "bad-action",
      );
    }
    return { verdict: parsed.data, ms };
  }

  close(): void {
    this.fn.release();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}
