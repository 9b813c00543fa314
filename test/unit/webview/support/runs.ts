/**
 * Run views for the webview's tests, made the way the host makes them: a run record folded with
 * the shared reducer (`emptyRunView` + `foldRecords`). Two datasets: `digits` (classification, 300
 * training samples) and `prices` (regression, 100), proportional mixing, so the configured shares
 * are 0.75 and 0.25. Step `g` has losses `2 - 0.1·g` (digits) and `4 - 0.2·g` (prices); each epoch
 * has 3 steps.
 */
import { emptyRunView, foldRecords, type ExperimentDefaults, type RunView } from '../../../../src/shared/panel/runView';
import type { DatasetReport, EpochDatasetMetrics, MetricRecord, RunEvent, RunRecord } from '../../../../src/shared/runs/format';

export const RUN_ID = '20261129-184239-digits-6c54';
export const OTHER_RUN_ID = '20261130-091502-digits-a1b2';
export const STEPS_PER_EPOCH = 3;

export function datasetReport(
  name: string,
  task: 'classification' | 'regression',
  train: number,
  classes: Record<string, number>,
  source?: string,
): DatasetReport {
  return {
    name,
    type: task === 'classification' ? 'images' : 'csv',
    head: name,
    stem: name,
    task,
    train: { size: train, classes },
    validation: { size: train / 5, classes: {} },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [8, 8, 1],
    fromCache: false,
    ...(source !== undefined ? { source } : {}),
  };
}

export function runRecord(over: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1,
    id: RUN_ID,
    experimentName: 'digits-and-prices',
    experimentPath: '/work/digits.jointrain.yaml',
    status: 'running',
    pid: 1,
    seed: 1,
    epochs: { total: 4, completed: 0 },
    timings: { startedAt: '2026-11-29T18:42:39.000Z' },
    datasets: [datasetReport('digits', 'classification', 300, { zero: 180, one: 120 }, '/data/digits'), datasetReport('prices', 'regression', 100, {})],
    heads: {},
    ...over,
  };
}

export const DEFAULTS: ExperimentDefaults = {
  mixing: { strategy: 'proportional', temperature: 2 },
  weights: { sampling: { digits: 1, prices: 1 }, loss: { digits: 1, prices: 1 } },
};

export const digitsLoss = (globalStep: number): number => 2 - 0.1 * globalStep;
export const pricesLoss = (globalStep: number): number => 4 - 0.2 * globalStep;
export const digitsAccuracy = (globalStep: number): number => 0.5 + 0.01 * globalStep;

export function stepRecord(epoch: number, step: number): MetricRecord {
  const globalStep = (epoch - 1) * STEPS_PER_EPOCH + step;
  return {
    kind: 'step',
    epoch,
    step,
    globalStep,
    time: '2026-11-29T18:43:00.000Z',
    totalLoss: digitsLoss(globalStep) + pricesLoss(globalStep),
    datasets: {
      digits: { samples: 6, loss: digitsLoss(globalStep), accuracy: digitsAccuracy(globalStep) },
      prices: { samples: 2, loss: pricesLoss(globalStep) },
    },
  };
}

export function epochMetrics(over: Partial<EpochDatasetMetrics> = {}): EpochDatasetMetrics {
  return {
    samples: 24,
    trainLoss: 1,
    valLoss: 1.1,
    configuredShare: 0.75,
    realizedShare: 0.74,
    lossShare: 0.4,
    epochsSeen: 1,
    samplingWeight: 1,
    lossWeight: 1,
    ...over,
  };
}

/** Epoch `n`'s record: digits' validation loss `1.5 - 0.1·n` and accuracy `0.6 + 0.1·n`; prices' MAE `3 - 0.5·n`. */
export function epochRecord(
  n: number,
  over: { digits?: Partial<EpochDatasetMetrics>; prices?: Partial<EpochDatasetMetrics> } = {},
  extra: Partial<MetricRecord> = {},
): MetricRecord {
  return {
    kind: 'epoch',
    epoch: n,
    steps: STEPS_PER_EPOCH,
    time: '2026-11-29T18:44:00.000Z',
    durationMs: 1000,
    samplesPerSecond: 24,
    totalLoss: 3,
    datasets: {
      digits: epochMetrics({
        trainLoss: digitsLoss(n * STEPS_PER_EPOCH),
        trainAccuracy: 0.55,
        valLoss: 1.5 - 0.1 * n,
        valAccuracy: 0.6 + 0.1 * n,
        epochsSeen: 0.8 * n,
        ...over.digits,
      }),
      prices: epochMetrics({
        trainLoss: pricesLoss(n * STEPS_PER_EPOCH),
        valLoss: 2,
        valMae: 3 - 0.5 * n,
        configuredShare: 0.25,
        realizedShare: 0.26,
        lossShare: 0.6,
        epochsSeen: 0.6 * n,
        ...over.prices,
      }),
    },
    ...extra,
  } as MetricRecord;
}

/** Every step of epochs 1..`epochs`, each followed by its epoch record. */
export function epochsOfRecords(epochs: number): MetricRecord[] {
  const records: MetricRecord[] = [];
  for (let n = 1; n <= epochs; n++) {
    for (let s = 1; s <= STEPS_PER_EPOCH; s++) records.push(stepRecord(n, s));
    records.push(epochRecord(n));
  }
  return records;
}

export interface ViewOptions {
  record?: Partial<RunRecord>;
  defaults?: ExperimentDefaults | null;
  epochs?: number;
  metrics?: MetricRecord[];
  events?: RunEvent[];
}

/** A run view after `epochs` whole epochs (2 unless told), then `metrics` and `events`. */
export function runView(options: ViewOptions = {}): RunView {
  const epochs = options.epochs ?? 2;
  const view = emptyRunView(
    runRecord({ epochs: { total: 4, completed: 0 }, ...options.record }),
    options.defaults === null ? undefined : (options.defaults ?? DEFAULTS),
  );
  return foldRecords(view, [...epochsOfRecords(epochs), ...(options.metrics ?? [])], options.events ?? []);
}

export const at = (minute: number): string => `2026-11-29T18:${String(minute).padStart(2, '0')}:00.000Z`;
