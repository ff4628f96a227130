/**
 * What data-fetch needs to know of a data set it downloads: where the archive lives, its checksum,
 * how it is laid out and decoded. The data sets' descriptors (src/data/datasets.ts) provide these
 * facts; tests pass their own to point at a local server and small archives.
 */

/** CIFAR-10 binary version: 10,000 records a batch file, each 1 label byte + 1024 R + 1024 G + 1024 B (row-major 32x32). */
export interface Cifar10Layout {
  readonly kind: 'cifar10-binary';
  readonly root: string;
  readonly trainFiles: readonly string[];
  readonly testFile: string;
  /** One class name a line, in label order. */
  readonly metaFile: string;
}

/** Oxflower17: jpg/image_NNNN.jpg, numbered from 1, `imagesPerClass` consecutive numbers a class. */
export interface Oxflower17Layout {
  readonly kind: 'oxflower17-jpg';
  readonly imageDir: string;
  readonly imagesPerClass: number;
  /** Stratified split: in every class, round(testFraction * class size) images go to test. */
  readonly testFraction: number;
  /** Seed of the per-class permutation (src/random.ts seededRandom) that picks the test images. */
  readonly splitSeed: string;
  /**
   * sharp's fit 'fill': every JPEG is stretched to exactly the declared height x width, aspect ratio
   * not kept and nothing cropped (as Keras load_img(target_size=...) does), lanczos3 kernel.
   */
  readonly resize: 'fill';
}

/**
 * TinyImageNet: class index = line number in wnids.txt, class name from words.txt; train images in
 * train/<wnid>/images/, the labelled val split (val/images + val/val_annotations.txt) is the test split.
 */
export interface TinyImageNetLayout {
  readonly kind: 'tinyimagenet-zip';
  readonly root: string;
}

export type ArchiveLayout = Cifar10Layout | Oxflower17Layout | TinyImageNetLayout;

export interface DatasetSource {
  readonly name: string;
  readonly title: string;
  readonly url: string;
  /** File name of the archive in the cache's archives/ folder. */
  readonly fileName: string;
  readonly md5: string;
  /** Exact size in bytes where it is known (checked before the md5); the md5 alone otherwise. */
  readonly bytes?: number;
  /** Height, width, channels of every decoded image. */
  readonly shape: readonly [number, number, number];
  /**
   * Class names in label order where the data set fixes them (Oxflower17's archive names none; a
   * copy of CIFAR-10 in class folders is mapped to this order); absent where the archive lists them.
   */
  readonly classNames?: readonly string[];
  /** Image counts the official archive decodes to; a custom archive (FetchOptions.md5) may differ. */
  readonly counts: { readonly train: number; readonly test: number };
  readonly layout: ArchiveLayout;
}
