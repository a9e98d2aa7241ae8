/**
 * bundlePolicy's binary loader (src/policy/sandbox/bundle.ts): a policy imports its model files as Uint8Array, and
 * their bytes are part of the bundle's sha256.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { policyContext } from "../../core/policy.js";
import { PushT } from "../../env/tasks/pusht/pusht.js";
import { bundlePolicy } from "../sandbox/bundle.js";
import { SandboxedPolicy } from "../sandbox/sandbox.js";

const ctx = policyContext(new PushT().spec);

test("a policy imports .onnx and .bin files as Uint8Array, and their bytes change the sha256", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-binary-"));
  try {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256); // every base64 tail case is covered by 300
    fs.writeFileSync(path.join(dir, "model.onnx"), bytes);
    fs.writeFileSync(path.join(dir, "weights.bin"), Uint8Array.of(1, 2, 3, 250));
    fs.writeFileSync(
      path.join(dir, "policy.ts"),
      `import model from "./model.onnx";
import weights from "./weights.bin";
export default { act() { return [model instanceof Uint8Array ? model.length : -1, Array.from(model).reduce((a, b) => a + b, 0), ...weights]; } };
`,
    );
    const bundle = await bundlePolicy(path.join(dir, "policy.ts"));
    const policy = await SandboxedPolicy.start(bundle, ctx);
    try {
      const sum = bytes.reduce((a, b) => a + b, 0);
      assert.deepEqual(await policy.act([0]), [300, sum, 1, 2, 3, 250]);
    } finally {
      policy.close();
    }
    fs.writeFileSync(path.join(dir, "weights.bin"), Uint8Array.of(1, 2, 3, 251));
    assert.notEqual((await bundlePolicy(path.join(dir, "policy.ts"))).sha256, bundle.sha256);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
