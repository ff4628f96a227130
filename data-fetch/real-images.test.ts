import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import jpeg from 'jpeg-js';
import type { ImageSplit } from './cache.ts';
import { decodeImage } from './image-decode.ts';
import { fetchDataset, loadDataset } from './index.ts';
import { BUILT_IN_DATASETS, downloadSource } from '../src/data/datasets.ts';
import { makeTempDir, md5, tarGz, zip } from './test-fixtures.ts';

/*
 * The decoders on real images cut from the paper's data sets (fixtures/real/), checked against an
 * independent JPEG decoder, jpeg-js (pure JavaScript). Declared tolerance, per image: the luma
 * 0.299 R + 0.587 G + 0.114 B differs by at most 8 and on average by at most 1 (IDCT rounding and
 * clamping), every channel by at most 4 on average; grayscale JPEGs (one component, no chroma) by
 * at most 1 in every channel. Single colour channels differ more than luma on 4:2:0 JPEGs because
 * libjpeg-turbo upsamples chroma smoothly ("fancy upsampling") and jpeg-js repeats each chroma sample.
 */

const CIFAR10 = downloadSource(BUILT_IN_DATASETS.cifar10)!;
const REAL = new URL('./fixtures/real/', import.meta.url).pathname;
const SHARED = new URL('../../shared/data/', import.meta.url).pathname;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

async function treeOf(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const path of await filesUnder(dir)) files[`${dir.split('/').filter(Boolean).pop()}/${path}`] = await readFile(join(dir, path));
  return files;
}

interface Difference {
  lumaMax: number;
  lumaMean: number;
  channelMean: number;
  channelMax: number;
}

/** Our pixels (HWC, 3 channels) against jpeg-js's decode of the same file. */
function differenceFromReference(file: Buffer, pixels: Uint8Array): Difference & { width: number; height: number; grayscale: boolean } {
  const reference = jpeg.decode(file, { useTArray: true, formatAsRGBA: true });
  const count = reference.width * reference.height;
  assert.is(pixels.length, count * 3);
  const luma = (a: ArrayLike<number>, at: number) => 0.299 * a[at] + 0.587 * a[at + 1] + 0.114 * a[at + 2];
  let lumaMax = 0;
  let lumaSum = 0;
  let channelMax = 0;
  let channelSum = 0;
  for (let p = 0; p < count; p++) {
    const d = Math.abs(luma(pixels, p * 3) - luma(reference.data, p * 4));
    lumaMax = Math.max(lumaMax, d);
    lumaSum += d;
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(pixels[p * 3 + c] - reference.data[p * 4 + c]);
      channelMax = Math.max(channelMax, e);
      channelSum += e;
    }
  }
  // A JPEG's component count: the byte after the SOF marker's precision, height and width.
  const sof = file.findIndex((byte, i) => byte === 0xff && (file[i + 1] === 0xc0 || file[i + 1] === 0xc2));
  return { lumaMax, lumaMean: lumaSum / count, channelMax, channelMean: channelSum / (3 * count), width: reference.width, height: reference.height, grayscale: file[sof + 9] === 1 };
}

function assertWithinTolerance(what: string, d: ReturnType<typeof differenceFromReference>) {
  const text = `${what}: luma max ${d.lumaMax.toFixed(2)} mean ${d.lumaMean.toFixed(3)}, channel max ${d.channelMax} mean ${d.channelMean.toFixed(3)}`;
  if (d.grayscale) assert.ok(d.channelMax <= 1, text);
  else assert.ok(d.lumaMax <= 8 && d.lumaMean <= 1 && d.channelMean <= 4, text);
}

function image(split: ImageSplit, i: number): Uint8Array {
  const bytes = split.shape[0] * split.shape[1] * split.shape[2];
  return split.images.subarray(i * bytes, (i + 1) * bytes);
}

test('every real fixture JPEG decodes at its own size to what jpeg-js decodes, within the declared tolerance', async () => {
  const files = (await filesUnder(REAL)).filter((path) => /\.(jpg|JPEG)$/.test(path));
  assert.is(files.length, 30 + 4 + 17);
  const sizes = new Set<string>();
  let grayscale = 0;
  for (const path of files) {
    const data = await readFile(join(REAL, path));
    const decoded = await decodeImage({ id: 0, data });
    assert.ok('pixels' in decoded, path);
    if (!('pixels' in decoded)) continue;
    const difference = differenceFromReference(data, decoded.pixels);
    assert.equal([decoded.width, decoded.height], [difference.width, difference.height], path);
    assertWithinTolerance(path, difference);
    sizes.add(`${decoded.height}x${decoded.width}`);
    if (difference.grayscale) grayscale++;
  }
  assert.ok(sizes.has('540x499') && sizes.has('499x564'), 'Oxflower17 photos with a 499-px short side');
  assert.is(grayscale, 5);
});

test('cifar10 from a copy in class folders: labels in the official order, every pixel as jpeg-js decodes it, recorded as a copy', async () => {
  const temp = await makeTempDir();
  try {
    const archive = await tarGz(await treeOf(join(REAL, 'cifar10-images')));
    const from = join(temp.path, 'cifar10-images.tar.gz');
    await writeFile(from, archive);
    const data = await loadDataset(CIFAR10, { quiet: true, cacheDir: join(temp.path, 'cache'), from, md5: md5(archive) });
    assert.equal(data.classNames, BUILT_IN_DATASETS.cifar10.classNames);
    assert.equal([data.train.count, data.test.count, data.train.shape], [20, 10, [32, 32, 3]]);
    assert.equal([...data.train.labels], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    assert.equal([...data.test.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < data.train.count; i++) {
      const file = join(REAL, 'cifar10-images/train', data.classNames[data.train.labels[i]], `000${i % 2}.jpg`);
      assertWithinTolerance(file, differenceFromReference(await readFile(file), image(data.train, i)));
    }
    assert.equal([data.source.official, data.source.files], [false, 30]);
    assert.match(data.source.description, /a copy, not the official/);
  } finally {
    await temp.remove();
  }
});

test('cifar10 from class folders refuses a set without exactly the ten classes, and caches nothing', async () => {
  const temp = await makeTempDir();
  try {
    const tree = await treeOf(join(REAL, 'cifar10-images'));
    const renamed = Object.fromEntries(Object.entries(tree).map(([path, data]) => [path.replace('/automobile/', '/car/'), data]));
    const archive = await tarGz(renamed);
    const from = join(temp.path, 'renamed.tar.gz');
    await writeFile(from, archive);
    const cacheDir = join(temp.path, 'cache');
    const error = await fetchDataset(CIFAR10, { quiet: true, cacheDir, from, md5: md5(archive) }).catch((e: Error) => e);
    assert.instance(error, Error);
    assert.match((error as Error).message, /needs exactly airplane, automobile, .* \(missing: automobile\) \(not a class: car\)/);
    assert.is(await access(join(cacheDir, 'cifar10', 'manifest.json')).then(() => true, () => false), false);
  } finally {
    await temp.remove();
  }
});

test('tinyimagenet from real files in its official layout: grayscale JPEGs become three equal channels, pixels as jpeg-js decodes them', async () => {
  const temp = await makeTempDir();
  try {
    const archive = zip(await treeOf(join(REAL, 'tiny-imagenet-200')));
    const from = join(temp.path, 'tiny.zip');
    await writeFile(from, archive);
    const data = await loadDataset(downloadSource(BUILT_IN_DATASETS.tinyimagenet)!, { quiet: true, cacheDir: join(temp.path, 'cache'), from, md5: md5(archive) });
    assert.equal(data.classNames, ['Egyptian cat', 'reel', 'volleyball']);
    assert.equal([data.train.count, data.test.count], [8, 9]);
    const annotations = (await readFile(join(REAL, 'tiny-imagenet-200/val/val_annotations.txt'), 'utf8')).trim().split('\n');
    for (let i = 0; i < data.test.count; i++) {
      const file = join(REAL, 'tiny-imagenet-200/val/images', annotations[i].split('\t')[0]);
      const difference = differenceFromReference(await readFile(file), image(data.test, i));
      assertWithinTolerance(file, difference);
      if (difference.grayscale) {
        const pixels = image(data.test, i);
        for (let p = 0; p < pixels.length; p += 3) assert.ok(pixels[p] === pixels[p + 1] && pixels[p] === pixels[p + 2], `${file}: three equal channels`);
      }
    }
  } finally {
    await temp.remove();
  }
});

const sharedData = await access(SHARED).then(() => true, () => false);
const SHARED_ARCHIVES: Record<string, string> = {
  '17flowers.tgz': '0dda1d7486de798be5a6baca54602061',
  'cifar10-images.tar.gz': 'c1376be7dc1f1c841e11df97066150aa',
  'tiny-imagenet-200-subset.zip': '6d3dfcbe5a3ffb11e0b0303f55236023',
};

if (!sharedData) {
  console.log(`skipped: the test over the whole of the shared real data needs ${SHARED}, which is absent (a clone outside the project's workspace has none)`);
} else {
  test('the shared real data: each archive has its declared md5, and the fixtures are byte for byte from it', async () => {
    for (const [file, expected] of Object.entries(SHARED_ARCHIVES)) assert.is(md5(await readFile(join(SHARED, file))), expected, file);
    const { openImageSource } = await import('./image-folder.ts');
    for (const [file, fixtureRoot, prefix] of [
      ['cifar10-images.tar.gz', 'cifar10-images', 'cifar10-images/'],
      ['17flowers.tgz', '17flowers', ''],
      ['tiny-imagenet-200-subset.zip', 'tiny-imagenet-200', 'tiny-imagenet-200/'],
    ] as const) {
      const { files } = await openImageSource(join(SHARED, file));
      try {
        const fixtures = (await filesUnder(join(REAL, fixtureRoot))).filter((path) => /\.(jpg|JPEG)$/.test(path));
        for (const path of fixtures) assert.ok(Buffer.from(await files.read(`${prefix}${path}`)).equals(await readFile(join(REAL, fixtureRoot, path))), `${file}: ${path}`);
      } finally {
        files.close();
      }
    }
  });
}

test.run();
