// How the report groups cells: one section per network x dataset, and within it one series per configuration,
// the cells of a series differing only in their seed (a matrix over `seed` gives ids like `one-cycle.seed-2`).
import type { CellResult } from '../results/cell-results.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import { runConfiguration } from '../suite/index.ts';

export interface Series {
  /** The cells' base id when they share one, e.g. `one-cycle` for `one-cycle.seed-1` and `one-cycle.seed-2`; else the first id. */
  label: string;
  policy: string;
  /** The seeds, in suite order. */
  cells: CellResult[];
}

export interface CellGroup {
  network: string;
  dataset: string;
  /** A file-name-safe name, `<network>.<dataset>`. */
  slug: string;
  series: Series[];
}

/** Groups in order of first appearance in the suite; series likewise. */
export function groupCells(cells: readonly CellResult[]): CellGroup[] {
  const groups = new Map<string, CellGroup>();
  const seriesByKey = new Map<string, Series>();
  for (const result of cells) {
    const { network, dataset } = result.cell;
    const slug = `${network}.${dataset}`;
    let group = groups.get(slug);
    if (!group) groups.set(slug, (group = { network, dataset, slug, series: [] }));
    const { id: _id, seed: _seed, description: _description, ...configuration } = runConfiguration(result.cell);
    const key = JSON.stringify(configuration);
    let series = seriesByKey.get(key);
    if (!series) {
      seriesByKey.set(key, (series = { label: result.cell.id, policy: result.cell.policy.name, cells: [] }));
      group.series.push(series);
    }
    series.cells.push(result);
  }
  for (const series of seriesByKey.values()) series.label = seriesLabel(series.cells);
  return [...groups.values()];
}

function seriesLabel([first, ...others]: readonly CellResult[]): string {
  const { id, baseId } = first!.cell;
  return others.length > 0 && others.every((other) => other.cell.baseId === baseId) ? baseId : id;
}

/** A value per finished epoch: one cell's, or a series' mean over the seeds that reached that epoch. */
export interface CurvePoint {
  epoch: number;
  iteration: number;
  value: number;
  min: number;
  max: number;
  /** How many seeds the point summarises. */
  seeds: number;
}

/** Per epoch, the mean, min and max of `metric` over the cells; non-finite values (a diverged loss) are left out. */
export function seriesCurve(cells: readonly CellResult[], metric: (row: EpochMetrics) => number): CurvePoint[] {
  const epochs = Math.max(0, ...cells.map((c) => c.metrics.length));
  const points: CurvePoint[] = [];
  for (let index = 0; index < epochs; index++) {
    const rows = cells.map((c) => c.metrics[index]).filter((row): row is EpochMetrics => row !== undefined);
    const values = rows.map(metric).filter(Number.isFinite);
    if (values.length === 0) continue;
    points.push({
      epoch: rows[0]!.epoch,
      iteration: rows[0]!.iteration,
      value: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      max: Math.max(...values),
      seeds: values.length,
    });
  }
  return points;
}

export interface Reached {
  epoch: number;
  iteration: number;
}

/** The first epoch whose value is at least `target`. */
export function firstReaching(curve: readonly CurvePoint[], target: number): Reached | undefined {
  const point = curve.find((p) => p.value >= target);
  return point && { epoch: point.epoch, iteration: point.iteration };
}

/** The highest value and the epoch it was reached (the first such epoch on a tie). */
export function bestPoint(curve: readonly CurvePoint[]): CurvePoint | undefined {
  return curve.reduce<CurvePoint | undefined>((best, p) => (best === undefined || p.value > best.value ? p : best), undefined);
}

export const testAccuracy = (row: EpochMetrics) => row.testAccuracy;
export const trainAccuracy = (row: EpochMetrics) => row.trainAccuracy;
