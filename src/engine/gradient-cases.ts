/**
 * The shape cases every engine's gradient kernels are checked on against the cpu backend: strides, paddings
 * (named, numeric, explicit and wider than the kernel), odd sizes, depthwise multipliers, max-pool ties.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, valuesOn } from './test-support.ts';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  kernel: [number, number];
  strides: number | [number, number];
  pad: Pad;
  /** Output channels for Conv2D, the channel multiplier for depthwise. */
  outChannels: number;
}

const conv = (batch: number, height: number, width: number, inChannels: number, outChannels: number, kernel: [number, number], strides: ConvCase['strides'], pad: Pad): ConvCase =>
  ({ batch, height, width, inChannels, outChannels, kernel, strides, pad });

export const CONV_CASES: ConvCase[] = [
  conv(1, 5, 5, 2, 3, [3, 3], 1, 'same'),
  conv(2, 7, 6, 3, 4, [3, 3], 2, 'same'), // odd sizes, stride 2
  conv(3, 8, 8, 2, 5, [3, 3], 2, 'valid'), // the forward pass never reads the last row and column
  conv(2, 9, 7, 4, 2, [5, 3], 1, 'valid'),
  conv(2, 6, 7, 3, 2, [1, 1], 2, 'same'), // 1x1 stride-2 shortcut: negative padding, cropped
  conv(1, 7, 8, 2, 3, [2, 2], [2, 1], 'same'), // even kernel, unequal strides
  conv(2, 6, 5, 2, 3, [3, 3], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
  conv(2, 7, 7, 3, 2, [2, 3], 2, [[0, 0], [3, 0], [2, 1], [0, 0]]), // padding wider than the kernel
  conv(2, 6, 6, 2, 3, [2, 2], 1, [[0, 0], [3, 1], [0, 2], [0, 0]]), // the same, stride 1
  conv(2, 7, 7, 2, 3, [3, 3], 2, 1), // numeric padding
];

export const DEPTHWISE_CASES: ConvCase[] = [
  conv(1, 5, 5, 3, 1, [3, 3], 1, 'same'),
  conv(2, 7, 6, 2, 2, [3, 3], 2, 'same'),
  conv(3, 8, 9, 2, 3, [3, 3], 2, 'valid'),
  conv(2, 9, 7, 4, 1, [5, 3], 1, 'valid'),
  conv(2, 6, 7, 3, 2, [1, 1], 2, 'same'),
  conv(1, 7, 8, 2, 3, [2, 2], [2, 1], 'same'),
  conv(2, 6, 5, 2, 2, [3, 3], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
  conv(2, 7, 7, 2, 3, [3, 3], 2, 1),
];

export const describeCase = (c: ConvCase) =>
  `x ${c.batch}x${c.height}x${c.width}x${c.inChannels}, kernel ${c.kernel.join('x')}x${c.outChannels}, strides ${c.strides}, pad ${JSON.stringify(c.pad)}`;

/** The shapes and attributes of one convolution case, and seeded inputs for its two gradient kernels. */
export function gradientKernelCall(c: ConvCase, depthwise: boolean, grad: 'input' | 'filter') {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const filterShape: [number, number, number, number] = [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
  const attrs = { strides: c.strides, pad: c.pad, dilations: 1, dataFormat: 'NHWC' };
  // dy's shape is the forward output's: ask the forward op itself (cheap at these sizes).
  const dyShape = tf.tidy(() => {
    const x = tf.zeros(xShape) as tf.Tensor4D;
    const filter = tf.zeros(filterShape) as tf.Tensor4D;
    return (depthwise ? tf.depthwiseConv2d(x, filter, c.strides, c.pad) : tf.conv2d(x, filter, c.strides, c.pad)).shape;
  });
  const name = depthwise
    ? grad === 'input' ? tf.DepthwiseConv2dNativeBackpropInput : tf.DepthwiseConv2dNativeBackpropFilter
    : grad === 'input' ? tf.Conv2DBackpropInput : tf.Conv2DBackpropFilter;
  return () => {
    const dy = tf.randomNormal(dyShape, 0, 1, 'float32', 11);
    const run = grad === 'input'
      ? tf.engine().runKernel(name, { dy, filter: tf.randomNormal(filterShape, 0, 1, 'float32', 12) }, { ...attrs, inputShape: xShape })
      : tf.engine().runKernel(name, { x: tf.randomNormal(xShape, 0, 1, 'float32', 13), dy }, { ...attrs, filterShape });
    return [run as tf.Tensor];
  };
}

export const POOL_CASES: { shape: [number, number, number, number]; size: number; strides: number; pad: 'same' | 'valid' }[] = [
  { shape: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { shape: [2, 7, 9, 2], size: 2, strides: 2, pad: 'valid' }, // odd sizes: the last row and column are never read
  { shape: [1, 7, 6, 4], size: 3, strides: 2, pad: 'same' }, // padded windows, overlapping
  { shape: [2, 5, 5, 2], size: 3, strides: 1, pad: 'same' },
];

/** MaxPoolGrad through tf.grads of maxPool; `ties` draws integers from a small range so windows hold equal maxima. */
export const maxPoolGradient = (c: (typeof POOL_CASES)[number], ties: boolean) => () => {
  const noise = tf.randomNormal(c.shape, 0, 1, 'float32', 21);
  const x = ties ? tf.round(tf.mul(noise, 0.7)) : noise;
  const dy = (y: tf.Tensor) => tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 22));
  return tf.grads((input: tf.Tensor) => tf.sum(dy(tf.maxPool(input as tf.Tensor4D, c.size, c.strides, c.pad))))([x]);
};


/** The four convolution gradient kernels, each with its cases. */
export const GRADIENT_KERNELS = ([[false, CONV_CASES], [true, DEPTHWISE_CASES]] as const).flatMap(([depthwise, cases]) =>
  (['input', 'filter'] as const).map((grad) => ({
    kernel: `${depthwise ? 'DepthwiseConv2dNative' : 'Conv2D'}Backprop${grad === 'input' ? 'Input' : 'Filter'}`,
    depthwise,
    grad,
    cases,
  })),
);

/** Asserts that `backend` computes the kernel as the cpu backend does, on every one of its cases. */
export async function assertKernelMatchesCpu(backend: 'wasm' | 'webgpu', { kernel, depthwise, grad, cases }: (typeof GRADIENT_KERNELS)[number]): Promise<void> {
  for (const c of cases) {
    const compute = gradientKernelCall(c, depthwise, grad);
    const [expected] = await valuesOn('cpu', compute);
    const [actual] = await valuesOn(backend, compute);
    assertClose(actual, expected, `${kernel}, ${describeCase(c)}`);
  }
}
