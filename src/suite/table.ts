// The cell table of `scbench list`.
import { formatTable } from '../text-table.ts';
import type { CellSpec } from './suite-file.ts';

/** One row a cell: what it trains, the policy with all its numbers, and the training budget. */
export function formatCellTable(cells: readonly CellSpec[]): string {
  return formatTable(
    ['id', 'network', 'dataset', 'policy', 'epochs', 'batch', 'seed', 'weight decay'],
    cells.map((cell) => [cell.id, cell.network, cell.dataset, policySummary(cell), cell.epochs, cell.batchSize, cell.seed, cell.weightDecay]),
  );
}

/**
 * `cyclical baseLr=0.0125 maxLr=0.05 stepSize=250 mode=triangular gamma=1 momentum=0.9`: the policy's own
 * parameters, then the cell's SGD momentum when the policy sets no momentum of its own, so the row shows the
 * momentum the cell trains with either way.
 */
export function policySummary(cell: CellSpec): string {
  const { name, ...parameters } = cell.policy;
  const set = Object.entries(parameters).filter(([, value]) => value !== undefined && value !== null);
  const drivesMomentum = set.some(([key]) => /momentum/i.test(key));
  const shown = drivesMomentum ? set : [...set, ['momentum', cell.momentum]];
  return [name, ...shown.map(([key, value]) => `${key}=${value}`)].join(' ');
}
