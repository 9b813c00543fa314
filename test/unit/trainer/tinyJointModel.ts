/**
 * A tiny joint model for loss and step tests: one `table` stem (4 features), a shared trunk, and
 * two heads — `kind` (3 classes) and `value` (regression) — with a batch for each.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetBatch } from '../../../src/trainer/loop/jointLoss';
import { buildDeclaredModel, type JointModel } from '../../../src/trainer/model/jointModel';

export function tinyModel(): JointModel {
  return buildDeclaredModel(
    {
      stems: {
        table: { layers: [{ type: 'dense', units: 6, activation: 'tanh', use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros' }] },
      },
      trunk: [{ type: 'dense', units: 5, activation: 'relu', use_bias: true, kernel_initializer: 'glorot_uniform', bias_initializer: 'zeros' }],
      heads: { kind: { task: 'classification', layers: [] }, value: { task: 'regression', loss: 'mse', layers: [] } },
    },
    { table: [4] },
    { kind: { task: 'classification', units: 3 }, value: { task: 'regression', units: 1 } },
    [
      { stem: 'table', head: 'kind' },
      { stem: 'table', head: 'value' },
    ],
    11,
  );
}

/** A `kind` batch of 5 samples and a `value` batch of 3, with the given loss weights. */
export function tinyBatches(model: JointModel, lossWeights: [number, number]): [DatasetBatch, DatasetBatch] {
  return [
    {
      path: model.path({ stem: 'table', head: 'kind' }),
      task: 'classification',
      x: tf.randomNormal([5, 4], 0, 1, 'float32', 1),
      labels: tf.tensor1d([0, 2, 1, 1, 0], 'int32'),
      lossWeight: lossWeights[0],
      regressionLoss: 'mse',
      units: 3,
    },
    {
      path: model.path({ stem: 'table', head: 'value' }),
      task: 'regression',
      x: tf.randomNormal([3, 4], 0, 1, 'float32', 2),
      labels: tf.tensor1d([0.5, -1, 2]),
      lossWeight: lossWeights[1],
      regressionLoss: 'mse',
      units: 1,
    },
  ];
}
