// Cyclical learning rates (Smith 2017) with the semantics of PyTorch's torch.optim.lr_scheduler.CyclicLR
// for step_size_up = step_size_down = stepSize. The arithmetic follows PyTorch's operation order so the
// values agree to the last bits, not just to a tolerance.
import { z } from 'zod';
import { strictObject } from '../json/strict-object.ts';
import { fieldIssue, momentum, number, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

export const CYCLICAL_MODES = ['triangular', 'triangular2', 'exp_range'] as const;

export const cyclicalPolicy = strictObject({
  name: z.literal('cyclical'),
  baseLr: positive(),
  maxLr: positive(),
  stepSize: number().int('must be a positive integer').gt(0, 'must be a positive integer'),
  mode: z.enum(CYCLICAL_MODES, { error: `must be one of ${CYCLICAL_MODES.join(', ')}` }).default('triangular'),
  /** Used by exp_range only, as in PyTorch. */
  gamma: number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(1),
  baseMomentum: momentum().optional(),
  maxMomentum: momentum().optional(),
}).superRefine((policy, ctx) => {
  if (policy.maxLr < policy.baseLr) fieldIssue(ctx, 'maxLr', `must be >= baseLr (${policy.baseLr})`);
  const { baseMomentum, maxMomentum } = policy;
  if (baseMomentum === undefined && maxMomentum !== undefined) fieldIssue(ctx, 'baseMomentum', 'required when maxMomentum is given');
  if (baseMomentum !== undefined && maxMomentum === undefined) fieldIssue(ctx, 'maxMomentum', 'required when baseMomentum is given');
  if (baseMomentum !== undefined && maxMomentum !== undefined && maxMomentum < baseMomentum) {
    fieldIssue(ctx, 'maxMomentum', `must be >= baseMomentum (${baseMomentum})`);
  }
});

export type CyclicalPolicy = z.output<typeof cyclicalPolicy>;

/**
 * The lr rises from baseLr to maxLr over stepSize steps and falls back over the next stepSize, scaled per mode:
 * triangular keeps the amplitude, triangular2 halves it every cycle, exp_range multiplies it by gamma every step.
 * With both momentum bounds the momentum moves the opposite way (maxMomentum when the lr is at baseLr).
 */
export function cyclicalSchedule(policy: CyclicalPolicy): Schedule {
  const { baseLr, maxLr, stepSize, mode, gamma, baseMomentum, maxMomentum } = policy;
  const cycleLength = 2 * stepSize;
  const stepRatio = stepSize / cycleLength;
  const amplitude = (cycle: number, iteration: number): number => {
    if (mode === 'triangular2') return 1 / 2 ** (cycle - 1);
    if (mode === 'exp_range') return gamma ** iteration;
    return 1;
  };
  return (iteration) => {
    const cycle = Math.floor(1 + iteration / cycleLength);
    const x = 1 + iteration / cycleLength - cycle;
    const height = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
    const scale = amplitude(cycle, iteration);
    const lr = baseLr + (maxLr - baseLr) * height * scale;
    if (baseMomentum === undefined || maxMomentum === undefined) return { lr };
    return { lr, momentum: maxMomentum - (maxMomentum - baseMomentum) * height * scale };
  };
}
