import assert from "node:assert/strict";
import { test } from "node:test";
import { boxFromData, denormalise, initTensorFlow, normalise, tf } from "./tf.js";

test("the conv filter gradient on WASM matches the cpu backend's", async () => {
  const { backend } = await initTensorFlow();
  assert.equal(backend, "wasm");
  const filterGrad = (stride: number, pad: "same" | "valid") => {
    const x = tf.randomUniform([2, 9, 9, 3], -1, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 3, 4], -1, 1, "float32", 2) as tf.Tensor4D;
    const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, stride, pad))))(w);
    const out = Array.from(dw.dataSync());
    tf.dispose([x, w, dw]);
    return out;
  };
  for (const [stride, pad] of [
    [2, "same"],
    [1, "valid"],
  ] as const) {
    const wasm = filterGrad(stride, pad);
    await tf.setBackend("cpu");
    const cpu = filterGrad(stride, pad);
    await tf.setBackend("wasm");
    assert.equal(wasm.length, cpu.length);
    for (let i = 0; i < cpu.length; i++)
      assert.ok(Math.abs(wasm[i] - cpu[i]) < 1e-3 * (1 + Math.abs(cpu[i])), `dW[${i}]`);
  }
});

test("boxFromData widens min..max so data maps strictly inside [-1, 1], and normalise round-trips", () => {
  const x = Float32Array.from([0, 10, 512, 10, 256, 10]); // dim 1 is constant
  const box = boxFromData(x, 2);
  assert.deepEqual(box.low, [-25.6, 9]);
  assert.deepEqual(box.high, [537.6, 11]);
  const n = normalise(x, box);
  assert.ok(n.every((v) => v > -1 && v < 1));
  assert.ok(Math.abs(n[2] - (2 * 537.6) / 563.2 + 1) < 1e-5, "512 → 2·(512 + 25.6)/563.2 − 1");
  const back = denormalise(n, box);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back[i] - x[i]) < 1e-3);
});
