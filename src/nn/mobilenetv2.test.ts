import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from '../engine/backend.ts';
import { invertedResidual, makeDivisible } from './mobilenetv2.ts';
import { ParamStore } from './params.ts';

test.before(async () => {
  await initEngine('cpu');
});

test('makeDivisible rounds to the nearest multiple of 8, at least 8, never 10 % below (values from Python)', () => {
  const cases: [number, number][] = [[3, 8], [5.6, 8], [11, 16], [11.2, 16], [12, 16], [19, 24], [20, 24], [33.6, 32], [44.8, 48], [1792, 1792]];
  for (const [v, expected] of cases) assert.is(makeDivisible(v), expected, `makeDivisible(${v})`);
});

/** keras-applications' correct_pad for a 3x3 kernel: [before, after] zeros for one side of the input. */
function correctPad(size: number): [number, number] {
  const adjust = 1 - (size % 2);
  return [1 - adjust, 1];
}

test("keras-applications' ZeroPadding2D(correct_pad) + 'valid' equals 'same' for 3x3 stride-2 convs, even and odd sizes", () => {
  for (const [h, w] of [[8, 8], [7, 7], [6, 9]]) {
    const x = tf.randomNormal([1, h, w, 4], 0, 1, 'float32', h * w) as tf.Tensor4D;
    const padded = tf.pad(x, [[0, 0], correctPad(h), correctPad(w), [0, 0]]) as tf.Tensor4D;
    const filter = tf.randomNormal([3, 3, 4, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const viaPad = tf.conv2d(padded, filter, 2, 'valid');
    const same = tf.conv2d(x, filter, 2, 'same');
    assert.equal(same.shape, viaPad.shape);
    assert.ok(tf.max(tf.abs(tf.sub(viaPad, same))).dataSync()[0] < 1e-5, `conv2d ${h}x${w}`);
    const depthwiseFilter = tf.randomNormal([3, 3, 4, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const depthwise = tf.sub(tf.depthwiseConv2d(padded, depthwiseFilter, 2, 'valid'), tf.depthwiseConv2d(x, depthwiseFilter, 2, 'same'));
    assert.ok(tf.max(tf.abs(depthwise)).dataSync()[0] < 1e-5, `depthwise ${h}x${w}`);
  }
});

test('an inverted residual block adds its input back only at stride 1 with matching channels', () => {
  const build = (stride: 1 | 2, outChannels: number, input: number[]) => {
    const params = new ParamStore(1);
    const layer = invertedResidual({ expandedChannels: 48, outChannels, stride, batchNormMomentum: 0.999 })(params, input);
    const x = tf.randomNormal([2, ...input], 0, 1, 'float32', 4);
    // In inference mode with fresh statistics batch norm is y = x / sqrt(1 + 1e-3): the block's output
    // minus its input is the body alone, which the projection's gamma (zeroed here) silences.
    const gamma = params.all.filter((p) => p.name.endsWith('gamma')).at(-1)!.variable;
    gamma.assign(tf.zerosLike(gamma));
    const y = layer.apply(x, false);
    return { layer, params, x, y };
  };
  const withShortcut = build(1, 8, [4, 4, 8]);
  assert.ok(tf.max(tf.abs(tf.sub(withShortcut.y, withShortcut.x))).dataSync()[0] < 1e-6, 'identity shortcut');
  const wider = build(1, 16, [4, 4, 8]);
  assert.is(tf.max(tf.abs(wider.y)).dataSync()[0], 0, 'no shortcut when the channels change');
  const strided = build(2, 8, [4, 4, 8]);
  assert.equal(strided.layer.outputShape, [2, 2, 8]);
  assert.is(tf.max(tf.abs(strided.y)).dataSync()[0], 0, 'no shortcut at stride 2');
  // Expand 1x1 (8 -> 48), depthwise 3x3 (48), project 1x1 (48 -> 8) at 4x4: 16 * (8*48 + 9*48 + 48*8).
  assert.is(withShortcut.layer.macs, 16 * (8 * 48 + 9 * 48 + 48 * 8));
  for (const built of [withShortcut, wider, strided]) built.params.dispose();
});

test.run();
