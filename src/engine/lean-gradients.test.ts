import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from './backend.ts';
import { biasAdd, relu } from './lean-gradients.ts';
import { valuesOn } from './test-support.ts';

const SHAPE: [number, number, number, number] = [3, 5, 4, 6];

/** relu(x + bias) and the gradients of sum(relu(x + bias) * weights) with respect to x and bias. */
function forwardAndGradients(add: (x: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D, rectify: (x: tf.Tensor4D) => tf.Tensor4D) {
  return () => {
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 1) as tf.Tensor4D;
    const bias = tf.randomNormal([SHAPE[3]], 0, 0.5, 'float32', 2) as tf.Tensor1D;
    const weights = tf.randomNormal(SHAPE, 0, 1, 'float32', 3);
    const f = (a: tf.Tensor, b: tf.Tensor) => rectify(add(a as tf.Tensor4D, b as tf.Tensor1D));
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), weights));
    return [f(x, bias), ...tf.grads(loss)([x, bias])];
  };
}

const tfjsOps = forwardAndGradients((x, bias) => tf.add(x, bias), (x) => tf.relu(x));
const leanOps = forwardAndGradients(biasAdd, relu);

for (const backend of ['cpu', 'wasm'] as const) {
  test(`on ${backend}, biasAdd and relu give tfjs's values and gradients bit for bit`, async () => {
    const expected = await valuesOn(backend, tfjsOps);
    const actual = await valuesOn(backend, leanOps);
    ['y', 'dx', 'dbias'].forEach((name, i) => assert.equal(Array.from(actual[i]), Array.from(expected[i]), `${backend}: ${name}`));
    assert.ok(expected[1].some((v) => v === 0) && expected[1].some((v) => v !== 0), 'the relu both passes and stops gradients here');
  });
}

test('from the forward to the backward pass, biasAdd keeps no map and relu only its output; tfjs keeps both inputs', async () => {
  await initEngine('wasm');
  const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 1) as tf.Tensor4D;
  const bias = tf.variable(tf.zeros([SHAPE[3]]) as tf.Tensor1D);
  /** Backend buffers alive when the backward pass starts, the forward pass's unsaved tensors freed by then. */
  const buffersAtBackward = (add: typeof biasAdd, rectify: typeof relu) => {
    let buffers = 0;
    const probe = tf.customGrad((loss) => ({
      value: tf.clone(loss as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        buffers = tf.backend().numDataIds();
        return tf.clone(dy);
      },
    }));
    // Neg keeps nothing for its gradient and Square keeps its input, as a max-pool after the ReLU would.
    const { value, grads } = tf.variableGrads(() => probe(tf.sum(tf.square(rectify(tf.neg(add(tf.neg(x), bias)))))) as tf.Scalar, [bias]);
    tf.dispose([value, ...Object.values(grads)]);
    return buffers;
  };
  const tfjsBuffers = buffersAtBackward((a, b) => tf.add(a, b), (a) => tf.relu(a));
  const leanBuffers = buffersAtBackward(biasAdd, relu);
  assert.is(tfjsBuffers - leanBuffers, 2, `tfjs's ops: ${tfjsBuffers} buffers, lean ops: ${leanBuffers}`);
  tf.dispose([x, bias]);
});

test.run();
