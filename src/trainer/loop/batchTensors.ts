/** Turns sampled indices of one dataset into the tensors of a `DatasetBatch`. */
import * as tf from '@tensorflow/tfjs';
import type { AugmentSpec } from '../../shared/experiment/schema';
import type { Random } from '../../shared/random';
import { augmentBatch } from '../data/augment';
import type { DataSplit } from '../data/types';
import type { DatasetBatch } from './jointLoss';
import type { PlannedDataset } from './datasetPlan';
import type { JointModel } from '../model/jointModel';

export interface BatchOptions {
  split: DataSplit;
  indices: readonly number[];
  lossWeight: number;
  /** The dataset's learned log-variance (the `uncertainty` balancer). */
  logVariance?: tf.Variable | undefined;
  /** Augment (training only): the augmentation in force and its random stream; omit for validation. */
  augment?: { spec: AugmentSpec; random: Random } | undefined;
}

export function datasetBatch(planned: PlannedDataset, model: JointModel, units: number, options: BatchOptions): DatasetBatch {
  const { split, indices } = options;
  const features = split.readBatch(indices);
  let x: tf.Tensor = tf.tensor(features, [indices.length, ...split.sampleShape]);
  const augment = options.augment;
  if (augment !== undefined) {
    const augmented = augmentBatch(x as tf.Tensor4D, augment.spec, augment.random);
    if (augmented !== x) x.dispose();
    x = augmented;
  }
  const classification = planned.route.task === 'classification';
  const labels = classification
    ? tf.tensor1d(
        Int32Array.from(indices, (i) => planned.classToHead[split.labels[i] as number] as number),
        'int32',
      )
    : tf.tensor1d(
        Float32Array.from(indices, (i) => split.labels[i] as number),
        'float32',
      );
  const weights = planned.classWeights;
  const sampleWeights = weights === undefined ? undefined : tf.tensor1d(Float32Array.from(indices, (i) => weights[split.labels[i] as number] as number));
  return {
    path: model.path(planned.route),
    task: planned.route.task,
    x,
    labels,
    ...(sampleWeights ? { sampleWeights } : {}),
    lossWeight: options.lossWeight,
    ...(options.logVariance ? { logVariance: options.logVariance } : {}),
    regressionLoss: planned.route.regressionLoss,
    units,
  };
}

export function disposeBatch(batch: DatasetBatch): void {
  tf.dispose([batch.x, batch.labels, ...(batch.sampleWeights ? [batch.sampleWeights] : [])]);
}
