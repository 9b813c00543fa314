import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { jointLoss, perSampleLoss, type DatasetBatch } from '../../../src/trainer/loop/jointLoss';
import { trainStep } from '../../../src/trainer/loop/trainStep';
import type { JointModel } from '../../../src/trainer/model/jointModel';
import { tinyBatches, tinyModel } from './tinyJointModel';

before(async () => {
  await tf.setBackend('cpu');
});

const batches = tinyBatches;

function gradients(model: JointModel, loss: () => tf.Scalar): Float32Array[] {
  const variables = model.trainableVariables.map((weight) => weight.read() as tf.Variable);
  const { grads, value } = tf.variableGrads(loss, variables);
  // A variable off the loss's path (the other head) has no gradient: it is zero.
  const arrays = variables.map((variable) => (grads[variable.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(variable.size));
  tf.dispose([value, ...Object.values(grads)]);
  return arrays;
}

test('loss weights scale each dataset’s gradient: ∇total = Σ w_d · (n_d / B) · ∇mean_d', () => {
  const model = tinyModel();
  const [kind, value] = batches(model, [2, 0.5]) as [DatasetBatch, DatasetBatch];
  const B = 8;
  const joint = gradients(model, () => jointLoss([kind, value], B, [], 0));
  const kindOnly = gradients(model, () => tf.mean(perSampleLoss(kind, true).losses) as tf.Scalar);
  const valueOnly = gradients(model, () => tf.mean(perSampleLoss(value, true).losses) as tf.Scalar);
  let compared = 0;
  joint.forEach((grad, v) => {
    grad.forEach((g, i) => {
      const expected = 2 * (5 / B) * ((kindOnly[v] as Float32Array)[i] ?? 0) + 0.5 * (3 / B) * ((valueOnly[v] as Float32Array)[i] ?? 0);
      assert.ok(Math.abs(g - expected) <= 1e-5 + 1e-4 * Math.abs(expected), `variable ${v}[${i}]: ${g} vs ${expected}`);
      compared++;
    });
  });
  assert.ok(compared > 50);
});

test('a loss weight of zero removes the dataset from the gradient', () => {
  const model = tinyModel();
  const [kind, value] = batches(model, [0, 1]) as [DatasetBatch, DatasetBatch];
  const joint = gradients(model, () => jointLoss([kind, value], 8, [], 0));
  const valueOnly = gradients(model, () => tf.mul(3 / 8, tf.mean(perSampleLoss(value, true).losses)) as tf.Scalar);
  joint.forEach((grad, v) => grad.forEach((g, i) => assert.ok(Math.abs(g - ((valueOnly[v] as Float32Array)[i] ?? 0)) < 1e-6)));
});

test('class weights scale the loss of their samples', () => {
  const model = tinyModel();
  const [kind] = batches(model, [1, 1]);
  const plain = jointLoss([kind], 5, [], 0).dataSync()[0] as number;
  const doubled = jointLoss([{ ...kind, sampleWeights: tf.fill([5], 2) as tf.Tensor1D }], 5, [], 0).dataSync()[0] as number;
  assert.ok(Math.abs(doubled - 2 * plain) < 1e-5);
});

test('a training step reports per-dataset sums and leaks no tensors', async () => {
  const model = tinyModel();
  const optimizer = tf.train.adam(0.01);
  const variables = model.trainableVariables.map((weight) => weight.read() as tf.Variable);
  const kernels = model.kernels.map((weight) => weight.read() as tf.Variable);
  const data = batches(model, [1, 1]);
  await trainStep(data, 8, { optimizer, variables, kernels, l2: 0 });
  const before = tf.memory().numTensors;
  const outcome = await trainStep(data, 8, { optimizer, variables, kernels, l2: 0.01 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    outcome.datasets.map((d) => d.samples),
    [5, 3],
  );
  const sum = outcome.datasets.reduce((total, d) => total + d.contribution, 0);
  assert.ok(outcome.totalLoss > sum, 'the L2 penalty adds to the total');
  assert.ok(outcome.datasets[0] !== undefined && outcome.datasets[0].outcomeSum >= 0 && outcome.datasets[0].outcomeSum <= 5);
});
