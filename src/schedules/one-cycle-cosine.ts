// The fastai / TF2-blog one-cycle variant with the semantics of PyTorch's torch.optim.lr_scheduler.OneCycleLR
// (total_steps = the run's iterations, cycle_momentum on). The arithmetic follows PyTorch's operation order.
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { strictObject } from '../json/strict-object.ts';
import { fieldIssue, momentum, number, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

export const oneCycleCosinePolicy = strictObject({
  name: z.literal('one-cycle-cosine'),
  maxLr: positive(),
  pctStart: number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').default(0.3),
  divFactor: number().min(1, 'must be >= 1').default(25),
  finalDivFactor: number().min(1, 'must be >= 1').default(1e4),
  anneal: z.enum(['cos', 'linear'], { error: 'must be cos or linear' }).default('cos'),
  threePhase: z.boolean({ error: 'must be true or false' }).default(false),
  baseMomentum: momentum().default(0.85),
  maxMomentum: momentum().default(0.95),
}).superRefine((policy, ctx) => {
  if (policy.maxMomentum < policy.baseMomentum) fieldIssue(ctx, 'maxMomentum', `must be >= baseMomentum (${policy.baseMomentum})`);
});

export type OneCycleCosinePolicy = z.output<typeof oneCycleCosinePolicy>;

type Anneal = (start: number, end: number, progress: number) => number;

const ANNEAL: Record<OneCycleCosinePolicy['anneal'], Anneal> = {
  cos: (start, end, progress) => end + ((start - end) / 2) * (Math.cos(Math.PI * progress) + 1),
  linear: (start, end, progress) => (end - start) * progress + start,
};

/** A phase ends at `endStep` (fractional, as PyTorch computes it) and anneals lr and momentum between two values. */
type Phase = { endStep: number; lr: [number, number]; momentum: [number, number] };

/**
 * The lr warms up from maxLr/divFactor to maxLr over pctStart of the run, then anneals to
 * maxLr/divFactor/finalDivFactor; the momentum moves inversely between maxMomentum and baseMomentum. With
 * threePhase the lr comes back to its start symmetrically and only then anneals to the minimum, the momentum
 * resting at the max. Defined for iterations 0 .. totalIterations - 1.
 */
export function oneCycleCosineSchedule(policy: OneCycleCosinePolicy, totalIterations: number): Schedule {
  const { maxLr, pctStart, baseMomentum, maxMomentum } = policy;
  const initialLr = maxLr / policy.divFactor;
  const minLr = initialLr / policy.finalDivFactor;
  const anneal = ANNEAL[policy.anneal];
  const phases: Phase[] = policy.threePhase
    ? [
        { endStep: pctStart * totalIterations - 1, lr: [initialLr, maxLr], momentum: [maxMomentum, baseMomentum] },
        { endStep: 2 * pctStart * totalIterations - 2, lr: [maxLr, initialLr], momentum: [baseMomentum, maxMomentum] },
        { endStep: totalIterations - 1, lr: [initialLr, minLr], momentum: [maxMomentum, maxMomentum] },
      ]
    : [
        { endStep: pctStart * totalIterations - 1, lr: [initialLr, maxLr], momentum: [maxMomentum, baseMomentum] },
        { endStep: totalIterations - 1, lr: [maxLr, minLr], momentum: [baseMomentum, maxMomentum] },
      ];
  // PyTorch divides by zero on an empty phase and silently skips one that ends before it starts: refuse both.
  phases.forEach((phase, index) => {
    const start = index === 0 ? 0 : phases[index - 1]!.endStep;
    if (phase.endStep <= start) {
      throw new UserError(
        `one-cycle-cosine: ${totalIterations} iteration(s) with pctStart ${pctStart} leave phase ${index + 1} of ` +
          `${phases.length} empty; use more iterations or another pctStart`,
      );
    }
  });
  return (iteration) => {
    if (iteration >= totalIterations) {
      throw new RangeError(`one-cycle-cosine: iteration ${iteration} is past the ${totalIterations} the schedule was made for`);
    }
    const index = phases.findIndex((phase) => iteration <= phase.endStep);
    const phase = phases[index]!;
    const start = index === 0 ? 0 : phases[index - 1]!.endStep;
    const progress = (iteration - start) / (phase.endStep - start);
    return { lr: anneal(phase.lr[0], phase.lr[1], progress), momentum: anneal(phase.momentum[0], phase.momentum[1], progress) };
  };
}
