// metrics.csv, a cell's learning curve: one row per finished epoch, appended as each ends and rewritten from the
// checkpoint's history when a cell resumes.
import { appendFileSynced, readTextIfExists, writeFileAtomic } from '../fsutil.ts';
import { checkConsecutive, numericCsv, parseNumericCsv } from './csv.ts';

export const METRICS_FILE = 'metrics.csv';

/** What one finished epoch measured; one row of metrics.csv. */
export interface EpochMetrics {
  epoch: number;
  iteration: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  testTop5: number;
  lr: number;
  momentum: number;
  epochSeconds: number;
  imagesPerSecond: number;
}

export const METRIC_COLUMNS: readonly (keyof EpochMetrics)[] = [
  'epoch', 'iteration', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'testTop5',
  'lr', 'momentum', 'epochSeconds', 'imagesPerSecond',
];

export function metricsCsv(rows: readonly EpochMetrics[], withHeader: boolean): string {
  return numericCsv(rows, METRIC_COLUMNS, withHeader);
}

/** The metrics.csv rows, checked: the runner's header, numbers only, epochs 1, 2, 3, ...; UnreadableResultFile otherwise. */
export function parseMetricsCsv(text: string, file: string): EpochMetrics[] {
  const rows = parseNumericCsv(text, file, METRIC_COLUMNS) as unknown as EpochMetrics[];
  checkConsecutive(rows, file, 'epoch', 1);
  return rows;
}

/** The rows of a metrics.csv; undefined when the file does not exist. */
export async function readMetrics(file: string): Promise<EpochMetrics[] | undefined> {
  const text = await readTextIfExists(file);
  return text === undefined ? undefined : parseMetricsCsv(text, file);
}

/** Rewrites metrics.csv to exactly these rows (used on resume: the checkpoint's history is the truth). */
export async function writeMetrics(file: string, rows: readonly EpochMetrics[]): Promise<void> {
  await writeFileAtomic(file, metricsCsv(rows, true));
}

export async function appendMetrics(file: string, row: EpochMetrics): Promise<void> {
  await appendFileSynced(file, metricsCsv([row], false));
}
