import { basename } from 'node:path';
import type { ImageSplit } from '../src/data/dataset.ts';
import { UserError } from '../src/errors.ts';
import { permutation, seededRandom } from '../src/random.ts';
import { missingMemberError, readTarMembers } from './archive.ts';
import { allocateSplit, type DecodedDataset } from './cache.ts';
import { decodeJpegInto, forEachInFlight } from './jpeg.ts';
import type { Oxflower17Layout } from './sources.ts';

/**
 * Oxflower17: image number n (from 1) has class floor((n - 1) / imagesPerClass). Every class is
 * split on its own with a seeded permutation, so both splits keep the class balance.
 */
export async function decodeOxflower17(
  archive: string,
  layout: Oxflower17Layout,
  shape: readonly [number, number, number],
): Promise<DecodedDataset> {
  const pattern = new RegExp(`^${layout.imageDir}/image_(\\d+)\\.jpg$`);
  const members = await readTarMembers(archive, (path) => pattern.test(path));
  const total = layout.classNames.length * layout.imagesPerClass;
  for (const path of members.keys()) {
    const n = Number(pattern.exec(path)![1]);
    if (n < 1 || n > total) {
      throw new UserError(`${path} in ${basename(archive)} is outside the ${layout.classNames.length} classes x ${layout.imagesPerClass} images the layout declares`);
    }
  }
  const memberOf = (n: number) => `${layout.imageDir}/image_${String(n).padStart(4, '0')}.jpg`;
  const random = seededRandom(layout.splitSeed);
  const train: number[] = [];
  const test: number[] = [];
  for (let label = 0; label < layout.classNames.length; label++) {
    const numbers = Array.from({ length: layout.imagesPerClass }, (_, i) => label * layout.imagesPerClass + i + 1);
    for (const n of numbers) if (!members.has(memberOf(n))) throw missingMemberError(archive, memberOf(n));
    const order = permutation(numbers.length, random);
    const testCount = Math.round(layout.testFraction * numbers.length);
    order.forEach((i, rank) => (rank < testCount ? test : train).push(numbers[i]));
  }
  const decodeSplit = async (numbers: number[]): Promise<ImageSplit> => {
    numbers.sort((a, b) => a - b);
    const split = allocateSplit(numbers.length, shape);
    const imageBytes = shape[0] * shape[1] * shape[2];
    await forEachInFlight(numbers.length, async (i) => {
      const member = memberOf(numbers[i]);
      await decodeJpegInto(members.get(member)!, shape, split.images.subarray(i * imageBytes, (i + 1) * imageBytes), { member, resize: layout.resize });
      split.labels[i] = Math.floor((numbers[i] - 1) / layout.imagesPerClass);
    });
    return split;
  };
  return { classNames: layout.classNames, train: await decodeSplit(train), test: await decodeSplit(test) };
}
