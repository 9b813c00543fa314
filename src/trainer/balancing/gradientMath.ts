/**
 * Vector arithmetic on per-dataset gradients flattened over the parameters the datasets of a step
 * share, and the diagnostics the panel's heat map and share chart are built from. Pure: the trainer
 * reads the gradients out of tfjs once and hands plain arrays in.
 */
import type { EpochGradientSummary, GradientDiagnostics } from '../../shared/runs/format';

/** One step's diagnostics, before the trainer adds the dataset names and the parameter count. */
export type StepGradientDiagnostics = Pick<GradientDiagnostics, 'norms' | 'normShares' | 'cosine'>;

/** An epoch's summary, before the trainer adds the dataset names. */
export type GradientSummaryOfEpoch = Omit<EpochGradientSummary, 'names'>;

function requireSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`gradient vectors differ in length: ${a.length} and ${b.length}`);
}

/** Accumulates in float64 (a JS number): float32 sums over millions of parameters lose digits. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  requireSameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Null for a zero vector, whose direction is undefined. */
function cosine(a: Float32Array, b: Float32Array, normA: number, normB: number): number | null {
  if (normA === 0 || normB === 0) return null;
  // Rounding can land a hair outside [-1, 1]; the heat map's scale assumes it cannot.
  return Math.min(1, Math.max(-1, dot(a, b) / (normA * normB)));
}

/** `grads[d]` is undefined when dataset d had no samples in the step: its row and column are null. */
export function gradientDiagnostics(grads: (Float32Array | undefined)[]): StepGradientDiagnostics {
  const norms = grads.map((g) => (g === undefined ? null : norm(g)));
  const total = norms.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  const normShares = norms.map((n) => (n === null || total === 0 ? null : n / total));
  const cosines = grads.map((a, i) =>
    grads.map((b, j) => {
      if (a === undefined || b === undefined) return null;
      if (i === j) return 1;
      return cosine(a, b, norms[i] as number, norms[j] as number);
    }),
  );
  return { norms, normShares, cosine: cosines };
}

class RunningMean {
  private sum = 0;
  private count = 0;

  add(value: number): void {
    this.sum += value;
    this.count++;
  }

  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
}

class PairTally {
  private readonly cosine = new RunningMean();
  private observed = 0;
  private conflicting = 0;

  add(cosine: number): void {
    this.cosine.add(cosine);
    this.observed++;
    if (cosine < 0) this.conflicting++;
  }

  meanCosine(): number | null {
    return this.cosine.mean();
  }

  conflictFraction(): number | null {
    return this.observed === 0 ? null : this.conflicting / this.observed;
  }
}

/**
 * Adds up an epoch's diagnostic steps. Each pair and each share is averaged over the steps where
 * it was observed, so a dataset that skips steps is not pulled toward zero.
 */
export class GradientSummary {
  private steps = 0;
  private readonly pairs: PairTally[][];
  private readonly shares: RunningMean[];

  constructor(private readonly datasets: number) {
    this.pairs = Array.from({ length: datasets }, () => Array.from({ length: datasets }, () => new PairTally()));
    this.shares = Array.from({ length: datasets }, () => new RunningMean());
  }

  add(diagnostics: StepGradientDiagnostics): void {
    if (diagnostics.normShares.length !== this.datasets || diagnostics.cosine.length !== this.datasets) {
      throw new RangeError(`gradient diagnostics for ${diagnostics.normShares.length} datasets, expected ${this.datasets}`);
    }
    this.steps++;
    diagnostics.normShares.forEach((share, d) => {
      if (share !== null) this.shares[d]?.add(share);
    });
    diagnostics.cosine.forEach((row, i) =>
      row.forEach((cosine, j) => {
        if (cosine !== null) this.pairs[i]?.[j]?.add(cosine);
      }),
    );
  }

  summary(): GradientSummaryOfEpoch {
    return {
      steps: this.steps,
      meanCosine: this.pairs.map((row) => row.map((pair) => pair.meanCosine())),
      conflictFraction: this.pairs.map((row) => row.map((pair) => pair.conflictFraction())),
      normShare: this.shares.map((share) => share.mean()),
    };
  }
}
