/**
 * Dynamic Weight Average (Liu, Johns & Davison 2019, "End-to-End Multi-Task Learning with
 * Attention"): a dataset whose loss fell less over the last epoch gets a larger loss weight.
 */

/** A loss that is not a finite positive number says nothing about the trend, so its ratio is neutral. */
function descentRatio(latest: number | undefined, previous: number | undefined): number {
  if (latest === undefined || previous === undefined) return 1;
  if (!Number.isFinite(latest) || !Number.isFinite(previous) || latest <= 0 || previous <= 0) return 1;
  const ratio = latest / previous;
  return Number.isFinite(ratio) ? ratio : 1;
}

/**
 * `history[t][d]` is dataset d's mean training loss in epoch t, oldest first. The weights sum to
 * the number of datasets, so the overall loss scale (and so the learning rate) is unchanged; until
 * two epochs have run they are all 1 (an empty history has no datasets to weigh).
 */
export function dwaWeights(history: number[][], temperature: number): number[] {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`DWA temperature must be a positive number, got ${temperature}`);
  const latest = history[history.length - 1];
  const previous = history[history.length - 2];
  if (latest === undefined) return [];
  if (previous === undefined) return latest.map(() => 1);
  if (previous.length !== latest.length) throw new RangeError(`DWA loss history rows differ in length: ${previous.length} and ${latest.length}`);
  const scaled = latest.map((loss, d) => descentRatio(loss, previous[d]) / temperature);
  // Shifting by the largest exponent before exp keeps a low temperature from overflowing.
  const largest = Math.max(...scaled);
  const exps = scaled.map((x) => Math.exp(x - largest));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => (latest.length * e) / sum);
}
