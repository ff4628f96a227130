import * as tf from '@tensorflow/tfjs-core';
import { valuesOn } from './src/engine/test-support.ts';
const c = { shape: [1, 4, 6, 12] as [number, number, number, number], size: 3, strides: 2, pad: 'same' as const };
const f = () => {
  const x = tf.round(tf.mul(tf.randomNormal(c.shape, 0, 1, 'float32', 21), 0.7));
  const dy = (y: tf.Tensor) => tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 22));
  return tf.grads((input: tf.Tensor) => tf.sum(dy(tf.maxPool(input as tf.Tensor4D, c.size, c.strides, c.pad))))([x]);
};
const [e] = await valuesOn('cpu', f); const [a] = await valuesOn('wasm', f);
for (let i = 0; i < e.length; i++) if (e[i] !== a[i]) console.log(i, Math.floor(i / 72), Math.floor(i / 12) % 6, i % 12, e[i], a[i]);
const g = () => [tf.cast(tf.transpose(tf.cast(tf.mul(tf.randomNormal([7], 0, 1, 'float32', 31), 100), 'int32'), [0]), 'float32')];
console.log(await valuesOn('cpu', g), await valuesOn('wasm', g));
