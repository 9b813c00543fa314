import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../../../src/shared/random';
import { dot } from '../../../src/trainer/balancing/gradientMath';
import { pcgrad, projectConflicting } from '../../../src/trainer/balancing/pcgrad';

const f32 = (...values: number[]): Float32Array => Float32Array.from(values);

/** Every other dataset in ascending index order. */
const ascending =
  (count: number) =>
  (d: number): number[] =>
    Array.from({ length: count }, (_, k) => k).filter((k) => k !== d);

test('two conflicting 2-D gradients are each projected off the other, then summed', () => {
  // g0 = (1,0), g1 = (−1,1): g0·g1 = −1 < 0.
  // g0' = g0 − (−1/‖g1‖²)·g1 = (1,0) + ½(−1,1) = (0.5, 0.5)
  // g1' = g1 − (−1/‖g0‖²)·g0 = (−1,1) + (1,0) = (0, 1)
  // Σ = (0.5, 1.5)
  const grads = [f32(1, 0), f32(-1, 1)];
  assert.deepEqual([...projectConflicting(f32(1, 0), [f32(-1, 1)])], [0.5, 0.5]);
  assert.deepEqual([...pcgrad(grads, ascending(2))], [0.5, 1.5]);
});

test('a projected gradient no longer conflicts with the other dataset', () => {
  const random = new Random(7);
  for (let trial = 0; trial < 50; trial++) {
    const a = Float32Array.from({ length: 16 }, () => random.normal());
    const b = Float32Array.from({ length: 16 }, () => random.normal());
    assert.ok(dot(projectConflicting(a, [b]), b) >= -1e-6, `trial ${trial}`);
    assert.ok(dot(projectConflicting(b, [a]), a) >= -1e-6, `trial ${trial}`);
  }
});

test('gradients that do not conflict are summed unchanged', () => {
  // (1,2)·(3,−1) = 3 − 2 = 1 ≥ 0, so Σ = (4, 1).
  assert.deepEqual([...pcgrad([f32(1, 2), f32(3, -1)], ascending(2))], [4, 1]);
});

test('a zero gradient neither moves nor is projected against', () => {
  // (0,0)·(1,−1) = 0 is no conflict; ‖(0,0)‖ = 0 is skipped rather than divided by.
  const sum = pcgrad([f32(0, 0), f32(1, -1)], ascending(2));
  assert.deepEqual([...sum], [1, -1]);
});

test('three datasets are projected in the given order against the original gradients', () => {
  // g0 = (1,0), g1 = (−1,1), g2 = (0,−1); ‖g0‖² = 1, ‖g1‖² = 2, ‖g2‖² = 1.
  const grads = [f32(1, 0), f32(-1, 1), f32(0, -1)];
  const order = (d: number): number[] =>
    [
      [1, 2],
      [2, 0],
      [0, 1],
    ][d] ?? [];
  // d=0: (1,0)·g1 = −1 → (1,0) + ½(−1,1) = (0.5,0.5); ·g2 = −0.5 → + 0.5(0,−1) = (0.5, 0)
  // d=1: (−1,1)·g2 = −1 → + (0,−1) = (−1,0); ·g0 = −1 → + (1,0) = (0, 0)
  // d=2: (0,−1)·g0 = 0, kept; ·g1 = −1 → + ½(−1,1) = (−0.5,−0.5)
  // Σ = (0.5 + 0 − 0.5, 0 + 0 − 0.5) = (0, −0.5)
  assert.deepEqual([...pcgrad(grads, order)], [0, -0.5]);
  const projected = grads.map((g, d) =>
    projectConflicting(
      g,
      order(d).map((k) => grads[k] as Float32Array),
    ),
  );
  assert.deepEqual(
    projected.map((g) => [...g]),
    [
      [0.5, 0],
      [0, 0],
      [-0.5, -0.5],
    ],
  );
  // Only the last projection is guaranteed to leave no conflict: g2' · g0 = −0.5 after its
  // second projection undid the first, as the paper's sequential surgery allows.
  projected.forEach((g, d) => {
    const last = grads[order(d)[1] as number] as Float32Array;
    assert.ok(dot(g, last) >= -1e-6, `dataset ${d}`);
  });
});

test('the projection order changes the result', () => {
  // Against g2 first: (1,0)·(0,−1) = 0, kept; then ·g1 = −1 → (0.5, 0.5), not (0.5, 0).
  assert.deepEqual([...projectConflicting(f32(1, 0), [f32(0, -1), f32(-1, 1)])], [0.5, 0.5]);
});

test('an order that names the dataset itself is refused', () => {
  assert.throws(() => pcgrad([f32(1), f32(2)], (d) => [d]), /names 0, not another dataset/);
});
