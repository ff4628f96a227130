// The field schemas that training suites and range-test suites share, so both word their errors alike.
import { z } from 'zod';

export const integer = (min: number) => {
  const message = `must be an integer >= ${min}`;
  return z.number().int(message).min(min, message);
};

export const positive = z.number().gt(0, 'must be > 0');

export const momentum = z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');

export const weightDecay = z.number().min(0, 'must be >= 0');

/** A name out of `known` (networks, data sets), the error listing them. */
export const oneOf = (kind: string, known: readonly string[]) =>
  z.string().superRefine((name, ctx) => {
    if (!known.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown ${kind} ${JSON.stringify(name)} (known: ${known.join(', ')})` });
  });

/** Every field optional: for `defaults` and for entries that take the defaults' values. */
export const optionalFields = <T extends Record<string, z.ZodType>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
