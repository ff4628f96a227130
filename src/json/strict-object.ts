import { z } from 'zod';

/** The known name a typo most likely meant: equal but for case, or within an edit distance of a third of its length. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** `unknown key "maxLR" (did you mean "maxLr"?)`, or with the keys it takes when none is close. */
function unknownKeyMessage(key: string, known: readonly string[]): string {
  const close = closestName(key, known);
  return `unknown key ${JSON.stringify(key)} (${close === undefined ? `known: ${known.join(', ')}` : `did you mean ${JSON.stringify(close)}?`})`;
}

/**
 * A strict object whose unknown-key error says which key was probably meant, or names the keys it takes: zod reports
 * unknown keys on the object, not the key.
 */
export function strictObject<Shape extends z.core.$ZodShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => unknownKeyMessage(key, known)).join('; ') : undefined),
  });
}
