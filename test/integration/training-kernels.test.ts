/**
 * Which tfjs kernels training dispatches on a backend that has none of jointrain's own kernels —
 * webgpu's case. The runs below train on a stand-in 'webgpu' (tfjs's cpu kernels under that name,
 * without jointrain's, behind a fake Dawn adapter) and record every kernel the engine runs; the
 * list the trainer checks a backend against at start (`TRAINING_KERNELS`) must hold them all.
 */
import * as tf from '@tensorflow/tfjs';
import '../fixtures/quietTfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { OPTIMIZERS } from '../../src/shared/experiment/schema';
import { TRAINING_KERNELS } from '../../src/trainer/backend/trainingKernels';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { everyLayerWorkspace } from '../fixtures/everyLayerWorkspace';

const requireHere = createRequire(__filename);
const FAKE_DAWN = {
  globals: {},
  create: () => ({
    requestAdapter: async () => ({ isFallbackAdapter: false, info: { vendor: 'test', architecture: 'stand-in', description: 'cpu kernels' } }),
  }),
};

function registerStandIn(): void {
  if (tf.findBackend('webgpu') !== null) return;
  tf.registerBackend('webgpu', () => new MathBackendCPU());
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (!kernel.kernelName.startsWith('Jointrain')) tf.registerKernel({ ...kernel, backendName: 'webgpu' });
  }
}

const load = (name: string): unknown => {
  if (name === 'webgpu') return FAKE_DAWN;
  if (name === '@tensorflow/tfjs-backend-webgpu') return registerStandIn();
  return requireHere(name);
};

/** Each optimizer once, each balancer once, both regression losses, clipping, l2, every activation, diagnostics, augmentation. */
const VARIANTS: Array<{ optimizer: string; balancer: string; regression: 'mse' | 'mae'; extra: string }> = OPTIMIZERS.map((optimizer, i) => ({
  optimizer,
  balancer: ['dwa', 'gradnorm', 'pcgrad', 'uncertainty', 'sampling', 'static'][i] ?? 'static',
  regression: i % 2 === 0 ? 'mse' : 'mae',
  extra: i === 0 ? ', clip_norm: 1, clip_value: 0.5' : '',
}));

test('every kernel training dispatches on a backend without jointrain’s kernels is in TRAINING_KERNELS', async () => {
  const seen = new Set<string>();
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const runKernel = engine.runKernel.bind(engine);
  engine.runKernel = (name, ...rest) => {
    if (tf.getBackend() === 'webgpu') seen.add(name);
    return runKernel(name, ...rest);
  };
  try {
    for (const variant of VARIANTS) {
      const workspace = await everyLayerWorkspace({
        epochs: 2,
        strategy: 'uniform',
        extraTraining: `  balancer: { type: ${variant.balancer} }\n  diagnostics: { every: 2 }\n  l2: 0.001`,
      });
      const yaml = readFileSync(workspace.experimentFile, 'utf8')
        .replace('  backend: wasm\n', '  backend: webgpu\n')
        .replace(/optimizer: \{ type: adam, learning_rate: 0\.01 \}/, `optimizer: { type: ${variant.optimizer}, learning_rate: 0.01${variant.extra} }`)
        .replace('value: { task: regression, loss: mse }', `value: { task: regression, loss: ${variant.regression} }`)
        .replace(
          '  trunk: [ { type: dense, units: 16, activation: relu } ]',
          `  trunk: [ { type: dense, units: 16, activation: relu }, ${['relu6', 'selu', 'softplus', 'softsign', 'swish', 'gelu'].map((a) => `{ type: activation, activation: ${a} }`).join(', ')}, { type: dropout, rate: 0.1 } ]`,
        );
      writeFileSync(workspace.experimentFile, yaml);
      assert.match(yaml, new RegExp(`type: ${variant.optimizer}, learning_rate`));
      assert.match(yaml, /activation: gelu/);
      const experiment = await loadExperiment(workspace.experimentFile);
      const result = await runExperiment({ experiment, runsDir: workspace.runsDir, cacheDir: workspace.cacheDir, loadModule: load });
      assert.equal(result.record.status, 'completed', `${variant.optimizer} with ${variant.balancer}`);
      assert.equal(result.record.backend?.name, 'webgpu');
    }
  } finally {
    engine.runKernel = runKernel;
    await tf.setBackend('cpu');
  }
  const unlisted = [...seen].filter((name) => !TRAINING_KERNELS.includes(name)).sort();
  assert.deepEqual(unlisted, [], `kernels training used that TRAINING_KERNELS does not list: ${JSON.stringify(unlisted)}`);
  const unused = TRAINING_KERNELS.filter((name) => !seen.has(name));
  assert.deepEqual(unused, [], 'every kernel listed is one training used');
  // The runs reached what they were built for: augmentation, gelu, batch normalization, the pooling gradients.
  for (const kernel of ['Transform', 'Erf', 'FusedBatchNorm', 'AvgPoolGrad', 'MaxPoolGrad', 'Conv2DBackpropFilter']) assert.ok(seen.has(kernel), kernel);
});
