import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { epochBatches } from '../data/batches.ts';
import { loadDatasetByName } from '../data/registry.ts';
import { initEngine } from '../engine/backend.ts';
import { buildNetwork } from '../nn/network.ts';
import { parseNumericCsv } from '../results/csv.ts';
import { curveCsv, parseSuggestions, RANGE_TEST_COLUMNS, rangeTestFiles } from '../results/range-test.ts';
import { trainStep } from '../train/loop.ts';
import { MomentumSgd } from '../train/sgd.ts';
import type { RangeTestSpec } from '../suite/range-tests.ts';
import { executeRangeTest } from './execute.ts';
import { RANGE_TEST_DEFAULTS, runRangeTest, type RangeTestSettings } from './range-test.ts';
import { suggestLrs } from './suggestions.ts';

test.before(async () => {
  await initEngine('wasm');
});

const SETTINGS: RangeTestSettings = {
  ...RANGE_TEST_DEFAULTS, minLr: 1e-3, maxLr: 1, iterations: 6, momentum: 0.9, weightDecay: 5e-4, batchSize: 32, seed: 2, augmentations: [],
};

async function setup() {
  const dataset = await loadDatasetByName('mnist-mini');
  const network = buildNetwork('simple-mnist', dataset.train.shape, 10, 4);
  const optimizer = new MomentumSgd(network.params.trainable);
  return { dataset, network, optimizer, dispose: () => (optimizer.dispose(), network.dispose()) };
}

const values = (vars: readonly tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

test('a range test restores weights, batch-norm statistics and velocities, and leaks no tensors', async () => {
  const { dataset, network, optimizer, dispose } = await setup();
  // One real step first, so the velocities and moving statistics are not their initial values.
  const batch = epochBatches(dataset.train, { batchSize: 32, seed: 9, epoch: 1, normalization: dataset.normalization, augmentations: [] }).next().value!;
  trainStep(network, optimizer, 5e-4, batch, 0.05, 0.9).dispose();
  tf.dispose([batch.x, batch.labels]);
  const all = [...network.params.all.map((p) => p.variable), ...optimizer.velocities];
  const before = values(all);
  const tensors = tf.memory().numTensors;
  const curve = await runRangeTest(network, optimizer, dataset, { ...SETTINGS, validationSamples: 50 });
  assert.equal(curve.points.length, 6);
  assert.ok(curve.points.every((p) => p.validationLoss !== null && Number.isFinite(p.validationLoss)));
  assert.equal(values(all), before);
  assert.ok(network.params.all.some((p) => !p.trainable), 'the network has batch-norm statistics');
  assert.equal(tf.memory().numTensors, tensors);
  dispose();
});

test('the test stops at the step whose smoothed loss exceeds 4x the best, and records that step', async () => {
  const { dataset, network, optimizer, dispose } = await setup();
  const curve = await runRangeTest(network, optimizer, dataset, { ...SETTINGS, minLr: 1, maxLr: 1e4, iterations: 40 });
  dispose();
  assert.match(curve.stoppedBecause ?? '', /exceeds 4 x the best|loss is (NaN|Infinity)/);
  const last = curve.points.at(-1)!;
  const best = Math.min(...curve.points.slice(0, -1).map((p) => p.smoothedLoss));
  assert.ok(!Number.isFinite(last.loss) || last.smoothedLoss > 4 * best);
  assert.ok(curve.points.slice(0, -1).every((p, i) => Number.isFinite(p.loss) && p.smoothedLoss <= 4 * Math.min(...curve.points.slice(0, i + 1).map((q) => q.smoothedLoss))));
  assert.ok(curve.points.length < 40);
});

test('a loss that is NaN from the first step ends the test with a reason, a readable curve and no suggestion', async () => {
  const { dataset, network, optimizer, dispose } = await setup();
  const kernel = network.params.all.find((p) => p.decayed)!.variable;
  kernel.assign(tf.fill(kernel.shape, NaN));
  const curve = await runRangeTest(network, optimizer, dataset, SETTINGS);
  dispose();
  assert.equal(curve.points.length, 1);
  assert.match(curve.stoppedBecause ?? '', /^loss is NaN at iteration 0/);
  assert.equal(suggestLrs(curve.points), []);
  const rows = parseNumericCsv(curveCsv(curve.points), 'curve', RANGE_TEST_COLUMNS, ['validationLoss']);
  assert.equal(rows.length, 1);
  assert.ok(Number.isNaN(rows[0].loss));
});

test('a momentum sweep: curves from the same weights and data order, files the report reads, skipped on re-run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'range-test-'));
  const spec: RangeTestSpec = {
    id: 'sweep', network: 'simple-mnist', dataset: 'mnist-mini', minLr: 1e-3, maxLr: 1, scale: 'exp', iterations: 4, epochs: 1,
    momentum: 0.9, weightDecay: 5e-4, batchSize: 32, seed: 3, validationSamples: 0, augment: false, stopFactor: 4,
    sweep: { parameter: 'momentum', values: [0.5, 0.9, 0.99] },
  };
  const files = rangeTestFiles(dir);
  const run = await executeRangeTest(spec, files, () => {});
  assert.equal(run.skipped, false);
  const rows = parseNumericCsv(await readFile(files.curve, 'utf8'), files.curve, RANGE_TEST_COLUMNS, ['validationLoss']);
  assert.equal(rows.length, 12);
  const curves = [0.5, 0.9, 0.99].map((m) => rows.filter((r) => r.momentum === m));
  // Momentum first acts on the second step's update: equal first losses mean equal weights and the same first batch.
  assert.equal(new Set(curves.map((c) => c[0].loss)).size, 1);
  assert.equal(new Set(curves.map((c) => c[1].loss)).size, 1, 'the second step differs only by -lr*g, the same for every momentum');
  assert.equal(new Set(curves.map((c) => c[2].loss)).size, 3);
  const suggestions = parseSuggestions(await readFile(files.suggestions, 'utf8'), files.suggestions);
  assert.equal(suggestions.sweepPick?.parameter, 'momentum');
  assert.equal(suggestions.suggestions.filter((s) => s.name === 'min-loss').map((s) => s.momentum), [0.5, 0.9, 0.99]);
  assert.equal((await executeRangeTest(spec, files, () => {})).skipped, true);
  const changed = await executeRangeTest({ ...spec, seed: 4 }, files, () => {}).then(() => undefined, (error: Error) => error.message);
  assert.match(changed ?? 'ran', /another configuration/);
});

test.run();
