/**
 * ONNX export: an MLP written by mlpToOnnx / tfjsDenseToOnnx loads in onnxruntime and gives TensorFlow.js's outputs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadModel } from "./backends.js";
import { mlpToOnnx, tfjsDenseToOnnx } from "./onnx-export.js";

await tf.setBackend("cpu");

function randomInputs(n: number, dim: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: n * dim }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 4 - 2;
  });
}

test("a tfjs Dense MLP exported to ONNX gives the same outputs in onnxruntime, to 1e-5", async () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [5], units: 32, activation: "relu", biasInitializer: "randomNormal" }),
      tfl.layers.dense({ units: 32, activation: "tanh", biasInitializer: "randomNormal" }),
      tfl.layers.dense({ units: 3, biasInitializer: "randomNormal" }),
    ],
  });
  const bytes = tfjsDenseToOnnx(model);
  const onnx = await loadModel({ format: "onnx", bytes });
  try {
    assert.deepEqual(onnx.info, {
      inputs: [{ name: "obs", shape: [-1, 5] }],
      outputs: [{ name: "action", shape: [-1, 3] }],
    });
    const x = randomInputs(16, 5);
    const got = (await onnx.run({ obs: { data: x, shape: [16, 5] } })).action;
    const want = (model.predict(tf.tensor2d(x, [16, 5])) as tf.Tensor).dataSync();
    assert.deepEqual(got.shape, [16, 3]);
    const worst = Math.max(...Array.from(want, (w, i) => Math.abs(w - got.data[i])));
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
    assert.ok(Math.max(...Array.from(want, Math.abs)) > 0.1, "the outputs are not all near zero");
  } finally {
    await onnx.dispose();
  }
});

test("mlpToOnnx writes known weights: y = tanh(x·W + b) per the row-major [inDim, outDim] layout", async () => {
  const bytes = mlpToOnnx(
    [
      {
        weights: Float32Array.of(1, 2, 3, 4, 5, 6),
        bias: Float32Array.of(0.5, -0.5),
        inDim: 3,
        outDim: 2,
        activation: "tanh",
      },
    ],
    { inputName: "x", outputName: "y" },
  );
  const m = await loadModel({ format: "onnx", bytes });
  try {
    const y = (await m.run({ x: { data: Float32Array.of(0.1, -0.2, 0.05), shape: [1, 3] } })).y.data;
    // x·W: 0.1·1 − 0.2·3 + 0.05·5 = −0.25; 0.1·2 − 0.2·4 + 0.05·6 = −0.3
    assert.ok(Math.abs(y[0] - Math.tanh(-0.25 + 0.5)) < 1e-6 && Math.abs(y[1] - Math.tanh(-0.3 - 0.5)) < 1e-6, `${y}`);
  } finally {
    await m.dispose();
  }
});

test("mlpToOnnx and tfjsDenseToOnnx refuse what they cannot write, saying why", () => {
  const layer = {
    weights: new Float32Array(6),
    bias: new Float32Array(2),
    inDim: 3,
    outDim: 2,
    activation: "relu" as const,
  };
  const names = { inputName: "x", outputName: "y" };
  assert.throws(() => mlpToOnnx([], names), /at least one layer/);
  assert.throws(
    () => mlpToOnnx([{ ...layer, weights: new Float32Array(5) }], names),
    /5 weights but inDim × outDim = 3 × 2 = 6/,
  );
  assert.throws(() => mlpToOnnx([layer, layer], names), /layer 1 takes 3 inputs but layer 0 gives 2/);
  const conv = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 })] });
  assert.throws(() => tfjsDenseToOnnx(conv), /is a Conv2D; only Dense layers/);
  const sigmoid = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1, activation: "sigmoid" })] });
  assert.throws(() => tfjsDenseToOnnx(sigmoid), /activation "sigmoid"/);
});
