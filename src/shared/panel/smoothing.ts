/**
 * TensorBoard's smoothing: an exponential moving average whose start-up bias towards zero is
 * divided out, so the first smoothed points sit on the data rather than climbing from 0.
 */

/** `weight` in [0, 1): 0 returns the values unchanged; non-finite values pass through and do not move the average. */
export function smoothDebiased(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    last = last * w + (1 - w) * value;
    count++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, count);
    return last / debias;
  });
}
