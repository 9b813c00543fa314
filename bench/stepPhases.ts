/**
 * Times the phases of the joint loop's training step, assembled from the same pieces in the same
 * order as `runExperiment`: sampler draw → `datasetBatch` (readBatch from the decode cache plus
 * tensor creation, and augmentation when asked) → `trainStep` (which reads the per-dataset
 * numbers back) → disposal. The wasm backend runs kernels synchronously, so wall time around
 * each call is the time of its work.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentSpec } from '../src/shared/experiment/schema';
import { Random } from '../src/shared/random';
import { datasetBatch, disposeBatch } from '../src/trainer/loop/batchTensors';
import { trainStep } from '../src/trainer/loop/trainStep';
import { MixingSampler } from '../src/trainer/mixing/mixingSampler';
import { BATCH_SIZE, LEARNING_RATE } from './mlpExperiment';
import type { TrainingSetup } from './trainingSetup';

/** Mean milliseconds per step of each phase. */
export interface StepPhases {
  steps: number;
  drawMs: number;
  dataMs: number;
  trainMs: number;
  disposeMs: number;
  /** draw + data + train + dispose. */
  totalMs: number;
  /**
   * `readBatch` alone, timed by reading the step's samples again after the step (so not part of
   * `totalMs`): how much of `dataMs` is the decode-cache read rather than tensor creation.
   */
  readBatchMs: number;
}

export interface PhaseOptions {
  warmupSteps: number;
  steps: number;
  /** Augment each batch as the image dataset's `augment` field would. */
  augment?: AugmentSpec;
}

export async function measureStepPhases(setup: TrainingSetup, options: PhaseOptions): Promise<StepPhases> {
  const { planned, units } = setup;
  const model = setup.buildModel();
  const optimizer = tf.train.adam(LEARNING_RATE);
  const variables = model.trainableVariables.map((weight) => weight.read() as tf.Variable);
  const kernels = model.kernels.map((weight) => weight.read() as tf.Variable);
  const random = new Random(7);
  const split = planned.data.train;
  const sampler = new MixingSampler([split.size], [1], 'all_exhausted', BATCH_SIZE, random.fork('mixing'));
  const augment = options.augment === undefined || planned.spec.type !== 'images' ? undefined : { spec: options.augment, random: random.fork('augment') };
  const sums = { drawMs: 0, dataMs: 0, trainMs: 0, disposeMs: 0, readBatchMs: 0 };
  sampler.startEpoch();
  for (let step = 0; step < options.warmupSteps + options.steps; step++) {
    const t0 = performance.now();
    const indices = nextIndices(sampler);
    const t1 = performance.now();
    const batch = datasetBatch(planned, model, units, { split, indices, lossWeight: 1, augment });
    const t2 = performance.now();
    await trainStep([batch], BATCH_SIZE, { optimizer, variables, kernels, l2: 0 });
    const t3 = performance.now();
    disposeBatch(batch);
    const t4 = performance.now();
    split.readBatch(indices);
    const t5 = performance.now();
    if (step >= options.warmupSteps) {
      sums.drawMs += t1 - t0;
      sums.dataMs += t2 - t1;
      sums.trainMs += t3 - t2;
      sums.disposeMs += t4 - t3;
      sums.readBatchMs += t5 - t4;
    }
  }
  optimizer.dispose();
  model.model.dispose();
  const per = (ms: number) => ms / options.steps;
  const phases = { drawMs: per(sums.drawMs), dataMs: per(sums.dataMs), trainMs: per(sums.trainMs), disposeMs: per(sums.disposeMs) };
  return {
    steps: options.steps,
    ...phases,
    totalMs: phases.drawMs + phases.dataMs + phases.trainMs + phases.disposeMs,
    readBatchMs: per(sums.readBatchMs),
  };
}

/** The next batch of the one dataset, starting a new epoch (a fresh shuffle) when one ends. */
function nextIndices(sampler: MixingSampler): number[] {
  let mixed = sampler.next();
  if (mixed === undefined) {
    sampler.startEpoch();
    mixed = sampler.next();
  }
  return mixed?.perDataset[0] ?? [];
}
