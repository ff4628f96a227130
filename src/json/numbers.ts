// The integers that records written by scbench hold (run.json, the cache manifest, checkpoint headers).
import { z } from 'zod';

/** A non-negative integer: a count of images or epochs, an index, a dimension of a shape. */
export const count = z.number().int().nonnegative();
