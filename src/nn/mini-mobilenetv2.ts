import { withKernelInit, type LayerFactory } from './layers.ts';
import { invertedResidual, makeDivisible, mobileNetV2Frame } from './mobilenetv2.ts';

/** Its train_cifar_10.py's width multiplier; alpha 1.0 would give about 350k parameters. */
const WIDTH_MULTIPLIER = 1.4;
const EXPANSION = 6;

/** Output channels before alpha, expansion factor, stride. */
const BLOCKS: readonly (readonly [number, number, 1 | 2])[] = [
  [16, 1, 1],
  [24, EXPANSION, 2],
  [24, EXPANSION, 1],
  [32, EXPANSION, 1],
  [32, EXPANSION, 1],
  [32, EXPANSION, 1],
  [64, EXPANSION, 2],
  [64, EXPANSION, 1],
  [64, EXPANSION, 1],
  [64, EXPANSION, 1],
];

/**
 * keras-one-cycle's MiniMobileNetV2 (models/mobilenet/mobilenets.py), the ~650k-parameter network of its
 * README, for 32x32 inputs: a MobileNetV2 cut after its 64-channel stage and kept at high resolution.
 *
 * Width: alpha 1.4 (WIDTH_MULTIPLIER).
 * Depth: stem 3x3 conv at stride 1, then 10 inverted residual blocks (16; 24, 24; 32, 32, 32; 64 x 4
 * before alpha) of which only two have stride 2, so 32x32 inputs end at 8x8; then a 1x1 conv to
 * int(1280 * alpha) channels, global average pooling and the classifier (there a 1x1 conv on the pooled
 * map, the same parameters and arithmetic as a dense layer).
 * Unlike keras-applications: expansion widths are rounded to multiples of 8 and the expand conv is
 * skipped unless it widens; batch norm momentum is 0.99; every kernel, depthwise and classifier included, starts
 * from Keras 2.1's he_normal.
 */
export function miniMobileNetV2(classes: number, alpha = WIDTH_MULTIPLIER): LayerFactory {
  const stemChannels = makeDivisible(32 * alpha);
  let channels = stemChannels;
  const blocks = BLOCKS.map(([filters, expansion, stride]) => {
    const expanded = makeDivisible(channels * expansion);
    const outChannels = makeDivisible(filters * alpha);
    const block = invertedResidual({
      expandedChannels: expanded > channels ? expanded : undefined,
      outChannels,
      stride,
      batchNormMomentum: 0.99,
    });
    channels = outChannels;
    return block;
  });
  const lastChannels = makeDivisible(alpha > 1 ? Math.trunc(1280 * alpha) : 1280);
  const frame = mobileNetV2Frame({ stemChannels, stemStrides: 1, blocks, lastChannels, classes, batchNormMomentum: 0.99 });
  return withKernelInit('keras-he-normal', frame);
}
