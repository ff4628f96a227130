// What a suite needs to know of a data set without loading it: the train count (a step size declared in epochs
// becomes iterations with it) and the image shape and class count (smoke runs build each network at its real
// input). The one table of these facts; datasets.test.ts checks it against data-fetch/sources.ts and the
// embedded MNIST split.

export interface DatasetFacts {
  /** Images in the train split: one epoch is ceil(train / batch size) iterations, as the runner counts. */
  readonly train: number;
  /** Height, width, channels of one image as the networks see it. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
}

export const DATASET_FACTS: Readonly<Record<string, DatasetFacts>> = {
  cifar10: { train: 50_000, shape: [32, 32, 3], classes: 10 },
  // Stratified 80/20 split of 17 x 80 images: 16 test images a class, 1,088 train.
  oxflower17: { train: 1088, shape: [224, 224, 3], classes: 17 },
  tinyimagenet: { train: 100_000, shape: [64, 64, 3], classes: 200 },
  mnist: { train: 8000, shape: [28, 28, 1], classes: 10 },
  'mnist-mini': { train: 1000, shape: [28, 28, 1], classes: 10 },
};

/** Iterations of one epoch, as the runner counts them (the last batch may be partial). */
export function iterationsPerEpoch(facts: DatasetFacts, batchSize: number): number {
  return Math.ceil(facts.train / batchSize);
}
