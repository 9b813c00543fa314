/**
 * What the panel shows of balancing: the gradient conflict heat map (mean cosine of each pair of
 * datasets' gradients on the shared parameters), which per-dataset curves and table columns a run
 * has, and a sentence about its balancer. Diagnostics off means none of it exists, and nothing is
 * drawn.
 */
import type { EpochDatasetMetrics } from '../runs/format';
import type { CurveMetric, RunView } from './runView';

/**
 * Buckets of a mean cosine, for the cell's background. Gradients of different tasks are rarely
 * far from orthogonal, so the buckets are narrow around 0.
 */
export type CosineBucket = 'conflict-strong' | 'conflict' | 'neutral' | 'aligned' | 'aligned-strong' | 'unobserved' | 'self';

export const NEUTRAL_COSINE = 0.05;
export const STRONG_COSINE = 0.3;

export function cosineBucket(cosine: number | null | undefined): CosineBucket {
  if (cosine === null || cosine === undefined || !Number.isFinite(cosine)) return 'unobserved';
  if (cosine <= -STRONG_COSINE) return 'conflict-strong';
  if (cosine < -NEUTRAL_COSINE) return 'conflict';
  if (cosine <= NEUTRAL_COSINE) return 'neutral';
  if (cosine < STRONG_COSINE) return 'aligned';
  return 'aligned-strong';
}

export interface ConflictCell {
  /** The column's dataset. */
  other: string;
  text: string;
  bucket: CosineBucket;
}

export interface ConflictMap {
  names: string[];
  rows: Array<{ name: string; cells: ConflictCell[] }>;
  /** What the numbers summarise, e.g. "mean over 12 diagnostic steps of the newest epoch". */
  caption: string;
}

/** "−0.12 · 40% conflict": the mean cosine (with a true minus sign) and how often the pair conflicted. */
export function conflictCellText(meanCosine: number | null | undefined, conflictFraction: number | null | undefined): string {
  if (meanCosine === null || meanCosine === undefined || !Number.isFinite(meanCosine)) return 'not observed';
  const cosine = meanCosine.toFixed(2).replace('-', '−');
  const conflict =
    conflictFraction === null || conflictFraction === undefined || !Number.isFinite(conflictFraction)
      ? ''
      : ` · ${Math.round(conflictFraction * 100)}% conflict`;
  return `${cosine === '−0.00' ? '0.00' : cosine}${conflict}`;
}

/**
 * The newest epoch's summary; before an epoch with diagnostics has ended, the newest diagnostic
 * step alone (its conflict is 100% or 0%).
 */
export function conflictMap(view: Pick<RunView, 'latestGradients' | 'latestDiagnostics'>): ConflictMap | undefined {
  const summary = view.latestGradients;
  if (summary !== undefined && summary.names.length >= 2 && summary.steps > 0) {
    const steps = `${summary.steps} diagnostic step${summary.steps === 1 ? '' : 's'}`;
    return matrix(
      summary.names,
      (a, b) => conflictCellText(summary.meanCosine[a]?.[b], summary.conflictFraction[a]?.[b]),
      (a, b) => summary.meanCosine[a]?.[b],
      `Gradient agreement: mean cosine over the ${steps} of the newest epoch with diagnostics`,
    );
  }
  const step = view.latestDiagnostics;
  if (step === undefined || step.names.length < 2) return undefined;
  const conflict = (cosine: number | null | undefined) => (cosine === null || cosine === undefined ? undefined : cosine < 0 ? 1 : 0);
  return matrix(
    step.names,
    (a, b) => conflictCellText(step.cosine[a]?.[b], conflict(step.cosine[a]?.[b])),
    (a, b) => step.cosine[a]?.[b],
    `Gradient agreement: cosine at 1 diagnostic step (epoch ${step.epoch}, step ${step.step}); the epoch's mean follows when it ends`,
  );
}

function matrix(
  names: string[],
  text: (a: number, b: number) => string,
  cosine: (a: number, b: number) => number | null | undefined,
  caption: string,
): ConflictMap {
  return {
    names,
    caption,
    rows: names.map((name, a) => ({
      name,
      cells: names.map((other, b) => (a === b ? { other, text: '—', bucket: 'self' } : { other, text: text(a, b), bucket: cosineBucket(cosine(a, b)) })),
    })),
  };
}

/** The datasets, in the run's order, that have at least one point of `metric`. */
export function datasetsWithCurve(view: Pick<RunView, 'datasets' | 'curves'>, metric: CurveMetric): string[] {
  return view.datasets.map((d) => d.name).filter((name) => (view.curves[name]?.[metric]?.length ?? 0) > 0);
}

export type BalancingColumn = keyof Pick<EpochDatasetMetrics, 'balancerWeight' | 'gradNormShare'>;

/** The balancing columns of the per-epoch table that at least one epoch reports. */
export function balancingColumns(view: Pick<RunView, 'epochHistory'>): BalancingColumn[] {
  const present = (column: BalancingColumn) => view.epochHistory.some(({ datasets }) => Object.values(datasets).some((m) => m[column] !== undefined));
  return (['balancerWeight', 'gradNormShare'] as const).filter(present);
}

const BALANCER_LABEL: Record<NonNullable<RunView['balancer']>['type'], string> = {
  static: 'static (the loss weights as set)',
  uncertainty: 'uncertainty weighting',
  dwa: 'dynamic weight average (dwa)',
  gradnorm: 'GradNorm',
  pcgrad: 'PCGrad (conflicting gradients projected)',
  sampling: 'adaptive sampling (shares moved by validation loss and memorisation)',
};

/** One sentence for the top of the balancing section, or undefined when the run says nothing of a balancer. */
export function balancerSummary(view: Pick<RunView, 'balancer'>): string | undefined {
  const balancer = view.balancer;
  if (balancer === undefined) return undefined;
  const label = BALANCER_LABEL[balancer.type];
  if (balancer.type === 'static' || balancer.type === 'pcgrad') return `Balancer: ${label}.`;
  if (balancer.mode === 'suggest') return `Balancer: ${label}, suggesting: its proposals wait for your decision.`;
  return balancer.type === 'sampling'
    ? `Balancer: ${label}, moving the sampling shares itself between epochs and switching on augment: auto where a dataset is memorised.`
    : `Balancer: ${label}, adjusting the loss weights itself.`;
}
