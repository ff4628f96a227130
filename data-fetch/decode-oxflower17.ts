import { basename } from 'node:path';
import { UserError } from '../src/errors.ts';
import { missingMemberError, readTarMembers } from './archive.ts';
import type { ArchiveDecoding } from './cache.ts';
import { decodeSplits } from './decode-pool.ts';
import type { Oxflower17Layout } from './sources.ts';
import { stratifiedSplit } from './split.ts';

/**
 * Oxflower17: image number n (from 1) has class floor((n - 1) / imagesPerClass). Every class is
 * split on its own with a seeded permutation, so both splits keep the class balance.
 */
export async function decodeOxflower17(
  archive: string,
  layout: Oxflower17Layout,
  shape: readonly [number, number, number],
  options: { quiet: boolean; classNames: readonly string[] },
): Promise<ArchiveDecoding> {
  const { classNames } = options;
  const pattern = new RegExp(`^${layout.imageDir}/image_(\\d+)\\.jpg$`);
  const members = await readTarMembers(archive, (path) => pattern.test(path));
  const total = classNames.length * layout.imagesPerClass;
  for (const path of members.keys()) {
    const n = Number(pattern.exec(path)![1]);
    if (n < 1 || n > total) {
      throw new UserError(`${path} in ${basename(archive)} is outside the ${classNames.length} classes x ${layout.imagesPerClass} images the layout declares`);
    }
  }
  const memberOf = (n: number) => `${layout.imageDir}/image_${String(n).padStart(4, '0')}.jpg`;
  const byClass = classNames.map((_, label) =>
    Array.from({ length: layout.imagesPerClass }, (_, i) => {
      const member = memberOf(label * layout.imagesPerClass + i + 1);
      if (!members.has(member)) throw missingMemberError(archive, member);
      return member;
    }),
  );
  const { train, test } = stratifiedSplit(byClass, layout.testFraction, layout.splitSeed);
  const image = ({ item, label }: { item: string; label: number }) => ({ image: { name: item, read: async () => members.get(item)! }, label });
  const decoded = await decodeSplits({ train: train.map(image), test: test.map(image) }, { shape, resize: true, skipBad: false, label: 'oxflower17', quiet: options.quiet });
  return {
    decoded: { classNames: classNames, train: decoded.train, test: decoded.test },
    decoding:
      `JPEGs resized to ${shape[0]}x${shape[1]} with sharp fit 'fill' (stretched, aspect ratio not kept, lanczos3); ` +
      `stratified split, round(${layout.testFraction} x class size) of each class to test by a permutation seeded "${layout.splitSeed}"`,
    skipped: [],
  };
}
