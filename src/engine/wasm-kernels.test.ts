import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from './backend.ts';
import { assertKernelMatchesCpu, GRADIENT_KERNELS, gradientKernelCall, maxPoolGradient, POOL_CASES } from './gradient-cases.ts';
import { assertClose, liveMemory, valuesOn } from './test-support.ts';
import { WASM_GRADIENT_KERNELS } from './wasm-kernels.ts';

test.before(async () => {
  await initEngine('wasm');
});

test('initEngine registers the composed gradient kernels for wasm, replacing its own Conv2DBackpropInput', async () => {
  await initEngine('wasm'); // a second call must not register twice
  for (const config of WASM_GRADIENT_KERNELS) {
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
