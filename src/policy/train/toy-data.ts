/**
 * Small synthetic datasets for the trainers' tests and the throughput bench: a linear map of the state, a coloured
 * square in an image, a one-step (bandit) problem with a good and a bad action in the data, and a point moving at
 * its own speed per episode (for observation history and action chunks).
 */
import { RandomState } from "../../core/rng.js";
import type { StepDataset } from "./types.js";

/** Rows of one-step episodes (done = 1, nextObs = obs) from obs and act arrays. */
export function oneStepDataset(
  obsDim: number,
  actDim: number,
  obs: Float32Array,
  act: Float32Array,
  reward: Float32Array,
): StepDataset {
  const size = reward.length;
  return {
    obsDim,
    actDim,
    size,
    obs,
    act,
    reward,
    nextObs: obs.slice(),
    done: new Uint8Array(size).fill(1),
    episodeStarts: Array.from({ length: size }, (_, i) => i),
  };
}

/** State in raw units (0..100), action = a fixed linear map of it (about −100..200 units). */
export function linearDataset(size: number, seed: number): StepDataset {
  const rs = new RandomState(seed);
  const obsDim = 4;
  const obs = new Float32Array(size * obsDim);
  const act = new Float32Array(size * 2);
  for (let i = 0; i < size; i++) {
    for (let d = 0; d < obsDim; d++) obs[i * obsDim + d] = rs.randomSample() * 100;
    act[i * 2] = linearAction(obs, i)[0];
    act[i * 2 + 1] = linearAction(obs, i)[1];
  }
  const data = oneStepDataset(obsDim, 2, obs, act, new Float32Array(size));
  data.episodeStarts = Array.from({ length: Math.ceil(size / 50) }, (_, e) => e * 50); // episodes of 50 rows
  data.done.fill(0);
  return data;
}

/** The map linearDataset uses, for row i of obs. */
export function linearAction(obs: Float32Array, i: number): [number, number] {
  const o = obs.subarray(i * 4, i * 4 + 4);
  return [2 * o[0] - o[1], 0.5 * o[2] + o[3] - 20];
}

/** Images size × size with a red square (side size/6) on black at a random place; action = its centre in px. */
export function squareDataset(size: number, imageSize: number, seed: number): StepDataset {
  const rs = new RandomState(seed);
  const side = Math.max(2, Math.round(imageSize / 6));
  const data = new Uint8Array(size * imageSize * imageSize * 3);
  const act = new Float32Array(size * 2);
  for (let i = 0; i < size; i++) {
    const x0 = rs.randint(0, imageSize - side + 1);
    const y0 = rs.randint(0, imageSize - side + 1);
    for (let y = y0; y < y0 + side; y++) {
      for (let x = x0; x < x0 + side; x++) data[((i * imageSize + y) * imageSize + x) * 3] = 255;
    }
    act[i * 2] = x0 + side / 2;
    act[i * 2 + 1] = y0 + side / 2;
  }
  const out = oneStepDataset(1, 2, new Float32Array(size), act, new Float32Array(size));
  out.images = { size: imageSize, data };
  return out;
}

/**
 * A one-step problem on s ∈ [-1, 1]: reward = 1 − (a − s)², the best action a = s. Half the rows carry a good
 * action (s + small noise), half a bad one (s − 0.8 + small noise), so BC lands between them (about s − 0.4) while
 * an RL method should prefer the good ones.
 */
export function banditDataset(size: number, seed: number): StepDataset {
  const rs = new RandomState(seed);
  const obs = new Float32Array(size);
  const act = new Float32Array(size);
  const reward = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const s = rs.randomSample() * 2 - 1;
    const good = i % 2 === 0;
    const a = good ? s + 0.05 * rs.randn() : s - 0.8 + 0.05 * rs.randn();
    obs[i] = s;
    act[i] = a;
    reward[i] = banditReward(s, a);
  }
  return oneStepDataset(1, 1, obs, act, reward);
}

export function banditReward(s: number, a: number): number {
  return 1 - (a - s) ** 2;
}

/**
 * Episodes of a point moving at a constant speed of its own (−5..5 units per step) from a random start (0..100):
 * state = [position], action = the position it reaches next. One state cannot tell the speed; two in a row can.
 */
export function movingPointDataset(episodes: number, length: number, seed: number): StepDataset {
  const rs = new RandomState(seed);
  const size = episodes * length;
  const obs = new Float32Array(size);
  const act = new Float32Array(size);
  for (let e = 0; e < episodes; e++) {
    const start = rs.randomSample() * 100;
    const speed = (rs.randomSample() - 0.5) * 10;
    for (let t = 0; t < length; t++) {
      obs[e * length + t] = start + speed * t;
      act[e * length + t] = start + speed * (t + 1);
    }
  }
  const data = oneStepDataset(1, 1, obs, act, new Float32Array(size));
  data.episodeStarts = Array.from({ length: episodes }, (_, e) => e * length);
  data.done.fill(0);
  return data;
}
