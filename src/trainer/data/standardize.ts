export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Per-feature mean and (population) standard deviation of row-major `features`; a constant feature gets std 1. */
export function featureStats(features: Float32Array, featureCount: number): FeatureStats {
  const rows = features.length / featureCount;
  const sum = new Float64Array(featureCount);
  const sumSquares = new Float64Array(featureCount);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < featureCount; f++) sum[f]! += features[r * featureCount + f] as number;
  }
  const mean = Float64Array.from(sum, (s) => (rows > 0 ? s / rows : 0));
  // Two passes (sum of squared deviations) rather than E[x²] − E[x]², which loses precision.
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < featureCount; f++) sumSquares[f]! += ((features[r * featureCount + f] as number) - (mean[f] as number)) ** 2;
  }
  const std = Float32Array.from(sumSquares, (s) => {
    const value = rows > 0 ? Math.sqrt(s / rows) : 0;
    return value > 0 ? value : 1;
  });
  return { mean: Float32Array.from(mean), std };
}

export function standardizeInPlace(features: Float32Array, stats: FeatureStats): void {
  const featureCount = stats.mean.length;
  for (let i = 0; i < features.length; i++) {
    const f = i % featureCount;
    features[i] = ((features[i] as number) - (stats.mean[f] as number)) / (stats.std[f] as number);
  }
}
