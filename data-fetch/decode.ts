import type { DecodedDataset } from './cache.ts';
import { decodeCifar10 } from './decode-cifar10.ts';
import { decodeOxflower17 } from './decode-oxflower17.ts';
import { decodeTinyImageNet } from './decode-tinyimagenet.ts';
import type { DatasetSource } from './sources.ts';

/** A decoded archive, with how it was decoded in words and what it held, for the cache manifest. */
export interface ArchiveDecoding {
  readonly decoded: DecodedDataset;
  /** How the images were decoded (layout, class order, resize, split), for the manifest and `scbench data info`. */
  readonly decoding: string;
  /** Files left out because they did not decode. */
  readonly skipped: readonly { readonly file: string; readonly problem: string }[];
  /** Image files read, where the archive is a set of image files. */
  readonly files?: number;
  /** Set when the archive holds the data set in another form than the official archive's: what it is, in words. */
  readonly copy?: string;
}

/** Decodes a verified archive into uint8 train and test splits, as its layout says. */
export function decodeArchive(archive: string, source: DatasetSource, options: { quiet: boolean }): Promise<ArchiveDecoding> {
  const { layout, shape } = source;
  switch (layout.kind) {
    case 'cifar10-binary':
      return decodeCifar10(archive, layout, shape, options);
    case 'oxflower17-jpg':
      return decodeOxflower17(archive, layout, shape, options);
    case 'tinyimagenet-zip':
      return decodeTinyImageNet(archive, layout, shape, options);
  }
}
