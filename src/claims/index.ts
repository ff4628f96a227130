// `scbench claims [--suite S] [--results DIR...]`: the verdict of every claim the suite declares, from the results
// on disk (shards merged as the report merges them).
import { relative, resolve } from 'node:path';
import { readCellResults } from '../results/cell-results.ts';
import { openSuite } from '../suite/index.ts';
import { formatTable } from '../text-table.ts';
import { evaluateClaims, type ClaimVerdict } from './evaluate.ts';

/** The claims table of a suite's results; `results` defaults to ["results"]. Warnings about the results are part of the text. */
export async function claimsCommand(options: { suite: string; results: string[]; seeds?: number }): Promise<string> {
  const opened = openSuite(options.suite, { seeds: options.seeds });
  if (opened.kind === 'range-tests') return `suite ${opened.suite.name} (${relative(process.cwd(), opened.suite.file)}) declares range tests, no claims`;
  const suite = opened.suite;
  if (!suite.claims?.length) return `suite ${suite.name} declares no claims`;
  const dirs = (options.results.length > 0 ? options.results : ['results']).map((dir) => resolve(dir));
  const warnings: string[] = [];
  const cells = await readCellResults(dirs, suite.name, suite.cells, warnings);
  const verdicts = evaluateClaims(suite.claims, { suite, cells, rangeTests: [] });
  return [...warnings.map((w) => `warning: ${w}`), formatVerdicts(verdicts)].join('\n');
}

/** One block a claim: id, verdict (and noise, or why the runs are not comparable), the statement, the numbers behind the verdict, the data's provenance. */
function formatVerdicts(verdicts: readonly ClaimVerdict[]): string {
  const summary = formatTable(
    ['claim', 'verdict', 'noise'],
    verdicts.map((v) => [v.id, v.verdict, v.noise ? 'depends on noise' : '']),
  );
  const details = verdicts.map((v) =>
    [
      `${v.id}: ${v.verdict.toUpperCase()}${v.comparability ? `: ${v.comparability}` : ''}${v.noise ? ` (${v.noise})` : ''}`,
      `  claim: ${v.statement}`,
      ...v.evidence.split('; ').map((e) => `  - ${e}`),
      ...(v.data ? [`  data: ${v.data}`] : []),
    ].join('\n'),
  );
  return [summary, '', ...details].join('\n');
}
