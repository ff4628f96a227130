import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import type { EpochMetrics } from './metrics.ts';

test.before(async () => {
  await tf.setBackend('cpu');
});

const row = (epoch: number): EpochMetrics => ({
  epoch, iteration: epoch * 10, trainLoss: 1 / epoch, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.6, testTop5: 0.9,
  lr: 0.1, momentum: 0.9, epochSeconds: 1, imagesPerSecond: 100,
});

const named = (values: number[][]) => values.map((v, i) => ({ name: `t${i}`, variable: tf.variable(tf.tensor(v)) }));

test('a checkpoint restores every tensor and the history exactly', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'ckpt-')), 'checkpoint.ckpt');
  const saved = named([[1.5, -2.25, 3], [Math.PI]]);
  await saveCheckpoint(file, saved, [row(1), row(2)]);
  const restored = named([[0, 0, 0], [0]]);
  const history = await loadCheckpoint(file, restored);
  assert.equal(history, [row(1), row(2)]);
  assert.equal(Array.from(restored[0].variable.dataSync()), [1.5, -2.25, 3]);
  assert.is(restored[1].variable.dataSync()[0], Math.fround(Math.PI));
});

test('a truncated checkpoint or one for another network is refused, naming the file', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'ckpt-')), 'checkpoint.ckpt');
  await saveCheckpoint(file, named([[1, 2, 3, 4]]), [row(1)]);
  const bytes = await readFile(file);
  await writeFile(file, bytes.subarray(0, bytes.length - 4));
  try {
    await loadCheckpoint(file, named([[0, 0, 0, 0]]));
    assert.unreachable('truncated checkpoint accepted');
  } catch (error) {
    assert.match((error as Error).message, `${file}: truncated`);
  }
  await writeFile(file, bytes);
  try {
    await loadCheckpoint(file, named([[0, 0, 0]]));
    assert.unreachable('checkpoint of another shape accepted');
  } catch (error) {
    assert.match((error as Error).message, /tensor 0 is t0 \[4\], expected t0 \[3\]/);
  }
});

test.run();
