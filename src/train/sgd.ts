import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum in Keras's formulation (the paper trained with Keras):
 *   velocity = momentum * velocity - lr * gradient
 *   weight += velocity                                 (plain)
 *   weight += momentum * velocity - lr * gradient      (Nesterov, Keras SGD(nesterov=True))
 * The learning rate and momentum are arguments of every step, so a schedule drives them per iteration.
 */
export class MomentumSgd {
  readonly velocities: tf.Variable[];

  constructor(
    private readonly weights: readonly tf.Variable[],
    private readonly options: { nesterov?: boolean } = {},
  ) {
    this.velocities = weights.map((w) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
  }

  step(gradients: readonly tf.Tensor[], lr: number, momentum: number): void {
    tf.tidy(() => {
      this.weights.forEach((weight, i) => {
        const velocity = this.velocities[i];
        const scaled = tf.mul(gradients[i], lr);
        velocity.assign(tf.sub(tf.mul(velocity, momentum), scaled));
        weight.assign(tf.add(weight, this.options.nesterov ? tf.sub(tf.mul(velocity, momentum), scaled) : velocity));
      });
    });
  }

  dispose(): void {
    for (const v of this.velocities) v.dispose();
  }
}
