import { basename } from 'node:path';
import { UserError } from '../src/errors.ts';
import { readTarMembers, requireMember, textLines } from './archive.ts';
import { allocateSplit, type ArchiveDecoding, type ImageSplit } from './cache.ts';
import { decodeImageFolder, imageFolderMember, tarFiles } from './image-folder.ts';
import type { Cifar10Layout } from './sources.ts';

/**
 * CIFAR-10 from the official binary batches (records of 1 label byte and the image as R, G, B planes,
 * turned into HWC), or from a copy as image files in class folders (train/<class>/, test/<class>/),
 * whose folder names must be exactly CIFAR-10's ten classes and are mapped to its official label order.
 */
export async function decodeCifar10(
  archive: string,
  layout: Cifar10Layout,
  shape: readonly [number, number, number],
  options: { quiet: boolean; classNames?: readonly string[] },
): Promise<ArchiveDecoding> {
  const member = (file: string) => `${layout.root}/${file}`;
  const binary = new Set([...layout.trainFiles, layout.testFile, layout.metaFile].map(member));
  const members = await readTarMembers(archive, (path) => binary.has(path) || imageFolderMember(path));
  if (![...binary].some((path) => members.has(path)) && options.classNames) {
    const folder = await decodeImageFolder(tarFiles(archive, members), { classOrder: options.classNames, skipBad: false, quiet: options.quiet, label: 'cifar10' });
    if (folder.decoded.train.shape.some((n, i) => n !== shape[i])) {
      throw new UserError(`${basename(archive)}: its images are ${folder.decoded.train.shape.slice(0, 2).join('x')}, CIFAR-10's are ${shape[0]}x${shape[1]}`);
    }
    return { ...folder, copy: 'CIFAR-10 as image files in class folders: a copy, not the official binary archive' };
  }
  const classNames = textLines(requireMember(archive, members, member(layout.metaFile)));
  const batches = (files: readonly string[]) =>
    files.map((file) => ({ name: member(file), data: requireMember(archive, members, member(file)) }));
  return {
    decoded: {
      classNames,
      train: recordsToSplit(archive, batches(layout.trainFiles), shape, classNames.length),
      test: recordsToSplit(archive, batches([layout.testFile]), shape, classNames.length),
    },
    decoding: `binary records, CHW planes to HWC; train = ${layout.trainFiles.join(', ')}; test = ${layout.testFile}`,
    skipped: [],
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
