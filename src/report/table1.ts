// Table 1 of the paper as it was printed, and the hyper-parameters the suite's cells of each row used, so a
// reviewer sees at once where the reproduction departs from the paper.
import { makeSchedule, POLICY_NAMES } from '../schedules/index.ts';
import type { CellSpec } from '../suite/index.ts';
import type { CellResult } from '../results/cell-results.ts';
import type { Table } from './document.ts';
import { number } from './format.ts';

interface PaperRow {
  network: string;
  dataset: string;
  /** The names the suite files use for the row's network and dataset. */
  suiteNetwork: string;
  suiteDataset: string;
  constantLr: number;
  weightDecay: number;
  momentum: number;
}

export const PAPER_TABLE_1: readonly PaperRow[] = [
  { network: 'simple CNN', dataset: 'CIFAR-10', suiteNetwork: 'simple', suiteDataset: 'cifar10', constantLr: 0.04, weightDecay: 3e-7, momentum: 0.9 },
  { network: 'simple CNN', dataset: 'Oxflower17', suiteNetwork: 'simple', suiteDataset: 'oxflower17', constantLr: 0.0084, weightDecay: 1e-6, momentum: 0.9 },
  { network: 'VGG16 (with batch norm)', dataset: 'CIFAR-10', suiteNetwork: 'vgg16bn', suiteDataset: 'cifar10', constantLr: 0.01288, weightDecay: 1e-6, momentum: 0.9 },
  { network: 'VGG16 (with batch norm)', dataset: 'Oxflower17', suiteNetwork: 'vgg16bn', suiteDataset: 'oxflower17', constantLr: 0.01023, weightDecay: 1e-6, momentum: 0.9 },
  { network: 'MobileNetV2', dataset: 'CIFAR-10', suiteNetwork: 'mobilenetv2', suiteDataset: 'cifar10', constantLr: 0.002, weightDecay: 3e-6, momentum: 0.9 },
  { network: 'MobileNetV2', dataset: 'Oxflower17', suiteNetwork: 'mobilenetv2', suiteDataset: 'oxflower17', constantLr: 0.00758, weightDecay: 1e-6, momentum: 0.9 },
  { network: 'MobileNetV2', dataset: 'TinyImageNet', suiteNetwork: 'mobilenetv2', suiteDataset: 'tinyimagenet', constantLr: 0.16, weightDecay: 1e-7, momentum: 0.9 },
];

/**
 * The lr and momentum a cell's policy gives over its run ("0.0005 – 0.5 (start 0.05)"), evaluated from the schedule
 * itself so the table cannot disagree with what trained. `iterations`: the run's length where known.
 */
export function scheduleRanges(cell: CellSpec, iterations: number | undefined): { lr: string; momentum: string } {
  const length = iterations ?? ('stepSize' in cell.policy ? 2 * cell.policy.stepSize : 1000);
  const schedule = makeSchedule(cell.policy, length);
  const steps = Array.from({ length }, (_, i) => schedule(i));
  return {
    lr: range(steps.map((s) => s.lr)),
    momentum: range(steps.map((s) => s.momentum ?? cell.momentum)),
  };
}

function range(values: number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  if (low === high) return number(low);
  const start = values[0]!;
  return `${number(low)} – ${number(high)}${start === low || start === high ? '' : ` (start ${number(start)})`}`;
}

/** Iterations of the whole run: those of one epoch (from its metrics) times the epochs it was set to run. */
function runIterations(result: CellResult): number | undefined {
  const perEpoch = result.metrics[0]?.iteration;
  return perEpoch === undefined ? undefined : perEpoch * (result.record?.cell ?? result.cell).epochs;
}

/**
 * One row per paper row: the printed values, then the lr each policy of the suite's cells for that network x
 * dataset used (one column per policy present), their weight decay and momentum.
 */
export function table1(cells: readonly CellResult[]): Table {
  const rows = PAPER_TABLE_1.map((row) => ({
    row,
    used: cells
      .filter((c) => c.cell.network === row.suiteNetwork && c.cell.dataset === row.suiteDataset)
      .map((c) => {
        const cell = c.record?.cell ?? c.cell;
        return { policy: cell.policy.name, weightDecay: cell.weightDecay, ...scheduleRanges(cell, runIterations(c)) };
      }),
  }));
  const present = new Set(rows.flatMap((r) => r.used.map((u) => u.policy)));
  const policies = present.size > 0 ? POLICY_NAMES.filter((name) => present.has(name)) : PAPER_POLICIES;
  return {
    id: 'table-1-table',
    headers: ['network', 'dataset', 'paper: constant lr', 'paper: weight decay', 'paper: momentum', ...policies.map((p) => `${p}: lr used`), 'weight decay used', 'momentum used'],
    rows: rows.map(({ row, used }) => {
      const printed = [row.network, row.dataset, number(row.constantLr), number(row.weightDecay), number(row.momentum)];
      if (used.length === 0) return [...printed, { text: 'not in this suite', tone: 'muted' as const }, ...Array<string>(policies.length).fill('')];
      return [
        ...printed,
        ...policies.map((policy) => distinct(used.filter((u) => u.policy === policy).map((u) => u.lr)) || '-'),
        distinct(used.map((u) => number(u.weightDecay))),
        distinct(used.map((u) => u.momentum)),
      ];
    }),
  };
}

const PAPER_POLICIES = ['constant', 'cyclical', 'one-cycle'];

const distinct = (values: string[]) => [...new Set(values)].join('; ');
