import type { Schedule } from '../schedules/index.ts';
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

/**
 * Stops a cell whose loss is NaN/Inf or above `factor` x ln(classes), the loss of a uniform guess at
 * the start of training. A fixed reference (rather than the first batch's loss) gives the same verdict
 * for a run resumed from a checkpoint.
 */
export function divergenceGuard(factor: number, classes: number): TrainingCallback {
  const limit = factor * Math.log(classes);
  return {
    onBatchEnd(step, control) {
      if (!Number.isFinite(step.loss) || step.loss > limit) {
        const loss = Number.isFinite(step.loss) ? step.loss.toPrecision(4) : String(step.loss);
        control.stop(`diverged: loss ${loss} > ${limit.toPrecision(4)} at epoch ${step.epoch}, iteration ${step.iteration}`);
      }
    },
  };
}
