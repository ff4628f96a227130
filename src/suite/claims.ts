// The claims a suite file declares: each claim of the paper as data, a list of predicates over the results that
// must all hold. The vocabulary is small and evaluated by one module (src/claims/evaluate.ts). Accuracies and margins are in
// percent / percentage points of test top-1 accuracy, as the paper quotes them.
import { z } from 'zod';
import { strictObject as strict } from '../json/strict-object.ts';

const percent = z.number().min(0, 'must be in [0, 100]').max(100, 'must be in [0, 100]');
const points = (min: number) => z.number().min(min, `must be >= ${min}`);
const epoch = z.number().int('must be an integer >= 1').min(1, 'must be an integer >= 1');
/** A cell of the suite by the id it is written with (rows: `<row>.<rule>`), before any matrix suffix. */
const cellRef = z.string().min(1, 'must name a cell');

/** `best`: the best test accuracy up to the epoch; `final`: the accuracy at that epoch (the cell's last when it stopped sooner). */
const measure = z.enum(['best', 'final'], { error: 'must be "best" or "final"' }).default('best');

/** Measured by `byEpoch` (default: each cell's whole run), `cell` is ahead of every one of `others` by at least `margin` pp (negative: a tolerance). */
const beats = strict({ kind: z.literal('beats'), cell: cellRef, others: z.array(cellRef).min(1, 'must list at least one cell'), byEpoch: epoch.optional(), measure, margin: z.number().default(0) });
/** The two cells are within `tolerance` pp of each other. */
const close = strict({ kind: z.literal('close'), cells: z.tuple([cellRef, cellRef], { error: 'must list two cells' }), byEpoch: epoch.optional(), measure, tolerance: points(0) });
/** The cell's best accuracy (by `byEpoch`) is at least `accuracy` - `tolerance`. */
const reaches = strict({ kind: z.literal('reaches'), cell: cellRef, accuracy: percent, tolerance: points(0).default(0), byEpoch: epoch.optional() });
/** The cell fails outright: it diverged, or its best accuracy stayed below `below`. */
const fails = strict({ kind: z.literal('fails'), cell: cellRef, below: percent });
/** `cell` reaches `accuracy` and needs at most 1/`factor` of the iterations `than` needs (never reaching counts as infinitely many). */
const sooner = strict({ kind: z.literal('sooner'), cell: cellRef, than: cellRef, accuracy: percent, factor: z.number().min(1, 'must be >= 1').default(1) });

const KINDS = ['beats', 'close', 'reaches', 'fails', 'sooner'];

const predicateSchema = z.discriminatedUnion('kind', [beats, close, reaches, fails, sooner], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${KINDS.join(', ')}` : undefined),
});

export const claimSchema = strict({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must match [a-z0-9][a-z0-9._-]*'),
  /** The claim in words, as the paper makes it. */
  statement: z.string().min(1, 'must not be empty'),
  /** How the predicates read the claim, where the paper gives no number (tolerances, epochs). */
  why: z.string().optional(),
  all: z.array(predicateSchema).min(1, 'must list at least one predicate'),
});

export type Predicate = z.output<typeof predicateSchema>;
export type Claim = z.output<typeof claimSchema>;

/** The cells a predicate reads, each with the JSON path of its reference. */
export function predicateCells(predicate: Predicate): { cell: string; path: (string | number)[] }[] {
  switch (predicate.kind) {
    case 'beats':
      return [{ cell: predicate.cell, path: ['cell'] }, ...predicate.others.map((cell, i) => ({ cell, path: ['others', i] }))];
    case 'close':
      return predicate.cells.map((cell, i) => ({ cell, path: ['cells', i] }));
    case 'reaches':
    case 'fails':
      return [{ cell: predicate.cell, path: ['cell'] }];
    case 'sooner':
      return [{ cell: predicate.cell, path: ['cell'] }, { cell: predicate.than, path: ['than'] }];
  }
}
