// The results' JSON files (run.json, suggestions.json, merge.json) are read back through their schema, so a damaged
// or foreign file is an UnreadableResultFile naming the file and the field, never a cast that fails later.
import type { z } from 'zod';
import { readTextIfExists } from '../fsutil.ts';
import { problemText } from '../json/problems.ts';
import { UnreadableResultFile } from './csv.ts';

/** The parsed JSON text, checked against `schema`, as it is written and as the schema outputs it. */
function check<Schema extends z.ZodType>(text: string, file: string, schema: Schema, remedy: string): { written: unknown; output: z.output<Schema> } {
  const fail = (problem: string) => new UnreadableResultFile(`${file}: ${problem}${remedy ? `; ${remedy}` : ''}`);
  let written: unknown;
  try {
    written = JSON.parse(text);
  } catch (error) {
    throw fail(`unreadable (not JSON: ${(error as Error).message})`);
  }
  const parsed = schema.safeParse(written);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(problemText(issue.path, issue.message));
  }
  return { written, output: parsed.data };
}

/** What `schema` reads of the JSON text of `file` (unknown keys dropped, defaults filled in). */
export function parseJsonResult<Schema extends z.ZodType>(text: string, file: string, schema: Schema): z.output<Schema> {
  return check(text, file, schema, '').output;
}

/**
 * A JSON record checked against `schema` and returned as written (every key, in the file's order), for records that
 * are copied or written back; undefined when the file does not exist.
 */
export async function readJsonRecord<Record>(file: string, schema: z.ZodType, remedy = ''): Promise<Record | undefined> {
  const text = await readTextIfExists(file);
  return text === undefined ? undefined : (check(text, file, schema, remedy).written as Record);
}
