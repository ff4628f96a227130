// The tables of `scbench list`: a training suite's cells, a range-test suite's tests.
import { formatTable } from '../text-table.ts';
import type { DeclaredRangeTest } from './range-tests.ts';
import { assignShards, expectedCost } from './shards.ts';
import type { CellSpec, Departure } from './suite-file.ts';

/** One row a cell: what it trains, the policy with all its numbers, and the training budget. */
export function formatCellTable(cells: readonly CellSpec[]): string {
  return formatTable(
    ['id', 'network', 'dataset', 'policy', 'epochs', 'batch', 'seed', 'weight decay'],
    cells.map((cell) => [cell.id, cell.network, cell.dataset, policySummary(cell), cell.epochs, cell.batchSize, cell.seed, cell.weightDecay]),
  );
}

/** One row a range test: what it trains, the lr ramp, its length, and the sweep. */
export function formatRangeTestTable(tests: readonly DeclaredRangeTest[]): string {
  return formatTable(
    ['id', 'network', 'dataset', 'lr', 'steps', 'batch', 'seed', 'momentum', 'weight decay', 'sweep'],
    tests.map((test) => [
      test.id,
      test.network,
      test.dataset,
      `${test.minLr} to ${test.maxLr} (${test.scale})`,
      test.iterations ?? `${test.epochs} epoch(s)`,
      test.batchSize,
      test.seed,
      test.momentum,
      test.weightDecay,
      test.sweep === undefined ? '-' : `${test.sweep.parameter} ${'values' in test.sweep ? test.sweep.values.join(', ') : `around the pick of ${test.sweep.fineAround}`}`,
    ]),
  );
}

/** Which of `count` shards each cell runs in and its expected cost, then each shard's total. */
export function formatShardTable(cells: readonly CellSpec[], count: number): string {
  const shardOf = assignShards(cells, count);
  const totals = new Array<number>(count).fill(0);
  const rows = cells.map((cell) => {
    const cost = expectedCost(cell);
    totals[shardOf.get(cell.id)!] += cost;
    return [cell.id, `${shardOf.get(cell.id)! + 1}/${count}`, formatPetaMacs(cost)];
  });
  const perShard = totals.map((total, i) => [`${i + 1}/${count}`, cells.filter((c) => shardOf.get(c.id) === i).length, formatPetaMacs(total)]);
  return `${formatTable(['id', 'shard', 'expected cost (PMAC)'], rows)}\n\n${formatTable(['shard', 'cells', 'expected cost (PMAC)'], perShard)}`;
}

/** Forward multiply-accumulates in units of 1e15. */
const formatPetaMacs = (macs: number) => (macs / 1e15).toPrecision(3);

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
  const optimizer = [cell.nesterov ? 'nesterov' : '', cell.onLossSpike === 'train-on' ? 'trains-through-loss-spikes' : ''].filter(Boolean);
  return [name, ...shown.map(([key, value]) => `${key}=${value}`), ...optimizer].join(' ');
}

/** The suite's declared departures from its sources, one paragraph each; empty when it declares none. */
export function formatDepartures(departures: readonly Departure[] | undefined): string {
  if (!departures?.length) return '';
  return ['Declared departures from the sources:', ...departures.map((d) => `- ${d.source}: ${d.difference}. Why: ${d.why}`)].join('\n');
}
