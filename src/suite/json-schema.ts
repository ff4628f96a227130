// The suite-file format as a JSON Schema, generated from the schemas scbench validates with, for editors: a suite
// file's "$schema": "./suite.schema.json" lets one complete and check its fields. Names of networks and data sets,
// cross-field rules and the expansion's checks are scbench's own (it reports them naming the file and the path).
import { z } from 'zod';
import { NETWORK_NAMES } from '../nn/network.ts';
import { rangeTestSuiteSchema } from './range-tests.ts';
import { suiteFileSchema } from './suite-file.ts';

function suiteJsonSchema(): Record<string, unknown> {
  // Data sets may be added to the cache, so the schema leaves their names open.
  const known = { networks: NETWORK_NAMES, datasets: [] };
  const either = z.union([suiteFileSchema(known), rangeTestSuiteSchema(known)]);
  const { $schema, ...rest } = z.toJSONSchema(either, { io: 'input', unrepresentable: 'any' });
  return {
    $schema,
    title: 'scbench suite',
    description: 'A suite of scbench: training cells (cells, or rows crossed with rules, over a matrix) with claims, or range tests.',
    ...rest,
  };
}

/** The text of benchmarks/suite.schema.json. */
export const suiteJsonSchemaText = () => `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`;
