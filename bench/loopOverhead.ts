/**
 * Benchmark 1, loop overhead: the joint loop on one dataset with proportional mixing against
 * tfjs `model.fit` on the same model, data, batch size, optimizer and backend. The joint side is
 * `runExperiment` itself; its epoch records time the training steps only (validation and
 * checkpoints come after), and that is the number compared. `fit` gets the training split as one
 * in-memory tensor, as a tfjs user would give it.
 */
import * as tf from '@tensorflow/tfjs';
import { runExperiment } from '../src/trainer/runExperiment';
import { loadMlpExperiment, BATCH_SIZE, LEARNING_RATE } from './mlpExperiment';
import { table, verdict, type BenchSection } from './markdown';
import { fixed, median, whole } from './stats';
import { loadTrainingSetup, type TrainingSetup } from './trainingSetup';
import { freshWorkDir } from './workDir';

const ROUNDS = 5;
const EPOCHS_PER_ROUND = 3;
const RATIO_GOAL = 1.05;

export interface LoopOptions {
  imagesDir: string;
  cacheDir: string;
  backend: string;
}

interface FitData {
  xs: tf.Tensor;
  ys: tf.Tensor1D;
}

/** Milliseconds of each epoch, and the samples each epoch trained on. */
interface EpochTimes {
  durations: number[];
  samples: number[];
}

export async function loopOverhead({ imagesDir, cacheDir, backend }: LoopOptions): Promise<BenchSection> {
  const runsDir = freshWorkDir('runs');
  const setup = await loadTrainingSetup(imagesDir, cacheDir);
  const data = fitData(setup);
  await fitEpochs(setup, data, 1);
  await jointEpochs(imagesDir, cacheDir, runsDir, 1);
  const fit: EpochTimes = { durations: [], samples: [] };
  const joint: EpochTimes = { durations: [], samples: [] };
  // Alternating rounds, so a slow spell of the machine hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    append(fit, await fitEpochs(setup, data, EPOCHS_PER_ROUND));
    append(joint, await jointEpochs(imagesDir, cacheDir, runsDir, EPOCHS_PER_ROUND));
  }
  tf.dispose([data.xs, data.ys]);
  setup.data.close();

  const fitMs = median(fit.durations);
  const jointMs = median(joint.durations);
  const ratio = jointMs / fitMs;
  const row = (label: string, times: EpochTimes, ms: number) => [
    label,
    whole(median(times.samples)),
    times.durations.map((d) => whole(d)).join(', '),
    whole(ms),
    whole((median(times.samples) * 1000) / ms),
  ];
  return {
    title: '1. Loop overhead',
    body: [
      `Backend ${backend}. ${ROUNDS} alternating rounds of ${EPOCHS_PER_ROUND} epochs per side after a one-epoch warm-up of each.`,
      '',
      ...table(
        ['trainer', 'samples / epoch', 'ms per epoch (each)', 'median ms / epoch', 'samples/s'],
        [row('tfjs `model.fit`', fit, fitMs), row('jointrain loop (`runExperiment`)', joint, jointMs)],
      ),
      '',
      `Ratio joint / fit: **${fixed(ratio, 3)}** — ${verdict(ratio <= RATIO_GOAL, `≤ ${RATIO_GOAL}`)}.`,
    ],
  };
}

function append(into: EpochTimes, from: EpochTimes): void {
  into.durations.push(...from.durations);
  into.samples.push(...from.samples);
}

function fitData({ planned }: TrainingSetup): FitData {
  const split = planned.data.train;
  const all = Array.from({ length: split.size }, (_, i) => i);
  return {
    xs: tf.tensor(split.readBatch(all), [split.size, ...split.sampleShape]),
    ys: tf.tensor1d(
      Float32Array.from(split.labels, (label) => planned.classToHead[label] as number),
      'float32',
    ),
  };
}

async function fitEpochs(setup: TrainingSetup, data: FitData, epochs: number): Promise<EpochTimes> {
  const { model } = setup.buildModel();
  const optimizer = tf.train.adam(LEARNING_RATE);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const durations: number[] = [];
  let started = 0;
  await model.fit(data.xs, data.ys, {
    batchSize: BATCH_SIZE,
    epochs,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        started = performance.now();
      },
      onEpochEnd: async () => {
        durations.push(performance.now() - started);
      },
    },
  });
  model.dispose();
  optimizer.dispose();
  return { durations, samples: durations.map(() => data.ys.shape[0]) };
}

async function jointEpochs(imagesDir: string, cacheDir: string, runsDir: string, epochs: number): Promise<EpochTimes> {
  const { loaded } = await loadMlpExperiment(imagesDir, epochs);
  const times: EpochTimes = { durations: [], samples: [] };
  await runExperiment({
    experiment: loaded,
    runsDir,
    cacheDir,
    reporter: {
      onEpochEnd: (record) => {
        times.durations.push(record.durationMs);
        times.samples.push(Object.values(record.datasets).reduce((sum, dataset) => sum + dataset.samples, 0));
      },
    },
  });
  return times;
}
