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

/**
 * Strategy base share times sampling weight, normalised to sum to 1. Throws when all are zero.
 * Bases and weights are each scaled so that their largest is below 2, so no product or sum can
 * overflow (two weights of 1e308 would sum to Infinity); the scale is a power of two, which
 * changes no bit of the shares.
 */
export function configuredShares({ strategy, temperature, sizes, samplingWeights }: ShareInput): number[] {
  const weights = scaledBelowTwo(sizes.map((_, i) => samplingWeights[i] ?? 1));
  const bases = sizes.map((size) => strategyBase(strategy, temperature, size));
  // A size raised to 1/temperature can overflow where the ratio of two sizes does not.
  const largestSize = Math.max(...sizes);
  const finiteBases = bases.every(Number.isFinite) ? bases : sizes.map((size) => strategyBase(strategy, temperature, size / largestSize));
  const raw = scaledBelowTwo(finiteBases).map((base, i) => base * (weights[i] ?? 0));
  const total = raw.reduce((sum, value) => sum + value, 0);
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new RangeError('every dataset has a sampling share of zero: give at least one dataset a positive sampling_weight');
  }
  return raw.map((value) => value / total);
}

/** The values times the power of two that brings the largest into [1, 2); all zero stay zero. */
function scaledBelowTwo(values: readonly number[]): number[] {
  const largest = Math.max(0, ...values);
  if (!(largest > 0) || !Number.isFinite(largest)) return [...values];
  const scale = Math.pow(2, -Math.floor(Math.log2(largest)));
  return values.map((value) => value * scale);
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
