/** One dataset's epoch record with neutral numbers (half of every share, weights 1), overridden where a test cares. */
import type { EpochDatasetMetrics } from '../../../src/shared/runs/format';

export const epochMetrics = (over: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics => ({
  samples: 100,
  trainLoss: 1,
  valLoss: 1,
  configuredShare: 0.5,
  realizedShare: 0.5,
  lossShare: 0.5,
  epochsSeen: 1,
  samplingWeight: 1,
  lossWeight: 1,
  ...over,
});
