import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStepLog, readStepLog, stepLog, type StepLog, type StepRecord } from './steps.ts';

const file = async () => join(await mkdtemp(join(tmpdir(), 'step-log-')), 'steps.csv');

const record = (iteration: number): StepRecord => ({ iteration, lr: 0.1 / (1 + iteration), momentum: 0.85 + iteration / 1000, loss: 2.3 / (1 + iteration / 7) });
const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => record(from + i));
const epochEnd = (log: StepLog) => log.onEpochEnd();

/** Three epochs of five steps, delivered in reads of two steps as a loop that reads back every other step does. */
async function writeEpochs(path: string, from: number, to: number): Promise<void> {
  const log = (await stepLog(path, 5 * from))!;
  for (let epoch = from; epoch < to; epoch++) {
    for (let i = 5 * epoch; i < 5 * epoch + 5; i += 2) log.onStepsRead(records(i, Math.min(i + 2, 5 * epoch + 5)));
    await epochEnd(log);
  }
}

test('every step written once, in order, and read back exactly', async () => {
  const path = await file();
  await writeEpochs(path, 0, 3);
  assert.equal(await readStepLog(path), records(0, 15));
  assert.is(readFileSync(path, 'utf8').split('\n')[0], 'iteration,lr,momentum,loss');
  assert.is(await readStepLog(join(path, '..', 'absent.csv')), undefined);
});

test('resumed after a kill, the log equals the uninterrupted one', async () => {
  const uninterrupted = await file();
  await writeEpochs(uninterrupted, 0, 3);
  // Killed while appending the third epoch's rows: the checkpoint covers two epochs.
  const cutShort = await file();
  await writeEpochs(cutShort, 0, 2);
  await appendFile(cutShort, '10,0.009090909090909092,0.86,1.0733333333333333\n11,0.0083');
  await writeEpochs(cutShort, 2, 3);
  assert.is(readFileSync(cutShort, 'utf8'), readFileSync(uninterrupted, 'utf8'));
  // Killed after the second epoch's rows were appended, before its checkpoint: the checkpoint covers one epoch.
  const beforeCheckpoint = await file();
  await writeEpochs(beforeCheckpoint, 0, 2);
  await writeEpochs(beforeCheckpoint, 1, 3);
  assert.is(readFileSync(beforeCheckpoint, 'utf8'), readFileSync(uninterrupted, 'utf8'));
});

test('a log that lacks steps the checkpoint covers is removed, not continued with a gap', async () => {
  const short = await file();
  await writeEpochs(short, 0, 1);
  assert.is(await stepLog(short, 10), undefined);
  assert.not.ok(existsSync(short));
  assert.is(await stepLog(await file(), 10), undefined, 'no log at all');
});

test('a diverged cell keeps the steps of its unfinished epoch; NaN and Infinity losses read back', async () => {
  const path = await file();
  const log = (await stepLog(path, 0))!;
  log.onStepsRead([record(0), { ...record(1), loss: Infinity }, { ...record(2), loss: NaN }]);
  await log.writePending();
  const read = await readStepLog(path);
  assert.equal(read?.map((r) => r.loss), [record(0).loss, Infinity, NaN]);
});

test('a step reported twice or skipped is refused', async () => {
  const log = (await stepLog(await file(), 0))!;
  log.onStepsRead([record(0)]);
  assert.throws(() => log.onStepsRead([record(0)]), /steps\.csv: the training loop reported step 0, expected 1/);
  assert.throws(() => log.onStepsRead([record(2)]), /reported step 2, expected 1/);
});

test('a malformed log is refused naming the file, the line and the field', () => {
  assert.throws(() => parseStepLog('iteration,lr,loss\n', 'x/steps.csv'), /^x\/steps\.csv: line 1: header is "iteration,lr,loss", expected "iteration,lr,momentum,loss"$/);
  assert.throws(() => parseStepLog('iteration,lr,momentum,loss\n0,0.1,0.9,abc\n', 'x/steps.csv'), /^x\/steps\.csv: line 2: loss is "abc", not a number$/);
  assert.throws(() => parseStepLog('iteration,lr,momentum,loss\n0,0.1,0.9,2\n2,0.1,0.9,2\n', 'x/steps.csv'), /^x\/steps\.csv: line 3: iteration 2, expected 1$/);
});

test.run();
