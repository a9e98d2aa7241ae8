/**
 * Shared types of the training algorithms (bc.ts, td3bc.ts, sac.ts): the dataset they read, the options they take,
 * the progress they report and the result they hand back. A result carries everything `writeNeuralPolicy` needs to
 * turn the trained actor into a policy: the tfjs model, how observations are normalised, the action box and whether
 * the actor is stochastic.
 */
import type { LayersModel } from "@tensorflow/tfjs-layers";

/** Transitions in episode order, float32 rows; observations and actions in raw units (e.g. px and rad for Push-T). */
export interface StepDataset {
  obsDim: number;
  actDim: number;
  size: number;
  /** size × obsDim state observations, raw units. */
  obs: Float32Array;
  /** size × actDim actions, raw units. */
  act: Float32Array;
  /** size rewards. */
  reward: Float32Array;
  /** size × obsDim observations after each action. */
  nextObs: Float32Array;
  /** 1 where the episode terminated (no bootstrapping); 0 for time-limit ends and mid-episode rows. */
  done: Uint8Array;
  /** Index of each episode's first row. */
  episodeStarts: number[];
  /** size × size × 3 bytes per row (the observation's camera frame, RGB), for conv nets. */
  images?: { size: number; data: Uint8Array };
  /** The camera frame after each action, same layout as `images`. */
  nextImages?: { size: number; data: Uint8Array };
}

/** Normalisation box: raw value ↔ [-1, 1] per dimension (low ↦ -1, high ↦ 1). */
export interface Box {
  low: number[];
  high: number[];
}

/** One progress report of a training run. */
export interface TrainProgress {
  algorithm: string;
  /** Gradient steps so far (for actor-critic methods: critic updates). */
  step: number;
  /** Passes over the data so far (fractional not used; whole epochs completed). */
  epoch?: number;
  /** Samples consumed so far (steps × batch size). */
  samples: number;
  /** Throughput since the start of training. */
  samplesPerS: number;
  elapsedMs: number;
  /** Latest losses by name, e.g. { loss, valLoss } or { critic, actor, alpha }. */
  losses: Record<string, number>;
}

/** Options shared by all trainers; `H` is the trainer's hyperparameter object. */
export interface TrainOptions<H extends object = Record<string, unknown>> {
  /** Seeds weight initialisation and batch sampling: same seed and data → same result. */
  seed: number;
  /** Stop after this much wall-clock time (checked between steps). */
  budgetMs?: number;
  /** Stop after this many gradient steps (default: the trainer's own, e.g. epochs × batches for BC). */
  steps?: number;
  /** Overrides of the trainer's hyperparameters. */
  hyper?: Partial<H>;
  /** Called at each progress report. */
  onProgress?(p: TrainProgress): void;
  /** Called every `checkpointEvery` steps with the actor as it is then (the model is live: save it, don't keep it). */
  onCheckpoint?(result: TrainResult, step: number): Promise<void> | void;
  /** Steps between checkpoints (no checkpoints when unset). */
  checkpointEvery?: number;
  /** Stops training between steps; the result so far is returned. */
  signal?: AbortSignal;
}

/** A trained actor and everything needed to run it as a policy. */
export interface TrainResult {
  algorithm: "bc" | "td3bc" | "sac";
  /**
   * The actor: normalised observation → normalised action in [-1, 1]. For "pixels" the input is an image
   * [size, size, 3] with values in [0, 1]. For sac the output is [tanh(μ) (actDim), logStd (actDim)]: tanh is
   * already applied to the mean (act on it, in [-1, 1]); exploring, draw around it with std exp(logStd) and clip.
   */
  model: LayersModel;
  observation: { kind: "state" | "pixels"; normalize?: Box };
  action: Box;
  stochastic?: { logStd: "output" };
  /** State observations the model takes, stacked oldest first (bc; absent: 1). */
  obsHistory?: number;
  /** Actions the model outputs per call, and how many of them a policy takes before asking again (bc; absent: 1). */
  chunk?: { predict: number; execute: number };
  steps: number;
  samples: number;
  samplesPerS: number;
  elapsedMs: number;
  /** One entry per progress report. */
  history: TrainProgress[];
}
