/**
 * Ops that compute what tfjs's own compute, forward and backward, with the same kernels in the same order,
 * but keep less for their gradient. tfjs's Add keeps both inputs for its gradient only to read their shapes,
 * and its Relu keeps its input; at 224x224 each such feature map of a batch of 32 is 200 MB, held from the
 * forward pass to the end of the backward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D } from '@tensorflow/tfjs-core';

/** x + bias over the last axis; its gradient keeps nothing. */
export function biasAdd<T extends Tensor>(x: T, bias: Tensor1D): T {
  const reduced = Array.from({ length: x.rank - 1 }, (_, axis) => axis);
  const add = tf.customGrad((xIn, biasIn) => ({
    value: tf.add(xIn as Tensor, biasIn as Tensor),
    // As tfjs's Add gradient: dy itself for x, dy summed over the broadcast axes for the bias.
    gradFunc: (dy: Tensor) => [tf.reshape(dy, x.shape), tf.reshape(tf.sum(dy, reduced), bias.shape)],
  }));
  return add(x, bias) as T;
}

/** max(x, 0); its gradient keeps the output, which is positive exactly where x is, instead of the input. */
export function relu<T extends Tensor>(x: T): T {
  const rectify = tf.customGrad((xIn, save) => {
    const y = tf.relu(xIn as Tensor);
    (save as tf.GradSaveFunc)([y]);
    return {
      value: y,
      // As tfjs's Relu gradient, with step(y) = step(x). The tidy frees the step mask at once: the engine keeps
      // what a custom gradient makes until the whole backward pass ends.
      gradFunc: (dy: Tensor, [ySaved]: Tensor[]) => tf.tidy(() => tf.mul(dy, tf.cast(tf.step(ySaved), 'float32'))),
    };
  });
  return rectify(x) as T;
}
