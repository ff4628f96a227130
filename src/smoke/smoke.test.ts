import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initEngine } from '../engine/backend.ts';
import { UserError } from '../errors.ts';
import { buildNetwork } from '../nn/network.ts';
import type { CellSpec } from '../suite/index.ts';
import { formatSmokeTable, smokeCell } from './index.ts';

const cell: CellSpec = {
  id: 'simple-mnist.mnist-mini.constant',
  network: 'simple-mnist',
  dataset: 'mnist-mini',
  policy: { name: 'constant', lr: 0.05 },
  momentum: 0.9,
  epochs: 2,
  batchSize: 100,
  seed: 1,
  weightDecay: 5e-4,
  augment: true,
  divergenceFactor: 4,
};

test('a smoke run trains the cell at its data set shape and extrapolates the memory of its batch', async () => {
  await initEngine('wasm');
  const result = await smokeCell(cell, 3);
  const network = buildNetwork('simple-mnist', [28, 28, 1], 10, 1);
  assert.is(result.parameters, network.params.count);
  assert.is(result.trainingFlopsPerImage, 6 * network.macsPerImage);
  network.dispose();
  assert.equal(result.inputShape, [28, 28, 1]);
  assert.is(result.classes, 10);
  assert.ok(result.secondsPerIteration > 0 && Number.isFinite(result.imagesPerSecond));
  assert.ok(result.peakTensorBytes > 0);
  // Linear in the batch: more than the smoke batch's peak at 100 images, exactly it at 3.
  assert.ok(result.estimatedBytesAtBatch > result.peakTensorBytes);
  const atSmokeBatch = await smokeCell({ ...cell, batchSize: 3 }, 3);
  assert.ok(Math.abs(atSmokeBatch.estimatedBytesAtBatch - atSmokeBatch.peakTensorBytes) < 1e-6 * atSmokeBatch.peakTensorBytes);
  assert.match(formatSmokeTable([result]), /simple-mnist\.mnist-mini\.constant\s+28x28x1\/10/);
});

test('a smoke batch below 2 is refused: the estimate needs two batch sizes', async () => {
  try {
    await smokeCell(cell, 1);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, UserError);
    assert.match((error as Error).message, '--smoke-batch: must be an integer >= 2');
  }
});

test.run();
