// Zod building blocks shared by the policy schemas, so every policy words its errors the same way.
import { z } from 'zod';

export const number = () =>
  z.number({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a number') });

export const positive = () => number().gt(0, 'must be > 0');

export const momentum = () => number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

/**
 * A strict object whose unknown-key error lists the keys it does take, so a typo is fixed from the message.
 * Zod reports unknown keys on the object itself (empty path), hence the key names go into the message.
 */
export function policyObject<Shape extends z.core.$ZodShape>(shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} (known: ${known})`;
    },
  });
}

/** Adds an issue at `field` from a cross-field refinement. */
export function fieldIssue(ctx: z.RefinementCtx, field: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [field], message });
}
