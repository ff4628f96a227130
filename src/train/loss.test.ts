import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countTopK, crossEntropy, l2Penalty } from './loss.ts';

test.before(async () => {
  await tf.setBackend('cpu');
});

const close = (a: number, b: number) => Math.abs(a - b) < 1e-5 * Math.max(1, Math.abs(b));

test('cross-entropy is the mean negative log-softmax of the true class', () => {
  const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
  const labels = tf.tensor1d([2, 0], 'int32');
  const row0 = -(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
  const row1 = Math.log(3);
  assert.ok(close(crossEntropy(labels, logits).dataSync()[0], (row0 + row1) / 2));
});

test('top-k counts a hit when the label is among the k largest logits', () => {
  const logits = tf.tensor2d([[0.1, 0.5, 0.2, 0.9], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]]);
  const labels = tf.tensor1d([1, 0, 0], 'int32');
  assert.is(countTopK(labels, logits, 1).dataSync()[0], 1);
  assert.is(countTopK(labels, logits, 2).dataSync()[0], 2);
  assert.is(countTopK(labels, logits, 5).dataSync()[0], 3, 'k above the class count counts every row');
});

test('the L2 penalty is decay * sum of squares over all kernels (Keras regularizer)', () => {
  const kernels = [tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([-1, 1])];
  assert.ok(close(l2Penalty(kernels, 1e-3).dataSync()[0], 1e-3 * 32));
});

test.run();
