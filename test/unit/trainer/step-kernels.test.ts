import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { countCorrect, softmaxCrossEntropy } from '../../../src/trainer/backend/kernels/softmaxCrossEntropy';
import { RELU_GRAD } from '../../../src/trainer/backend/kernels/reluGrad';
import { CLIP_GRAD, SOFTMAX_GRAD } from '../../../src/trainer/backend/kernels/lossGradients';
import { registerWasmGradients } from '../../../src/trainer/backend/wasmGradients';
import { composedCrossEntropy } from '../../../src/trainer/loop/jointLoss';
import { assertClose, onBackend, seededValues } from './backend-compare';

before(() => {
  registerWasmGradients();
});

interface LossCase {
  name: string;
  rows: number;
  classes: number;
  /** Logits are seeded values in [−1, 1) times this. */
  scale: number;
  labels: (row: number) => number;
}

const CASES: LossCase[] = [
  { name: '5 samples, 3 classes', rows: 5, classes: 3, scale: 1, labels: (i) => i % 3 },
  { name: 'a batch of 64, 10 classes', rows: 64, classes: 10, scale: 4, labels: (i) => (i * 7) % 10 },
  { name: 'binary, 256 samples', rows: 256, classes: 2, scale: 2, labels: (i) => i % 2 },
  { name: 'logits in the hundreds (the max shift keeps exp finite)', rows: 8, classes: 4, scale: 300, labels: (i) => i % 4 },
  // A one-hot of an index outside [0, classes) is all zeros: the composed loss and its gradient are 0 there.
  { name: 'labels outside the classes', rows: 6, classes: 3, scale: 1, labels: (i) => [-1, 0, 3, 2, 7, 1][i] as number },
];

function tensors(c: LossCase): { logits: tf.Tensor2D; labels: tf.Tensor1D; weights: tf.Tensor1D } {
  const logits = tf.mul(tf.tensor2d(seededValues([c.rows, c.classes], c.rows), [c.rows, c.classes]), c.scale) as tf.Tensor2D;
  const labels = tf.tensor1d(
    Array.from({ length: c.rows }, (_, i) => c.labels(i)),
    'int32',
  );
  // Per-sample weights on the loss, so the gradient's upstream dy differs from row to row.
  const weights = tf.tensor1d(seededValues([c.rows], 99).map((v) => 1 + v));
  return { logits, labels, weights };
}

function fused(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const losses = softmaxCrossEntropy(logits, labels);
  assert.ok(losses !== undefined, `the fused loss is registered on ${tf.getBackend()}`);
  return losses;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`the fused softmax cross-entropy on ${backend} equals the composed one`, () => {
    for (const c of CASES) {
      test(c.name, async () => {
        const lossesOf = (loss: typeof fused) =>
          onBackend(backend, () => {
            const { logits, labels } = tensors(c);
            return loss(logits, labels);
          });
        const gradientOf = (loss: typeof fused) =>
          onBackend(backend, () => {
            const { logits, labels, weights } = tensors(c);
            return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(loss(z as tf.Tensor2D, labels), weights)))(logits);
          });
        const composed = (logits: tf.Tensor2D, labels: tf.Tensor1D) => composedCrossEntropy(logits, labels, c.classes);
        const [expectedLosses, actualLosses] = [await lossesOf(composed), await lossesOf(fused)];
        assertClose(actualLosses, expectedLosses, 1e-6);
        assert.ok(
          actualLosses.values.every((loss) => Number.isFinite(loss) && loss >= 0),
          'every loss is finite and not negative',
        );
        assertClose(await gradientOf(fused), await gradientOf(composed), 1e-6);
      });
    }

    test('a label outside the classes gives a zero loss and a zero gradient row', async () => {
      const c = CASES[4] as LossCase;
      const losses = await onBackend(backend, () => fused(tensors(c).logits, tensors(c).labels));
      const gradient = await onBackend(backend, () => {
        const { logits, labels } = tensors(c);
        return tf.grad((z: tf.Tensor) => tf.sum(fused(z as tf.Tensor2D, labels)))(logits);
      });
      for (const row of [0, 2, 4]) {
        assert.equal(losses.values[row], 0);
        assert.deepEqual(Array.from(gradient.values.slice(row * 3, row * 3 + 3)), [0, 0, 0]);
      }
      assert.ok((losses.values[1] as number) > 0);
    });

    test('the gradient of the mean loss is (softmax − onehot) / n, computed by hand', async () => {
      const gradient = await onBackend(backend, () => {
        const logits = tf.tensor2d([
          [0, Math.log(3)],
          [Math.log(2), Math.log(2)],
        ]);
        return tf.grad((z: tf.Tensor) => tf.mean(fused(z as tf.Tensor2D, tf.tensor1d([1, 0], 'int32'))))(logits);
      });
      // Row 0: softmax (1/4, 3/4), label 1 → (1/4, −1/4) / 2. Row 1: (1/2, 1/2), label 0 → (−1/2, 1/2) / 2.
      const expected = [0.125, -0.125, -0.25, 0.25];
      gradient.values.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-7, `${i}: ${value}`));
    });

    test('counting correct predictions takes the first maximum, as argMax does', async () => {
      const scores = [
        [0.1, 0.7, 0.2], // → 1
        [0.5, 0.5, 0.1], // tie → 0
        [0.2, 0.3, 0.3], // tie → 1
        [Number.NaN, 0.1, 0.2], // tfjs's argMax keeps a leading NaN: → 0
        [-1, -2, -0.5], // → 2
      ];
      for (const labels of [
        [1, 0, 1, 0, 2],
        [1, 1, 2, 2, 0],
      ]) {
        const count = await onBackend(backend, () => countCorrect(tf.tensor2d(scores), tf.tensor1d(labels, 'int32')) as tf.Scalar);
        const argMax = await onBackend(backend, () => tf.sum(tf.equal(tf.argMax(tf.tensor2d(scores), -1), tf.tensor1d(labels, 'int32')).toFloat()));
        assert.deepEqual(Array.from(count.values), Array.from(argMax.values));
      }
    });

    test('a loss and its gradient leave no tensor behind', async () => {
      await tf.setBackend(backend);
      const { logits, labels, weights } = tensors(CASES[1] as LossCase);
      const step = () => tf.tidy(() => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fused(z as tf.Tensor2D, labels), weights)))(logits));
      tf.dispose(step());
      const before = tf.memory().numTensors;
      const data = tf.engine().backend.numDataIds();
      for (let i = 0; i < 3; i++) tf.dispose(step());
      assert.equal(tf.memory().numTensors, before);
      assert.equal(tf.engine().backend.numDataIds(), data);
      tf.dispose([logits, labels, weights]);
    });
  });
}

describe("ReLU's gradient on wasm is one kernel with tfjs's result bit for bit", () => {
  const x = new Float32Array([1.5, -2, 0, -0, Number.NaN, 3e-39, -3e-39, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.25, -0.75]);
  const dy = new Float32Array([2, 3, -4, 5, 6, -7, 8, -0, 9, Number.NaN, -1]);

  test('the same bits as dy · step(x), with NaN, ±0, subnormals and infinities', async () => {
    const ours = await onBackend('wasm', () => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.tensor1d(dy))))(tf.tensor1d(x)));
    const stock = await onBackend('wasm', () => tf.mul(tf.tensor1d(dy), tf.step(tf.tensor1d(x)).toFloat()));
    assert.deepEqual(new Uint32Array(ours.values.buffer), new Uint32Array(stock.values.buffer));
  });

  test('on a layer-sized tensor (the SIMD body and its remainder) it equals cpu', async () => {
    const shape = [3, 7, 5, 7];
    const gradientOn = (backend: string) =>
      onBackend(backend, () =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.tensor(seededValues(shape, 2), shape))))(tf.tensor(seededValues(shape, 1), shape)),
      );
    const [cpu, wasm] = [await gradientOn('cpu'), await gradientOn('wasm')];
    assert.deepEqual(Array.from(wasm.values), Array.from(cpu.values));
  });

  test('a step runs the one kernel where tfjs ran Step, Cast and Multiply', async () => {
    await tf.setBackend('wasm');
    const v = tf.tensor1d(x);
    const { kernels } = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(v));
    const names = kernels.map((kernel) => kernel.name);
    assert.ok(names.includes(RELU_GRAD), names.join(', '));
    assert.ok(!names.includes('Step'), names.join(', '));
    v.dispose();
  });
});

describe("softmax's and clipByValue's gradients on wasm are one kernel each with tfjs's result bit for bit", () => {
  const shape = [37, 10];
  const logits = () => tf.mul(tf.tensor(seededValues(shape, 5), shape), 6);
  const upstream = () => tf.tensor(seededValues(shape, 6), shape);

  test('softmax over the last axis: the same bits as dy·y − Σ(dy·y)·y composed from tfjs ops', async () => {
    const ours = await onBackend('wasm', () => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.softmax(z), upstream())))(logits()));
    const stock = await onBackend('wasm', () => {
      const y = tf.softmax(logits());
      const product = tf.mul(upstream(), y);
      return tf.sub(product, tf.mul(tf.sum(product, [-1], true), y));
    });
    assert.deepEqual(new Uint32Array(ours.values.buffer), new Uint32Array(stock.values.buffer));
    const cpu = await onBackend('cpu', () => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.softmax(z), upstream())))(logits()));
    assertClose(ours, cpu, 1e-6);
  });

  test('clipByValue: dy inside [min, max] (bounds included), 0 outside and for NaN', async () => {
    const x = new Float32Array([-2, -1, -0.5, 0, 0.5, 1, 1.5, Number.NaN, -0, 0.9999999, 1.0000001, 7]);
    const dy = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -0]);
    const ours = await onBackend('wasm', () => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(v, -1, 1), tf.tensor1d(dy))))(tf.tensor1d(x)));
    const stock = await onBackend('wasm', () => {
      const v = tf.tensor1d(x);
      return tf.where(tf.logicalAnd(tf.greaterEqual(v, -1), tf.lessEqual(v, 1)), tf.tensor1d(dy), tf.zerosLike(tf.tensor1d(dy)));
    });
    assert.deepEqual(new Uint32Array(ours.values.buffer), new Uint32Array(stock.values.buffer));
    assert.deepEqual(Array.from(ours.values), [0, 2, 3, 4, 5, 6, 0, 0, 9, 10, 0, 0]);
  });

  test('a Keras-style loss on a softmax output runs the two kernels, not the composed ops', async () => {
    await tf.setBackend('wasm');
    const z = logits();
    const { kernels } = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(tf.log(tf.clipByValue(tf.softmax(t), 1e-7, 1 - 1e-7))))(z));
    const names = kernels.map((kernel) => kernel.name);
    for (const name of [SOFTMAX_GRAD, CLIP_GRAD]) assert.ok(names.includes(name), names.join(', '));
    for (const name of ['LogicalAnd', 'Select']) assert.ok(!names.includes(name), names.join(', '));
    z.dispose();
  });
});
