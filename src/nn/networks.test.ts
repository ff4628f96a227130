import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from '../engine/backend.ts';
import { crossEntropy, l2Penalty } from '../train/loss.ts';
import { buildNetwork, NETWORK_NAMES, networkSize, type Network } from './network.ts';

test.before(async () => {
  await initEngine('cpu');
});

/** Builds a network, hands it to `use`, and disposes it. */
function withNetwork<T>(name: string, input: number[], classes: number, use: (network: Network) => T): T {
  const network = buildNetwork(name, input, classes, 11);
  try {
    return use(network);
  } finally {
    network.dispose();
  }
}

const trainableCount = (network: Network) => network.params.all.filter((p) => p.trainable).reduce((sum, p) => sum + p.variable.size, 0);

test('the paper networks are registered by name', () => {
  for (const name of ['vgg16bn', 'mobilenetv2', 'resnet56', 'mini-mobilenetv2', 'mobilenetv2-0.35', 'mobilenetv2-1.4']) {
    assert.ok(NETWORK_NAMES.includes(name), name);
  }
});

// Parameter counts as Keras's model.count_params(): every scalar, batch-norm moving statistics included
// (4 per batch-norm channel). None of these networks flattens, so only the class count changes them.
const COUNTS: [name: string, input: number[], classes: number, total: number][] = [
  // keras.applications.MobileNetV2(weights=None) summary: 3,538,984 total, 3,504,872 trainable.
  ['mobilenetv2', [224, 224, 3], 1000, 3_538_984],
  // The same minus the 1000-class head (1280 * 1000 + 1000 = 1,281,000) plus the new head, 1281 per class.
  ['mobilenetv2', [32, 32, 3], 10, 3_538_984 - 1_281_000 + 1281 * 10],
  ['mobilenetv2', [224, 224, 3], 17, 3_538_984 - 1_281_000 + 1281 * 17],
  ['mobilenetv2', [64, 64, 3], 200, 3_538_984 - 1_281_000 + 1281 * 200],
  // VGG16 conv stack (kernel + bias), the standard 14,714,688:
  //   3*9*64+64 = 1,792; 64*9*64+64 = 36,928; 64*9*128+128 = 73,856; 128*9*128+128 = 147,584;
  //   128*9*256+256 = 295,168; 2 x (256*9*256+256) = 1,180,160; 256*9*512+512 = 1,180,160;
  //   5 x (512*9*512+512) = 11,799,040
  // + batch norm after each conv: 4 x (2*64 + 2*128 + 3*256 + 6*512) = 4 x 4,224 = 16,896
  // + dense 512: 512*512+512 = 262,656, its batch norm 4*512 = 2,048
  // + dense head 512*classes + classes: 5,130 for 10 classes, 8,721 for 17.
  ['vgg16bn', [32, 32, 3], 10, 14_714_688 + 16_896 + 262_656 + 2_048 + 5_130],
  ['vgg16bn', [224, 224, 3], 17, 14_714_688 + 16_896 + 262_656 + 2_048 + 8_721],
  // Smith & Topin's ResNet-56 (convs with bias, 4 per batch-norm channel):
  //   stem 3*9*16+16 + 64 = 512
  //   stage 1: 18 convs 16->16, each 16*9*16+16 + 64 = 2,384: 42,912
  //   stage 2: 2 convs 16->16 (the stride-2 block runs at 16 filters): 4,768; 16 convs 32->32, each
  //            32*9*32+32 + 128 = 9,376: 150,016
  //   stage 3: 2 convs 32->32: 18,752; 16 convs 64->64, each 64*9*64+64 + 256 = 37,184: 594,944
  //   dense 64*10+10 = 650
  ['resnet56', [32, 32, 3], 10, 512 + 42_912 + 4_768 + 150_016 + 18_752 + 594_944 + 650],
  // keras-one-cycle MiniMobileNetV2, alpha 1.4 (channels in -> expanded -> out):
  //   stem 3*9*48 + 4*48 = 1,488
  //   48->(48)->24: 9*48 + 4*48 + 48*24 + 4*24 = 1,872          24->144->32 /2: 10,640
  //   32->192->32 +: 15,680    32->192->48: 18,816    48->288->48 +: 2 x 32,736
  //   48->288->88 /2: 44,416   88->528->88 +: 3 x 102,256
  //     (expand c*e + 4e, depthwise 9e + 4e, project e*o + 4o)
  //   1x1 conv 88->1792 + batch norm: 88*1792 + 4*1792 = 164,864;  head 1792*10+10 = 17,930
  ['mini-mobilenetv2', [32, 32, 3], 10, 1_488 + 1_872 + 10_640 + 15_680 + 18_816 + 2 * 32_736 + 44_416 + 3 * 102_256 + 164_864 + 17_930],
];

test('parameter counts', () => {
  for (const [name, input, classes, expected] of COUNTS) {
    withNetwork(name, input, classes, (network) => assert.is(network.params.count, expected, `${name} ${input.join('x')} ${classes} classes`));
  }
});

test('MobileNetV2 splits its count into trainable and batch-norm moving statistics as Keras does', () => {
  withNetwork('mobilenetv2', [224, 224, 3], 1000, (network) => assert.is(trainableCount(network), 3_504_872));
});

test('weight decay covers exactly the conv, depthwise and dense kernels', () => {
  withNetwork('mini-mobilenetv2', [32, 32, 3], 10, (network) => {
    const decayed = network.params.all.filter((p) => p.decayed).map((p) => p.name.replace(/_\d+\//, '/'));
    assert.equal([...new Set(decayed)].sort(), ['conv2d/kernel', 'dense/kernel', 'depthwise_conv2d/depthwise_kernel']);
    // 1 stem + 9 expand + 10 project + 1 head conv; 10 depthwise; 1 dense.
    assert.is(decayed.length, 32);
  });
});

test("mini-mobilenetv2's kernels start from Keras's he_normal, as keras-one-cycle's mobilenets.py has them", () => {
  withNetwork('mini-mobilenetv2', [32, 32, 3], 10, (network) => {
    // The stem, 3x3 from 3 channels: fan-in 27; glorot_uniform would give a deviation of 0.066 (fan-out 432).
    const stem = Array.from(network.params.all[0]!.variable.dataSync());
    const sd = Math.sqrt(stem.reduce((sum, v) => sum + v * v, 0) / stem.length);
    const heStd = Math.sqrt(2 / 27);
    assert.ok(Math.abs(sd - 0.87962566 * heStd) < 0.1 * sd && Math.max(...stem.map(Math.abs)) <= 2 * heStd, `stem kernel sd ${sd}`);
  });
});

// keras-applications' mobilenet_v2.py table, MACs (M) of the 1001-class models, which our per-layer
// count reproduces to the (truncated) million: width multipliers at 224 and resolutions at alpha 0.35.
const KERAS_MACS: [alpha: string, size: number, millions: number][] = [
  ['1.4', 224, 582],
  ['1.3', 224, 509],
  ['', 224, 300],
  ['0.75', 224, 209],
  ['0.5', 224, 97],
  ['0.35', 224, 59],
  ['0.35', 192, 43],
  ['0.35', 160, 30],
  ['0.35', 128, 20],
  ['0.35', 96, 11],
];

test('MobileNetV2 multiply-accumulates match the keras-applications table', () => {
  for (const [alpha, size, millions] of KERAS_MACS) {
    const name = alpha ? `mobilenetv2-${alpha}` : 'mobilenetv2';
    withNetwork(name, [size, size, 3], 1001, (network) => assert.is(Math.floor(network.macsPerImage / 1e6), millions, `${name} at ${size}`));
  }
});

test('multiply-accumulates per image of the other networks', () => {
  // VGG16's conv stack at 224x224 is 15,346,630,656 MACs; at 32x32 every map has 1/49 the pixels.
  withNetwork('vgg16bn', [32, 32, 3], 10, (network) => assert.is(network.macsPerImage, 15_346_630_656 / 49 + 512 * 512 + 512 * 10));
  // Each 3x3 conv of a full-width block is 2,359,296 MACs (32*32*16*9*16 = 16*16*32*9*32 = 8*8*64*9*64),
  // 18 + 16 + 16 of them; the two convs of each stride-2 block a quarter of that; the stem 32*32*16*27;
  // the dense 640.
  withNetwork('resnet56', [32, 32, 3], 10, (network) => assert.is(network.macsPerImage, 50 * 2_359_296 + 4 * 589_824 + 442_368 + 640));
});

test('networkSize counts without allocating what building allocates', () => {
  for (const name of NETWORK_NAMES) {
    const before = tf.memory().numBytes;
    const size = networkSize(name, [32, 32, 3], 10);
    assert.is(tf.memory().numBytes, before, `${name} allocated nothing`);
    withNetwork(name, [32, 32, 3], 10, (network) => {
      assert.equal(size, { parameters: network.params.count, macsPerImage: network.macsPerImage }, name);
    });
  }
});

/**
 * The gradient half of a training step with the loop's loss (cross-entropy + L2 on the decayed kernels):
 * a finite loss, a finite gradient for every trainable tensor, batch norm moving its statistics, and no
 * tensor left behind. (No check that a step lowers the loss: at batch 2 MobileNetV2's 1x1 stages
 * normalise two values per channel, and its gradient norm reaches 1e8 at 16x16.)
 */
function checkTrainingStep(name: string, input: number[], classes: number): void {
  withNetwork(name, input, classes, (network) => {
    const batch = 2;
    const x: tf.Tensor4D = tf.randomNormal([batch, input[0], input[1], input[2]], 0, 1, 'float32', 5);
    const labels = tf.tensor1d([0, classes - 1], 'int32');
    const movingMean = network.params.all.find((p) => p.name.endsWith('moving_mean'))!.variable;
    const tensorsBefore = tf.memory().numTensors;

    tf.tidy(() => assert.equal(network.logits(x, false).shape, [batch, classes]));
    const { value, grads } = tf.variableGrads(
      () => tf.add(crossEntropy(labels, network.logits(x, true)), l2Penalty(network.params.decayed, 1e-4)) as tf.Scalar,
      network.params.trainable,
    );
    const loss = value.dataSync()[0];
    assert.ok(Number.isFinite(loss), `${name}: loss ${loss}`);
    for (const variable of network.params.trainable) {
      const grad = grads[variable.name];
      assert.ok(grad, `${name}: no gradient for ${variable.name}`);
      assert.is(tf.tidy(() => tf.all(tf.isFinite(grad)).dataSync()[0]), 1, `${name}: non-finite gradient`);
    }
    assert.ok(tf.tidy(() => tf.max(tf.abs(movingMean)).dataSync()[0]) > 0, `${name}: moving mean not updated`);
    tf.dispose([value, ...Object.values(grads)]);
    assert.is(tf.memory().numTensors, tensorsBefore, `${name}: tensors left behind`);
    tf.dispose([x, labels]);
  });
}

// The cpu backend's filter gradient is slow (about 100 s for one VGG16 step at 32x32, the least its five
// pools take), so the cpu steps run on tiny inputs and the 32x32 steps on wasm, the suite's own engine,
// whose registered gradient kernels (conv filter, depthwise input and filter) they exercise.
test('mobilenetv2 takes a training step on cpu', () => checkTrainingStep('mobilenetv2', [16, 16, 3], 10));
test('resnet56 takes a training step on cpu', () => checkTrainingStep('resnet56', [8, 8, 3], 10));
test('resnet56-bn0.95 is resnet56 with batch-norm moving averages at 0.95 instead of 0.999', () => {
  const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const firstMovingMean = (name: string) =>
    withNetwork(name, [8, 8, 3], 10, (network) => {
      tf.tidy(() => network.logits(x, true));
      assert.is(network.params.count, networkSize('resnet56', [8, 8, 3], 10).parameters);
      return Array.from(network.params.all.find((p) => p.name.endsWith('moving_mean'))!.variable.dataSync());
    });
  const slow = firstMovingMean('resnet56');
  const fast = firstMovingMean('resnet56-bn0.95');
  // From zero, one training-mode pass moves each moving mean by (1 - fraction) x the batch mean.
  slow.forEach((value, i) => assert.ok(Math.abs(fast[i]! - 50 * value) <= 1e-4 * Math.abs(fast[i]!) + 1e-7, `channel ${i}: ${fast[i]} vs 50 x ${value}`));
  assert.ok(slow.some((value) => value !== 0), 'the moving mean moved');
  x.dispose();
});
test('mini-mobilenetv2 takes a training step on cpu', () => checkTrainingStep('mini-mobilenetv2', [8, 8, 3], 10));

test('on wasm, mobilenetv2 and vgg16bn take a training step at 32x32x3', async () => {
  await initEngine('wasm');
  checkTrainingStep('mobilenetv2', [32, 32, 3], 10);
  checkTrainingStep('vgg16bn', [32, 32, 3], 10);
});

test.run();
