/**
 * Writes multilayer perceptrons as ONNX models, so that an MLP trained in enpire (TensorFlow.js) can leave for
 * PyTorch/LeRobot-land, and so that tests can make "trained elsewhere" models with known weights.
 *
 *   mlpToOnnx(layers, { inputName, outputName })  dense layers → ONNX bytes: Gemm per layer, then Relu or Tanh
 *   tfjsDenseToOnnx(model)                         a tfjs Sequential of Dense layers → ONNX bytes
 *
 * The model: input [N, inDim] float32 (N open), output [N, outDim]; IR version 8, opset 17 (Gemm-13, Relu-14,
 * Tanh-13), weights as initializers in raw little-endian float32. Weights are row-major [inDim, outDim] (y = x·W + b,
 * TensorFlow's kernel layout; a PyTorch nn.Linear weight is [outDim, inDim]: transpose it first).
 *
 * The protobuf schema below holds only the messages and fields written here, with the field numbers of the ONNX
 * spec's onnx/onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto); protobufjs encodes it.
 */
import type { LayersModel } from "@tensorflow/tfjs-layers";
import protobuf from "protobufjs";

/** One dense layer: y = activation(x · weights + bias), weights row-major [inDim, outDim]. */
export interface DenseLayer {
  weights: Float32Array;
  bias: Float32Array;
  inDim: number;
  outDim: number;
  activation: "relu" | "tanh" | "linear";
}

export const onnxExportDefaults = {
  irVersion: 8, // ONNX IR version 8 (ONNX 1.10+); onnxruntime 1.10+ and PyTorch's onnx tooling read it
  opset: 17, // the default domain's operator set: Gemm-13, Relu-14, Tanh-13
  producer: "enpire", // ModelProto.producer_name
};

const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional AttributeType type = 20;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  enum DataType { UNDEFINED = 0; FLOAT = 1; }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT
let modelType: protobuf.Type | undefined;

/**
 * An ONNX model of an MLP: Gemm for every layer, followed by Relu or Tanh where the layer has one.
 * @example
 * const bytes = mlpToOnnx([{ weights, bias, inDim: 5, outDim: 2, activation: "tanh" }], { inputName: "obs", outputName: "action" });
 */
export function mlpToOnnx(
  layers: readonly DenseLayer[],
  opts: { inputName: string; outputName: string; docString?: string },
): Uint8Array {
  if (layers.length === 0) throw new Error("mlpToOnnx: an MLP needs at least one layer");
  for (const [i, l] of layers.entries()) {
    if (l.weights.length !== l.inDim * l.outDim)
      throw new Error(
        `mlpToOnnx: layer ${i} has ${l.weights.length} weights but inDim × outDim = ${l.inDim} × ${l.outDim} = ${l.inDim * l.outDim}`,
      );
    if (l.bias.length !== l.outDim)
      throw new Error(`mlpToOnnx: layer ${i} has ${l.bias.length} biases but outDim = ${l.outDim}`);
    if (i > 0 && l.inDim !== layers[i - 1].outDim)
      throw new Error(`mlpToOnnx: layer ${i} takes ${l.inDim} inputs but layer ${i - 1} gives ${layers[i - 1].outDim}`);
    if (!["relu", "tanh", "linear"].includes(l.activation))
      throw new Error(`mlpToOnnx: layer ${i} has activation "${l.activation}"; use relu, tanh or linear`);
  }
  const nodes: object[] = [];
  const initializers: object[] = [];
  let current = opts.inputName;
  for (const [i, l] of layers.entries()) {
    const last = i === layers.length - 1;
    const gemmOut = last && l.activation === "linear" ? opts.outputName : `dense${i}_linear`;
    initializers.push(floatTensor(`dense${i}_W`, [l.inDim, l.outDim], l.weights));
    initializers.push(floatTensor(`dense${i}_b`, [l.outDim], l.bias));
    nodes.push({
      op_type: "Gemm",
      name: `dense${i}`,
      input: [current, `dense${i}_W`, `dense${i}_b`],
      output: [gemmOut],
      attribute: [
        { name: "transA", i: 0, type: ATTRIBUTE_INT },
        { name: "transB", i: 0, type: ATTRIBUTE_INT },
      ],
    });
    current = gemmOut;
    if (l.activation !== "linear") {
      const actOut = last ? opts.outputName : `dense${i}_${l.activation}`;
      nodes.push({
        op_type: l.activation === "relu" ? "Relu" : "Tanh",
        name: `dense${i}_${l.activation}`,
        input: [current],
        output: [actOut],
      });
      current = actOut;
    }
  }
  const model = {
    ir_version: onnxExportDefaults.irVersion,
    producer_name: onnxExportDefaults.producer,
    doc_string: opts.docString ?? "",
    opset_import: [{ domain: "", version: onnxExportDefaults.opset }],
    graph: {
      name: "mlp",
      node: nodes,
      initializer: initializers,
      input: [valueInfo(opts.inputName, layers[0].inDim)],
      output: [valueInfo(opts.outputName, layers[layers.length - 1].outDim)],
    },
  };
  const type = onnxModelType();
  const err = type.verify(model);
  if (err) throw new Error(`mlpToOnnx: the model does not fit the ONNX schema: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

/**
 * A TensorFlow.js Sequential model of Dense layers (relu, tanh or linear activations) as ONNX bytes, with the same
 * outputs as the model to float32 rounding. Input and output names default to "obs" and "action".
 * @example const bytes = tfjsDenseToOnnx(model); await fs.writeFile("policy.onnx", bytes);
 */
export function tfjsDenseToOnnx(
  model: LayersModel,
  names: { inputName?: string; outputName?: string } = {},
): Uint8Array {
  const layers: DenseLayer[] = [];
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === "InputLayer") continue;
    if (kind !== "Dense")
      throw new Error(`tfjsDenseToOnnx: layer "${layer.name}" is a ${kind}; only Dense layers (an MLP) are exported`);
    const config = layer.getConfig() as { activation?: string; useBias?: boolean };
    const activation = config.activation ?? "linear";
    if (activation !== "relu" && activation !== "tanh" && activation !== "linear")
      throw new Error(`tfjsDenseToOnnx: layer "${layer.name}" uses activation "${activation}"; relu, tanh or linear`);
    const [kernel, bias] = layer.getWeights();
    const [inDim, outDim] = kernel.shape as [number, number];
    layers.push({
      weights: kernel.dataSync() as Float32Array,
      bias: bias ? (bias.dataSync() as Float32Array) : new Float32Array(outDim),
      inDim,
      outDim,
      activation,
    });
  }
  return mlpToOnnx(layers, {
    inputName: names.inputName ?? "obs",
    outputName: names.outputName ?? "action",
    docString: `exported by enpire from TensorFlow.js model "${model.name}"`,
  });
}

function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelType;
}

function floatTensor(name: string, dims: number[], data: Float32Array): object {
  // raw_data is little-endian float32; copy, so the caller's array may be a view on a larger buffer
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims, data_type: FLOAT, raw_data: raw };
}

function valueInfo(name: string, width: number): object {
  return {
    name,
    type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: "N" }, { dim_value: width }] } } },
  };
}
