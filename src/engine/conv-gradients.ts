/**
 * Conv2D's two gradients on wasm, each one forward Conv2D (XNNPACK) plus cheap reshuffles.
 *
 * Shapes (NHWC): x [N, H, W, Ci], filter [kh, kw, Ci, Co], dy [N, Ho, Wo, Co].
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { assertChannelsLast, correlate, dyCorrelationPadding, xCorrelationPadding, zeroDilate } from './conv-parts.ts';
import { composeKernels } from './kernel-scope.ts';

/**
 * dx = dy, zero-dilated by the stride, correlated with the filter flipped in both spatial axes and with
 * its in/out channels swapped. About 10x faster than wasm's own Conv2DBackpropInput (engine-notes.md).
 */
export const conv2DBackpropInput: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  assertChannelsLast('Conv2DBackpropInput', dataFormat);
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return composeKernels(backend, 'wasm', (k) => {
    const spread = zeroDilate(k, dy, info.strideHeight, info.strideWidth);
    const flipped = k.transpose(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    return correlate(k, 'Conv2D', spread, flipped, dyCorrelationPadding(info, spread.shape[1], spread.shape[2]), [1, 1]);
  });
};

/**
 * dW[a, b, ci, co] = sum over n, i, j of x[n, i*s + a - top, j*s + b - left, ci] * dy[n, i, j, co]: a
 * correlation of x with dy over the batch and the image, written as one forward Conv2D in which one of
 * the two plays the filter. XNNPACK repacks a filter on every call, at a cost that grows with its size,
 * so for stride 1 x is the filter (it is the smaller of the two in a widening convnet); for strided
 * layers dy is (with x as the filter, dy would need zero-dilating: s^2 times the work).
 */
export const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return composeKernels(backend, 'wasm', (k) => {
    if (info.strideHeight === 1 && info.strideWidth === 1) {
      // Batch: dy's channels; input channels: the images; filter: x. Output [Co, kh, kw, Ci], flipped in
      // both spatial axes (output row p is filter row kh - 1 - p).
      const dyChannelsAsBatch = k.transpose(dy, [3, 1, 2, 0]);
      const xAsFilter = k.transpose(x, [1, 2, 0, 3]);
      const grad = correlate(k, 'Conv2D', dyChannelsAsBatch, xAsFilter, dyCorrelationPadding(info, info.outHeight, info.outWidth), [1, 1]);
      return k.transpose(k.run('Reverse', { x: grad }, { dims: [1, 2] }), [1, 2, 3, 0]);
    }
    // Batch: x's channels; input channels: the images; filter: dy, dilated by the stride. Output [Ci, kh, kw, Co].
    const xChannelsAsBatch = k.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = k.transpose(dy, [1, 2, 0, 3]);
    const grad = correlate(k, 'Conv2D', xChannelsAsBatch, dyAsFilter, xCorrelationPadding(info), [info.strideHeight, info.strideWidth]);
    return k.transpose(grad, [1, 2, 0, 3]);
  });
};
