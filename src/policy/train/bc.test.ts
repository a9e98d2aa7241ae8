import assert from "node:assert/strict";
import { test } from "node:test";
import { trainBC } from "./bc.js";
import { denormalise, gatherImages, initTensorFlow, normalise, tf } from "./tf.js";
import { linearAction, linearDataset, movingPointDataset, squareDataset } from "./toy-data.js";
import type { TrainResult } from "./types.js";

/** One state in, one action out: the plain regressor (BC's defaults stack 2 states and predict 8 actions). */
const SINGLE_STEP = { obsHistory: 1, actionChunk: 1 };

/** Raw actions of a state-based result for raw observations. */
function predictState(r: TrainResult, obs: Float32Array, obsDim: number): Float32Array {
  const box = r.observation.normalize;
  const n = obs.length / obsDim;
  const y = tf.tidy(() => r.model.predict(tf.tensor2d(box ? normalise(obs, box) : obs, [n, obsDim])) as tf.Tensor);
  const out = denormalise(y.dataSync() as Float32Array, r.action);
  y.dispose();
  return out;
}

test("BC fits a linear map of the state; its loss falls and the validation loss is reported", async () => {
  await initTensorFlow();
  const data = linearDataset(4096, 1);
  const result = await trainBC(data, {
    seed: 1,
    hyper: { ...SINGLE_STEP, epochs: 8, validationFraction: 0.2, progressEvery: 20 },
  });
  const first = result.history[0].losses;
  const last = result.history.at(-1)?.losses ?? {};
  console.log(
    `bc-mlp ${result.samplesPerS.toFixed(0)} samples/s; loss ${first.loss.toFixed(4)} → ${last.loss.toFixed(5)}`,
  );
  assert.ok(last.loss < first.loss / 3, `loss falls: ${first.loss} → ${last.loss}`);
  assert.ok(last.valLoss < 0.005, `validation loss ${last.valLoss}`);
  const test = linearDataset(200, 99);
  const pred = predictState(result, test.obs, 4);
  let err = 0;
  for (let i = 0; i < 200; i++) {
    const [a, b] = linearAction(test.obs, i);
    err += Math.abs(pred[i * 2] - a) + Math.abs(pred[i * 2 + 1] - b);
  }
  // actions span about 300 units (dim 0) and 150 (dim 1)
  assert.ok(err / 400 < 6, `mean absolute error ${err / 400} units`);
  assert.equal(result.observation.kind, "state");
  result.model.dispose();
});

test("BC is deterministic for a seed, stops at the step count and leaks no tensors", async () => {
  await initTensorFlow();
  const data = linearDataset(512, 2);
  const run = (signal?: AbortSignal) =>
    trainBC(data, { seed: 4, steps: 30, signal, hyper: { ...SINGLE_STEP, hidden: [32], batchSize: 64 } });
  const a = await run();
  const numTensors = tf.memory().numTensors;
  const b = await run();
  assert.equal(b.steps, 30);
  assert.deepEqual(predictState(a, data.obs, 4), predictState(b, data.obs, 4));
  b.model.dispose();
  assert.equal(tf.memory().numTensors, numTensors, "a run leaves only its model's tensors");
  const aborted = new AbortController();
  aborted.abort();
  const c = await run(aborted.signal);
  assert.equal(c.steps, 0);
  a.model.dispose();
  c.model.dispose();
});

test("BC's conv net reads a square's position from images", async () => {
  await initTensorFlow();
  const size = 32;
  const data = squareDataset(384, size, 5);
  const result = await trainBC(data, {
    seed: 2,
    net: "conv",
    steps: 150,
    hyper: { ...SINGLE_STEP, convFilters: [8, 16, 16], convHidden: [64], convBatchSize: 32, lr: 2e-3 },
  });
  const test = squareDataset(64, size, 77);
  const y = tf.tidy(
    () =>
      result.model.predict(
        tf.tensor4d(
          gatherImages(
            test.images?.data ?? new Uint8Array(),
            size,
            Array.from({ length: 64 }, (_, i) => i),
          ),
          [64, size, size, 3],
        ),
      ) as tf.Tensor,
  );
  const pred = denormalise(y.dataSync() as Float32Array, result.action);
  y.dispose();
  let err = 0;
  let chance = 0;
  const mean = size / 2;
  for (let i = 0; i < 128; i++) {
    err += Math.abs(pred[i] - test.act[i]);
    chance += Math.abs(mean - test.act[i]);
  }
  console.log(
    `bc-conv ${result.samplesPerS.toFixed(0)} samples/s (${size}×${size}); error ${(err / 128).toFixed(2)} px, guessing the centre ${(chance / 128).toFixed(2)} px`,
  );
  assert.equal(result.observation.kind, "pixels");
  assert.ok(err < chance / 3, `mean error ${err / 128} px vs ${chance / 128} px for the centre`);
  result.model.dispose();
});

test("with two states stacked BC reads the speed it cannot see in one, and a chunk predicts the steps ahead", async () => {
  await initTensorFlow();
  const data = movingPointDataset(120, 20, 3);
  const hyper = { hidden: [64, 64], epochs: 60, batchSize: 128, lr: 3e-3 };
  const stacked = await trainBC(data, { seed: 5, hyper: { ...hyper, obsHistory: 2, actionChunk: 4, executeSteps: 2 } });
  const single = await trainBC(data, { seed: 5, hyper: { ...hyper, obsHistory: 1, actionChunk: 1 } });
  assert.equal(stacked.obsHistory, 2);
  assert.deepEqual(stacked.chunk, { predict: 4, execute: 2 });
  assert.equal(single.obsHistory, undefined);
  assert.equal(single.chunk, undefined);

  // new episodes, judged mid-episode (t = 10): the stacked model sees positions t-1 and t and predicts t+1 .. t+4
  const test = movingPointDataset(50, 20, 71);
  const t = 10;
  let chunkError = 0;
  let stackedError = 0;
  let singleError = 0;
  for (let e = 0; e < 50; e++) {
    const row = e * 20 + t;
    const before = test.obs[row - 1];
    const now = test.obs[row];
    const speed = now - before;
    const box = stacked.observation.normalize!;
    const input = normalise(Float32Array.from([before, now]), {
      low: [box.low[0], box.low[0]],
      high: [box.high[0], box.high[0]],
    });
    const y = tf.tidy(
      () => (stacked.model.predict(tf.tensor2d(input, [1, 2])) as tf.Tensor).dataSync() as Float32Array,
    );
    const ahead = denormalise(y, {
      low: Array(4).fill(stacked.action.low[0]),
      high: Array(4).fill(stacked.action.high[0]),
    });
    for (let k = 0; k < 4; k++) chunkError += Math.abs(ahead[k] - (now + speed * (k + 1)));
    stackedError += Math.abs(ahead[0] - test.act[row]);
    singleError += Math.abs(predictState(single, Float32Array.from([now]), 1)[0] - test.act[row]);
  }
  console.log(
    `moving point: next position off by ${(stackedError / 50).toFixed(2)} (2 states) vs ${(singleError / 50).toFixed(2)} (1 state); 4-step chunk off by ${(chunkError / 200).toFixed(2)}`,
  );
  assert.ok(stackedError < singleError / 3, `2 states ${stackedError / 50} vs 1 state ${singleError / 50}`);
  assert.ok(chunkError / 200 < 2, `chunk error ${chunkError / 200} units (speeds are up to 5 per step)`);
  stacked.model.dispose();
  single.model.dispose();
});
