// For the tests of the results readers, claims and the report: results folders made by hand in the runner's exact
// format (its own writers), with learning curves of a chosen shape, and range-test files, so the readers and the
// report are tested without training.
import { mkdir } from 'node:fs/promises';
import { makeSchedule } from '../schedules/index.ts';
import { parseSuite, runConfiguration, type CellSpec, type Suite } from '../suite/index.ts';
import { writeMetrics, type EpochMetrics } from './metrics.ts';
import { RANGE_TEST_COLUMNS, type RangeTestSuggestions } from './range-test.ts';
import { cellFiles, writeRunRecord, type CellFiles, type RunRecord } from './run-record.ts';
import { stepLog, type StepRecord } from './steps.ts';

export const KNOWN = { networks: ['simple-mnist'], datasets: ['mnist-mini'] };

const HAND = { name: 'hand', description: 'hand-made results for the report tests' };
const DEFAULTS = { network: 'simple-mnist', dataset: 'mnist-mini', epochs: 4, batchSize: 100, weightDecay: 5e-4 };

/** A suite file of simple-mnist on mnist-mini: constant and cyclical, on seed 1. */
export const HAND_SUITE_JSON = JSON.stringify({
  ...HAND,
  defaults: { ...DEFAULTS, seed: 1 },
  cells: [
    { id: 'constant', policy: { name: 'constant', lr: 0.05, momentum: 0.9 } },
    { id: 'cyclical', policy: { name: 'cyclical', baseLr: 0.0125, maxLr: 0.05, stepSize: 20 } },
  ],
});

/** One-cycle over seeds 1 and 2 (`one-cycle.seed-1`, `one-cycle.seed-2`): a matrix spans every cell of its file. */
const ONE_CYCLE_SEEDS_JSON = JSON.stringify({
  ...HAND,
  defaults: DEFAULTS,
  cells: [{ id: 'one-cycle', policy: { name: 'one-cycle', maxLr: 0.5, maxMomentum: 0.9, minMomentum: 0.85 } }],
  matrix: { seed: [1, 2] },
});

/** The cells of HAND_SUITE_JSON, then one-cycle over two seeds. */
export function handMadeSuite(): Suite {
  const suite = parseSuite(HAND_SUITE_JSON, 'hand.json', KNOWN);
  return { ...suite, cells: [...suite.cells, ...parseSuite(ONE_CYCLE_SEEDS_JSON, 'hand.json', KNOWN).cells] };
}

/** Epoch rows whose test accuracy climbs toward `ceiling` (10 iterations an epoch, lr from `lr(epoch)`). */
export function climbingMetrics(epochs: number, ceiling: number, lr: (epoch: number) => number = () => 0.05): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, i) => {
    const epoch = i + 1;
    const accuracy = ceiling * (1 - 0.5 ** epoch);
    return {
      epoch,
      iteration: 10 * epoch,
      trainLoss: 2.3 * 0.5 ** epoch,
      trainAccuracy: Math.min(1, accuracy + 0.01),
      testLoss: 2.3 * 0.55 ** epoch,
      testAccuracy: accuracy,
      testTop5: Math.min(1, accuracy + 0.05),
      lr: lr(epoch),
      momentum: 0.9,
      epochSeconds: 2,
      imagesPerSecond: 500,
    };
  });
}

/** Writes run.json and metrics.csv of `cell` under <root>/<suite>/<cell-id>/ as the runner does. */
export async function writeCell(root: string, suite: Suite, cellId: string, status: RunRecord['status'], metrics: EpochMetrics[], extra: Partial<RunRecord> = {}) {
  const cell = suite.cells.find((c) => c.id === cellId)!;
  const files = cellFiles(root, suite.name, cellId);
  await mkdir(files.dir, { recursive: true });
  const best = metrics.length ? Math.max(...metrics.map((m) => m.testAccuracy)) : null;
  const record: RunRecord = {
    suite: suite.name,
    cell: runConfiguration(cell),
    status,
    epochsCompleted: metrics.length,
    bestTestAccuracy: best,
    finalTestAccuracy: metrics.at(-1)?.testAccuracy ?? null,
    trainingSeconds: 2 * metrics.length,
    engine: { backend: 'wasm', kind: 'wasm', packageName: '@tensorflow/tfjs-backend-wasm', version: '4.22.0', reason: 'XNNPACK in WebAssembly, SIMD, 1 thread', threads: 1 },
    versions: { node: '20.0.0', '@tensorflow/tfjs-core': '4.22.0' },
    gitCommit: 'abc123',
    host: { platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24 },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    ...extra,
  };
  await writeRunRecord(files, record);
  await writeMetrics(files.metrics, metrics);
  return files;
}

/** The steps of `epochs` epochs of 10 iterations under the cell's policy, with a noisy falling loss. */
export function scheduledSteps(cell: CellSpec, epochs: number): StepRecord[] {
  const schedule = makeSchedule(cell.policy, 10 * cell.epochs);
  return Array.from({ length: 10 * epochs }, (_, iteration) => {
    const { lr, momentum } = schedule(iteration);
    return { iteration, lr, momentum: momentum ?? cell.momentum, loss: 2.3 * 0.5 ** (iteration / 10) * (1 + 0.2 * Math.sin(iteration)) };
  });
}

/** Writes the step log of a cell as the runner does. */
export async function writeStepLog(files: CellFiles, steps: readonly StepRecord[]): Promise<void> {
  const log = (await stepLog(files.steps, 0))!;
  log.onStepsRead(steps);
  await log.writePending();
}

/** A loss curve falling then exploding, over lr 1e-4 .. 1, with a validation loss every other step. */
export function rangeTestCsv(momenta: readonly number[] = [0.9]): string {
  const rows = momenta.flatMap((momentum) =>
    Array.from({ length: 20 }, (_, i) => {
      const lr = 1e-4 * 10 ** (i / 5);
      const loss = 2.3 - 1.5 * Math.sin((Math.PI * i) / 24) + (i > 16 ? 3 * (i - 16) : 0);
      return [i, lr, momentum, 1e-4, loss + 0.05, loss, i % 2 === 0 ? loss + 0.1 : ''];
    }),
  );
  return `${[RANGE_TEST_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n')}\n`;
}

export const SUGGESTIONS: RangeTestSuggestions = {
  suggestions: [
    { name: 'min-loss', lr: 0.0398, rule: 'lr at the minimum smoothed loss' },
    { name: 'steepest', lr: 0.001, rule: 'lr of the steepest descent of the smoothed loss' },
  ],
};
