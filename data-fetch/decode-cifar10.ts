import { basename } from 'node:path';
import type { ImageSplit } from '../src/data/dataset.ts';
import { UserError } from '../src/errors.ts';
import { readTarMembers, requireMember, textLines } from './archive.ts';
import { allocateSplit, type DecodedDataset } from './cache.ts';
import type { Cifar10Layout } from './sources.ts';

/** CIFAR-10 binary batches: records of 1 label byte and the image as R, G, B planes (CHW), turned into HWC. */
export async function decodeCifar10(
  archive: string,
  layout: Cifar10Layout,
  shape: readonly [number, number, number],
): Promise<DecodedDataset> {
  const member = (file: string) => `${layout.root}/${file}`;
  const wanted = new Set([...layout.trainFiles, layout.testFile, layout.metaFile].map(member));
  const members = await readTarMembers(archive, (path) => wanted.has(path));
  const classNames = textLines(requireMember(archive, members, member(layout.metaFile)));
  const batches = (files: readonly string[]) =>
    files.map((file) => ({ name: member(file), data: requireMember(archive, members, member(file)) }));
  return {
    classNames,
    train: recordsToSplit(archive, batches(layout.trainFiles), shape, classNames.length),
    test: recordsToSplit(archive, batches([layout.testFile]), shape, classNames.length),
  };
}

function recordsToSplit(
  archive: string,
  batches: readonly { name: string; data: Buffer }[],
  shape: readonly [number, number, number],
  classes: number,
): ImageSplit {
  const [height, width, channels] = shape;
  const plane = height * width;
  const recordBytes = 1 + plane * channels;
  for (const { name, data } of batches) {
    if (data.length % recordBytes !== 0) {
      throw new UserError(`${name} in ${basename(archive)} is ${data.length} B, not a whole number of ${recordBytes}-byte records`);
    }
  }
  const split = allocateSplit(batches.reduce((sum, { data }) => sum + data.length / recordBytes, 0), shape);
  let n = 0;
  for (const { name, data } of batches) {
    for (let record = 0; record * recordBytes < data.length; record++, n++) {
      const offset = record * recordBytes;
      const label = data[offset];
      if (label >= classes) throw new UserError(`${name} in ${basename(archive)}: record ${record} has label ${label}, but the archive names ${classes} classes`);
      split.labels[n] = label;
      const image = split.images.subarray(n * plane * channels, (n + 1) * plane * channels);
      for (let c = 0; c < channels; c++) {
        const source = offset + 1 + c * plane;
        for (let p = 0; p < plane; p++) image[p * channels + c] = data[source + p];
      }
    }
  }
  return split;
}
