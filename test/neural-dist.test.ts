/**
 * The neural runtime from the compiled dist/ (what the installed bin runs): the inference worker is found as
 * dist/policy/neural/worker.js, without tsx, and answers. Skipped until `npm run build` has built the neural runtime.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist", "policy", "neural");

test("dist's nn tool set loads an ONNX model and runs it in its worker, from plain node", {
  skip: !fs.existsSync(path.join(DIST, "worker.js")) && "dist/ has no neural runtime; run npm run build",
}, () => {
  const at = (file: string) => JSON.stringify(pathToFileURL(path.join(DIST, file)).href);
  const script = `
    import { neuralToolSet } from ${at("tool.js")};
    import { mlpToOnnx } from ${at("onnx-export.js")};
    const weights = new Float32Array(10); weights[4] = 1; weights[7] = 1; // outputs = inputs 2 and 3
    const bytes = mlpToOnnx([{ weights, bias: new Float32Array(2), inDim: 5, outDim: 2, activation: "linear" }], { inputName: "obs", outputName: "action" });
    const nn = neuralToolSet({ observation: () => undefined, step: () => 0 });
    const { id } = nn.functions.load({ format: "onnx", bytes });
    console.log(JSON.stringify(Array.from(nn.functions.run(id, [1, 2, 3, 4, 5]))));
    nn.close();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), [3, 4]);
});
