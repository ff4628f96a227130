import { basename } from 'node:path';
import { UserError } from '../src/errors.ts';
import { missingMemberError, openZip, textLines } from './archive.ts';
import type { ArchiveDecoding } from './cache.ts';
import { decodeSplits } from './decode-pool.ts';
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
  options: { quiet: boolean },
): Promise<ArchiveDecoding> {
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

    const image = ({ member, label }: LabelledMember) => ({ image: { name: member, read: () => zip.read(member) }, label });
    const decoded = await decodeSplits({ train: train.map(image), test: test.map(image) }, { shape, resize: false, skipBad: false, label: 'tinyimagenet', quiet: options.quiet });
    return {
      decoded: { classNames, train: decoded.train, test: decoded.test },
      decoding: 'JPEGs decoded to sRGB (grayscale and CMYK to 3 channels); class index = wnids.txt line; test = the labelled val split',
      skipped: [],
    };
  } finally {
    zip.close();
  }
}
