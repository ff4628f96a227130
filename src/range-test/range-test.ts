import * as tf from '@tensorflow/tfjs-core';
import { epochBatches, makeBatch, type Batch } from '../data/batches.ts';
import type { Augmentation, ImageDataset } from '../data/dataset.ts';
import type { Network } from '../nn/network.ts';
import { permutation, seededRandom } from '../random.ts';
import type { RangeTestPoint } from '../results/range-test.ts';
import { RANGE_TEST_FIELD_DEFAULTS } from '../suite/range-tests.ts';
import { trainStep } from '../train/loop.ts';
import { crossEntropy } from '../train/loss.ts';
import type { MomentumSgd } from '../train/sgd.ts';
import { rampLr, type RampScale } from './lr-ramp.ts';
import { snapshot } from './snapshot.ts';
import { LossSmoother } from './smoothing.ts';

/** One lr range test: the lr ramps from minLr to maxLr over `iterations` steps, one step per batch. */
export interface RangeTestSettings {
  minLr: number;
  maxLr: number;
  scale: RampScale;
  iterations: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  /** Applied to the training images, as training on this data set does. */
  augmentations: readonly Augmentation[];
  /** Seeds the data order (epoch after epoch, as training does) and the validation sample. */
  seed: number;
  /** Test images whose loss is measured after every step (inference mode); 0: none. */
  validationSamples: number;
  /** Stop once the smoothed loss exceeds this factor times the best smoothed loss so far. */
  stopFactor: number;
  /** EMA factor of the smoothed loss. */
  beta: number;
}

/** A test's settings that neither suites nor flags set: the declared fields' defaults, and the smoothing factor. */
export const RANGE_TEST_DEFAULTS = { ...RANGE_TEST_FIELD_DEFAULTS, beta: 0.98 } as const;

export interface RangeTestCurve {
  points: RangeTestPoint[];
  /** Why the test ended before its last iteration; absent when it ran them all. */
  stoppedBecause?: string;
}

/**
 * Runs a range test on `network` with `optimizer`, then puts back the weights, batch-norm statistics and
 * velocities it started from, so a caller (a sweep, a training run) reuses the model untouched.
 * The stepping point is recorded before the test stops, so a diverging curve shows its divergence.
 */
export async function runRangeTest(
  network: Network,
  optimizer: MomentumSgd,
  dataset: ImageDataset,
  settings: RangeTestSettings,
  onPoint: (point: RangeTestPoint) => void = () => {},
): Promise<RangeTestCurve> {
  const state = snapshot([...network.params.all.map((p) => p.variable), ...optimizer.velocities]);
  const validation = settings.validationSamples > 0 ? validationBatch(dataset, settings.validationSamples, settings.seed) : undefined;
  const smoother = new LossSmoother(settings.beta);
  const points: RangeTestPoint[] = [];
  let best = Infinity;
  let stoppedBecause: string | undefined;
  const batches = trainingBatches(dataset, settings);
  try {
    for (let iteration = 0; iteration < settings.iterations && !stoppedBecause; iteration++) {
      const lr = rampLr(iteration, settings.iterations, settings.minLr, settings.maxLr, settings.scale);
      const batch = batches.next().value as Batch;
      const values = trainStep(network, optimizer, settings.weightDecay, batch, lr, settings.momentum);
      tf.dispose([batch.x, batch.labels]);
      // The test decides after every step whether to go on: it reads each loss back (a range test is short).
      const [loss] = await values.data();
      values.dispose();
      const smoothedLoss = smoother.add(loss);
      const point: RangeTestPoint = {
        iteration,
        lr,
        momentum: settings.momentum,
        weightDecay: settings.weightDecay,
        loss,
        smoothedLoss,
        validationLoss: validation ? await validationLoss(network, validation) : null,
      };
      points.push(point);
      onPoint(point);
      if (!Number.isFinite(loss)) stoppedBecause = `loss is ${loss} at iteration ${iteration} (lr ${lr.toPrecision(3)})`;
      else if (smoothedLoss > settings.stopFactor * best) {
        stoppedBecause = `smoothed loss ${smoothedLoss.toPrecision(4)} exceeds ${settings.stopFactor} x the best ${best.toPrecision(4)} at iteration ${iteration} (lr ${lr.toPrecision(3)})`;
      }
      best = Math.min(best, smoothedLoss);
    }
  } finally {
    batches.return(undefined);
    state.restore();
    state.dispose();
    if (validation) tf.dispose([validation.x, validation.labels]);
  }
  return { points, stoppedBecause };
}

/** The training batches in the order training would see them with this seed, epoch after epoch. */
function* trainingBatches(dataset: ImageDataset, settings: RangeTestSettings): Generator<Batch> {
  for (let epoch = 1; ; epoch++) {
    yield* epochBatches(dataset.train, { ...settings, epoch, normalization: dataset.normalization });
  }
}

/** A fixed seeded sample of test images: every step is measured on the same images, so the curve is comparable. */
function validationBatch(dataset: ImageDataset, samples: number, seed: number): Batch {
  const order = permutation(dataset.test.count, seededRandom('range-test-validation', seed));
  return makeBatch(dataset.test, order.subarray(0, Math.min(samples, dataset.test.count)), dataset.normalization);
}

async function validationLoss(network: Network, batch: Batch): Promise<number> {
  const loss = tf.tidy(() => crossEntropy(batch.labels, network.logits(batch.x, false)));
  const [value] = await loss.data();
  loss.dispose();
  return value;
}
