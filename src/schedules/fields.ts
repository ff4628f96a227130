// Zod building blocks shared by the policy schemas, so every policy words its errors the same way.
import { z } from 'zod';

export const number = () =>
  z.number({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a number') });

export const positive = () => number().gt(0, 'must be > 0');

export const momentum = () => number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

/** Adds an issue at `field` from a cross-field refinement. */
export function fieldIssue(ctx: z.RefinementCtx, field: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [field], message });
}
