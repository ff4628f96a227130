import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from '../engine/backend.ts';
import { batchNorm, ceilModeAvgPool, conv2d, dense, depthwiseConv2d, residual, sequential, withKernelInit, zeroPadChannels, type LayerFactory } from './layers.ts';
import { ParamStore } from './params.ts';

test.before(async () => {
  await initEngine('cpu');
});

function build(factory: LayerFactory, input: number[]) {
  const params = new ParamStore(7);
  return { params, layer: factory(params, input) };
}

const close = (actual: tf.Tensor, expected: number[], message?: string) => {
  const values = Array.from(actual.dataSync());
  assert.is(values.length, expected.length, message);
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${message ?? ''} [${i}]: ${v} vs ${expected[i]}`));
};

test('depthwise conv: one filter per channel, Keras glorot fans, decayed kernel, macs', () => {
  const { params, layer } = build(depthwiseConv2d({ strides: 2, useBias: false, depthMultiplier: 2 }), [6, 6, 3]);
  assert.equal(layer.outputShape, [3, 3, 6]);
  assert.is(layer.macs, 3 * 3 * 6 * 3 * 3);
  const [kernel] = params.all;
  assert.equal(kernel.variable.shape, [3, 3, 3, 2]);
  assert.is(kernel.decayed, true);
  assert.is(params.all.length, 1, 'no bias when useBias is false');
  // glorot_uniform limit sqrt(6 / (9 * 3 + 9 * 2)) = 0.365; a conv2d-style fan (9 * 3 + 9 * 6) would give 0.272.
  const largest = tf.max(tf.abs(kernel.variable)).dataSync()[0];
  assert.ok(largest <= Math.sqrt(6 / 45) && largest > 0.3, `largest |w| ${largest}`);

  const x = tf.randomUniform([1, 6, 6, 3], -1, 1, 'float32', 1);
  const y = layer.apply(x, true);
  // Output channel c * 2 + m is input channel c convolved with filter [:, :, c, m].
  for (let c = 0; c < 3; c++) {
    for (let m = 0; m < 2; m++) {
      const filter = tf.slice(kernel.variable, [0, 0, c, m], [3, 3, 1, 1]) as tf.Tensor4D;
      const expected = tf.conv2d(tf.slice(x, [0, 0, 0, c], [1, 6, 6, 1]) as tf.Tensor4D, filter, 2, 'same');
      close(tf.slice(y, [0, 0, 0, c * 2 + m], [1, 3, 3, 1]), Array.from(expected.dataSync()), `channel ${c}, multiplier ${m}`);
    }
  }
  params.dispose();
});

test("kernel fillers: Keras glorot_uniform by default; Keras 2.1's he_normal, Caffe's msra and xavier on request", () => {
  const moments = (factory: LayerFactory, input: number[]) => {
    const { params } = build(factory, input);
    const values = Array.from(params.all[0]!.variable.dataSync());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const max = Math.max(...values.map(Math.abs));
    params.dispose();
    return { mean, sd, max };
  };
  // 3x3 conv, 64 -> 64 channels: fanIn = fanOut = 576, 36,864 draws.
  const glorot = moments(conv2d(64), [4, 4, 64]);
  const limit = Math.sqrt(6 / 1152);
  assert.ok(glorot.max <= limit && Math.abs(glorot.sd - limit / Math.sqrt(3)) < 0.02 * glorot.sd, `glorot sd ${glorot.sd}`);
  const msra = moments(conv2d(64, { init: 'caffe-msra' }), [4, 4, 64]);
  assert.ok(Math.abs(msra.mean) < 0.01 * msra.sd && Math.abs(msra.sd - Math.sqrt(2 / 576)) < 0.02 * msra.sd, `msra mean ${msra.mean}, sd ${msra.sd}`);
  assert.ok(msra.max > 3.5 * msra.sd, 'normal tails, not a bounded uniform');
  // Truncated at 2 sd of the untruncated normal, whose sd the truncation shrinks by 0.8796 (scipy truncnorm(-2, 2).std()).
  const he = moments(conv2d(64, { init: 'keras-he-normal' }), [4, 4, 64]);
  const heStd = Math.sqrt(2 / 576);
  assert.ok(he.max <= 2 * heStd && he.max > 1.95 * heStd, `he_normal max ${he.max} against 2 sd ${2 * heStd}`);
  assert.ok(Math.abs(he.mean) < 0.01 * he.sd && Math.abs(he.sd - 0.87962566 * heStd) < 0.02 * he.sd, `he_normal mean ${he.mean}, sd ${he.sd}`);
  // A network-wide initialiser reaches the kernels that name none; a kernel's own choice stands.
  const ported = moments(withKernelInit('keras-he-normal', sequential(conv2d(64))), [4, 4, 64]);
  assert.equal(ported, he);
  const own = moments(withKernelInit('keras-he-normal', sequential(conv2d(64, { init: 'caffe-msra' }))), [4, 4, 64]);
  assert.equal(own, msra);
  // Dense 512 -> 10: Caffe's xavier uses the fan-in only.
  const xavier = moments(dense(10, 'caffe-xavier'), [512]);
  assert.ok(xavier.max <= Math.sqrt(3 / 512) && Math.abs(xavier.sd - 1 / Math.sqrt(512)) < 0.05 * xavier.sd, `xavier sd ${xavier.sd}`);
});

test('zeroPadChannels appends zero channels and refuses to narrow', () => {
  const { layer } = build(zeroPadChannels(4), [1, 2, 2]);
  assert.equal(layer.outputShape, [1, 2, 4]);
  close(layer.apply(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]), false), [1, 2, 0, 0, 3, 4, 0, 0]);
  assert.throws(() => build(zeroPadChannels(1), [1, 2, 2]), /2 channels cannot be padded to 1/);
});

test("ceilModeAvgPool averages only the pixels inside each window, forward and backward (Caffe's AVE pooling)", () => {
  const { layer } = build(ceilModeAvgPool(3, 2), [4, 4, 1]);
  assert.equal(layer.outputShape, [2, 2, 1]);
  // x[i][j] = 4i + j; windows rows {0,1,2} or {2,3} by columns {0,1,2} or {2,3}, holding 9, 6, 6 and 4 pixels.
  const x = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]);
  close(layer.apply(x, true), [4 + 1, 4 + 2.5, 10 + 1, 10 + 2.5]);
  // d(sum of outputs)/dx[i][j] = sum of 1 / window size over the windows holding (i, j).
  const grad = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input, true)))(x);
  const [a, b, c, d] = [1 / 9, 1 / 6, 1 / 6, 1 / 4];
  close(grad, [a, a, a + b, b, a, a, a + b, b, a + c, a + c, a + b + c + d, b + d, c, c, c + d, d]);
});

test('ceilModeAvgPool on 32x32 gives the 16x16 of Caffe (ceil((32 - 3) / 2) + 1)', () => {
  assert.equal(build(ceilModeAvgPool(3, 2), [32, 32, 16]).layer.outputShape, [16, 16, 16]);
});

test('residual adds the body to its input or to a shortcut, and checks their shapes', () => {
  const { params, layer } = build(residual(conv2d(2, { kernelSize: 1 })), [3, 3, 2]);
  assert.is(layer.macs, 3 * 3 * 2 * 2);
  const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 3);
  const kernel = params.all[0].variable;
  const expected = tf.add(tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), x);
  close(layer.apply(x, true), Array.from(expected.dataSync()));

  const padded = build(residual(conv2d(4, { kernelSize: 1, useBias: false }), zeroPadChannels(4)), [3, 3, 2]).layer;
  assert.equal(padded.outputShape, [3, 3, 4]);
  assert.throws(() => build(residual(conv2d(3)), [3, 3, 2]), /residual: body gives \[3,3,3\] but the shortcut gives \[3,3,2\]/);
});

test('batchNorm normalises a dense layer output per unit in training and uses the moving statistics in inference', () => {
  const { params, layer } = build(batchNorm(0.5, 1e-3), [3]);
  const x = tf.tensor2d([1, 10, 100, 3, 20, 300], [2, 3]);
  const y = layer.apply(x, true);
  assert.equal(y.shape, [2, 3]);
  // Columns (1, 3), (10, 20), (100, 300): batch variances 1, 25, 10000; y = -+1 / sqrt(1 + epsilon / variance).
  const s = [1, 25, 10000].map((variance) => 1 / Math.sqrt(1 + 1e-3 / variance));
  close(y, [-s[0], -s[1], -s[2], s[0], s[1], s[2]]);
  const [, , movingMean, movingVariance] = params.all.map((p) => p.variable);
  close(movingMean, [1, 7.5, 100]);
  close(movingVariance, [1, 13, 5000.5]);
  assert.equal(layer.apply(x, false).shape, [2, 3]);
});

test.run();
