// `scbench report`: the report of a suite's results on disk (see build.ts).
import { join, resolve } from 'node:path';
import { evaluateClaims } from '../claims/evaluate.ts';
import { openSuite, type AnySuite } from '../suite/index.ts';
import { buildReport } from './build.ts';

export { buildReport, type ClaimEvaluator, type Report, type ReportOptions } from './build.ts';

export interface ReportCommandOptions {
  results: string[];
  /** The suite, loaded, or its name or file (resolved like `scbench run`'s). */
  suite: AnySuite | string;
  /** The report folder (default reports/<suite>/). */
  out?: string;
  seeds?: number;
  log: (line: string) => void;
}

/** The CLI's `scbench report`; returns the path of index.html. A range-test suite gives a report of its curves and suggestions. */
export async function reportCommand(options: ReportCommandOptions): Promise<string> {
  const opened = typeof options.suite === 'string' ? openSuite(options.suite, { seeds: options.seeds }) : options.suite;
  const rangeTestSuite = opened.kind === 'range-tests' ? opened.suite : undefined;
  const suite = opened.kind === 'range-tests' ? { ...opened.suite, cells: [] } : opened.suite;
  const report = await buildReport({
    resultsDirs: (options.results.length > 0 ? options.results : ['results']).map((dir) => resolve(dir)),
    suite,
    outDir: resolve(options.out ?? join('reports', suite.name)),
    claims: suite.claims?.length ? (results) => evaluateClaims(suite.claims!, results) : undefined,
    rangeTests: rangeTestSuite?.tests.map((test) => test.id),
    log: options.log,
  });
  options.log(`report: ${report.html} (${report.charts.length / 2} charts, ${report.warnings.length} warning(s))`);
  return report.html;
}
