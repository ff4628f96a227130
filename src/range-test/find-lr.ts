// `scbench find-lr`: one range test (or a sweep of them) from flags, results in a folder the report can read.
import { join } from 'node:path';
import { initEngine, type BackendRequest } from '../engine/backend.ts';
import { UserError } from '../errors.ts';
import type { RampScale } from './lr-ramp.ts';
import type { RangeTestSpec } from '../suite/range-tests.ts';
import { executeRangeTest, fineSweepValues, formatRecord } from './execute.ts';
import { RANGE_TEST_DEFAULTS } from './range-test.ts';
import { rangeTestFiles } from '../results/range-test.ts';
import type { SweepParameter } from './suggestions.ts';

export interface FindLrOptions {
  network: string;
  dataset: string;
  min: number;
  max: number;
  scale: RampScale;
  iterations?: number;
  epochs?: number;
  momentum: number;
  weightDecay: number;
  validationSamples?: number;
  /** `momentum=0.85,0.9,0.95,0.99` or `weight-decay=1e-3,1e-4,...` */
  sweep?: string;
  /** After a weight-decay sweep, a second sweep around its pick (FINE_SWEEP_FACTORS times it), into `<out>.fine`. */
  fine?: boolean;
  backend: BackendRequest;
  /** Results folder; default results/find-lr/<network>.<dataset>[.<swept parameter>]. */
  out?: string;
  seed: number;
  batchSize: number;
  augment?: boolean;
  log: (line: string) => void;
}

const SWEEP_FLAG_NAMES: Record<string, SweepParameter> = { momentum: 'momentum', 'weight-decay': 'weightDecay' };

/** Parses `--sweep <parameter>=<v1>,<v2>,...`; throws UserError naming the flag. */
export function parseSweepFlag(text: string): { parameter: SweepParameter; values: number[] } {
  const match = /^([a-z-]+)=(.+)$/.exec(text);
  const parameter = match ? SWEEP_FLAG_NAMES[match[1]] : undefined;
  if (!match || !parameter) throw new UserError(`--sweep: expected momentum=v1,v2,... or weight-decay=v1,v2,..., got "${text}"`);
  const values = match[2].split(',').map((field) => Number(field.trim()));
  const bad = values.findIndex((v, i) => match[2].split(',')[i].trim() === '' || !Number.isFinite(v) || v < 0 || (parameter === 'momentum' && v >= 1));
  if (bad >= 0) throw new UserError(`--sweep: value ${bad + 1} "${match[2].split(',')[bad]}" is not a ${parameter === 'momentum' ? 'momentum in [0, 1)' : 'weight decay >= 0'}`);
  return { parameter, values };
}

/** Runs the test(s) and returns the suggestions as text, one per line. */
export async function findLrCommand(options: FindLrOptions): Promise<string> {
  if (!(options.min > 0 && options.max > options.min)) throw new UserError(`--min and --max: need 0 < min < max, got ${options.min} and ${options.max}`);
  if (options.iterations !== undefined && options.epochs !== undefined) throw new UserError('--iterations and --epochs: give one of them, not both');
  const sweep = options.sweep === undefined ? undefined : parseSweepFlag(options.sweep);
  if (options.fine && sweep?.parameter !== 'weightDecay') throw new UserError('--fine: refines a weight-decay sweep; give --sweep weight-decay=...');
  const id = [options.network, options.dataset, sweep?.parameter].filter(Boolean).join('.');
  const spec: RangeTestSpec = {
    id,
    network: options.network,
    dataset: options.dataset,
    minLr: options.min,
    maxLr: options.max,
    scale: options.scale,
    ...(options.iterations === undefined ? {} : { iterations: options.iterations }),
    epochs: options.epochs ?? 1,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
    batchSize: options.batchSize,
    seed: options.seed,
    validationSamples: options.validationSamples ?? RANGE_TEST_DEFAULTS.validationSamples,
    augment: options.augment ?? true,
    stopFactor: RANGE_TEST_DEFAULTS.stopFactor,
    ...(sweep ? { sweep } : {}),
  };
  const out = options.out ?? join('results', 'find-lr', id);
  await initEngine(options.backend, options.log);
  const coarse = await executeRangeTest(spec, rangeTestFiles(out), options.log);
  const parts = [`${out}${coarse.skipped ? ' (already done, not run again)' : ''}`, formatRecord(coarse.record)];
  if (options.fine && coarse.record.sweepPick) {
    const fineSpec: RangeTestSpec = { ...spec, id: `${id}.fine`, sweep: { parameter: 'weightDecay', values: fineSweepValues(coarse.record.sweepPick.value) } };
    const fine = await executeRangeTest(fineSpec, rangeTestFiles(`${out}.fine`), options.log);
    parts.push(`${out}.fine${fine.skipped ? ' (already done, not run again)' : ''}`, formatRecord(fine.record));
  }
  return parts.join('\n');
}
