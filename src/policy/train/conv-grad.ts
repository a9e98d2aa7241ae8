/**
 * The one kernel conv training lacks on the WASM backend of tfjs 4.22: Conv2DBackpropFilter (the filter gradient),
 * written here in plain JS and registered for "wasm", so conv nets train there (forward and input gradient stay in
 * WASM). The pure-JS cpu backend has the kernel but takes ~10 s per 96×96 layer and batch of 64; this one computes
 * dW[kh, kw, ci, co] = Σ_b,oh,ow x[b, oh·sh + kh·dh − top, ow·sw + kw·dw − left, ci] · dy[b, oh, ow, co] with the
 * output-channel loop innermost (contiguous in both dy and dW).
 */
import * as tf from "@tensorflow/tfjs-core";

/** The slice of the WASM backend's surface the kernel uses. */
interface WasmBackendLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

let registered = false;

/** Registers the JS filter gradient for the WASM backend unless that backend already has one; idempotent. */
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
      if (a.dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter (wasm, JS): only NHWC is supported");
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const xv = wasm.readSync(x.dataId) as Float32Array;
      const dyv = wasm.readSync(dy.dataId) as Float32Array;
      const dw = filterGradient(xv, dyv, info);
      const out = wasm.makeOutput(info.filterShape, "float32");
      wasm.typedArrayFromHeap(out).set(dw);
      return out;
    },
  });
}

/** dW for NHWC input and dy, filter [kh, kw, ci, co]; see the file header. */
function filterGradient(x: Float32Array, dy: Float32Array, c: tf.backend_util.Conv2DInfo): Float32Array {
  const [kH, kW, inC, outC] = c.filterShape;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = c;
  const { dilationHeight, dilationWidth } = c;
  const top = c.padInfo.top;
  const left = c.padInfo.left;
  const dw = new Float32Array(kH * kW * inC * outC);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outC;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inC;
            const wBase = (kh * kW + kw) * inC * outC;
            for (let ci = 0; ci < inC; ci++) {
              const xv = x[xBase + ci];
              if (xv === 0) continue; // relu outputs and padding are often 0
              const w0 = wBase + ci * outC;
              for (let co = 0; co < outC; co++) dw[w0 + co] += xv * dy[dyBase + co];
            }
          }
        }
      }
    }
  }
  return dw;
}
