// How numbers read in the report's tables.

/** 0.9734 -> "97.34 %"; absent -> "-". */
export function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction) ? '-' : `${(100 * fraction).toFixed(2)} %`;
}

/** 42.3 -> "42.3 s", 754 -> "12 min 34 s", 9000 -> "2 h 30 min". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Four significant digits at most (as many as Table 1 prints), small values in exponent form: 0.01288, 3e-7, 5e-4. */
export function number(value: number): string {
  const rounded = Number(value.toPrecision(4));
  return rounded !== 0 && Math.abs(rounded) < 1e-3 ? rounded.toExponential() : String(rounded);
}

/** Images per second, to three significant digits at most. */
export function rate(imagesPerSecond: number | undefined): string {
  return imagesPerSecond === undefined || !Number.isFinite(imagesPerSecond) ? '-' : `${Number(imagesPerSecond.toPrecision(3))}`;
}
