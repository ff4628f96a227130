// Range-test suites: JSON files in benchmarks/ that declare range tests instead of training cells:
//   { "name", "description", "defaults"?: {<test fields>}, "rangeTests": [{ "id", <test fields> }, ...] }
// The "rangeTests" key tells them from training suites (index.ts). Every error names the file and the JSON path in it.
import { z } from 'zod';
import { validated } from '../json/problems.ts';
import { strictObject } from '../json/strict-object.ts';
import { integer, momentum, oneOf, optionalFields, positive, weightDecay } from './fields.ts';
import { nameSchema, schemaReference, suiteProblem, type KnownNames } from './suite-file.ts';

/** One range test (see src/range-test/), complete: as declared, or as `scbench find-lr` builds it from its flags. */
export interface RangeTestSpec {
  id: string;
  network: string;
  dataset: string;
  minLr: number;
  maxLr: number;
  scale: 'exp' | 'linear';
  /** Steps of the test; when absent, `epochs` whole epochs of the training split. */
  iterations?: number;
  epochs: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  seed: number;
  validationSamples: number;
  augment: boolean;
  stopFactor: number;
  /** One curve per value of the parameter, each from the same initial weights and data order. */
  sweep?: { parameter: 'momentum' | 'weightDecay'; values: number[] };
  description?: string;
}

/** The values of the test fields that no suite has to set. */
export const RANGE_TEST_FIELD_DEFAULTS = { minLr: 1e-5, maxLr: 10, scale: 'exp', stopFactor: 4, validationSamples: 0 } as const;

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


const sweepSchema = z.union([
  strictObject({ parameter: z.literal('momentum'), values: z.array(momentum).min(2, 'must list at least two values') }),
  strictObject({ parameter: z.literal('weightDecay'), values: z.array(weightDecay).min(2, 'must list at least two values') }),
  strictObject({ parameter: z.literal('weightDecay'), fineAround: nameSchema }),
], { error: () => 'must be {"parameter": "momentum" | "weightDecay", "values": [...]} or {"parameter": "weightDecay", "fineAround": "<id of a coarse sweep>"}' });

function fieldSchemas(known: KnownNames) {
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

/** A range-test suite file as written. */
export function rangeTestSuiteSchema(known: KnownNames) {
  const fields = optionalFields(fieldSchemas(known));
  return strictObject({
    $schema: schemaReference,
    name: nameSchema,
    description: z.string().min(1, 'must not be empty'),
    defaults: strictObject(fields).optional(),
    rangeTests: z.array(strictObject({ id: nameSchema, description: z.string().optional(), ...fields })).min(1, 'must list at least one range test'),
  });
}

const REQUIRED = ['network', 'dataset', 'weightDecay', 'batchSize', 'seed'] as const;

/** True when the parsed JSON of a suite file declares range tests (a "rangeTests" key) rather than training cells. */
export function declaresRangeTests(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'rangeTests' in json;
}

/** Validates a range-test suite (every problem listed, `<file>: <path>: <message>; ...`) and merges defaults into each test. */
export function rangeTestSuiteFrom(json: unknown, file: string, known: KnownNames): RangeTestSuite {
  const suite = validated(rangeTestSuiteSchema(known), json, file);
  const ids = new Set<string>();
  const tests = suite.rangeTests.map((declared, index): DeclaredRangeTest => {
    const at = (...path: PropertyKey[]) => ['rangeTests', index, ...path];
    if (ids.has(declared.id)) throw suiteProblem(file, at('id'), `duplicate range test id ${JSON.stringify(declared.id)}`);
    ids.add(declared.id);
    const merged = { ...RANGE_TEST_FIELD_DEFAULTS, momentum: 0.9, augment: true, epochs: 1, ...suite.defaults, ...declared };
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
    return merged as DeclaredRangeTest;
  });
  return { name: suite.name, description: suite.description, file, tests };
}
