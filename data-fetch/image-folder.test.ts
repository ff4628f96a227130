import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImageFolder, IMAGE_FOLDER_SPLIT_SEED, openImageSource } from './image-folder.ts';
import { makeTempDir, zip } from './test-fixtures.ts';

const png = (value: number) => sharp(Buffer.alloc(4 * 4 * 3, value), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer();

/** Decodes `files` zipped, as `scbench data add` would. */
async function decodeZip(files: Record<string, Buffer | string>, options: { testFraction?: number } = {}) {
  const temp = await makeTempDir();
  try {
    const archive = join(temp.path, 'set.zip');
    await writeFile(archive, zip(files));
    const { files: fileSet } = await openImageSource(archive);
    try {
      return await decodeImageFolder(fileSet, { ...options, skipBad: false, quiet: true, label: 'set' });
    } finally {
      fileSet.close();
    }
  } finally {
    await temp.remove();
  }
}

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('expected a failure'), (error: Error) => error);

test('train/ and val/ inside one top folder; classes in sorted order, images in numeric order; hidden files and __MACOSX ignored', async () => {
  const files: Record<string, Buffer | string> = {
    'set/train/zebra/img10.png': await png(10),
    'set/train/zebra/img9.png': await png(9),
    'set/train/ant/a.png': await png(1),
    'set/val/zebra/v.png': await png(20),
    'set/val/ant/v.png': await png(21),
    'set/train/ant/.DS_Store': 'x',
    '__MACOSX/set/train/ant/._a.png': 'x',
  };
  const { decoded, files: count, decoding } = await decodeZip(files);
  assert.equal(decoded.classNames, ['ant', 'zebra']);
  assert.equal([...decoded.train.labels], [0, 1, 1]);
  assert.equal([decoded.train.images[0], decoded.train.images[48], decoded.train.images[96]], [1, 9, 10]);
  assert.equal([...decoded.test.labels], [0, 1]);
  assert.is(count, 5);
  assert.match(decoding, /set\/train\/<class>\/ to train, set\/val\/<class>\/ to test/);
});

test('one level of class folders: a seeded stratified split, round(fraction x class size) of each class', async () => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i++) files[`a/${i}.png`] = await png(i);
  for (let i = 0; i < 5; i++) files[`b/${i}.png`] = await png(100 + i);
  const first = await decodeZip(files, { testFraction: 0.2 });
  assert.equal([...first.decoded.test.labels], [0, 0, 1]);
  assert.equal([first.decoded.train.count, first.decoded.test.count], [12, 3]);
  const again = await decodeZip(files, { testFraction: 0.2 });
  assert.equal(again.decoded.test.images, first.decoded.test.images);
  assert.match(first.decoding, new RegExp(`seeded "${IMAGE_FOLDER_SPLIT_SEED}"`));
  assert.match((await failure(decodeZip(files))).message, /^test-fraction: set\.zip is one level of class folders; give --test-fraction F to split it$/);
});

test('what is not an image folder is refused in one line naming the file', async () => {
  const stray = await failure(decodeZip({ 'a/1.png': await png(1), 'b/2.png': await png(2), 'README.txt': 'hello' }, { testFraction: 0.5 }));
  assert.match(stray.message, /^README\.txt in set\.zip is not where an image folder keeps images \(expected <class>\/<image>, or train\/<class>\/<image>/);
  const deep = await failure(decodeZip({ 'train/a/x/1.png': await png(1), 'test/a/2.png': await png(2) }));
  assert.match(deep.message, /^train\/a\/x\/1\.png in set\.zip is not where/);
  const noTest = await failure(decodeZip({ 'train/a/1.png': await png(1), 'other/a/2.png': await png(2) }));
  assert.is(noTest.message, 'set.zip has train/ but neither test/ nor val/ beside it');
  const newClass = await failure(decodeZip({ 'train/a/1.png': await png(1), 'test/b/2.png': await png(2) }));
  assert.is(newClass.message, 'set.zip: test/ has classes that train/ lacks: b');
  const gif = await failure(decodeZip({ 'train/a/1.png': await png(1), 'test/a/2.gif': await sharp(await png(3)).gif().toBuffer() }));
  assert.match(gif.message, /^test\/a\/2\.gif is a gif image, not a JPEG or PNG \(--skip-bad leaves such files out\)$/);
});

test.run();
