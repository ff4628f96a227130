// The results of a suite as claims and the report read them: what the runner wrote for each cell the suite
// declares, from one or more results roots (shards fetched from several machines), and its range tests. Anything
// unusable becomes a warning and the cell shows as not run: a report over partial or damaged results still renders.
import { isDeepStrictEqual } from 'node:util';
import { runConfiguration, type CellSpec, type Suite, type SuiteCell } from '../suite/index.ts';
import { UnreadableResultFile } from './csv.ts';
import { readMetrics, type EpochMetrics } from './metrics.ts';
import type { RangeTestResult } from './range-test.ts';
import { cellFiles, readRunRecord, type CellFiles, type RunRecord } from './run-record.ts';
import { readStepLog, type StepRecord } from './steps.ts';

export type CellOutcome = RunRecord['status'] | 'not run';

export interface CellResult {
  /** As the suite declares it. */
  cell: SuiteCell;
  outcome: CellOutcome;
  /** run.json of the results used; absent when not run. */
  record?: RunRecord;
  /** One row per finished epoch; empty when not run. */
  metrics: EpochMetrics[];
  /** One row per step from the cell's step log; absent when it has none (results from before step logs). */
  steps?: StepRecord[];
  /** Where the results used were read; absent when not run. */
  files?: CellFiles;
}

export interface SuiteResults {
  suite: Suite;
  /** Every cell the suite declares, in suite order, not-run ones included. */
  cells: CellResult[];
  rangeTests: RangeTestResult[];
}

/** One results root's copy of a cell, when it has both files and they read. */
interface Candidate {
  files: CellFiles;
  record: RunRecord;
  metrics: EpochMetrics[];
  steps?: StepRecord[];
}

/**
 * The results of every cell of `suite` found under `resultsDirs` (each holding <suite>/<cell-id>/). A cell found
 * in several roots uses the most finished copy, with a warning naming both; problems are pushed to `warnings`.
 */
export async function readCellResults(resultsDirs: readonly string[], suite: string, cells: readonly SuiteCell[], warnings: string[]): Promise<CellResult[]> {
  const read = await Promise.all(
    cells.map(async (cell) => {
      const found: string[] = [];
      return { result: await readCell(resultsDirs, suite, cell, found), found };
    }),
  );
  for (const { found } of read) warnings.push(...found);
  return read.map(({ result }) => result);
}

async function readCell(resultsDirs: readonly string[], suite: string, cell: SuiteCell, warnings: string[]): Promise<CellResult> {
  const candidates: Candidate[] = [];
  for (const dir of resultsDirs) {
    const candidate = await readCandidate(cellFiles(dir, suite, cell.id), cell.id, warnings);
    if (candidate) candidates.push(candidate);
  }
  if (candidates.length === 0) return { cell, outcome: 'not run', metrics: [] };
  const [used, ...others] = candidates.sort((a, b) => finishedness(b) - finishedness(a)) as [Candidate, ...Candidate[]];
  for (const other of others) {
    warnings.push(`cell ${cell.id}: results in both ${used.files.dir} and ${other.files.dir}; using the first (${describe(used)}), not the other (${describe(other)})`);
  }
  const differences = configDifferences(cell, used.record.cell);
  if (differences.length > 0) {
    warnings.push(`cell ${cell.id}: ${used.files.run} was run with another configuration than the suite declares (${differences.join('; ')}); shown as run, and claims that read it are not comparable`);
  }
  return { cell, outcome: used.record.status, record: used.record, metrics: used.metrics, steps: used.steps, files: used.files };
}

async function readCandidate(files: CellFiles, cellId: string, warnings: string[]): Promise<Candidate | undefined> {
  let record: RunRecord | undefined;
  try {
    record = await readRunRecord(files);
  } catch (error) {
    warnings.push(`${(error as Error).message}; cell ${cellId} skipped`);
    return undefined;
  }
  let metrics: EpochMetrics[] | undefined;
  try {
    metrics = await readMetrics(files.metrics);
  } catch (error) {
    if (!(error instanceof UnreadableResultFile)) throw error;
    if (record) warnings.push(`${error.message}; cell ${cellId} skipped`);
    else warnings.push(`${files.run}: missing beside ${files.metrics}; cell ${cellId} skipped`);
    return undefined;
  }
  if (metrics === undefined) {
    if (record) warnings.push(`${files.metrics}: missing; cell ${cellId} shown as not run`);
    return undefined;
  }
  if (!record) {
    warnings.push(`${files.run}: missing beside ${files.metrics}; cell ${cellId} skipped`);
    return undefined;
  }
  try {
    return { files, record, metrics, steps: await readStepLog(files.steps) };
  } catch (error) {
    if (!(error instanceof UnreadableResultFile)) throw error;
    warnings.push(`${error.message}; cell ${cellId}'s schedule drawn from its metrics`);
    return { files, record, metrics };
  }
}

/** Orders copies of one cell: a finished run before an unfinished one, then more epochs first. */
function finishedness(candidate: Candidate): number {
  const finished = candidate.record.status === 'completed' || candidate.record.status === 'diverged';
  return (finished ? 1e6 : 0) + candidate.metrics.length;
}

const describe = (candidate: Candidate) => `${candidate.record.status}, ${candidate.metrics.length} epoch(s)`;

/**
 * How a run's configuration departs from the declared one, a phrase a field: `epochs 3 instead of 16`. The
 * description is words about the cell, not its configuration.
 */
export function configDifferences(cell: SuiteCell, run: CellSpec): string[] {
  const declared = runConfiguration(cell);
  const keys = [...new Set([...Object.keys(declared), ...Object.keys(run)])].filter((key) => key !== 'description') as (keyof CellSpec)[];
  const show = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));
  return keys.filter((key) => !isDeepStrictEqual(declared[key], run[key])).map((key) => `${key} ${show(run[key])} instead of ${show(declared[key])}`);
}
