import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUN_FILES, type RunRecord } from '../../src/shared/runs/format';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import type { EpochRecord } from '../../src/trainer/trainingReporter';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';
import { WASM_KERNELS } from '../fixtures/wasmKernels';

const CONV_STEM = `image: { layers: [
      { type: conv2d, filters: 8, kernel_size: 3, padding: same, activation: relu },
      { type: batch_normalization },
      { type: max_pooling2d, pool_size: 2 },
      { type: conv2d, filters: 8, kernel_size: 3, strides: 2, padding: same },
      { type: activation, activation: relu },
      { type: dropout, rate: 0.1 },
      { type: flatten },
      { type: dense, units: 16, activation: relu } ] }`;

test('a convolutional experiment with backend auto trains on wasm when no native or WebGPU package is installed, and run.json records why and which kernels jointrain supplied', async () => {
  const workspace = await createTinyWorkspace({ epochs: 8 });
  const text = readFileSync(workspace.experimentFile, 'utf8');
  // `small` (the inverted images) on a head of its own: on the shared `side` head its labels contradict `big`'s.
  const small = text.indexOf('  - name: small');
  const routed = (text.slice(0, small) + text.slice(small).replace('head: side', 'head: inverted')).replace(
    '    side: { task: classification }\n',
    '    side: { task: classification }\n    inverted: { task: classification }\n',
  );
  const convText = routed.replace(/image: \{ layers: \[[^\n]*\] \}/, CONV_STEM).replace('backend: wasm', 'backend: auto');
  assert.notEqual(convText, text);
  writeFileSync(workspace.experimentFile, convText);
  const epochs: EpochRecord[] = [];
  const notInstalled = (name: string) => {
    if (name.startsWith('@tensorflow/tfjs-node') || name === 'webgpu')
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
    return createRequire(__filename)(name) as unknown;
  };
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    loadModule: notInstalled,
    reporter: { onEpochEnd: (record) => epochs.push(record) },
  });
  assert.equal(result.record.status, 'completed');
  const record = JSON.parse(readFileSync(join(result.runDir, RUN_FILES.run), 'utf8')) as RunRecord;
  assert.deepEqual(record.backend, {
    name: 'wasm',
    requested: 'auto',
    usingGpu: false,
    skipped: [
      { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'webgpu', reason: 'webgpu is not installed' },
      { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
    ],
    kernels: [...WASM_KERNELS],
    // The stem's batch normalization keeps the run on one thread (a multi-core machine says why).
    threads: {
      requested: 'auto',
      used: 1,
      ...(availableParallelism() > 1
        ? { reason: 'batch normalization (stem_image_1_batch_normalization) computes statistics over the whole batch, which a split batch would change' }
        : {}),
    },
  });
  const losses = epochs.map((epoch) => epoch.datasets.big?.trainLoss ?? NaN);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(mean(losses.slice(-3)) < mean(losses.slice(0, 3)), `the image datasets' loss did not fall: ${losses.join(', ')}`);
  // Learned, not only falling: the convolutional stem (wasm with jointrain's gradient kernels) separates the images.
  const last = epochs.at(-1);
  for (const name of ['big', 'small'])
    assert.ok((last?.datasets[name]?.valAccuracy ?? 0) >= 0.9, `${name}: validation accuracy ${last?.datasets[name]?.valAccuracy}`);
});
