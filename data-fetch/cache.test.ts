import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_FORMAT_VERSION, datasetInfo, fetchDataset, loadDataset, type DatasetSource, type FetchOptions } from './index.ts';
import { cifarFixture, makeTempDir, serveFixture } from './test-fixtures.ts';

async function withCache(run: (context: { options: FetchOptions & { source: DatasetSource }; lines: string[]; requests: () => number; dir: string }) => Promise<void>) {
  const fixture = await cifarFixture(4);
  const temp = await makeTempDir();
  const { server, source } = await serveFixture(fixture);
  const lines: string[] = [];
  try {
    const options = { cacheDir: temp.path, quiet: true, log: (line: string) => lines.push(line), source };
    await run({ options, lines, requests: () => server.requests.length, dir: join(temp.path, 'cifar10') });
  } finally {
    await server.close();
    await temp.remove();
  }
}

test('a cache of another format version is rebuilt from the kept archive, without network', async () => {
  await withCache(async ({ options, lines, requests, dir }) => {
    await fetchDataset(options.source, options);
    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    await writeFile(manifestFile, JSON.stringify({ ...manifest, formatVersion: CACHE_FORMAT_VERSION - 1 }));
    const entry = await fetchDataset(options.source, options);
    assert.is(entry.manifest.formatVersion, CACHE_FORMAT_VERSION);
    assert.is(JSON.parse(await readFile(manifestFile, 'utf8')).formatVersion, CACHE_FORMAT_VERSION);
    assert.ok(lines.some((line) => line.includes(`cache format version ${CACHE_FORMAT_VERSION - 1}, this scbench uses ${CACHE_FORMAT_VERSION}`)), lines.join('\n'));
    assert.is(requests(), 1);
  });
});

test('a truncated split file or a damaged manifest is detected and rebuilt, never used', async () => {
  await withCache(async ({ options, lines, dir }) => {
    const first = await loadDataset(options.source, options);
    await truncate(join(dir, 'train.bin'), 100);
    const second = await loadDataset(options.source, options);
    assert.equal(second.train.images, first.train.images);
    assert.ok(lines.some((line) => /train\.bin is 100 B, the manifest says \d+ B/.test(line)), lines.join('\n'));
    await writeFile(join(dir, 'manifest.json'), '{"formatVersion": 1, "dataset": "cifar10"');
    await loadDataset(options.source, options);
    assert.ok(lines.some((line) => line.includes('manifest.json is not valid JSON')), lines.join('\n'));
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.splits.test.count += 1;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await loadDataset(options.source, options);
    assert.ok(lines.some((line) => line.includes('the test record is inconsistent')), lines.join('\n'));
    const rebuilt = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...rebuilt, splits: { ...rebuilt.splits, train: { ...rebuilt.splits.train, count: -1 } } }));
    await loadDataset(options.source, options);
    assert.ok(lines.some((line) => line.includes(`${join(dir, 'manifest.json')} does not match the manifest format: splits.train.count: `)), lines.join('\n'));
  });
});

test('the manifest records source, shapes, counts, class names and byte sizes', async () => {
  await withCache(async ({ options, dir }) => {
    const entry = await fetchDataset(options.source, options);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(manifest, entry.manifest);
    assert.is(manifest.source.md5, options.source!.md5);
    assert.equal(manifest.splits.train.shape, [32, 32, 3]);
    // 20 images of 3072 bytes, then 20 uint16 labels.
    assert.equal([manifest.splits.train.count, manifest.splits.train.bytes, manifest.splits.test.bytes], [20, 20 * 3072 + 40, 4 * 3072 + 8]);
    assert.is(manifest.classNames.length, 10);
    assert.is(manifest.splits.train.classCounts.reduce((a: number, b: number) => a + b), 20);
  });
});

test('data info: source and "not cached" before a fetch; counts, shapes, balance and location after', async () => {
  await withCache(async ({ options, dir }) => {
    const before = await datasetInfo(options.source, options);
    assert.match(before, /^cifar10: CIFAR-10\n/);
    assert.ok(before.includes(`cache          ${dir}: not cached; run \`scbench fetch cifar10\``), before);
    assert.ok(before.includes('expected       20 train / 4 test images of 32x32x3'), before);

    const data = await loadDataset(options.source, options);
    const after = await datasetInfo(options.source, options);
    assert.ok(after.includes(`cache          ${dir} (format ${CACHE_FORMAT_VERSION}, `), after);
    assert.ok(after.includes('               the official archive\n'), after);
    assert.match(after, /train {10}20 images of 32x32x3, \d+ to \d+ a class/);
    assert.match(after, /test {11}4 images of 32x32x3/);
    const airplanes = [data.train, data.test].map((split) => split.labels.filter((label) => label === 0).length);
    assert.match(after, new RegExp(`\\n\\s*0  airplane\\s+${airplanes[0]}\\s+${airplanes[1]}\\n`));
    assert.ok(after.includes(`mean ${data.normalization.mean.join(', ')}`), after);
  });
});

test.run();
