import { z } from 'zod';
import { momentum, policyObject, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

export const constantPolicy = policyObject({
  name: z.literal('constant'),
  lr: positive(),
  momentum: momentum().optional(),
});

export type ConstantPolicy = z.output<typeof constantPolicy>;

/** The same lr every step; momentum reported only when the policy sets it. */
export function constantSchedule(policy: ConstantPolicy): Schedule {
  const { lr, momentum } = policy;
  return () => (momentum === undefined ? { lr } : { lr, momentum });
}
