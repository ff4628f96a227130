import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BENCHMARKS_DIR, openSuite, SUITE_SCHEMA_FILE, suiteFiles } from './index.ts';
import { suiteJsonSchemaText } from './json-schema.ts';

const published = readFileSync(join(BENCHMARKS_DIR, SUITE_SCHEMA_FILE), 'utf8');
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(published));
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

test('benchmarks/suite.schema.json is what scbench schema generates from the suite schemas', () => {
  assert.is(published, suiteJsonSchemaText(), 'run: bin/scbench schema > benchmarks/suite.schema.json');
});

test('every suite file in benchmarks/ names the schema and validates against it', () => {
  const files = suiteFiles(BENCHMARKS_DIR);
  assert.ok(files.length >= 6);
  for (const file of files) {
    assert.is(json(file).$schema, `./${SUITE_SCHEMA_FILE}`, basename(file));
    assert.ok(validate(json(file)), `${basename(file)}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
    assert.ok(openSuite(file), basename(file));
  }
});

test('the schema refuses a misspelt field and a wrong type', () => {
  const quick = json(join(BENCHMARKS_DIR, 'quick.json'));
  assert.ok(validate(quick));
  assert.not.ok(validate({ ...quick, defaults: { ...(quick.defaults as object), maxLR: 1 } }));
  assert.not.ok(validate({ ...quick, defaults: { ...(quick.defaults as object), epochs: 'six' } }));
  assert.not.ok(validate({ ...quick, cells: [{ id: 'a', policy: { name: 'one-cycle', maxLR: 1 } }] }));
});

test.run();
