import type { DecodedDataset } from './cache.ts';
import { decodeCifar10 } from './decode-cifar10.ts';
import { decodeOxflower17 } from './decode-oxflower17.ts';
import { decodeTinyImageNet } from './decode-tinyimagenet.ts';
import type { DatasetSource } from './sources.ts';

/** Decodes a verified archive into uint8 train and test splits, as its layout says. */
export function decodeArchive(archive: string, source: DatasetSource): Promise<DecodedDataset> {
  const { layout, shape } = source;
  switch (layout.kind) {
    case 'cifar10-binary':
      return decodeCifar10(archive, layout, shape);
    case 'oxflower17-jpg':
      return decodeOxflower17(archive, layout, shape);
    case 'tinyimagenet-zip':
      return decodeTinyImageNet(archive, layout, shape);
  }
}

/** How a layout is decoded, in words, for the cache manifest and `scbench data info`. */
export function decodingDescription(source: DatasetSource): string {
  const { layout, shape } = source;
  switch (layout.kind) {
    case 'cifar10-binary':
      return `binary records, CHW planes to HWC; train = ${layout.trainFiles.join(', ')}; test = ${layout.testFile}`;
    case 'oxflower17-jpg':
      return (
        `JPEGs resized to ${shape[0]}x${shape[1]} with sharp fit '${layout.resize}' (stretched, aspect ratio not kept, lanczos3); ` +
        `stratified split, round(${layout.testFraction} x class size) of each class to test by a permutation seeded "${layout.splitSeed}"`
      );
    case 'tinyimagenet-zip':
      return 'JPEGs decoded to sRGB (grayscale and CMYK to 3 channels); class index = wnids.txt line; test = the labelled val split';
  }
}
