/**
 * The configured share of each batch per dataset. Shared so that the trainer and the panel's
 * "what would this change do" preview compute the same numbers.
 */
import type { MixingStrategy } from '../experiment/schema';

export interface ShareInput {
  strategy: MixingStrategy;
  temperature: number;
  /** Training split sizes. */
  sizes: readonly number[];
  /** Per-dataset multipliers of the strategy's share (the `weights` strategy uses them alone). */
  samplingWeights: readonly number[];
}

/** Strategy base share times sampling weight, normalised to sum to 1. Throws when all are zero. */
export function configuredShares({ strategy, temperature, sizes, samplingWeights }: ShareInput): number[] {
  const raw = sizes.map((size, i) => strategyBase(strategy, temperature, size) * (samplingWeights[i] ?? 1));
  const total = raw.reduce((sum, value) => sum + value, 0);
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new RangeError('every dataset has a sampling share of zero: give at least one dataset a positive sampling_weight');
  }
  return raw.map((value) => value / total);
}

function strategyBase(strategy: MixingStrategy, temperature: number, size: number): number {
  switch (strategy) {
    case 'proportional':
      return size;
    case 'uniform':
    case 'weights':
      return size > 0 ? 1 : 0;
    case 'temperature':
      return size > 0 ? Math.pow(size, 1 / temperature) : 0;
  }
}
