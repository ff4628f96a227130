// One evaluator for every claim a suite declares (schema.ts): each predicate is computed on each seed's runs of the
// cells it names, then the seeds are summarised. A claim is reproduced when all its predicates hold (on most seeds),
// not reproduced when one does not, not run when a cell it needs has no usable results. With several seeds, a
// predicate whose seeds disagree, or whose margin is inside the seeds' spread, marks the verdict as depending on noise.
import type { CellResult, ClaimVerdict, SuiteResults } from '../report/index.ts';
import { predicateCells, type Claim, type Predicate } from './schema.ts';

/** One seed's run of a cell a claim names. */
interface Run {
  seed: number;
  result: CellResult;
}

/** A predicate on one seed: the numbers it read (by label), how far it is from flipping, and whether it holds. */
interface SeedOutcome {
  values: Map<string, number>;
  /** >= 0 when it holds; in pp or iterations; infinite when a cell never reached an accuracy. */
  margin: number;
  holds: boolean;
}

/** The value label of `fails` that says whether the run diverged (1) or not (0). */
const DIVERGED = '(diverged)';

/** A predicate over all seeds. */
type PredicateOutcome =
  | { kind: 'missing'; evidence: string }
  | { kind: 'evaluated'; holds: boolean; evidence: string; noise?: string };

export function evaluateClaims(claims: readonly Claim[], results: SuiteResults): ClaimVerdict[] {
  return claims.map((claim) => evaluateClaim(claim, results.cells));
}

export function evaluateClaim(claim: Claim, cells: readonly CellResult[]): ClaimVerdict {
  const outcomes = claim.all.map((predicate) => evaluatePredicate(predicate, cells));
  const evidence = outcomes.map((o) => o.evidence).join('; ');
  const noise = outcomes.flatMap((o) => (o.kind === 'evaluated' && o.noise ? [o.noise] : [])).join('; ');
  const verdict = outcomes.some((o) => o.kind === 'missing')
    ? 'not run'
    : outcomes.every((o) => o.kind === 'evaluated' && o.holds)
      ? 'reproduced'
      : 'not reproduced';
  return { id: claim.id, statement: claim.statement, verdict, evidence, ...(noise && verdict !== 'not run' ? { noise } : {}) };
}

/**
 * The runs of the written cell `id`: the cell itself, or its matrix copies over seeds (`<id>.seed-<n>`). A cell
 * whose other matrix fields vary too is not a run of `id`: a claim compares like with like.
 */
export function runsOf(id: string, cells: readonly CellResult[]): Run[] {
  const pattern = new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.seed-\\d+)?$`);
  return cells.filter((c) => pattern.test(c.cell.id)).map((result) => ({ seed: result.cell.seed, result }));
}

/** A run has what a predicate needs: the epochs up to `byEpoch`, or a finished (completed or diverged) run. */
function usable(run: Run, byEpoch: number | undefined): boolean {
  const { outcome, metrics } = run.result;
  if (outcome === 'diverged') return true;
  return byEpoch === undefined ? outcome === 'completed' : metrics.length >= byEpoch;
}

function evaluatePredicate(predicate: Predicate, cells: readonly CellResult[]): PredicateOutcome {
  const byEpoch = 'byEpoch' in predicate ? predicate.byEpoch : undefined;
  const names = [...new Set(predicateCells(predicate).map((ref) => ref.cell))];
  const runs = new Map(names.map((name) => [name, runsOf(name, cells).filter((run) => usable(run, byEpoch))]));
  const seeds = [...new Set(runs.get(names[0]!)!.map((run) => run.seed))].filter((seed) => names.every((name) => runs.get(name)!.some((r) => r.seed === seed)));
  if (seeds.length === 0) {
    const lacking = names.filter((name) => runs.get(name)!.length === 0);
    const what = byEpoch === undefined ? 'no finished run' : `no run with ${byEpoch} epochs`;
    return { kind: 'missing', evidence: lacking.length ? `${lacking.join(', ')}: ${what}` : `${names.join(', ')}: no seed run for all of them` };
  }
  const perSeed = seeds.sort((a, b) => a - b).map((seed) => {
    const run = (name: string) => runs.get(name)!.find((r) => r.seed === seed)!.result;
    return evaluateOnSeed(predicate, run);
  });
  return summarize(predicate, perSeed, seeds);
}

/** Test accuracy in percent: the best up to `byEpoch` (or the final one there); 0 for a run with no finished epoch. */
function accuracy(result: CellResult, byEpoch: number | undefined, measure: 'best' | 'final'): number {
  const rows = byEpoch === undefined ? result.metrics : result.metrics.slice(0, byEpoch);
  if (rows.length === 0) return 0;
  return 100 * (measure === 'best' ? Math.max(...rows.map((r) => r.testAccuracy)) : rows.at(-1)!.testAccuracy);
}

/** Iterations at the end of the first epoch whose test accuracy reaches `target` percent; Infinity when none does. */
function iterationsToReach(result: CellResult, target: number): number {
  return result.metrics.find((r) => 100 * r.testAccuracy >= target)?.iteration ?? Infinity;
}

function evaluateOnSeed(predicate: Predicate, run: (name: string) => CellResult): SeedOutcome {
  switch (predicate.kind) {
    case 'beats': {
      const acc = (name: string) => accuracy(run(name), predicate.byEpoch, predicate.measure);
      const values = new Map([predicate.cell, ...predicate.others].map((name) => [name, acc(name)]));
      const margin = Math.min(...predicate.others.map((other) => acc(predicate.cell) - acc(other) - predicate.margin));
      return { values, margin, holds: margin >= 0 };
    }
    case 'close': {
      const [a, b] = predicate.cells.map((name) => accuracy(run(name), predicate.byEpoch, predicate.measure)) as [number, number];
      const margin = predicate.tolerance - Math.abs(a - b);
      return { values: new Map([[predicate.cells[0], a], [predicate.cells[1], b]]), margin, holds: margin >= 0 };
    }
    case 'reaches': {
      const best = accuracy(run(predicate.cell), predicate.byEpoch, 'best');
      const margin = best - (predicate.accuracy - predicate.tolerance);
      return { values: new Map([[predicate.cell, best]]), margin, holds: margin >= 0 };
    }
    case 'fails': {
      const result = run(predicate.cell);
      const best = accuracy(result, undefined, 'best');
      const margin = predicate.below - best;
      const diverged = result.outcome === 'diverged';
      return { values: new Map([[predicate.cell, best], [DIVERGED, diverged ? 1 : 0]]), margin, holds: diverged || margin > 0 };
    }
    case 'sooner': {
      const a = iterationsToReach(run(predicate.cell), predicate.accuracy);
      const b = iterationsToReach(run(predicate.than), predicate.accuracy);
      const margin = a === Infinity ? -Infinity : b - predicate.factor * a;
      return { values: new Map([[predicate.cell, a], [predicate.than, b]]), margin, holds: margin >= 0 };
    }
  }
}

function summarize(predicate: Predicate, perSeed: readonly SeedOutcome[], seeds: readonly number[]): PredicateOutcome {
  const held = perSeed.filter((o) => o.holds).length;
  const holds = held > perSeed.length / 2;
  const show = (label: string) => spread(perSeed.map((o) => o.values.get(label)!), predicate.kind === 'sooner' ? 'iterations' : '%');
  let evidence = describe(predicate, show, perSeed);
  const noises: string[] = [];
  if (perSeed.length > 1) {
    evidence += ` [seeds ${seeds.join(', ')}]`;
    if (held > 0 && held < perSeed.length) noises.push(`holds on ${held} of ${perSeed.length} seeds`);
    const margins = perSeed.map((o) => o.margin);
    if (margins.every(Number.isFinite)) {
      const { mean, sd } = meanAndSd(margins);
      if (held === perSeed.length || held === 0) {
        if (Math.abs(mean) <= sd) noises.push(`margin ${signed(mean)} is within the seeds' spread (sd ${sd.toFixed(2)})`);
      }
    }
  }
  return { kind: 'evaluated', holds, evidence: `${evidence}: ${holds ? 'holds' : 'fails'}`, ...(noises.length ? { noise: `depends on noise: ${noises.join(', ')}` } : {}) };
}

function describe(predicate: Predicate, show: (label: string) => string, perSeed: readonly SeedOutcome[]): string {
  const by = (byEpoch: number | undefined, measure: 'best' | 'final') => `${measure}${byEpoch === undefined ? '' : ` by epoch ${byEpoch}`}`;
  switch (predicate.kind) {
    case 'beats':
      return `${predicate.cell} ${show(predicate.cell)} vs ${predicate.others.map((o) => `${o} ${show(o)}`).join(', ')} (${by(predicate.byEpoch, predicate.measure)}, needs a lead of ${signed(predicate.margin)} pp)`;
    case 'close':
      return `${predicate.cells[0]} ${show(predicate.cells[0])} vs ${predicate.cells[1]} ${show(predicate.cells[1])} (${by(predicate.byEpoch, predicate.measure)}, within ${predicate.tolerance} pp)`;
    case 'reaches':
      return `${predicate.cell} ${show(predicate.cell)} (${by(predicate.byEpoch, 'best')}, needs ${predicate.accuracy} % - ${predicate.tolerance} pp)`;
    case 'fails': {
      const diverged = perSeed.filter((o) => o.values.get(DIVERGED) === 1).length;
      return `${predicate.cell} best ${show(predicate.cell)} (fails if diverged or below ${predicate.below} %${diverged ? `, diverged on ${diverged} seed(s)` : ''})`;
    }
    case 'sooner':
      return `iterations to ${predicate.accuracy} %: ${predicate.cell} ${show(predicate.cell)} vs ${predicate.than} ${show(predicate.than)} (needs ${predicate.factor}x fewer)`;
  }
}

/** `91.20 %` for one seed; `91.20 ± 0.30 % (90.90 to 91.50)` for several. */
function spread(values: readonly number[], unit: '%' | 'iterations'): string {
  const one = (x: number) => (x === Infinity ? 'never' : unit === '%' ? x.toFixed(2) : String(x));
  const suffix = unit === '%' ? ' %' : '';
  if (values.length === 1) return values[0] === Infinity ? 'never' : `${one(values[0]!)}${suffix}`;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (!values.every(Number.isFinite)) return `${one(min)} to ${one(max)}${suffix}`;
  const { mean, sd } = meanAndSd(values);
  return `${one(mean)} ± ${sd.toFixed(2)}${suffix} (${one(min)} to ${one(max)})`;
}

/** Mean and sample standard deviation. */
export function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${Number(x.toFixed(2))}`;
