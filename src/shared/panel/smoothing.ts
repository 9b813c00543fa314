/**
 * TensorBoard's smoothing: an exponential moving average whose start-up bias towards zero is
 * divided out, so the first smoothed points sit on the data rather than climbing from 0.
 */

/** Where the average stands after the values smoothed so far: passed again, it smooths the values that follow them. */
export interface SmoothingState {
  last: number;
  count: number;
}

/**
 * `weight` in [0, 1): 0 returns the values unchanged; non-finite values pass through and do not move
 * the average. `state` is updated, so a curve that grew can be smoothed from where it stopped.
 */
export function smoothDebiased(values: readonly number[], weight: number, state: SmoothingState = { last: 0, count: 0 }): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    state.last = state.last * w + (1 - w) * value;
    state.count++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, state.count);
    return state.last / debias;
  });
}
