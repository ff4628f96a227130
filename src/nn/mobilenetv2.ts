import {
  batchNorm,
  conv2d,
  dense,
  depthwiseConv2d,
  globalAveragePool,
  relu6,
  residual,
  sequential,
  type LayerFactory,
} from './layers.ts';

/** The channel rounding of MobileNet (tensorflow/models slim): nearest multiple of 8, never more than 10 % below v. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

export interface InvertedResidualOptions {
  /** Channels of the 1x1 expansion; none when undefined (the block works on its input's channels). */
  expandedChannels?: number;
  outChannels: number;
  stride: 1 | 2;
  batchNormMomentum: number;
}

/**
 * MobileNetV2's inverted residual block: [1x1 expand, BN, ReLU6], 3x3 depthwise, BN, ReLU6,
 * 1x1 linear projection, BN; the input is added back when the stride is 1 and the channels match.
 * Convs have no bias; batch norm uses epsilon 1e-3.
 */
export function invertedResidual(options: InvertedResidualOptions): LayerFactory {
  const { expandedChannels, outChannels, stride, batchNormMomentum } = options;
  const bn = () => batchNorm(batchNormMomentum, 1e-3);
  return (params, input) => {
    const expand = expandedChannels === undefined ? [] : [conv2d(expandedChannels, { kernelSize: 1, useBias: false }), bn(), relu6];
    const body = sequential(...expand, depthwiseConv2d({ strides: stride, useBias: false }), bn(), relu6, conv2d(outChannels, { kernelSize: 1, useBias: false }), bn());
    const inChannels = input[input.length - 1];
    return (stride === 1 && inChannels === outChannels ? residual(body) : body)(params, input);
  };
}

export interface MobileNetV2FrameOptions {
  stemChannels: number;
  stemStrides: 1 | 2;
  blocks: readonly LayerFactory[];
  lastChannels: number;
  classes: number;
  batchNormMomentum: number;
}

/**
 * What every MobileNetV2 puts around its inverted residual blocks: a 3x3 stem conv, the blocks, a 1x1 conv to
 * `lastChannels`, then global average pooling and a dense layer of `classes` logits; convs without bias, each
 * followed by batch norm (epsilon 1e-3) and ReLU6.
 */
export function mobileNetV2Frame(options: MobileNetV2FrameOptions): LayerFactory {
  const { stemChannels, stemStrides, blocks, lastChannels, classes, batchNormMomentum } = options;
  const bn = () => batchNorm(batchNormMomentum, 1e-3);
  return sequential(
    conv2d(stemChannels, { strides: stemStrides, useBias: false }),
    bn(),
    relu6,
    ...blocks,
    conv2d(lastChannels, { kernelSize: 1, useBias: false }),
    bn(),
    relu6,
    globalAveragePool,
    dense(classes),
  );
}

/** Expansion factor, output channels (before the width multiplier), repeats, stride of the first repeat. */
const KERAS_BLOCKS: readonly (readonly [number, number, number, 1 | 2])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Width multipliers keras-applications offers (it publishes weights for these). */
export const KERAS_ALPHAS: readonly number[] = [0.35, 0.5, 0.75, 1, 1.3, 1.4];

/**
 * keras-applications MobileNetV2 (keras_applications/mobilenet_v2.py) with its top replaced by global
 * average pooling and a dense layer of `classes` logits: stem 3x3 conv at stride 2, 17 inverted residual
 * blocks (the first without expansion), 1x1 conv to 1280 channels (scaled only when alpha > 1), batch
 * norm momentum 0.999 and epsilon 1e-3, ReLU6.
 *
 * Keras pads every stride-2 3x3 conv explicitly, ZeroPadding2D(correct_pad) then 'valid': one zero
 * row/column after an even side, one on each side of an odd one. That is exactly TensorFlow's 'same'
 * padding for a 3x3 kernel at stride 2 (total (out - 1) * 2 + 3 - in = 1 or 2, the extra one after), so
 * these convs use 'same' and skip the padded copy; mobilenetv2.test.ts checks the equivalence.
 */
export function mobileNetV2(classes: number, alpha = 1): LayerFactory {
  const stemChannels = makeDivisible(32 * alpha);
  const blocks: LayerFactory[] = [];
  let channels = stemChannels;
  for (const [expansion, filters, repeats, firstStride] of KERAS_BLOCKS) {
    for (let r = 0; r < repeats; r++) {
      const outChannels = makeDivisible(Math.trunc(filters * alpha));
      blocks.push(
        invertedResidual({
          // keras-applications expands in every block but block 0.
          expandedChannels: blocks.length === 0 ? undefined : expansion * channels,
          outChannels,
          stride: r === 0 ? firstStride : 1,
          batchNormMomentum: 0.999,
        }),
      );
      channels = outChannels;
    }
  }
  const lastChannels = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  return mobileNetV2Frame({ stemChannels, stemStrides: 2, blocks, lastChannels, classes, batchNormMomentum: 0.999 });
}
