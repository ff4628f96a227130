import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AdapterInfo } from '../engine/webgpu.ts';
import { UserError } from '../errors.ts';
import { readMergeRecord } from '../results/merge-record.ts';
import { firstDifference, mergeResults } from './merge.ts';

const scbench = fileURLToPath(new URL('../../bin/scbench', import.meta.url));
const quiet = () => {};

/** A results root with hand-written cells: run.json as the runner writes it and a metrics.csv. */
async function resultsRoot(cells: { id: string; lr?: number; gitCommit?: string; kind?: string; adapter?: AdapterInfo; status?: string; epochs?: number; shard?: string; accuracy?: string }[]) {
  const root = await mkdtemp(join(tmpdir(), 'scbench-merge-'));
  for (const c of cells) {
    const dir = join(root, 'grid', c.id);
    await mkdir(dir, { recursive: true });
    const cell = { id: c.id, network: 'simple', dataset: 'cifar10', policy: { name: 'constant', lr: c.lr ?? 0.05 }, momentum: 0.9, epochs: 2, batchSize: 128, seed: 1, weightDecay: 0, augment: true, divergenceFactor: 4 };
    const record = {
      suite: 'grid',
      cell,
      status: c.status ?? 'completed',
      epochsCompleted: c.epochs ?? 2,
      bestTestAccuracy: null,
      finalTestAccuracy: null,
      trainingSeconds: 0,
      engine: { backend: 'tensorflow', kind: c.kind ?? 'tensorflow-gpu', packageName: '@tensorflow/tfjs-node-gpu', version: '4.22.0', reason: 'CUDA', threads: null, adapter: c.adapter },
      versions: { node: '20.0.0', scbench: '0.1.0', '@tensorflow/tfjs-core': '4.22.0' },
      gitCommit: c.gitCommit ?? 'abc123',
      shard: c.shard,
      host: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24 },
      startedAt: '2026-01-01T00:00:00.000Z',
    };
    await writeFile(join(dir, 'run.json'), JSON.stringify(record));
    const rows = Array.from({ length: c.epochs ?? 2 }, (_, i) => `${i + 1},${10 * (i + 1)},1,0.5,1,${c.accuracy ?? '0.5'},0.9,0.05,0.9,12.5,100`);
    await writeFile(join(dir, 'metrics.csv'), ['epoch,iteration,trainLoss,trainAccuracy,testLoss,testAccuracy,testTop5,lr,momentum,epochSeconds,imagesPerSecond', ...rows, ''].join('\n'));
  }
  return root;
}

const freshOut = async () => join(await mkdtemp(join(tmpdir(), 'scbench-merged-')), 'merged');

async function assertRefused(run: () => Promise<unknown>, pattern: RegExp) {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof UserError, `a UserError, not ${(error as Error).stack}`);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`should have refused (${pattern})`);
}

test('shards merge into one folder with merge.json saying which shard produced each cell', async () => {
  const a = await resultsRoot([{ id: 'x', shard: '1/2' }, { id: 'y', shard: '1/2' }]);
  const b = await resultsRoot([{ id: 'z', shard: '2/2' }]);
  const out = await freshOut();
  await mergeResults({ sources: [a, b], out, log: quiet });
  assert.equal(await readdir(join(out, 'grid')), ['x', 'y', 'z']);
  assert.is(readFileSync(join(out, 'grid', 'z', 'metrics.csv'), 'utf8'), readFileSync(join(b, 'grid', 'z', 'metrics.csv'), 'utf8'));
  const record = (await readMergeRecord(out))!;
  assert.equal(
    record.results.map((r) => [r.id, r.from, r.shard]),
    [['x', a, '1/2'], ['y', a, '1/2'], ['z', b, '2/2']],
  );
  assert.equal(record.sources, [a, b]);
});

test('identical copies of a cell are kept once: the most finished, the others listed as duplicates', async () => {
  const a = await resultsRoot([{ id: 'x', status: 'running', epochs: 1, shard: '1/2' }]);
  const b = await resultsRoot([{ id: 'x', shard: '2/2' }]);
  const c = await resultsRoot([{ id: 'x', shard: '2/2', accuracy: '0.6' }]);
  const empty = await resultsRoot([{ id: 'x', status: 'running', epochs: 0, shard: '1/2' }]);
  const out = await freshOut();
  const record = await mergeResults({ sources: [a, b, c, empty], out, log: quiet });
  assert.is(record.results.length, 1);
  assert.is(record.results[0].from, b);
  assert.equal(
    record.results[0].duplicates.map((d) => [d.from, d.status, d.sameMetrics]),
    [[a, 'running', true], [c, 'completed', false], [empty, 'running', false]],
    'same over the common epochs; a copy without any epoch is not known to be the same',
  );
  assert.is(JSON.parse(readFileSync(join(out, 'grid', 'x', 'run.json'), 'utf8')).status, 'completed');
});

test('a cell run with another configuration or another code version is refused, naming the field, and nothing is written', async () => {
  const a = await resultsRoot([{ id: 'x' }]);
  const out = await freshOut();
  const otherLr = await resultsRoot([{ id: 'x', lr: 0.1 }]);
  await assertRefused(() => mergeResults({ sources: [a, otherLr], out, log: quiet }), /^grid\/x: was run differently in .* and .* \(they differ in cell\.policy\.lr\)/);
  const otherCommit = await resultsRoot([{ id: 'x', gitCommit: 'def456' }]);
  await assertRefused(() => mergeResults({ sources: [a, otherCommit], out, log: quiet }), /they differ in gitCommit/);
  const onCpu = await resultsRoot([{ id: 'x', kind: 'tensorflow' }]);
  await assertRefused(() => mergeResults({ sources: [a, onCpu], out, log: quiet }), /they differ in engine\.kind/);
  const nested = join(await mkdtemp(join(tmpdir(), 'scbench-merged-')), 'new', 'merged');
  await assertRefused(() => mergeResults({ sources: [a, otherLr], out: nested, log: quiet }), /they differ in cell\.policy\.lr/);
  assert.not.ok(existsSync(join(nested, '..')), 'the folders made for --out are gone after a refusal');
  assert.not.ok(existsSync(out), 'no merged folder after a refusal');
  assert.equal((await readdir(join(out, '..'))).filter((name) => name.includes('merging')), [], 'no staging folder left behind');
});

test('cells computed on two WebGPU adapters are two engines: refused; on the same adapter they merge', async () => {
  const gpu = (device: string): AdapterInfo => ({ vendor: 'nvidia', architecture: 'hopper', device, description: `NVIDIA ${device}`, software: false });
  const h200 = await resultsRoot([{ id: 'x', kind: 'webgpu', adapter: gpu('H200'), shard: '1/2' }]);
  const l4 = await resultsRoot([{ id: 'x', kind: 'webgpu', adapter: gpu('L4'), shard: '2/2' }]);
  await assertRefused(() => mergeResults({ sources: [h200, l4], out: join(h200, 'refused'), log: quiet }), /they differ in engine\.adapter\./);
  const alsoH200 = await resultsRoot([{ id: 'y', kind: 'webgpu', adapter: gpu('H200'), shard: '2/2' }, { id: 'x', kind: 'webgpu', adapter: gpu('H200'), shard: '2/2' }]);
  const record = await mergeResults({ sources: [h200, alsoH200], out: await freshOut(), log: quiet });
  assert.equal(record.results.map((r) => r.id), ['x', 'y']);
});

test('range tests merge by their test and the code that ran them', async () => {
  const rangeRoot = async (gitCommit: string) => {
    const root = await mkdtemp(join(tmpdir(), 'scbench-merge-range-'));
    const dir = join(root, 'range-tests', 'lr');
    await mkdir(dir, { recursive: true });
    const record = { test: { id: 'lr', network: 'simple' }, suggestions: [], outcomes: [], engine: { kind: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm' }, versions: { node: '20.1.0' }, gitCommit };
    await writeFile(join(dir, 'suggestions.json'), JSON.stringify(record));
    await writeFile(join(dir, 'range-test.csv'), 'iteration,lr\n0,0.001\n');
    return root;
  };
  const [a, b, other] = [await rangeRoot('abc123'), await rangeRoot('abc123'), await rangeRoot('def456')];
  const record = await mergeResults({ sources: [a, b], out: await freshOut(), log: quiet });
  assert.equal(record.results.map((r) => [r.id, r.from, r.duplicates.map((d) => [d.from, d.sameMetrics])]), [['lr', a, [[b, true]]]]);
  const out = await freshOut();
  await assertRefused(() => mergeResults({ sources: [a, other], out, log: quiet }), /^range-tests\/lr: .*they differ in gitCommit/);
});

test('bad sources and outputs are one-line errors', async () => {
  const a = await resultsRoot([{ id: 'x' }]);
  const out = await freshOut();
  await assertRefused(() => mergeResults({ sources: [join(a, 'missing')], out, log: quiet }), /missing: no such results folder$/);
  const empty = await mkdtemp(join(tmpdir(), 'scbench-empty-'));
  await assertRefused(() => mergeResults({ sources: [empty], out, log: quiet }), /holds no results/);
  await assertRefused(() => mergeResults({ sources: [a], out: a, log: quiet }), /is one of the folders being merged/);
  await mkdir(out);
  await writeFile(join(out, 'keep.txt'), 'finished work');
  await assertRefused(() => mergeResults({ sources: [a], out, log: quiet }), /already exists and is not empty/);
  assert.is(readFileSync(join(out, 'keep.txt'), 'utf8'), 'finished work');
  await writeFile(join(a, 'grid', 'x', 'run.json'), '{"suite": "grid", ');
  const another = await freshOut();
  await assertRefused(() => mergeResults({ sources: [a], out: another, log: quiet }), /run\.json: unreadable .*; nothing was merged$/);
});

test('firstDifference names the first differing path', () => {
  assert.is(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }), undefined);
  assert.is(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } }), 'b.c[1]');
  assert.is(firstDifference({ a: 1 }, { a: 1, extra: true }), 'extra');
  assert.is(firstDifference(1, 2), '(the whole record)');
  assert.is(firstDifference({ c: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1] }, { c: [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2] }), 'c[2]', 'array elements in index order');
});

// The acceptance check: a small real suite as 3 shards in parallel processes, merged, against one unsharded run.
const suite = {
  name: 'sharded',
  description: 'merge test suite',
  defaults: { network: 'simple-mnist', dataset: 'mnist-mini', epochs: 2, batchSize: 100, seed: 3, weightDecay: 5e-4 },
  cells: [
    { id: 'constant', policy: { name: 'constant', lr: 0.05, momentum: 0.9 } },
    { id: 'cyclical', policy: { name: 'cyclical', baseLr: 0.0125, maxLr: 0.05, stepSize: 10 } },
    { id: 'one-cycle', policy: { name: 'one-cycle', maxLr: 0.3, maxMomentum: 0.9, minMomentum: 0.85 } },
    { id: 'one-cycle.pass-2', initFrom: 'one-cycle', epochs: 1, policy: { name: 'one-cycle', maxLr: 0.05, maxMomentum: 0.9, minMomentum: 0.85 } },
  ],
  claims: [
    {
      id: 'one-cycle-ends-best',
      statement: 'one-cycle ends ahead of constant and cyclical',
      why: 'final test accuracy',
      all: [{ kind: 'beats', cell: 'one-cycle', others: ['constant', 'cyclical'], measure: 'final' }],
    },
  ],
};

function runToEnd(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(scbench, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The learned columns (epoch .. momentum) of every cell's metrics.csv. */
function learnedColumns(root: string): Record<string, string[]> {
  return Object.fromEntries(
    suite.cells.map((cell) => [cell.id, readFileSync(join(root, 'sharded', cell.id, 'metrics.csv'), 'utf8').trim().split('\n').map((line) => line.split(',').slice(0, 9).join(','))]),
  );
}

/** The part of the report that does not depend on timings: its verdicts and the outcome per series. */
function verdicts(reportDir: string): string {
  const markdown = readFileSync(join(reportDir, 'index.md'), 'utf8');
  return markdown.slice(markdown.indexOf('## Verdict at a glance'), markdown.indexOf('![Best test accuracy'));
}

test('3 shards run in parallel and merged equal one unsharded run: the same metrics, claims and report verdicts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-shards-'));
  const suiteFile = join(dir, 'sharded.json');
  await writeFile(suiteFile, JSON.stringify(suite));
  const run = (...extra: string[]) => ['run', '--suite', suiteFile, '--backend', 'wasm', '--no-report', ...extra];

  const shards = await Promise.all([1, 2, 3].map((i) => runToEnd(run('--shard', `${i}/3`, '--jobs', '1', '--out', join(dir, `shard-${i}`)))));
  for (const shard of shards) assert.is(shard.status, 0, shard.stderr);
  const merged = join(dir, 'merged');
  const merge = spawnSync(scbench, ['merge', ...[1, 2, 3].map((i) => join(dir, `shard-${i}`)), '--out', merged], { encoding: 'utf8' });
  assert.is(merge.status, 0, merge.stderr);
  const record = (await readMergeRecord(merged))!;
  assert.equal(record.results.map((r) => r.id), ['constant', 'cyclical', 'one-cycle', 'one-cycle.pass-2']);
  assert.equal(new Set(record.results.map((r) => r.shard)), new Set(['1/3', '2/3', '3/3']), 'every shard ran a part');
  const shardOf = Object.fromEntries(record.results.map((r) => [r.id, r.shard]));
  assert.is(shardOf['one-cycle.pass-2'], shardOf['one-cycle'], 'the initFrom chain ran in one shard');

  const single = join(dir, 'single');
  const unsharded = spawnSync(scbench, run('--out', single, '--jobs', '2'), { encoding: 'utf8' });
  assert.is(unsharded.status, 0, unsharded.stderr);
  assert.equal(learnedColumns(merged), learnedColumns(single));

  const claims = (results: string) => spawnSync(scbench, ['claims', '--suite', suiteFile, '--results', results], { encoding: 'utf8' });
  assert.is(claims(merged).stdout, claims(single).stdout);
  assert.match(claims(merged).stdout, /one-cycle-ends-best/);
  const report = (results: string, out: string) => spawnSync(scbench, ['report', '--suite', suiteFile, '--results', results, '--out', out], { encoding: 'utf8' });
  for (const [results, out] of [[merged, join(dir, 'report-merged')], [single, join(dir, 'report-single')]]) assert.is(report(results, out).status, 0);
  assert.is(verdicts(join(dir, 'report-merged')), verdicts(join(dir, 'report-single')));
  assert.match(verdicts(join(dir, 'report-merged')), /4 cells: 4 completed/);
});

test.run();
