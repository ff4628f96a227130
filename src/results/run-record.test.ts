import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UnreadableResultFile } from './csv.ts';
import { readRunRecord, type CellFiles } from './run-record.ts';
import { climbingMetrics, handMadeSuite, writeCell } from './test-fixtures.ts';

async function written(): Promise<{ files: CellFiles; json: Record<string, any> }> {
  const root = await mkdtemp(join(tmpdir(), 'scbench-run-record-'));
  const files = await writeCell(root, handMadeSuite(), 'one-cycle.seed-2', 'diverged', climbingMetrics(2, 0.9), {
    reason: 'loss 9.5 > 9.2',
    divergedAtEpoch: 3,
    lossSpikes: [{ epoch: 1, iteration: 7, loss: 9.4, limit: 9.2 }],
    data: { train: 1000, test: 200, shape: [28, 28, 1], source: { path: '/data/mnist.tar.gz', md5: 'ab', official: false, description: 'a copy' } },
    shard: '1/2',
  });
  return { files, json: JSON.parse(await readFile(files.run, 'utf8')) };
}

/** The error of reading `text` as the cell's run.json. */
async function problem(files: CellFiles, text: string): Promise<string> {
  await writeFile(files.run, text);
  const error = await readRunRecord(files).then(() => undefined, (thrown: unknown) => thrown);
  assert.instance(error, UnreadableResultFile, `${text} was read`);
  return (error as Error).message;
}

test('run.json reads back as written, every key in the file order; a cell that has none reads undefined', async () => {
  const { files, json } = await written();
  assert.equal(await readRunRecord(files), json);
  assert.equal(Object.keys((await readRunRecord(files))!), Object.keys(json));
  assert.is(await readRunRecord({ ...files, run: join(files.dir, 'absent.json') }), undefined);
});

test('a record of another version reads: keys this version does not know, an engine without threads', async () => {
  const { files, json } = await written();
  const { threads: _threads, ...engine } = json.engine;
  const other = { ...json, engine: { ...engine, singleThreaded: true }, cell: { ...json.cell, newField: 1 }, extra: 'kept' };
  await writeFile(files.run, JSON.stringify(other));
  assert.equal(await readRunRecord(files), other);
});

test("a record from before the data's source had a path and a description reads as today's", async () => {
  const { files, json } = await written();
  const data = { train: 1088, test: 272, shape: [224, 224, 3], source: { archive: '17flowers.tgz', md5: 'b59a65d8d1a99cd66944d474e1289eab', official: true } };
  await writeFile(files.run, JSON.stringify({ ...json, data }));
  assert.equal((await readRunRecord(files))!.data!.source, { path: '17flowers.tgz', md5: 'b59a65d8d1a99cd66944d474e1289eab', official: true, description: 'the official archive' });
});

test('a run.json that does not match its format names the file and the field', async () => {
  const { files, json } = await written();
  const read = (record: unknown) => problem(files, JSON.stringify(record));
  assert.is(await read({ ...json, cell: { ...json.cell, epochs: '4' } }), `${files.run}: cell.epochs: Invalid input: expected number, received string`);
  assert.is(await read({ ...json, cell: { ...json.cell, policy: { ...json.cell.policy, maxLr: -1 } } }), `${files.run}: cell.policy.maxLr: must be > 0`);
  const { version: _version, ...engine } = json.engine;
  assert.is(await read({ ...json, engine }), `${files.run}: engine.version: Invalid input: expected string, received undefined`);
  assert.is(await read({ ...json, status: 'paused' }), `${files.run}: status: Invalid option: expected one of "running"|"completed"|"diverged"|"failed"`);
  assert.is(await read({ ...json, lossSpikes: [{ ...json.lossSpikes[0], loss: null }] }), `${files.run}: lossSpikes[0].loss: Invalid input: expected number, received null`);
  assert.match(await problem(files, '{"suite": "hand", "cell":'), `${files.run}: unreadable (not JSON:`);
});

test.run();
