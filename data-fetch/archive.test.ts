import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../src/errors.ts';
import { fetchDataset } from './index.ts';
import { BUILT_IN_DATASETS, downloadSource } from '../src/data/datasets.ts';
import type { DatasetSource } from './sources.ts';
import { cifarFixture, cifarMembers, makeTempDir, md5, tarGz, tinyMembers, zip } from './test-fixtures.ts';

/** Fetches `archive` (given with `from`) as `name` into a fresh cache; returns the error and what the cache dir holds after. */
async function fetchFailure(archive: Buffer, base: DatasetSource): Promise<{ error: Error; left: string[]; outside: string[] }> {
  const temp = await makeTempDir();
  try {
    const from = join(temp.path, 'input', 'candidate.bin');
    await mkdir(join(temp.path, 'input'));
    await writeFile(from, archive);
    const source = { ...base, md5: md5(archive), bytes: archive.length };
    const cacheDir = join(temp.path, 'cache');
    const error = await fetchDataset(source, { quiet: true, cacheDir, from }).then(
      () => new Error('the fetch should have failed'),
      (e: Error) => e,
    );
    assert.instance(error, UserError);
    const left = await readdir(join(cacheDir, base.name)).catch(() => []);
    return { error, left, outside: (await readdir(temp.path)).sort() };
  } finally {
    await temp.remove();
  }
}

test('a truncated tar.gz is a clear error and caches nothing', async () => {
  const fixture = await cifarFixture(4);
  const { error, left } = await fetchFailure(fixture.archive.subarray(0, fixture.archive.length >> 1), fixture.source);
  assert.match(error.message, /^archive .*candidate\.bin is truncated or corrupt: /);
  assert.equal(left, []);
});

test('a truncated zip is a clear error', async () => {
  const { files } = await tinyMembers(1, 1);
  const archive = zip(files);
  const { error } = await fetchFailure(archive.subarray(0, archive.length >> 1), downloadSource(BUILT_IN_DATASETS.tinyimagenet)!);
  assert.match(error.message, /^archive .*candidate\.bin is truncated or corrupt: /);
});

test('tar members with ".." are refused, nothing is written outside the cache', async () => {
  const { files } = cifarMembers(2);
  const fixture = await cifarFixture(2);
  const archive = await tarGz({ ...files, '../evil.txt': 'escaped\n' }, { preservePaths: true });
  const { error, left, outside } = await fetchFailure(archive, fixture.source);
  assert.is(error.message, 'archive candidate.bin has an unsafe member path "../evil.txt" (absolute or with ..): refusing the archive');
  assert.equal(left, []);
  assert.equal(outside, ['cache', 'input']);
});

test('zip members with ".." or an absolute path are refused', async () => {
  const { files } = await tinyMembers(1, 1);
  for (const unsafe of ['tiny-imagenet-200/../../evil.txt', '/etc/evil.txt']) {
    const { error } = await fetchFailure(zip({ ...files, [unsafe]: 'x' }), downloadSource(BUILT_IN_DATASETS.tinyimagenet)!);
    assert.is(error.message, `archive candidate.bin has an unsafe member path "${unsafe}" (absolute or with ..): refusing the archive`);
  }
});

test('missing expected members are named', async () => {
  const fixture = await cifarFixture(2);
  const { files } = cifarMembers(2);
  delete files['cifar-10-batches-bin/test_batch.bin'];
  const { error } = await fetchFailure(await tarGz(files), fixture.source);
  assert.is(error.message, 'archive candidate.bin lacks the expected member cifar-10-batches-bin/test_batch.bin');

  const tiny = await tinyMembers(1, 1);
  delete tiny.files['tiny-imagenet-200/val/images/val_1.JPEG'];
  assert.is((await fetchFailure(zip(tiny.files), downloadSource(BUILT_IN_DATASETS.tinyimagenet)!)).error.message, 'archive candidate.bin lacks the expected member tiny-imagenet-200/val/images/val_1.JPEG');
});

test('a batch file that is not whole records, or counts that differ from the table, are refused', async () => {
  const fixture = await cifarFixture(2);
  const { files } = cifarMembers(2);
  files['cifar-10-batches-bin/data_batch_3.bin'] = (files['cifar-10-batches-bin/data_batch_3.bin'] as Buffer).subarray(0, 3073 + 100);
  const { error } = await fetchFailure(await tarGz(files), fixture.source);
  assert.is(error.message, 'cifar-10-batches-bin/data_batch_3.bin in candidate.bin is 3173 B, not a whole number of 3073-byte records');

  const { error: counts } = await fetchFailure(fixture.archive, { ...fixture.source, counts: { train: 50_000, test: 10_000 } });
  assert.match(counts.message, /candidate\.bin decoded to 10 train and 2 test images; cifar10 has 50000 and 10000$/);
});

test.run();
