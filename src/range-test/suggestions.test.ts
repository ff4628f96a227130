import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RangeTestPoint } from '../results/range-test.ts';
import { rampLr } from './lr-ramp.ts';
import { LossSmoother } from './smoothing.ts';
import { pickSweepValue, suggestLrs } from './suggestions.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected}`);

test('the smoothed loss is the bias-corrected EMA (beta 0.98), checked against hand-computed values', () => {
  const smoother = new LossSmoother(0.98);
  // avg = 0.04 -> /0.02; avg = 0.98*0.04 + 0.02*1 = 0.0592 -> /0.0396; avg = 0.98*0.0592 + 0.02*4 = 0.138016 -> /0.058808
  close(smoother.add(2), 2);
  close(smoother.add(1), 0.0592 / 0.0396);
  close(smoother.add(4), 0.138016 / 0.058808);
});

test('the lr ramp goes from min to max, geometric or linear', () => {
  close(rampLr(0, 5, 1e-4, 1, 'exp'), 1e-4);
  close(rampLr(2, 5, 1e-4, 1, 'exp'), 1e-2, 1e-12);
  close(rampLr(4, 5, 1e-4, 1, 'exp'), 1);
  close(rampLr(2, 5, 0.1, 0.5, 'linear'), 0.3);
});

/** A curve over log10 lr in [-5, 1], step 0.05: steepest at -3 (tanh's inflection), minimum at -1, then a parabola up. */
function syntheticCurve(shift = 0, lift = 0): RangeTestPoint[] {
  return Array.from({ length: 121 }, (_, i) => {
    const x = Number((-5 + 0.05 * i).toFixed(2));
    const smoothedLoss = lift + 2 - Math.tanh(2 * (x - shift + 3)) + 5 * Math.max(0, x - shift + 1) ** 2;
    return { iteration: i, lr: 10 ** x, momentum: 0.9, weightDecay: 0, loss: smoothedLoss, smoothedLoss, validationLoss: null };
  });
}

test('suggestions on a synthetic curve with known answers', () => {
  const byName = Object.fromEntries(suggestLrs(syntheticCurve()).map((s) => [s.name, s]));
  close(byName['min-loss'].lr, 10 ** -1, 1e-12);
  close(byName.steepest.lr, 10 ** -3, 1e-12);
  // Within 10% above the minimum (1.00067): 5 d^2 <= 0.1001 -> d <= 0.1415, so the last grid point is -0.9.
  close(byName['one-cycle-max'].lr, 10 ** -0.9, 1e-12);
  for (const s of Object.values(byName)) assert.ok(s.rule.length > 20, `rule of ${s.name} is named`);
});

test('a curve without a finite smoothed loss suggests nothing; sweep curves carry their value', () => {
  const nan = syntheticCurve().map((p) => ({ ...p, smoothedLoss: NaN }));
  assert.equal(suggestLrs(nan), []);
  assert.ok(suggestLrs(syntheticCurve(), { momentum: 0.95 }).every((s) => s.momentum === 0.95));
});

test('the sweep pick is the lowest curve among those that do not diverge earlier', () => {
  const curves = [
    { value: 1e-3, points: syntheticCurve(-2, -0.5) }, // lowest, but its minimum is two decades early
    { value: 1e-4, points: syntheticCurve(0, 0.2) },
    { value: 1e-5, points: syntheticCurve(0.2, 0.1) },
    { value: 1e-6, points: syntheticCurve().map((p) => ({ ...p, smoothedLoss: NaN })) },
  ];
  assert.equal(pickSweepValue('weightDecay', curves)?.value, 1e-5);
  assert.equal(pickSweepValue('momentum', [{ value: 0.9, points: curves[3].points }]), undefined);
  assert.match(pickSweepValue('weightDecay', curves)!.rule, 'lowest minimum smoothed training loss');
});

test('with a validation loss on every curve, the sweep picks on it, not on the training loss', () => {
  // Training loss says 1e-4 (lower); the validation loss says 1e-5 (1e-4 overfits).
  const withValidation = (points: RangeTestPoint[], offset: number) => points.map((p) => ({ ...p, validationLoss: p.smoothedLoss + offset }));
  const curves = [
    { value: 1e-4, points: withValidation(syntheticCurve(0, -0.3), 0.6) },
    { value: 1e-5, points: withValidation(syntheticCurve(0, 0), 0) },
  ];
  const pick = pickSweepValue('weightDecay', curves)!;
  assert.is(pick.value, 1e-5);
  assert.match(pick.rule, 'lowest minimum validation loss');
  const oneWithout = [curves[0]!, { ...curves[1]!, points: syntheticCurve(0, 0) }];
  assert.is(pickSweepValue('weightDecay', oneWithout)!.value, 1e-4, 'falls back to the training loss when a curve has no validation loss');
});

test.run();
