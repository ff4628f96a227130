// The policy JSON of suite files and `scbench schedule --policy`: one schema over the policies, and the
// schedule each one makes.
import { z } from 'zod';
import { validated } from '../json/problems.ts';
import { constantPolicy, constantSchedule } from './constant.ts';
import { cyclicalPolicy, cyclicalSchedule } from './cyclical.ts';
import { multistepPolicy, multistepSchedule } from './multistep.ts';
import { oneCycleCosinePolicy, oneCycleCosineSchedule } from './one-cycle-cosine.ts';
import { oneCyclePolicy, oneCycleSchedule } from './one-cycle.ts';
import type { Schedule } from './schedule.ts';

const POLICIES = [constantPolicy, cyclicalPolicy, oneCyclePolicy, oneCycleCosinePolicy, multistepPolicy] as const;

export const POLICY_NAMES = POLICIES.map((policy) => policy.shape.name.value);

/** Strict (unknown keys rejected), defaults filled in, every constraint reported at the offending field. */
export const policySchema = z.discriminatedUnion('name', [...POLICIES], {
  error: (issue) => {
    if (issue.code === 'invalid_union') return `must be one of ${POLICY_NAMES.join(', ')}`;
    if (issue.code === 'invalid_type') return 'must be a policy object with a "name"';
    return undefined;
  },
});

/** A validated policy with its defaults filled in. */
export type Policy = z.output<typeof policySchema>;

/** Validates `json`; a failure is a UserError naming the source and each problem's field: `--policy: maxLr: must be > 0`. */
export function parsePolicy(json: unknown, where: string): Policy {
  return validated(policySchema, json, where);
}

/**
 * The schedule of `policy` for a run of `totalIterations` optimizer steps. Constant, multistep and cyclical policies do not
 * depend on the length; the one-cycle policies span it and throw a UserError when it is too short for them.
 */
export function makeSchedule(policy: Policy, totalIterations: number): Schedule {
  if (!Number.isSafeInteger(totalIterations) || totalIterations < 1) {
    throw new RangeError(`totalIterations must be a positive integer, got ${totalIterations}`);
  }
  const schedule = scheduleOf(policy, totalIterations);
  return (iteration) => {
    if (!Number.isSafeInteger(iteration) || iteration < 0) {
      throw new RangeError(`iteration must be a non-negative integer, got ${iteration}`);
    }
    return schedule(iteration);
  };
}

function scheduleOf(policy: Policy, totalIterations: number): Schedule {
  switch (policy.name) {
    case 'constant':
      return constantSchedule(policy);
    case 'multistep':
      return multistepSchedule(policy);
    case 'cyclical':
      return cyclicalSchedule(policy);
    case 'one-cycle':
      return oneCycleSchedule(policy, totalIterations);
    case 'one-cycle-cosine':
      return oneCycleCosineSchedule(policy, totalIterations);
  }
}
