/**
 * TensorFlow.js plumbing shared by the trainers: backend start-up (WASM, plus our filter-gradient kernel so conv nets
 * train there too: conv-grad.ts), seeded network builders (dense MLP, the 96×96×3 conv encoder),
 * raw ↔ [-1, 1] normalisation with a Box, and the small pieces every custom loop needs (batch gathering, trainable
 * variables, target-network copies).
 *
 * @example
 * const { tf } = await initTensorFlow();
 * const net = mlp({ inputDim: 5, hidden: [256, 256], outputDim: 2, outputActivation: "tanh", seed: 1 });
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tfl from "@tensorflow/tfjs-layers";
import { RandomState } from "../../core/rng.js";
import { registerWasmConvFilterGrad } from "./conv-grad.js";
import type { Box } from "./types.js";

export type TF = typeof tf;
export type Backend = "wasm" | "cpu";

let started: Promise<{ tf: TF; backend: string }> | undefined;

/**
 * Starts TensorFlow.js on the WASM backend (falling back to cpu when WASM cannot start); idempotent. The WASM
 * binaries are read from the installed package's dist/ folder; our Conv2DBackpropFilter kernel is registered.
 */
export function initTensorFlow(): Promise<{ tf: TF; backend: string }> {
  started ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
    setWasmPaths(`${dir}/dist/`);
    tf.enableProdMode(); // no per-op correctness checks, and no "install tfjs-node" banner (it cannot install here)
    const ok = await tf.setBackend("wasm").catch(() => false);
    if (ok) registerWasmConvFilterGrad();
    else await tf.setBackend("cpu");
    await tf.ready();
    return { tf, backend: tf.getBackend() };
  })();
  return started;
}

/**
 * Runs `fn` with `backend` as the active backend and restores the previous one afterwards. The backend is global to
 * the process: other training running meanwhile in the same process runs on it too.
 */
export async function withBackend<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  await initTensorFlow();
  const before = tf.getBackend();
  if (before === backend) return fn();
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend(before);
  }
}

/** Whether the active backend has a kernel for every op conv training needs (forward and both gradients). */
export function backendCanTrainConv(): boolean {
  const backend = tf.getBackend();
  return ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"].every((k) => tf.getKernel(k, backend) !== undefined);
}

/** A stream of 31-bit seeds derived from one seed, one per initialiser (each layer needs its own). */
export function seedStream(seed: number): () => number {
  const rs = new RandomState(seed >>> 0);
  return () => rs.nextUint32() >>> 1;
}

type Activation = "relu" | "tanh" | "linear";

export interface MlpOptions {
  inputDim: number;
  hidden: readonly number[];
  outputDim: number;
  activation?: Activation;
  outputActivation?: Activation;
  /** Seeds the Glorot-uniform kernels (biases start at zero). */
  seed: number | (() => number);
}

/** Dense layers, Glorot-uniform kernels from the seed: input → hidden (relu by default) → output. */
export function mlp(o: MlpOptions): tfl.LayersModel {
  const next = typeof o.seed === "number" ? seedStream(o.seed) : o.seed;
  const input = tfl.input({ shape: [o.inputDim] });
  let h: tfl.SymbolicTensor = input;
  for (const units of o.hidden) h = dense(units, o.activation ?? "relu", next())(h);
  const out = dense(o.outputDim, o.outputActivation ?? "linear", next())(h);
  return tfl.model({ inputs: input, outputs: out });
}

/** One seeded dense layer, applied symbolically by the caller. */
export function dense(units: number, activation: Activation, seed: number) {
  const layer = tfl.layers.dense({
    units,
    activation,
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    biasInitializer: "zeros",
  });
  return (x: tfl.SymbolicTensor) => layer.apply(x) as tfl.SymbolicTensor;
}

export interface ConvOptions {
  /** Image side in px (96 for Push-T); the input is [imageSize, imageSize, 3] with values in [0, 1]. */
  imageSize: number;
  /** Filters of each stride-2 3×3 conv layer. */
  filters: readonly number[];
  /** Dense widths after flattening. */
  hidden: readonly number[];
  outputDim: number;
  outputActivation?: Activation;
  seed: number;
}

/** The conv encoder: image in [0, 1] → stride-2 3×3 convs (relu) → flatten → dense (relu) → output. */
export function convNet(o: ConvOptions): tfl.LayersModel {
  const next = seedStream(o.seed);
  const input = tfl.input({ shape: [o.imageSize, o.imageSize, 3] });
  let h: tfl.SymbolicTensor = input;
  for (const filters of o.filters) {
    const conv = tfl.layers.conv2d({
      filters,
      kernelSize: 3,
      strides: 2,
      padding: "same",
      activation: "relu",
      kernelInitializer: tfl.initializers.glorotUniform({ seed: next() }),
    });
    h = conv.apply(h) as tfl.SymbolicTensor;
  }
  h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
  for (const units of o.hidden) h = dense(units, "relu", next())(h);
  const out = dense(o.outputDim, o.outputActivation ?? "linear", next())(h);
  return tfl.model({ inputs: input, outputs: out });
}

/** The model's trainable variables, for `optimizer.minimize(f, true, vars)`. */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Polyak averaging: target ← (1 − τ)·target + τ·source, weight by weight (τ = 1 copies). */
export function softUpdate(target: tfl.LayersModel, source: tfl.LayersModel, tau: number): void {
  const t = trainableVariables(target);
  const s = trainableVariables(source);
  tf.tidy(() => {
    for (let i = 0; i < t.length; i++) t[i].assign(tau === 1 ? s[i] : tf.add(tf.mul(t[i], 1 - tau), tf.mul(s[i], tau)));
  });
}

/** Maps raw rows (n × dim) onto [-1, 1] per dimension with the box. */
export function normalise(x: Float32Array, box: Box): Float32Array {
  const dim = box.low.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const d = i % dim;
    out[i] = (2 * (x[i] - box.low[d])) / (box.high[d] - box.low[d]) - 1;
  }
  return out;
}

/** Maps [-1, 1] rows back onto raw units with the box. */
export function denormalise(x: Float32Array, box: Box): Float32Array {
  const dim = box.low.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const d = i % dim;
    out[i] = box.low[d] + ((x[i] + 1) / 2) * (box.high[d] - box.low[d]);
  }
  return out;
}

/**
 * Per-dimension min/max of rows (n × dim), widened by `margin` of the range on each side so no sample sits at ±1;
 * a constant dimension gets a range of ±1 around its value.
 */
export function boxFromData(x: Float32Array, dim: number, margin = 0.05): Box {
  const low = new Array<number>(dim).fill(Number.POSITIVE_INFINITY);
  const high = new Array<number>(dim).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < x.length; i++) {
    const d = i % dim;
    if (x[i] < low[d]) low[d] = x[i];
    if (x[i] > high[d]) high[d] = x[i];
  }
  for (let d = 0; d < dim; d++) {
    if (!Number.isFinite(low[d])) {
      low[d] = -1;
      high[d] = 1;
    }
    const range = high[d] - low[d];
    const pad = range > 0 ? range * margin : 1;
    low[d] -= pad;
    high[d] += pad;
  }
  return { low, high };
}

/** Copies rows `idx` of a row-major (n × dim) array into one (idx.length × dim) array. */
export function gatherRows(src: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * dim, idx[i] * dim + dim), i * dim);
  return out;
}

/** Rows `idx` of byte images (n × size × size × 3) as floats in [0, 1]. */
export function gatherImages(src: Uint8Array, size: number, idx: ArrayLike<number>): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(idx.length * per);
  for (let i = 0; i < idx.length; i++) {
    const base = idx[i] * per;
    for (let j = 0; j < per; j++) out[i * per + j] = src[base + j] / 255;
  }
  return out;
}

/** `count` indices drawn uniformly (with replacement) from 0..n-1. */
export function sampleIndices(rs: RandomState, n: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rs.randint(0, n);
  return out;
}

/** A Fisher-Yates permutation of 0..n-1 (for epoch-wise minibatches). */
export function permutation(rs: RandomState, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rs.randint(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Scalar value of a loss tensor (reads it synchronously; the caller disposes the tensor). */
export function scalar(t: tf.Tensor): number {
  return t.dataSync()[0];
}

export { tf, tfl };
