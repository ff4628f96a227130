// One declared range test (a single curve or a sweep of curves) from data loading to its result files.
import { isDeepStrictEqual } from 'node:util';
import { batchesPerEpoch } from '../data/batches.ts';
import { augmentationsFor, loadDatasetByName } from '../data/registry.ts';
import { startedEngine } from '../engine/backend.ts';
import { buildNetwork } from '../nn/network.ts';
import { readRecord, writeCurve, writeRecord, type RangeTestFiles, type RangeTestPoint, type RangeTestRecord, type RangeTestSuggestion } from '../results/range-test.ts';
import { gitCommit, libraryVersions } from '../runner/environment.ts';
import type { RangeTestSpec } from '../suite/range-tests.ts';
import { MomentumSgd } from '../train/sgd.ts';
import { RANGE_TEST_DEFAULTS, runRangeTest, type RangeTestSettings } from './range-test.ts';
import { pickSweepValue, suggestLrs } from './suggestions.ts';

/** Multiples of a coarse sweep's pick that its fine sweep tries: between the neighbouring decades. */
export const FINE_SWEEP_FACTORS = [0.3, 0.5, 1, 2, 3] as const;

export function fineSweepValues(pick: number): number[] {
  return FINE_SWEEP_FACTORS.map((factor) => Number((pick * factor).toPrecision(6)));
}

export interface RangeTestRun {
  /** True when the test had finished in an earlier run. */
  skipped: boolean;
  record: RangeTestRecord;
}

/**
 * Runs `spec` into `files` unless its suggestions.json already exists (then it is skipped; a different
 * configuration there is an error). The curve file is rewritten after every curve; suggestions.json last.
 */
export async function executeRangeTest(spec: RangeTestSpec, files: RangeTestFiles, log: (line: string) => void): Promise<RangeTestRun> {
  const previous = await readRecord(files);
  if (previous) {
    if (!isDeepStrictEqual(previous.test, spec)) {
      throw new Error(`${files.suggestions}: was written by another configuration of range test "${spec.id}"; use another --out or delete that folder`);
    }
    return { skipped: true, record: previous };
  }
  const dataset = await loadDatasetByName(spec.dataset);
  const network = buildNetwork(spec.network, dataset.train.shape, dataset.classNames.length, spec.seed);
  const optimizer = new MomentumSgd(network.params.trainable);
  const iterations = spec.iterations ?? spec.epochs * batchesPerEpoch(dataset.train.count, spec.batchSize);
  const base: RangeTestSettings = {
    ...spec,
    iterations,
    beta: RANGE_TEST_DEFAULTS.beta,
    augmentations: spec.augment ? augmentationsFor(spec.dataset) : [],
  };
  const values = spec.sweep?.values ?? [undefined];
  const points: RangeTestPoint[] = [];
  const suggestions: RangeTestSuggestion[] = [];
  const outcomes: string[] = [];
  const curves: { value: number; points: RangeTestPoint[] }[] = [];
  try {
    for (const value of values) {
      const settings = value === undefined ? base : { ...base, [spec.sweep!.parameter]: value };
      const name = value === undefined ? spec.id : `${spec.id} ${spec.sweep!.parameter} ${value}`;
      log(`${name}: lr ${settings.minLr} -> ${settings.maxLr} (${settings.scale}) over ${iterations} step(s)`);
      // Each test restores the weights and velocities it started from: every curve starts from the same network.
      const curve = await runRangeTest(network, optimizer, dataset, settings);
      points.push(...curve.points);
      curves.push({ value: value ?? NaN, points: curve.points });
      suggestions.push(...suggestLrs(curve.points, value === undefined ? {} : { momentum: settings.momentum, weightDecay: settings.weightDecay }));
      const outcome = `${name}: ${curve.stoppedBecause ? `stopped after ${curve.points.length} step(s): ${curve.stoppedBecause}` : `ran all ${iterations} step(s)`}`;
      outcomes.push(finiteOutcome(outcome, curve.points));
      log(outcomes.at(-1)!);
      await writeCurve(files, points);
    }
  } finally {
    optimizer.dispose();
    network.dispose();
  }
  const sweepPick = spec.sweep ? pickSweepValue(spec.sweep.parameter, curves) : undefined;
  const record: RangeTestRecord = {
    suggestions,
    ...(sweepPick ? { sweepPick } : {}),
    test: spec,
    outcomes,
    engine: startedEngine(),
    versions: libraryVersions(),
    gitCommit: gitCommit(),
  };
  await writeRecord(files, record);
  return { skipped: false, record };
}

/** A curve without one finite smoothed loss has no suggestion: say so in its outcome. */
function finiteOutcome(outcome: string, points: readonly RangeTestPoint[]): string {
  return points.some((p) => Number.isFinite(p.smoothedLoss)) ? outcome : `${outcome}; no finite loss, so no suggestion`;
}

/** The suggestions and sweep pick of a record, one line each, for the terminal. */
export function formatRecord(record: RangeTestRecord): string {
  const lines = [
    ...record.outcomes,
    ...record.suggestions.map((s) => {
      const curve = [s.momentum === undefined ? '' : `momentum ${s.momentum}`, s.weightDecay === undefined ? '' : `weight decay ${s.weightDecay}`].filter(Boolean).join(', ');
      return `${s.name}${curve ? ` [${curve}]` : ''}: lr ${Number(s.lr.toPrecision(4))} (${s.rule})`;
    }),
  ];
  if (record.sweepPick) lines.push(`sweep pick: ${record.sweepPick.parameter} ${record.sweepPick.value} (${record.sweepPick.rule})`);
  return lines.join('\n');
}
