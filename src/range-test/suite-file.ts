// Range-test suites: JSON files in benchmarks/ that declare range tests instead of training cells:
//   { "name", "description", "defaults"?: {<test fields>}, "rangeTests": [{ "id", <test fields> }, ...] }
// The "rangeTests" key tells them from training suites. Every error names the file and the JSON path in it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { parseJsonText } from '../json/json-text.ts';
import { nameSchema, suiteProblem, type KnownNames } from '../suite/suite-file.ts';
import type { RangeTestSpec } from './execute.ts';
import { RANGE_TEST_DEFAULTS } from './range-test.ts';

/** A declared test before its sweep is resolved: a fine sweep names the coarse test whose pick it refines. */
export type DeclaredRangeTest = Omit<RangeTestSpec, 'sweep'> & {
  sweep?: RangeTestSpec['sweep'] | { parameter: 'weightDecay'; fineAround: string };
};

export interface RangeTestSuite {
  name: string;
  description: string;
  file: string;
  tests: DeclaredRangeTest[];
}

const positive = z.number().gt(0, 'must be > 0');
const integer = (min: number) => z.number().int(`must be an integer >= ${min}`).min(min, `must be an integer >= ${min}`);
const momentum = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
const weightDecay = z.number().min(0, 'must be >= 0');

const sweepSchema = z.union([
  z.strictObject({ parameter: z.literal('momentum'), values: z.array(momentum).min(2, 'must list at least two values') }),
  z.strictObject({ parameter: z.literal('weightDecay'), values: z.array(weightDecay).min(2, 'must list at least two values') }),
  z.strictObject({ parameter: z.literal('weightDecay'), fineAround: nameSchema }),
], { error: () => 'must be {"parameter": "momentum" | "weightDecay", "values": [...]} or {"parameter": "weightDecay", "fineAround": "<id of a coarse sweep>"}' });

function fieldSchemas(known: KnownNames) {
  const oneOf = (kind: string, names: readonly string[]) =>
    z.string().refine((name) => names.includes(name), { error: (issue) => `unknown ${kind} ${JSON.stringify(issue.input)} (known: ${names.join(', ')})` });
  return {
    network: oneOf('network', known.networks),
    dataset: oneOf('dataset', known.datasets),
    minLr: positive,
    maxLr: positive,
    scale: z.enum(['exp', 'linear'], { error: 'must be "exp" or "linear"' }),
    iterations: integer(2),
    epochs: integer(1),
    momentum,
    weightDecay,
    batchSize: integer(1),
    seed: integer(0),
    validationSamples: integer(0),
    augment: z.boolean({ error: 'must be true or false' }),
    stopFactor: z.number().gt(1, 'must be > 1'),
    sweep: sweepSchema,
  };
}

function partial<T extends Record<string, z.ZodType>>(fields: T) {
  return Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

function suiteSchema(known: KnownNames) {
  const fields = partial(fieldSchemas(known));
  return z.strictObject({
    name: nameSchema,
    description: z.string().min(1, 'must not be empty'),
    defaults: z.strictObject(fields).optional(),
    rangeTests: z.array(z.strictObject({ id: nameSchema, description: z.string().optional(), ...fields })).min(1, 'must list at least one range test'),
  });
}

const REQUIRED = ['network', 'dataset', 'weightDecay', 'batchSize', 'seed'] as const;

/** True when the file is a range-test suite (it has a "rangeTests" key), so `scbench run` hands it to runRangeTestSuite. */
export function isRangeTestSuite(file: string): boolean {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof json === 'object' && json !== null && 'rangeTests' in json;
  } catch {
    return false;
  }
}

export function loadRangeTestSuite(file: string, known: KnownNames): RangeTestSuite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read the suite file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseRangeTestSuite(text, file, known);
}

/** Validates a range-test suite and merges defaults into each test; the first problem is a UserError `<file>: <path>: <message>`. */
export function parseRangeTestSuite(text: string, file: string, known: KnownNames): RangeTestSuite {
  const parsed = suiteSchema(known).safeParse(parseJsonText(text, file), {
    error: (issue) => (issue.code === 'invalid_type' ? (issue.input === undefined ? 'required' : `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`) : undefined),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    throw suiteProblem(file, issue.path, message);
  }
  const suite = parsed.data;
  const ids = new Set<string>();
  const tests = suite.rangeTests.map((declared, index): DeclaredRangeTest => {
    const at = (...path: PropertyKey[]) => ['rangeTests', index, ...path];
    if (ids.has(declared.id)) throw suiteProblem(file, at('id'), `duplicate range test id ${JSON.stringify(declared.id)}`);
    ids.add(declared.id);
    const merged = { ...RANGE_TEST_DEFAULTS, momentum: 0.9, augment: true, epochs: 1, ...suite.defaults, ...declared };
    for (const key of REQUIRED) {
      if (merged[key] === undefined) throw suiteProblem(file, at(key), 'required (set it in the test or in defaults)');
    }
    if (merged.minLr >= merged.maxLr) throw suiteProblem(file, at('maxLr'), `must be above minLr (${merged.minLr})`);
    const sweep = merged.sweep;
    if (sweep && 'fineAround' in sweep) {
      const coarse = suite.rangeTests.findIndex((t) => t.id === sweep.fineAround);
      const coarseSweep = coarse >= 0 ? { ...suite.defaults, ...suite.rangeTests[coarse] }.sweep : undefined;
      if (coarse < 0 || coarse >= index || !coarseSweep || !('values' in coarseSweep) || coarseSweep.parameter !== 'weightDecay') {
        throw suiteProblem(file, at('sweep', 'fineAround'), `must name a weight-decay sweep with values declared before this test (got ${JSON.stringify(sweep.fineAround)})`);
      }
    }
    const { beta: _beta, ...spec } = merged;
    return spec as DeclaredRangeTest;
  });
  return { name: suite.name, description: suite.description, file, tests };
}
