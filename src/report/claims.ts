// The paper's claims as the report shows them. The claims themselves (predicates over the results, declared
// next to the suites) are evaluated elsewhere; the report takes their verdicts through a ClaimEvaluator.
import type { CellResult } from './cell-results.ts';
import type { RangeTestResult } from './range-tests.ts';
import type { Suite } from '../suite/index.ts';

export interface SuiteResults {
  suite: Suite;
  /** Every cell the suite declares, in suite order, not-run ones included. */
  cells: CellResult[];
  rangeTests: RangeTestResult[];
}

export type Verdict = 'reproduced' | 'not reproduced' | 'not run' | 'not comparable';

export interface ClaimVerdict {
  /** e.g. "claim-5" */
  id: string;
  /** The claim in words, as the paper makes it. */
  statement: string;
  verdict: Verdict;
  /** The numbers behind the verdict, e.g. "one-cycle 91.2 % vs constant 88.0 % at epoch 12 (margin 1 pp)". */
  evidence: string;
  /** Set when seeds disagree enough that the verdict could flip: says how. */
  noise?: string;
  /** With verdict "not comparable": how the runs differ from the declared experiment, e.g. "epochs 3 instead of 16". */
  comparability?: string;
  /** Where the data of the runs read came from (official archive or a copy, with its md5). */
  data?: string;
}

/** Verdicts of the claims that concern a suite, computed from the results the report read. */
export type ClaimEvaluator = (results: SuiteResults) => readonly ClaimVerdict[];
