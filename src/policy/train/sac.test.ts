import assert from "node:assert/strict";
import { test } from "node:test";
import { RandomState } from "../../core/rng.js";
import { ReplayBuffer, SAC, type SACHyper, trainSACOffline } from "./sac.js";
import { initTensorFlow, tf } from "./tf.js";
import { banditReward, oneStepDataset } from "./toy-data.js";

const spaces = { observation: { low: [-1], high: [1] }, action: { low: [-2], high: [2] } };
const evalStates = Float32Array.from({ length: 21 }, (_, i) => -1 + i / 10);
const meanReward = (sac: SAC) => {
  const a = sac.act(evalStates);
  return evalStates.reduce((sum, s, i) => sum + banditReward(s, a[i]), 0) / evalStates.length;
};

/** Collects `n` one-step transitions of the bandit with the exploring policy. */
function collect(sac: SAC, rs: RandomState, n: number) {
  const obs = Float32Array.from({ length: n }, () => rs.randomSample() * 2 - 1);
  const act = sac.act(obs, true);
  const reward = Float32Array.from(obs, (s, i) => banditReward(s, act[i]));
  return oneStepDataset(1, 1, obs, act, reward);
}

/** Online SAC on the bandit (optionally with constant demo actions as offline rows); returns the agent. */
function runOnline(hyper: Partial<SACHyper>, seed: number, rounds: number, demoAction?: number): SAC {
  const sac = new SAC(1, 1, { hidden: [32, 32], ...hyper }, seed, spaces);
  const buffer = new ReplayBuffer(1, 1, { capacity: 10_000, seed });
  const rs = new RandomState(seed);
  if (demoAction !== undefined) {
    const obs = Float32Array.from({ length: 256 }, () => rs.randomSample() * 2 - 1);
    const act = new Float32Array(256).fill(demoAction);
    buffer.add(
      oneStepDataset(
        1,
        1,
        obs,
        act,
        Float32Array.from(obs, (s) => banditReward(s, demoAction)),
      ),
      {
        online: false,
        demo: true,
      },
    );
  }
  for (let round = 0; round < rounds; round++) {
    buffer.add(collect(sac, rs, 16), { online: true });
    for (let k = 0; k < 4; k++) sac.update(buffer.sample(64));
  }
  return sac;
}

test("SAC improves its return on a continuous bandit", async () => {
  await initTensorFlow();
  const before = meanReward(new SAC(1, 1, { hidden: [32, 32] }, 5, spaces));
  const t0 = performance.now();
  const sac = runOnline({}, 5, 150);
  const perS = (sac.updates * 64 * 1000) / (performance.now() - t0);
  const after = meanReward(sac);
  console.log(
    `sac ${perS.toFixed(0)} samples/s (online, 32-wide); mean reward ${before.toFixed(3)} → ${after.toFixed(3)}`,
  );
  assert.ok(after > before + 0.1 && after > 0.9, `mean reward ${before} → ${after} (best 1)`);
  sac.disposeTraining();
});

test("SAC with bcWeight > 0 keeps its actions closer to the demonstrations", async () => {
  await initTensorFlow();
  const demoAction = 1; // a poor constant action: the best is a = s
  const gap = (sac: SAC) =>
    sac.act(evalStates).reduce((sum, a) => sum + Math.abs(a - demoAction), 0) / evalStates.length;
  const plain = runOnline({ bcWeight: 0 }, 6, 60, demoAction);
  const regularised = runOnline({ bcWeight: 5 }, 6, 60, demoAction);
  console.log(`mean |a − demo|: bcWeight 0 ${gap(plain).toFixed(3)}, bcWeight 5 ${gap(regularised).toFixed(3)}`);
  assert.ok(gap(regularised) < gap(plain) - 0.1, `bcWeight 5: ${gap(regularised)} vs 0: ${gap(plain)}`);
});

test("SAC is deterministic for a seed and its updates leak no tensors", async () => {
  await initTensorFlow();
  const a = runOnline({ hidden: [16] }, 7, 5);
  const numTensors = tf.memory().numTensors;
  const b = runOnline({ hidden: [16] }, 7, 5);
  assert.deepEqual(a.act(evalStates), b.act(evalStates), "same seed, same actions");
  const buffer = new ReplayBuffer(1, 1, { capacity: 100, seed: 1 });
  buffer.add(collect(b, new RandomState(1), 64), { online: true });
  const mid = tf.memory().numTensors;
  for (let i = 0; i < 200; i++) b.update(buffer.sample(32));
  b.act(evalStates, true);
  assert.equal(tf.memory().numTensors, mid, "200 updates leave no tensors behind");
  b.disposeTraining();
  b.actorResult().model.dispose();
  assert.equal(tf.memory().numTensors, numTensors, "a disposed agent leaves no tensors behind");
});

test("ReplayBuffer mixes offline and online rows at its ratio and marks demonstrations", () => {
  const buffer = new ReplayBuffer(1, 1, { capacity: 4, seed: 2, offlineRatio: 0.25 });
  const rows = (value: number, n: number) =>
    oneStepDataset(1, 1, new Float32Array(n).fill(value), new Float32Array(n), new Float32Array(n));
  buffer.add(rows(-1, 10), { online: false, demo: true });
  assert.deepEqual(Array.from(buffer.sample(8).demo), new Array(8).fill(1), "only offline rows while online is empty");
  buffer.add(rows(1, 6), { online: true });
  assert.equal(buffer.onlineSize, 4, "the online ring keeps its capacity");
  assert.equal(buffer.offlineSize, 10);
  const batch = buffer.sample(40);
  assert.equal(batch.obs.filter((v) => v === -1).length, 10, "a quarter offline");
  assert.deepEqual(Array.from(batch.demo.slice(0, 10)), new Array(10).fill(1));
  assert.equal(
    batch.demo.slice(10).reduce((s, v) => s + v, 0),
    0,
    "online rows are not demonstrations",
  );
});

test("trainSACOffline returns a stochastic actor with the data's boxes and an agent to continue", async () => {
  await initTensorFlow();
  const rs = new RandomState(3);
  const obs = Float32Array.from({ length: 256 }, () => rs.randomSample() * 200);
  const act = Float32Array.from(obs, (s) => s / 2);
  const data = oneStepDataset(1, 1, obs, act, new Float32Array(256));
  const result = await trainSACOffline(data, {
    seed: 3,
    steps: 30,
    hyper: { hidden: [16], batchSize: 32, progressEvery: 10 },
  });
  assert.equal(result.algorithm, "sac");
  assert.deepEqual(result.stochastic, { logStd: "output" });
  assert.ok(result.action.low[0] < 0 && result.action.high[0] > 99, "action box covers the data (0..100)");
  assert.deepEqual(result.model.outputs[0].shape, [null, 2], "[tanh(mean), logStd]");
  assert.deepEqual(
    result.history.map((p) => p.step),
    [10, 20, 30],
  );
  assert.equal(result.buffer.offlineSize, 256);
  result.agent.update(result.buffer.sample(16));
  assert.equal(result.agent.updates, 31);
  result.agent.disposeTraining();
  result.model.dispose();
});
