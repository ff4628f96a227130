// The schema of a suite file as written: cell fields may be spread over `defaults`, each cell and `matrix`,
// so every field is validated where it is written and its error carries that place's JSON path.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { policySchema, type Policy } from '../schedules/index.ts';

/** One training run of a suite, complete: defaults merged in and the matrix expanded. */
export interface CellSpec {
  /** Unique within the suite; the name of the cell's results directory. */
  id: string;
  network: string;
  dataset: string;
  policy: Policy;
  /** SGD momentum on the iterations whose policy leaves the momentum alone. */
  momentum: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** L2 coefficient on conv/dense kernels. */
  weightDecay: number;
  augment: boolean;
  /** The cell stops as diverged when its loss exceeds this factor times its reference loss (see the loop). */
  divergenceFactor: number;
  /** Why this cell exists, which claim it serves. */
  description?: string;
}

export interface Suite {
  name: string;
  description: string;
  /** The file the suite was read from. */
  file: string;
  cells: CellSpec[];
}

export interface KnownNames {
  networks: readonly string[];
  datasets: readonly string[];
}

/** Values of the cell fields that no suite has to set; 0.9 is the momentum of every row of the paper. */
export const CELL_DEFAULTS = { momentum: 0.9, augment: true, divergenceFactor: 4 } as const;

/** A cell id or suite name: a plain directory name. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'must match [a-z0-9][a-z0-9._-]* (it names a directory)')
  .refine((name) => !name.includes('..'), 'must not contain ".." (it names a directory)');

const integer = (min: number) => {
  const message = `must be an integer >= ${min}`;
  return z.number().int(message).min(min, message);
};

const oneOf = (kind: string, known: readonly string[]) =>
  z.string().superRefine((name, ctx) => {
    if (!known.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown ${kind} ${JSON.stringify(name)} (known: ${known.join(', ')})` });
  });

/** The fields of a cell that defaults and the matrix may set (all but id and description), one schema each. */
function sharedFieldSchemas(known: KnownNames) {
  return {
    network: oneOf('network', known.networks),
    dataset: oneOf('dataset', known.datasets),
    policy: policySchema,
    momentum: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)'),
    epochs: integer(1),
    batchSize: integer(1),
    seed: integer(0),
    weightDecay: z.number().min(0, 'must be >= 0'),
    augment: z.boolean(),
    divergenceFactor: z.number().gt(1, 'must be > 1'),
  };
}

/** A strict object whose unknown-key error names the keys it takes: zod reports it on the object, not the key. */
function strictObjectListingKeys<Shape extends z.core.$ZodShape>(shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (known: ${known})`
        : undefined,
  });
}

function suiteFileSchema(known: KnownNames) {
  const shared = sharedFieldSchemas(known);
  const optional = <T extends Record<string, z.ZodType>>(fields: T) =>
    Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
  const lists = <T extends Record<string, z.ZodType>>(fields: T) =>
    Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, z.array(schema).min(1, 'must list at least one value').optional()])) as {
      [K in keyof T]: z.ZodOptional<z.ZodArray<T[K]>>;
    };
  return strictObjectListingKeys({
    name: nameSchema,
    description: z.string().min(1, 'must not be empty'),
    defaults: strictObjectListingKeys({ ...optional(shared), description: z.string().optional() }).optional(),
    cells: z
      .array(strictObjectListingKeys({ id: nameSchema, ...optional(shared), description: z.string().optional() }))
      .min(1, 'must list at least one cell'),
    matrix: strictObjectListingKeys(lists(shared)).optional(),
  });
}

export type SuiteFile = z.output<ReturnType<typeof suiteFileSchema>>;

/** `cells[3].policy.maxLr` from zod's path. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key) => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `.${String(key)}` : `[${JSON.stringify(String(key))}]`))
    .join('')
    .replace(/^\./, '');
}

/** The one-line error of a suite file: `<file>: <path>: <message>`. */
export function suiteProblem(file: string, path: readonly PropertyKey[], message: string): UserError {
  const where = formatJsonPath(path);
  return new UserError(`${file}: ${where ? `${where}: ` : ''}${message}`);
}

const TYPE_NAMES: Record<string, string> = { int: 'an integer', array: 'a list', object: 'an object', boolean: 'true or false' };

/** Wording for the issues that no schema words itself (zod's defaults read "Invalid input: expected ..."). */
function fallbackMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'required' : `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
  }
  return undefined;
}

/** Validates the parsed JSON of a suite file; the first problem is thrown as a suiteProblem. */
export function validateSuiteFile(json: unknown, file: string, known: KnownNames): SuiteFile {
  const parsed = suiteFileSchema(known).safeParse(json, { error: fallbackMessage });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw suiteProblem(file, issue.path, issue.message);
}
