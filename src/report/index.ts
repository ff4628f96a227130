// `scbench report`: the report of a suite's results on disk (see build.ts).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateClaims } from '../claims/evaluate.ts';
import { datasetNames } from '../data/datasets.ts';
import { NETWORK_NAMES } from '../nn/network.ts';
import { loadSuite, resolveSuitePath } from '../suite/index.ts';
import { buildReport } from './build.ts';

export { buildReport, type ClaimEvaluator, type Report, type ReportOptions } from './build.ts';

const BENCHMARKS_DIR = fileURLToPath(new URL('../../benchmarks', import.meta.url));

/**
 * The CLI's `scbench report`: resolves the suite like `scbench run`, returns the path of index.html.
 * A range-test suite gives a report of its curves and suggestions.
 */
export async function reportCommand(options: { results: string[]; suite: string; out?: string; seeds?: number; log: (line: string) => void }): Promise<string> {
  const file = resolveSuitePath(options.suite, BENCHMARKS_DIR);
  const known = { networks: NETWORK_NAMES, datasets: datasetNames() };
  const { isRangeTestSuite, loadRangeTestSuite } = await import('../range-test/index.ts');
  const rangeTestSuite = isRangeTestSuite(file) ? loadRangeTestSuite(file, known) : undefined;
  const suite = rangeTestSuite ? { ...rangeTestSuite, cells: [] } : loadSuite(file, known, { seeds: options.seeds });
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
