import type { ArchiveDecoding } from './cache.ts';
import { decodeCifar10 } from './decode-cifar10.ts';
import { decodeOxflower17 } from './decode-oxflower17.ts';
import { decodeTinyImageNet } from './decode-tinyimagenet.ts';
import type { DatasetSource } from './sources.ts';

/** Decodes a verified archive into uint8 train and test splits, as its layout says. */
export function decodeArchive(archive: string, source: DatasetSource, options: { quiet: boolean }): Promise<ArchiveDecoding> {
  const { layout, shape, classNames } = source;
  switch (layout.kind) {
    case 'cifar10-binary':
      return decodeCifar10(archive, layout, shape, { ...options, classNames });
    case 'oxflower17-jpg':
      if (!classNames) throw new Error(`${source.name}: an oxflower17-jpg layout needs the class names, which its archive lacks`);
      return decodeOxflower17(archive, layout, shape, { ...options, classNames });
    case 'tinyimagenet-zip':
      return decodeTinyImageNet(archive, layout, shape, options);
  }
}
