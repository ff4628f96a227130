import * as tf from '@tensorflow/tfjs-core';

/**
 * SGD with momentum in Keras's formulation (the paper trained with Keras):
 *   velocity = momentum * velocity - lr * gradient;  weight += velocity
 * The learning rate and momentum are arguments of every step, so a schedule drives them per iteration.
 */
export class MomentumSgd {
  readonly velocities: tf.Variable[];

  constructor(private readonly weights: readonly tf.Variable[]) {
    this.velocities = weights.map((w) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
  }

  step(gradients: readonly tf.Tensor[], lr: number, momentum: number): void {
    tf.tidy(() => {
      this.weights.forEach((weight, i) => {
        const velocity = this.velocities[i];
        velocity.assign(tf.sub(tf.mul(velocity, momentum), tf.mul(gradients[i], lr)));
        weight.assign(tf.add(weight, velocity));
      });
    });
  }

  dispose(): void {
    for (const v of this.velocities) v.dispose();
  }
}
