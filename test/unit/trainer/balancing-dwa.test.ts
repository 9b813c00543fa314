import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dwaWeights } from '../../../src/trainer/balancing/dwa';

function assertWeights(actual: number[], expected: number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((w, d) => assert.ok(Math.abs(w - (expected[d] as number)) < 1e-12, `weight ${d}: ${w} vs ${expected[d]}`));
}

test('before two epochs of history every weight is 1', () => {
  assert.deepEqual(dwaWeights([[2, 1, 3]], 2), [1, 1, 1]);
  assert.deepEqual(dwaWeights([], 2), []);
});

test('the dataset whose loss fell less gets the larger weight', () => {
  // r = (1/2, 1/1) = (0.5, 1); r/T = (0.25, 0.5).
  // w0 = 2·e^0.25 / (e^0.25 + e^0.5) = 2 / (1 + e^0.25) = 2 / 2.2840254166877414 = 0.8756469982284039
  // w1 = 2 − w0 = 1.1243530017715961
  assertWeights(
    dwaWeights(
      [
        [2, 1],
        [1, 1],
      ],
      2,
    ),
    [0.8756469982284039, 1.1243530017715961],
  );
});

test('only the last two epochs count', () => {
  const weights = dwaWeights(
    [
      [100, 1],
      [2, 1],
      [1, 1],
    ],
    2,
  );
  assertWeights(weights, [0.8756469982284039, 1.1243530017715961]);
});

test('a loss that is zero, negative or not finite gives a neutral ratio of 1', () => {
  // r = (1/2, 1 [previous 0], 1 [latest ∞]), T = 1.
  // w0 = 3·e^0.5 / (e^0.5 + 2e) = 3·1.6487212707001282 / 7.085283927618218 = 0.6980896128566959
  // w1 = w2 = 3e / (e^0.5 + 2e) = 1.1509551935716522
  assertWeights(
    dwaWeights(
      [
        [2, 0, 1],
        [1, 1, Infinity],
      ],
      1,
    ),
    [0.6980896128566959, 1.1509551935716522, 1.1509551935716522],
  );
  assertWeights(
    dwaWeights(
      [
        [-1, 2],
        [1, NaN],
      ],
      1,
    ),
    [1, 1],
  );
});

test('a very low temperature does not overflow', () => {
  // r/T = (0.5e4, 1e4): e^(1e4) overflows unless shifted; the weights go to (0, 2).
  assertWeights(
    dwaWeights(
      [
        [2, 1],
        [1, 1],
      ],
      1e-4,
    ),
    [0, 2],
  );
});

test('a temperature that is not positive is refused', () => {
  assert.throws(() => dwaWeights([[1], [1]], 0), /positive number, got 0/);
});
