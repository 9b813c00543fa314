/**
 * The data-parallel step (`training.threads`): the shards' gradients summed are the whole batch's,
 * so N threads take the step one thread takes up to float rounding, the same N threads take it
 * bit for bit, and a thread that dies fails the step with its reason instead of hanging it.
 */
import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { DatasetBatch } from '../../../src/trainer/loop/jointLoss';
import { createOptimizer } from '../../../src/trainer/loop/optimizer';
import { trainStep, type StepOutcome } from '../../../src/trainer/loop/trainStep';
import { buildDeclaredModel, type JointModel } from '../../../src/trainer/model/jointModel';
import { batchWideLayerNames, DataParallelStep, multiplyAddsPerSample } from '../../../src/trainer/parallel/dataParallelStep';
import type { ModelRecipe } from '../../../src/trainer/training/modelLifecycle';

before(async () => {
  await tf.setBackend('cpu');
});

const dense = (units: number, activation: string) => ({
  type: 'dense',
  units,
  activation,
  use_bias: true,
  kernel_initializer: 'glorot_uniform',
  bias_initializer: 'zeros',
});
const RECIPE = {
  model: {
    stems: { table: { layers: [dense(6, 'tanh')] } },
    trunk: [dense(5, 'relu')],
    heads: { kind: { task: 'classification', layers: [] }, value: { task: 'regression', loss: 'mae', layers: [] } },
  },
  dir: '.',
  seed: 11,
  heads: { kind: { task: 'classification', units: 3 }, value: { task: 'regression', units: 1 } },
  stemShapes: { table: [4] },
  paths: [
    { stem: 'table', head: 'kind' },
    { stem: 'table', head: 'value' },
  ],
} as unknown as ModelRecipe;

const build = (): JointModel => buildDeclaredModel(RECIPE.model as never, RECIPE.stemShapes, RECIPE.heads, RECIPE.paths, RECIPE.seed);

/** A class-weighted `kind` batch of `kindRows`, a `value` batch (mae) of 3, and a second small `kind` batch of 2. */
function batches(model: JointModel, kindRows: number, seed: number): DatasetBatch[] {
  const kind = model.path({ stem: 'table', head: 'kind' });
  return [
    {
      path: kind,
      task: 'classification',
      x: tf.randomNormal([kindRows, 4], 0, 1, 'float32', seed),
      labels: tf.tensor1d(
        Array.from({ length: kindRows }, (_, i) => (i * 7 + seed) % 3),
        'int32',
      ),
      sampleWeights: tf.tensor1d(Array.from({ length: kindRows }, (_, i) => 0.5 + (i % 3))),
      lossWeight: 2,
      regressionLoss: 'mse',
      units: 3,
    },
    {
      path: model.path({ stem: 'table', head: 'value' }),
      task: 'regression',
      x: tf.randomNormal([3, 4], 0, 1, 'float32', seed + 1),
      labels: tf.tensor1d([0.5, -1, 2]),
      lossWeight: 0.5,
      regressionLoss: 'mae',
      units: 1,
    },
    {
      path: kind,
      task: 'classification',
      x: tf.randomNormal([2, 4], 0, 1, 'float32', seed + 2),
      labels: tf.tensor1d([2, 0], 'int32'),
      lossWeight: 1,
      regressionLoss: 'mse',
      units: 3,
    },
  ];
}

const rowsOf = (list: DatasetBatch[]) => list.reduce((total, batch) => total + batch.labels.shape[0], 0);
const variablesOf = (model: JointModel) => ({
  variables: model.trainableVariables.map((weight) => weight.read() as tf.Variable),
  kernels: model.kernels.map((weight) => weight.read() as tf.Variable),
});
const weightsOf = (model: JointModel) => model.trainableVariables.map((weight) => Array.from(weight.read().dataSync()));

function maxDifference(a: number[][], b: number[][]): number {
  return Math.max(...a.map((values, i) => Math.max(...values.map((value, k) => Math.abs(value - ((b[i] as number[])[k] as number))))));
}

async function trainBoth(threads: number, steps: number, kindRows: number) {
  const single = build();
  const parallel = build();
  const pool = await DataParallelStep.start({ threads, backend: 'cpu', recipe: RECIPE, model: parallel, batchSize: kindRows + 5, datasets: 3 });
  const one = { ...variablesOf(single), optimizer: createOptimizer({ type: 'adam', learning_rate: 0.01, momentum: 0 }) };
  const many = { ...variablesOf(parallel), optimizer: createOptimizer({ type: 'adam', learning_rate: 0.01, momentum: 0 }) };
  const outcomes: Array<[StepOutcome, StepOutcome]> = [];
  try {
    for (let step = 0; step < steps; step++) {
      const a = batches(single, kindRows, step + 1);
      const b = batches(parallel, kindRows, step + 1);
      const size = rowsOf(a);
      outcomes.push([await trainStep(a, size, { ...one, l2: 0.01 }), await pool.step(b, size, { ...many, l2: 0.01 }, parallel.paths, step + 1)]);
      [...a, ...b].forEach((batch) => tf.dispose([batch.x, batch.labels, ...(batch.sampleWeights ? [batch.sampleWeights] : [])]));
    }
  } finally {
    await pool.close();
  }
  return { single: weightsOf(single), parallel: weightsOf(parallel), outcomes, pool };
}

test('two and three threads take the step one thread takes, up to float rounding: weights within 1e-6 after a step, 1e-5 after 8', async () => {
  for (const threads of [2, 3]) {
    // 3 threads on a batch of 2 rows: the main thread gets none of it, the workers one each.
    const first = await trainBoth(threads, 1, 7);
    assert.ok(maxDifference(first.single, first.parallel) <= 1e-6, `${threads} threads, 1 step: ${maxDifference(first.single, first.parallel)}`);
    const [one, many] = first.outcomes[0] as [StepOutcome, StepOutcome];
    assert.ok(Math.abs(one.totalLoss - many.totalLoss) <= 1e-6 * Math.abs(one.totalLoss), `${one.totalLoss} vs ${many.totalLoss}`);
    assert.ok(Math.abs(one.l2Penalty - many.l2Penalty) <= 1e-7, 'the l2 term is counted once');
    many.datasets.forEach((result, d) => {
      const expected = one.datasets[d] as StepOutcome['datasets'][number];
      assert.equal(result.samples, expected.samples);
      assert.ok(Math.abs(result.lossSum - expected.lossSum) <= 1e-5, `dataset ${d} loss sum ${result.lossSum} vs ${expected.lossSum}`);
      assert.ok(Math.abs(result.contribution - expected.contribution) <= 1e-6, `dataset ${d} contribution`);
      assert.ok(Math.abs(result.outcomeSum - expected.outcomeSum) <= 1e-5, `dataset ${d} outcome ${result.outcomeSum} vs ${expected.outcomeSum}`);
    });
    const eight = await trainBoth(threads, 8, 7);
    assert.ok(maxDifference(eight.single, eight.parallel) <= 1e-5, `${threads} threads, 8 steps: ${maxDifference(eight.single, eight.parallel)}`);
    assert.ok(maxDifference(eight.single, first.single) > 1e-3, 'the steps did change the weights');
  }
});

test('the same number of threads gives bit-identical weights, run after run', async () => {
  const a = await trainBoth(2, 6, 9);
  const b = await trainBoth(2, 6, 9);
  assert.deepEqual(a.parallel, b.parallel);
  assert.deepEqual(
    a.outcomes.map(([, many]) => many.totalLoss),
    b.outcomes.map(([, many]) => many.totalLoss),
  );
});

test('a thread that dies fails the step with its reason instead of hanging it', async () => {
  const model = build();
  const pool = await DataParallelStep.start({ threads: 2, backend: 'cpu', recipe: RECIPE, model, batchSize: 12, datasets: 3 });
  const { variables, kernels } = variablesOf(model);
  const [worker] = (pool as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> }).workers;
  await worker?.worker.terminate();
  const list = batches(model, 7, 1);
  await assert.rejects(
    pool.step(list, rowsOf(list), { optimizer: createOptimizer({ type: 'sgd', learning_rate: 0.1, momentum: 0 }), variables, kernels, l2: 0 }, model.paths, 1),
    /a training thread exited/,
  );
  await pool.close();
});

test('multiply-adds per sample and batch-wide layers are read off the model', () => {
  const model = build();
  // 4·6 + 6·5 + 5·3 + 5·1: each dense kernel once, a shared trunk counted once.
  assert.equal(multiplyAddsPerSample(model.model), 24 + 30 + 15 + 5);
  assert.deepEqual(batchWideLayerNames(model.model), []);
  const normalized = buildDeclaredModel(
    { stems: { table: { layers: [{ type: 'batch_normalization' }] } }, trunk: [], heads: { kind: { task: 'classification', layers: [] } } } as never,
    { table: [4] },
    { kind: { task: 'classification', units: 3 } },
    [{ stem: 'table', head: 'kind' }],
    1,
  );
  assert.deepEqual(batchWideLayerNames(normalized.model), ['batch normalization (stem_table_0_batch_normalization)']);
});
