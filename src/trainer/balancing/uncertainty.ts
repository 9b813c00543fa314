/**
 * Closed forms for uncertainty weighting (Kendall, Gal & Cipolla 2018): the trainer learns a
 * log-variance s_d per dataset and minimises Σ_d exp(−s_d)·L_d + s_d.
 */

/** The factor exp(−s) that a learned log-variance s puts on its dataset's loss. */
export function uncertaintyWeight(logVariance: number): number {
  return Math.exp(-logVariance);
}

/**
 * The s minimising exp(−s)·L + s: the derivative −exp(−s)·L + 1 vanishes at s = log L. A loss that
 * is not positive has no minimiser, so it gets the neutral log-variance 0 (weight 1).
 */
export function uncertaintyOptimum(meanLoss: number): number {
  return meanLoss > 0 && Number.isFinite(meanLoss) ? Math.log(meanLoss) : 0;
}
