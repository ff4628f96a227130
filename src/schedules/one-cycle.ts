// The super-convergence policy of the paper: OneCycleLR from titu1994/keras-one-cycle (clr.py), reproduced
// step for step. The arithmetic follows clr.py's operation order.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { strictObject } from '../json/strict-object.ts';
import { fieldIssue, momentum, number, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

export const oneCyclePolicy = strictObject({
  name: z.literal('one-cycle'),
  maxLr: positive(),
  endPercentage: number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.1),
  /** Null: endPercentage doubles as the scale, as in clr.py. */
  scalePercentage: number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').nullable().default(null),
  maxMomentum: momentum().default(0.95),
  minMomentum: momentum().default(0.85),
}).superRefine((policy, ctx) => {
  if (policy.scalePercentage === null && policy.endPercentage === 0) {
    fieldIssue(ctx, 'endPercentage', 'must be > 0 when scalePercentage is null (it is then the lr scale)');
  }
  if (policy.minMomentum > policy.maxMomentum) fieldIssue(ctx, 'minMomentum', `must be <= maxMomentum (${policy.maxMomentum})`);
});

export type OneCyclePolicy = z.output<typeof oneCyclePolicy>;

/**
 * With scale = scalePercentage ?? endPercentage and mid = trunc(N * (1 - endPercentage) / 2) for a cycle of N
 * iterations: the lr climbs linearly from scale*maxLr to 100*scale^2*maxLr (maxLr for the default 0.1) over mid
 * steps, comes back down over the next mid, then falls to a hundredth of its start over the rest; the momentum
 * goes maxMomentum -> minMomentum -> maxMomentum and stays at the max in that last phase.
 *
 * clr.py sets the lr of the next batch in on_batch_end from its counter after incrementing it, and resets the
 * counter to 0 once it reaches N, so batch k trains with the counter at k for k <= N and at ((k-1) mod N) + 1
 * after that: a run longer than N batches repeats the cycle without its first step.
 *
 * N is `cycleIterations`. Keras gives clr.py epochs * steps when it knows the steps per epoch (fit_generator,
 * tf.keras), which is the run's total iteration count; old Keras fit on arrays passes no steps and clr.py then uses
 * (epochs + 1) * samples // batch_size when the batch size does not divide the samples.
 */
export function oneCycleSchedule(policy: OneCyclePolicy, cycleIterations: number): Schedule {
  const { maxLr, endPercentage, maxMomentum, minMomentum } = policy;
  const scale = policy.scalePercentage ?? endPercentage;
  const mid = Math.trunc((cycleIterations * (1 - endPercentage)) / 2);
  if (mid < 1) {
    throw new UserError(
      `one-cycle: ${cycleIterations} iteration(s) leave no room for the cycle with endPercentage ${endPercentage}; ` +
        `it needs at least ${minimumCycleIterations(endPercentage)}`,
    );
  }
  return (iteration) => {
    const counter = iteration === 0 ? 0 : ((iteration - 1) % cycleIterations) + 1;
    if (counter > 2 * mid) {
      const progress = (counter - 2 * mid) / (cycleIterations - 2 * mid);
      return { lr: maxLr * (1 + (progress * (1 - 100)) / 100) * scale, momentum: maxMomentum };
    }
    const rise = counter > mid ? 1 - (counter - mid) / mid : counter / mid;
    return {
      lr: maxLr * (1 + rise * (scale * 100 - 1)) * scale,
      momentum: maxMomentum - rise * (maxMomentum - minMomentum),
    };
  };
}

function minimumCycleIterations(endPercentage: number): number {
  let iterations = Math.max(1, Math.floor(2 / (1 - endPercentage)));
  while (Math.trunc((iterations * (1 - endPercentage)) / 2) < 1) iterations += 1;
  return iterations;
}
