/**
 * The two inference backends behind the `nn` tool set, as one small interface: load a model from bytes, describe its
 * inputs and outputs, run it on named float32 tensors, free it.
 *
 *   onnx  onnxruntime-node (its CPU build ships inside the package; package.json allowScripts denies its install-time download)
 *   tfjs  a TensorFlow.js layers model (model.json + weights.bin) on tfjs-core's WASM backend
 *
 * Both load lazily (a policy that uses only ONNX never loads TensorFlow.js). These functions are asynchronous; the
 * inference worker (worker.ts) runs them off the policy's thread so that the sandbox can call them synchronously.
 */
import { createRequire } from "node:module";
import path from "node:path";

/** A tensor crossing the worker boundary: row-major float32 data and its shape. */
export interface FloatTensor {
  data: Float32Array;
  shape: number[];
}

/** One input or output of a model; -1 marks a dimension the model leaves open (usually the batch). */
export interface TensorInfo {
  name: string;
  shape: number[];
}

export interface ModelInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** The model bytes a policy hands to `nn.load`. */
export type ModelSource =
  | { format: "onnx"; bytes: Uint8Array }
  | { format: "tfjs"; modelJson: TfjsModelJson; weights: Uint8Array };

/** The parts of a TensorFlow.js model.json that loading needs (the standard file written by `model.save`). */
export interface TfjsModelJson {
  modelTopology: object;
  weightsManifest: { paths?: string[]; weights: TfjsWeightSpec[] }[];
}
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: "float32" | "int32" | "bool" | "string" | "complex64";
}

export interface LoadedModel {
  readonly info: ModelInfo;
  /** Runs the model on every input by name; answers every output by name, in the model's output order. */
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
  dispose(): Promise<void>;
}

/** Loads a model; throws an Error saying which format did not load and why. */
export async function loadModel(source: ModelSource): Promise<LoadedModel> {
  return source.format === "onnx" ? loadOnnx(source.bytes) : loadTfjs(source.modelJson, source.weights);
}

// ---- ONNX -----------------------------------------------------------------------------------------------------------

async function loadOnnx(bytes: Uint8Array): Promise<LoadedModel> {
  const ort = await import("onnxruntime-node");
  let session: import("onnxruntime-node").InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "all", intraOpNumThreads: 1 });
  } catch (err) {
    throw new Error(`the ONNX model (${bytes.byteLength} bytes) does not load in onnxruntime: ${message(err)}`);
  }
  const describe = (meta: readonly import("onnxruntime-node").InferenceSession.ValueMetadata[]): TensorInfo[] =>
    meta.map((m) => ({
      name: m.name,
      shape: m.isTensor ? m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) : [],
    }));
  const info: ModelInfo = { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) };
  return {
    info,
    async run(feeds) {
      const tensors: Record<string, import("onnxruntime-node").Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor("float32", t.data, t.shape);
      const results = await session.run(tensors);
      const out: Record<string, FloatTensor> = {};
      for (const { name } of info.outputs) {
        const r = results[name];
        out[name] = { data: Float32Array.from(r.data as ArrayLike<number>), shape: r.dims.map(Number) };
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}

// ---- TensorFlow.js --------------------------------------------------------------------------------------------------

type Tfjs = { tf: typeof import("@tensorflow/tfjs-core"); tfl: typeof import("@tensorflow/tfjs-layers") };
let tfjsReady: Promise<Tfjs> | undefined;

/** tfjs-core on the WASM backend, started once per thread; the .wasm files are read from the package's dist/. */
function tfjs(): Promise<Tfjs> {
  tfjsReady ??= (async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const tfl = await import("@tensorflow/tfjs-layers");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
    wasm.setWasmPaths(`${dir}${path.sep}dist${path.sep}`);
    tf.enableProdMode(); // no per-op correctness checks, and no "install tfjs-node" banner (it cannot install here)
    if (!(await tf.setBackend("wasm"))) throw new Error("TensorFlow.js's WASM backend did not start");
    await tf.ready();
    return { tf, tfl };
  })();
  return tfjsReady;
}

async function loadTfjs(modelJson: TfjsModelJson, weights: Uint8Array): Promise<LoadedModel> {
  const { tf, tfl } = await tfjs();
  if (typeof modelJson?.modelTopology !== "object" || !Array.isArray(modelJson.weightsManifest))
    throw new Error(
      "the TensorFlow.js model.json has no modelTopology or weightsManifest; pass the file model.save wrote",
    );
  const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const expected = weightSpecs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (expected !== weights.byteLength)
    throw new Error(
      `the TensorFlow.js weights are ${weights.byteLength} bytes but model.json describes ${expected} bytes ` +
        `(${weightSpecs.length} float32 tensors); are weights.bin and model.json from the same save?`,
    );
  let model: import("@tensorflow/tfjs-layers").LayersModel;
  try {
    const weightData = weights.slice().buffer as ArrayBuffer;
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }),
    );
  } catch (err) {
    throw new Error(`the TensorFlow.js model does not load: ${message(err)}`);
  }
  const shapeOf = (s: (number | null)[]) => s.map((d) => (typeof d === "number" && d >= 0 ? d : -1));
  // a Sequential model keeps its input and output names on an inner model: fall back to its tensors' layer names
  const named = (names: string[], tensors: { name: string }[]) =>
    names.length === tensors.length ? names : tensors.map((t) => t.name.split("/")[0]);
  const inputNames = named(model.inputNames, model.inputs);
  const outputNames = named(model.outputNames, model.outputs);
  const info: ModelInfo = {
    inputs: model.inputs.map((t, i) => ({ name: inputNames[i], shape: shapeOf(t.shape) })),
    outputs: model.outputs.map((t, i) => ({ name: outputNames[i], shape: shapeOf(t.shape) })),
  };
  return {
    info,
    async run(feeds) {
      const ys = tf.tidy(() => {
        const xs = info.inputs.map(({ name }) => tf.tensor(feeds[name].data, feeds[name].shape, "float32"));
        const y = model.predict(xs.length === 1 ? xs[0] : xs);
        return Array.isArray(y) ? y : [y];
      });
      const out: Record<string, FloatTensor> = {};
      for (const [i, { name }] of info.outputs.entries()) {
        out[name] = { data: (await ys[i].data()) as Float32Array, shape: ys[i].shape.slice() };
        ys[i].dispose();
      }
      return out;
    },
    async dispose() {
      model.dispose();
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
