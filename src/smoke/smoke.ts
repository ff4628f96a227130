// Smoke mode: every cell of a suite trained for two iterations on random data of the cell's real shapes, so a
// shape or memory mistake in any cell shows up in minutes on any backend instead of hours into a GPU run.
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.ts';
import { buildNetwork, trainingFlopsPerImage } from '../nn/network.ts';
import { datasetDescriptor } from '../data/datasets.ts';
import type { CellSpec } from '../suite/index.ts';
import { trainStep } from '../train/loop.ts';
import { MomentumSgd } from '../train/sgd.ts';

export interface SmokeResult {
  cellId: string;
  network: string;
  inputShape: readonly [number, number, number];
  classes: number;
  parameters: number;
  /** Forward + backward of one image (trainingFlopsPerImage). */
  trainingFlopsPerImage: number;
  /** The second iteration (the first warms the backend up). */
  secondsPerIteration: number;
  imagesPerSecond: number;
  /** Highest tensor bytes (tf.memory().numBytes) during an iteration, over those held before the cell. */
  peakTensorBytes: number;
  /** The process's resident-set high-water mark so far (it never falls: the wasm heap only grows). */
  peakRssBytes: number;
  /** The cell's own batch size. */
  batchSize: number;
  /** Tensor memory at the cell's own batch size, by ESTIMATION_RULE. */
  estimatedBytesAtBatch: number;
  /** Tensors left behind by the cell after everything was disposed (0 unless something leaks). */
  leakedTensors: number;
}

/**
 * A training step's tensor peak grows linearly with the batch: a part that does not depend on it (weights,
 * velocities, gradients, the L2 and optimizer intermediates) plus the input and activations of each image. Two
 * peaks, at batch 1 and at the smoke batch, give both parts; the estimate extrapolates them to the cell's batch.
 * Tensor bytes only: a GPU adds its allocator's slack and convolution workspaces on top.
 */
export const ESTIMATION_RULE =
  'estimated memory = peak(1) + (batch - 1) x (peak(smoke batch) - peak(1)) / (smoke batch - 1), peaks of tensor bytes (tf.memory().numBytes) during a training step';

/**
 * Trains `cell`'s network at its data set's real input shape for two iterations of `smokeBatch` (>= 2) random
 * images, then one of a single image for the memory estimate.
 */
export async function smokeCell(cell: CellSpec, smokeBatch: number): Promise<SmokeResult> {
  if (!Number.isInteger(smokeBatch) || smokeBatch < 2) throw new UserError(`--smoke-batch: must be an integer >= 2 (the memory estimate compares it with a batch of 1), got ${smokeBatch}`);
  const dataset = datasetDescriptor(cell.dataset);
  if (!dataset) throw new Error(`${cell.id}: no shape known for data set "${cell.dataset}" (src/data/datasets.ts)`);
  // Tensors of earlier cells (a leak elsewhere) must not count against this one.
  const { numTensors: tensorsBefore, numBytes: bytesBefore } = tf.memory();
  const network = buildNetwork(cell.network, dataset.shape, dataset.classes, cell.seed);
  const optimizer = new MomentumSgd(network.params.trainable);
  const batch = {
    x: tf.randomNormal([smokeBatch, ...dataset.shape], 0, 1, 'float32', 1) as tf.Tensor4D,
    labels: tf.randomUniform([smokeBatch], 0, dataset.classes, 'int32', 2) as tf.Tensor1D,
    size: smokeBatch,
  };
  const single = { x: tf.slice(batch.x, 0, 1), labels: tf.slice(batch.labels, 0, 1), size: 1 };
  let measured: Omit<SmokeResult, 'leakedTensors'>;
  try {
    // Shapes and memory do not depend on the policy's numbers: every step trains at a small lr.
    // Each step waits for its loss, so the time covers the device's work too.
    const step = (images: typeof batch) => async () => {
      const values = trainStep(network, optimizer, cell.weightDecay, images, 1e-3, cell.momentum);
      await values.data();
      values.dispose();
    };
    // The profiled steps measure tensor peaks (the profiler's per-kernel bookkeeping slows them); the plain one, the time.
    const peak = async (images: typeof batch) => (await tf.profile(step(images))).peakBytes - bytesBefore;
    const peakAtSmokeBatch = await peak(batch);
    const started = performance.now();
    await step(batch)();
    const seconds = (performance.now() - started) / 1000;
    const peakAtOne = await peak(single);
    const perImage = (peakAtSmokeBatch - peakAtOne) / (smokeBatch - 1);
    measured = {
      cellId: cell.id,
      network: cell.network,
      inputShape: dataset.shape,
      classes: dataset.classes,
      parameters: network.params.count,
      trainingFlopsPerImage: trainingFlopsPerImage(network),
      secondsPerIteration: seconds,
      imagesPerSecond: smokeBatch / seconds,
      peakTensorBytes: peakAtSmokeBatch,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      batchSize: cell.batchSize,
      estimatedBytesAtBatch: peakAtOne + (cell.batchSize - 1) * perImage,
    };
  } finally {
    tf.dispose([batch.x, batch.labels, single.x, single.labels]);
    optimizer.dispose();
    network.dispose();
  }
  return { ...measured, leakedTensors: tf.memory().numTensors - tensorsBefore };
}
