/**
 * MaxPoolGrad for wasm in plain JavaScript over the backend's heap: each output's gradient goes to
 * the first maximum of its window in row-major order (padding excluded), as tfjs's cpu kernel does.
 * One pass over the outputs and their windows; wasm's own kernel took about a quarter of a simple
 * CNN's training step (engine-notes.md), this one a small fraction of that.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const wasm = backend as BackendWasm;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  // Allocate first: growing the wasm heap would detach views taken before.
  const out = wasm.makeOutput(input.shape, 'float32');
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const dyValues = wasm.typedArrayFromHeap(dy) as Float32Array;
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);

  const rowSize = inWidth * channels;
  const imageSize = inHeight * rowSize;
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    const image = n * imageSize;
    for (let r = 0; r < outHeight; r++) {
      const rStart = r * strideHeight - top;
      const rFrom = Math.max(0, rStart);
      const rTo = Math.min(inHeight, rStart + filterHeight);
      for (let c = 0; c < outWidth; c++) {
        const cStart = c * strideWidth - left;
        const cFrom = Math.max(0, cStart);
        const cTo = Math.min(inWidth, cStart + filterWidth);
        for (let ch = 0; ch < channels; ch++, o++) {
          let best = -Infinity;
          let at = -1;
          for (let xr = rFrom; xr < rTo; xr++) {
            for (let xc = cFrom, i = image + xr * rowSize + cFrom * channels + ch; xc < cTo; xc++, i += channels) {
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += dyValues[o];
        }
      }
    }
  }
  return out;
};
