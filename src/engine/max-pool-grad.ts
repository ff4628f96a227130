/**
 * MaxPoolGrad for wasm (native/kernels.c, four channels at a time): each output's gradient goes to the
 * first maximum of its window in row-major order (padding excluded), as tfjs's cpu kernel does. wasm's
 * own kernel took about a quarter of a simple CNN's training step (engine-notes.md).
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels } from './native-kernels.ts';

export const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const wasm = backend as BackendWasm;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const out = wasm.makeOutput(input.shape, 'float32');
  nativeKernels(wasm).max_pool_grad(
    heapOffset(wasm, input), heapOffset(wasm, dy), heapOffset(wasm, out),
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return out;
};
