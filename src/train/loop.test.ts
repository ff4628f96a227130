import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDatasetByName } from '../data/registry.ts';
import { initEngine } from '../engine/backend.ts';
import { buildNetwork } from '../nn/network.ts';
import { makeSchedule } from '../schedules/index.ts';
import { divergenceGuard, scheduleCallback } from './callbacks.ts';
import { loadCheckpoint, saveCheckpoint } from '../results/checkpoint.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import type { StepRecord } from '../results/steps.ts';
import { train, type TrainingCallback } from './loop.ts';
import { MomentumSgd } from './sgd.ts';

test.before(async () => {
  await initEngine('wasm');
});

/** A fresh simple-mnist network and optimizer on mnist-mini, trained with a constant policy. */
async function setup(lr: number, extra: TrainingCallback[] = []) {
  const dataset = await loadDatasetByName('mnist-mini');
  const network = buildNetwork('simple-mnist', dataset.train.shape, 10, 3);
  const optimizer = new MomentumSgd(network.params.trainable);
  const schedule = makeSchedule({ name: 'constant', lr, momentum: 0.9 }, 1000);
  const state = [
    ...network.params.all.map(({ name, variable }) => ({ name, variable })),
    ...optimizer.velocities.map((variable, i) => ({ name: `v${i}`, variable })),
  ];
  const base = {
    network, optimizer, dataset, batchSize: 64, seed: 5, weightDecay: 5e-4, augmentations: [],
    callbacks: [scheduleCallback(schedule, 0.9), divergenceGuard(4, 10), ...extra],
  };
  return { base, state, dispose: () => (optimizer.dispose(), network.dispose()) };
}

const learned = (m: EpochMetrics) => ({ ...m, epochSeconds: 0, imagesPerSecond: 0 });

test('a seeded run learns, is reproducible, and keeps its tensor count flat', async () => {
  const tensorsAfterEpoch: number[] = [];
  const count: TrainingCallback = { onEpochEnd: () => void tensorsAfterEpoch.push(tf.memory().numTensors) };
  const first = await setup(0.05, [count]);
  const a = await train({ ...first.base, epochs: 3 });
  first.dispose();
  const second = await setup(0.05);
  const b = await train({ ...second.base, epochs: 3 });
  second.dispose();

  assert.is(a.stoppedBecause, undefined);
  assert.is(a.history.length, 3);
  // Batch-norm moving statistics (momentum 0.99) lag behind after 48 steps, so test accuracy trails train accuracy here.
  assert.ok(a.history[2].trainAccuracy > 0.8, `train accuracy after 3 epochs on 1,000 digits: ${a.history[2].trainAccuracy}`);
  assert.ok(a.history[2].testAccuracy > 0.5, `test accuracy after 3 epochs on 1,000 digits: ${a.history[2].testAccuracy}`);
  assert.ok(a.history[2].trainLoss < a.history[0].trainLoss);
  assert.equal(b.history.map(learned), a.history.map(learned), 'same seed, same backend, same data: same metrics');
  assert.is(tensorsAfterEpoch[2], tensorsAfterEpoch[0], `tensors after each epoch: ${tensorsAfterEpoch}`);
  assert.is(a.history[2].iteration, 3 * 16);
});

test('training resumed from a checkpoint gives exactly the metrics of an uninterrupted run', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'loop-')), 'checkpoint.ckpt');
  const straight = await setup(0.05);
  const uninterrupted = await train({ ...straight.base, epochs: 2 });
  straight.dispose();

  const before = await setup(0.05);
  const firstEpoch = await train({ ...before.base, epochs: 1 });
  await saveCheckpoint(file, before.state, firstEpoch.history);
  before.dispose();
  const after = await setup(0.05);
  const history = await loadCheckpoint(file, after.state);
  const resumed = await train({ ...after.base, epochs: 2, history });
  after.dispose();
  assert.equal(resumed.history.map(learned), uninterrupted.history.map(learned));
});

test('every step is recorded once, in order, with the lr and momentum it used', async () => {
  const records: StepRecord[] = [];
  const run = await setup(0.05, [{ onStepsRead: (read) => void records.push(...read) }]);
  const outcome = await train({ ...run.base, epochs: 2 });
  run.dispose();
  assert.equal(records.map((r) => r.iteration), Array.from({ length: 2 * 16 }, (_, i) => i));
  assert.ok(records.every((r) => r.lr === 0.05 && r.momentum === 0.9 && Number.isFinite(r.loss)));
  const meanLoss = records.slice(16).reduce((sum, r) => sum + r.loss, 0) / 16;
  assert.ok(Math.abs(meanLoss - outcome.history[1].trainLoss) < 0.05, `mean of epoch 2's batch losses ${meanLoss} vs ${outcome.history[1].trainLoss}`);
});

test('the loop gives the metrics recorded before it read losses back in intervals (wasm, one-cycle, seed 5)', async () => {
  const dataset = await loadDatasetByName('mnist-mini');
  const network = buildNetwork('simple-mnist', dataset.train.shape, 10, 3);
  const optimizer = new MomentumSgd(network.params.trainable);
  const schedule = makeSchedule({ name: 'one-cycle', maxLr: 0.5, endPercentage: 0.1, scalePercentage: null, maxMomentum: 0.9, minMomentum: 0.85 }, 32);
  const outcome = await train({
    network, optimizer, dataset, batchSize: 64, seed: 5, weightDecay: 5e-4, augmentations: [], epochs: 2,
    callbacks: [scheduleCallback(schedule, 0.9), divergenceGuard(4, 10)],
  });
  optimizer.dispose();
  network.dispose();
  // Recorded with the loop that read every step's loss back synchronously: the same float32 values, summed in the same order.
  assert.equal(outcome.history.map(learned), [
    { epoch: 1, iteration: 16, trainLoss: 2.0880773792266845, trainAccuracy: 0.322, testLoss: 4.072766004562378, testAccuracy: 0.192, testTop5: 0.828, lr: 0.4678571428571429, momentum: 0.8535714285714285, epochSeconds: 0, imagesPerSecond: 0 },
    { epoch: 2, iteration: 32, trainLoss: 1.0532559423446655, trainAccuracy: 0.675, testLoss: 2.3029583244323732, testAccuracy: 0.516, testTop5: 0.858, lr: 0.012874999999999998, momentum: 0.9, epochSeconds: 0, imagesPerSecond: 0 },
  ]);
});

test('every step reaches onBatchEnd once, in order, with its own lr, before its epoch ends', async () => {
  const seen: { iteration: number; lr: number; epoch: number }[] = [];
  const epochsEnded: number[] = [];
  const run = await setup(0.05, [
    { onBatchBegin: (step) => void (step.lr = 0.01 * (step.iteration + 1)) },
    { onBatchEnd: (step) => void seen.push({ iteration: step.iteration, lr: step.lr, epoch: step.epoch }), onEpochEnd: () => void epochsEnded.push(seen.length) },
  ]);
  await train({ ...run.base, epochs: 2 });
  run.dispose();
  assert.equal(seen.map((s) => s.iteration), Array.from({ length: 32 }, (_, i) => i));
  assert.ok(seen.every((s) => Math.abs(s.lr - 0.01 * (s.iteration + 1)) < 1e-12));
  assert.equal(epochsEnded, [16, 32]);
});

test('a diverging run stops with the reason and keeps the epochs it finished', async () => {
  const run = await setup(1e4);
  const outcome = await train({ ...run.base, epochs: 2 });
  run.dispose();
  assert.match(outcome.stoppedBecause ?? '', /^diverged: loss .* at epoch 1, iteration \d+$/);
  assert.is(outcome.history.length, 0);
});

test.run();
