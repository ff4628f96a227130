// A range test's files, in the format the report reads (src/report/range-tests.ts), each written atomically.
import { join } from 'node:path';
import type { EngineInfo } from '../engine/backend.ts';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { RANGE_TEST_COLUMNS, RANGE_TEST_FILES, type RangeTestPoint, type RangeTestSuggestions } from '../report/index.ts';

export interface RangeTestFiles {
  dir: string;
  curve: string;
  suggestions: string;
}

export function rangeTestFiles(dir: string): RangeTestFiles {
  return { dir, curve: join(dir, RANGE_TEST_FILES.curve), suggestions: join(dir, RANGE_TEST_FILES.suggestions) };
}

/**
 * What suggestions.json holds beyond what the report reads: the test as it ran, how each curve ended, and
 * the code that computed it (as a cell's run.json; absent in records written before it was kept).
 */
export interface RangeTestRecord extends RangeTestSuggestions {
  test: unknown;
  /** One line per curve: ran to the end, or why it stopped. */
  outcomes: string[];
  engine?: EngineInfo;
  versions?: Record<string, string>;
  gitCommit?: string | null;
}

export function curveCsv(points: readonly RangeTestPoint[]): string {
  const rows = points.map((p) => RANGE_TEST_COLUMNS.map((column) => (p[column] === null ? '' : String(p[column]))).join(','));
  return `${[RANGE_TEST_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

export async function writeCurve(files: RangeTestFiles, points: readonly RangeTestPoint[]): Promise<void> {
  await writeFileAtomic(files.curve, curveCsv(points));
}

/** Written last: its presence marks the test done. */
export async function writeRecord(files: RangeTestFiles, record: RangeTestRecord): Promise<void> {
  await writeJsonAtomic(files.suggestions, record);
}

export async function readRecord(files: RangeTestFiles): Promise<RangeTestRecord | undefined> {
  return readJsonFile<RangeTestRecord>(files.suggestions, 'delete it to run the test again');
}
