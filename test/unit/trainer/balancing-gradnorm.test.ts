import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradnormUpdate } from '../../../src/trainer/balancing/gradnorm';

function assertNumbers(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, d) => assert.ok(Math.abs(v - (expected[d] as number)) < 1e-12, `entry ${d}: ${v} vs ${expected[d]}`));
}

test('a two-dataset update moves each weight toward its target norm', () => {
  // G = w·‖∇L‖ = (1·2, 1·1) = (2, 1); Ḡ = 1.5.
  // L̃ = (0.5/1, 1/1) = (0.5, 1); mean 0.75; r = (2/3, 4/3); target = 1.5·r^1 = (1, 2).
  // gradLoss = |2 − 1| + |1 − 2| = 2.
  // ∂/∂w = (sign(1)·2, sign(−1)·1) = (2, −1); w = (1 − 0.1·2, 1 + 0.1·1) = (0.8, 1.1); Σ = 1.9.
  // Renormalised to Σ = 2: (0.8·2/1.9, 1.1·2/1.9) = (0.8421052631578948, 1.1578947368421053).
  const update = gradnormUpdate({ weights: [1, 1], gradNorms: [2, 1], initialLosses: [1, 1], currentLosses: [0.5, 1], alpha: 1, learningRate: 0.1 });
  assertNumbers(update.targets, [1, 2]);
  assert.equal(update.gradLoss, 2);
  assertNumbers(update.weights, [0.8421052631578948, 1.1578947368421053]);
});

test('with alpha 0 and equal losses the dataset with the larger gradient norm loses weight', () => {
  // G = (3, 1); Ḡ = 2; r^0 = 1, so target = (2, 2); ∂ = (3, −1).
  // w = (1 − 0.3, 1 + 0.1) = (0.7, 1.1); Σ = 1.8 → (0.7·2/1.8, 1.1·2/1.8) = (0.7777777777777778, 1.2222222222222223).
  const update = gradnormUpdate({ weights: [1, 1], gradNorms: [3, 1], initialLosses: [2, 2], currentLosses: [1, 1], alpha: 0, learningRate: 0.1 });
  assertNumbers(update.targets, [2, 2]);
  assertNumbers(update.weights, [0.7777777777777778, 1.2222222222222223]);
  assert.ok((update.weights[0] as number) < 1 && (update.weights[1] as number) > 1);
});

test('a weight stepped below zero is clamped at 1e-3 before the weights are renormalised to sum to K', () => {
  // G = (5, 1); Ḡ = 3; target = (3, 3); ∂ = (5, −1); w = (1 − 5, 1 + 1) = (−4, 2) → clamp (0.001, 2).
  // Σ = 2.001 → (0.002/2.001, 4/2.001) = (0.0009995002498750627, 1.999000499750125).
  const update = gradnormUpdate({ weights: [1, 1], gradNorms: [5, 1], initialLosses: [1, 1], currentLosses: [1, 1], alpha: 0, learningRate: 1 });
  assertNumbers(update.weights, [0.0009995002498750627, 1.999000499750125]);
});

test('the weights always sum to the number of datasets', () => {
  const update = gradnormUpdate({
    weights: [0.5, 2, 0.7],
    gradNorms: [4, 0.3, 1.2],
    initialLosses: [2.3, 0.9, 1.1],
    currentLosses: [1.1, 0.8, 0.2],
    alpha: 1.5,
    learningRate: 0.05,
  });
  assert.ok(Math.abs(update.weights.reduce((a, b) => a + b, 0) - 3) < 1e-12);
});

test('a non-positive initial loss counts the dataset as on pace instead of dividing by it', () => {
  // L̃ = (1 [initial 0], 0.5); mean 0.75; r = (4/3, 2/3); G = (1, 1); target = (4/3, 2/3).
  const update = gradnormUpdate({ weights: [1, 1], gradNorms: [1, 1], initialLosses: [0, 2], currentLosses: [1, 1], alpha: 1, learningRate: 0.1 });
  assertNumbers(update.targets, [4 / 3, 2 / 3]);
});

test('inputs of different lengths are refused', () => {
  assert.throws(
    () => gradnormUpdate({ weights: [1, 1], gradNorms: [1], initialLosses: [1, 1], currentLosses: [1, 1], alpha: 1, learningRate: 0.1 }),
    /one weight, gradient norm and loss per dataset/,
  );
});
