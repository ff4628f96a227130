// `scbench run --suite <range-test suite>`: the declared range tests, one after another in this process,
// each into <outDir>/<suite>/<test-id>/; a test whose suggestions.json exists is skipped.
import { join } from 'node:path';
import { initEngine, type BackendRequest } from '../engine/backend.ts';
import { UserError } from '../errors.ts';
import { rangeTestFiles, readRecord } from '../results/range-test.ts';
import type { DeclaredRangeTest, RangeTestSpec, RangeTestSuite } from '../suite/index.ts';
import { globMatcher } from '../suite/select.ts';
import { executeRangeTest, fineSweepValues, formatRecord } from './execute.ts';

export interface RangeTestSuiteOptions {
  suite: RangeTestSuite;
  backend: BackendRequest;
  outDir: string;
  /** Comma-separated id patterns (`*`, `?`), as `--cells`. */
  cells?: string;
  log: (line: string) => void;
}

/**
 * Runs the selected tests; returns their suggestions as text. A failing test is logged and the others still
 * run; then the whole throws an Error naming the failed tests (after logging the text), so the exit code says so.
 */
export async function runRangeTestSuite(options: RangeTestSuiteOptions): Promise<string> {
  const { suite } = options;
  const matches = options.cells === undefined ? () => true : globMatcher(options.cells);
  const tests = suite.tests.filter((test) => matches(test.id));
  if (tests.length === 0) throw new UserError(`--cells ${JSON.stringify(options.cells)}: matches no range test (tests: ${suite.tests.map((t) => t.id).join(', ')})`);
  const dirOf = (id: string) => join(options.outDir, suite.name, id);
  let engineStarted = false;
  const lines: string[] = [];
  const failed: string[] = [];
  for (const declared of tests) {
    try {
      const spec = await resolveSweep(declared, dirOf);
      if (!engineStarted && !(await readRecord(rangeTestFiles(dirOf(spec.id))))) {
        await initEngine(options.backend, options.log);
        engineStarted = true;
      }
      const run = await executeRangeTest(spec, rangeTestFiles(dirOf(spec.id)), options.log);
      if (run.skipped) options.log(`${spec.id}: already done, skipped`);
      lines.push(`${spec.id}:`, formatRecord(run.record).replace(/^/gm, '  '));
    } catch (error) {
      if (error instanceof UserError) throw error;
      failed.push(declared.id);
      lines.push(`${declared.id}: failed: ${(error as Error).message}`);
      options.log(lines.at(-1)!);
    }
  }
  if (failed.length > 0) {
    options.log(lines.join('\n'));
    throw new Error(`${failed.length} range test(s) failed: ${failed.join(', ')}`);
  }
  return lines.join('\n');
}

/** A fine sweep takes its values around the pick of its coarse sweep, which must have run. */
async function resolveSweep(test: DeclaredRangeTest, dirOf: (id: string) => string): Promise<RangeTestSpec> {
  const sweep = test.sweep;
  if (!sweep || !('fineAround' in sweep)) return test as RangeTestSpec;
  const coarse = await readRecord(rangeTestFiles(dirOf(sweep.fineAround)));
  if (!coarse?.sweepPick) {
    throw new Error(`fine sweep around "${sweep.fineAround}": that test has no sweep pick in ${dirOf(sweep.fineAround)} yet; run it first`);
  }
  return { ...test, sweep: { parameter: 'weightDecay', values: fineSweepValues(coarse.sweepPick.value) } };
}
