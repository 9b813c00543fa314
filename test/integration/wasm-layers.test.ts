import * as tf from '@tensorflow/tfjs';
import '../fixtures/quietTfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { registerWasmGradients } from '../../src/trainer/backend/wasmGradients';
import { assertClose, seededValues, type Values } from '../unit/trainer/backend-compare';

interface LayerCase {
  name: string;
  input: number[];
  /** Integer inputs in [0, vocabulary) instead of floats. */
  vocabulary?: number;
  layers: () => tf.layers.Layer[];
}

const IMAGE = [8, 8, 3];
const conv = (config: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) => tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', ...config });

/** Every layer type the experiment format declares, and the other trainable tfjs layers. */
const CASES: LayerCase[] = [
  { name: 'dense', input: [6], layers: () => [tf.layers.dense({ units: 5, activation: 'relu' })] },
  { name: 'conv2d, stride 1, same', input: IMAGE, layers: () => [conv(), tf.layers.flatten()] },
  { name: 'conv2d, stride 2, valid', input: IMAGE, layers: () => [conv({ strides: 2, padding: 'valid' }), tf.layers.flatten()] },
  { name: 'conv2d, stride 2, same, 5×5', input: IMAGE, layers: () => [conv({ strides: 2, kernelSize: 5 }), tf.layers.flatten()] },
  { name: 'max_pooling2d', input: IMAGE, layers: () => [conv(), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten()] },
  { name: 'average_pooling2d', input: IMAGE, layers: () => [conv(), tf.layers.averagePooling2d({ poolSize: 2 }), tf.layers.flatten()] },
  { name: 'global_average_pooling2d', input: IMAGE, layers: () => [conv(), tf.layers.globalAveragePooling2d({})] },
  { name: 'global_max_pooling2d', input: IMAGE, layers: () => [conv(), tf.layers.globalMaxPooling2d({})] },
  { name: 'flatten', input: [4, 3], layers: () => [tf.layers.flatten()] },
  { name: 'batch_normalization', input: IMAGE, layers: () => [conv(), tf.layers.batchNormalization({}), tf.layers.flatten()] },
  { name: 'layer_normalization', input: [6], layers: () => [tf.layers.dense({ units: 5 }), tf.layers.layerNormalization({})] },
  {
    name: 'activation (elu, selu, tanh, sigmoid)',
    input: [6],
    layers: () => ['elu', 'selu', 'tanh', 'sigmoid'].map((activation) => tf.layers.dense({ units: 5, activation: activation as 'elu' })),
  },
  {
    name: 'conv1d, stride 2',
    input: [10, 3],
    layers: () => [tf.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), tf.layers.flatten()],
  },
  {
    name: 'depthwise_conv2d, stride 2',
    input: IMAGE,
    layers: () => [tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' }), tf.layers.flatten()],
  },
  {
    name: 'separable_conv2d',
    input: IMAGE,
    layers: () => [conv(), tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'valid' }), tf.layers.flatten()],
  },
  {
    name: 'conv2d_transpose, stride 2',
    input: IMAGE,
    layers: () => [conv(), tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), tf.layers.flatten()],
  },
  { name: 'embedding', input: [5], vocabulary: 12, layers: () => [tf.layers.embedding({ inputDim: 12, outputDim: 4 }), tf.layers.flatten()] },
  { name: 'lstm', input: [5, 3], layers: () => [tf.layers.lstm({ units: 4, returnSequences: true }), tf.layers.lstm({ units: 4 })] },
  { name: 'gru', input: [5, 3], layers: () => [tf.layers.gru({ units: 4 })] },
];

const BATCH = 8;
const OUTPUTS = 3;
const STEPS = 5;

interface Training {
  losses: number[];
  weights: Values[];
}

function buildModel(c: LayerCase): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: c.input, dtype: c.vocabulary === undefined ? 'float32' : 'int32' }));
  for (const layer of c.layers()) model.add(layer);
  model.add(tf.layers.dense({ units: OUTPUTS }));
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  return model;
}

function batchFor(c: LayerCase): { x: tf.Tensor; y: tf.Tensor } {
  const xShape = [BATCH, ...c.input];
  const x =
    c.vocabulary === undefined
      ? tf.tensor(seededValues(xShape, 21), xShape)
      : tf.tensor(
          Int32Array.from(seededValues(xShape, 21), (v) => Math.floor(((v + 1) / 2) * (c.vocabulary ?? 1))),
          xShape,
          'int32',
        );
  return { x, y: tf.tensor(seededValues([BATCH, OUTPUTS], 22), [BATCH, OUTPUTS]) };
}

/** Trains a fresh model with the given initial weights on `backend`; the same batch every step. */
async function train(backend: string, c: LayerCase, initial: Values[], steps = STEPS): Promise<Training> {
  assert.ok(await tf.setBackend(backend));
  const model = buildModel(c);
  model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
  const { x, y } = batchFor(c);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) losses.push((await model.trainOnBatch(x, y)) as number);
  const weights = model.getWeights().map((w) => ({ shape: w.shape.slice(), values: Float32Array.from(w.dataSync()) }));
  tf.dispose([x, y]);
  model.dispose();
  return { losses, weights };
}

async function initialWeights(c: LayerCase): Promise<Values[]> {
  assert.ok(await tf.setBackend('cpu'));
  const model = buildModel(c);
  const weights = model.getWeights().map((w) => ({ shape: w.shape.slice(), values: Float32Array.from(w.dataSync()) }));
  model.dispose();
  return weights;
}

before(() => registerWasmGradients());

describe('every layer type trains on wasm as it does on cpu', () => {
  for (const c of CASES) {
    test(`${c.name}: loss falls and weights match cpu after ${STEPS} steps`, async () => {
      const initial = await initialWeights(c);
      const cpu = await train('cpu', c, initial);
      const wasm = await train('wasm', c, initial);
      assert.ok((wasm.losses.at(-1) ?? Infinity) < (wasm.losses[0] ?? 0), `wasm loss did not fall: ${wasm.losses.join(', ')}`);
      wasm.losses.forEach((loss, i) =>
        assert.ok(Math.abs(loss - (cpu.losses[i] ?? NaN)) <= 1e-3 * Math.max(1, Math.abs(loss)), `step ${i}: wasm ${loss}, cpu ${cpu.losses[i]}`),
      );
      wasm.weights.forEach((w, i) => assertClose(w, cpu.weights[i] as Values, 1e-3));
    });
  }
});

test('dropout trains on wasm: loss falls', async () => {
  const c: LayerCase = { name: 'dropout', input: [6], layers: () => [tf.layers.dense({ units: 16, activation: 'relu' }), tf.layers.dropout({ rate: 0.2 })] };
  const initial = await initialWeights(c);
  const { losses } = await train('wasm', c, initial, 40);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)), `wasm loss did not fall: ${losses.join(', ')}`);
});

for (const name of ['separable_conv2d', 'max_pooling2d', 'embedding']) {
  test(`training ${name} on wasm does not leak tensors across steps`, async () => {
    await trainsWithoutLeak(CASES.find((candidate) => candidate.name === name) as LayerCase);
  });
}

async function trainsWithoutLeak(c: LayerCase): Promise<void> {
  assert.ok(await tf.setBackend('wasm'));
  const model = buildModel(c);
  const { x, y } = batchFor(c);
  await model.trainOnBatch(x, y);
  const before = tf.memory().numTensors;
  for (let step = 0; step < 3; step++) await model.trainOnBatch(x, y);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
  model.dispose();
}
