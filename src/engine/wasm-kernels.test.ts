import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from './backend.ts';
import { assertClose, liveMemory, valuesOn } from './test-support.ts';
import { WASM_GRADIENT_KERNELS } from './wasm-kernels.ts';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
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

const CONV_CASES: ConvCase[] = [
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

const DEPTHWISE_CASES: ConvCase[] = [
  conv(1, 5, 5, 3, 1, [3, 3], 1, 'same'),
  conv(2, 7, 6, 2, 2, [3, 3], 2, 'same'),
  conv(3, 8, 9, 2, 3, [3, 3], 2, 'valid'),
  conv(2, 9, 7, 4, 1, [5, 3], 1, 'valid'),
  conv(2, 6, 7, 3, 2, [1, 1], 2, 'same'),
  conv(1, 7, 8, 2, 3, [2, 2], [2, 1], 'same'),
  conv(2, 6, 5, 2, 2, [3, 3], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
  conv(2, 7, 7, 2, 3, [3, 3], 2, 1),
];

const describe = (c: ConvCase) =>
  `x ${c.batch}x${c.height}x${c.width}x${c.inChannels}, kernel ${c.kernel.join('x')}x${c.outChannels}, strides ${c.strides}, pad ${JSON.stringify(c.pad)}`;

/** The shapes and attributes of one convolution case, and seeded inputs for its two gradient kernels. */
function gradientKernelCall(c: ConvCase, depthwise: boolean, grad: 'input' | 'filter') {
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

test.before(async () => {
  await initEngine('wasm');
});

test('initEngine registers the composed gradient kernels for wasm, replacing its own Conv2DBackpropInput', async () => {
  await initEngine('wasm'); // a second call must not register twice
  for (const config of WASM_GRADIENT_KERNELS) {
    assert.is(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc, config.kernelFunc, config.kernelName);
  }
});

for (const [depthwise, cases] of [[false, CONV_CASES], [true, DEPTHWISE_CASES]] as const) {
  for (const grad of ['input', 'filter'] as const) {
    const kernel = `${depthwise ? 'DepthwiseConv2dNative' : 'Conv2D'}Backprop${grad === 'input' ? 'Input' : 'Filter'}`;
    test(`${kernel} on wasm matches the cpu backend`, async () => {
      for (const c of cases) {
        const compute = gradientKernelCall(c, depthwise, grad);
        const [expected] = await valuesOn('cpu', compute);
        const [actual] = await valuesOn('wasm', compute);
        assertClose(actual, expected, `${kernel}, ${describe(c)}`);
      }
    });

    test(`${kernel} on wasm frees every intermediate`, async () => {
      await tf.setBackend('wasm');
      const compute = gradientKernelCall(cases[2], depthwise, grad);
      tf.dispose(tf.tidy(compute)); // first call: lazily created backend state is not a leak
      const before = liveMemory();
      for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(compute));
      assert.equal(liveMemory(), before);
    });
  }
}

const POOL_CASES: { shape: [number, number, number, number]; size: number; strides: number; pad: 'same' | 'valid' }[] = [
  { shape: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { shape: [2, 7, 9, 2], size: 2, strides: 2, pad: 'valid' }, // odd sizes: the last row and column are never read
  { shape: [1, 7, 6, 4], size: 3, strides: 2, pad: 'same' }, // padded windows, overlapping
  { shape: [2, 5, 5, 2], size: 3, strides: 1, pad: 'same' },
];

/** MaxPoolGrad through tf.grads of maxPool; `ties` draws integers from a small range so windows hold equal maxima. */
const maxPoolGradient = (c: (typeof POOL_CASES)[number], ties: boolean) => () => {
  const noise = tf.randomNormal(c.shape, 0, 1, 'float32', 21);
  const x = ties ? tf.round(tf.mul(noise, 0.7)) : noise;
  const dy = (y: tf.Tensor) => tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 22));
  return tf.grads((input: tf.Tensor) => tf.sum(dy(tf.maxPool(input as tf.Tensor4D, c.size, c.strides, c.pad))))([x]);
};

test('MaxPoolGrad on wasm matches the cpu backend, ties included (first maximum in row-major order)', async () => {
  for (const c of POOL_CASES) {
    for (const ties of [false, true]) {
      const [expected] = await valuesOn('cpu', maxPoolGradient(c, ties));
      const [actual] = await valuesOn('wasm', maxPoolGradient(c, ties));
      assertClose(actual, expected, `MaxPoolGrad, x ${c.shape.join('x')}, ${c.size}x${c.size} stride ${c.strides} ${c.pad}${ties ? ', ties' : ''}`);
    }
  }
});

test('MaxPoolGrad on wasm frees every intermediate', async () => {
  await tf.setBackend('wasm');
  const compute = maxPoolGradient(POOL_CASES[2], true);
  tf.dispose(tf.tidy(compute));
  const before = liveMemory();
  for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(compute));
  assert.equal(liveMemory(), before);
});

test('depthwise gradients reject dilations, as tfjs does', async () => {
  await tf.setBackend('wasm');
  assert.throws(
    () => tf.tidy(() => tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput,
      { dy: tf.zeros([1, 5, 5, 2]), filter: tf.zeros([3, 3, 2, 1]) },
      { strides: 1, pad: 'same', dilations: 2, inputShape: [1, 5, 5, 2] })),
    /dilations greater than 1/,
  );
});

test('tf.grads of a small convnet agree on wasm and cpu', async () => {
  const gradients = () => {
    const x = tf.randomNormal([3, 10, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const weights = [
      tf.randomNormal([3, 3, 3, 4], 0, 0.5, 'float32', 2),
      tf.randomNormal([3, 3, 4, 2], 0, 0.5, 'float32', 3),
      tf.randomNormal([1, 1, 8, 5], 0, 0.5, 'float32', 4),
    ] as tf.Tensor4D[];
    const target = tf.randomNormal([3, 3, 2, 5], 0, 1, 'float32', 5);
    const loss = (input: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
      let h = tf.relu(tf.conv2d(input as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
      h = tf.maxPool(h, 2, 2, 'valid');
      h = tf.relu(tf.depthwiseConv2d(h, w2 as tf.Tensor4D, 2, 'same'));
      h = tf.conv2d(h, w3 as tf.Tensor4D, 1, 'valid');
      return tf.sum(tf.mul(h, target));
    };
    return tf.grads(loss)([x, ...weights]);
  };
  const expected = await valuesOn('cpu', gradients);
  const actual = await valuesOn('wasm', gradients);
  expected.forEach((e, i) => assertClose(actual[i], e, `gradient ${i} (input, conv, depthwise, 1x1 conv)`));
});

test.run();
