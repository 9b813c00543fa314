/** One optimizer step on the joint loss, returning per-dataset numbers from a single device read. */
import * as tf from '@tensorflow/tfjs';
import { applyAllGradients } from './optimizer';
import type { UpdateRules } from './updateRules';
import { stepObjective, type DatasetBatch } from './jointLoss';

export interface DatasetStepOutcome {
  samples: number;
  /** Σ ℓ_i over the dataset's sub-batch (class weights not applied): for the mean loss. */
  lossSum: number;
  /** lossWeight · Σ c_i ℓ_i / B: the dataset's term in loss_total (see `datasetTerm`). */
  contribution: number;
  /** Correct predictions (classification) or summed absolute error (regression). */
  outcomeSum: number;
}

export interface StepOutcome {
  totalLoss: number;
  datasets: DatasetStepOutcome[];
  /** The l2 term of loss_total (0 without l2): to name it when it is what made the total non-finite. */
  l2Penalty: number;
  /** Backward passes the step took: 1 for the joint loss, one per dataset when gradients are kept apart. */
  backwardPasses: number;
}

/** What a step updates and how: the same for every kind of step (joint, per dataset, on several threads). */
export interface StepTarget {
  optimizer: tf.Optimizer;
  /** Every trainable variable, in a fixed order (the model's, then a balancer's). */
  variables: tf.Variable[];
  /** The kernels the l2 term covers. */
  kernels: readonly tf.Variable[];
  l2: number;
  /** Clipping and weight decay around the optimizer's step. */
  rules?: UpdateRules | undefined;
}

/** Reads back with `data()`, not `dataSync()`: a WebGPU backend in Node cannot read synchronously. */
export async function trainStep(
  batches: readonly DatasetBatch[],
  batchSize: number,
  { optimizer, variables, kernels, l2, rules }: StepTarget,
): Promise<StepOutcome> {
  let stats: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const objective = stepObjective(batches, batchSize, kernels, l2);
    stats = objective.stats;
    return objective.total;
  }, variables);
  applyAllGradients(optimizer, variables, grads, rules);
  const [numbers, total] = await Promise.all([(stats as tf.Tensor).data(), value.data()]);
  const totalLoss = total[0] as number;
  tf.dispose([value, stats, ...Object.values(grads)]);
  return {
    totalLoss,
    backwardPasses: 1,
    l2Penalty: numbers[3 * batches.length] as number,
    datasets: batches.map((batch, d) => ({
      samples: batch.labels.shape[0],
      lossSum: numbers[3 * d] as number,
      contribution: numbers[3 * d + 1] as number,
      outcomeSum: numbers[3 * d + 2] as number,
    })),
  };
}
