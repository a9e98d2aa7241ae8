/**
 * Turns a trained network into an enpire policy folder that runs as it is (`enpire run --policy <dir>/policy.ts`):
 *
 *   policy.ts          generated, readable: imports the model files, normalises the observation, calls ctx.tools.nn,
 *                      un-normalises and clips the action, and samples around it when exploring
 *   model.onnx         (onnx) the model as given
 *   model.json         (tfjs) topology + weightsManifest, the standard TensorFlow.js file
 *   weights.bin        (tfjs) the weights, float32 little-endian, in weightsManifest order
 *   policy-meta.json   the conventions below (NeuralPolicyMeta), read by policy.ts and by people
 *
 * The model files are bundled into the policy (esbuild's binary loader), so the bundle's sha256 covers the weights.
 *
 * Conventions (the network's side of the contract):
 *   state   input: the observation vector as float32 [1, obsDim]; with observation.normalize { low, high } each dim
 *           maps from [low, high] to [-1, 1] ({ mean, std }: (x - mean) / std); without, it goes in raw
 *   pixels  first input: the 96×96 RGB camera image as float32 in [0, 1], NHWC [1, 96, 96, 3] (the observation's
 *           row-major uint8 bytes / 255); for "pixels_agent_pos" a second input: the agent position [1, 2],
 *           normalised like a state by observation.normalize. Inputs are matched by their order in the model.
 *   action  the first output's first actDim numbers are the action in [-1, 1]; they are clipped and mapped onto
 *           action { low, high } per dim. With stochastic.logStd "output" the output is [mean (actDim), logStd
 *           (actDim)]; with number[] the log standard deviation is fixed per dim. When exploring (explore: true) the
 *           action is clip(mean + exp(logStd) · ε, -1, 1), ε ~ N(0, 1) from the policy's own PRNG (seed; it advances
 *           across episodes, reset does not reseed); otherwise the policy acts on the mean.
 *   history (state only) the input is the last `history` normalised observations concatenated, oldest first; at an
 *           episode's start the first observation fills the places of those not seen yet.
 *   chunk   the first output holds `predict` actions of actDim numbers each (now, then the steps after); the policy
 *           takes the first `execute` of them, one per step, then asks the network again (reset drops the rest).
 */
import fs from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { NeuralPolicySpec } from "./spec.js";

const NumberArray = z.array(z.number());

/** policy-meta.json: the conventions the generated policy.ts applies; see the file header. */
export const NeuralPolicyMetaSchema = z.object({
  format: z.enum(["onnx", "tfjs"]),
  obsType: z.string(),
  observation: z.object({
    kind: z.enum(["state", "pixels"]),
    normalize: z
      .union([z.object({ low: NumberArray, high: NumberArray }), z.object({ mean: NumberArray, std: NumberArray })])
      .optional(),
  }),
  action: z.object({ low: NumberArray, high: NumberArray }),
  stochastic: z.object({ logStd: z.union([z.literal("output"), NumberArray]) }).optional(),
  explore: z.boolean().optional(),
  seed: z.number().int().optional(),
  history: z.number().int().positive().optional(), // state observations stacked, oldest first (default 1)
  chunk: z.object({ predict: z.number().int().positive(), execute: z.number().int().positive() }).optional(),
  inputName: z.string().optional(), // onnx: the state input's name, when the model has several
  outputName: z.string().optional(), // onnx: the output that holds the action, the first by default
  createdBy: z.object({ algorithm: z.string(), job: z.string().optional(), data: z.string().optional() }),
  files: z.array(z.string()),
});
export type NeuralPolicyMeta = z.infer<typeof NeuralPolicyMetaSchema>;

/**
 * Writes a policy folder for a trained network (see the file header for its files and conventions). The folder is
 * created when missing; files of the same names are replaced.
 * @example
 * const { policyFile } = await writeNeuralPolicy("policies/bc-1", {
 *   format: "onnx", bytes, obsType: "state", observation: { kind: "state", normalize: { low, high } },
 *   action: { low: [0, 0], high: [512, 512] }, createdBy: { algorithm: "bc" },
 * });
 */
export async function writeNeuralPolicy(
  dir: string,
  spec: NeuralPolicySpec,
): Promise<{ policyFile: string; files: string[] }> {
  checkSpec(spec);
  await fs.mkdir(dir, { recursive: true });
  const modelFiles: Record<string, Uint8Array | string> =
    spec.format === "onnx" ? { "model.onnx": spec.bytes } : await saveTfjs(spec.model);
  const meta: NeuralPolicyMeta = {
    format: spec.format,
    obsType: spec.obsType,
    observation: spec.observation,
    action: spec.action,
    ...(spec.stochastic ? { stochastic: spec.stochastic } : {}),
    ...(spec.explore !== undefined ? { explore: spec.explore } : {}),
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(spec.history && spec.history > 1 ? { history: spec.history } : {}),
    ...(spec.chunk && spec.chunk.predict > 1 ? { chunk: spec.chunk } : {}),
    ...(spec.format === "onnx" && spec.inputName ? { inputName: spec.inputName } : {}),
    ...(spec.format === "onnx" && spec.outputName ? { outputName: spec.outputName } : {}),
    createdBy: spec.createdBy,
    files: Object.keys(modelFiles),
  };
  const files: Record<string, Uint8Array | string> = {
    ...modelFiles,
    "policy-meta.json": `${JSON.stringify(NeuralPolicyMetaSchema.parse(meta), null, 2)}\n`,
    "policy.ts": policySource(meta),
  };
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
  return { policyFile: path.join(dir, "policy.ts"), files: Object.keys(files).map((f) => path.join(dir, f)) };
}

function checkSpec(spec: NeuralPolicySpec): void {
  const { low, high } = spec.action;
  if (low.length === 0 || low.length !== high.length)
    throw new Error(
      `writeNeuralPolicy: action.low and action.high must have the same length > 0, got ${low.length} and ${high.length}`,
    );
  const n = spec.observation.normalize;
  if (n && n.low.length !== n.high.length)
    throw new Error(
      `writeNeuralPolicy: observation.normalize low and high differ in length (${n.low.length}, ${n.high.length})`,
    );
  if (spec.observation.kind === "pixels" && !spec.obsType.startsWith("pixels"))
    throw new Error(`writeNeuralPolicy: observation kind "pixels" needs a pixels obsType, got "${spec.obsType}"`);
  const ls = spec.stochastic?.logStd;
  if (Array.isArray(ls) && ls.length !== low.length)
    throw new Error(`writeNeuralPolicy: stochastic.logStd has ${ls.length} values for ${low.length} action dims`);
  if (spec.history !== undefined && (!Number.isInteger(spec.history) || spec.history < 1))
    throw new Error(`writeNeuralPolicy: history must be a whole number >= 1, got ${spec.history}`);
  if (spec.history && spec.history > 1 && spec.observation.kind !== "state")
    throw new Error("writeNeuralPolicy: history stacks state observations; pixels policies take one frame");
  const chunk = spec.chunk;
  if (
    chunk &&
    !(
      Number.isInteger(chunk.predict) &&
      Number.isInteger(chunk.execute) &&
      chunk.execute >= 1 &&
      chunk.execute <= chunk.predict
    )
  )
    throw new Error(
      `writeNeuralPolicy: chunk needs whole numbers 1 <= execute <= predict, got predict ${chunk.predict}, execute ${chunk.execute}`,
    );
  if (chunk && chunk.predict > 1 && spec.stochastic)
    throw new Error("writeNeuralPolicy: action chunks are for deterministic policies; drop stochastic or chunk");
  if (spec.explore && !spec.stochastic)
    throw new Error("writeNeuralPolicy: explore needs stochastic.logStd (the spread to sample with)");
}

/** model.json + weights.bin, as TensorFlow.js's own file save would write them (weights in one file). */
async function saveTfjs(
  model: import("@tensorflow/tfjs-layers").LayersModel,
): Promise<Record<string, Uint8Array | string>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs)
    throw new Error("writeNeuralPolicy: the tfjs model saved no topology or weights");
  const parts =
    artifacts.weightData === undefined
      ? []
      : Array.isArray(artifacts.weightData)
        ? artifacts.weightData
        : [artifacts.weightData];
  const weights = Buffer.concat(parts.map((p) => new Uint8Array(p)));
  const modelJson = {
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: "enpire writeNeuralPolicy",
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
  };
  return { "model.json": `${JSON.stringify(modelJson)}\n`, "weights.bin": new Uint8Array(weights) };
}

/** The generated policy.ts: the same readable code for every network, with its header filled in from the meta. */
function policySource(meta: NeuralPolicyMeta): string {
  const by = meta.createdBy;
  const origin = [by.algorithm, by.job ? `job ${by.job}` : "", by.data ? `data ${by.data}` : ""]
    .filter(Boolean)
    .join(", ");
  const input =
    meta.observation.kind === "state"
      ? `the ${meta.obsType} vector${meta.observation.normalize ? ", normalised to [-1, 1]" : " as it is"}`
      : `the 96×96 RGB image in [0, 1] (NHWC)${meta.obsType === "pixels_agent_pos" ? ", then the agent position" : ""}`;
  const imports =
    meta.format === "onnx"
      ? 'import model from "./model.onnx";'
      : 'import modelJson from "./model.json";\nimport weights from "./weights.bin";';
  const load = meta.format === "onnx" ? '{ format: "onnx", bytes: model }' : '{ format: "tfjs", modelJson, weights }';
  return `/**
 * A neural policy, generated by enpire's writeNeuralPolicy (src/policy/neural/write-policy.ts) from ${origin}.
 * Network: ${meta.format === "onnx" ? "model.onnx (ONNX)" : "model.json + weights.bin (TensorFlow.js)"}, run on the host by the nn tool set (ctx.tools.nn).
 * Input: ${input}${meta.history ? ` (the last ${meta.history}, oldest first)` : ""}. Output: ${meta.chunk ? `${meta.chunk.predict} actions in [-1, 1], of which it takes ${meta.chunk.execute} before asking again; each` : "the action in [-1, 1],"} clipped and mapped onto the action box.
 * ${meta.stochastic ? `Stochastic: ${meta.explore ? "samples around the mean (exploration), seeded from policy-meta.json" : "acts on the mean (explore is off)"}.` : "Deterministic."}
 * Conventions and numbers: policy-meta.json. This is an ordinary enpire policy: edit it like any other.
 */
import meta from "./policy-meta.json";
${imports}

type Tensor = { data: Float32Array; shape: number[] };
interface Nn {
  load(model: unknown): { id: number; inputs: { name: string; shape: number[] }[]; outputs: { name: string; shape: number[] }[] };
  runAll(id: number, inputs: Record<string, Tensor>): Record<string, Tensor>;
}
type Normalize = { low: number[]; high: number[] } | { mean: number[]; std: number[] };
type Observation = number[] | Uint8Array | { pixels: Uint8Array; agent_pos: number[] };

export default function createPolicy(ctx: { tools?: { nn?: Nn } }) {
  const nn = ctx.tools?.nn;
  if (!nn) throw new Error("this neural policy needs the host's nn tool set (ctx.tools.nn); load it with enpire's neural tools");
  const net = nn.load(${load});
  const normalize = meta.observation.normalize as Normalize | undefined;
  const { low, high } = meta.action;
  const actDim = low.length;
  const stochastic = meta.stochastic as { logStd: "output" | number[] } | undefined;
  const explore = stochastic !== undefined && meta.explore === true;
  const stateInput = (meta as { inputName?: string }).inputName ?? net.inputs[0].name;
  const outputName = (meta as { outputName?: string }).outputName ?? net.outputs[0].name;
  const random = mulberry32((meta as { seed?: number }).seed ?? 0); // advances across episodes; reset does not reseed
  const history = (meta as { history?: number }).history ?? 1; // state observations stacked, oldest first
  const chunk = (meta as { chunk?: { predict: number; execute: number } }).chunk ?? { predict: 1, execute: 1 };
  let past: Float32Array[] = []; // this episode's last normalised states, oldest first
  let planned: number[][] = []; // actions of the current chunk still to take

  /** Keeps the episode's last \`history\` normalised states (state policies); the first stands in for unseen ones. */
  function remember(observation: Observation): void {
    if (meta.observation.kind !== "state") return;
    const now = scale(observation as number[]);
    past = past.length === 0 ? Array.from({ length: history }, () => now) : [...past.slice(1), now];
  }

  /** The network's inputs by name: see the conventions in src/policy/neural/write-policy.ts. */
  function inputs(observation: Observation): Record<string, Tensor> {
    if (meta.observation.kind === "state") {
      const width = past[0].length;
      const x = new Float32Array(history * width);
      past.forEach((frame, i) => x.set(frame, i * width));
      return { [stateInput]: { data: x, shape: fit(net.inputs[0].shape, x.length) } };
    }
    const dict = observation instanceof Uint8Array ? { pixels: observation } : (observation as { pixels: Uint8Array; agent_pos?: number[] });
    const image = new Float32Array(dict.pixels.length);
    for (let i = 0; i < image.length; i++) image[i] = dict.pixels[i] / 255;
    const feeds: Record<string, Tensor> = { [net.inputs[0].name]: { data: image, shape: fit(net.inputs[0].shape, image.length) } };
    if (net.inputs.length > 1 && dict.agent_pos) {
      const pos = scale(dict.agent_pos);
      feeds[net.inputs[1].name] = { data: pos, shape: fit(net.inputs[1].shape, pos.length) };
    }
    return feeds;
  }

  function scale(values: ArrayLike<number>): Float32Array {
    const x = Float32Array.from(values);
    if (!normalize) return x;
    for (let i = 0; i < x.length; i++) {
      if ("low" in normalize) {
        const span = normalize.high[i] - normalize.low[i];
        x[i] = span === 0 ? 0 : (2 * (x[i] - normalize.low[i])) / span - 1;
      } else x[i] = (x[i] - normalize.mean[i]) / (normalize.std[i] || 1);
    }
    return x;
  }

  /** Standard normal draws from the seeded generator (Box–Muller). */
  function gaussian(): number {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }

  /** The k-th action of the network's output, clipped to [-1, 1] and mapped onto the action box. */
  function decode(out: Float32Array, k: number): number[] {
    const action: number[] = [];
    for (let i = 0; i < actDim; i++) {
      let a = out[k * actDim + i];
      if (explore && stochastic) {
        const logStd = stochastic.logStd === "output" ? out[actDim + i] : stochastic.logStd[i];
        a += Math.exp(logStd) * gaussian();
      }
      a = Math.min(1, Math.max(-1, a));
      action.push(low[i] + ((a + 1) / 2) * (high[i] - low[i]));
    }
    return action;
  }

  return {
    reset() {
      past = [];
      planned = [];
    },
    act(observation: Observation): number[] {
      remember(observation); // every step, also those that take a planned action
      if (planned.length === 0) {
        const out = nn.runAll(net.id, inputs(observation))[outputName].data;
        for (let k = 0; k < chunk.execute; k++) planned.push(decode(out, k));
      }
      return planned.shift() as number[];
    },
  };
}

/** The model's shape with its open (-1) dimension sized to fit n numbers: [-1, 5] and 5 → [1, 5]. */
function fit(shape: number[], n: number): number[] {
  const fixed = shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
  let open = true;
  return shape.map((d) => (d >= 0 ? d : open ? ((open = false), n / fixed) : 1));
}

/** A small seeded PRNG: uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
`;
}
