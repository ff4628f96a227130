import {
  batchNorm,
  ceilModeAvgPool,
  conv2d,
  dense,
  globalAveragePool,
  relu,
  residual,
  sequential,
  zeroPadChannels,
  type LayerFactory,
} from './layers.ts';

/** Caffe's BatchNorm (epsilon 1e-5) with the prototxt's moving_average_fraction, followed by its Scale layer (gamma, beta). */
const caffeBatchNorm = (movingAverageFraction: number) => batchNorm(movingAverageFraction, 1e-5);

/** Caffe convolutions keep their bias (filled with 0) even before batch norm; kernels from the prototxt's msra filler. */
const conv3x3 = (filters: number, strides = 1) => conv2d(filters, { strides, init: 'caffe-msra' });

/** conv-BN-ReLU, conv-BN, plus the shortcut, then ReLU. */
function basicBlock(filters: number, strides: 1 | 2, movingAverageFraction: number): LayerFactory {
  const bn = () => caffeBatchNorm(movingAverageFraction);
  const body = sequential(conv3x3(filters, strides), bn(), relu, conv3x3(filters), bn());
  return sequential(residual(body, strides === 2 ? ceilModeAvgPool(3, 2) : undefined), relu);
}

/**
 * The CIFAR ResNet of Smith & Topin's super-convergence experiments (lnsmith54/super-convergence,
 * architectures/Resnet56Cifar.prototxt, the network of their README and x.sh runs): He et al.'s
 * 6n+2 layout with 3 stages of n basic blocks at 16, 32 and 64 filters, a conv3x3-16 + BN + ReLU stem,
 * global average pooling and a dense classifier.
 *
 * Its shortcuts have no parameters but are not He et al.'s option A: the first block of stages 2 and 3
 * runs at the incoming width (16, then 32 filters) with stride 2, its shortcut is a 3x3 stride-2 average
 * pool (Caffe ceil mode), and the channels are doubled after the block's ReLU by appending zero
 * channels (DummyData + Concat). Convolutions carry biases. So it has 55 convs and about 0.81M
 * parameters rather than He et al.'s 0.85M. Kernels start as the prototxt fills them: msra for the
 * convolutions, xavier for the classifier.
 *
 * Batch norm keeps the prototxt's moving_average_fraction 0.999 unless told otherwise: x.sh rewrites it
 * to 0.95 for every cyclical (super-convergence) run, not for the piecewise-constant baseline.
 */
export function cifarResNet(blocksPerStage: number, classes: number, movingAverageFraction = 0.999): LayerFactory {
  const block = (filters: number, strides: 1 | 2) => basicBlock(filters, strides, movingAverageFraction);
  const stage = (filters: number, downsample: boolean) =>
    Array.from({ length: blocksPerStage }, (_, i) => (downsample && i === 0 ? sequential(block(filters / 2, 2), zeroPadChannels(filters)) : block(filters, 1)));
  return sequential(conv3x3(16), caffeBatchNorm(movingAverageFraction), relu, ...stage(16, false), ...stage(32, true), ...stage(64, true), globalAveragePool, dense(classes, 'caffe-xavier'));
}

/** ResNet-56: n = 9. */
export const resnet56 = (classes: number, movingAverageFraction?: number): LayerFactory => cifarResNet(9, classes, movingAverageFraction);
