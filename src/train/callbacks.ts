import type { Schedule } from '../schedules/index.ts';
import type { LossSpike } from '../results/run-record.ts';
import type { TrainingCallback } from './loop.ts';

/** Sets each step's lr and momentum from the schedule; `defaultMomentum` where the policy leaves momentum alone. */
export function scheduleCallback(schedule: Schedule, defaultMomentum: number): TrainingCallback {
  return {
    onBatchBegin(step) {
      const value = schedule(step.iteration);
      step.lr = value.lr;
      step.momentum = value.momentum ?? defaultMomentum;
    },
  };
}

/** What the guard does at a loss spike: stop the cell there, or train on as Keras would and report the spike. */
export type SpikeAction = 'stop' | 'train-on';

/**
 * Watches the batch loss against `factor` x ln(classes), the loss of a uniform guess at the start of training.
 * A fixed reference (rather than the first batch's loss) gives the same verdict for a run resumed from a
 * checkpoint. A NaN or infinite loss stops the cell, diverged for good: the weights are no longer numbers.
 * A finite loss above the limit is a spike: `onSpike` 'stop' stops the cell there; 'train-on' lets it go on
 * and hands the spike to `report`.
 */
export function divergenceGuard(factor: number, classes: number, onSpike: SpikeAction = 'stop', report: (spike: LossSpike) => void = () => {}): TrainingCallback {
  const limit = factor * Math.log(classes);
  let inSpike = false;
  return {
    onBatchEnd(step, control) {
      const where = `at epoch ${step.epoch}, iteration ${step.iteration}`;
      if (!Number.isFinite(step.loss)) {
        control.stop(`${FOR_GOOD}: loss ${String(step.loss)} ${where}`);
        return;
      }
      const above = step.loss > limit;
      if (above && onSpike === 'stop') control.stop(`diverged: loss ${step.loss.toPrecision(4)} > ${limit.toPrecision(4)} ${where}`);
      else if (above && !inSpike) report({ epoch: step.epoch, iteration: step.iteration, loss: step.loss, limit });
      inSpike = above;
    },
  };
}

const FOR_GOOD = 'diverged for good';

/** Whether the guard's stop `reason` says the loss stopped being a number (earlier versions wrote "diverged: loss NaN > ..."). */
export function divergedForGood(reason: string | undefined): boolean {
  return reason !== undefined && (reason.startsWith(FOR_GOOD) || /^diverged: loss (NaN|-?Infinity)\b/.test(reason));
}
