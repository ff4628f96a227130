import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTempDir, tarGz } from '../../data-fetch/test-fixtures.ts';

/*
 * `scbench data add` end to end: image folders made here (two classes, JPEG and PNG mixed, one file
 * that is no image), as a folder and as a tar.gz, decoded into a cache of their own, then trained on
 * by a suite that names them.
 */

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));

/** A small image whose colour says its class: reddish cats, bluish dogs. */
function image(label: number, n: number, format: 'jpeg' | 'png', size = [16, 16]): Promise<Buffer> {
  const [height, width] = size;
  const pixels = Buffer.alloc(height * width * 3);
  for (let p = 0; p < height * width; p++) pixels.set(label === 0 ? [200, 40 + n * 10, 30] : [30, 40 + n * 10, 200], p * 3);
  const encoder = sharp(pixels, { raw: { width, height, channels: 3 } });
  return (format === 'jpeg' ? encoder.jpeg({ quality: 95 }) : encoder.png()).toBuffer();
}

/** Eight cats and eight dogs, alternately JPEG and PNG, one level of class folders, and dogs/notes.jpg that is text. */
async function petFiles(sizeOf: (n: number) => number[] = () => [16, 16]): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const [label, name] of ['cats', 'dogs'].entries()) {
    for (let n = 0; n < 8; n++) {
      const format = n % 2 === 0 ? 'jpeg' : 'png';
      files[`${name}/${name}-${n}.${format === 'jpeg' ? 'jpg' : 'png'}`] = await image(label, n, format, sizeOf(n));
    }
  }
  files['dogs/notes.jpg'] = Buffer.from('these are not pixels\n');
  return files;
}

async function writeTree(root: string, files: Record<string, Buffer>): Promise<void> {
  for (const [path, data] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), data);
  }
}

function scbenchIn(cache: string, ...args: string[]) {
  return spawnSync(scbench, args, { encoding: 'utf8', env: { ...process.env, SCBENCH_CACHE: cache } });
}

test('data add on a folder: a file that is no image is named in one line and nothing is cached; with --skip-bad it is listed, and a suite trains on the set', async () => {
  const temp = await makeTempDir();
  try {
    const cache = join(temp.path, 'cache');
    const folder = join(temp.path, 'pets');
    await writeTree(folder, await petFiles());
    const refused = scbenchIn(cache, 'data', 'add', 'pets', '--from', folder, '--test-fraction', '0.25');
    assert.is(refused.status, 2, refused.stderr);
    const lines = refused.stderr.trim().split('\n');
    assert.match(lines[lines.length - 1], /^scbench: dogs\/notes\.jpg is not a readable image: .* \(--skip-bad leaves such files out\)$/);
    assert.is(existsSync(join(cache, 'pets', 'manifest.json')), false);

    const added = scbenchIn(cache, 'data', 'add', 'pets', '--from', folder, '--test-fraction', '0.25', '--skip-bad');
    assert.is(added.status, 0, added.stderr);
    const manifest = JSON.parse(readFileSync(join(cache, 'pets', 'manifest.json'), 'utf8'));
    assert.equal(manifest.skipped.map((s: { file: string }) => s.file), ['dogs/notes.jpg']);
    assert.equal([manifest.origin, manifest.classNames, manifest.source.files, manifest.source.path], ['added', ['cats', 'dogs'], 17, folder]);
    assert.match(manifest.source.contentHash, /^sha256:[0-9a-f]{64}$/);
    // round(0.25 x 8) = 2 of each class held out.
    assert.equal([manifest.splits.train.count, manifest.splits.test.count, manifest.splits.test.classCounts], [12, 4, [2, 2]]);
    const info = scbenchIn(cache, 'data', 'info', 'pets');
    assert.is(info.status, 0, info.stderr);
    assert.match(info.stdout, /skipped {8}1 file that did not decode:\n {2}dogs\/notes\.jpg is not a readable image/);
    assert.match(info.stdout, /train {10}12 images of 16x16x3, 6 to 6 a class/);

    const suiteFile = join(temp.path, 'pets-suite.json');
    await writeFile(
      suiteFile,
      JSON.stringify({
        name: 'pets',
        description: 'a cell on an added image folder',
        defaults: { network: 'simple-mnist', dataset: 'pets', epochs: 2, batchSize: 4, seed: 1, weightDecay: 5e-4 },
        cells: [{ id: 'constant', policy: { name: 'constant', lr: 0.05, momentum: 0.9 } }],
      }),
    );
    const out = join(temp.path, 'results');
    const run = scbenchIn(cache, 'run', '--suite', suiteFile, '--out', out, '--backend', 'wasm', '--no-report');
    assert.is(run.status, 0, run.stderr);
    const record = JSON.parse(readFileSync(join(out, 'pets', 'constant', 'run.json'), 'utf8'));
    assert.equal([record.status, record.epochsCompleted, record.data.train, record.data.test], ['completed', 2, 12, 4]);
    assert.equal([record.data.source.official, record.data.source.description], [false, 'an image folder added with scbench data add']);
  } finally {
    await temp.remove();
  }
});

test('data add on a tar.gz split into train/ and test/: images of differing sizes need --size; with it they are stretched', async () => {
  const temp = await makeTempDir();
  try {
    const cache = join(temp.path, 'cache');
    const pets = await petFiles((n) => (n === 3 ? [20, 24] : [16, 16]));
    delete pets['dogs/notes.jpg'];
    const split = Object.fromEntries(Object.entries(pets).map(([path, data]) => [`pets/${/-[67]\./.test(path) ? 'test' : 'train'}/${path}`, data]));
    const archive = join(temp.path, 'pets.tar.gz');
    await writeFile(archive, await tarGz(split));
    const refused = scbenchIn(cache, 'data', 'add', 'pets', '--from', archive);
    assert.is(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /the images differ in size \(.* is \d+x\d+, .* is \d+x\d+\): give --size HxW to resize them all\n$/);
    assert.is(existsSync(join(cache, 'pets', 'manifest.json')), false);

    const added = scbenchIn(cache, 'data', 'add', 'pets', '--from', archive, '--size', '12x10');
    assert.is(added.status, 0, added.stderr);
    const manifest = JSON.parse(readFileSync(join(cache, 'pets', 'manifest.json'), 'utf8'));
    assert.equal([manifest.splits.train.count, manifest.splits.test.count, manifest.splits.train.shape], [12, 4, [12, 10, 3]]);
    assert.match(manifest.source.md5, /^[0-9a-f]{32}$/);
    assert.match(manifest.decoding, /pets\/train\/<class>\/ to train, pets\/test\/<class>\/ to test/);
    const fraction = scbenchIn(cache, 'data', 'add', 'pets', '--from', archive, '--size', '12x10', '--test-fraction', '0.5');
    assert.match(fraction.stderr, /\nscbench: test-fraction: pets\.tar\.gz is already split into train\/ and test\/\n$/);
    const builtIn = scbenchIn(cache, 'data', 'add', 'cifar10', '--from', archive);
    assert.match(builtIn.stderr, /^scbench: name: cifar10 is a built-in data set; choose another name\n$/);
  } finally {
    await temp.remove();
  }
});

test.run();
