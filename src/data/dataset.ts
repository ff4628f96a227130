import type { ImageSplit, SourceRecord } from '../../data-fetch/cache.ts';

/** A decoded split of an image-classification data set, held as compact uint8 pixels (the cache's layout). */
export type { ImageSplit };

/** Per-channel normalisation applied when a uint8 batch is turned into float: (x / 255 - mean) / std. */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** A data set the runner can train on: named, with train and test splits and its class names. */
export interface ImageDataset {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  readonly normalization: Normalization;
  /** Where a cached data set came from (path, md5 or content hash, official or not, in words). Absent for embedded data. */
  readonly source?: SourceRecord;
}

/**
 * A random, in-place change of one uint8 HWC image (flip, shift, rotation...). `random` is the
 * seeded stream of the batch being built, so the same seed gives the same augmented batch.
 */
export type Augmentation = (image: Uint8Array, shape: readonly [number, number, number], random: () => number) => void;
