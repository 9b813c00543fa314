/**
 * The tensors tfjs keeps for a backward pass are references to the same data, not Identity kernel
 * calls: gradients are unchanged, nested gradients still work, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackend } from '../../../src/trainer/backend/selectBackend';

/** Identity kernels the engine runs while `compute` runs. */
function identityCalls(compute: () => void): number {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const runKernel = engine.runKernel;
  let calls = 0;
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    if (name === tf.Identity) calls++;
    return runKernel.call(this, name, ...rest);
  };
  try {
    compute();
  } finally {
    engine.runKernel = runKernel;
  }
  return calls;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`on ${backend}, a dense layer's gradient is exact and saves its tensors without Identity kernels or leaks`, async () => {
    await selectBackend(backend);
    const w = tf.variable(tf.tensor2d([1, -2, 0.5, 3, -1, 2], [3, 2]));
    const x = tf.tensor2d([0.5, 1, -1, 2, 0, 1], [2, 3]);
    const before = tf.memory().numTensors;
    let grads: tf.NamedTensorMap = {};
    let value: tf.Tensor | undefined;
    // loss = Σ relu(x·w)²: its gradient by hand is 2·xᵀ·(relu(x·w) ⊙ [x·w > 0]).
    const calls = identityCalls(() => {
      ({ value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.relu(tf.matMul(x, w)))) as tf.Scalar, [w]));
    });
    assert.equal(calls, 0);
    const xw = [
      [0.5 * 1 + 1 * 0.5 - 1 * -1, 0.5 * -2 + 1 * 3 - 1 * 2],
      [2 * 1 + 0 * 0.5 + 1 * -1, 2 * -2 + 0 * 3 + 1 * 2],
    ];
    const relu = xw.map((row) => row.map((v) => Math.max(0, v)));
    const xs = [
      [0.5, 1, -1],
      [2, 0, 1],
    ];
    const expected = [0, 1, 2].map((i) => [0, 1].map((j) => 2 * ((xs[0]?.[i] ?? 0) * (relu[0]?.[j] ?? 0) + (xs[1]?.[i] ?? 0) * (relu[1]?.[j] ?? 0))));
    const actual = Array.from(grads[w.name]?.dataSync() ?? []);
    expected.flat().forEach((value, i) => assert.ok(Math.abs((actual[i] ?? NaN) - value) < 1e-5, `element ${i}: ${actual[i]} vs ${value}`));
    tf.dispose([...Object.values(grads), value as tf.Tensor]);
    assert.equal(tf.memory().numTensors, before, 'every saved tensor was freed with the tape');
    tf.dispose([w, x]);
  });

  test(`on ${backend}, a gradient of a gradient still sees the saved tensors: d²(x³)/dx² = 6x`, async () => {
    await selectBackend(backend);
    const x = tf.tensor1d([-1.5, 0.5, 2]);
    const second = tf.grad(tf.grad((v: tf.Tensor) => tf.mul(tf.mul(v, v), v)));
    assert.deepEqual(Array.from(second(x).dataSync()), [-9, 3, 12]);
  });
}
