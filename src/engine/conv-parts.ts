/**
 * Building blocks for convolution gradients written as forward convolutions (NHWC, stride 1), which
 * XNNPACK runs fast: zero-dilation of dy for strided layers, and the padding that makes a forward
 * correlation produce exactly the gradient's extent.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScope } from './kernel-scope.ts';

type ConvInfo = backend_util.Conv2DInfo;

/** Padding of a stride-1 correlation; a negative side crops that many rows or columns from its output. */
export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export function assertChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
}

export function assertNoDilation(kernelName: string, info: ConvInfo): void {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${kernelName}: dilations greater than 1 are not supported (as in tfjs's own gradients), got [${info.dilationHeight}, ${info.dilationWidth}]`);
  }
}

/**
 * x [N, H, W, C] with (stride - 1) zeros after every row and column: [N, H * sh, W * sw, C]. The trailing
 * zeros are kept (it is one pad of a 6-d view); the paddings below account for them.
 */
export function zeroDilate(k: KernelScope, x: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = k.run('PadV2', { x: k.reshape(x, [n, h, 1, w, 1, c]) }, {
    paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]],
    constantValue: 0,
  });
  return k.reshape(spread, [n, h * strideHeight, w * strideWidth, c]);
}

/**
 * Padding for a stride-1 correlation of dy (zero-dilated to spreadHeight x spreadWidth) with either of the
 * forward pass's other tensors: with the flipped filter it gives dx, with x it gives the filter gradient
 * flipped. Both need the padded dy to span inHeight + filterHeight - 1 rows, filterHeight - 1 - top of
 * them before it (the forward pass's own padding taken off a "full" correlation).
 */
export function dyCorrelationPadding(info: ConvInfo, spreadHeight: number, spreadWidth: number): Padding {
  const top = info.effectiveFilterHeight - 1 - info.padInfo.top;
  const left = info.effectiveFilterWidth - 1 - info.padInfo.left;
  return {
    top,
    left,
    bottom: info.inHeight - spreadHeight - top + info.effectiveFilterHeight - 1,
    right: info.inWidth - spreadWidth - left + info.effectiveFilterWidth - 1,
  };
}

/**
 * Padding for the filter gradient as a correlation of x (padded) with dy dilated by the stride: output row a is
 * filter row a, so the forward pass's top/left padding carries over and bottom/right make the output
 * exactly filterHeight x filterWidth (negative where the forward pass never read x's last rows).
 */
export function xCorrelationPadding(info: ConvInfo): Padding {
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  return {
    top,
    left,
    bottom: info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.inHeight - top,
    right: info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.inWidth - left,
  };
}

/**
 * A stride-1 Conv2D or DepthwiseConv2dNative with explicit padding. XNNPACK takes no negative padding, so
 * negative sides are padded with zero and the surplus rows and columns are sliced off the output.
 */
export function correlate(
  k: KernelScope,
  kernelName: 'Conv2D' | 'DepthwiseConv2dNative',
  x: TensorInfo,
  filter: TensorInfo,
  padding: Padding,
  dilations: [number, number],
): TensorInfo {
  const clamp = (p: number) => Math.max(0, p);
  const out = k.run(kernelName, { x, filter }, {
    strides: [1, 1],
    dilations,
    pad: [[0, 0], [clamp(padding.top), clamp(padding.bottom)], [clamp(padding.left), clamp(padding.right)], [0, 0]],
    dataFormat: 'NHWC',
  });
  const crop = { top: clamp(-padding.top), bottom: clamp(-padding.bottom), left: clamp(-padding.left), right: clamp(-padding.right) };
  if (crop.top + crop.bottom + crop.left + crop.right === 0) return out;
  const [n, h, w, c] = out.shape;
  return k.run('Slice', { x: out }, {
    begin: [0, crop.top, crop.left, 0],
    size: [n, h - crop.top - crop.bottom, w - crop.left - crop.right, c],
  });
}
