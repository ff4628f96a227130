import { permutation, seededRandom } from '../src/random.ts';

/**
 * A stratified split: in every class (in label order), round(testFraction x class size) items, picked
 * by a permutation drawn from one stream seeded with `seed`, go to test; the rest to train. Each split
 * keeps the items' order within a class, classes in label order.
 */
export function stratifiedSplit<T>(byClass: readonly (readonly T[])[], testFraction: number, seed: string): { train: { item: T; label: number }[]; test: { item: T; label: number }[] } {
  const random = seededRandom(seed);
  const train: { item: T; label: number }[] = [];
  const test: { item: T; label: number }[] = [];
  byClass.forEach((items, label) => {
    const testCount = Math.round(testFraction * items.length);
    const toTest = new Set(Array.from(permutation(items.length, random).subarray(0, testCount)));
    items.forEach((item, i) => (toTest.has(i) ? test : train).push({ item, label }));
  });
  return { train, test };
}
