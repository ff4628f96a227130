/**
 * Training-mode batch normalisation for NHWC tensors with a closed-form gradient.
 *
 * tfjs's own path (tf.moments + tf.batchNorm) differentiates through the moments and broadcasts with
 * Tile in its gradient; on wasm that gradient dominated a training step's profile (engine-notes.md).
 * Here the tensor is viewed as a matrix [N*H*W, C] and every per-channel sum is a product with a row of
 * ones (one GEMM; wasm's Sum over axis 0 would transpose the whole tensor first, about 40x slower).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

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
  const [n, h, w, channels] = x.shape;
  const rows = n * h * w;
  // The moments are computed inside the custom-gradient function, whose scope frees whatever it does not
  // return: they are kept there and handed back below.
  let kept: [Tensor1D, Tensor1D] | undefined;

  const normalize = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const ones = tf.fill([1, rows], 1) as Tensor2D;
    const matrix = tf.reshape(xIn as Tensor, [rows, channels]) as Tensor2D;
    const mean = tf.div(columnSums(ones, matrix), rows) as Tensor1D;
    const centered = tf.sub(matrix, mean) as Tensor2D;
    const variance = tf.div(columnSums(ones, tf.square(centered)), rows) as Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as Tensor1D;
    const y = tf.add(tf.mul(centered, tf.mul(gammaIn as Tensor1D, invStd)), betaIn as Tensor1D);
    (save as tf.GradSaveFunc)([centered, invStd, gammaIn as Tensor1D]);
    kept = [tf.keep(mean), tf.keep(variance)];
    return {
      value: tf.reshape(y, [n, h, w, channels]) as Tensor4D,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [centeredSaved, invStdSaved, gammaSaved] = saved as [Tensor2D, Tensor1D, Tensor1D];
        const onesRow = tf.fill([1, rows], 1) as Tensor2D;
        const dyMatrix = tf.reshape(dy, [rows, channels]) as Tensor2D;
        const sumDy = columnSums(onesRow, dyMatrix);
        const sumDyCentered = columnSums(onesRow, tf.mul(dyMatrix, centeredSaved));
        // dx = a*dy + b*centered + c with per-channel a, b, c: three broadcasting multiply-adds, no Tile.
        const a = tf.mul(gammaSaved, invStdSaved);
        const b = tf.neg(tf.div(tf.mul(a, tf.mul(tf.square(invStdSaved), sumDyCentered)), rows));
        const c = tf.neg(tf.div(tf.mul(a, sumDy), rows));
        const dx = tf.add(tf.add(tf.mul(dyMatrix, a), tf.mul(centeredSaved, b)), c);
        return [tf.reshape(dx, [n, h, w, channels]), tf.mul(sumDyCentered, invStdSaved), sumDy];
      },
    };
  });

  const y = normalize(x, gamma, beta);
  const [keptMean, keptVariance] = kept!;
  const result = { y, mean: tf.clone(keptMean), variance: tf.clone(keptVariance) };
  tf.dispose([keptMean, keptVariance]);
  return result;
}

/** Per-column sums of a [rows, C] matrix as ones[1, rows] x matrix: [C]. */
function columnSums(ones: Tensor2D, matrix: Tensor2D): Tensor1D {
  return tf.reshape(tf.matMul(ones, matrix), [matrix.shape[1]]) as Tensor1D;
}
