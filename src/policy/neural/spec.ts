/**
 * What a trainer hands to writeNeuralPolicy (write-policy.ts) to turn a trained network into an enpire policy folder:
 * the model (a TensorFlow.js layers model, or ONNX bytes trained anywhere), how observations are normalised before the
 * network sees them, how its [-1, 1] outputs map onto the task's action box, and whether it samples (exploration
 * during online RL) or acts on the mean (evaluation).
 */
import type { LayersModel } from "@tensorflow/tfjs-layers";

/** The network and the conventions around it; see write-policy.ts for the input layout per observation kind. */
export type NeuralPolicySpec = (
  | { format: "tfjs"; model: LayersModel }
  | { format: "onnx"; bytes: Uint8Array; inputName?: string; outputName?: string }
) & {
  /** The task observation type the policy is for, e.g. "state", "pixels", "pixels_agent_pos". */
  obsType: string;
  /** "state": a flat vector, mapped from [low, high] to [-1, 1] per dim when normalize is given; "pixels": see write-policy.ts. */
  observation: { kind: "state" | "pixels"; normalize?: { low: number[]; high: number[] } };
  /** The network's output in [-1, 1] (clipped) is mapped onto this box, per dim. */
  action: { low: number[]; high: number[] };
  /** "output": the network outputs [mean (actDim), logStd (actDim)]; number[]: a fixed logStd per action dim. */
  stochastic?: { logStd: "output" | number[] };
  /** Sample around the mean (online RL collection); false or absent: act on the mean. */
  explore?: boolean;
  /** The exploration PRNG's seed (it advances over episodes; reset does not reseed). */
  seed?: number;
  /**
   * State observations stacked as the network's input, oldest first (default 1: the current one only). At an
   * episode's start the first observation stands in for the ones not seen yet.
   */
  history?: number;
  /**
   * Action chunking: the network outputs `predict` consecutive actions (predict × actDim numbers, the first for now);
   * the policy takes the first `execute` of them, one per step, before it asks the network again. Default: 1 and 1.
   */
  chunk?: { predict: number; execute: number };
  /** Who made it: the algorithm, and the training job and data set where known. */
  createdBy: { algorithm: string; job?: string; data?: string };
};
