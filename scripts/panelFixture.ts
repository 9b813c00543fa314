/**
 * A run to look at the training panel with: three datasets (one of them small and over-sampled, so
 * the Balance section shows its two warnings that pull against each other), twelve epochs of a
 * twenty-epoch run, and the events a user meets — a weight change from the panel, one from a
 * schedule, an accepted balancer suggestion, one from the CLI, a pause, a request still pending, and
 * an open suggestion of the diagnostics (augmentation for the over-sampled dataset).
 * Folded by the shared `foldRecords`, as the host folds a run folder into its snapshot.
 */
import type { ComparedRun } from '../src/shared/panel/comparison';
import { emptyRunView, foldRecords, type RunView } from '../src/shared/panel/runView';
import type { DatasetReport, EpochDatasetMetrics, MetricRecord, RunEvent, RunRecord } from '../src/shared/runs/format';

const STEPS_PER_EPOCH = 100;
const EPOCHS = 12;
const RUN_ID = '20261205-141502-mnist-joint-a1b2';
/** The run the comparison picker offers: same experiment, started earlier. */
export const EARLIER_RUN_ID = '20261205-093011-mnist-joint-6c54';

interface FixtureDataset {
  name: string;
  train: number;
  validation: number;
  classes: string[];
  /** Per epoch: how many training samples of it an epoch draws. */
  perEpoch: number;
  /** How fast its loss falls. */
  pace: number;
}

const DATASETS: FixtureDataset[] = [
  { name: 'mnist', train: 60_000, validation: 10_000, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], perEpoch: 6_400, pace: 6 },
  { name: 'mnist-rot', train: 1_200, validation: 300, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], perEpoch: 4_000, pace: 2 },
  { name: 'small', train: 400, validation: 100, classes: ['cat', 'dog'], perEpoch: 200, pace: 4 },
];

function report(d: FixtureDataset): DatasetReport {
  const perClass = (size: number) => Object.fromEntries(d.classes.map((c) => [c, Math.round(size / d.classes.length)]));
  return {
    name: d.name,
    type: 'images',
    head: d.name,
    stem: 'shared',
    task: 'classification',
    train: { size: d.train, classes: perClass(d.train) },
    validation: { size: d.validation, classes: perClass(d.validation) },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [28, 28, 1],
    fromCache: true,
    source: `/home/ada/datasets/${d.name}`,
  };
}

function record(): RunRecord {
  return {
    formatVersion: 1,
    id: RUN_ID,
    experimentName: 'mnist-joint',
    experimentPath: '/work/mnist-joint.jointrain.yaml',
    status: 'running',
    pid: 1,
    seed: 1,
    epochs: { total: 20, completed: EPOCHS },
    timings: { startedAt: '2026-12-05T14:15:02.000Z' },
    datasets: DATASETS.map(report),
    heads: Object.fromEntries(DATASETS.map((d) => [d.name, { task: 'classification', classes: d.classes, outputs: { shared: d.name } }])),
  };
}

const time = (minutes: number) => new Date(Date.UTC(2026, 11, 5, 14, 15 + minutes)).toISOString();
/** A deterministic wobble, so the curves look measured rather than drawn. */
const wobble = (i: number) => 0.06 * Math.sin(i * 1.7) + 0.04 * Math.sin(i * 0.37);
const lossAt = (d: FixtureDataset, step: number, i: number) => Math.max(0.02, 2.3 * Math.exp(-step / (d.pace * 120)) + 0.05 + wobble(i + step));

function metrics(): MetricRecord[] {
  const records: MetricRecord[] = [];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    for (let step = 1; step <= STEPS_PER_EPOCH; step++) {
      const globalStep = (epoch - 1) * STEPS_PER_EPOCH + step;
      const datasets = Object.fromEntries(
        DATASETS.map((d, i) => [d.name, { samples: 32, loss: lossAt(d, globalStep, i), accuracy: Math.min(1, 1 - lossAt(d, globalStep, i) / 2.6) }]),
      );
      records.push({ kind: 'step', epoch, step, globalStep, time: time(epoch), totalLoss: 1, datasets });
    }
    const end = epoch * STEPS_PER_EPOCH;
    const losses = DATASETS.map((d, i) => lossAt(d, end, i) * (d.name === 'mnist' ? 1 : 0.15));
    const total = losses.reduce((sum, loss) => sum + loss, 0);
    const datasets = Object.fromEntries(
      DATASETS.map((d, i): [string, EpochDatasetMetrics] => [
        d.name,
        {
          samples: d.perEpoch,
          trainLoss: lossAt(d, end, i),
          trainAccuracy: Math.min(1, 1 - lossAt(d, end, i) / 2.6),
          valLoss: lossAt(d, end, i) * 1.15 + 0.05,
          valAccuracy: Math.min(1, 0.97 - lossAt(d, end, i) / 2.4),
          valConfusion: confusionAt(d, Math.min(1, 0.97 - lossAt(d, end, i) / 2.4)),
          configuredShare: [0.6, 0.3, 0.1][i] ?? 0,
          realizedShare: [0.59, 0.31, 0.1][i] ?? 0,
          lossShare: (losses[i] ?? 0) / total,
          epochsSeen: (epoch * d.perEpoch) / d.train,
          samplingWeight: i === 1 && epoch >= 6 ? 2 : 1,
          lossWeight: i === 0 && epoch >= 4 ? 0.5 : 1,
        },
      ]),
    );
    const learningRate = epoch <= 8 ? 0.001 : 0.0005;
    records.push({
      kind: 'epoch',
      epoch,
      steps: STEPS_PER_EPOCH,
      time: time(epoch),
      durationMs: 60_000,
      samplesPerSecond: 180,
      totalLoss: total,
      datasets,
      learningRate,
    });
  }
  return records;
}

/** A plausible confusion matrix at accuracy `accuracy`: classes a little above and below it, each one's misses taken for the next class. */
function confusionAt(d: (typeof DATASETS)[number], accuracy: number): number[][] {
  const k = d.classes.length;
  const perClass = Math.round(d.validation / k);
  return d.classes.map((_, c) => {
    const right = Math.round(perClass * Math.min(1, Math.max(0, accuracy + ((c % 3) - 1) * 0.04)));
    return d.classes.map((__, p) => (p === c ? right : p === (c + 1) % k ? perClass - right : 0));
  });
}

const ones = () => Object.fromEntries(DATASETS.map((d) => [d.name, 1]));

function events(): RunEvent[] {
  const all = (sampling: Record<string, number>, loss: Record<string, number>) => ({ sampling: { ...ones(), ...sampling }, loss: { ...ones(), ...loss } });
  return [
    {
      kind: 'started',
      time: time(0),
      backend: 'webgpu',
      adapter: { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070 Laptop GPU', software: false },
    },
    { kind: 'weights-requested', time: time(3), epoch: 3, step: 40, change: { loss: { mnist: 0.5 } }, requestId: 'panel-m1x2y3-abc' },
    { kind: 'weights-applied', time: time(4), epoch: 4, ...all({}, { mnist: 0.5 }), requestId: 'panel-m1x2y3-abc' },
    { kind: 'weights-scheduled', time: time(6), epoch: 6, sampling: { 'mnist-rot': 2 } },
    {
      kind: 'weights-suggested',
      time: time(8),
      epoch: 8,
      suggestionId: 'suggestion-8',
      balancer: 'gradnorm',
      loss: { small: 1.4 },
      reason: 'small trails the others in gradient norm.',
    },
    { kind: 'weights-requested', time: time(8), epoch: 8, step: 10, change: { loss: { small: 1.4 } }, requestId: 'suggestion-8' },
    { kind: 'suggestion-decided', time: time(8), epoch: 8, suggestionId: 'suggestion-8', decision: 'accepted', loss: { small: 1.4 } },
    { kind: 'weights-applied', time: time(9), epoch: 9, ...all({ 'mnist-rot': 2 }, { mnist: 0.5, small: 1.4 }), requestId: 'suggestion-8' },
    { kind: 'paused', time: time(10), epoch: 10, step: 55 },
    { kind: 'resumed', time: time(10), epoch: 10, step: 55 },
    { kind: 'weights-requested', time: time(10), epoch: 10, step: 60, change: { sampling: { small: 1.5 } } },
    { kind: 'weights-applied', time: time(11), epoch: 11, ...all({ 'mnist-rot': 2, small: 1.5 }, { mnist: 0.5, small: 1.4 }) },
    { kind: 'weights-requested', time: time(12), epoch: 12, step: 20, change: { sampling: { 'mnist-rot': 1 } }, requestId: 'panel-m1x9z8-def' },
    {
      kind: 'weights-suggested',
      time: time(12),
      epoch: 12,
      suggestionId: 'suggestion-12',
      balancer: 'diagnostics',
      augment: ['mnist-rot'],
      dataset: 'mnist-rot',
      reason:
        'mnist-rot has been seen 40.0 times (1200 training samples), training accuracy 98% against 96% on validation: it is likely memorised and has no augmentation — switch on its augmentation (rotation ±10°, shifts ±0.1, zoom ±0.1)',
      expected: 'its repeated samples vary from epoch to epoch, so the gap between training and validation accuracy should narrow',
    },
  ];
}

/**
 * What a finished run adds: model/ holds the best epoch by the weakest dataset, and the test splits
 * of the two small datasets were evaluated with it.
 */
function finished(run: RunRecord): RunRecord {
  const [, rotated, small] = DATASETS as [FixtureDataset, FixtureDataset, FixtureDataset];
  return {
    ...run,
    status: 'completed',
    model: { epoch: EPOCHS - 1, chosen: 'best', monitor: 'val_accuracy_worst', value: 0.812, last: { epoch: EPOCHS, path: 'model-last' } },
    test: {
      'mnist-rot': {
        source: '/home/ada/datasets/mnist-rot-test',
        samples: 300,
        loss: 0.52,
        accuracy: 0.86,
        macroF1: 0.858,
        classes: rotated.classes,
        confusion: confusionAt(rotated, 0.86),
      },
      small: {
        source: '/home/ada/datasets/small-test',
        samples: 100,
        loss: 0.41,
        accuracy: 0.83,
        macroF1: 0.829,
        classes: small.classes,
        confusion: [
          [44, 6],
          [11, 39],
        ],
      },
    },
  };
}

/** The fixture run, as the host's snapshot carries it: training, or `done` with its model and test results. */
export function fixtureRunView(done = false): RunView {
  const view = emptyRunView(done ? finished(record()) : record(), {
    mixing: { strategy: 'proportional', temperature: 1 },
    weights: { sampling: ones(), loss: ones() },
    // A plateau schedule: the rate halves after epoch 8 stalls (see the epoch records).
    schedules: {
      sampling: {},
      loss: {},
      learningRate: {
        base: 0.001,
        schedule: { type: 'reduce_on_plateau', monitor: 'val_loss_mean', factor: 0.5, patience: 3, min_delta: 0, cooldown: 0, min_learning_rate: 0 },
      },
    },
  });
  return foldRecords(view, metrics(), events());
}

/** The earlier run of the same experiment, for the comparison overlay: the same curves, a little worse. */
export function earlierRun(): ComparedRun {
  const view = fixtureRunView();
  for (const curves of Object.values(view.curves)) for (const point of [...(curves.trainLoss ?? []), ...(curves.valLoss ?? [])]) point.y *= 1.12;
  return { runId: EARLIER_RUN_ID, curves: view.curves, epochEndX: view.epochEndX };
}
