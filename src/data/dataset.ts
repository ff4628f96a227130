/** A decoded split of an image-classification data set, held as compact uint8 pixels. */
export interface ImageSplit {
  /** Number of images. */
  readonly count: number;
  /** Height, width, channels of one image. */
  readonly shape: readonly [number, number, number];
  /** Pixels of all images, HWC order, image after image: count * h * w * c bytes. */
  readonly images: Uint8Array;
  /** Class index of each image. */
  readonly labels: Uint16Array;
}

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
  /** Where a downloaded data set came from; `official` when it is the archive the paper used. Absent for embedded data. */
  readonly source?: { readonly archive: string; readonly md5: string; readonly official: boolean };
}

/**
 * A random, in-place change of one uint8 HWC image (flip, shift, rotation...). `random` is the
 * seeded stream of the batch being built, so the same seed gives the same augmented batch.
 */
export type Augmentation = (image: Uint8Array, shape: readonly [number, number, number], random: () => number) => void;
