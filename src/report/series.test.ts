import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CellResult } from '../results/cell-results.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accuracyChart } from './charts.ts';
import { seriesColors } from './colors.ts';
import { renderChart } from './render-chart.ts';
import { bestPoint, firstReaching, groupCells, seriesCurve, testAccuracy } from './series.ts';
import { scheduleRanges } from './table1.ts';
import { climbingMetrics, handMadeSuite } from '../results/test-fixtures.ts';

const suite = handMadeSuite();
const results = (metrics: Record<string, number>): CellResult[] =>
  suite.cells.map((cell) => ({ cell, outcome: 'completed', metrics: climbingMetrics(cell.id in metrics ? 3 : 0, metrics[cell.id] ?? 0) }));

test('cells differing only in their seed form one series, labelled without the seed', () => {
  const [group, ...others] = groupCells(results({}));
  assert.is(others.length, 0);
  assert.is(group!.slug, 'simple-mnist.mnist-mini');
  assert.equal(group!.series.map((s) => [s.label, s.policy, s.cells.map((c) => c.cell.id)]), [
    ['constant', 'constant', ['constant']],
    ['cyclical', 'cyclical', ['cyclical']],
    ['one-cycle', 'one-cycle', ['one-cycle.seed-1', 'one-cycle.seed-2']],
  ]);
});

test('cells of one configuration written apart, of different base ids, form a series labelled by the first id', () => {
  const constant = suite.cells[0]!;
  const cells = ['constant-a', 'constant-b'].map((id, i): CellResult => ({ cell: { ...constant, id, baseId: id, seed: i + 1 }, outcome: 'not run', metrics: [] }));
  assert.equal(groupCells(cells)[0]!.series.map((s) => [s.label, s.cells.length]), [['constant-a', 2]]);
});

test("a chart's legend names a series without the network and dataset its title gives", async () => {
  const prefixed = results({ constant: 0.9, cyclical: 0.8 }).slice(0, 2).map((r) => {
    const id = `simple-mnist.mnist-mini.${r.cell.id}`;
    return { ...r, cell: { ...r.cell, id, baseId: id } };
  });
  const [group] = groupCells(prefixed);
  const { inlineSvg } = await renderChart(accuracyChart(group!), await mkdtemp(join(tmpdir(), 'scbench-legend-')));
  const legend = [...inlineSvg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(legend.includes('constant') && legend.includes('cyclical'), legend.join(' | '));
  assert.not.ok(legend.some((text) => text!.startsWith('simple-mnist.mnist-mini.')), legend.join(' | '));
});

test('a series curve is the mean over its seeds per epoch, with their range, and skips non-finite values', () => {
  const cells = results({ 'one-cycle.seed-1': 0.8, 'one-cycle.seed-2': 0.4 }).slice(2);
  const curve = seriesCurve(cells, testAccuracy);
  assert.equal(curve.map((p) => [p.epoch, p.iteration, p.seeds]), [[1, 10, 2], [2, 20, 2], [3, 30, 2]]);
  assert.is(curve[0]!.value, (0.4 + 0.2) / 2);
  assert.is(curve[0]!.min, 0.2);
  assert.is(curve[0]!.max, 0.4);
  cells[0]!.metrics[0]!.testAccuracy = NaN;
  assert.equal(seriesCurve(cells, testAccuracy)[0], { epoch: 1, iteration: 10, value: 0.2, min: 0.2, max: 0.2, seeds: 1 });
});

test('targets are reached at the first epoch at or above them; the best point is the first of the highest', () => {
  const curve = [0.5, 0.9, 0.95, 0.95, 0.7].map((value, i) => ({ epoch: i + 1, iteration: 10 * (i + 1), value, min: value, max: value, seeds: 1 }));
  assert.equal(firstReaching(curve, 0.9), { epoch: 2, iteration: 20 });
  assert.equal(firstReaching(curve, 0.95), { epoch: 3, iteration: 30 });
  assert.is(firstReaching(curve, 0.96), undefined);
  assert.is(bestPoint(curve)?.epoch, 3);
  assert.is(bestPoint([]), undefined);
});

test('series of one policy share its colour family: the first the policy colour, the next a shade of it', () => {
  const [group] = groupCells(results({}));
  const colors = seriesColors({ ...group!, series: [...group!.series, { ...group!.series[0]!, label: 'constant-2' }] });
  assert.equal([...colors], [['constant', '#0072b2'], ['cyclical', '#e69f00'], ['one-cycle', '#009e73'], ['constant-2', '#004a74']]);
});

test('the hyper-parameter ranges come from the schedules: constant, cyclical base to max, one-cycle start and peak', () => {
  const cell = suite.cells[0]!;
  assert.equal(scheduleRanges({ ...cell, policy: { name: 'constant', lr: 0.04 } }, 100), { lr: '0.04', momentum: '0.9' });
  const cyclical = scheduleRanges({ ...cell, policy: { name: 'cyclical', baseLr: 0.01, maxLr: 0.04, stepSize: 50, mode: 'triangular', gamma: 1 } }, 100);
  assert.equal(cyclical, { lr: '0.01 – 0.04', momentum: '0.9' });
  const oneCycle = { name: 'one-cycle', maxLr: 0.4, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.9, minMomentum: 0.85 } as const;
  const ranges = scheduleRanges({ ...cell, policy: oneCycle }, 1000);
  assert.equal(ranges.lr, '7.96e-4 – 0.4 (start 0.04)', 'the last step, 999, is 99 % through the final phase');
  assert.is(ranges.momentum, '0.85 – 0.9');
});

test.run();
