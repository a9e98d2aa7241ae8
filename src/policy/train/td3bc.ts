/**
 * TD3+BC (Fujimoto & Gu 2021, "A Minimalist Approach to Offline Reinforcement Learning"): TD3 on a fixed dataset
 * with a behaviour-cloning term in the actor loss. Twin critics and their targets learn
 * y = r + γ·(1 − done)·min(Q1', Q2')(s', clip(π'(s') + clip(ε, −c, c), −1, 1)); every `policyDelay` critic steps the
 * actor maximises λ·Q1(s, π(s)) − (π(s) − a)² with λ = α / mean|Q1| (a constant of the batch), then all targets move
 * by Polyak averaging. States are z-scored (mean/std of the data, as in the paper), actions mapped to [-1, 1] with a
 * box from the data; rewards are used as given.
 *
 * @example
 * const result = await trainTD3BC(dataset, { seed: 1, steps: 20_000 });
 */
import { RandomState } from "../../core/rng.js";
import { hyperparameters, resolveHyper, TrainLoop } from "./loop.js";
import {
  boxFromData,
  gatherRows,
  initTensorFlow,
  mlp,
  normalise,
  sampleIndices,
  scalar,
  seedStream,
  softUpdate,
  tf,
  trainableVariables,
} from "./tf.js";
import type { Box, StepDataset, TrainOptions, TrainResult } from "./types.js";

export const TD3BC_DEFAULTS = hyperparameters({
  steps: 100_000, // critic updates when opts.steps is not given (the paper runs 1M on D4RL)
  batchSize: 256, // transitions per update, sampled uniformly with replacement
  actorLr: 3e-4, // Adam step size of the actor
  criticLr: 3e-4, // Adam step size of both critics
  hidden: [256, 256] as readonly number[], // widths of actor and critics (relu)
  alpha: 2.5, // α: weight of Q against the BC term, λ = α / mean|Q|
  gamma: 0.99, // discount
  tau: 0.005, // Polyak rate of the target networks
  policyNoise: 0.2, // std of the target-policy smoothing noise, in normalised action units
  noiseClip: 0.5, // the smoothing noise is clipped to ±this
  policyDelay: 2, // critic updates per actor (and target) update
  normalizeStates: true, // z-score observations with the data's mean and std
  stdEpsilon: 1e-3, // added to the std so constant dimensions stay finite
  boxMargin: 0.05, // the action box is the data's min..max widened by this share of the range
  progressEvery: 500, // critic updates between progress reports (one more at the end)
});
export type TD3BCHyper = typeof TD3BC_DEFAULTS;

/** Trains a TD3+BC actor on `data` (offline); see the file header. */
export async function trainTD3BC(data: StepDataset, opts: TrainOptions<TD3BCHyper>): Promise<TrainResult> {
  await initTensorFlow();
  const H = resolveHyper(TD3BC_DEFAULTS, opts.hyper);
  const rs = new RandomState(opts.seed >>> 0);
  const { obsDim, actDim, size } = data;

  // Data: z-scored states (as a box: low = mean − std, high = mean + std maps x to (x − mean)/std), [-1, 1] actions.
  const obsBox = H.normalizeStates ? zScoreBox(data.obs, obsDim, H.stdEpsilon) : undefined;
  const actionBox = boxFromData(data.act, actDim, H.boxMargin);
  const obs = obsBox ? normalise(data.obs, obsBox) : data.obs;
  const nextObs = obsBox ? normalise(data.nextObs, obsBox) : data.nextObs;
  const act = normalise(data.act, actionBox);
  const notDone = Float32Array.from(data.done, (d) => 1 - d);

  // Networks: actor s → tanh a; critics (s, a) → Q; targets start as copies.
  const seeds = seedStream(opts.seed);
  const actorNet = () =>
    mlp({ inputDim: obsDim, hidden: H.hidden, outputDim: actDim, outputActivation: "tanh", seed: seeds });
  const criticNet = () => mlp({ inputDim: obsDim + actDim, hidden: H.hidden, outputDim: 1, seed: seeds });
  const actor = actorNet();
  const critic1 = criticNet();
  const critic2 = criticNet();
  const actorTarget = actorNet();
  const critic1Target = criticNet();
  const critic2Target = criticNet();
  softUpdate(actorTarget, actor, 1);
  softUpdate(critic1Target, critic1, 1);
  softUpdate(critic2Target, critic2, 1);
  const actorVars = trainableVariables(actor);
  const criticVars = [...trainableVariables(critic1), ...trainableVariables(critic2)];
  const actorOpt = tf.train.adam(H.actorLr);
  const criticOpt = tf.train.adam(H.criticLr);
  const q = (net: typeof critic1, s: tf.Tensor, a: tf.Tensor) => net.apply(tf.concat([s, a], 1)) as tf.Tensor;

  // Loop: sample a batch, update the critics, every policyDelay steps the actor and the targets.
  const batchSize = H.batchSize;
  const loop = new TrainLoop("td3bc", opts, opts.steps ?? H.steps);
  const result = (): TrainResult => ({
    algorithm: "td3bc",
    model: actor,
    observation: { kind: "state", ...(obsBox ? { normalize: obsBox } : {}) },
    action: actionBox,
    ...loop.totals(),
  });
  const losses = { critic: Number.NaN, actor: Number.NaN, q: Number.NaN };
  while (!loop.done()) {
    const idx = sampleIndices(rs, size, batchSize);
    const noise = new Float32Array(batchSize * actDim);
    for (let i = 0; i < noise.length; i++)
      noise[i] = Math.max(-H.noiseClip, Math.min(H.noiseClip, rs.randn() * H.policyNoise));
    const s = tf.tensor2d(gatherRows(obs, obsDim, idx), [batchSize, obsDim]);
    const a = tf.tensor2d(gatherRows(act, actDim, idx), [batchSize, actDim]);
    const target = tf.tidy(() => {
      const s2 = tf.tensor2d(gatherRows(nextObs, obsDim, idx), [batchSize, obsDim]);
      const r = tf.tensor2d(gatherRows(data.reward, 1, idx), [batchSize, 1]);
      const nd = tf.tensor2d(gatherRows(notDone, 1, idx), [batchSize, 1]);
      const a2 = tf.clipByValue(
        tf.add(actorTarget.apply(s2) as tf.Tensor, tf.tensor2d(noise, [batchSize, actDim])),
        -1,
        1,
      );
      const q2 = tf.minimum(q(critic1Target, s2, a2), q(critic2Target, s2, a2));
      return tf.add(r, tf.mul(tf.mul(nd, q2), H.gamma));
    });
    const criticLoss = criticOpt.minimize(
      () =>
        tf.add(
          tf.losses.meanSquaredError(target, q(critic1, s, a)),
          tf.losses.meanSquaredError(target, q(critic2, s, a)),
        ) as tf.Scalar,
      true,
      criticVars,
    );
    losses.critic = criticLoss ? scalar(criticLoss) : Number.NaN;
    criticLoss?.dispose();
    target.dispose();
    if ((loop.step + 1) % H.policyDelay === 0) {
      let meanQ = 0;
      const actorLoss = actorOpt.minimize(
        () => {
          const pi = actor.apply(s) as tf.Tensor;
          const qPi = q(critic1, s, pi);
          const lambda = H.alpha / Math.max(1e-6, scalar(tf.mean(tf.abs(qPi)))); // read out: a constant, no gradient
          meanQ = scalar(tf.mean(qPi));
          return tf.add(tf.mul(tf.mean(qPi), -lambda), tf.losses.meanSquaredError(a, pi)) as tf.Scalar;
        },
        true,
        actorVars,
      );
      losses.actor = actorLoss ? scalar(actorLoss) : Number.NaN;
      losses.q = meanQ;
      actorLoss?.dispose();
      softUpdate(critic1Target, critic1, H.tau);
      softUpdate(critic2Target, critic2, H.tau);
      softUpdate(actorTarget, actor, H.tau);
    }
    s.dispose();
    a.dispose();
    loop.tick(batchSize);
    if (loop.step % H.progressEvery === 0) loop.report({ ...losses });
    await loop.checkpoint(result);
  }
  if (loop.history.at(-1)?.step !== loop.step) loop.report({ ...losses });
  actorOpt.dispose();
  criticOpt.dispose();
  for (const net of [critic1, critic2, actorTarget, critic1Target, critic2Target]) net.dispose();
  return result();
}

/** The box whose [-1, 1] mapping is the z-score: low = mean − std, high = mean + std per dimension. */
function zScoreBox(x: Float32Array, dim: number, eps: number): Box {
  const n = x.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < x.length; i++) mean[i % dim] += x[i] / n;
  for (let i = 0; i < x.length; i++) sq[i % dim] += (x[i] - mean[i % dim]) ** 2 / n;
  const std = sq.map((v) => Math.sqrt(v) + eps);
  return { low: mean.map((m, d) => m - std[d]), high: mean.map((m, d) => m + std[d]) };
}
