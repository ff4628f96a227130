// Step decay with the semantics of PyTorch's torch.optim.lr_scheduler.MultiStepLR (and Caffe's "multistep" lr
// policy): the lr is multiplied by gamma at each milestone iteration. The arithmetic follows PyTorch's chained
// form (the lr of the previous step times gamma ** the milestone's count) so the values agree to the last bits.
import { z } from 'zod';
import { strictObject } from '../json/strict-object.ts';
import { momentum, number, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

const milestone = number().int('must be a non-negative integer').min(0, 'must be a non-negative integer');

export const multistepPolicy = strictObject({
  name: z.literal('multistep'),
  lr: positive(),
  /** Iterations (optimizer steps) from which the lr is multiplied by gamma once more; a milestone listed twice counts twice, as in PyTorch. */
  milestones: z.array(milestone).min(1, 'must list at least one iteration'),
  gamma: positive().default(0.1),
  momentum: momentum().optional(),
});

export type MultistepPolicy = z.output<typeof multistepPolicy>;

export function multistepSchedule(policy: MultistepPolicy): Schedule {
  const { lr, gamma, momentum: fixedMomentum } = policy;
  const counts = new Map<number, number>();
  for (const m of policy.milestones) counts.set(m, (counts.get(m) ?? 0) + 1);
  const steps = [...counts].sort(([a], [b]) => a - b);
  return (iteration) => {
    let value = lr;
    for (const [at, count] of steps) {
      if (at > iteration) break;
      value *= gamma ** count;
    }
    return fixedMomentum === undefined ? { lr: value } : { lr: value, momentum: fixedMomentum };
  };
}
