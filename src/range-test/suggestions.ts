// What a range-test curve suggests, each value with the rule that picked it in words (the report prints the rule).
import type { RangeTestPoint, RangeTestSuggestion, RangeTestSuggestions } from '../results/range-test.ts';

/** The steepest-descent slope is taken between the points this fraction of the curve apart, on either side. */
export const SLOPE_HALF_WINDOW = 0.05;
/** The first points the steepest-descent search skips: the bias-corrected EMA still rests on few losses there. */
export const WARM_UP_FRACTION = 0.1;
/** The one-cycle max lr is the right edge of the valley: the smoothed loss within this fraction above its minimum. */
export const VALLEY_TOLERANCE = 0.1;
/** A sweep curve is eligible when its minimum lies at no less than the latest curve's minimum lr divided by this. */
export const SWEEP_EARLY_DIVERGENCE = Math.sqrt(10);

export const RULES = {
  minLoss: 'lr at the minimum smoothed loss',
  steepest: `lr of the steepest descent of the smoothed loss: most negative d(smoothed)/d(log10 lr) as a difference between the points ${SLOPE_HALF_WINDOW * 100}% of the curve either side, before the minimum, the first ${WARM_UP_FRACTION * 100}% skipped`,
  oneCycleMax: `one-cycle max lr: the point left of divergence, the largest lr from the minimum on whose smoothed loss stays within ${VALLEY_TOLERANCE * 100}% above the minimum (past it the loss climbs towards divergence)`,
} as const;

/** The suggestions of one curve; none when it has no finite smoothed loss. Sweep curves carry their momentum and weight decay. */
export function suggestLrs(points: readonly RangeTestPoint[], curve: { momentum?: number; weightDecay?: number } = {}): RangeTestSuggestion[] {
  const finite = points.filter((p) => Number.isFinite(p.smoothedLoss));
  if (finite.length === 0) return [];
  const min = indexOfMinimum(finite);
  const suggestions: RangeTestSuggestion[] = [
    { name: 'min-loss', lr: finite[min].lr, rule: RULES.minLoss, ...curve },
  ];
  const steepest = steepestDescent(finite.slice(0, min + 1), finite.length);
  if (steepest !== undefined) suggestions.push({ name: 'steepest', lr: finite[steepest].lr, rule: RULES.steepest, ...curve });
  suggestions.push({ name: 'one-cycle-max', lr: finite[valleyEdge(finite, min)].lr, rule: RULES.oneCycleMax, ...curve });
  return suggestions;
}

function indexOfMinimum(points: readonly RangeTestPoint[]): number {
  let best = 0;
  points.forEach((p, i) => {
    if (p.smoothedLoss < points[best].smoothedLoss) best = i;
  });
  return best;
}

/** The last index of the run of points from the minimum on whose smoothed loss is within VALLEY_TOLERANCE of it. */
function valleyEdge(points: readonly RangeTestPoint[], min: number): number {
  const limit = (1 + VALLEY_TOLERANCE) * points[min].smoothedLoss;
  let edge = min;
  while (edge + 1 < points.length && points[edge + 1].smoothedLoss <= limit) edge++;
  return edge;
}

/** Index of the most negative central-difference slope among `points` (the curve up to its minimum); `length` is the whole curve's. */
function steepestDescent(points: readonly RangeTestPoint[], length: number): number | undefined {
  const half = Math.max(1, Math.round(SLOPE_HALF_WINDOW * length));
  const first = Math.max(half, Math.ceil(WARM_UP_FRACTION * length));
  let best: number | undefined;
  let bestSlope = 0;
  for (let i = first; i + half < points.length; i++) {
    const [a, b] = [points[i - half], points[i + half]];
    const slope = (b.smoothedLoss - a.smoothedLoss) / (Math.log10(b.lr) - Math.log10(a.lr));
    if (slope < bestSlope) [best, bestSlope] = [i, slope];
  }
  return best;
}

export type SweepParameter = 'momentum' | 'weightDecay';

/** What a sweep compares its curves on: the validation loss when every curve recorded one (the paper's Figures 2 to 4), else the smoothed training loss. */
const SWEEP_MEASURES = {
  validation: { label: 'validation loss (the fixed validation sample, every step)', of: (p: RangeTestPoint) => p.validationLoss ?? NaN },
  training: { label: 'smoothed training loss', of: (p: RangeTestPoint) => p.smoothedLoss },
} as const;

export const sweepRule = (measure: keyof typeof SWEEP_MEASURES) =>
  `lowest minimum ${SWEEP_MEASURES[measure].label} among the curves whose minimum lies at an lr no less than the latest-diverging curve's / ${SWEEP_EARLY_DIVERGENCE.toPrecision(3)} (half a decade): the lowest curve that does not diverge earlier`;

/** The sweep value whose curve is lowest without diverging earlier (sweepRule); undefined when no curve has a finite loss. */
export function pickSweepValue(
  parameter: SweepParameter,
  curves: readonly { value: number; points: readonly RangeTestPoint[] }[],
): RangeTestSuggestions['sweepPick'] {
  const measure = curves.length > 0 && curves.every(({ points }) => points.length > 0 && points.every((p) => p.validationLoss !== null)) ? 'validation' : 'training';
  const loss = SWEEP_MEASURES[measure].of;
  const minima = curves.flatMap(({ value, points }) => {
    const finite = points.filter((p) => Number.isFinite(loss(p)));
    if (finite.length === 0) return [];
    const minimum = finite.reduce((a, b) => (loss(b) < loss(a) ? b : a));
    return [{ value, lr: minimum.lr, loss: loss(minimum) }];
  });
  if (minima.length === 0) return undefined;
  const latest = Math.max(...minima.map((m) => m.lr));
  const eligible = minima.filter((m) => m.lr >= latest / SWEEP_EARLY_DIVERGENCE);
  const pick = eligible.reduce((a, b) => (b.loss < a.loss ? b : a));
  return { parameter, value: pick.value, rule: sweepRule(measure) };
}
