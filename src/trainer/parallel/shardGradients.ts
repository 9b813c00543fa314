/**
 * One shard's part of a joint step: the gradient of its rows' terms of loss_total, nothing applied.
 * Every term is normalised by the whole step's batch size (`datasetTerm`), so the shards' gradients
 * add up to the gradient of the whole batch: a data-parallel step sums them and applies the sum once.
 */
import * as tf from '@tensorflow/tfjs';
import { stepObjective, type DatasetBatch } from '../loop/jointLoss';

export interface ShardGradients {
  /** By variable name; a variable none of the shard's rows reaches has none. */
  grads: tf.NamedTensorMap;
  /** Per batch: Σ ℓ_i, its contribution to loss_total, its outcome sum; then the l2 term (0 without it). */
  numbers: Float32Array;
}

/** `penalty`: the l2 term belongs to exactly one shard (the main thread's), which adds it here. */
export function shardGradients(
  batches: readonly DatasetBatch[],
  batchSize: number,
  variables: tf.Variable[],
  penalty?: { kernels: readonly tf.Variable[]; l2: number },
): ShardGradients {
  const l2 = penalty?.l2 ?? 0;
  const kernels = penalty?.kernels ?? [];
  if (batches.length === 0 && !(l2 > 0 && kernels.length > 0)) return { grads: {}, numbers: new Float32Array(1) };
  let stats: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const objective = stepObjective(batches, batchSize, kernels, l2);
    stats = objective.stats;
    return objective.total;
  }, variables);
  const numbers = (stats as tf.Tensor).dataSync() as Float32Array;
  tf.dispose([value, stats as tf.Tensor]);
  return { grads, numbers };
}

/** The rows [start, end) of `rows` that shard `shard` of `shards` takes: contiguous, sizes differing by at most one. */
export function shardRange(rows: number, shard: number, shards: number): [number, number] {
  return [Math.floor((rows * shard) / shards), Math.floor((rows * (shard + 1)) / shards)];
}
