// Validation of JSON that the user wrote (suite files, policies): every problem is reported, each at its JSON path,
// in one line that names the file.
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { formatJsonPath } from './path.ts';
import { closestName } from './strict-object.ts';

const TYPE_NAMES: Record<string, string> = { int: 'an integer', array: 'a list', object: 'an object', boolean: 'true or false' };

/** Wording for the issues that no schema words itself (zod's defaults read "Invalid input: expected ..."). */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'required' : `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
  return undefined;
}

/** One problem: `cells[0].policy: unknown key "maxLR" (did you mean "maxLr"?)`. */
export const problemText = (path: readonly PropertyKey[], message: string) => `${formatJsonPath(path)}${path.length ? ': ' : ''}${message}`;

/**
 * Every problem `schema` finds in `json`, each `<path>: <message>`, one a place. A required key that an unknown key
 * beside it probably misspells is one problem, reported as the unknown key.
 */
function problems(schema: z.ZodType, json: unknown): { output?: unknown; problems: string[] } {
  const parsed = schema.safeParse(json, { error: plainMessage, reportInput: true });
  if (parsed.success) return { output: parsed.data, problems: [] };
  const issues = parsed.error.issues;
  const unknownKeysAt = (path: readonly PropertyKey[]) =>
    issues.flatMap((issue) => (issue.code === 'unrecognized_keys' && JSON.stringify(issue.path) === JSON.stringify(path) ? issue.keys : []));
  const kept = issues.filter((issue) => {
    if (issue.code !== 'invalid_type' || issue.input !== undefined || issue.path.length === 0) return true;
    const missing = String(issue.path.at(-1));
    return !unknownKeysAt(issue.path.slice(0, -1)).some((key) => closestName(key, [missing]) !== undefined);
  });
  // One problem a place: a field that fails two checks (a pattern and a refinement) is reported by the first.
  const firstAtPath = kept.filter((issue, i) => kept.findIndex((other) => JSON.stringify(other.path) === JSON.stringify(issue.path)) === i);
  return { problems: firstAtPath.map((issue) => problemText(issue.path, issue.message)) };
}

/** `schema`'s output for `json`; otherwise a UserError `<where>: <problem>; <problem>...` listing every problem. */
export function validated<Schema extends z.ZodType>(schema: Schema, json: unknown, where: string): z.output<Schema> {
  const result = problems(schema, json);
  if (result.problems.length > 0) throw new UserError(`${where}: ${result.problems.join('; ')}`);
  return result.output as z.output<Schema>;
}
