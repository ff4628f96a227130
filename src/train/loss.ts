import * as tf from '@tensorflow/tfjs-core';

/** Mean softmax cross-entropy of integer labels against logits. */
export function crossEntropy(labels: tf.Tensor1D, logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbabilities, tf.oneHot(labels, logits.shape[1])), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Keras's l2 kernel regularizer summed over the given kernels: decay * sum(w^2). */
export function l2Penalty(kernels: readonly tf.Tensor[], decay: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), decay) as tf.Scalar);
}

/** How many of the labels are among the k highest logits of their row (top-1 when k = 1). */
export function countTopK(labels: tf.Tensor1D, logits: tf.Tensor2D, k: number): tf.Scalar {
  return tf.tidy(() => {
    const kept = Math.min(k, logits.shape[1]);
    const { indices } = tf.topk(logits, kept);
    const hits = tf.equal(indices, tf.reshape(tf.cast(labels, 'int32'), [-1, 1]));
    return tf.sum(tf.cast(hits, 'float32')) as tf.Scalar;
  });
}
