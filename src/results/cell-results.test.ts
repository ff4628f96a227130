import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConfiguration } from '../suite/index.ts';
import { readCellResults } from './cell-results.ts';
import { metricsCsv, parseMetricsCsv } from './metrics.ts';
import { climbingMetrics, handMadeSuite, writeCell } from './test-fixtures.ts';

const suite = handMadeSuite();
const root = () => mkdtemp(join(tmpdir(), 'scbench-report-cells-'));

test('parseMetricsCsv reads what the runner writes, NaN included', () => {
  const rows = climbingMetrics(3, 0.9);
  rows[2] = { ...rows[2]!, trainLoss: NaN, testLoss: Infinity };
  const parsed = parseMetricsCsv(metricsCsv(rows, true), 'm.csv');
  assert.equal(parsed.slice(0, 2), rows.slice(0, 2));
  assert.ok(Number.isNaN(parsed[2]!.trainLoss));
  assert.is(parsed[2]!.testLoss, Infinity);
  assert.equal(parseMetricsCsv(metricsCsv([], true), 'm.csv'), []);
});

test('parseMetricsCsv names the file and line of every kind of damage', () => {
  const good = metricsCsv(climbingMetrics(2, 0.9), true);
  const lines = good.trimEnd().split('\n');
  const cases: [string, RegExp][] = [
    ['', /^m\.csv: empty/],
    [good.replace('testAccuracy', 'testAcc'), /^m\.csv: line 1: header is "epoch,iteration,trainLoss,trainAccuracy,testLoss,testAcc,/],
    [`${lines.join('\n')}\n3,30,0.1`, /^m\.csv: line 4: 3 field\(s\), expected 11$/],
    [good.replace(/\n2,20,/, '\n2,twenty,'), /^m\.csv: line 3: iteration is "twenty", not a number$/],
    [good.replace(/\n2,20,[^,]*,/, '\n2,20,,'), /^m\.csv: line 3: trainLoss is "", not a number$/],
    [good.replace(/\n2,/, '\n3,'), /^m\.csv: line 3: epoch 3, expected 2$/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseMetricsCsv(text, 'm.csv'), (error: Error) => message.test(error.message), String(message));
  }
});

test('cells read with their outcome; a cell without results is not run', async () => {
  const dir = await root();
  await writeCell(dir, suite, 'constant', 'completed', climbingMetrics(4, 0.96));
  await writeCell(dir, suite, 'cyclical', 'diverged', climbingMetrics(2, 0.9), { divergedAtEpoch: 2 });
  const warnings: string[] = [];
  const cells = await readCellResults([dir], suite.name, suite.cells, warnings);
  assert.equal(cells.map((c) => [c.cell.id, c.outcome, c.metrics.length]), [
    ['constant', 'completed', 4],
    ['cyclical', 'diverged', 2],
    ['one-cycle.seed-1', 'not run', 0],
    ['one-cycle.seed-2', 'not run', 0],
  ]);
  assert.is(cells[1]!.record?.divergedAtEpoch, 2);
  assert.is(cells[0]!.files?.metrics, join(dir, 'hand', 'constant', 'metrics.csv'));
  assert.equal(warnings, []);
  await rm(dir, { recursive: true });
});

test('deleted metrics show the cell as not run; a corrupt CSV or run.json is named in a warning and skipped', async () => {
  const dir = await root();
  const deleted = await writeCell(dir, suite, 'constant', 'completed', climbingMetrics(4, 0.96));
  await rm(deleted.metrics);
  const corrupt = await writeCell(dir, suite, 'cyclical', 'completed', climbingMetrics(4, 0.9));
  await writeFile(corrupt.metrics, `${metricsCsv(climbingMetrics(2, 0.9), true)}3,30,0.2`);
  const badRecord = await writeCell(dir, suite, 'one-cycle.seed-1', 'completed', climbingMetrics(4, 0.9));
  await writeFile(badRecord.run, '{"suite": "hand", "cell":');
  const warnings: string[] = [];
  const cells = await readCellResults([dir], suite.name, suite.cells, warnings);
  assert.equal(cells.map((c) => c.outcome), ['not run', 'not run', 'not run', 'not run']);
  assert.is(warnings.length, 3);
  assert.match(warnings[0]!, `${deleted.metrics}: missing; cell constant shown as not run`);
  assert.match(warnings[1]!, `${corrupt.metrics}: line 4: 3 field(s), expected 11; cell cyclical skipped`);
  assert.match(warnings[2]!, `${badRecord.run}: unreadable`);
  await rm(dir, { recursive: true });
});

test('shards in several roots merge; a cell in two roots uses the finished copy and says so', async () => {
  const [a, b] = [await root(), await root()];
  await writeCell(a, suite, 'constant', 'completed', climbingMetrics(4, 0.96));
  await writeCell(b, suite, 'cyclical', 'completed', climbingMetrics(4, 0.9));
  await writeCell(a, suite, 'one-cycle.seed-1', 'running', climbingMetrics(2, 0.9));
  await writeCell(b, suite, 'one-cycle.seed-1', 'completed', climbingMetrics(4, 0.97));
  const warnings: string[] = [];
  const cells = await readCellResults([a, b], suite.name, suite.cells, warnings);
  assert.equal(cells.map((c) => [c.outcome, c.metrics.length]), [['completed', 4], ['completed', 4], ['completed', 4], ['not run', 0]]);
  assert.is(cells[2]!.files?.dir, join(b, 'hand', 'one-cycle.seed-1'));
  assert.equal(warnings, [
    `cell one-cycle.seed-1: results in both ${join(b, 'hand', 'one-cycle.seed-1')} and ${join(a, 'hand', 'one-cycle.seed-1')}; ` +
      'using the first (completed, 4 epoch(s)), not the other (running, 2 epoch(s))',
  ]);
  await Promise.all([a, b].map((dir) => rm(dir, { recursive: true })));
});

test('results of another configuration than the suite declares are shown as run, with a warning naming the fields', async () => {
  const dir = await root();
  const cell = suite.cells[0]!;
  await writeCell(dir, suite, 'constant', 'completed', climbingMetrics(2, 0.9), { cell: { ...runConfiguration(cell), epochs: 2 } });
  const warnings: string[] = [];
  const [constant] = await readCellResults([dir], suite.name, [cell], warnings);
  assert.is(constant!.outcome, 'completed');
  assert.is(constant!.record?.cell.epochs, 2);
  assert.equal(warnings, [`cell constant: ${join(dir, 'hand', 'constant', 'run.json')} was run with another configuration than the suite declares (epochs 2 instead of 4); shown as run, and claims that read it are not comparable`]);
  await rm(dir, { recursive: true });
});

test.run();
