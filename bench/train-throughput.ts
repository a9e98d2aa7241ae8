/**
 * Throughput of the training algorithms (src/policy/train) on this machine: samples/s for BC with the MLP
 * (Push-T-sized state 5 → action 2, batch 256), BC with the conv net (96×96×3 frames, batch 64), TD3+BC and SAC
 * updates (5 → 2, 256-256 nets, batch 256), each for a few seconds of wall clock on synthetic data.
 *
 * Run: node --import tsx bench/train-throughput.ts [seconds per algorithm, default 8]
 */
import { trainBC } from "../src/policy/train/bc.js";
import { ReplayBuffer, SAC } from "../src/policy/train/sac.js";
import { trainTD3BC } from "../src/policy/train/td3bc.js";
import { initTensorFlow } from "../src/policy/train/tf.js";
import { oneStepDataset, squareDataset } from "../src/policy/train/toy-data.js";

const seconds = Number(process.argv[2] ?? 8);
const budgetMs = seconds * 1000;
const { backend } = await initTensorFlow();
console.log(`backend ${backend}, ${seconds} s per algorithm`);

const n = 10_000;
const obs = Float32Array.from({ length: n * 5 }, (_, i) => (i * 7919) % 512);
const act = Float32Array.from({ length: n * 2 }, (_, i) => (i * 104729) % 512);
const state = oneStepDataset(
  5,
  2,
  obs,
  act,
  Float32Array.from({ length: n }, (_, i) => (i % 10) / 10),
);
state.done.fill(0);

const bc = await trainBC(state, { seed: 1, budgetMs, steps: 1e9 });
console.log(`bc-mlp   5-256-256-2, batch 256: ${bc.samplesPerS.toFixed(0)} samples/s (${bc.steps} steps)`);
bc.model.dispose();

const frames = squareDataset(512, 96, 1);
const conv = await trainBC(frames, { seed: 1, net: "conv", budgetMs, steps: 1e9 });
console.log(`bc-conv  96×96×3, batch 64:     ${conv.samplesPerS.toFixed(0)} samples/s (${conv.steps} steps)`);
conv.model.dispose();

const td3 = await trainTD3BC(state, { seed: 1, budgetMs, steps: 1e9 });
console.log(`td3bc    256-256, batch 256:    ${td3.samplesPerS.toFixed(0)} samples/s (${td3.steps} critic updates)`);
td3.model.dispose();

const sac = new SAC(5, 2, {}, 1);
const buffer = new ReplayBuffer(5, 2, { capacity: n, seed: 1 });
buffer.add(state, { online: false, demo: true });
buffer.add(state, { online: true });
const t0 = performance.now();
while (performance.now() - t0 < budgetMs) sac.update(buffer.sample(256));
const sacPerS = (sac.updates * 256 * 1000) / (performance.now() - t0);
console.log(`sac      256-256, batch 256:    ${sacPerS.toFixed(0)} samples/s (${sac.updates} updates)`);
