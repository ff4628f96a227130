import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MomentumSgd } from './sgd.ts';

test.before(async () => {
  await tf.setBackend('cpu');
});

test('steps follow Keras SGD: v = m*v - lr*g; w += v, with lr and momentum changing per step', () => {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const sgd = new MomentumSgd([w]);
  const g = tf.tensor1d([0.5, 1]);
  sgd.step([g], 0.1, 0.9); // v = [-0.05, -0.1], w = [0.95, -2.1]
  sgd.step([g], 0.2, 0.5); // v = 0.5*v - 0.2*g = [-0.125, -0.25], w = [0.825, -2.35]
  const [w0, w1] = w.dataSync();
  assert.ok(Math.abs(w0 - 0.825) < 1e-6 && Math.abs(w1 + 2.35) < 1e-6, `w = ${w0}, ${w1}`);
  const before = tf.memory().numTensors;
  sgd.step([g], 0.1, 0.9);
  assert.is(tf.memory().numTensors, before, 'a step leaves no tensors behind');
  tf.dispose([w, g]);
  sgd.dispose();
});

test('nesterov: w += m*v - lr*g after v = m*v - lr*g (Keras), with lr and momentum changing per step', () => {
  const w = tf.variable(tf.tensor1d([1, -2]));
  const sgd = new MomentumSgd([w], { nesterov: true });
  const g = tf.tensor1d([0.5, 1]);
  sgd.step([g], 0.1, 0.9); // v = [-0.05, -0.1]; w += 0.9*v - 0.1*g = [-0.095, -0.19] -> [0.905, -2.19]
  sgd.step([g], 0.2, 0.5); // v = 0.5*v - 0.2*g = [-0.125, -0.25]; w += 0.5*v - 0.2*g = [-0.1625, -0.325] -> [0.7425, -2.515]
  const [w0, w1] = w.dataSync();
  assert.ok(Math.abs(w0 - 0.7425) < 1e-6 && Math.abs(w1 + 2.515) < 1e-6, `w = ${w0}, ${w1}`);
  tf.dispose([w, g]);
  sgd.dispose();
});

test.run();
