import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dot, GradientSummary, gradientDiagnostics, norm } from '../../../src/trainer/balancing/gradientMath';

const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

function assertClose(actual: number | null | undefined, expected: number, tolerance = 1e-12): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

test('dot and norm of small vectors', () => {
  // 1·4 + 2·(−5) + 3·6 = 4 − 10 + 18 = 12
  assert.equal(dot(f32(1, 2, 3), f32(4, -5, 6)), 12);
  // √(3² + 4²) = √25
  assert.equal(norm(f32(3, 4)), 5);
});

test('dot accumulates in float64 where a float32 sum would drop the small terms', () => {
  // 2^24 + 1 + 1 = 16777218; in float32, 2^24 + 1 rounds back to 2^24 at each step.
  assert.equal(dot(f32(2 ** 24, 1, 1), f32(1, 1, 1)), 16777218);
});

test('vectors of different lengths are refused', () => {
  assert.throws(() => dot(f32(1, 2), f32(1)), /differ in length: 2 and 1/);
});

test('diagnostics give norms, shares and pairwise cosines, with nulls for an absent dataset', () => {
  // ‖g0‖ = √(9+16) = 5, ‖g1‖ = 2, g2 absent, ‖g3‖ = 6; Σ = 13.
  // cos(g0,g1) = (0 + 8)/(5·2) = 0.8; cos(g0,g3) = (−18 + 0)/(5·6) = −0.6; cos(g1,g3) = 0/(2·6) = 0.
  const diagnostics = gradientDiagnostics([f32(3, 4), f32(0, 2), undefined, f32(-6, 0)]);
  assert.deepEqual(diagnostics.norms, [5, 2, null, 6]);
  assert.deepEqual(diagnostics.normShares, [5 / 13, 2 / 13, null, 6 / 13]);
  assert.deepEqual(diagnostics.cosine, [
    [1, 0.8, null, -0.6],
    [0.8, 1, null, 0],
    [null, null, null, null],
    [-0.6, 0, null, 1],
  ]);
});

test('a zero gradient has no direction: its cosines are null but its share is 0', () => {
  // Σ norms = 0 + 1 = 1, so the shares are 0/1 and 1/1.
  const diagnostics = gradientDiagnostics([f32(0, 0), f32(1, 0)]);
  assert.deepEqual(diagnostics.normShares, [0, 1]);
  assert.deepEqual(diagnostics.cosine, [
    [1, null],
    [null, 1],
  ]);
});

test('when every present gradient is zero the shares are null', () => {
  assert.deepEqual(gradientDiagnostics([f32(0, 0), f32(0, 0), undefined]).normShares, [null, null, null]);
});

test('an epoch summary averages each pair and share over the steps where it was observed', () => {
  const summary = new GradientSummary(3);
  summary.add({
    norms: [1, 3, null],
    normShares: [0.25, 0.75, null],
    cosine: [
      [1, -0.5, null],
      [-0.5, 1, null],
      [null, null, null],
    ],
  });
  summary.add({
    norms: [5, 3, 2],
    normShares: [0.5, 0.3, 0.2],
    cosine: [
      [1, 0.3, 0.1],
      [0.3, 1, -0.2],
      [0.1, -0.2, 1],
    ],
  });
  const result = summary.summary();
  assert.equal(result.steps, 2);
  // (0,1): (−0.5 + 0.3)/2 = −0.1, one of two steps negative → 0.5.
  assertClose(result.meanCosine[0]?.[1], -0.1);
  assert.equal(result.conflictFraction[0]?.[1], 0.5);
  // Dataset 2 was present in the second step only, so its pairs and share come from that step alone.
  assertClose(result.meanCosine[0]?.[2], 0.1);
  assert.equal(result.conflictFraction[0]?.[2], 0);
  assertClose(result.meanCosine[1]?.[2], -0.2);
  assert.equal(result.conflictFraction[2]?.[1], 1);
  assert.equal(result.meanCosine[2]?.[2], 1);
  // Shares: (0.25 + 0.5)/2 = 0.375, (0.75 + 0.3)/2 = 0.525, 0.2/1 = 0.2.
  assertClose(result.normShare[0], 0.375);
  assertClose(result.normShare[1], 0.525);
  assertClose(result.normShare[2], 0.2);
});

test('a dataset never observed in the epoch summarises to null', () => {
  const summary = new GradientSummary(2);
  summary.add(gradientDiagnostics([f32(1, 0), undefined]));
  assert.deepEqual(summary.summary(), {
    steps: 1,
    meanCosine: [
      [1, null],
      [null, null],
    ],
    conflictFraction: [
      [0, null],
      [null, null],
    ],
    normShare: [1, null],
  });
});

test('diagnostics for the wrong number of datasets are refused', () => {
  assert.throws(() => new GradientSummary(3).add(gradientDiagnostics([f32(1), f32(2)])), /for 2 datasets, expected 3/);
});
