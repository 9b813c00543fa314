/**
 * The joint objective. With B samples in a step and ℓ_i the per-sample loss (times its class
 * weight c_i), dataset d contributes L_d = (1/B) Σ_{i∈d} c_i ℓ_i, and
 *
 *   loss_total = Σ_d lossWeight_d · L_d  (+ l2 · Σ‖kernel‖²).
 *
 * Normalising by the whole batch rather than per dataset keeps `proportional` mixing identical to
 * plain concatenation, and makes the sampling share and the loss weight two different knobs: the
 * share decides how often a dataset's samples are seen (repetition, gradient variance), the loss
 * weight how hard each of them pulls.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelPath, Task } from '../model/jointModel';
import { countCorrect, softmaxCrossEntropy } from '../backend/kernels/softmaxCrossEntropy';

export interface DatasetBatch {
  path: ModelPath;
  task: Task;
  x: tf.Tensor;
  /** Head-space class indices (int32, [n]) or regression targets (float32, [n]). */
  labels: tf.Tensor1D;
  /** Per-sample class weights, or undefined when all are 1. */
  sampleWeights?: tf.Tensor1D;
  lossWeight: number;
  regressionLoss: 'mse' | 'mae';
  /** Output units of the head (classes or targets). */
  units: number;
  /**
   * The dataset's learned log-variance s (the `uncertainty` balancer): its term becomes
   * exp(−s)·lossWeight·L̄ + s over its mean loss L̄ (Kendall et al. 2018) instead of lossWeight·L.
   */
  logVariance?: tf.Variable;
}

/** Per-sample loss ℓ_i ([n]) and the model output for a dataset's sub-batch. */
export function perSampleLoss(batch: DatasetBatch, training: boolean): { losses: tf.Tensor1D; output: tf.Tensor2D } {
  const output = batch.path.trainingModel.apply(batch.x, { training }) as tf.Tensor2D;
  if (batch.task === 'classification') {
    const labels = classIndices(batch);
    if (batch.path.outputKind === 'logits') return { losses: softmaxCrossEntropy(output, labels) ?? composedCrossEntropy(output, labels, batch.units), output };
    return { losses: crossEntropy(tf.log(tf.clipByValue(output, 1e-7, 1)), labels, batch.units), output };
  }
  const error = tf.sub(output, batch.labels.reshape([-1, 1]));
  const losses = batch.regressionLoss === 'mae' ? tf.mean(tf.abs(error), -1) : tf.mean(tf.square(error), -1);
  return { losses: losses as tf.Tensor1D, output };
}

/** −log softmax(logits)[label] from tfjs ops, for backends without jointrain's fused kernel. */
export function composedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Tensor1D {
  return crossEntropy(tf.logSoftmax(logits), labels, classes);
}

function crossEntropy(logProbabilities: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Tensor1D {
  // Cast, not oneHot's own dtype: wasm's OneHot (tfjs 4.22) writes int32 bits into a float32 result.
  const oneHot = tf.oneHot(labels, classes).toFloat();
  return tf.neg(tf.sum(tf.mul(oneHot, logProbabilities), -1)) as tf.Tensor1D;
}

/** The labels as int32 class indices: a batch's already are, and a cast to the same type is still a kernel call. */
function classIndices(batch: DatasetBatch): tf.Tensor1D {
  return batch.labels.dtype === 'int32' ? batch.labels : batch.labels.toInt();
}

/** Number of correct predictions (classification) or the summed absolute error (regression). */
export function outcomeSum(batch: DatasetBatch, output: tf.Tensor2D): tf.Scalar {
  if (batch.task === 'classification') {
    const labels = classIndices(batch);
    return countCorrect(output, labels) ?? tf.sum(tf.equal(tf.argMax(output, -1), labels).toFloat());
  }
  return tf.sum(tf.abs(tf.sub(output, batch.labels.reshape([-1, 1]))));
}

/** Σ_{i∈d} c_i ℓ_i for one dataset. */
export function weightedLossSum(batch: DatasetBatch, losses: tf.Tensor1D): tf.Scalar {
  return tf.sum(batch.sampleWeights === undefined ? losses : tf.mul(losses, batch.sampleWeights));
}

/**
 * The dataset's term in loss_total, from its per-sample losses: lossWeight·Σc_iℓ_i/B, or with a
 * learned log-variance exp(−s)·lossWeight·Σc_iℓ_i/n + s.
 */
export function datasetTerm(batch: DatasetBatch, losses: tf.Tensor1D, batchSize: number): tf.Scalar {
  const weighted = weightedLossSum(batch, losses);
  if (batch.logVariance === undefined) return tf.mul(batch.lossWeight / batchSize, weighted);
  const mean = tf.div(weighted, losses.shape[0]);
  return tf.add(tf.mul(tf.mul(tf.exp(tf.neg(batch.logVariance)), batch.lossWeight), mean), batch.logVariance) as tf.Scalar;
}

export function l2Penalty(kernels: readonly tf.Variable[], l2: number): tf.Scalar {
  if (l2 === 0 || kernels.length === 0) return tf.scalar(0);
  return tf.mul(l2, tf.addN(kernels.map((kernel) => tf.sum(tf.square(kernel))))) as tf.Scalar;
}

/** loss_total for one step; `batchSize` is the total number of samples across datasets. */
export function jointLoss(batches: readonly DatasetBatch[], batchSize: number, kernels: readonly tf.Variable[], l2: number): tf.Scalar {
  const terms = batches.map((batch) => datasetTerm(batch, perSampleLoss(batch, true).losses, batchSize));
  return sumOfTerms(terms, l2 > 0 ? l2Penalty(kernels, l2) : undefined);
}

/** Σ terms (+ the l2 term): a sum of one term and a penalty of zero cost no kernel call. */
function sumOfTerms(terms: readonly tf.Scalar[], penalty: tf.Scalar | undefined): tf.Scalar {
  const parts = penalty === undefined ? terms : [...terms, penalty];
  if (parts.length === 0) return tf.scalar(0);
  return parts.length === 1 ? (parts[0] as tf.Scalar) : (tf.addN(parts as tf.Scalar[]) as tf.Scalar);
}

/** A dataset's term of loss_total and what a step reads back of it: [Σ ℓ_i, the term, its outcome sum]. */
export function datasetStepTerm(batch: DatasetBatch, batchSize: number, training: boolean): { term: tf.Scalar; numbers: tf.Scalar[] } {
  const { losses, output } = perSampleLoss(batch, training);
  const term = datasetTerm(batch, losses, batchSize);
  return { term, numbers: [tf.sum(losses), term, outcomeSum(batch, output)] };
}

/**
 * A training step's objective, to be called inside its gradient's function: loss_total, and its
 * numbers stacked for a single read after the step (kept out of the gradient's tidy) — per batch
 * [Σ ℓ_i, term, outcome sum], then the l2 term (0 without one).
 */
export function stepObjective(
  batches: readonly DatasetBatch[],
  batchSize: number,
  kernels: readonly tf.Variable[],
  l2: number,
): { total: tf.Scalar; stats: tf.Tensor1D } {
  const rows = batches.map((batch) => datasetStepTerm(batch, batchSize, true));
  const penalty = l2 > 0 && kernels.length > 0 ? l2Penalty(kernels, l2) : undefined;
  const stats = tf.keep(tf.stack([...rows.flatMap(({ numbers }) => numbers), penalty ?? tf.scalar(0)])) as tf.Tensor1D;
  return {
    total: sumOfTerms(
      rows.map(({ term }) => term),
      penalty,
    ),
    stats,
  };
}
