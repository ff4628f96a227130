// A range test's files: results/<suite>/<test-id>/range-test.csv (one row per step, several curves in one file for
// a momentum or weight-decay sweep) and suggestions.json (written when the test ends, so its presence marks the
// test done). The range-test runner writes them, merge and the report read them back.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { EngineInfo } from '../engine/backend.ts';
import { readTextIfExists, writeFileAtomic, writeJsonAtomic } from '../fsutil.ts';
import { numericCsv, parseNumericCsv, UnreadableResultFile } from './csv.ts';
import { parseJsonResult, readJsonRecord } from './json-file.ts';

export const RANGE_TEST_FILES = { curve: 'range-test.csv', suggestions: 'suggestions.json' } as const;

export interface RangeTestFiles {
  dir: string;
  curve: string;
  suggestions: string;
}

export function rangeTestFiles(dir: string): RangeTestFiles {
  return { dir, curve: join(dir, RANGE_TEST_FILES.curve), suggestions: join(dir, RANGE_TEST_FILES.suggestions) };
}

export const RANGE_TEST_COLUMNS = ['iteration', 'lr', 'momentum', 'weightDecay', 'loss', 'smoothedLoss', 'validationLoss'] as const;

export interface RangeTestPoint {
  iteration: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  loss: number;
  smoothedLoss: number;
  /** Null on steps without a validation measurement. */
  validationLoss: number | null;
}

const suggestionSchema = z.object({
  /** e.g. "min-loss", "steepest", "one-cycle-max". */
  name: z.string().min(1),
  lr: z.number().positive(),
  /** The rule that picked it, in words. */
  rule: z.string().min(1),
  /** The curve of a sweep this suggestion belongs to (absent: the only curve). */
  momentum: z.number().optional(),
  weightDecay: z.number().optional(),
});

const suggestionsFileSchema = z.object({
  suggestions: z.array(suggestionSchema),
  /** The value a sweep picks, and the rule that picked it. */
  sweepPick: z.object({ parameter: z.enum(['momentum', 'weightDecay']), value: z.number(), rule: z.string().min(1) }).optional(),
});

export type RangeTestSuggestion = z.output<typeof suggestionSchema>;
export type RangeTestSuggestions = z.output<typeof suggestionsFileSchema>;

/**
 * suggestions.json as a whole: the suggestions, and the test as it ran, how each curve ended, and the code that
 * computed it (as a cell's run.json; absent in records written before it was kept).
 */
export interface RangeTestRecord extends RangeTestSuggestions {
  test: unknown;
  /** One line per curve: ran to the end, or why it stopped. */
  outcomes: string[];
  engine?: EngineInfo;
  versions?: Record<string, string>;
  gitCommit?: string | null;
}

/** What merge and the runner read of a record beside the suggestions: the test, and the code that computed it. */
const recordSchema = suggestionsFileSchema.extend({
  test: z.unknown(),
  outcomes: z.array(z.string()).optional(),
  engine: z.looseObject({ kind: z.string(), packageName: z.string() }).optional(),
  versions: z.record(z.string(), z.string()).optional(),
  gitCommit: z.string().nullable().optional(),
});

export function curveCsv(points: readonly RangeTestPoint[]): string {
  return numericCsv(points, RANGE_TEST_COLUMNS, true);
}

export async function writeCurve(files: RangeTestFiles, points: readonly RangeTestPoint[]): Promise<void> {
  await writeFileAtomic(files.curve, curveCsv(points));
}

/** Written last: its presence marks the test done. */
export async function writeRecord(files: RangeTestFiles, record: RangeTestRecord): Promise<void> {
  await writeJsonAtomic(files.suggestions, record);
}

/** The test's suggestions.json, checked; undefined when the test has not ended. `remedy` ends the error of a damaged one. */
export async function readRecord(files: RangeTestFiles, remedy = 'delete it to run the test again'): Promise<RangeTestRecord | undefined> {
  return readJsonRecord<RangeTestRecord>(files.suggestions, recordSchema, remedy);
}

export interface RangeTestResult {
  id: string;
  /** 'in progress': a curve without suggestions yet (the test has not ended, or was killed). */
  status: 'done' | 'in progress' | 'not run';
  points: RangeTestPoint[];
  suggestions?: RangeTestSuggestions;
  /** The folder read; absent when not run. */
  dir?: string;
}

/**
 * The range tests under <root>/<suite>/ of every root (a folder is one when it holds range-test.csv), plus a
 * not-run entry for each of `declared` without results. Unreadable files become warnings, their test not run.
 */
export async function readRangeTests(resultsDirs: readonly string[], suite: string, declared: readonly string[], warnings: string[]): Promise<RangeTestResult[]> {
  const found = new Map<string, RangeTestResult>();
  for (const root of resultsDirs) {
    for (const id of await subfolders(join(root, suite))) {
      const dir = join(root, suite, id);
      const test = await readRangeTest(dir, id, warnings);
      if (!test) continue;
      if (found.has(id)) {
        warnings.push(`range test ${id}: results in both ${found.get(id)!.dir} and ${dir}; using the first`);
        continue;
      }
      found.set(id, test);
    }
  }
  const notRun = declared.filter((id) => !found.has(id)).map((id): RangeTestResult => ({ id, status: 'not run', points: [] }));
  return [...found.values(), ...notRun].sort((a, b) => a.id.localeCompare(b.id));
}

async function readRangeTest(dir: string, id: string, warnings: string[]): Promise<RangeTestResult | undefined> {
  const files = rangeTestFiles(dir);
  const curveText = await readTextIfExists(files.curve);
  if (curveText === undefined) return undefined;
  try {
    const points = parseCurve(curveText, files.curve);
    const suggestionsText = await readTextIfExists(files.suggestions);
    if (suggestionsText === undefined) return { id, status: 'in progress', points, dir };
    return { id, status: 'done', points, suggestions: parseSuggestions(suggestionsText, files.suggestions), dir };
  } catch (error) {
    if (!(error instanceof UnreadableResultFile)) throw error;
    warnings.push(`${error.message}; range test ${id} skipped`);
    return undefined;
  }
}

/** A range-test.csv's points, checked; UnreadableResultFile naming the file and line otherwise. */
function parseCurve(text: string, file: string): RangeTestPoint[] {
  return parseNumericCsv(text, file, RANGE_TEST_COLUMNS, ['validationLoss']) as unknown as RangeTestPoint[];
}

/** The suggestions of a suggestions.json, checked (what the report reads of it). */
export function parseSuggestions(text: string, file: string): RangeTestSuggestions {
  return parseJsonResult(text, file, suggestionsFileSchema);
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
