import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { ADAM_UPDATE } from '../../../src/trainer/backend/kernels/adamUpdate';
import { KERNELS_SOURCE_SHA256 } from '../../../src/trainer/backend/simd/kernelsWasm';
import { simdSupported } from '../../../src/trainer/backend/simd/simdKernels';
import { registerWasmGradients } from '../../../src/trainer/backend/wasmGradients';
import { FusedAdamOptimizer } from '../../../src/trainer/loop/fusedAdam';
import { seededValues } from './backend-compare';

/** Shapes with sizes that are and are not multiples of the kernel's four lanes, and a scalar. */
const SHAPES = [[5, 7], [8], [3, 3, 2, 4], []];

interface Trained {
  values: Float32Array[];
  slots: Float32Array[];
  tensorsPerStep: number[];
}

/** Takes `steps` Adam steps on fixed variables with seeded gradients; returns the variables and the optimizer's slots. */
async function train(backend: string, makeOptimizer: () => tf.Optimizer, steps: number): Promise<Trained> {
  assert.ok(await tf.setBackend(backend));
  const optimizer = makeOptimizer();
  const variables = SHAPES.map((shape, v) => tf.variable(tf.tensor(seededValues(shape, 10 + v), shape), true, `fused-adam-${backend}-${v}-${Math.random()}`));
  const tensorsPerStep: number[] = [];
  for (let step = 0; step < steps; step++) {
    const grads: tf.NamedTensorMap = {};
    variables.forEach((variable, v) => {
      // Large and tiny gradients, so that the moments and the bias corrections differ by orders of magnitude.
      grads[variable.name] = tf.mul(tf.tensor(seededValues(variable.shape, 100 * step + v), variable.shape), v === 1 ? 1e-3 : 3);
    });
    const before = tf.memory().numTensors;
    optimizer.applyGradients(grads);
    tensorsPerStep.push(tf.memory().numTensors - before);
    tf.dispose(Object.values(grads));
  }
  const weights = await optimizer.getWeights();
  const result = {
    values: variables.map((variable) => Float32Array.from(variable.dataSync())),
    slots: weights.map(({ tensor }) => Float32Array.from(tensor.dataSync())),
    tensorsPerStep,
  };
  tf.dispose(variables);
  optimizer.dispose();
  return result;
}

const sameBits = (actual: Float32Array[], expected: Float32Array[]) =>
  assert.deepEqual(
    actual.map((values) => Array.from(values)),
    expected.map((values) => Array.from(values)),
  );

before(() => registerWasmGradients());

describe('the fused Adam optimizer', () => {
  test('the SIMD kernel is registered on this Node (wasm SIMD is supported)', () => {
    assert.equal(simdSupported(), true);
    assert.ok(tf.getKernel(ADAM_UPDATE, 'wasm'));
  });

  test("on wasm it gives tfjs Adam's variables and slots bit for bit, step after step", async () => {
    const stock = await train('wasm', () => tf.train.adam(0.01), 7);
    const fused = await train('wasm', () => new FusedAdamOptimizer(0.01, 0.9, 0.999), 7);
    sameBits(fused.values, stock.values);
    sameBits(fused.slots, stock.slots);
    // Adam moved every variable: equal results are not two optimizers that did nothing.
    assert.ok(fused.values[0]?.some((value, i) => value !== seededValues(SHAPES[0] as number[], 10)[i]));
  });

  test('on wasm it leaves no tensor behind: only the first step creates tensors, the two moments of each variable', async () => {
    const fused = await train('wasm', () => new FusedAdamOptimizer(0.01, 0.9, 0.999), 4);
    assert.deepEqual(fused.tensorsPerStep, [2 * SHAPES.length, 0, 0, 0]);
  });

  test("where the kernel is missing (cpu) it runs tfjs Adam's own ops, with the same results as on wasm", async () => {
    const cpu = await train('cpu', () => new FusedAdamOptimizer(0.01, 0.9, 0.999), 5);
    const stockCpu = await train('cpu', () => tf.train.adam(0.01), 5);
    sameBits(cpu.values, stockCpu.values);
    const wasm = await train('wasm', () => new FusedAdamOptimizer(0.01, 0.9, 0.999), 5);
    sameBits(wasm.values, cpu.values);
  });

  test("a checkpoint's slots move between the stock and the fused optimizer unchanged", async () => {
    assert.ok(await tf.setBackend('wasm'));
    const shape = [6];
    const run = async (makeFirst: () => tf.Optimizer, makeSecond: () => tf.Optimizer) => {
      const [first, second] = [makeFirst(), makeSecond()];
      const variable = tf.variable(tf.tensor(seededValues(shape, 3), shape), true, `fused-adam-resume-${Math.random()}`);
      const step = (optimizer: tf.Optimizer, seed: number) =>
        tf.tidy(() => optimizer.applyGradients({ [variable.name]: tf.tensor(seededValues(shape, seed), shape) }));
      step(first, 1);
      step(first, 2);
      await second.setWeights(await first.getWeights());
      step(second, 3);
      const values = Float32Array.from(variable.dataSync());
      tf.dispose(variable);
      return values;
    };
    const stockOnly = await run(
      () => tf.train.adam(0.05),
      () => tf.train.adam(0.05),
    );
    const stockThenFused = await run(
      () => tf.train.adam(0.05),
      () => new FusedAdamOptimizer(0.05, 0.9, 0.999),
    );
    const fusedThenStock = await run(
      () => new FusedAdamOptimizer(0.05, 0.9, 0.999),
      () => tf.train.adam(0.05),
    );
    sameBits([stockThenFused, fusedThenStock], [stockOnly, stockOnly]);
  });
});

test('the committed SIMD module was built from the kernels.c in the repository', () => {
  const source = readFileSync(path.join(__dirname, '../../../src/trainer/backend/simd/kernels.c'));
  assert.equal(KERNELS_SOURCE_SHA256, createHash('sha256').update(source).digest('hex'), 'kernels.c changed: run `npm run build:simd`');
});
