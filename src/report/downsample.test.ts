import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeSchedule } from '../schedules/index.ts';
import { downsampleForDrawing } from './downsample.ts';

interface Point {
  iteration: number;
  lr: number;
}

/** The lr of every step of a policy, as a step log holds it. */
function lrCurve(policy: Parameters<typeof makeSchedule>[0], iterations: number): Point[] {
  const schedule = makeSchedule(policy, iterations);
  return Array.from({ length: iterations }, (_, iteration) => ({ iteration, lr: schedule(iteration).lr }));
}

const thin = (points: readonly Point[], buckets: number) => downsampleForDrawing(points, (p) => p.iteration, (p) => p.lr, buckets);

/** Per bucket: the first and last point and the lowest and highest value, as a line drawn at that resolution needs them. */
function bucketExtremes(points: readonly Point[], total: number, buckets: number) {
  const extremes = new Map<number, { first: number; last: number; low: number; high: number }>();
  for (const p of points) {
    const bucket = Math.min(buckets - 1, Math.floor((p.iteration / (total - 1)) * buckets));
    const e = extremes.get(bucket);
    if (!e) extremes.set(bucket, { first: p.iteration, last: p.iteration, low: p.lr, high: p.lr });
    else Object.assign(e, { last: p.iteration, low: Math.min(e.low, p.lr), high: Math.max(e.high, p.lr) });
  }
  return extremes;
}

test('a one-cycle schedule of 80,155 steps keeps, per bucket, its extremes; the annihilation phase and the peak stay exact', () => {
  const total = 80_155;
  const curve = lrCurve({ name: 'one-cycle', maxLr: 1, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.95, minMomentum: 0.85 }, total);
  const kept = thin(curve, 420);
  assert.ok(kept.length <= 4 * 420, `${kept.length} points`);
  assert.ok(kept.every((p, i) => i === 0 || p.iteration > kept[i - 1]!.iteration), 'in order, no repeats');
  const full = bucketExtremes(curve, total, 420);
  const thinned = bucketExtremes(kept, total, 420);
  for (const [bucket, e] of full) assert.equal({ low: thinned.get(bucket)?.low, high: thinned.get(bucket)?.high }, { low: e.low, high: e.high }, `bucket ${bucket}`);
  const peak = curve.reduce((a, b) => (b.lr > a.lr ? b : a));
  assert.ok(kept.some((p) => p.iteration === peak.iteration), `the peak at iteration ${peak.iteration}`);
  assert.equal(kept.at(-1), curve.at(-1));
  const annihilation = kept.filter((p) => p.iteration >= 0.9 * total);
  assert.ok(annihilation.length >= 40, `${annihilation.length} points in the last 10 %`);
});

test('a cyclical schedule keeps every turning point; a constant one is its two ends', () => {
  const total = 6256;
  const curve = lrCurve({ name: 'cyclical', baseLr: 0.01, maxLr: 0.04, stepSize: 1564, mode: 'triangular', gamma: 1 }, total);
  const kept = thin(curve, 420);
  for (const turn of [0, 1564, 3128, 4692]) assert.ok(kept.some((p) => p.iteration === turn && p.lr === curve[turn]!.lr), `turning point at ${turn}`);
  assert.equal(thin(lrCurve({ name: 'constant', lr: 0.05 }, total), 420), [curve[0]!, curve.at(-1)!].map((p) => ({ iteration: p.iteration, lr: 0.05 })));
});

test('short curves are kept whole', () => {
  const curve = lrCurve({ name: 'constant', lr: 0.05 }, 2);
  assert.equal(thin(curve, 420), curve);
  assert.equal(thin([], 420), []);
});

test.run();
