import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { epochBatches, evaluationBatches } from './batches.ts';
import type { ImageSplit } from './dataset.ts';

test.before(async () => {
  await tf.setBackend('cpu');
});

// 10 images of 1x1x2 pixels: image i has pixels [i, 2i] and label i.
const split: ImageSplit = {
  count: 10,
  shape: [1, 1, 2],
  images: Uint8Array.from({ length: 20 }, (_, p) => (p % 2 === 0 ? p / 2 : p - 1)),
  labels: Uint16Array.from({ length: 10 }, (_, i) => i),
};
const normalization = { mean: [0.5, 0], std: [0.5, 2] };
const options = { batchSize: 4, seed: 7, epoch: 1, normalization, augmentations: [] };

function labelsOf(batches: Iterable<{ labels: tf.Tensor1D; x: tf.Tensor4D }>): number[][] {
  return [...batches].map((b) => {
    const labels = Array.from(b.labels.dataSync());
    tf.dispose([b.x, b.labels]);
    return labels;
  });
}

test('an epoch visits every image once, in batches of the given size, the last one partial', () => {
  const batches = labelsOf(epochBatches(split, options));
  assert.equal(batches.map((b) => b.length), [4, 4, 2]);
  assert.equal(batches.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('the order is a function of seed and epoch only', () => {
  const first = labelsOf(epochBatches(split, options)).flat();
  assert.equal(labelsOf(epochBatches(split, options)).flat(), first);
  assert.not.equal(labelsOf(epochBatches(split, { ...options, epoch: 2 })).flat(), first);
  assert.not.equal(labelsOf(epochBatches(split, { ...options, seed: 8 })).flat(), first);
});

test('pixels are normalised per channel: (x / 255 - mean) / std', () => {
  const [batch] = [...evaluationBatches(split, 10, normalization)];
  const x = batch.x.dataSync();
  const image = 3;
  assert.ok(Math.abs(x[2 * image] - (3 / 255 - 0.5) / 0.5) < 1e-6);
  assert.ok(Math.abs(x[2 * image + 1] - 6 / 255 / 2) < 1e-6);
  tf.dispose([batch.x, batch.labels]);
});

test.run();
