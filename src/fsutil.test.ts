import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSynced, removeStaleTempFiles, writeFileAtomic } from './fsutil.ts';

test('an atomic write replaces the file; a failed one leaves the old content and no temp file, and its error names the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fsutil-'));
  const file = join(dir, 'run.json');
  await writeFileAtomic(file, 'first');
  await writeFileAtomic(file, 'second');
  assert.is(await readFile(file, 'utf8'), 'second');
  // A write that fails midway (here: data the file handle cannot write, as a full disk would fail it).
  await writeFileAtomic(file, 42 as unknown as string).then(
    () => assert.unreachable('the write should fail'),
    (error: Error) => assert.ok(error.message.startsWith(`${file}: cannot write it (`), error.message),
  );
  assert.is(await readFile(file, 'utf8'), 'second');
  assert.equal(await readdir(dir), ['run.json']);
});

test('a full disk is named with the file being written', async () => {
  if (!existsSync('/dev/full')) {
    console.log('skipped: no /dev/full, whose writes fail with ENOSPC');
    return;
  }
  const file = join(await mkdtemp(join(tmpdir(), 'fsutil-')), 'steps.csv');
  await symlink('/dev/full', file);
  await appendFileSynced(file, 'iteration,lr\n').then(
    () => assert.unreachable('the write should fail'),
    (error: NodeJS.ErrnoException) => {
      assert.is(error.code, 'ENOSPC');
      assert.ok(error.message.startsWith(`${file}: cannot write it (ENOSPC: no space left on device`), error.message);
    },
  );
});

test('stale temp files of a killed writer are removed, nothing else', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fsutil-'));
  await writeFile(join(dir, 'metrics.csv'), 'x');
  await writeFile(join(dir, 'checkpoint.ckpt.1234.tmp'), 'partial');
  await removeStaleTempFiles(dir);
  assert.equal(await readdir(dir), ['metrics.csv']);
});

test.run();
