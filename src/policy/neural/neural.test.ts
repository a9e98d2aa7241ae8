/**
 * The neural policy runtime end to end: models written by hand ("trained elsewhere") and by TensorFlow.js, wrapped
 * with writeNeuralPolicy, bundled, and run in the sandbox with the nn tool set on a real Push-T env.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Worker } from "node:worker_threads";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { type Policy, policyContext } from "../../core/policy.js";
import { PushT, type PushTObsType } from "../../env/tasks/pusht/pusht.js";
import { runTrial } from "../../rollout/runner.js";
import { bundlePolicy } from "../sandbox/bundle.js";
import { SandboxedPolicy } from "../sandbox/sandbox.js";
import type { ToolHost } from "../tools.js";
import { inferenceCall } from "./inference.js";
import { mlpToOnnx } from "./onnx-export.js";
import type { NeuralPolicySpec } from "./spec.js";
import { neuralToolSet } from "./tool.js";
import { writeNeuralPolicy } from "./write-policy.js";

await tf.setBackend("cpu");
const host: ToolHost = { observation: () => undefined, step: () => 0 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "enpire-neural-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => path.join(tmp, `policy-${dirs++}`);

// Push-T state [ax, ay, bx, by, θ] normalised to [-1, 1]; the network picks (bx, by) and the action box maps it back
const STATE_NORMALIZE = { low: [0, 0, 0, 0, 0], high: [512, 512, 512, 512, 2 * Math.PI] };
const ACTION_BOX = { low: [0, 0], high: [512, 512] };

/** Weights [5, outDim] that copy the block's x and y into outputs 0 and 1. */
function chaseWeights(outDim: number): Float32Array {
  const w = new Float32Array(5 * outDim);
  w[2 * outDim + 0] = 1;
  w[3 * outDim + 1] = 1;
  return w;
}

function chaseOnnx(bias = new Float32Array(2)): Uint8Array {
  const outDim = bias.length;
  return mlpToOnnx([{ weights: chaseWeights(outDim), bias, inDim: 5, outDim, activation: "linear" }], {
    inputName: "obs",
    outputName: "action",
  });
}

function chaseTfjs(): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [5], units: 2 })] });
  model.layers[0].setWeights([tf.tensor2d(chaseWeights(2), [5, 2]), tf.zeros([2])]);
  return model;
}

const common = {
  obsType: "state",
  observation: { kind: "state" as const, normalize: STATE_NORMALIZE },
  action: ACTION_BOX,
  createdBy: { algorithm: "by-hand", job: "test" },
};

async function startPolicy(spec: NeuralPolicySpec, obsType: PushTObsType = "state") {
  const { policyFile } = await writeNeuralPolicy(freshDir(), spec);
  const bundle = await bundlePolicy(policyFile);
  const env = new PushT({ obsType });
  const policy = await SandboxedPolicy.start<unknown, number[]>(bundle, policyContext(env.spec), {
    tools: [neuralToolSet(host)],
  });
  return { env, policy, bundle };
}

/** Runs a few real Push-T steps and returns what the policy saw and answered at each. */
async function recordTrial(env: PushT<PushTObsType>, policy: Policy<unknown, number[]>, steps: number, seed = 3) {
  const seen: { observation: unknown; action: number[] }[] = [];
  const recorder: Policy<unknown, number[]> = {
    name: policy.name,
    reset: () => policy.reset(),
    close: () => policy.close(),
    async act(observation) {
      const action = await policy.act(observation);
      seen.push({ observation, action });
      return action;
    },
  };
  const record = await runTrial(env as never, recorder as never, { seed, maxSteps: steps });
  assert.equal(record.steps, steps, `the trial ran ${steps} steps (${JSON.stringify(record.outcome)})`);
  return seen;
}

function assertChasesBlock(seen: { observation: unknown; action: number[] }[]) {
  const blocks = new Set<string>();
  for (const [i, { observation, action }] of seen.entries()) {
    const [, , bx, by] = observation as number[];
    assert.ok(
      Math.abs(action[0] - bx) < 1e-3 && Math.abs(action[1] - by) < 1e-3,
      `step ${i}: ${action} vs ${bx},${by}`,
    );
    blocks.add(`${bx},${by}`);
  }
  return blocks;
}

test("an ONNX model trained elsewhere runs as a policy: the block-chasing Gemm answers the block position each step", async () => {
  const { env, policy } = await startPolicy({ format: "onnx", bytes: chaseOnnx(), ...common });
  try {
    const seen = await recordTrial(env, policy, 6);
    assertChasesBlock(seen);
    // the pusher is sent to the block, so it moves across the steps: the network sees fresh observations
    assert.ok(new Set(seen.map((s) => String((s.observation as number[]).slice(0, 2)))).size > 1);
    const { calls } = policy.drainToolCalls();
    assert.deepEqual(
      [...new Set(calls.map((c) => c.tool))].sort(),
      ["nn.load", "nn.runAll"],
      "the tool calls are recorded",
    );
  } finally {
    policy.close();
  }
});

test("a TensorFlow.js model runs the same way (model.json + weights.bin on the WASM backend)", async () => {
  const { env, policy } = await startPolicy({ format: "tfjs", model: chaseTfjs(), ...common });
  try {
    assertChasesBlock(await recordTrial(env, policy, 6));
  } finally {
    policy.close();
  }
});

test("stochastic policies sample when exploring, repeat for the same seed, and act on the mean otherwise", async () => {
  // logStd from the network: outputs [bx, by, -2, -2]; fixed logStd: [-1.5, -1.5]
  const fromOutput = (explore: boolean, seed = 7): NeuralPolicySpec => ({
    format: "onnx",
    bytes: chaseOnnx(Float32Array.of(0, 0, -2, -2)),
    ...common,
    stochastic: { logStd: "output" },
    explore,
    seed,
  });
  const fixed: NeuralPolicySpec = {
    format: "tfjs",
    model: chaseTfjs(),
    ...common,
    stochastic: { logStd: [-1.5, -1.5] },
    explore: true,
    seed: 7,
  };
  const obs = [100, 100, 300, 200, 1];
  const actions = async (spec: NeuralPolicySpec, n: number) => {
    const { policy } = await startPolicy(spec);
    try {
      const out: number[][] = [];
      for (let i = 0; i < n; i++) out.push(await policy.act(obs));
      return out;
    } finally {
      policy.close();
    }
  };
  const a = await actions(fromOutput(true), 40);
  assert.notDeepEqual(a[0], a[1], "samples differ between steps");
  assert.deepEqual(await actions(fromOutput(true), 40), a, "the same seed gives the same samples");
  assert.notDeepEqual(await actions(fromOutput(true, 8), 40), a, "another seed gives other samples");
  // around the mean (300, 200) with std exp(-2) in [-1, 1] units = 256 · 0.135 ≈ 35 px
  const meanX = a.reduce((s, x) => s + x[0], 0) / a.length;
  const sdX = Math.sqrt(a.reduce((s, x) => s + (x[0] - meanX) ** 2, 0) / a.length);
  assert.ok(Math.abs(meanX - 300) < 20 && sdX > 15 && sdX < 60, `mean ${meanX}, sd ${sdX}`);
  for (const act of await actions(fromOutput(false), 3)) assert.deepEqual(act.map(Math.round), [300, 200]);
  const b = await actions(fixed, 2);
  assert.notDeepEqual(b[0], b[1]);
});

test("the bundle's sha256 covers the weights: one changed weight changes it", async () => {
  const spec = (bytes: Uint8Array): NeuralPolicySpec => ({ format: "onnx", bytes, ...common });
  const first = await bundlePolicy((await writeNeuralPolicy(freshDir(), spec(chaseOnnx()))).policyFile);
  const same = await bundlePolicy((await writeNeuralPolicy(freshDir(), spec(chaseOnnx()))).policyFile);
  const other = await bundlePolicy(
    (await writeNeuralPolicy(freshDir(), spec(chaseOnnx(Float32Array.of(0, 1e-3))))).policyFile,
  );
  assert.equal(first.sha256, same.sha256, "the same network in another folder has the same sha256");
  assert.notEqual(first.sha256, other.sha256);
});

test("a pixels_agent_pos policy feeds the 96x96 image in [0, 1] (NHWC) and the normalised agent position", async () => {
  // a small functional model: mean colour per channel of the image, concatenated with the agent position
  const image = tfl.input({ shape: [96, 96, 3], name: "image" });
  const agentPos = tfl.input({ shape: [2], name: "agent_pos" });
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(image) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([pooled, agentPos]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: "tanh", name: "action" }).apply(joined) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: [image, agentPos], outputs: out });
  const { env, policy } = await startPolicy(
    {
      format: "tfjs",
      model,
      obsType: "pixels_agent_pos",
      observation: { kind: "pixels", normalize: { low: [0, 0], high: [512, 512] } },
      action: ACTION_BOX,
      createdBy: { algorithm: "by-hand" },
    },
    "pixels_agent_pos",
  );
  try {
    const seen = await recordTrial(env, policy, 3);
    for (const { observation, action } of seen) {
      const o = observation as { pixels: Uint8Array; agent_pos: number[] };
      const x = tf.tensor(
        Float32Array.from(o.pixels, (v) => v / 255),
        [1, 96, 96, 3],
      );
      const p = tf.tensor2d([o.agent_pos.map((v) => (2 * v) / 512 - 1)]);
      const y = (model.predict([x, p]) as tf.Tensor).dataSync();
      const expected = Array.from(y, (v) => ((v + 1) / 2) * 512);
      assert.ok(
        action.every((a, i) => Math.abs(a - expected[i]) < 1e-2),
        `${action} vs ${expected} (tfjs cpu in the test)`,
      );
    }
  } finally {
    policy.close();
  }
});

test("the nn tools refuse unknown ids, wrong input sizes and bad model bytes, naming what was expected", () => {
  const nn = neuralToolSet(host);
  const fns = nn.functions as unknown as {
    load(m: unknown): { id: number; inputs: { name: string; shape: number[] }[] };
    run(id: unknown, x: unknown, shape?: unknown): Float32Array;
    runAll(id: unknown, inputs: unknown): Record<string, { data: Float32Array; shape: number[] }>;
    free(id: unknown): boolean;
  };
  const before = inferenceCall({ op: "count" }).models;
  const m = fns.load({ format: "onnx", bytes: chaseOnnx() });
  assert.deepEqual(m.inputs, [{ name: "obs", shape: [-1, 5] }]);
  assert.deepEqual(Array.from(fns.run(m.id, [0, 0, 0.5, -0.25, 0])), [0.5, -0.25]);
  assert.deepEqual(Array.from(fns.run(m.id, new Float32Array(10).fill(1), [2, 5])), [1, 1, 1, 1]);
  const all = fns.runAll(m.id, { obs: { data: [0, 0, 1, 2, 0] } });
  assert.deepEqual(all.action.shape, [1, 2]);
  assert.throws(() => fns.run(42, [1, 2, 3, 4, 5]), /no model with id 42 was loaded by this policy/);
  assert.throws(
    () => fns.run(m.id, [1, 2, 3]),
    /input "obs" expects shape \[-1, 5\] \(a multiple of 5 numbers\), got 3/,
  );
  assert.throws(() => fns.run(m.id, [1, 2, 3, 4, 5], [1, 4]), /expects shape \[-1, 5\]; got shape \[1, 4\]/);
  assert.throws(() => fns.run(m.id, [1, 2, Number.NaN, 4, 5]), /input "obs"\[2\] is NaN/);
  assert.throws(() => fns.runAll(m.id, { image: { data: [1] } }), /has no input "image"; its inputs are obs/);
  assert.throws(
    () => fns.load({ format: "onnx", bytes: new Uint8Array([8, 1, 2, 3]) }),
    /nn.load: the ONNX model \(4 bytes\) does not load in onnxruntime/,
  );
  assert.throws(() => fns.load({ format: "keras", bytes: new Uint8Array(1) }), /nn.load: .*format/);
  assert.throws(
    () =>
      fns.load({
        format: "tfjs",
        modelJson: {
          modelTopology: {},
          weightsManifest: [{ weights: [{ name: "k", shape: [5, 2], dtype: "float32" }] }],
        },
        weights: new Uint8Array(8),
      }),
    /weights are 8 bytes but model.json describes 40 bytes/,
  );
  assert.equal(inferenceCall({ op: "count" }).models, before + 1);
  nn.close?.();
  assert.equal(inferenceCall({ op: "count" }).models, before, "close() frees the set's models");
  assert.throws(() => fns.run(m.id, [1, 2, 3, 4, 5]), /no model with id/);
});

test("per-call inference time of a small MLP (5 → 64 → 64 → 2), ONNX and TensorFlow.js, through the worker", async (t) => {
  const layers = [5, 64, 64, 2].slice(1).map((outDim, i, dims) => {
    const inDim = i === 0 ? 5 : dims[i - 1];
    return {
      weights: Float32Array.from({ length: inDim * outDim }, (_, k) => Math.sin(k) * 0.1),
      bias: new Float32Array(outDim),
      inDim,
      outDim,
      activation: (i === 2 ? "tanh" : "relu") as "relu" | "tanh",
    };
  });
  const tfModel = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [5], units: 64, activation: "relu" }),
      tfl.layers.dense({ units: 64, activation: "relu" }),
      tfl.layers.dense({ units: 2, activation: "tanh" }),
    ],
  });
  const dir = freshDir();
  await writeNeuralPolicy(dir, { format: "tfjs", model: tfModel, ...common });
  const nn = neuralToolSet(host);
  const fns = nn.functions as unknown as {
    load(m: unknown): { id: number };
    run(id: number, x: number[]): Float32Array;
  };
  const onnx = fns.load({ format: "onnx", bytes: mlpToOnnx(layers, { inputName: "obs", outputName: "action" }) });
  const tfjs = fns.load({
    format: "tfjs",
    modelJson: JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")),
    weights: new Uint8Array(fs.readFileSync(path.join(dir, "weights.bin"))),
  });
  const perCallUs = (id: number) => {
    for (let i = 0; i < 50; i++) fns.run(id, [1, 2, 3, 4, i]);
    const n = 500;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fns.run(id, [1, 2, 3, 4, i]);
    return ((performance.now() - t0) / n) * 1000;
  };
  const onnxUs = perCallUs(onnx.id);
  const tfjsUs = perCallUs(tfjs.id);
  t.diagnostic(
    `per call, worker round trip included: ONNX ${onnxUs.toFixed(0)} µs, TensorFlow.js ${tfjsUs.toFixed(0)} µs`,
  );
  nn.close?.();
  assert.ok(onnxUs < 5000 && tfjsUs < 20_000, "inference fits well inside a 10 Hz control step");
});

test("the nn tools work inside a worker thread started as the thread station starts one under tsx", async () => {
  // stations are worker threads; from TypeScript sources they boot through an `eval: true` script that registers tsx
  const tsx = import.meta.resolve("tsx/esm/api");
  const tool = new URL("./tool.ts", import.meta.url).href;
  const exporter = new URL("./onnx-export.ts", import.meta.url).href;
  const weights = Array.from(chaseWeights(2));
  const script = `
    const { parentPort } = require("node:worker_threads");
    import(${JSON.stringify(tsx)}).then(async (api) => {
      api.register();
      const { neuralToolSet } = await import(${JSON.stringify(tool)});
      const { mlpToOnnx } = await import(${JSON.stringify(exporter)});
      const bytes = mlpToOnnx([{ weights: Float32Array.from(${JSON.stringify(weights)}), bias: new Float32Array(2), inDim: 5, outDim: 2, activation: "linear" }], { inputName: "obs", outputName: "action" });
      const nn = neuralToolSet({ observation: () => undefined, step: () => 0 });
      const { id } = nn.functions.load({ format: "onnx", bytes });
      parentPort.postMessage(Array.from(nn.functions.run(id, [1, 2, 3, 4, 5])));
      nn.close();
    }).catch((err) => parentPort.postMessage(String(err && err.stack || err)));`;
  const worker = new Worker(script, { eval: true, execArgv: [] });
  const answer = await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  assert.deepEqual(answer, [3, 4]);
});

test("history stacks the last states and a chunk's actions are taken in order, the network asked every `execute` steps", async () => {
  // input: [older state, current state] (10 numbers); output: 3 actions; bias +0.05 normalised = +12.8 px in x
  // action 0 = the older state's pusher position, action 1 = the current one's, action 2 = the current one's again
  const w = new Float32Array(10 * 6);
  const copy = (from: number, to: number) => {
    w[from * 6 + to] = 1;
  };
  copy(0, 0);
  copy(1, 1);
  copy(5, 2);
  copy(6, 3);
  copy(5, 4);
  copy(6, 5);
  const bytes = mlpToOnnx(
    [{ weights: w, bias: Float32Array.of(0.05, 0, 0.05, 0, 0.05, 0), inDim: 10, outDim: 6, activation: "linear" }],
    { inputName: "obs", outputName: "action" },
  );
  const { env, policy } = await startPolicy({
    format: "onnx",
    bytes,
    ...common,
    history: 2,
    chunk: { predict: 3, execute: 2 },
  });
  try {
    for (const seed of [3, 4]) {
      const seen = await recordTrial(env, policy, 7, seed); // runTrial resets the policy: no history crosses episodes
      // with execute 2 every action is the pusher's position one step earlier (the first step's own), moved 12.8 px
      for (const [t, { action }] of seen.entries()) {
        const [ax, ay] = seen[Math.max(0, t - 1)].observation as number[];
        assert.ok(Math.abs(action[0] - (ax + 12.8)) < 1e-3 && Math.abs(action[1] - ay) < 1e-3, `step ${t}: ${action}`);
      }
      assert.ok(new Set(seen.map((s) => (s.observation as number[])[0])).size > 3, "the pusher moves");
      const runs = policy.drainToolCalls().calls.filter((c) => c.tool === "nn.runAll");
      assert.equal(runs.length, 4, "7 steps, 2 actions per network call");
    }
  } finally {
    await policy.close();
  }
});
