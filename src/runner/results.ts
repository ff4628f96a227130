import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import type { ImageDataset } from '../data/dataset.ts';
import type { EngineInfo } from '../engine/backend.ts';
import type { CellSpec } from '../suite/index.ts';
import type { LossSpike } from '../train/callbacks.ts';
import type { EpochMetrics } from '../train/loop.ts';
import { STEP_LOG_FILE } from '../train/step-log.ts';

/** Where a cell's outputs live: results/<suite>/<cell-id>/. */
export interface CellFiles {
  dir: string;
  metrics: string;
  run: string;
  checkpoint: string;
  steps: string;
}

export function cellFiles(outDir: string, suite: string, cellId: string): CellFiles {
  const dir = join(outDir, suite, cellId);
  return { dir, metrics: join(dir, 'metrics.csv'), run: join(dir, 'run.json'), checkpoint: join(dir, 'checkpoint.ckpt'), steps: join(dir, STEP_LOG_FILE) };
}

export type CellStatus = 'running' | 'completed' | 'diverged' | 'failed';

/** run.json: everything needed to know what produced a cell's metrics. */
export interface RunRecord {
  suite: string;
  cell: CellSpec;
  status: CellStatus;
  /** Why a cell diverged or failed. */
  reason?: string;
  /** The epoch during which a diverged cell was stopped. */
  divergedAtEpoch?: number;
  /** Loss spikes a cell with onLossSpike "train-on" trained through (absent when none). */
  lossSpikes?: LossSpike[];
  epochsCompleted: number;
  bestTestAccuracy: number | null;
  finalTestAccuracy: number | null;
  /** Training and evaluation seconds summed over the finished epochs (across resumes). */
  trainingSeconds: number;
  engine: EngineInfo;
  /** The data the cell trained on; `source` for downloaded data sets (official = the archive the paper used). */
  data?: { train: number; test: number; shape: readonly number[]; source?: ImageDataset['source'] };
  versions: Record<string, string>;
  gitCommit: string | null;
  /** The `--shard i/n` of the run that wrote this record; absent when it ran the whole suite. */
  shard?: string;
  host: { platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number };
  startedAt: string;
  endedAt?: string;
}

export const METRIC_COLUMNS: readonly (keyof EpochMetrics)[] = [
  'epoch', 'iteration', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'testTop5',
  'lr', 'momentum', 'epochSeconds', 'imagesPerSecond',
];

export function metricsCsv(rows: readonly EpochMetrics[], withHeader: boolean): string {
  return stringify(rows.map((r) => METRIC_COLUMNS.map((c) => r[c])), { header: withHeader, columns: [...METRIC_COLUMNS] });
}

/** Rewrites metrics.csv to exactly these rows (used on resume: the checkpoint's history is the truth). */
export async function writeMetrics(files: CellFiles, rows: readonly EpochMetrics[]): Promise<void> {
  await writeFileAtomic(files.metrics, metricsCsv(rows, true));
}

export async function appendMetrics(files: CellFiles, row: EpochMetrics): Promise<void> {
  await appendFile(files.metrics, metricsCsv([row], false));
}

export async function writeRunRecord(files: CellFiles, record: RunRecord): Promise<void> {
  await writeJsonAtomic(files.run, record);
}

export async function readRunRecord(files: CellFiles): Promise<RunRecord | undefined> {
  return readJsonFile<RunRecord>(files.run);
}
