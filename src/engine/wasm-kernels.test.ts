import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from './backend.ts';
import { assertKernelMatchesCpu, GRADIENT_KERNELS, gradientKernelCall, maxPoolGradient, POOL_CASES } from './gradient-cases.ts';
import { assertClose, liveMemory, valuesOn } from './test-support.ts';
import { wasmKernelConfigs } from './wasm-kernels.ts';

test.before(async () => {
  await initEngine('wasm');
});

test('initEngine registers the composed gradient kernels for wasm, replacing its own Conv2DBackpropInput and Transpose', async () => {
  await initEngine('wasm'); // a second call must not register twice
  assert.ok(wasmKernelConfigs().some((config) => config.kernelName === tf.Transpose));
  for (const config of wasmKernelConfigs()) {
    assert.is(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc, config.kernelFunc, config.kernelName);
  }
});

for (const entry of GRADIENT_KERNELS) {
  test(`${entry.kernel} on wasm matches the cpu backend`, () => assertKernelMatchesCpu('wasm', entry));

  test(`${entry.kernel} on wasm frees every intermediate`, async () => {
    await tf.setBackend('wasm');
    const compute = gradientKernelCall(entry.cases[2], entry.depthwise, entry.grad);
    tf.dispose(tf.tidy(compute)); // first call: lazily created backend state is not a leak
    const before = liveMemory();
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(compute));
    assert.equal(liveMemory(), before);
  });
}

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

/** Every permutation of 0..n-1. */
const permutations = (n: number): number[][] =>
  n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));

test('Transpose on wasm equals the cpu backend exactly: every permutation of ranks 1 to 4, float32 and int32, odd sizes; rank 5 through wasm\'s own', async () => {
  const shapes = [[7], [5, 9], [3, 5, 6], [3, 5, 6, 7], [2, 4, 8, 4], [1, 9, 5, 2, 3]];
  for (const shape of shapes) {
    for (const perm of permutations(shape.length)) {
      for (const dtype of ['float32', 'int32'] as const) {
        const compute = () => {
          const x = tf.cast(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 31), 100), dtype);
          return [tf.cast(tf.transpose(x, perm), 'float32')];
        };
        const [expected] = await valuesOn('cpu', compute);
        const [actual] = await valuesOn('wasm', compute);
        assert.equal(Array.from(actual), Array.from(expected), `Transpose ${dtype} [${shape}] by [${perm}]`);
      }
    }
  }
});

test('Sum on wasm matches the cpu backend: leading axes (its own kernel; more than one block of rows), keepDims, and what wasm\'s own keeps', async () => {
  const cases: { shape: number[]; axis: number[]; keepDims?: boolean; dtype?: 'int32' }[] = [
    { shape: [130, 3, 7], axis: [0] },
    { shape: [9, 8, 7, 6], axis: [0, 1, 2] },
    { shape: [9, 8, 7, 6], axis: [1, 0], keepDims: true },
    { shape: [200, 5], axis: [0] },
    { shape: [9, 8, 7, 6], axis: [0, 2] },
    { shape: [9, 8, 7, 6], axis: [3] },
    { shape: [9, 8, 7, 6], axis: [0, 1, 2, 3] },
    { shape: [40, 6], axis: [0], dtype: 'int32' },
  ];
  for (const c of cases) {
    const compute = () => {
      const x = tf.randomNormal(c.shape, 1, 1, 'float32', 41);
      return [tf.cast(tf.sum(c.dtype ? tf.cast(tf.mul(x, 10), c.dtype) : x, c.axis, c.keepDims), 'float32')];
    };
    const [expected] = await valuesOn('cpu', compute);
    const [actual] = await valuesOn('wasm', compute);
    const label = `Sum [${c.shape}] over [${c.axis}]${c.keepDims ? ', keepDims' : ''}${c.dtype ? `, ${c.dtype}` : ''}`;
    assertClose(actual, expected, label, 1e-5);
    const shapeOn = async (backend: 'cpu' | 'wasm') => {
      await initEngine(backend);
      return tf.tidy(() => tf.sum(tf.zeros(c.shape), c.axis, c.keepDims).shape);
    };
    assert.equal(await shapeOn('wasm'), await shapeOn('cpu'), `${label}: shape`);
  }
});

test('Sum on wasm over leading axes equals, to the bit, wasm\'s own kernel summing the same values over trailing axes', async () => {
  await initEngine('wasm');
  for (const shape of [[128, 9, 9, 7], [300, 8]]) {
    const [ours, theirs] = tf.tidy(() => {
      const x = tf.randomNormal(shape, 0.3, 1, 'float32', 42);
      const leading = shape.slice(0, -1).map((_, i) => i);
      const moved = tf.transpose(x, [shape.length - 1, ...leading]);
      return [tf.sum(x, leading), tf.sum(moved, leading.map((a) => a + 1))];
    });
    assert.equal(Array.from(await ours.data()), Array.from(await theirs.data()), `Sum [${shape}]`);
    tf.dispose([ours, theirs]);
  }
});

test('MaxPoolGrad on wasm handles channel counts that are not a multiple of four, and many channels', async () => {
  for (const shape of [[2, 6, 6, 5], [1, 4, 6, 12]] as [number, number, number, number][]) {
    for (const pad of ['valid', 'same'] as const) {
      const c = { shape, size: 3, strides: 2, pad };
      const [expected] = await valuesOn('cpu', maxPoolGradient(c, true));
      const [actual] = await valuesOn('wasm', maxPoolGradient(c, true));
      // Overlapping windows: where three outputs feed one input, the cpu kernel adds them in another order.
      assertClose(actual, expected, `MaxPoolGrad x ${shape.join('x')} 3x3 stride 2 ${pad}`);
    }
  }
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
