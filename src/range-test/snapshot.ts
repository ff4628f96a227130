import * as tf from '@tensorflow/tfjs-core';

/** Copies of variables' values, to put them back later (a range test trains the model it is given). */
export interface Snapshot {
  restore(): void;
  dispose(): void;
}

export function snapshot(variables: readonly tf.Variable[]): Snapshot {
  const saved = variables.map((v) => tf.keep(tf.clone(v)));
  return {
    restore: () => variables.forEach((v, i) => v.assign(saved[i])),
    dispose: () => tf.dispose(saved),
  };
}
