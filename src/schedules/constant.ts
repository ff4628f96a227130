import { z } from 'zod';
import { strictObject } from '../json/strict-object.ts';
import { momentum, positive } from './fields.ts';
import type { Schedule } from './schedule.ts';

export const constantPolicy = strictObject({
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
