/** Helpers for tests that run one computation on two tfjs backends and compare the results. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';

export interface Values {
  shape: number[];
  values: Float32Array;
}

/** Deterministic values in [-1, 1) for a shape, different for each seed. */
export function seededValues(shape: readonly number[], seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Switches to `backend`, runs `compute` in a tidy and reads its result back. */
export async function onBackend(backend: string, compute: () => tf.Tensor): Promise<Values> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not start`);
  const result = tf.tidy(compute);
  const values = Float32Array.from(await result.data());
  const shape = result.shape.slice();
  result.dispose();
  return { shape, values };
}

/** Equal shapes and every element within `tolerance` relative to the largest magnitude in `expected`. */
export function assertClose(actual: Values, expected: Values, tolerance: number): void {
  assert.deepEqual(actual.shape, expected.shape);
  const scale = Math.max(1, ...Array.from(expected.values, Math.abs));
  let worst = 0;
  expected.values.forEach((value, i) => {
    worst = Math.max(worst, Math.abs((actual.values[i] ?? NaN) - value) / scale);
  });
  assert.ok(worst <= tolerance, `largest relative difference ${worst.toExponential(2)} exceeds ${tolerance}`);
}
