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
}

const CHUNK = 256;

export function evaluateDataset(planned: PlannedDataset, model: JointModel, units: number): Evaluation {
  const split = planned.data.validation;
  let lossSum = 0;
  let outcomeTotal = 0;
  for (let start = 0; start < split.size; start += CHUNK) {
    const indices = Array.from({ length: Math.min(CHUNK, split.size - start) }, (_, i) => start + i);
    const batch = datasetBatch(planned, model, units, { split, indices, lossWeight: 1 });
    const sums = tf.tidy(() => {
      const { losses, output } = perSampleLoss(batch, false);
      return tf.stack([tf.sum(losses), outcomeSum(batch, output)]);
    });
    const [loss, outcome] = sums.dataSync();
    sums.dispose();
    disposeBatch(batch);
    lossSum += loss as number;
    outcomeTotal += outcome as number;
  }
  const samples = split.size;
  return { samples, loss: samples > 0 ? lossSum / samples : Number.NaN, outcome: samples > 0 ? outcomeTotal / samples : Number.NaN };
}
