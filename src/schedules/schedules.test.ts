// Values that can be checked by hand; reference.test.ts covers the exact agreement with PyTorch and Keras.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSchedule, parsePolicy, type Schedule } from './index.ts';

const scheduleOf = (json: unknown, totalIterations: number): Schedule => makeSchedule(parsePolicy(json, 'test'), totalIterations);

function assertValue(schedule: Schedule, iteration: number, lr: number, momentum?: number): void {
  const value = schedule(iteration);
  assert.ok(Math.abs(value.lr - lr) <= 1e-12, `lr at ${iteration}: ${value.lr}, expected ${lr}`);
  if (momentum === undefined) assert.is(value.momentum, undefined);
  else assert.ok(Math.abs(value.momentum! - momentum) <= 1e-12, `momentum at ${iteration}: ${value.momentum}, expected ${momentum}`);
}

test('constant: same lr every step, momentum only when given', () => {
  const plain = scheduleOf({ name: 'constant', lr: 0.04 }, 10);
  assert.equal(plain(0), { lr: 0.04 });
  assert.equal(plain(9), { lr: 0.04 });
  assert.equal(scheduleOf({ name: 'constant', lr: 0.04, momentum: 0.9 }, 10)(3), { lr: 0.04, momentum: 0.9 });
});

test('triangular: baseLr at 0, maxLr at stepSize, baseLr at 2 * stepSize; momentum inverse', () => {
  const schedule = scheduleOf({ name: 'cyclical', baseLr: 0.1, maxLr: 0.5, stepSize: 4, baseMomentum: 0.8, maxMomentum: 0.9 }, 100);
  assertValue(schedule, 0, 0.1, 0.9);
  assertValue(schedule, 2, 0.3, 0.85);
  assertValue(schedule, 4, 0.5, 0.8);
  assertValue(schedule, 6, 0.3, 0.85);
  assertValue(schedule, 8, 0.1, 0.9);
  assertValue(schedule, 12, 0.5, 0.8);
});

test('triangular2 halves the amplitude each cycle; exp_range scales it by gamma^iteration', () => {
  const halving = scheduleOf({ name: 'cyclical', baseLr: 0.1, maxLr: 0.5, stepSize: 4, mode: 'triangular2' }, 100);
  assertValue(halving, 4, 0.5);
  assertValue(halving, 12, 0.3);
  assertValue(halving, 20, 0.2);
  const decaying = scheduleOf({ name: 'cyclical', baseLr: 0.1, maxLr: 0.5, stepSize: 4, mode: 'exp_range', gamma: 0.9 }, 100);
  assertValue(decaying, 4, 0.1 + 0.4 * 0.9 ** 4);
  assertValue(decaying, 12, 0.1 + 0.4 * 0.9 ** 12);
});

test('one-cycle (keras): 0.1 maxLr -> maxLr -> 0.1 maxLr over 90 % of 100 steps, then down to 0.001 maxLr', () => {
  // mid cycle = trunc(100 * 0.9 / 2) = 45
  const schedule = scheduleOf({ name: 'one-cycle', maxLr: 1 }, 100);
  assertValue(schedule, 0, 0.1, 0.95);
  assertValue(schedule, 45, 1, 0.85);
  assertValue(schedule, 90, 0.1, 0.95);
  assertValue(schedule, 95, 0.1 * (1 - 0.5 * 0.99), 0.95);
  // Past the cycle clr.py's counter wraps to 1, not 0: step 100 trains at the cycle's end, step 101 at its step 1.
  assertValue(schedule, 100, 0.001, 0.95);
  assert.equal(schedule(101), schedule(1));
});

test('one-cycle-cosine (PyTorch): maxLr/25 -> maxLr at pctStart, then maxLr/25/1e4 at the last step', () => {
  const schedule = scheduleOf({ name: 'one-cycle-cosine', maxLr: 1 }, 100);
  assertValue(schedule, 0, 0.04, 0.95);
  assertValue(schedule, 29, 1, 0.85);
  assertValue(schedule, 99, 0.04 / 1e4, 0.95);
  const threePhase = scheduleOf({ name: 'one-cycle-cosine', maxLr: 1, threePhase: true, anneal: 'linear' }, 100);
  assertValue(threePhase, 29, 1, 0.85);
  assertValue(threePhase, 58, 0.04, 0.95);
  assertValue(threePhase, 99, 0.04 / 1e4, 0.95);
  assert.throws(() => schedule(100), RangeError);
});

test('iterations must be non-negative integers', () => {
  const schedule = scheduleOf({ name: 'constant', lr: 0.1 }, 10);
  assert.throws(() => schedule(-1), RangeError);
  assert.throws(() => schedule(1.5), RangeError);
});

test.run();
