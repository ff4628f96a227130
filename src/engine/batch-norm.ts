/**
 * Training-mode batch normalisation for NHWC tensors with a closed-form gradient.
 *
 * tfjs's own path (tf.moments + tf.batchNorm) differentiates through the moments and broadcasts with
 * Tile in its gradient; on wasm that gradient dominated a training step's profile (engine-notes.md).
 * Here the gradient is written out per channel, and every per-channel sum is an average pool over each
 * whole image followed by a sum over the batch: wasm's Sum over leading axes transposes the whole tensor
 * first (about 10x slower), and a product with a row of ones packs the tensor as GEMM weights (slower still).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';

export interface BatchNormTraining {
  y: Tensor4D;
  /** The batch mean and biased batch variance per channel, for the caller's moving averages. */
  mean: Tensor1D;
  variance: Tensor1D;
}

/**
 * y = gamma * (x - mean) / sqrt(variance + epsilon) + beta over the batch statistics of x (biased variance,
 * as Keras normalises in training). Gradients, with xhat the normalised x and m = N*H*W:
 *   dx = gamma * invStd / m * (m * dy - sum(dy) - xhat * sum(dy * xhat)),  dgamma = sum(dy * xhat),  dbeta = sum(dy).
 */
export function batchNormTrain(x: Tensor4D, gamma: Tensor1D, beta: Tensor1D, epsilon: number): BatchNormTraining {
  const [n, h, w] = x.shape;
  const rows = n * h * w;
  // The moments are computed inside the custom-gradient function, whose scope frees whatever it does not
  // return: they are kept there and handed back below.
  let kept: [Tensor1D, Tensor1D] | undefined;

  const normalize = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const mean = tf.div(channelSums(xIn as Tensor4D), rows) as Tensor1D;
    const centered = tf.sub(xIn as Tensor4D, mean) as Tensor4D;
    const variance = tf.div(channelSums(tf.square(centered)), rows) as Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as Tensor1D;
    const y = tf.add(tf.mul(centered, tf.mul(gammaIn as Tensor1D, invStd)), betaIn as Tensor1D) as Tensor4D;
    (save as tf.GradSaveFunc)([centered, invStd, gammaIn as Tensor1D]);
    kept = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      // The engine keeps whatever a gradient function makes until the whole backward pass ends, and a training
      // step's memory peaks in this gradient at the first layer: each full-size product is freed once used.
      gradFunc: (dy: Tensor, saved: Tensor[]) => tf.tidy(() => {
        const [centeredSaved, invStdSaved, gammaSaved] = saved as [Tensor4D, Tensor1D, Tensor1D];
        const sumDy = channelSums(dy as Tensor4D);
        const dyCentered = tf.mul(dy, centeredSaved) as Tensor4D;
        const sumDyCentered = channelSums(dyCentered);
        dyCentered.dispose();
        // dx = a*dy + b*centered + c with per-channel a, b, c: three broadcasting multiply-adds, no Tile.
        const a = tf.mul(gammaSaved, invStdSaved);
        const b = tf.neg(tf.div(tf.mul(a, tf.mul(tf.square(invStdSaved), sumDyCentered)), rows));
        const c = tf.neg(tf.div(tf.mul(a, sumDy), rows));
        const terms = [tf.mul(dy, a), tf.mul(centeredSaved, b)];
        const sum = tf.add(terms[0], terms[1]);
        tf.dispose(terms);
        const dx = tf.add(sum, c);
        sum.dispose();
        return [dx, tf.mul(sumDyCentered, invStdSaved), sumDy];
      }),
    };
  });

  const y = normalize(x, gamma, beta);
  const [keptMean, keptVariance] = kept!;
  const result = { y, mean: tf.clone(keptMean), variance: tf.clone(keptVariance) };
  tf.dispose([keptMean, keptVariance]);
  return result;
}

/** Per-channel sums of an NHWC tensor: [C]. */
function channelSums(x: Tensor4D): Tensor1D {
  const [n, h, w, channels] = x.shape;
  const imageMeans = tf.reshape(tf.avgPool(x, [h, w], 1, 'valid'), [n, channels]);
  return tf.mul(tf.sum(imageMeans, 0), h * w) as Tensor1D;
}
