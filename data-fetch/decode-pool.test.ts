import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeImages, type EncodedImage } from './decode-pool.ts';

const REAL = new URL('./fixtures/real/', import.meta.url).pathname;

/** The real fixture JPEGs, with every fourth followed by a copy cut after half its bytes. */
async function imagesWithTruncated(): Promise<{ images: EncodedImage[]; truncated: number[] }> {
  const files = (await readdir(REAL, { recursive: true })).filter((path) => path.endsWith('.jpg')).sort();
  const images: EncodedImage[] = [];
  const truncated: number[] = [];
  files.forEach((path, i) => {
    images.push({ name: path, read: () => readFile(join(REAL, path)) });
    if (i % 4 === 0) {
      truncated.push(images.length);
      images.push({ name: `${path} (cut)`, read: async () => {
          const whole = await readFile(join(REAL, path));
          return whole.subarray(0, whole.length >> 1);
        }, });
    }
  });
  return { images, truncated };
}

const options = { size: [32, 32] as const, label: 'test', quiet: true, onImage: () => {} };

// libvips keeps one error message per process: decoded side by side with good images, a bad one's message came
// back empty ("Unknown error") or another's about half the time.
test("every bad image is found and worded by its own decoder's message, though the good ones decode beside it", async () => {
  const { images, truncated } = await imagesWithTruncated();
  assert.ok(images.length > 40 && truncated.length >= 8);
  const rounds: string[][] = [];
  for (let round = 0; round < 3; round++) {
    const bad = await decodeImages(images, { ...options, workers: 4, stopAtBad: false });
    assert.equal(
      bad.map(({ index }) => index),
      truncated,
    );
    for (const { index, problem } of bad) assert.match(problem, /^is not a readable image: .*VipsJpeg: premature end of JPEG image$/, images[index].name);
    rounds.push(bad.map(({ problem }) => problem));
  }
  assert.equal(rounds[1], rounds[0]);
  assert.equal(rounds[2], rounds[0]);
});

test('stopAtBad: the pool stops handing out images at the first bad one and words the first found', async () => {
  const { images, truncated } = await imagesWithTruncated();
  let decoded = 0;
  // One worker, so that fewer images are in flight at the first bad one than there are.
  const bad = await decodeImages(images, { ...options, workers: 1, stopAtBad: true, onImage: () => decoded++ });
  assert.is(bad.length, 1);
  assert.ok(truncated.includes(bad[0].index));
  assert.ok(decoded + bad.length < images.length, `${decoded} decoded`);
  assert.match(bad[0].problem, /VipsJpeg: premature end of JPEG image$/);
});

test.run();
