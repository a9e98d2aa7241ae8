/**
 * Soft Actor-Critic (Haarnoja et al. 2018, with the auto-tuned temperature) for offline-to-online RL, as ENPIRE's PI
 * module uses it: a tanh-Gaussian actor, twin critics with Polyak targets, α tuned towards a target entropy of
 * −actDim, and an optional BC term `bcWeight · mean ||tanh(μ(s)) − a||²` over the batch rows that come from
 * demonstrations (the paper's biggest single gain on pin insertion). A `ReplayBuffer` keeps offline data (never
 * evicted) and an online ring, and samples batches mixing the two at a ratio (RLPD-style 50/50 by default), each row
 * marked demonstration or not. `trainSACOffline` runs updates on a dataset alone, to warm-start the online loop.
 *
 * Everything is in normalised units inside: observations through the observation box (when given), actions through
 * the action box onto [-1, 1]. The buffer and `act` speak raw units.
 *
 * @example
 * const sac = new SAC(obsDim, actDim, { bcWeight: 1 }, seed, { observation: obsBox, action: actionBox });
 * const buffer = new ReplayBuffer(obsDim, actDim, { capacity: 100_000, seed });
 * buffer.add(demos, { online: false, demo: true });
 * for (...) { buffer.add(newTrials, { online: true }); sac.update(buffer.sample(256)); }
 * const result = sac.actorResult(); // model: normalised obs → [tanh(μ), logStd]
 */
import { RandomState } from "../../core/rng.js";
import { hyperparameters, resolveHyper, TrainLoop } from "./loop.js";
import {
  boxFromData,
  denormalise,
  initTensorFlow,
  normalise,
  sampleIndices,
  scalar,
  seedStream,
  softUpdate,
  tf,
  tfl,
  trainableVariables,
} from "./tf.js";
import type { Box, StepDataset, TrainOptions, TrainResult } from "./types.js";

export const SAC_DEFAULTS = hyperparameters({
  hidden: [256, 256] as readonly number[], // widths of actor and critics (relu)
  actorLr: 3e-4, // Adam step size of the actor
  criticLr: 3e-4, // Adam step size of both critics
  alphaLr: 3e-4, // Adam step size of log α
  gamma: 0.99, // discount
  tau: 0.005, // Polyak rate of the target critics
  initAlpha: 0.1, // starting temperature α
  targetEntropy: Number.NaN, // entropy α is tuned towards; NaN: −actDim
  logStdMin: -5, // the actor's log std is tanh-squashed into [logStdMin, logStdMax]
  logStdMax: 2, // upper end of the actor's log std
  bcWeight: 0, // weight of mean ||tanh(μ(s)) − a||² over demonstration rows in the actor loss; 0: plain SAC
  batchSize: 256, // transitions per update (trainSACOffline)
  steps: 20_000, // updates of trainSACOffline when opts.steps is not given
  progressEvery: 500, // updates between progress reports of trainSACOffline (one more at the end)
  boxMargin: 0.05, // trainSACOffline: boxes are the data's min..max widened by this share of the range
});
export type SACHyper = typeof SAC_DEFAULTS;

/** A batch in raw units; `demo` is 1 on rows from demonstrations (where the BC term applies). */
export interface SACBatch {
  size: number;
  obs: Float32Array;
  act: Float32Array;
  reward: Float32Array;
  nextObs: Float32Array;
  done: Float32Array;
  demo: Float32Array;
}

export interface SACLosses {
  critic: number;
  actor: number;
  alpha: number;
  entropy: number;
  bc: number;
  [name: string]: number;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export class SAC {
  readonly hyper: Readonly<SACHyper>;
  readonly observationBox: Box | undefined;
  readonly actionBox: Box;
  updates = 0;
  private readonly rs: RandomState;
  /** Training view of the actor: normalised obs → [μ (pre-tanh), logStd]. */
  private readonly actor: tfl.LayersModel;
  /** The same layers with tanh on the mean: the exported actor. */
  private readonly exported: tfl.LayersModel;
  private readonly critics: tfl.LayersModel[];
  private readonly targets: tfl.LayersModel[];
  private readonly logAlpha: tf.Variable;
  private readonly actorVars: tf.Variable[];
  private readonly criticVars: tf.Variable[];
  private readonly actorOpt: tf.Optimizer;
  private readonly criticOpt: tf.Optimizer;
  private readonly alphaOpt: tf.Optimizer;
  private readonly targetEntropy: number;

  /** Call `await initTensorFlow()` first. Boxes: raw ↔ normalised; without an action box actions are already in [-1, 1]. */
  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    hyper: Partial<SACHyper> = {},
    seed = 0,
    spaces: { observation?: Box; action?: Box } = {},
  ) {
    this.hyper = resolveHyper(SAC_DEFAULTS, hyper);
    const H = this.hyper;
    this.rs = new RandomState(seed >>> 0);
    this.observationBox = spaces.observation;
    this.actionBox = spaces.action ?? { low: new Array(actDim).fill(-1), high: new Array(actDim).fill(1) };
    this.targetEntropy = Number.isNaN(H.targetEntropy) ? -actDim : H.targetEntropy;
    const seeds = seedStream(seed);

    // Actor: trunk → μ head (linear) and logStd head (tanh rescaled into [logStdMin, logStdMax]).
    const input = tfl.input({ shape: [obsDim] });
    let h: tfl.SymbolicTensor = input;
    for (const units of H.hidden) h = denseLayer(units, "relu", seeds()).apply(h) as tfl.SymbolicTensor;
    const mu = denseLayer(actDim, "linear", seeds()).apply(h) as tfl.SymbolicTensor;
    const half = (H.logStdMax - H.logStdMin) / 2;
    const logStd = tfl.layers
      .rescaling({ scale: half, offset: H.logStdMin + half })
      .apply(denseLayer(actDim, "tanh", seeds()).apply(h)) as tfl.SymbolicTensor;
    this.actor = tfl.model({
      inputs: input,
      outputs: tfl.layers.concatenate().apply([mu, logStd]) as tfl.SymbolicTensor,
    });
    const meanAction = tfl.layers.activation({ activation: "tanh" }).apply(mu) as tfl.SymbolicTensor;
    this.exported = tfl.model({
      inputs: input,
      outputs: tfl.layers.concatenate().apply([meanAction, logStd]) as tfl.SymbolicTensor,
    });

    // Critics: (s, a) → Q, twice, with targets starting as copies.
    const critic = () => {
      const x = tfl.input({ shape: [obsDim + actDim] });
      let c: tfl.SymbolicTensor = x;
      for (const units of H.hidden) c = denseLayer(units, "relu", seeds()).apply(c) as tfl.SymbolicTensor;
      return tfl.model({ inputs: x, outputs: denseLayer(1, "linear", seeds()).apply(c) as tfl.SymbolicTensor });
    };
    this.critics = [critic(), critic()];
    this.targets = [critic(), critic()];
    for (let i = 0; i < 2; i++) softUpdate(this.targets[i], this.critics[i], 1);
    this.logAlpha = tf.tidy(() => tf.variable(tf.scalar(Math.log(H.initAlpha)), true));
    this.actorVars = trainableVariables(this.actor);
    this.criticVars = this.critics.flatMap(trainableVariables);
    this.actorOpt = tf.train.adam(H.actorLr);
    this.criticOpt = tf.train.adam(H.criticLr);
    this.alphaOpt = tf.train.adam(H.alphaLr);
  }

  /** One SAC update (critics, actor with the BC term, temperature, targets) on a raw batch; returns its losses. */
  update(batch: SACBatch): SACLosses {
    const H = this.hyper;
    const n = batch.size;
    const { obsDim, actDim } = this;
    const eps = this.gaussian(n * actDim);
    const eps2 = this.gaussian(n * actDim);
    const s = tf.tensor2d(this.normObs(batch.obs), [n, obsDim]);
    const a = tf.tensor2d(normalise(batch.act, this.actionBox), [n, actDim]);
    const demo = tf.tensor2d(batch.demo, [n, 1]);
    const alpha = tf.tidy(() => tf.exp(this.logAlpha));

    // Critics: y = r + γ(1 − done)(min Q'(s', a') − α log π(a'|s')), a' ~ π(s').
    const target = tf.tidy(() => {
      const s2 = tf.tensor2d(this.normObs(batch.nextObs), [n, obsDim]);
      const { action: a2, logProb } = this.sample(s2, tf.tensor2d(eps2, [n, actDim]));
      const qMin = tf.minimum(this.q(this.targets[0], s2, a2), this.q(this.targets[1], s2, a2));
      const q2 = tf.sub(qMin, tf.mul(alpha, logProb));
      const r = tf.tensor2d(batch.reward, [n, 1]);
      const notDone = tf.sub(1, tf.tensor2d(batch.done, [n, 1]));
      return tf.add(r, tf.mul(tf.mul(notDone, q2), H.gamma));
    });
    const criticLoss = this.criticOpt.minimize(
      () =>
        tf.add(
          tf.losses.meanSquaredError(target, this.q(this.critics[0], s, a)),
          tf.losses.meanSquaredError(target, this.q(this.critics[1], s, a)),
        ) as tf.Scalar,
      true,
      this.criticVars,
    );

    // Actor: α log π(ã|s) − min Q(s, ã), ã ~ π(s) reparameterised, plus the BC term on demonstration rows.
    let logProbMean = 0;
    let bc = 0;
    const actorLoss = this.actorOpt.minimize(
      () => {
        const { action, logProb, mean } = this.sample(s, tf.tensor2d(eps, [n, actDim]));
        const qPi = tf.minimum(this.q(this.critics[0], s, action), this.q(this.critics[1], s, action));
        const sac = tf.mean(tf.sub(tf.mul(alpha, logProb), qPi));
        const perRow = tf.sum(tf.square(tf.sub(mean, a)), 1, true);
        const bcTerm = tf.div(tf.sum(tf.mul(perRow, demo)), tf.maximum(tf.sum(demo), 1));
        logProbMean = scalar(tf.mean(logProb));
        bc = scalar(bcTerm);
        return (H.bcWeight > 0 ? tf.add(sac, tf.mul(bcTerm, H.bcWeight)) : sac) as tf.Scalar;
      },
      true,
      this.actorVars,
    );

    // Temperature: push the entropy −log π towards the target.
    const alphaLoss = this.alphaOpt.minimize(
      () => tf.mul(this.logAlpha, -(logProbMean + this.targetEntropy)) as tf.Scalar,
      true,
      [this.logAlpha],
    );
    softUpdate(this.targets[0], this.critics[0], H.tau);
    softUpdate(this.targets[1], this.critics[1], H.tau);

    const losses: SACLosses = {
      critic: criticLoss ? scalar(criticLoss) : Number.NaN,
      actor: actorLoss ? scalar(actorLoss) : Number.NaN,
      alpha: scalar(alpha),
      entropy: -logProbMean,
      bc,
    };
    for (const t of [s, a, demo, alpha, target, criticLoss, actorLoss, alphaLoss]) t?.dispose();
    this.updates += 1;
    return losses;
  }

  /** Actions in raw units for raw observations (n × obsDim): tanh(μ) or, exploring, a draw of the policy. */
  act(obs: Float32Array, explore = false): Float32Array {
    const n = obs.length / this.obsDim;
    const eps = explore ? this.gaussian(n * this.actDim) : undefined;
    const out = tf.tidy(() => {
      const s = tf.tensor2d(this.normObs(obs), [n, this.obsDim]);
      if (!eps) return tf.slice(this.exported.apply(s) as tf.Tensor, [0, 0], [n, this.actDim]);
      return this.sample(s, tf.tensor2d(eps, [n, this.actDim])).action;
    });
    const normalised = out.dataSync() as Float32Array;
    out.dispose();
    return denormalise(normalised, this.actionBox);
  }

  /** The actor as a TrainResult: model normalised obs → [tanh(μ), logStd] (live: it keeps training with `update`). */
  actorResult(
    totals?: Partial<Pick<TrainResult, "steps" | "samples" | "samplesPerS" | "elapsedMs" | "history">>,
  ): TrainResult {
    return {
      algorithm: "sac",
      model: this.exported,
      observation: { kind: "state", ...(this.observationBox ? { normalize: this.observationBox } : {}) },
      action: this.actionBox,
      stochastic: { logStd: "output" },
      steps: this.updates,
      samples: this.updates * this.hyper.batchSize,
      samplesPerS: 0,
      elapsedMs: 0,
      history: [],
      ...totals,
    };
  }

  /** Frees the critics, targets, optimisers and α; the exported actor stays usable (dispose it when done). */
  disposeTraining(): void {
    for (const m of [...this.critics, ...this.targets]) m.dispose();
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.alphaOpt.dispose();
    this.logAlpha.dispose();
  }

  /** a = tanh(μ + σ·ε) with its log-probability (tanh change of variables) and the deterministic tanh(μ). */
  private sample(s: tf.Tensor, eps: tf.Tensor): { action: tf.Tensor; logProb: tf.Tensor; mean: tf.Tensor } {
    const out = this.actor.apply(s) as tf.Tensor;
    const mu = tf.slice(out, [0, 0], [-1, this.actDim]);
    const logStd = tf.slice(out, [0, this.actDim], [-1, this.actDim]);
    const u = tf.add(mu, tf.mul(tf.exp(logStd), eps));
    const gaussian = tf.sub(tf.sub(tf.mul(tf.square(eps), -0.5), logStd), HALF_LOG_2PI);
    // log(1 − tanh(u)²) = 2·(log 2 − u − softplus(−2u)), stable for large |u|
    const squash = tf.mul(tf.sub(tf.sub(Math.log(2), u), tf.softplus(tf.mul(u, -2))), 2);
    return { action: tf.tanh(u), logProb: tf.sum(tf.sub(gaussian, squash), 1, true), mean: tf.tanh(mu) };
  }

  private q(net: tfl.LayersModel, s: tf.Tensor, a: tf.Tensor): tf.Tensor {
    return net.apply(tf.concat([s, a], 1)) as tf.Tensor;
  }

  private normObs(x: Float32Array): Float32Array {
    return this.observationBox ? normalise(x, this.observationBox) : x;
  }

  private gaussian(count: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.rs.randn();
    return out;
  }
}

function denseLayer(units: number, activation: "relu" | "tanh" | "linear", seed: number) {
  return tfl.layers.dense({ units, activation, kernelInitializer: tfl.initializers.glorotUniform({ seed }) });
}

/** Rows in raw units, with a demonstration flag; offline rows are kept for good, online rows in a ring. */
class Store {
  size = 0;
  private next = 0;
  obs: Float32Array;
  act: Float32Array;
  reward: Float32Array;
  nextObs: Float32Array;
  done: Float32Array;
  demo: Float32Array;

  constructor(
    private readonly obsDim: number,
    private readonly actDim: number,
    private readonly capacity: number,
  ) {
    const initial = Number.isFinite(capacity) ? capacity : 1024;
    this.obs = new Float32Array(initial * obsDim);
    this.act = new Float32Array(initial * actDim);
    this.reward = new Float32Array(initial);
    this.nextObs = new Float32Array(initial * obsDim);
    this.done = new Float32Array(initial);
    this.demo = new Float32Array(initial);
  }

  add(data: StepDataset, demo: ArrayLike<number>): void {
    const { obsDim, actDim } = this;
    for (let i = 0; i < data.size; i++) {
      if (this.next >= this.reward.length) this.grow();
      const j = this.next;
      this.obs.set(data.obs.subarray(i * obsDim, (i + 1) * obsDim), j * obsDim);
      this.act.set(data.act.subarray(i * actDim, (i + 1) * actDim), j * actDim);
      this.nextObs.set(data.nextObs.subarray(i * obsDim, (i + 1) * obsDim), j * obsDim);
      this.reward[j] = data.reward[i];
      this.done[j] = data.done[i];
      this.demo[j] = demo[i];
      this.next = Number.isFinite(this.capacity) ? (j + 1) % this.capacity : j + 1;
      this.size = Math.min(this.size + 1, this.capacity);
    }
  }

  /** Copies rows `idx` into `batch` from row `at` on. */
  copyInto(batch: SACBatch, idx: Int32Array, at: number): void {
    const { obsDim, actDim } = this;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const j = at + k;
      batch.obs.set(this.obs.subarray(i * obsDim, (i + 1) * obsDim), j * obsDim);
      batch.act.set(this.act.subarray(i * actDim, (i + 1) * actDim), j * actDim);
      batch.nextObs.set(this.nextObs.subarray(i * obsDim, (i + 1) * obsDim), j * obsDim);
      batch.reward[j] = this.reward[i];
      batch.done[j] = this.done[i];
      batch.demo[j] = this.demo[i];
    }
  }

  private grow(): void {
    const g = <T extends Float32Array>(a: T): Float32Array => {
      const b = new Float32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.obs = g(this.obs);
    this.act = g(this.act);
    this.reward = g(this.reward);
    this.nextObs = g(this.nextObs);
    this.done = g(this.done);
    this.demo = g(this.demo);
  }
}

/**
 * Offline rows (datasets added with `online: false`, never evicted) and an online ring of `capacity` rows. `sample`
 * draws `offlineRatio` of each batch from the offline rows and the rest from the online ones (all from one side
 * while the other is empty), uniformly with replacement.
 */
export class ReplayBuffer {
  private readonly offline: Store;
  private readonly online: Store;
  private readonly rs: RandomState;
  readonly offlineRatio: number;

  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    o: { capacity: number; seed: number; offlineRatio?: number },
  ) {
    this.offline = new Store(obsDim, actDim, Number.POSITIVE_INFINITY);
    this.online = new Store(obsDim, actDim, o.capacity);
    this.rs = new RandomState(o.seed >>> 0);
    this.offlineRatio = o.offlineRatio ?? 0.5;
  }

  get offlineSize(): number {
    return this.offline.size;
  }

  get onlineSize(): number {
    return this.online.size;
  }

  /** Adds a dataset's rows; `demo`: all rows (true), none (false, the default) or a flag per row. */
  add(data: StepDataset, o: { online: boolean; demo?: boolean | Uint8Array }): void {
    if (data.obsDim !== this.obsDim || data.actDim !== this.actDim) {
      throw new Error(
        `ReplayBuffer: dataset is ${data.obsDim}/${data.actDim}-dim, buffer ${this.obsDim}/${this.actDim}`,
      );
    }
    const flags = o.demo instanceof Uint8Array ? o.demo : new Uint8Array(data.size).fill(o.demo ? 1 : 0);
    (o.online ? this.online : this.offline).add(data, flags);
  }

  /** A batch of `size` raw rows mixing offline and online data at `offlineRatio`. */
  sample(size: number): SACBatch {
    if (this.offline.size + this.online.size === 0) throw new Error("ReplayBuffer: sample from an empty buffer");
    const fromOffline =
      this.online.size === 0 ? size : this.offline.size === 0 ? 0 : Math.round(size * this.offlineRatio);
    const batch: SACBatch = {
      size,
      obs: new Float32Array(size * this.obsDim),
      act: new Float32Array(size * this.actDim),
      reward: new Float32Array(size),
      nextObs: new Float32Array(size * this.obsDim),
      done: new Float32Array(size),
      demo: new Float32Array(size),
    };
    if (fromOffline > 0) this.offline.copyInto(batch, sampleIndices(this.rs, this.offline.size, fromOffline), 0);
    if (size > fromOffline) {
      this.online.copyInto(batch, sampleIndices(this.rs, this.online.size, size - fromOffline), fromOffline);
    }
    return batch;
  }
}

export type SACOfflineOptions = TrainOptions<SACHyper> & {
  /** Which rows are demonstrations (the BC term applies to them): all (default), none, or a flag per row. */
  demo?: boolean | Uint8Array;
};

/**
 * SAC on a dataset alone (boxes from the data), to warm-start online RL: the result is the actor, plus `agent` (the
 * SAC with its critics and temperature) and `buffer` (holding the data as offline rows) to continue online.
 */
export async function trainSACOffline(
  data: StepDataset,
  opts: SACOfflineOptions,
): Promise<TrainResult & { agent: SAC; buffer: ReplayBuffer }> {
  await initTensorFlow();
  const H = resolveHyper(SAC_DEFAULTS, opts.hyper);
  const spaces = {
    observation: boxFromData(data.obs, data.obsDim, H.boxMargin),
    action: boxFromData(data.act, data.actDim, H.boxMargin),
  };
  const agent = new SAC(data.obsDim, data.actDim, H, opts.seed, spaces);
  const buffer = new ReplayBuffer(data.obsDim, data.actDim, { capacity: Math.max(1, data.size), seed: opts.seed + 1 });
  buffer.add(data, { online: false, demo: opts.demo ?? true });
  const loop = new TrainLoop("sac", opts, opts.steps ?? H.steps);
  const result = () => ({ ...agent.actorResult(loop.totals()), agent, buffer });
  let losses: SACLosses | undefined;
  while (!loop.done()) {
    losses = agent.update(buffer.sample(H.batchSize));
    loop.tick(H.batchSize);
    if (loop.step % H.progressEvery === 0) loop.report({ ...losses });
    await loop.checkpoint(result);
  }
  if (losses && loop.history.at(-1)?.step !== loop.step) loop.report({ ...losses });
  return result();
}
