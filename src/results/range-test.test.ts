import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RANGE_TEST_COLUMNS, RANGE_TEST_FILES, readRangeTests } from './range-test.ts';
import { climbingMetrics, handMadeSuite, rangeTestCsv, SUGGESTIONS, writeCell } from './test-fixtures.ts';

async function writeTest(dir: string, id: string, csv: string | undefined, suggestions: string | undefined) {
  await mkdir(join(dir, 'hand', id), { recursive: true });
  if (csv !== undefined) await writeFile(join(dir, 'hand', id, RANGE_TEST_FILES.curve), csv);
  if (suggestions !== undefined) await writeFile(join(dir, 'hand', id, RANGE_TEST_FILES.suggestions), suggestions);
}

test('range tests are found beside the cells: done, in progress, not run, and damaged files named in warnings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scbench-report-range-'));
  await writeCell(dir, handMadeSuite(), 'constant', 'completed', climbingMetrics(2, 0.9));
  await writeTest(dir, 'lr-finder', rangeTestCsv(), JSON.stringify(SUGGESTIONS));
  await writeTest(dir, 'momentum-sweep', rangeTestCsv([0.85, 0.9]), undefined);
  await writeTest(dir, 'broken-csv', 'iteration,lr\n1,2\n', JSON.stringify(SUGGESTIONS));
  await writeTest(dir, 'broken-json', rangeTestCsv(), '{"suggestions": [{"name": "x", "lr": -1, "rule": "r"}]}');
  const warnings: string[] = [];
  const tests = await readRangeTests([dir], 'hand', ['lr-finder', 'weight-decay-sweep'], warnings);
  assert.equal(tests.map((t) => [t.id, t.status, t.points.length]), [
    ['lr-finder', 'done', 20],
    ['momentum-sweep', 'in progress', 40],
    ['weight-decay-sweep', 'not run', 0],
  ]);
  assert.equal(tests[0]!.suggestions, SUGGESTIONS);
  assert.is(tests[0]!.points[1]!.validationLoss, null);
  assert.ok(tests[0]!.points[0]!.validationLoss! > 0);
  assert.equal(warnings, [
    `${join(dir, 'hand', 'broken-csv', RANGE_TEST_FILES.curve)}: line 1: header is "iteration,lr", expected "${RANGE_TEST_COLUMNS.join(',')}"; range test broken-csv skipped`,
    `${join(dir, 'hand', 'broken-json', RANGE_TEST_FILES.suggestions)}: suggestions[0].lr: Too small: expected number to be >0; range test broken-json skipped`,
  ]);
  await rm(dir, { recursive: true });
});

test.run();
