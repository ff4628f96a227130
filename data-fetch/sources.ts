/**
 * The data sets scbench downloads, as declarative facts: where the archive lives, its checksum,
 * how it is laid out, and how it is decoded. Everything else in data-fetch/ reads this table;
 * tests pass their own entry (`FetchOptions.source`) to point at a local server and small archives.
 */

export const FETCHABLE_DATASETS = ['cifar10', 'oxflower17', 'tinyimagenet'] as const;
export type FetchableName = (typeof FETCHABLE_DATASETS)[number];

/** CIFAR-10 binary version: 10,000 records a batch file, each 1 label byte + 1024 R + 1024 G + 1024 B (row-major 32x32). */
export interface Cifar10Layout {
  readonly kind: 'cifar10-binary';
  readonly root: string;
  readonly trainFiles: readonly string[];
  readonly testFile: string;
  /** One class name a line, in label order. */
  readonly metaFile: string;
  /** The official label order, which a copy in class folders is mapped to. */
  readonly classNames: readonly string[];
}

/** Oxflower17: jpg/image_NNNN.jpg, numbered from 1, `imagesPerClass` consecutive numbers a class. */
export interface Oxflower17Layout {
  readonly kind: 'oxflower17-jpg';
  readonly imageDir: string;
  readonly imagesPerClass: number;
  /** The archive names no classes; these are the VGG page's names in label order. */
  readonly classNames: readonly string[];
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
  readonly name: FetchableName;
  readonly title: string;
  readonly url: string;
  /** File name of the archive in the cache's archives/ folder. */
  readonly fileName: string;
  readonly md5: string;
  /** Exact size in bytes where it is known (checked before the md5); the md5 alone otherwise. */
  readonly bytes?: number;
  /** Height, width, channels of every decoded image. */
  readonly shape: readonly [number, number, number];
  /** Image counts the official archive decodes to; a custom archive (FetchOptions.md5) may differ. */
  readonly counts: { readonly train: number; readonly test: number };
  readonly layout: ArchiveLayout;
}

export const DATASET_SOURCES: Readonly<Record<FetchableName, DatasetSource>> = {
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    fileName: 'cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    bytes: 170_052_171,
    shape: [32, 32, 3],
    counts: { train: 50_000, test: 10_000 },
    layout: {
      kind: 'cifar10-binary',
      root: 'cifar-10-batches-bin',
      trainFiles: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
      testFile: 'test_batch.bin',
      metaFile: 'batches.meta.txt',
      classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    },
  },
  oxflower17: {
    name: 'oxflower17',
    title: 'Oxford 17 Category Flower Dataset',
    url: 'https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz',
    fileName: '17flowers.tgz',
    md5: 'b59a65d8d1a99cd66944d474e1289eab',
    // Its exact size is not recorded in the spec (about 58 MB): the md5 alone verifies it.
    shape: [224, 224, 3],
    counts: { train: 1088, test: 272 },
    layout: {
      kind: 'oxflower17-jpg',
      imageDir: 'jpg',
      imagesPerClass: 80,
      classNames: [
        'Daffodil', 'Snowdrop', 'Lily Valley', 'Bluebell', 'Crocus', 'Iris', 'Tigerlily', 'Tulip', 'Fritillary',
        'Sunflower', 'Daisy', "Colts' Foot", 'Dandelion', 'Cowslip', 'Buttercup', 'Windflower', 'Pansy',
      ],
      testFraction: 0.2,
      splitSeed: 'oxflower17-split-v1',
      resize: 'fill',
    },
  },
  tinyimagenet: {
    name: 'tinyimagenet',
    title: 'Tiny ImageNet (200 classes)',
    url: 'http://cs231n.stanford.edu/tiny-imagenet-200.zip',
    fileName: 'tiny-imagenet-200.zip',
    md5: '90528d7ca1a48142e341f4ef8d21d0de',
    bytes: 248_100_043,
    shape: [64, 64, 3],
    counts: { train: 100_000, test: 10_000 },
    layout: { kind: 'tinyimagenet-zip', root: 'tiny-imagenet-200' },
  },
};
