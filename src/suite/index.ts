// Suites: declarative JSON files in benchmarks/ naming the cells to train. A file is
//   { "name", "description", "defaults"?: {<cell fields>}, "cells"?: [{ "id", <cell fields> }, ...],
//     "rules"?: { "<rule>": { "policy", <derivation> } }, "rows"?: [{ <Table 1 row> }, ...] (see rows.ts),
//     "matrix"?: { "<cell field>": [values, ...] }, "claims"?: [<claim>, ...] (see src/claims/),
//     "departures"?: [{ "source", "difference", "why" }, ...] }
// and loads into complete, validated cells (see CellSpec); every error names the file and the JSON path in it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { UserError } from '../errors.ts';
import { expandCells } from './expand.ts';
import { parseJsonText } from '../json/json-text.ts';
import { validateSuiteFile, type KnownNames, type Suite, type SuiteFile } from './suite-file.ts';

export { formatCellTable, formatDepartures, formatShardTable } from './table.ts';
export { selectCells, type CellSelection } from './select.ts';
export type { CellSpec, Departure, KnownNames, Suite } from './suite-file.ts';

/** `quick` -> `<benchmarksDir>/quick.json`; otherwise an existing file, used as is. */
export function resolveSuitePath(nameOrPath: string, benchmarksDir: string): string {
  const named = join(benchmarksDir, `${nameOrPath}.json`);
  if (!/[\\/]/.test(nameOrPath) && isFile(named)) return named;
  if (isFile(nameOrPath)) return nameOrPath;
  const available = existsSync(benchmarksDir)
    ? readdirSync(benchmarksDir).filter((entry) => entry.endsWith('.json')).map((entry) => entry.slice(0, -'.json'.length)).sort()
    : [];
  throw new UserError(
    `unknown suite ${JSON.stringify(nameOrPath)}: neither a suite in ${displayPath(benchmarksDir)} (available: ${available.join(', ') || 'none'}) nor a file`,
  );
}

/** How a command asks for a suite otherwise than written: `seeds` N runs every cell on seeds 1..N (a matrix over seeds). */
export interface SuiteOverrides {
  seeds?: number;
}

/** Reads, validates and expands a suite file. */
export function loadSuite(file: string, known: KnownNames, overrides: SuiteOverrides = {}): Suite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${displayPath(file)}: cannot read the suite file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSuite(text, file, known, overrides);
}

/** Validates and expands the text of a suite file; `file` names it in errors and in the result. */
export function parseSuite(text: string, file: string, known: KnownNames, overrides: SuiteOverrides = {}): Suite {
  const shown = displayPath(file);
  const suiteFile = withSeeds(validateSuiteFile(parseJsonText(text, shown), shown, known), overrides.seeds);
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
