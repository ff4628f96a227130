/**
 * Conv2D's two gradients on wasm, each one forward Conv2D (XNNPACK) plus cheap reshuffles.
 *
 * Shapes (NHWC): x [N, H, W, Ci], filter [kh, kw, Ci, Co], dy [N, Ho, Wo, Co].
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { assertChannelsLast, backpropFilterPadding, backpropInputPadding, correlate, zeroDilate } from './conv-parts.ts';
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
    return correlate(k, 'Conv2D', spread, flipped, backpropInputPadding(info, spread.shape[1], spread.shape[2]), [1, 1]);
  });
};

/**
 * dW[a, b, ci, co] = sum over n, i, j of x[n, i*s + a - top, j*s + b - left, ci] * dy[n, i, j, co]: a Conv2D
 * whose batch is x's channels, whose input channels are x's batch, and whose filter is dy, dilated by the
 * forward stride. Output [Ci, kh, kw, Co], transposed to the filter's layout.
 */
export const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  assertChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return composeKernels(backend, 'wasm', (k) => {
    const channelsAsBatch = k.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = k.transpose(dy, [1, 2, 0, 3]);
    const grad = correlate(k, 'Conv2D', channelsAsBatch, dyAsFilter, backpropFilterPadding(info), [info.strideHeight, info.strideWidth]);
    return k.transpose(grad, [1, 2, 0, 3]);
  });
};
