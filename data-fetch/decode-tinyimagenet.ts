import { basename } from 'node:path';
import type { ImageSplit } from '../src/data/dataset.ts';
import { UserError } from '../src/errors.ts';
import { missingMemberError, openZip, textLines, type ZipArchive } from './archive.ts';
import { allocateSplit, type DecodedDataset } from './cache.ts';
import { decodeJpegInto, forEachInFlight } from './jpeg.ts';
import type { TinyImageNetLayout } from './sources.ts';

interface LabelledMember {
  readonly member: string;
  readonly label: number;
}

const byNumberInName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * TinyImageNet: class index = line in wnids.txt, name = its words.txt entry. Train images are read in
 * class order, then file-number order; the test split is the labelled val split, in annotation order.
 */
export async function decodeTinyImageNet(
  archive: string,
  layout: TinyImageNetLayout,
  shape: readonly [number, number, number],
): Promise<DecodedDataset> {
  const zip = await openZip(archive);
  try {
    const root = layout.root;
    const wnids = textLines(await zip.read(`${root}/wnids.txt`));
    const words = new Map(
      textLines(await zip.read(`${root}/words.txt`)).map((line) => {
        const [wnid, ...name] = line.split('\t');
        return [wnid, name.join('\t').trim()] as const;
      }),
    );
    const classNames = wnids.map((wnid) => {
      const name = words.get(wnid);
      if (name === undefined) throw new UserError(`${root}/words.txt in ${basename(archive)} has no line for ${wnid}`);
      return name;
    });
    const labelOf = new Map(wnids.map((wnid, label) => [wnid, label]));

    const trainPattern = new RegExp(`^${root}/train/([^/]+)/images/([^/]+\\.JPEG)$`);
    const trainByClass = wnids.map((): string[] => []);
    for (const member of zip.members.keys()) {
      const match = trainPattern.exec(member);
      if (!match) continue;
      const label = labelOf.get(match[1]);
      if (label === undefined) throw new UserError(`${member} in ${basename(archive)} belongs to ${match[1]}, which wnids.txt does not list`);
      trainByClass[label].push(member);
    }
    const train = trainByClass.flatMap((members, label) => {
      if (members.length === 0) throw missingMemberError(archive, `${root}/train/${wnids[label]}/images/*.JPEG`);
      return members.sort(byNumberInName).map((member) => ({ member, label }));
    });

    const annotations = `${root}/val/val_annotations.txt`;
    const test = textLines(await zip.read(annotations)).map((line, i): LabelledMember => {
      const [file, wnid] = line.split('\t');
      const label = labelOf.get(wnid);
      if (label === undefined) throw new UserError(`${annotations} in ${basename(archive)}, line ${i + 1}: class "${wnid}" is not in wnids.txt`);
      const member = `${root}/val/images/${file}`;
      if (!zip.members.has(member)) throw missingMemberError(archive, member);
      return { member, label };
    });

    return { classNames, train: await decodeSplit(zip, train, shape), test: await decodeSplit(zip, test, shape) };
  } finally {
    zip.close();
  }
}

async function decodeSplit(zip: ZipArchive, members: readonly LabelledMember[], shape: readonly [number, number, number]): Promise<ImageSplit> {
  const split = allocateSplit(members.length, shape);
  const imageBytes = shape[0] * shape[1] * shape[2];
  await forEachInFlight(members.length, async (i) => {
    const { member, label } = members[i];
    await decodeJpegInto(await zip.read(member), shape, split.images.subarray(i * imageBytes, (i + 1) * imageBytes), { member });
    split.labels[i] = label;
  });
  return split;
}
