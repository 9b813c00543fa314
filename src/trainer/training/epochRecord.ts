/** What an epoch adds up to (the epoch record), a diagnostic step spread over all datasets, and the checkpoint monitor. */
import { monitorParts, reduceMonitor } from '../../shared/experiment/monitor';
import type { Monitor } from '../../shared/experiment/schema';
import { recordedConfusion } from '../../shared/metrics/classMetrics';
import type { EpochWeights } from './datasetWeights';
import type { EpochGradientSummary, GradientDiagnostics } from '../../shared/runs/format';
import type { gradientDiagnostics } from '../balancing/gradientMath';
import type { TrainingPlan } from '../loop/datasetPlan';
import type { EpochTally } from '../loop/epochTally';
import { evaluateDataset } from '../loop/evaluate';
import type { JointModel } from '../model/jointModel';
import type { EpochRecord } from '../trainingReporter';

const now = () => new Date().toISOString();

export async function epochRecord(
  plan: TrainingPlan,
  model: JointModel,
  tally: EpochTally,
  info: {
    epoch: number;
    steps: number;
    trainMs: number;
    shares: number[];
    realized: number[];
    totalDrawn: number[];
    weights: EpochWeights;
    learningRate: number;
    gradients: EpochGradientSummary | undefined;
    balancerWeights: number[] | undefined;
  },
): Promise<EpochRecord> {
  const totalContribution = tally.totalContribution;
  const datasets: EpochRecord['datasets'] = {};
  for (const [d, planned] of plan.datasets.entries()) {
    const name = planned.spec.name;
    const sums = tally.of(d);
    const evaluation = await evaluateDataset(planned, model, plan.heads[planned.route.head]?.units ?? 0);
    const classification = planned.route.task === 'classification';
    datasets[name] = {
      samples: sums.samples,
      trainLoss: sums.samples > 0 ? sums.lossSum / sums.samples : Number.NaN,
      ...(classification ? { trainAccuracy: sums.samples > 0 ? sums.outcomeSum / sums.samples : Number.NaN } : {}),
      valLoss: evaluation.loss,
      ...(classification ? { valAccuracy: evaluation.outcome } : { valMae: evaluation.outcome }),
      ...(recordedConfusion(evaluation.confusion) !== undefined ? { valConfusion: evaluation.confusion } : {}),
      configuredShare: info.shares[d] ?? 0,
      realizedShare: info.realized[d] ?? 0,
      lossShare: totalContribution > 0 ? sums.contribution / totalContribution : 0,
      epochsSeen: (info.totalDrawn[d] ?? 0) / Math.max(1, planned.data.train.size),
      samplingWeight: info.weights.sampling[name] ?? 0,
      lossWeight: info.weights.loss[name] ?? 0,
      ...(info.balancerWeights ? { balancerWeight: info.balancerWeights[d] ?? 1 } : {}),
      ...(typeof info.gradients?.normShare[d] === 'number' ? { gradNormShare: info.gradients.normShare[d] } : {}),
    };
  }
  return {
    kind: 'epoch',
    epoch: info.epoch,
    steps: info.steps,
    time: now(),
    durationMs: info.trainMs,
    samplesPerSecond: (tally.totalSamples * 1000) / Math.max(1, info.trainMs),
    totalLoss: info.steps > 0 ? tally.totalContribution / info.steps : Number.NaN,
    datasets,
    temperature: info.weights.temperature,
    learningRate: info.learningRate,
    ...(info.gradients ? { gradients: info.gradients } : {}),
  };
}

/** A step's diagnostics over its batches, spread over every dataset of the run (absent ones null). */
export function spreadDiagnostics(
  diagnostics: ReturnType<typeof gradientDiagnostics>,
  indices: readonly number[],
  names: readonly string[],
  sharedParameters: number,
): GradientDiagnostics {
  const position = new Map(indices.map((d, i) => [d, i]));
  const at = <T>(values: readonly (T | null)[], d: number): T | null => {
    const i = position.get(d);
    return i === undefined ? null : (values[i] ?? null);
  };
  return {
    names: [...names],
    norms: names.map((_, d) => at(diagnostics.norms, d)),
    normShares: names.map((_, d) => at(diagnostics.normShares, d)),
    cosine: names.map((_, a) =>
      names.map((__, b) => {
        const i = position.get(a);
        return i === undefined ? null : at(diagnostics.cosine[i] ?? [], b);
      }),
    ),
    sharedParameters,
  };
}

/** A validation monitor's value at this epoch: a mean or worst over datasets, each counting once, or one dataset's. */
export function monitorOf(record: EpochRecord, monitor: Monitor): number {
  const { metric } = monitorParts(monitor);
  const values = new Map(Object.entries(record.datasets).map(([name, d]) => [name, metric === 'loss' ? d.valLoss : d.valAccuracy]));
  return reduceMonitor(monitor, values);
}
