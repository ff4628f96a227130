import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { ImageSplit } from '../src/data/dataset.ts';
import { loadDataset } from './index.ts';
import { CIFAR_CLASSES, cifarFixture, flowerColours, makeTempDir, oxflowerFixture, tinyFixture, TINY_WNIDS, TINY_WORDS, type RGB } from './test-fixtures.ts';

const quiet = { quiet: true } as const;

/** Loads a fixture through `from` into a fresh cache. */
async function loadFixture(fixture: { archive: Buffer; source: import('./sources.ts').DatasetSource }) {
  const temp = await makeTempDir();
  const from = join(temp.path, 'archive');
  await writeFile(from, fixture.archive);
  try {
    return await loadDataset(fixture.source, { ...quiet, cacheDir: join(temp.path, 'cache'), from });
  } finally {
    await temp.remove();
  }
}

function pixel(split: ImageSplit, image: number, y: number, x: number): number[] {
  const [h, w, c] = split.shape;
  const at = ((image * h + y) * w + x) * c;
  return [...split.images.subarray(at, at + c)];
}

function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string) {
  assert.ok(
    actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance),
    `${what}: got ${actual.join(',')}, expected ${expected.join(',')} within ${tolerance}`,
  );
}

test('cifar10: every pixel and label as written, CHW records turned into HWC, class names from batches.meta.txt', async () => {
  const fixture = await cifarFixture(3);
  const data = await loadFixture(fixture);
  assert.equal(data.classNames, CIFAR_CLASSES);
  assert.equal([data.train.count, data.test.count, data.train.shape], [15, 3, [32, 32, 3]]);
  fixture.train.forEach((record, i) => {
    assert.is(data.train.labels[i], record.label);
    assert.equal(data.train.images.subarray(i * 3072, (i + 1) * 3072), record.hwc, `train image ${i}`);
  });
  fixture.test.forEach((record, i) => {
    assert.is(data.test.labels[i], record.label);
    assert.equal(data.test.images.subarray(i * 3072, (i + 1) * 3072), record.hwc, `test image ${i}`);
  });
  assert.equal(data.source, { path: data.source.path, md5: fixture.source.md5, official: true, description: 'the official archive' });
  assert.ok(data.source.path.endsWith('/archive'));
  // Normalisation is the train split's per-channel mean and std: uniform random bytes give about 0.5 and 0.29.
  data.normalization.mean.forEach((m) => assert.ok(Math.abs(m - 0.5) < 0.02, `mean ${m}`));
  data.normalization.std.forEach((s) => assert.ok(Math.abs(s - 0.2887) < 0.02, `std ${s}`));
});

test('oxflower17: class floor((n-1)/perClass), a stratified 1/5 of every class in test, stretched to 224x224', async () => {
  const fixture = await oxflowerFixture(5);
  const data = await loadFixture(fixture);
  assert.is(data.classNames.length, 17);
  assert.is(data.classNames[12], 'Dandelion');
  assert.equal([data.train.count, data.test.count, data.test.shape], [68, 17, [224, 224, 3]]);
  const perClass = (labels: Uint16Array) => Array.from({ length: 17 }, (_, c) => labels.filter((l) => l === c).length);
  assert.equal(perClass(data.train.labels), new Array(17).fill(4));
  assert.equal(perClass(data.test.labels), new Array(17).fill(1));
  // Find each decoded image's number n by its colours: its label must be floor((n-1)/5), and every n is used once.
  const seen = new Set<number>();
  for (const split of [data.train, data.test]) {
    for (let i = 0; i < split.count; i++) {
      const left = pixel(split, i, 112, 20);
      const n = Array.from({ length: 85 }, (_, k) => k + 1).find((k) => flowerColours(k).left.every((v, c) => Math.abs(v - left[c]) <= 6));
      assert.ok(n !== undefined, `image ${i}: no source image has left colour ${left}`);
      assert.is(split.labels[i], Math.floor((n! - 1) / 5));
      // Stretched, not cropped: the colour boundary stays at a quarter of the width (a centre crop of
      // these wider-than-high images would cut the left quarter off) and the corners keep their colour.
      const { left: l, right: r } = flowerColours(n!);
      const probes: [number, number, RGB][] = [[3, 3, l], [220, 36, l], [3, 80, r], [220, 220, r]];
      for (const [y, x, colour] of probes) assertNear(pixel(split, i, y, x), colour, 6, `image ${n} at ${y},${x}`);
      seen.add(n!);
    }
  }
  assert.is(seen.size, 85);
});

test('oxflower17: the split is fixed by the declared seed', async () => {
  const fixture = await oxflowerFixture(5);
  const [a, b] = [await loadFixture(fixture), await loadFixture(fixture)];
  assert.equal(a.test.images, b.test.images);
  const other = await loadFixture({
    ...fixture,
    source: { ...fixture.source, layout: { ...(fixture.source.layout as import('./sources.ts').Oxflower17Layout), splitSeed: 'another seed' } },
  });
  assert.is.not(Buffer.compare(Buffer.from(a.test.images), Buffer.from(other.test.images)), 0);
});

test('tinyimagenet: wnids.txt order, words.txt names, train in class then file-number order, val labelled by val_annotations.txt, grayscale to 3 channels', async () => {
  const fixture = await tinyFixture(3, 2);
  const data = await loadFixture(fixture);
  assert.equal(data.classNames, TINY_WNIDS.map((w) => TINY_WORDS[w]));
  assert.equal([data.train.count, data.test.count, data.train.shape], [9, 6, [64, 64, 3]]);
  const check = (split: ImageSplit, images: typeof fixture.train, what: string) =>
    images.forEach((image, i) => {
      assert.is(split.labels[i], image.label, `${what} ${i} label`);
      [[16, 16], [16, 48], [48, 16], [48, 48]].forEach(([y, x], q) => assertNear(pixel(split, i, y, x), image.quadrants[q], 4, `${image.member} quadrant ${q}`));
    });
  check(data.train, fixture.train, 'train');
  check(data.test, fixture.val, 'val');
  const gray = fixture.train.findIndex((image) => image.grayscale);
  assert.ok(gray >= 0);
  const [r, g, b] = pixel(data.train, gray, 10, 50);
  assert.ok(r === g && g === b, 'a grayscale JPEG gives three equal channels');
});

test.run();
