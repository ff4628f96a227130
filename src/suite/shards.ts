// `--shard i/n`: which of n parts of a suite each cell runs in, balanced by expected training cost.
import { UserError } from '../errors.ts';
import { networkSize } from '../nn/network.ts';
import { datasetDescriptor } from '../data/datasets.ts';
import type { CellSpec } from './suite-file.ts';

/**
 * The 0-based shard of every cell, for `count` shards. Cells chained by `initFrom` form one unit (a cell
 * starts from its source's final weights, so both must run in the same place); units go in descending
 * expected cost, equal costs by id, each to the shard with the least cost so far (the lowest index on a
 * tie): longest-processing-time-first, within 4/3 of the best possible makespan.
 *
 * Deterministic and independent of the order a suite lists its cells in. Adding a cell moves no unit that
 * costs more than the unit the cell ends up in (itself alone, or its grown initFrom chain): those units are
 * placed before it exactly as they were. A cell that joins a chain can thus move units costing less than
 * the grown chain, some of which cost more than the cell itself.
 */
export function assignShards(cells: readonly CellSpec[], count: number): Map<string, number> {
  const loads = new Array<number>(count).fill(0);
  const shardOf = new Map<string, number>();
  for (const unit of chainedUnits(cells)) {
    const lightest = loads.indexOf(Math.min(...loads));
    loads[lightest] += unit.cost;
    for (const id of unit.ids) shardOf.set(id, lightest);
  }
  return shardOf;
}

/**
 * A cell's expected training cost in multiply-accumulates: the network's forward pass per image at the data
 * set's shape x train images x epochs. (The backward pass is about twice the forward one for every network,
 * so it scales all costs alike and does not change the balance.)
 */
export function expectedCost(cell: CellSpec): number {
  const dataset = datasetDescriptor(cell.dataset);
  if (!dataset) throw new UserError(`cell ${cell.id}: data set "${cell.dataset}" has no known size to balance shards by`);
  return networkSize(cell.network, dataset.shape, dataset.classes).macsPerImage * dataset.counts.train * cell.epochs;
}

interface Unit {
  ids: string[];
  cost: number;
}

/** The cells grouped by initFrom chains (sources outside `cells` ignored), costliest first, then by first id. */
function chainedUnits(cells: readonly CellSpec[]): Unit[] {
  const root = new Map(cells.map((cell) => [cell.id, cell.id]));
  const find = (id: string): string => {
    const parent = root.get(id)!;
    return parent === id ? id : find(parent);
  };
  for (const cell of cells) {
    if (cell.initFrom !== undefined && root.has(cell.initFrom)) root.set(find(cell.id), find(cell.initFrom));
  }
  const units = new Map<string, Unit>();
  for (const cell of [...cells].sort((a, b) => compareIds(a.id, b.id))) {
    const key = find(cell.id);
    const unit = units.get(key) ?? { ids: [], cost: 0 };
    unit.ids.push(cell.id);
    unit.cost += expectedCost(cell);
    units.set(key, unit);
  }
  return [...units.values()].sort((a, b) => b.cost - a.cost || compareIds(a.ids[0], b.ids[0]));
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
