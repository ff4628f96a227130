// Declarative derivation: a suite may declare `rows` (one a row of the paper's Table 1: network, data set, constant
// lr, weight decay, momentum, budget) and `rules` (per policy, how it derives from a row); each row crossed with its
// rules gives one written cell `<row>.<rule>`, expanded further like any other cell.
import { batchesPerEpoch } from '../data/batches.ts';
import { datasetDescriptor } from '../data/datasets.ts';
import { problemText } from '../json/problems.ts';
import { policySchema, type Policy } from '../schedules/index.ts';
import type { Rule, SuiteFile } from './suite-file.ts';

/** The fields of a row that become cell fields as they are. */
export const ROW_CELL_FIELDS = ['network', 'dataset', 'weightDecay', 'momentum', 'batchSize', 'epochs'] as const;

/** A row as the suite file writes it (schema: rowSchema in suite-file.ts). */
export type Row = NonNullable<SuiteFile['rows']>[number];

/**
 * The policy `rule` gives `row`, not yet validated. A cyclical step size declared in epochs becomes iterations
 * of the row's batch size (rounded to the nearest).
 */
export function derivePolicy(rule: Rule, row: Row): unknown {
  switch (rule.policy) {
    case 'constant':
      return { name: 'constant', lr: row.lr };
    case 'cyclical': {
      const dataset = datasetDescriptor(row.dataset)!;
      const stepSize = Math.max(1, Math.round(rule.stepSizeEpochs * batchesPerEpoch(dataset.counts.train, row.batchSize)));
      return { name: 'cyclical', baseLr: roundLr(row.lr * rule.baseFraction), maxLr: row.lr, stepSize, mode: 'triangular' };
    }
    case 'one-cycle':
      return {
        name: 'one-cycle',
        maxLr: roundLr(row.lr * rule.maxLrFactor),
        endPercentage: rule.endPercentage,
        maxMomentum: rule.maxMomentum,
        minMomentum: rule.minMomentum,
      };
  }
}

/** 0.01288 x 10 is 0.12880000000000003 in binary; the suite means 0.1288. */
const roundLr = (lr: number) => Number(lr.toPrecision(12));

/** Validates a derived policy with the policy schema (defaults filled in); the error text of the first problem otherwise. */
export function validatePolicy(policy: unknown): { policy: Policy } | { problem: string } {
  const parsed = policySchema.safeParse(policy);
  if (parsed.success) return { policy: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { problem: problemText(issue.path, issue.message) };
}
