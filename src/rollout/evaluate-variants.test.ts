/**
 * A run of a task variant (the procedural reset, the pixel verifier): the run records the variant and its own
 * fingerprint, its stations build that variant, and a resumed run goes on with it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { evalFingerprint } from "../env/registry.js";
import { evaluate, resume } from "./evaluate.js";
import { RunStore } from "./store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const POLICY = path.join(ROOT, "examples/policies/pin-insertion-heuristic.ts");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-variants-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("a procedural-reset run with the pixel verifier records its variant and fingerprint, and resumes with them", async () => {
  const store = RunStore.open(path.join(tmp, "store"));
  try {
    const variant = { reset: "procedural", verifier: "pixel" } as const;
    const stop = new AbortController();
    const first = await evaluate(store, {
      taskId: "pin-insertion-easy",
      policyFile: POLICY,
      episodes: 3,
      seedStart: 100000,
      ...variant,
      signal: stop.signal,
      onTrial: () => stop.abort(), // the first session ends after its first trial, as Ctrl-C would
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(first.runDir, "run.json"), "utf8"));
    assert.equal(manifest.evalFingerprint, evalFingerprint("pin-insertion-easy", variant));
    assert.notEqual(manifest.evalFingerprint, evalFingerprint("pin-insertion-easy"));
    assert.equal(manifest.options.reset, "procedural");
    assert.equal(manifest.options.verifier, "pixel");
    const done = first.trials.filter((t) => t.counted).length;
    assert.ok(done >= 1 && done < 3, `the first session ran ${done} of 3 trials`);
    const rest = await resume(store, first.runId);
    const trials = store.trials(first.runId);
    assert.equal(trials.filter((t) => t.counted).length, 3, rest.note ?? "");
    for (const t of trials.filter((x) => x.counted)) {
      const result = JSON.parse(fs.readFileSync(path.join(store.resolve(t.dir), "result.json"), "utf8"));
      assert.equal(result.verification.metrics.verifier, "pin-pixels", "the pixel verifier judged");
      assert.equal(typeof result.verification.metrics.stateSuccess, "boolean");
      assert.match(result.envStack, /pixel-verifier\(pin-insertion-easy@2\)/);
    }
  } finally {
    store.close();
  }
});
