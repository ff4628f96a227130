import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchNormTrain } from './batch-norm.ts';
import { initEngine } from './backend.ts';
import { assertClose, liveMemory, valuesOn } from './test-support.ts';

const EPSILON = 1e-3;
const SHAPES: [number, number, number, number][] = [[4, 5, 3, 6], [1, 7, 9, 2], [8, 2, 2, 5]];

/** The textbook formula, differentiated by tfjs's autodiff: the reference. */
function naiveBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) {
  const mean = tf.mean(x, [0, 1, 2]);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), [0, 1, 2]);
  const y = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON))), gamma), beta);
  return { y, mean, variance };
}

/** y, mean, variance, then the gradients of sum(y * weights) with respect to x, gamma and beta. */
function forwardAndGradients(shape: [number, number, number, number], impl: typeof naiveBatchNorm) {
  return () => {
    const channels = shape[3];
    // A non-zero mean and a scale far from 1, so the statistics matter.
    const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), 3), 2) as tf.Tensor4D;
    const gamma = tf.randomNormal([channels], 1, 0.5, 'float32', 2) as tf.Tensor1D;
    const beta = tf.randomNormal([channels], 0, 1, 'float32', 3) as tf.Tensor1D;
    const weights = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const { y, mean, variance } = impl(x, gamma, beta);
    const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(impl(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D).y, weights));
    return [y, mean, variance, ...tf.grads(loss)([x, gamma, beta])];
  };
}

const fast = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => batchNormTrain(x, gamma, beta, EPSILON);
const OUTPUTS = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];

for (const backend of ['cpu', 'wasm'] as const) {
  test(`on ${backend}, batchNormTrain's output, moments and three gradients match autodiff of the formula`, async () => {
    for (const shape of SHAPES) {
      const expected = await valuesOn(backend, forwardAndGradients(shape, naiveBatchNorm));
      const actual = await valuesOn(backend, forwardAndGradients(shape, fast));
      expected.forEach((e, i) => assertClose(actual[i], e, `${backend}, shape ${shape}, ${OUTPUTS[i]}`));
    }
  });
}

test('the variance is the biased batch variance, as Keras normalises with', async () => {
  await initEngine('cpu');
  const [mean, variance] = tf.tidy(() => {
    const x = tf.tensor4d([1, 2, 3, 6], [2, 2, 1, 1]);
    const result = batchNormTrain(x, tf.ones([1]), tf.zeros([1]), EPSILON);
    return [result.mean.arraySync(), result.variance.arraySync()];
  });
  assert.equal(mean, [3]);
  assert.equal(variance, [3.5]); // (4 + 1 + 0 + 9) / 4
});

test('a training step through batchNormTrain leaves no tensor behind', async () => {
  await initEngine('wasm');
  const x = tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const gamma = tf.variable(tf.ones([3]) as tf.Tensor1D);
  const beta = tf.variable(tf.zeros([3]) as tf.Tensor1D);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => {
      const { y, mean, variance } = batchNormTrain(x, gamma, beta, EPSILON);
      tf.dispose([mean, variance]);
      return tf.sum(tf.square(y));
    }, [gamma, beta]);
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  const before = liveMemory();
  for (let i = 0; i < 3; i++) step();
  assert.equal(liveMemory(), before);
  tf.dispose([x, gamma, beta]);
});

test.run();
