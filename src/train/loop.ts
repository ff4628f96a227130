import * as tf from '@tensorflow/tfjs-core';
import { batchesPerEpoch as epochBatchCount, epochBatches, evaluationBatches, type Batch } from '../data/batches.ts';
import type { Augmentation, ImageDataset } from '../data/dataset.ts';
import { DeviceLimitError } from '../engine/webgpu.ts';
import type { Network } from '../nn/network.ts';
import type { EpochMetrics } from '../results/metrics.ts';
import type { StepRecord } from '../results/steps.ts';
import { countTopK, crossEntropy, l2Penalty } from './loss.ts';
import type { MomentumSgd } from './sgd.ts';

/** The optimizer's hyper-parameters for one step, set by callbacks before it runs. */
export interface Step {
  epoch: number;
  iteration: number;
  batch: number;
  batchesPerEpoch: number;
  lr: number;
  momentum: number;
  /** Training loss of this step's batch; set after the step. */
  loss: number;
  /** Training images per second so far in this epoch; set after the step. */
  imagesPerSecond: number;
}

/** A training-loop concern (schedule, divergence guard, checkpoint, progress), called at fixed points. */
export interface TrainingCallback {
  onBatchBegin?(step: Step): void;
  onBatchEnd?(step: Step, control: LoopControl): void;
  /**
   * Every step's record, in iteration order and each once, as soon as its loss has been read back; all of an
   * epoch's records come before its onEpochEnd (the step log writes them before the epoch's checkpoint).
   */
  onStepsRead?(records: readonly StepRecord[]): void;
  onEpochEnd?(metrics: EpochMetrics, history: readonly EpochMetrics[]): void | Promise<void>;
}

export interface LoopControl {
  /** Ends training after the current step; the reason is reported as the run's outcome. */
  stop(reason: string): void;
}

export interface TrainingSetup {
  network: Network;
  optimizer: MomentumSgd;
  dataset: ImageDataset;
  epochs: number;
  batchSize: number;
  seed: number;
  weightDecay: number;
  augmentations: readonly Augmentation[];
  callbacks: readonly TrainingCallback[];
  /** Epochs already finished (from a checkpoint); training continues after the last of them. */
  history?: readonly EpochMetrics[];
}

export interface TrainingOutcome {
  history: EpochMetrics[];
  /** Set when a callback stopped training early, e.g. on divergence. */
  stoppedBecause?: string;
}

/**
 * Steps between two readbacks of the training losses and correct counts. Each step leaves its loss and correct
 * count on the device; every READBACK_INTERVAL steps the loop starts reading them back without waiting, and
 * takes the values when the next interval is launched, so a GPU never waits for the host. onBatchEnd (the
 * divergence guard, progress) and onStepsRead therefore see a step between READBACK_INTERVAL and
 * 2 x READBACK_INTERVAL - 1 steps after it ran, and every step of an epoch before the epoch ends.
 */
export const READBACK_INTERVAL = 16;

/** A step launched on the device, its loss and correct count not yet read back. */
interface LaunchedStep {
  step: Step;
  size: number;
  values: tf.Tensor1D;
}

export async function train(setup: TrainingSetup): Promise<TrainingOutcome> {
  const { dataset, batchSize, callbacks } = setup;
  const history = [...(setup.history ?? [])];
  const batchesPerEpoch = epochBatchCount(dataset.train.count, batchSize);
  let stoppedBecause: string | undefined;
  const control: LoopControl = { stop: (reason) => (stoppedBecause ??= reason) };

  for (let epoch = history.length + 1; epoch <= setup.epochs && !stoppedBecause; epoch++) {
    const started = performance.now();
    let iteration = (epoch - 1) * batchesPerEpoch;
    const totals = { lossSum: 0, correct: 0, seen: 0 };
    let lastStep: Step | undefined;
    const launched: LaunchedStep[] = [];
    let reading: Promise<void> = Promise.resolve();
    const readBack = async (steps: LaunchedStep[]) => {
      const stacked = tf.tidy(() => tf.stack(steps.map((s) => s.values)));
      tf.dispose(steps.map((s) => s.values));
      const values = await stacked.data();
      stacked.dispose();
      const records: StepRecord[] = [];
      steps.forEach(({ step, size }, i) => {
        step.loss = values[2 * i];
        totals.lossSum += step.loss * size;
        totals.correct += values[2 * i + 1];
        totals.seen += size;
        step.imagesPerSecond = totals.seen / ((performance.now() - started) / 1000);
        records.push({ iteration: step.iteration, lr: step.lr, momentum: step.momentum, loss: step.loss });
      });
      for (const c of callbacks) c.onStepsRead?.(records);
      for (const { step } of steps) for (const c of callbacks) c.onBatchEnd?.(step, control);
    };
    const batches = epochBatches(dataset.train, { ...setup, epoch, normalization: dataset.normalization });
    let next = batches.next();
    while (!next.done && !stoppedBecause) {
      const batch = next.value;
      const step: Step = { epoch, iteration, batch: (lastStep?.batch ?? 0) + 1, batchesPerEpoch, lr: 0, momentum: 0, loss: NaN, imagesPerSecond: 0 };
      for (const c of callbacks) c.onBatchBegin?.(step);
      const values = trainStep(setup.network, setup.optimizer, setup.weightDecay, batch, step.lr, step.momentum);
      disposeBatch(batch);
      launched.push({ step, size: batch.size, values });
      lastStep = step;
      iteration++;
      // The next batch is built while the device works on this step.
      next = batches.next();
      if (launched.length === READBACK_INTERVAL) {
        await reading;
        reading = readBack(launched.splice(0));
      }
    }
    if (!next.done) {
      disposeBatch(next.value);
      batches.return(undefined);
    }
    await reading;
    if (launched.length > 0) await readBack(launched.splice(0));
    if (stoppedBecause) break;
    const trainSeconds = (performance.now() - started) / 1000;
    const test = await evaluate(setup.network, dataset, evaluationBatchSize(dataset.test.shape));
    const metrics: EpochMetrics = {
      epoch,
      iteration,
      trainLoss: totals.lossSum / totals.seen,
      trainAccuracy: totals.correct / totals.seen,
      ...test,
      lr: lastStep!.lr,
      momentum: lastStep!.momentum,
      epochSeconds: (performance.now() - started) / 1000,
      imagesPerSecond: totals.seen / trainSeconds,
    };
    history.push(metrics);
    for (const c of callbacks) await c.onEpochEnd?.(metrics, history);
  }
  return { history, stoppedBecause };
}

/**
 * One optimizer step. Returns, on the device, the batch's loss (with the L2 penalty, as Keras reports it) and its
 * correct count: reading them back is the caller's choice, so a GPU need not wait for the host after every step.
 */
export function trainStep(
  network: Network,
  optimizer: MomentumSgd,
  weightDecay: number,
  batch: Batch,
  lr: number,
  momentum: number,
): tf.Tensor1D {
  const trainable = network.params.trainable;
  let correct: tf.Scalar | undefined;
  const { value, grads } = withinNetwork(network, batch, () =>
    tf.variableGrads(() => {
      const logits = network.logits(batch.x, true);
      correct = tf.keep(countTopK(batch.labels, logits, 1));
      const loss = crossEntropy(batch.labels, logits);
      return weightDecay > 0 ? tf.add(loss, l2Penalty(network.params.decayed, weightDecay)) : loss;
    }, trainable),
  );
  optimizer.step(trainable.map((v) => grads[v.name]), lr, momentum);
  const values = tf.stack([value, correct!]) as tf.Tensor1D;
  tf.dispose([value, correct!, ...Object.values(grads)]);
  return values;
}

/** Runs `step`; a kernel the device cannot run is reported with the network's name and the batch's shape. */
function withinNetwork<T>(network: Network, batch: Batch, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof DeviceLimitError) error.message = `network ${network.name}, batch [${batch.x.shape.join('x')}]: ${error.message}`;
    throw error;
  }
}

/**
 * Test images per evaluation batch: 256 of 32x32 or smaller, fewer of larger images, so that a batch holds at most
 * as many pixels (a forward pass keeps every activation of its batch until the batch is done: 256 images of
 * 224x224 would need more than wasm's 4 GB). The test metrics do not depend on it beyond the loss's rounding.
 */
export function evaluationBatchSize([height, width]: readonly number[]): number {
  return Math.max(1, Math.min(256, Math.floor((256 * 32 * 32) / (height * width))));
}

/** Loss, top-1 and top-5 accuracy on the test split, batch-norm in inference mode; one readback at the end. */
export async function evaluate(network: Network, dataset: ImageDataset, batchSize: number): Promise<{ testLoss: number; testAccuracy: number; testTop5: number }> {
  const perBatch: tf.Tensor1D[] = [];
  const sizes: number[] = [];
  for (const batch of evaluationBatches(dataset.test, batchSize, dataset.normalization)) {
    perBatch.push(
      tf.tidy(() => {
        const logits = network.logits(batch.x, false);
        return tf.stack([crossEntropy(batch.labels, logits), countTopK(batch.labels, logits, 1), countTopK(batch.labels, logits, 5)]) as tf.Tensor1D;
      }),
    );
    sizes.push(batch.size);
    disposeBatch(batch);
  }
  const stacked = tf.stack(perBatch);
  tf.dispose(perBatch);
  const values = await stacked.data();
  stacked.dispose();
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  sizes.forEach((size, i) => {
    lossSum += values[3 * i] * size;
    top1 += values[3 * i + 1];
    top5 += values[3 * i + 2];
  });
  const n = dataset.test.count;
  return { testLoss: lossSum / n, testAccuracy: top1 / n, testTop5: top5 / n };
}

function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.labels.dispose();
}
