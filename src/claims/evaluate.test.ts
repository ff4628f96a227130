import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CellResult } from '../results/cell-results.ts';
import { runConfiguration, type CellSpec, type SuiteCell } from '../suite/index.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import { evaluateClaim, runsOf } from './evaluate.ts';
import { claimSchema, type Claim } from '../suite/claims.ts';

/** A cell result with one metrics row per accuracy (percent), 100 iterations an epoch; its base id is its id unless given. */
function result(id: string, accuracies: number[], options: { seed?: number; baseId?: string; outcome?: CellResult['outcome'] } = {}): CellResult {
  const cell = { id, baseId: options.baseId ?? id, seed: options.seed ?? 1 } as SuiteCell;
  const metrics = accuracies.map((acc, i) => ({ epoch: i + 1, iteration: 100 * (i + 1), testAccuracy: acc / 100 }) as EpochMetrics);
  return { cell, outcome: options.outcome ?? 'completed', metrics };
}

const claim = (...all: unknown[]): Claim => claimSchema.parse({ id: 'c', statement: 'a claim', all });

test('beats: best by an epoch, with a margin; a negative margin is a tolerance', () => {
  const cells = [result('a', [50, 70, 80]), result('b', [60, 65, 79])];
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'] }), cells).verdict, 'reproduced');
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'], margin: 2 }), cells).verdict, 'not reproduced');
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'], byEpoch: 1 }), cells).verdict, 'not reproduced');
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'], byEpoch: 1, margin: -10 }), cells).verdict, 'reproduced');
  const verdict = evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'], byEpoch: 2 }), cells);
  assert.match(verdict.evidence, 'a 70.00 % vs b 65.00 % (best by epoch 2');
});

test('close and final: the accuracy at the epoch, not the best', () => {
  const cells = [result('a', [80, 70]), result('b', [75, 74])];
  assert.is(evaluateClaim(claim({ kind: 'close', cells: ['a', 'b'], tolerance: 4 }), cells).verdict, 'not reproduced');
  assert.is(evaluateClaim(claim({ kind: 'close', cells: ['a', 'b'], tolerance: 4, measure: 'final' }), cells).verdict, 'reproduced');
});

test('reaches with a tolerance; fails: never reaching the threshold within the budget, or diverging for good', () => {
  const record = (reason: string) => ({ reason, cell: { id: 'x', seed: 1 } }) as unknown as CellResult['record'];
  const cells = [
    result('a', [90, 92]),
    { ...result('nan', [30], { outcome: 'diverged' }), record: record('diverged for good: loss NaN at epoch 2, iteration 180') },
    { ...result('spike-low', [12], { outcome: 'diverged' }), record: record('diverged: loss 9.5 > 9.2 at epoch 2, iteration 150') },
    { ...result('spike-high', [30], { outcome: 'diverged' }), record: record('diverged: loss 9.5 > 9.2 at epoch 2, iteration 150') },
    result('low', [11, 12]),
  ];
  for (const c of cells) if (c.record) c.record.cell = runConfiguration(c.cell);
  assert.is(evaluateClaim(claim({ kind: 'reaches', cell: 'a', accuracy: 92.4, tolerance: 0.5 }), cells).verdict, 'reproduced');
  assert.is(evaluateClaim(claim({ kind: 'reaches', cell: 'a', accuracy: 92.4 }), cells).verdict, 'not reproduced');
  const diverged = evaluateClaim(claim({ kind: 'fails', cell: 'nan', below: 20 }), cells);
  assert.is(diverged.verdict, 'reproduced');
  assert.match(diverged.evidence, 'diverged for good on 1 seed(s)');
  assert.is(evaluateClaim(claim({ kind: 'fails', cell: 'low', below: 20 }), cells).verdict, 'reproduced');
  assert.is(evaluateClaim(claim({ kind: 'fails', cell: 'a', below: 20 }), cells).verdict, 'not reproduced');
  // Stopped at a loss spike: it had reached 20 % (so it did not fail), or it cannot say.
  assert.is(evaluateClaim(claim({ kind: 'fails', cell: 'spike-high', below: 20 }), cells).verdict, 'not reproduced');
  const unknown = evaluateClaim(claim({ kind: 'fails', cell: 'spike-low', below: 20 }), cells);
  assert.is(unknown.verdict, 'not run');
  assert.match(unknown.evidence, 'a run stopped at a loss spike says nothing');
});

test('a cell run otherwise than declared makes the claim not comparable; the data\'s provenance is named', () => {
  const declared = { id: 'a', seed: 1, epochs: 16, batchSize: 128, dataset: 'cifar10' } as CellSpec;
  const official = { path: 'cifar-10-binary.tar.gz', md5: 'c32a', official: true, description: 'the official archive' };
  const copy = { path: '/data/cifar10-png', contentHash: 'ab12', files: 60000, official: false, description: 'a copy as image folders' };
  const run = (id: string, cell: Partial<CellSpec>, source: object = official): CellResult => ({
    ...result(id, [50, 60, 70]),
    cell: { ...declared, id, baseId: id },
    record: { cell: { ...declared, id, ...cell }, data: { train: 50000, test: 10000, shape: [32, 32, 3], source } } as unknown as CellResult['record'],
  });
  const cells = [run('same', {}), run('short', { epochs: 3, batchSize: 64 }), run('copy', {}, copy)];
  const beats = (cell: string) => evaluateClaim(claim({ kind: 'beats', cell, others: ['same'], margin: -100 }), cells);
  const same = beats('same');
  assert.is(same.verdict, 'reproduced');
  assert.is(same.data, 'cifar10: the official archive cifar-10-binary.tar.gz, md5 c32a');
  const short = beats('short');
  assert.is(short.verdict, 'not comparable');
  assert.is(short.comparability, 'epochs 3 instead of 16; batchSize 64 instead of 128');
  assert.is(short.noise, undefined);
  const fromCopy = beats('copy');
  assert.is(fromCopy.verdict, 'reproduced');
  assert.is(fromCopy.data, 'cifar10: a copy as image folders cifar10-png, content sha256 ab12; cifar10: the official archive cifar-10-binary.tar.gz, md5 c32a');
});

test('sooner: iterations to an accuracy, by a factor; never reaching counts as infinitely many', () => {
  const cells = [result('fast', [80, 91]), result('slow', [50, 60, 70, 80, 85, 91]), result('never', [10, 20])];
  assert.is(evaluateClaim(claim({ kind: 'sooner', cell: 'fast', than: 'slow', accuracy: 90, factor: 3 }), cells).verdict, 'reproduced');
  assert.is(evaluateClaim(claim({ kind: 'sooner', cell: 'fast', than: 'slow', accuracy: 90, factor: 4 }), cells).verdict, 'not reproduced');
  assert.is(evaluateClaim(claim({ kind: 'sooner', cell: 'fast', than: 'never', accuracy: 90 }), cells).verdict, 'reproduced');
  assert.is(evaluateClaim(claim({ kind: 'sooner', cell: 'never', than: 'fast', accuracy: 90 }), cells).verdict, 'not reproduced');
});

test('not run: a cell without results, or without the epochs a predicate reads; all predicates must hold', () => {
  const cells = [result('a', [50, 70]), { ...result('b', []), outcome: 'not run' as const }, result('c', [40], { outcome: 'running' })];
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'] }), cells).verdict, 'not run');
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['c'], byEpoch: 2 }), cells).verdict, 'not run');
  assert.is(evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['c'], byEpoch: 1 }), cells).verdict, 'reproduced');
  const mixed = claim({ kind: 'beats', cell: 'a', others: ['c'], byEpoch: 1 }, { kind: 'reaches', cell: 'a', accuracy: 99 });
  assert.is(evaluateClaim(mixed, cells).verdict, 'not reproduced');
});

test('seeds: the matrix copies of a cell are its runs; spread shown; disagreement or a margin inside the spread is noise', () => {
  const cells = [
    result('a.seed-1', [80], { seed: 1, baseId: 'a' }),
    result('a.seed-2', [70], { seed: 2, baseId: 'a' }),
    result('a.seed-3', [76], { seed: 3, baseId: 'a' }),
    result('b.seed-1', [75], { seed: 1, baseId: 'b' }),
    result('b.seed-2', [74], { seed: 2, baseId: 'b' }),
    result('b.seed-3', [73], { seed: 3, baseId: 'b' }),
    result('ab.seed-1', [1], { seed: 1, baseId: 'ab' }),
  ];
  assert.equal(runsOf('a', cells).map((r) => r.seed), [1, 2, 3]);
  const verdict = evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'] }), cells);
  assert.is(verdict.verdict, 'reproduced'); // holds on seeds 1 and 3 of 3
  assert.match(verdict.evidence, 'a 75.33 ± 5.03 % (70.00 to 80.00)');
  assert.match(verdict.noise ?? '', 'holds on 2 of 3 seeds');
  const clear = evaluateClaim(claim({ kind: 'beats', cell: 'a', others: ['b'], margin: -10 }), cells);
  assert.is(clear.verdict, 'reproduced');
  assert.is(clear.noise, undefined);
  // Margins 5 - |a - b| = 0, 1, 2: every seed holds, but the mean margin 1 is within one sd (1) of flipping.
  const inside = evaluateClaim(claim({ kind: 'close', cells: ['a', 'b'], tolerance: 5 }), cells);
  assert.is(inside.verdict, 'reproduced');
  assert.match(inside.noise ?? '', 'within the seeds\' spread');
});

test('the claim schema names the field at fault', () => {
  const problem = claimSchema.safeParse({ id: 'c', statement: 's', all: [{ kind: 'beats', cell: 'a', others: [], margin: 1 }] });
  assert.is(problem.success, false);
  assert.equal(problem.error!.issues[0]!.path, ['all', 0, 'others']);
  const kind = claimSchema.safeParse({ id: 'c', statement: 's', all: [{ kind: 'wins', cell: 'a' }] });
  assert.equal(kind.error!.issues[0]!.path, ['all', 0, 'kind']);
  assert.is(kind.error!.issues[0]!.message, 'must be one of beats, close, reaches, fails, sooner');
});

test.run();
