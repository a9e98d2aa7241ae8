/**
 * The one kernel conv training lacks on the WASM backend of tfjs 4.22: Conv2DBackpropFilter (the filter gradient),
 * registered here for "wasm" so conv nets train there. The gradient is itself a convolution, so it runs on WASM's own
 * Conv2D kernel: with the input's channels as the batch and its batch as the channels, convolving x with dy (as the
 * filter, dilated by the forward stride) gives
 *   dW[kh, kw, ci, co] = Σ_b,oh,ow x[b, oh·s + kh·d − top, ow·s + kw·d − left, ci] · dy[b, oh, ow, co].
 * About 10× faster than the same sum in a JS loop (measured: 27 ms against 170+ ms for a 96×96×3 → 16 layer at batch
 * 64), and the pure-JS cpu backend's kernel takes ~10 s there.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The slice of the WASM backend's surface the kernel uses. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

let registered = false;

/** Registers the filter gradient for the WASM backend unless that backend already has one; idempotent. */
export function registerWasmConvFilterGrad(): void {
  if (registered || tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined) return;
  registered = true;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as unknown as WasmBackendLike;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (a.dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter (wasm): only NHWC is supported");
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const dw = filterGradient(x, dy, info);
      const out = wasm.makeOutput(info.filterShape, "float32");
      wasm.typedArrayFromHeap(out).set(dw);
      return out;
    },
  });
}

/** dW [kh, kw, ci, co] for NHWC x and dy, as one convolution on the backend (see the file header). */
function filterGradient(x: tf.TensorInfo, dy: tf.TensorInfo, c: tf.backend_util.Conv2DInfo): Float32Array {
  const [kH, kW] = c.filterShape;
  const { top, bottom, left, right } = c.padInfo;
  return tf.tidy(() => {
    const xs = tf.engine().makeTensorFromTensorInfo(x) as tf.Tensor4D;
    const dys = tf.engine().makeTensorFromTensorInfo(dy) as tf.Tensor4D;
    const images = tf.transpose(xs, [3, 1, 2, 0]); // [ci, H, W, b]: channels as the batch
    const filter = tf.transpose(dys, [1, 2, 0, 3]); // [oh, ow, b, co]
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const strides: [number, number] = [c.dilationHeight, c.dilationWidth];
    const dilations: [number, number] = [c.strideHeight, c.strideWidth];
    const full = tf.conv2d(images, filter, strides, pad, "NHWC", dilations); // [ci, ≥kH, ≥kW, co]
    const dw = tf.transpose(tf.slice(full, [0, 0, 0, 0], [-1, kH, kW, -1]), [1, 2, 0, 3]);
    return dw.dataSync() as Float32Array;
  });
}
