// Suites: declarative JSON files in benchmarks/, of two kinds. A training suite names the cells to train:
//   { "name", "description", "defaults"?: {<cell fields>}, "cells"?: [{ "id", <cell fields> }, ...],
//     "rules"?: { "<rule>": { "policy", <derivation> } }, "rows"?: [{ <Table 1 row> }, ...] (see rows.ts),
//     "matrix"?: { "<cell field>": [values, ...] }, "claims"?: [<claim>, ...] (see claims.ts),
//     "departures"?: [{ "source", "difference", "why" }, ...] }
// and loads into complete, validated cells (SuiteCell: the run's configuration and its base id); a range-test suite
// declares "rangeTests" (range-tests.ts).
// openSuite reads either once and says which it is; every error names the file and the JSON path in it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetNames } from '../data/datasets.ts';
import { UserError } from '../errors.ts';
import { parseJsonText } from '../json/json-text.ts';
import { NETWORK_NAMES } from '../nn/network.ts';
import { expandCells } from './expand.ts';
import { declaresRangeTests, rangeTestSuiteFrom, type RangeTestSuite } from './range-tests.ts';
import { validateSuiteFile, type KnownNames, type Suite, type SuiteFile } from './suite-file.ts';

export { formatCellTable, formatDepartures, formatRangeTestTable, formatShardTable } from './table.ts';
export { selectCells, type CellSelection } from './select.ts';
export { runConfiguration, type CellSpec, type Departure, type KnownNames, type RunConfiguration, type Suite, type SuiteCell } from './suite-file.ts';
export type { DeclaredRangeTest, RangeTestSpec, RangeTestSuite } from './range-tests.ts';

/** The suites that ship with scbench, each `<name>.json`. */
export const BENCHMARKS_DIR = fileURLToPath(new URL('../../benchmarks', import.meta.url));

/** The JSON Schema of suite files, beside them; not a suite. */
export const SUITE_SCHEMA_FILE = 'suite.schema.json';

/** The suite files of a folder, sorted. */
export function suiteFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((entry) => entry.endsWith('.json') && entry !== SUITE_SCHEMA_FILE)
    .sort()
    .map((entry) => join(dir, entry));
}

/** The names a suite may use: scbench's networks, and the built-in data sets and those added to the cache. */
function knownNames(): KnownNames {
  return { networks: NETWORK_NAMES, datasets: datasetNames() };
}

/** A suite file of either kind, validated; a training suite expanded into its cells. */
export type AnySuite = { kind: 'training'; suite: Suite } | { kind: 'range-tests'; suite: RangeTestSuite };

/**
 * The suite `nameOrPath` names (a suite of `benchmarksDir`, or a file), read once: a training suite with `overrides`
 * applied, or a range-test suite (which has no seeds to override).
 */
export function openSuite(nameOrPath: string, overrides: SuiteOverrides = {}, benchmarksDir = BENCHMARKS_DIR, known = knownNames()): AnySuite {
  const file = resolveSuitePath(nameOrPath, benchmarksDir);
  return parseAnySuite(readSuiteText(file), file, known, overrides);
}

/** Validates the text of a suite file of either kind; `file` names it in errors and in the result. */
export function parseAnySuite(text: string, file: string, known: KnownNames, overrides: SuiteOverrides = {}): AnySuite {
  const shown = displayPath(file);
  const json = parseJsonText(text, shown);
  if (declaresRangeTests(json)) return { kind: 'range-tests', suite: { ...rangeTestSuiteFrom(json, shown, known), file } };
  return { kind: 'training', suite: trainingSuiteFrom(json, file, known, overrides) };
}

/** `quick` -> `<benchmarksDir>/quick.json`; otherwise an existing file, used as is. */
export function resolveSuitePath(nameOrPath: string, benchmarksDir: string): string {
  const named = join(benchmarksDir, `${nameOrPath}.json`);
  if (!/[\\/]/.test(nameOrPath) && isFile(named)) return named;
  if (isFile(nameOrPath)) return nameOrPath;
  const available = existsSync(benchmarksDir)
    ? suiteFiles(benchmarksDir).map((file) => basename(file, '.json'))
    : [];
  throw new UserError(
    `unknown suite ${JSON.stringify(nameOrPath)}: neither a suite in ${displayPath(benchmarksDir)} (available: ${available.join(', ') || 'none'}) nor a file`,
  );
}

/** How a command asks for a suite otherwise than written: `seeds` N runs every cell on seeds 1..N (a matrix over seeds). */
export interface SuiteOverrides {
  seeds?: number;
}

/** Reads, validates and expands a training suite file; a range-test suite is refused, naming the file. */
export function loadSuite(file: string, known: KnownNames, overrides: SuiteOverrides = {}): Suite {
  return trainingSuite(parseAnySuite(readSuiteText(file), file, known, overrides));
}

/** Validates and expands the text of a training suite file; `file` names it in errors and in the result. */
export function parseSuite(text: string, file: string, known: KnownNames, overrides: SuiteOverrides = {}): Suite {
  return trainingSuite(parseAnySuite(text, file, known, overrides));
}

/** The training suite; a range-test suite is a one-line error naming its file. */
export function trainingSuite(any: AnySuite): Suite {
  if (any.kind === 'training') return any.suite;
  throw new UserError(`${displayPath(any.suite.file)}: declares range tests, not cells to train`);
}

function readSuiteText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${displayPath(file)}: cannot read the suite file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function trainingSuiteFrom(json: unknown, file: string, known: KnownNames, overrides: SuiteOverrides): Suite {
  const shown = displayPath(file);
  const suiteFile = withSeeds(validateSuiteFile(json, shown, known), overrides.seeds);
  const suite: Suite = { name: suiteFile.name, description: suiteFile.description, file, cells: expandCells(suiteFile, shown) };
  if (suiteFile.claims !== undefined) suite.claims = suiteFile.claims;
  if (suiteFile.departures !== undefined) suite.departures = suiteFile.departures;
  return suite;
}

/**
 * The suite with its seeds replaced by 1..count, as a matrix (ids `<cell>.seed-<n>`, which claims read together);
 * one seed keeps the ids as written. Seeds set in defaults, cells or the matrix give way.
 */
function withSeeds(suite: SuiteFile, count: number | undefined): SuiteFile {
  if (count === undefined) return suite;
  const { seed: _defaultSeed, ...defaults } = suite.defaults ?? {};
  return {
    ...suite,
    defaults,
    cells: suite.cells?.map(({ seed: _seed, ...cell }) => cell),
    matrix: { ...suite.matrix, seed: Array.from({ length: count }, (_, i) => i + 1) },
  };
}

/** Relative to the working directory when the file is under it (`benchmarks/quick.json`), else as given. */
function displayPath(file: string): string {
  const fromHere = relative(process.cwd(), file);
  return fromHere && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : file;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
