/** Validation of one dataset through its path, in inference mode, in fixed-size chunks. */
import * as tf from '@tensorflow/tfjs';
import type { JointModel } from '../model/jointModel';
import { datasetBatch, disposeBatch } from './batchTensors';
import type { PlannedDataset } from './datasetPlan';
import { outcomeSum, perSampleLoss } from './jointLoss';

export interface Evaluation {
  samples: number;
  loss: number;
  /** Accuracy for classification, mean absolute error for regression. */
  outcome: number;
  /** Classification: counts of [true class][predicted class] over the head's classes. */
  confusion?: number[][];
}

const CHUNK = 256;

export async function evaluateDataset(planned: PlannedDataset, model: JointModel, units: number): Promise<Evaluation> {
  const split = planned.data.validation;
  let lossSum = 0;
  let outcomeTotal = 0;
  const classification = planned.route.task === 'classification';
  const confusion = classification ? Array.from({ length: units }, () => new Array<number>(units).fill(0)) : undefined;
  for (let start = 0; start < split.size; start += CHUNK) {
    const indices = Array.from({ length: Math.min(CHUNK, split.size - start) }, (_, i) => start + i);
    const batch = datasetBatch(planned, model, units, { split, indices, lossWeight: 1 });
    const { sums, predicted } = tf.tidy((): { sums: tf.Tensor; predicted?: tf.Tensor } => {
      const { losses, output } = perSampleLoss(batch, false);
      const sums = tf.stack([tf.sum(losses), outcomeSum(batch, output)]);
      return classification ? { sums, predicted: tf.argMax(output, -1) } : { sums };
    });
    // Awaited reads: a WebGPU backend in Node cannot read synchronously.
    const [loss, outcome] = await sums.data();
    if (confusion !== undefined && predicted !== undefined) {
      const [labels, guesses] = await Promise.all([batch.labels.data(), predicted.data()]);
      for (let i = 0; i < guesses.length; i++) {
        const row = confusion[labels[i] as number];
        const guess = guesses[i] as number;
        if (row !== undefined && guess < units) row[guess] = (row[guess] as number) + 1;
      }
    }
    tf.dispose(predicted === undefined ? [sums] : [sums, predicted]);
    disposeBatch(batch);
    lossSum += loss as number;
    outcomeTotal += outcome as number;
  }
  const samples = split.size;
  return {
    samples,
    loss: samples > 0 ? lossSum / samples : Number.NaN,
    outcome: samples > 0 ? outcomeTotal / samples : Number.NaN,
    ...(confusion !== undefined ? { confusion } : {}),
  };
}
