/**
 * The synthetic run of the panel rendering benchmark: three classification datasets, each with the
 * four curves the panel draws for one (train loss, train accuracy, validation loss, validation
 * accuracy) at 100,000 points each, 100 epochs of 1,000 steps into a run of 200. A real run has one
 * validation point per epoch; issue 4 asks for 100,000 points on every series, so here validation
 * is as dense as training, the upper bound. Pure: it is bundled into the benchmark's page too.
 */
import type { HostToPanelMessage } from '../src/shared/panel/protocol';
import { emptyRunView, type CurveMetric, type CurvePoint, type RunView } from '../src/shared/panel/runView';
import { Random } from '../src/shared/random';
import type { DatasetReport, EpochDatasetMetrics, MetricRecord, RunRecord } from '../src/shared/runs/format';

export const LONG_RUN = {
  datasets: ['digits', 'letters', 'symbols'],
  /** The curves of one classification dataset, as `chartSpecs` in webview/charts.ts draws them. */
  metrics: ['trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy'] as const satisfies readonly CurveMetric[],
  pointsPerSeries: 100_000,
  stepsPerEpoch: 1_000,
  totalEpochs: 200,
} as const;

const CLASSES = Array.from({ length: 10 }, (_, i) => `class-${i}`);
const TRAIN_SIZE = 20_000;
const VALIDATION_SIZE = 5_000;
const BATCH_PER_DATASET = 21;

/** Smooth decays with noise, so min/max downsampling has spikes to keep, as in a real run. */
function lossAt(dataset: number, step: number, noise: number): number {
  return Math.max(0.01, 0.15 + 2.15 * Math.exp(-step / (15_000 + 5_000 * dataset)) + noise);
}

function accuracyAt(dataset: number, step: number, noise: number): number {
  return Math.min(1, Math.max(0, 0.97 - 0.87 * Math.exp(-step / (12_000 + 4_000 * dataset)) + noise));
}

function datasetReport(name: string): DatasetReport {
  const perClass = (size: number) => Object.fromEntries(CLASSES.map((c) => [c, size / CLASSES.length]));
  return {
    name,
    type: 'images',
    head: name,
    stem: 'shared',
    task: 'classification',
    train: { size: TRAIN_SIZE, classes: perClass(TRAIN_SIZE) },
    validation: { size: VALIDATION_SIZE, classes: perClass(VALIDATION_SIZE) },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [28, 28, 1],
    fromCache: true,
  };
}

function runRecord(): RunRecord {
  const completed = LONG_RUN.pointsPerSeries / LONG_RUN.stepsPerEpoch;
  return {
    formatVersion: 1,
    id: '20261129-120000-panel-bench-0001',
    experimentName: 'panel-bench',
    experimentPath: '/bench/panel-bench.jointrain.yaml',
    status: 'running',
    pid: 1,
    seed: 1,
    epochs: { total: LONG_RUN.totalEpochs, completed },
    timings: { startedAt: '2026-11-29T12:00:00.000Z' },
    datasets: LONG_RUN.datasets.map(datasetReport),
    heads: Object.fromEntries(LONG_RUN.datasets.map((name) => [name, { task: 'classification', classes: CLASSES, outputs: { shared: name } }])),
  };
}

function epochMetrics(dataset: number, step: number, epoch: number): EpochDatasetMetrics {
  const share = 1 / LONG_RUN.datasets.length;
  return {
    samples: BATCH_PER_DATASET * LONG_RUN.stepsPerEpoch,
    trainLoss: lossAt(dataset, step, 0),
    trainAccuracy: accuracyAt(dataset, step, 0),
    valLoss: lossAt(dataset, step, 0.05),
    valAccuracy: accuracyAt(dataset, step, -0.02),
    configuredShare: share,
    realizedShare: share,
    lossShare: share,
    epochsSeen: (epoch * BATCH_PER_DATASET * LONG_RUN.stepsPerEpoch) / TRAIN_SIZE,
    samplingWeight: 1,
    lossWeight: 1,
  };
}

function curves(dataset: number): Record<(typeof LONG_RUN.metrics)[number], CurvePoint[]> {
  const random = new Random(7).fork(String(dataset));
  const result = { trainLoss: [] as CurvePoint[], trainAccuracy: [] as CurvePoint[], valLoss: [] as CurvePoint[], valAccuracy: [] as CurvePoint[] };
  for (let x = 1; x <= LONG_RUN.pointsPerSeries; x++) {
    const epoch = x / LONG_RUN.stepsPerEpoch;
    result.trainLoss.push({ x, y: lossAt(dataset, x, 0.08 * random.normal()) });
    result.trainAccuracy.push({ x, y: accuracyAt(dataset, x, 0.03 * random.normal()) });
    result.valLoss.push({ x, epoch, y: lossAt(dataset, x, 0.05 + 0.02 * random.normal()) });
    result.valAccuracy.push({ x, epoch, y: accuracyAt(dataset, x, -0.02 + 0.01 * random.normal()) });
  }
  return result;
}

/** The whole run as the host folds it from the run folder, before `downsampleCurves` cuts it for the snapshot. */
export function longRunView(): RunView {
  const datasets = LONG_RUN.datasets;
  const ones = Object.fromEntries(datasets.map((name) => [name, 1]));
  const view = emptyRunView(runRecord(), { mixing: { strategy: 'proportional', temperature: 1 }, weights: { sampling: ones, loss: ones } });
  const epochs = view.epochs.completed;
  view.lastX = LONG_RUN.pointsPerSeries;
  view.epochEndX = Array.from({ length: epochs }, (_, i) => (i + 1) * LONG_RUN.stepsPerEpoch);
  view.curves = Object.fromEntries(datasets.map((name, d) => [name, curves(d)]));
  view.epochHistory = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    datasets: Object.fromEntries(datasets.map((name, d) => [name, epochMetrics(d, (i + 1) * LONG_RUN.stepsPerEpoch, i + 1)])),
  }));
  view.latestEpoch = view.epochHistory[epochs - 1]?.datasets ?? {};
  return view;
}

/** The `index`-th delta of the epoch after the snapshot: one step record, as the trainer writes one per step. */
export function liveDelta(index: number, seq: number): HostToPanelMessage {
  const random = new Random(11).fork(String(index));
  const globalStep = LONG_RUN.pointsPerSeries + index + 1;
  const datasets = Object.fromEntries(
    LONG_RUN.datasets.map((name, d) => [
      name,
      { samples: BATCH_PER_DATASET, loss: lossAt(d, globalStep, 0.08 * random.normal()), accuracy: accuracyAt(d, globalStep, 0.03 * random.normal()) },
    ]),
  );
  const totalLoss = Object.values(datasets).reduce((sum, m) => sum + m.loss, 0);
  const epoch = LONG_RUN.pointsPerSeries / LONG_RUN.stepsPerEpoch + 1;
  const step: MetricRecord = {
    kind: 'step',
    epoch,
    step: index + 1,
    globalStep,
    time: new Date(Date.UTC(2026, 10, 29, 13) + index * 150).toISOString(),
    totalLoss,
    datasets,
  };
  return { type: 'delta', seq, metrics: [step], events: [], status: 'running', epochs: { total: LONG_RUN.totalEpochs, completed: epoch - 1 } };
}
