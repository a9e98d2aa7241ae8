/**
 * The `nn` tool set: neural-network inference for sandboxed policies, as `ctx.tools.nn.<name>(...)`.
 *
 *   const net = ctx.tools.nn.load({ format: "onnx", bytes: model });   // in createPolicy: once per loaded policy
 *   const y = ctx.tools.nn.run(net.id, [ax, ay, bx, by, angle]);         // in act: Float32Array, the first output
 *
 * The model bytes come from the policy's own bundle (`import model from "./model.onnx"`), so the bundle's sha256
 * covers the weights; inference runs on the host, in this thread's inference worker (inference.ts), and the
 * policy waits for it synchronously. Each tool set owns the models it loaded: another policy cannot use them, and
 * close() frees them. Arguments are checked where they enter, and errors name the model, the input and the shape.
 */
import { z } from "zod";
import type { ToolHost, ToolSet } from "../tools.js";
import type { FloatTensor, ModelInfo, ModelSource, TensorInfo, TfjsModelJson } from "./backends.js";
import { inferenceCall } from "./inference.js";

/** What `nn.load` answers: the model's id for run/runAll, and its inputs and outputs (-1: an open dimension). */
export interface LoadedModelInfo extends ModelInfo {
  id: number;
}

const bytesSchema = z.custom<ArrayBufferView>((v) => ArrayBuffer.isView(v), "expected a Uint8Array of the model file");
const LoadArgSchema = z.discriminatedUnion("format", [
  z.object({ format: z.literal("onnx"), bytes: bytesSchema }),
  z.object({
    format: z.literal("tfjs"),
    modelJson: z.object({
      modelTopology: z.record(z.string(), z.unknown()),
      weightsManifest: z.array(
        z.object({
          paths: z.array(z.string()).optional(),
          weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() })),
        }),
      ),
    }),
    weights: bytesSchema,
  }),
]);

/**
 * Makes the `nn` tool set for one sandboxed policy.
 * @example
 * const policy = await SandboxedPolicy.start(bundle, ctx, { tools: [neuralToolSet] });
 */
export function neuralToolSet(_host: ToolHost): ToolSet {
  const owned = new Map<number, ModelInfo>();

  const model = (fn: string, id: unknown): ModelInfo & { id: number } => {
    const info = typeof id === "number" ? owned.get(id) : undefined;
    if (!info) {
      const known = [...owned.keys()].join(", ") || "none: call nn.load first";
      throw new Error(`nn.${fn}: no model with id ${JSON.stringify(id)} was loaded by this policy (loaded: ${known})`);
    }
    return { ...info, id: id as number };
  };

  return {
    namespace: "nn",
    describe: {
      load:
        'load(model) → { id, inputs: [{ name, shape }], outputs: [{ name, shape }] }: model is { format: "onnx", bytes: Uint8Array } ' +
        'or { format: "tfjs", modelJson, weights: Uint8Array }; -1 in a shape is an open dimension (the batch). Call it in createPolicy.',
      run: "run(id, input: Float32Array | number[], shape?: number[]) → Float32Array: the first output for the first input; the shape defaults to the model's, with an open dimension sized to fit",
      runAll:
        "runAll(id, inputs: { [name]: { data: Float32Array | number[], shape?: number[] } }) → { [name]: { data: Float32Array, shape } }: every input by name, every output",
      free: "free(id) → true when the model was loaded and is now freed",
    },
    functions: {
      load(arg: unknown): LoadedModelInfo {
        const parsed = LoadArgSchema.safeParse(arg);
        if (!parsed.success)
          throw new Error(
            `nn.load: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}; pass { format: "onnx", bytes } or { format: "tfjs", modelJson, weights }`,
          );
        const a = parsed.data;
        const source: ModelSource =
          a.format === "onnx"
            ? { format: "onnx", bytes: asBytes(a.bytes) }
            : { format: "tfjs", modelJson: a.modelJson as TfjsModelJson, weights: asBytes(a.weights) };
        let reply: { id: number; info: ModelInfo };
        try {
          reply = inferenceCall({ op: "load", source });
        } catch (err) {
          throw new Error(`nn.load: ${errorMessage(err)}`);
        }
        owned.set(reply.id, reply.info);
        return { id: reply.id, ...reply.info };
      },
      run(id: unknown, input: unknown, shape?: unknown): Float32Array {
        const m = model("run", id);
        const first = m.inputs[0];
        if (m.inputs.length !== 1)
          throw new Error(
            `nn.run: model ${m.id} has ${m.inputs.length} inputs (${m.inputs.map((i) => i.name).join(", ")}); use nn.runAll with every input by name`,
          );
        const data = toFloat32(input, `nn.run: model ${m.id} input "${first.name}"`);
        const feeds = { [first.name]: { data, shape: fitShape(first, data.length, shape, `nn.run: model ${m.id}`) } };
        return runModel("run", m.id, feeds)[m.outputs[0].name].data;
      },
      runAll(id: unknown, inputs: unknown): Record<string, FloatTensor> {
        const m = model("runAll", id);
        if (typeof inputs !== "object" || inputs === null)
          throw new Error(`nn.runAll: inputs must be an object { [name]: { data, shape? } }, got ${typeof inputs}`);
        const given = inputs as Record<string, { data?: unknown; shape?: unknown } | undefined>;
        const names = m.inputs.map((i) => i.name);
        const extra = Object.keys(given).filter((k) => !names.includes(k));
        if (extra.length)
          throw new Error(
            `nn.runAll: model ${m.id} has no input ${extra.map((e) => `"${e}"`).join(", ")}; its inputs are ${names.join(", ")}`,
          );
        const feeds: Record<string, FloatTensor> = {};
        for (const info of m.inputs) {
          const t = given[info.name];
          if (!t)
            throw new Error(
              `nn.runAll: model ${m.id} needs input "${info.name}" (shape [${info.shape}]); given: ${Object.keys(given).join(", ") || "none"}`,
            );
          const data = toFloat32(t.data, `nn.runAll: model ${m.id} input "${info.name}"`);
          feeds[info.name] = { data, shape: fitShape(info, data.length, t.shape, `nn.runAll: model ${m.id}`) };
        }
        return runModel("runAll", m.id, feeds);
      },
      free(id: unknown): boolean {
        if (typeof id !== "number" || !owned.has(id)) return false;
        owned.delete(id);
        return inferenceCall({ op: "free", id }).freed;
      },
    },
    close() {
      for (const id of owned.keys()) inferenceCall({ op: "free", id });
      owned.clear();
    },
  };
}

function runModel(fn: string, id: number, feeds: Record<string, FloatTensor>): Record<string, FloatTensor> {
  try {
    return inferenceCall({ op: "run", id, feeds });
  } catch (err) {
    throw new Error(`nn.${fn}: model ${id} failed: ${errorMessage(err)}`);
  }
}

/**
 * The shape to feed: the one given (checked against the model's fixed dimensions), or the model's own with its open
 * dimension sized to fit the data (e.g. [-1, 5] with 5 numbers → [1, 5]).
 */
export function fitShape(info: TensorInfo, length: number, given: unknown, where: string): number[] {
  const expected = `input "${info.name}" expects shape [${info.shape.join(", ")}]`;
  if (given !== undefined) {
    if (!Array.isArray(given) || !given.every((d) => Number.isInteger(d) && d >= 0))
      throw new Error(
        `${where} ${expected}; the shape given must be an array of whole numbers, got ${JSON.stringify(given)}`,
      );
    const size = given.reduce((a: number, b: number) => a * b, 1);
    const fits = given.length === info.shape.length && info.shape.every((d, i) => d < 0 || d === given[i]);
    if (!fits || size !== length)
      throw new Error(`${where} ${expected}; got shape [${given.join(", ")}] with ${length} numbers`);
    return given as number[];
  }
  const fixed = info.shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
  const open = info.shape.filter((d) => d < 0).length;
  const perItem = `${fixed} number${fixed === 1 ? "" : "s"}`;
  if (open === 0) {
    if (length !== fixed) throw new Error(`${where} ${expected} (${perItem}), got ${length} numbers`);
    return info.shape.slice();
  }
  if (length === 0 || length % fixed !== 0)
    throw new Error(`${where} ${expected} (a multiple of ${perItem}), got ${length} numbers`);
  let first = true; // the first open dimension takes the rest; any other open one is 1
  return info.shape.map((d) => {
    if (d >= 0) return d;
    if (!first) return 1;
    first = false;
    return length / fixed;
  });
}

function toFloat32(v: unknown, what: string): Float32Array {
  let out: Float32Array;
  if (v instanceof Float32Array) out = v;
  else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)))
    out = Float32Array.from(v as ArrayLike<number>);
  else throw new Error(`${what} must be a Float32Array or number[], got ${v === null ? "null" : typeof v}`);
  for (let i = 0; i < out.length; i++)
    if (!Number.isFinite(out[i])) throw new Error(`${what}[${i}] is ${out[i]}; inputs must be finite numbers`);
  return out;
}

function asBytes(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
