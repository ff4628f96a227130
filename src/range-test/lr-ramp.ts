export type RampScale = 'exp' | 'linear';

/** The lr of step `k` (0-based) of `steps`: from `min` at the first step to `max` at the last, geometric or linear. */
export function rampLr(k: number, steps: number, min: number, max: number, scale: RampScale): number {
  const t = steps > 1 ? k / (steps - 1) : 0;
  return scale === 'exp' ? min * (max / min) ** t : min + (max - min) * t;
}
