import { z } from 'zod';

/** A strict object whose unknown-key error names the keys it takes: zod reports it on the object, not the key. */
export function strictObjectListingKeys<Shape extends z.core.$ZodShape>(shape: Shape) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (known: ${known})`
        : undefined,
  });
}
