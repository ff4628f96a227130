import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { pidSpace } from './lock.ts';
import { UserError } from '../src/errors.ts';
import { fetchDataset, loadDataset, mirroredUrl, type DatasetSource, type FetchOptions } from './index.ts';
import { cifarFixture, makeTempDir, md5, serveFixture, type Fixture } from './test-fixtures.ts';

let fixture: Fixture & Awaited<ReturnType<typeof cifarFixture>>;

/** A fresh cache dir and a server for the CIFAR-10 fixture; `run` gets both and the log lines. */
async function withServer(run: (setup: Awaited<ReturnType<typeof serveFixture>> & { cacheDir: string; lines: string[]; options: FetchOptions & { source: DatasetSource } }) => Promise<void>) {
  fixture ??= await cifarFixture(40); // 6 x 40 records: a 720 kB archive, enough to cut in the middle
  const temp = await makeTempDir();
  const served = await serveFixture(fixture);
  const lines: string[] = [];
  const cacheDir = join(temp.path, 'cache');
  try {
    await run({ ...served, cacheDir, lines, options: { cacheDir, quiet: true, log: (line) => lines.push(line), source: served.source } });
  } finally {
    await served.server.close();
    await temp.remove();
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const cachedArchive = (cacheDir: string) => join(cacheDir, 'archives', 'cifar-10-binary.tar.gz');

test('a plain download is verified, cached, and a second fetch or load makes no request', async () => {
  await withServer(async ({ server, cacheDir, options }) => {
    const entry = await fetchDataset(options.source, options);
    assert.equal([entry.manifest.splits.train.count, entry.official, server.requests.length], [200, true, 1]);
    assert.is(server.requests[0].range, undefined);
    assert.is(md5(await readFile(cachedArchive(cacheDir))), fixture.source.md5);
    await fetchDataset(options.source, options);
    const data = await loadDataset(options.source, options);
    assert.is(server.requests.length, 1);
    assert.equal(data.train.images.subarray(0, 3072), fixture.train[0].hwc);
  });
});

test('a connection cut mid-file is resumed with a Range request', async () => {
  await withServer(async ({ server, cacheDir, options, lines }) => {
    server.behaviour.cutAfter = Math.floor(fixture.archive.length / 2);
    await fetchDataset(options.source, options);
    assert.is(server.requests.length, 2);
    const start = Number(/^bytes=(\d+)-$/.exec(server.requests[1].range ?? '')?.[1]);
    assert.ok(start > 0 && start <= fixture.archive.length / 2, `second request asked for ${server.requests[1].range}`);
    assert.is(md5(await readFile(cachedArchive(cacheDir))), fixture.source.md5);
    assert.ok(lines.some((line) => /retrying in 0.5 s from byte \d+/.test(line)), lines.join('\n'));
  });
});

test('a server that ignores Range (200 to a Range request) gets a clean restart', async () => {
  await withServer(async ({ server, cacheDir, options, lines }) => {
    server.behaviour.ranges = false;
    server.behaviour.cutAfter = Math.floor(fixture.archive.length / 3);
    const data = await loadDataset(options.source, options);
    assert.is(server.requests.length, 2);
    assert.match(server.requests[1].range ?? '', /^bytes=[1-9]\d*-$/);
    assert.ok(lines.some((line) => line.includes('ignored the resume request')), lines.join('\n'));
    assert.is(md5(await readFile(cachedArchive(cacheDir))), fixture.source.md5);
    assert.equal(data.test.images.subarray(0, 3072), fixture.test[0].hwc);
  });
});

test('HTTP 503 is retried with backoff', async () => {
  await withServer(async ({ server, options }) => {
    server.behaviour.failures = 1;
    await fetchDataset(options.source, options);
    assert.is(server.requests.length, 2);
  });
});

test('HTTP 404 fails at once with the URL', async () => {
  await withServer(async ({ server, options, source }) => {
    const error = await rejection(fetchDataset({ ...source, url: `${server.base}/nothing-here.tar.gz` }, options));
    assert.instance(error, UserError);
    assert.match(error.message, /cannot download http:\/\/127\.0\.0\.1:\d+\/nothing-here\.tar\.gz: HTTP 404/);
    assert.is(server.requests.length, 1);
  });
});

test('a wrong md5 is rejected naming file, expected and actual md5; the file is set aside and nothing is cached', async () => {
  await withServer(async ({ cacheDir, options, source }) => {
    const wrong = '0123456789abcdef0123456789abcdef';
    const error = await rejection(fetchDataset({ ...source, md5: wrong }, { ...options }));
    assert.instance(error, UserError);
    assert.ok(error.message.includes(`checksum mismatch for ${cachedArchive(cacheDir)}: expected md5 ${wrong}, got ${fixture.source.md5}`), error.message);
    assert.equal(await readdir(join(cacheDir, 'archives')), ['cifar-10-binary.tar.gz.bad']);
    assert.equal(await readdir(cacheDir), ['archives']);
  });
});

test('a wrong size is rejected before the md5 is computed', async () => {
  await withServer(async ({ cacheDir, options, source }) => {
    const error = await rejection(fetchDataset({ ...source, bytes: fixture.archive.length + 1 }, { ...options }));
    assert.match(error.message, new RegExp(`expected ${fixture.archive.length + 1} B, got ${fixture.archive.length} B`));
    assert.equal(await readdir(join(cacheDir, 'archives')), ['cifar-10-binary.tar.gz.bad']);
  });
});

test('mirror (option or SCBENCH_MIRROR) replaces scheme and host, keeping the path', async () => {
  assert.is(mirroredUrl('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', 'http://mirror.lan:8080/data/'), 'http://mirror.lan:8080/data/~kriz/cifar-10-binary.tar.gz');
  assert.throws(() => mirroredUrl('https://a.b/c', 'ftp://x'), /mirror: "ftp:\/\/x" is not an http\(s\) URL/);
  await withServer(async ({ server, options, source }) => {
    const offline = { ...source, url: `https://data.invalid${new URL(source.url).pathname}` };
    await fetchDataset(offline, { ...options, mirror: server.base });
    assert.is(server.requests.length, 1);
  });
  await withServer(async ({ server, options, source }) => {
    process.env.SCBENCH_MIRROR = server.base;
    try {
      await fetchDataset({ ...source, url: `https://data.invalid${new URL(source.url).pathname}` }, options);
    } finally {
      delete process.env.SCBENCH_MIRROR;
    }
    assert.is(server.requests.length, 1);
  });
});

test('from: an archive on disk is verified and used without network; a wrong one is refused', async () => {
  await withServer(async ({ server, cacheDir, options }) => {
    const from = join(cacheDir, '..', 'copy.tar.gz');
    await writeFile(from, fixture.archive);
    const entry = await fetchDataset(options.source, { ...options, from });
    assert.equal([entry.official, entry.manifest.source.path, server.requests.length], [true, from, 0]);

    const other = join(cacheDir, '..', 'other.tar.gz');
    await writeFile(other, fixture.archive.subarray(1));
    const fresh = { ...options, cacheDir: join(cacheDir, '..', 'fresh') };
    const error = await rejection(fetchDataset(options.source, { ...fresh, from: other }));
    assert.match(error.message, /checksum mismatch for .*other\.tar\.gz: expected \d+ B, got \d+ B; a custom archive is accepted only with its md5 given explicitly/);
    assert.match((await rejection(fetchDataset(options.source, { ...fresh, from: join(cacheDir, 'none') }))).message, /^from: .*none does not exist$/);
    assert.is(server.requests.length, 0);
  });
});

test('a custom archive with its md5 is cached as not official, used by load, replaced by a plain fetch', async () => {
  await withServer(async ({ server, cacheDir, options }) => {
    const custom = await cifarFixture(2);
    const from = join(cacheDir, '..', 'custom.tar.gz');
    await writeFile(from, custom.archive);
    const entry = await fetchDataset(options.source, { ...options, from, md5: custom.source.md5.toUpperCase() });
    assert.equal([entry.official, entry.manifest.splits.train.count], [false, 10]);
    const data = await loadDataset(options.source, options);
    assert.equal([data.source.official, data.source.md5, data.train.count, server.requests.length], [false, custom.source.md5, 10, 0]);
    const official = await fetchDataset(options.source, options);
    assert.equal([official.official, official.manifest.splits.train.count, server.requests.length], [true, 200, 1]);
    assert.match((await rejection(fetchDataset(options.source, { ...options, md5: custom.source.md5 }))).message, /^md5: it checks an archive given with from/);
  });
});

test('two fetches at once (parallel cells) download once: the second waits for the lock, then finds the cache', async () => {
  await withServer(async ({ server, options, lines }) => {
    const [a, b] = await Promise.all([fetchDataset(options.source, options), fetchDataset(options.source, options)]);
    assert.equal([a.manifest, server.requests.length], [b.manifest, 1]);
    assert.ok(lines.some((line) => line.startsWith(`waiting for process ${process.pid}, which holds `)), lines.join('\n'));
  });
});

test('a lock left by a process that is gone is taken over', async () => {
  await withServer(async ({ server, cacheDir, options }) => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // exited before we use its pid
    await mkdir(cacheDir, { recursive: true });
    await writeFile(join(cacheDir, 'cifar10.lock'), JSON.stringify({ host: hostname(), pidSpace: pidSpace(), pid: gone, token: 'gone' }));
    await fetchDataset(options.source, options);
    assert.is(server.requests.length, 1);
    assert.equal((await readdir(cacheDir)).sort(), ['archives', 'cifar10']);
  });
});

test.run();
