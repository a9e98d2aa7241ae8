/**
 * Behaviour cloning: regress the demonstrated action from the observation, MSE on actions normalised to [-1, 1].
 * Two networks: an MLP on the state vector (observations normalised with a box from the data), or a conv net on the
 * camera frame (96×96×3 in [0, 1]) when the dataset carries images and `net: "conv"`. Minibatch Adam over shuffled
 * epochs; an optional validation split (whole episodes, the last ones) whose loss appears in the progress; stops at
 * `steps`, `budgetMs` or the abort signal. The conv net trains on WASM with our filter-gradient kernel (conv-grad.ts: tfjs
 * 4.22's WASM backend has no Conv2DBackpropFilter); should that kernel be missing, on the (much slower) cpu backend.
 *
 * @example
 * const result = await trainBC(dataset, { seed: 1, hyper: { epochs: 20 } });
 * // result.model: normalised state → normalised action; result.observation.normalize, result.action: the boxes
 */
import { RandomState } from "../../core/rng.js";
import { hyperparameters, resolveHyper, TrainLoop } from "./loop.js";
import {
  backendCanTrainConv,
  boxFromData,
  convNet,
  gatherImages,
  gatherRows,
  initTensorFlow,
  mlp,
  normalise,
  permutation,
  scalar,
  tf,
  trainableVariables,
  withBackend,
} from "./tf.js";
import type { Box, StepDataset, TrainOptions, TrainResult } from "./types.js";

export const BC_DEFAULTS = hyperparameters({
  epochs: 50, // passes over the training rows (the default step count is epochs × batches per epoch)
  batchSize: 256, // rows per Adam step for the MLP
  convBatchSize: 64, // rows per Adam step for the conv net
  lr: 1e-3, // Adam step size
  hidden: [256, 256] as readonly number[], // MLP widths (relu), then a tanh output of actDim
  convFilters: [16, 32, 32, 64] as readonly number[], // stride-2 3×3 conv layers: 96 → 48 → 24 → 12 → 6 px
  convHidden: [256] as readonly number[], // dense widths after the conv layers
  validationFraction: 0, // share of episodes (the last ones) held out for the validation loss; 0: none
  progressEvery: 100, // steps between progress reports (one more at the end)
  boxMargin: 0.05, // the data's min..max is widened by this share of its range so no target sits at ±1
  obsHistory: 2, // MLP: state observations stacked as the input, oldest first (1: the current one only)
  actionChunk: 8, // actions predicted per row: the demonstrated action now and the ones after it (Diffusion Policy: 8)
  executeSteps: 4, // of a predicted chunk, how many the policy takes before it asks the network again
});
export type BCHyper = typeof BC_DEFAULTS;

export type BCOptions = TrainOptions<BCHyper> & { net?: "mlp" | "conv" };

/** Trains a BC actor on `data`; see the file header. */
export async function trainBC(data: StepDataset, opts: BCOptions): Promise<TrainResult> {
  await initTensorFlow();
  const net = opts.net ?? "mlp";
  if (net === "conv") {
    if (!data.images) throw new Error("trainBC: net 'conv' needs data.images (the camera frame of each row)");
    if (backendCanTrainConv()) return train(data, opts, "conv");
    return withBackend("cpu", () => train(data, opts, "conv"));
  }
  return train(data, opts, "mlp");
}

async function train(data: StepDataset, opts: BCOptions, net: "mlp" | "conv"): Promise<TrainResult> {
  const H = resolveHyper(BC_DEFAULTS, opts.hyper);
  const rs = new RandomState(opts.seed >>> 0);

  // Data: boxes from all rows, normalised arrays, a train/validation split by episode. With a history, each row's
  // input is its episode's last obsHistory states (the first repeated before there are enough); with a chunk, its
  // target is its action and the next actionChunk - 1 of the episode (the last repeated after the episode ends).
  const { obsDim, actDim } = data;
  const history = net === "mlp" ? Math.max(1, Math.floor(H.obsHistory)) : 1;
  const chunk = Math.max(1, Math.floor(H.actionChunk));
  const actionBox = boxFromData(data.act, actDim, H.boxMargin);
  const obsBox: Box | undefined = net === "mlp" ? boxFromData(data.obs, obsDim, H.boxMargin) : undefined;
  const x = obsBox ? stackWithinEpisodes(data, normalise(data.obs, obsBox), obsDim, 1 - history, 0) : undefined;
  const y = stackWithinEpisodes(data, normalise(data.act, actionBox), actDim, 0, chunk - 1);
  const inDim = history * obsDim;
  const outDim = chunk * actDim;
  const { train: trainRows, val: valRows } = splitByEpisode(data, H.validationFraction);
  const batchSize = Math.min(net === "conv" ? H.convBatchSize : H.batchSize, trainRows.length);
  const imageSize = data.images?.size ?? 0;
  const inputs = (rows: ArrayLike<number>): tf.Tensor => {
    if (net === "mlp" && x) return tf.tensor2d(gatherRows(x, inDim, rows), [rows.length, inDim]);
    const images = data.images as { size: number; data: Uint8Array };
    return tf.tensor4d(gatherImages(images.data, imageSize, rows), [rows.length, imageSize, imageSize, 3]);
  };

  // Model: normalised observation (or image in [0, 1]) → tanh → normalised action.
  const model =
    net === "mlp"
      ? mlp({ inputDim: inDim, hidden: H.hidden, outputDim: outDim, outputActivation: "tanh", seed: opts.seed })
      : convNet({
          imageSize,
          filters: H.convFilters,
          hidden: H.convHidden,
          outputDim: outDim,
          outputActivation: "tanh",
          seed: opts.seed,
        });
  const vars = trainableVariables(model);
  const optimizer = tf.train.adam(H.lr);
  const lossOn = (rows: ArrayLike<number>): tf.Scalar =>
    tf.tidy(() => {
      const target = tf.tensor2d(gatherRows(y, outDim, rows), [rows.length, outDim]);
      return tf.losses.meanSquaredError(target, model.apply(inputs(rows)) as tf.Tensor) as tf.Scalar;
    });
  const validationLoss = (): number | undefined => {
    if (valRows.length === 0) return undefined;
    let sum = 0;
    for (let i = 0; i < valRows.length; i += batchSize) {
      const chunk = valRows.subarray(i, i + batchSize);
      const l = lossOn(chunk);
      sum += scalar(l) * chunk.length;
      l.dispose();
    }
    return sum / valRows.length;
  };

  // Loop: shuffled epochs of minibatches.
  const batchesPerEpoch = Math.max(1, Math.floor(trainRows.length / batchSize));
  const loop = new TrainLoop("bc", opts, opts.steps ?? H.epochs * batchesPerEpoch);
  const result = (): TrainResult => ({
    algorithm: "bc",
    model,
    observation: net === "mlp" ? { kind: "state", normalize: obsBox } : { kind: "pixels" },
    action: actionBox,
    ...(history > 1 && { obsHistory: history }),
    ...(chunk > 1 && { chunk: { predict: chunk, execute: Math.min(chunk, Math.max(1, Math.floor(H.executeSteps))) } }),
    ...loop.totals(),
  });
  const report = (loss: number) => {
    const val = validationLoss();
    loop.report(val === undefined ? { loss } : { loss, valLoss: val }, Math.floor(loop.step / batchesPerEpoch));
  };
  let order = permutation(rs, trainRows.length);
  let lastLoss = Number.NaN;
  while (!loop.done()) {
    const b = loop.step % batchesPerEpoch;
    if (b === 0 && loop.step > 0) order = permutation(rs, trainRows.length);
    const rows = order.subarray(b * batchSize, (b + 1) * batchSize).map((i) => trainRows[i]);
    const cost = optimizer.minimize(() => lossOn(rows), true, vars);
    lastLoss = cost ? scalar(cost) : Number.NaN;
    cost?.dispose();
    loop.tick(rows.length);
    if (loop.step % H.progressEvery === 0) report(lastLoss);
    await loop.checkpoint(result);
  }
  if (loop.history.at(-1)?.step !== loop.step) report(lastLoss);
  optimizer.dispose();
  return result();
}

/** Row indices for training and validation: the last `fraction` of episodes (at least one, if any) are held out. */
function splitByEpisode(data: StepDataset, fraction: number): { train: Int32Array; val: Int32Array } {
  const all = Int32Array.from({ length: data.size }, (_, i) => i);
  if (fraction <= 0) return { train: all, val: new Int32Array(0) };
  const starts = data.episodeStarts.length > 0 ? data.episodeStarts : [0];
  let cut: number;
  if (starts.length >= 2) {
    const held = Math.min(starts.length - 1, Math.max(1, Math.round(starts.length * fraction)));
    cut = starts[starts.length - held];
  } else {
    cut = Math.max(1, Math.min(data.size - 1, Math.round(data.size * (1 - fraction))));
  }
  return { train: all.subarray(0, cut), val: all.subarray(cut) };
}

/**
 * Rows of `dim` numbers gathered within each episode: row i becomes rows i + from .. i + to of its own episode,
 * concatenated, with indices before the episode's first row or after its last clamped to them.
 * @example stackWithinEpisodes(data, states, 5, -1, 0) // each row: the previous state, then this one
 */
function stackWithinEpisodes(
  data: StepDataset,
  values: Float32Array,
  dim: number,
  from: number,
  to: number,
): Float32Array {
  const width = to - from + 1;
  if (width === 1 && from === 0) return values;
  const out = new Float32Array(data.size * width * dim);
  const starts = data.episodeStarts.length > 0 ? data.episodeStarts : [0];
  for (let e = 0; e < starts.length; e++) {
    const first = starts[e];
    const last = (e + 1 < starts.length ? starts[e + 1] : data.size) - 1;
    for (let i = first; i <= last; i++) {
      for (let k = 0; k < width; k++) {
        const j = Math.min(last, Math.max(first, i + from + k));
        out.set(values.subarray(j * dim, (j + 1) * dim), (i * width + k) * dim);
      }
    }
  }
  return out;
}
