import seedrandom from 'seedrandom';

/** A seeded uniform [0, 1) stream. Every random choice in a run (init, data order, augmentation) comes from one. */
export function seededRandom(...seedParts: (string | number)[]): () => number {
  const generate = seedrandom(seedParts.join('/'));
  return () => generate();
}

/** A seeded Fisher-Yates permutation of 0..count-1. */
export function permutation(count: number, random: () => number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}
