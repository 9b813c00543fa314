/**
 * GradNorm (Chen et al. 2018, "GradNorm: Gradient Normalization for Adaptive Loss Balancing in
 * Deep Multitask Networks"): loss weights move so that each dataset's weighted gradient norm on
 * the shared layer approaches the mean norm, scaled up for datasets whose loss has fallen least.
 */

export interface GradNormInput {
  weights: number[];
  /** ‖∇_W L_d‖ of the unweighted loss term on the shared layer W. */
  gradNorms: number[];
  /** Each dataset's loss at the start of training, L_d(0). */
  initialLosses: number[];
  currentLosses: number[];
  /** How strongly a dataset that lags in training is pulled forward; 0 equalises the norms. */
  alpha: number;
  learningRate: number;
}

export interface GradNormUpdate {
  weights: number[];
  /** Target weighted gradient norm per dataset: Ḡ · r_d^α. */
  targets: number[];
  /** Σ_d |w_d ‖∇L_d‖ − target_d| before the update. */
  gradLoss: number;
}

/** Keeps a weight from reaching zero, from which the multiplicative target could never revive it. */
const MIN_WEIGHT = 1e-3;

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** A loss that is not finite and positive gives no training rate, so the dataset counts as on pace. */
function trainingRate(current: number, initial: number | undefined): number {
  const rate = initial === undefined ? NaN : current / initial;
  return Number.isFinite(rate) && rate > 0 ? rate : 1;
}

export function gradnormUpdate(input: GradNormInput): GradNormUpdate {
  const { weights, gradNorms, initialLosses, currentLosses, alpha, learningRate } = input;
  const count = weights.length;
  if ([gradNorms, initialLosses, currentLosses].some((values) => values.length !== count)) {
    throw new RangeError(`GradNorm needs one weight, gradient norm and loss per dataset (${count} weights)`);
  }
  const norms = weights.map((w, d) => w * (gradNorms[d] as number));
  const meanNorm = mean(norms);
  const rates = currentLosses.map((loss, d) => trainingRate(loss, initialLosses[d]));
  const meanRate = mean(rates);
  // The paper holds the targets constant while differentiating, so they only set the direction.
  const targets = rates.map((rate) => meanNorm * (rate / meanRate) ** alpha);
  const gradLoss = norms.reduce((sum, g, d) => sum + Math.abs(g - (targets[d] as number)), 0);
  const stepped = weights.map((w, d) => {
    const slope = Math.sign((norms[d] as number) - (targets[d] as number)) * (gradNorms[d] as number);
    return Math.max(MIN_WEIGHT, w - learningRate * slope);
  });
  // Renormalising to Σw = K keeps the overall loss scale, so the learning rate keeps its meaning.
  const sum = stepped.reduce((a, b) => a + b, 0);
  return { weights: stepped.map((w) => (w * count) / sum), targets, gradLoss };
}
