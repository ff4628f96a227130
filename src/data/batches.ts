import * as tf from '@tensorflow/tfjs-core';
import { permutation, seededRandom } from '../random.ts';
import type { Augmentation, ImageSplit, Normalization } from './dataset.ts';

/** One batch on the engine: float images normalised per channel, and int32 labels. */
export interface Batch {
  readonly x: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  readonly size: number;
}

/** Batches, and so optimizer steps, of one epoch over `count` images; the last batch may be partial. */
export function batchesPerEpoch(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * Converts the images at `indices` to one float batch, augmenting a copy of each first. Only one
 * batch is ever float: a data set stays uint8 in memory.
 */
export function makeBatch(
  split: ImageSplit,
  indices: ArrayLike<number>,
  normalization: Normalization,
  augmentations: readonly Augmentation[] = [],
  random: () => number = Math.random,
): Batch {
  const [h, w, c] = split.shape;
  const imageSize = h * w * c;
  const pixels = new Float32Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  const scale = normalization.std.map((s) => 1 / (255 * s));
  const shift = normalization.mean.map((m, ch) => m / normalization.std[ch]);
  const image = new Uint8Array(imageSize);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i];
    image.set(split.images.subarray(source * imageSize, (source + 1) * imageSize));
    for (const augment of augmentations) augment(image, split.shape, random);
    const base = i * imageSize;
    for (let p = 0; p < imageSize; p++) {
      const ch = p % c;
      pixels[base + p] = image[p] * scale[ch] - shift[ch];
    }
    labels[i] = split.labels[source];
  }
  return {
    x: tf.tensor4d(pixels, [indices.length, h, w, c]),
    labels: tf.tensor1d(labels, 'int32'),
    size: indices.length,
  };
}

/**
 * The training batches of one epoch in a seeded order: the same seed and epoch give the same batches,
 * so a run resumed at an epoch sees exactly the data an uninterrupted run would have seen.
 */
export function* epochBatches(
  split: ImageSplit,
  options: { batchSize: number; seed: number; epoch: number; normalization: Normalization; augmentations: readonly Augmentation[] },
): Generator<Batch> {
  const order = permutation(split.count, seededRandom('order', options.seed, options.epoch));
  const random = seededRandom('augment', options.seed, options.epoch);
  for (let start = 0; start < split.count; start += options.batchSize) {
    yield makeBatch(split, order.subarray(start, start + options.batchSize), options.normalization, options.augmentations, random);
  }
}

/** The evaluation batches of a split, in order, without augmentation. */
export function* evaluationBatches(split: ImageSplit, batchSize: number, normalization: Normalization): Generator<Batch> {
  for (let start = 0; start < split.count; start += batchSize) {
    const end = Math.min(split.count, start + batchSize);
    yield makeBatch(split, Array.from({ length: end - start }, (_, i) => start + i), normalization);
  }
}
