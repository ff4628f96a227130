/**
 * DepthwiseConv2dNative's two gradients on wasm, which ships neither, each one forward depthwise
 * convolution (XNNPACK) plus reshuffles.
 *
 * Shapes (NHWC): x [N, H, W, C], filter [kh, kw, C, M] (M = channel multiplier), dy [N, Ho, Wo, C*M],
 * where output channel c*M + m comes from input channel c.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { assertNoDilation, correlate, dyCorrelationPadding, xCorrelationPadding, zeroDilate } from './conv-parts.ts';
import { composeKernels } from './kernel-scope.ts';

/**
 * Each of the C*M dy channels, zero-dilated by the stride, is correlated with its own flipped filter
 * slice (a depthwise convolution with multiplier 1); the M results of each input channel are summed.
 */
export const depthwiseConv2dNativeBackpropInput: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true);
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', info);
  const [kh, kw, c, m] = filter.shape;
  return composeKernels(backend, 'wasm', (k) => {
    const spread = zeroDilate(k, dy, info.strideHeight, info.strideWidth);
    const flipped = k.reshape(k.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const perOutputChannel = correlate(
      k, 'DepthwiseConv2dNative', spread, flipped, dyCorrelationPadding(info, spread.shape[1], spread.shape[2]), [1, 1]);
    if (m === 1) return perOutputChannel;
    const [n, h, w] = perOutputChannel.shape;
    return k.run('Sum', { x: k.reshape(perOutputChannel, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
};

/**
 * dW[a, b, c, m] = sum over n, i, j of x[n, i*s + a - top, j*s + b - left, c] * dy[n, i, j, c*M + m]: a
 * depthwise convolution of one image whose C*N channels are the (channel, image) pairs of x, with dy as
 * the filter (multiplier M), dilated by the forward stride; then a sum over the images.
 */
export const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', info);
  const [n, h, w, c] = x.shape;
  const [kh, kw, , m] = filterShape;
  const [, outHeight, outWidth] = dy.shape;
  return composeKernels(backend, 'wasm', (k) => {
    const imagesAsChannels = k.reshape(k.transpose(x, [1, 2, 3, 0]), [1, h, w, c * n]);
    const dyByChannel = k.transpose(k.reshape(dy, [n, outHeight, outWidth, c, m]), [1, 2, 3, 0, 4]);
    const dyAsFilter = k.reshape(dyByChannel, [outHeight, outWidth, c * n, m]);
    const perImage = correlate(
      k, 'DepthwiseConv2dNative', imagesAsChannels, dyAsFilter, xCorrelationPadding(info), [info.strideHeight, info.strideWidth]);
    return k.run('Sum', { x: k.reshape(perImage, [kh, kw, c, n, m]) }, { axis: [3], keepDims: false });
  });
};
