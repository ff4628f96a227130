// Range-test results as the report reads them: results/<suite>/<test-id>/range-test.csv (one row per step,
// several curves in one file for a momentum or weight-decay sweep) and suggestions.json (written when the test
// ends). The range-test runner writes these files in exactly this format.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readTextIfExists } from '../fsutil.ts';
import { parseNumericCsv, UnreadableResultFile } from '../numeric-csv.ts';

export const RANGE_TEST_FILES = { curve: 'range-test.csv', suggestions: 'suggestions.json' } as const;

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
  const curveFile = join(dir, RANGE_TEST_FILES.curve);
  const suggestionsFile = join(dir, RANGE_TEST_FILES.suggestions);
  const curveText = await readTextIfExists(curveFile);
  if (curveText === undefined) return undefined;
  try {
    const points = parseNumericCsv(curveText, curveFile, RANGE_TEST_COLUMNS, ['validationLoss']) as unknown as RangeTestPoint[];
    const suggestionsText = await readTextIfExists(suggestionsFile);
    if (suggestionsText === undefined) return { id, status: 'in progress', points, dir };
    return { id, status: 'done', points, suggestions: parseSuggestions(suggestionsText, suggestionsFile), dir };
  } catch (error) {
    if (!(error instanceof UnreadableResultFile)) throw error;
    warnings.push(`${error.message}; range test ${id} skipped`);
    return undefined;
  }
}

export function parseSuggestions(text: string, file: string): RangeTestSuggestions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UnreadableResultFile(`${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = suggestionsFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UnreadableResultFile(`${file}: ${issue.path.join('.') || 'top level'}: ${issue.message}`);
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
