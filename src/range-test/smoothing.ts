/**
 * The exponential moving average of the loss with bias correction, as the range test smooths its curve:
 *   average_k = beta * average_(k-1) + (1 - beta) * loss_k   (average_(-1) = 0)
 *   smoothed_k = average_k / (1 - beta^(k+1))
 * Without the correction the first values would be pulled towards the zero the average starts from.
 */
export class LossSmoother {
  private average = 0;
  private steps = 0;

  constructor(readonly beta = 0.98) {}

  /** Adds one loss and returns the smoothed loss up to it. */
  add(loss: number): number {
    this.average = this.beta * this.average + (1 - this.beta) * loss;
    this.steps++;
    return this.average / (1 - this.beta ** this.steps);
  }
}
