import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { OptimizerSchema } from './update-rules-support';
import { applyAllGradients, createOptimizer } from '../../../src/trainer/loop/optimizer';
import { clippedGradients, updateRulesFor } from '../../../src/trainer/loop/updateRules';

before(async () => {
  await tf.setBackend('cpu');
});

const values = (map: tf.NamedTensorMap, name: string) => Array.from((map[name] as tf.Tensor).dataSync());
const near = (actual: number[], expected: number[]) =>
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-6, `${actual.join(',')} ≠ ${expected.join(',')}`));

test('clip_norm scales all gradients together to the norm when their global norm is above it, and leaves them alone below', () => {
  const grads = { a: tf.tensor([3]), b: tf.tensor([4]) };
  const rules = updateRulesFor(OptimizerSchema.parse({ clip_norm: 1 }), [], () => 0.1);
  assert.ok(rules);
  const clipped = clippedGradients(grads, rules);
  near(values(clipped, 'a'), [0.6]);
  near(values(clipped, 'b'), [0.8]);
  const loose = clippedGradients(grads, { clipNorm: 10, learningRate: () => 0.1 });
  near(values(loose, 'a'), [3]);
  tf.dispose([...Object.values(grads), ...Object.values(clipped), ...Object.values(loose)]);
});

test('clip_value clips each element first, then clip_norm sees the clipped gradients', () => {
  const grads = { a: tf.tensor([5, -0.5]), b: tf.tensor([-7]) };
  const clipped = clippedGradients(grads, { clipValue: 1, clipNorm: 10, learningRate: () => 0.1 });
  near(values(clipped, 'a'), [1, -0.5]);
  near(values(clipped, 'b'), [-1]);
  tf.dispose([...Object.values(grads), ...Object.values(clipped)]);
});

test('no rules are made when the optimizer asks for none; adam ignores weight_decay, adamw uses it', () => {
  assert.equal(
    updateRulesFor(OptimizerSchema.parse({}), [], () => 0.1),
    undefined,
  );
  assert.equal(
    updateRulesFor(OptimizerSchema.parse({ type: 'adam', weight_decay: 0.5 }), [], () => 0.1),
    undefined,
  );
  assert.equal(updateRulesFor(OptimizerSchema.parse({ type: 'adamw', weight_decay: 0.5 }), [], () => 0.1)?.decay?.rate, 0.5);
});

test('adamw shrinks the listed weights by lr · weight_decay before the step, and only those; nothing leaks', () => {
  const decayed = tf.variable(tf.tensor([2, -4]), true, 'adamw-decayed');
  const kept = tf.variable(tf.tensor([2]), true, 'adamw-kept');
  const optimizer = createOptimizer({ type: 'sgd', learning_rate: 0.1, momentum: 0 });
  const rules = updateRulesFor(OptimizerSchema.parse({ type: 'adamw', weight_decay: 0.5 }), [decayed], () => 0.1);
  const before = tf.memory().numTensors;
  const grads = { [decayed.name]: tf.zerosLike(decayed), [kept.name]: tf.zerosLike(kept) };
  applyAllGradients(optimizer, [decayed, kept], grads, rules);
  tf.dispose(Object.values(grads));
  // 2 · (1 − 0.1 · 0.5) = 1.9; a zero gradient moves nothing else.
  near(Array.from(decayed.dataSync()), [1.9, -3.8]);
  near(Array.from(kept.dataSync()), [2]);
  assert.equal(tf.memory().numTensors, before);
  optimizer.dispose();
  tf.dispose([decayed, kept]);
});

test('a clipped step moves a weight by the clipped gradient (sgd: w − lr · g)', () => {
  const w = tf.variable(tf.tensor([0, 0]), true, 'clipped-step');
  const optimizer = createOptimizer({ type: 'sgd', learning_rate: 1, momentum: 0 });
  const grads = { [w.name]: tf.tensor([30, 40]) };
  applyAllGradients(optimizer, [w], grads, { clipNorm: 5, learningRate: () => 1 });
  near(Array.from(w.dataSync()), [-3, -4]);
  tf.dispose([...Object.values(grads), w]);
  optimizer.dispose();
});
