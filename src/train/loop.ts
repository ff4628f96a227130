import * as tf from '@tensorflow/tfjs-core';
import { epochBatches, evaluationBatches, type Batch } from '../data/batches.ts';
import type { Augmentation, ImageDataset } from '../data/dataset.ts';
import type { Network } from '../nn/network.ts';
import { countTopK, crossEntropy, l2Penalty } from './loss.ts';
import type { MomentumSgd } from './sgd.ts';

/** What one finished epoch measured; one row of metrics.csv. */
export interface EpochMetrics {
  epoch: number;
  iteration: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  testTop5: number;
  lr: number;
  momentum: number;
  epochSeconds: number;
  imagesPerSecond: number;
}

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

/** One optimizer step as it ran: the hyper-parameters it used and its batch's training loss. */
export interface StepRecord {
  iteration: number;
  lr: number;
  momentum: number;
  loss: number;
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
  evaluationBatchSize?: number;
}

export interface TrainingOutcome {
  history: EpochMetrics[];
  /** Set when a callback stopped training early, e.g. on divergence. */
  stoppedBecause?: string;
}

export async function train(setup: TrainingSetup): Promise<TrainingOutcome> {
  const { dataset, batchSize, callbacks } = setup;
  const history = [...(setup.history ?? [])];
  const batchesPerEpoch = Math.ceil(dataset.train.count / batchSize);
  let stoppedBecause: string | undefined;
  const control: LoopControl = { stop: (reason) => (stoppedBecause ??= reason) };

  for (let epoch = history.length + 1; epoch <= setup.epochs && !stoppedBecause; epoch++) {
    const started = performance.now();
    let iteration = (epoch - 1) * batchesPerEpoch;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const step: Step = { epoch, iteration, batch: 0, batchesPerEpoch, lr: 0, momentum: 0, loss: NaN, imagesPerSecond: 0 };
    const batches = epochBatches(dataset.train, { ...setup, epoch, normalization: dataset.normalization });
    for (const batch of batches) {
      Object.assign(step, { iteration, batch: step.batch + 1 });
      for (const c of callbacks) c.onBatchBegin?.(step);
      const result = trainStep(setup.network, setup.optimizer, setup.weightDecay, batch, step.lr, step.momentum);
      disposeBatch(batch);
      lossSum += result.loss * batch.size;
      correct += result.correct;
      seen += batch.size;
      step.loss = result.loss;
      step.imagesPerSecond = seen / ((performance.now() - started) / 1000);
      const records: StepRecord[] = [{ iteration, lr: step.lr, momentum: step.momentum, loss: result.loss }];
      for (const c of callbacks) c.onStepsRead?.(records);
      for (const c of callbacks) c.onBatchEnd?.(step, control);
      iteration++;
      if (stoppedBecause) break;
    }
    if (stoppedBecause) break;
    const trainSeconds = (performance.now() - started) / 1000;
    const test = evaluate(setup.network, dataset, setup.evaluationBatchSize ?? 256);
    const metrics: EpochMetrics = {
      epoch,
      iteration,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      ...test,
      lr: step.lr,
      momentum: step.momentum,
      epochSeconds: (performance.now() - started) / 1000,
      imagesPerSecond: seen / trainSeconds,
    };
    history.push(metrics);
    for (const c of callbacks) await c.onEpochEnd?.(metrics, history);
  }
  return { history, stoppedBecause };
}

/** One optimizer step; returns the batch's loss (with the L2 penalty, as Keras reports it) and its correct count. */
export function trainStep(
  network: Network,
  optimizer: MomentumSgd,
  weightDecay: number,
  batch: Batch,
  lr: number,
  momentum: number,
): { loss: number; correct: number } {
  const trainable = network.params.trainable;
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = network.logits(batch.x, true);
    correct = tf.keep(countTopK(batch.labels, logits, 1));
    const loss = crossEntropy(batch.labels, logits);
    return weightDecay > 0 ? tf.add(loss, l2Penalty(network.params.decayed, weightDecay)) : loss;
  }, trainable);
  optimizer.step(trainable.map((v) => grads[v.name]), lr, momentum);
  const [loss, correctCount] = tf.tidy(() => tf.stack([value, correct!]).dataSync());
  tf.dispose([value, correct!, ...Object.values(grads)]);
  return { loss, correct: correctCount };
}

/** Loss, top-1 and top-5 accuracy on the test split, batch-norm in inference mode. */
export function evaluate(network: Network, dataset: ImageDataset, batchSize: number): { testLoss: number; testAccuracy: number; testTop5: number } {
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  for (const batch of evaluationBatches(dataset.test, batchSize, dataset.normalization)) {
    const [loss, hits1, hits5] = tf.tidy(() => {
      const logits = network.logits(batch.x, false);
      return tf.stack([crossEntropy(batch.labels, logits), countTopK(batch.labels, logits, 1), countTopK(batch.labels, logits, 5)]).dataSync();
    });
    disposeBatch(batch);
    lossSum += loss * batch.size;
    top1 += hits1;
    top5 += hits5;
  }
  const n = dataset.test.count;
  return { testLoss: lossSum / n, testAccuracy: top1 / n, testTop5: top5 / n };
}

function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  batch.labels.dispose();
}
