/**
 * Determinism and exact resume on webgpu, on this machine's adapter (llvmpipe in CI): two runs with
 * one seed end with the same weights, bit for bit, and a run that crashed mid-epoch and was resumed
 * from its checkpoint ends with the weights of one never interrupted — dropout included.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseEvents } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { trainOrCrash } from '../fixtures/crashableRun';
import { everyLayerWorkspace } from '../fixtures/everyLayerWorkspace';

const EXTRA = '  balancer: { type: dwa }\n  diagnostics: { every: 2 }\n  checkpoint: { keep_last: 3 }';

async function webgpuWorkspace() {
  const workspace = await everyLayerWorkspace({ epochs: 4, strategy: 'uniform', extraTraining: EXTRA });
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  // The pooled stem made wide (8·8·40 = 2560 inputs to a 64-unit dense layer): tfjs would split
  // that product's inner dimension and sum the parts with atomic adds (see webgpuKernels.ts).
  const wide = [
    '    pooled:',
    '      layers:',
    '        - { type: conv2d, filters: 40, kernel_size: 3, padding: same, activation: sigmoid }',
    '        - { type: flatten }',
    '        - { type: dense, units: 64, activation: relu }',
    '        - { type: dense, units: 16 }',
  ].join('\n');
  writeFileSync(
    workspace.experimentFile,
    yaml
      .replace('  backend: wasm\n', '  backend: webgpu\n')
      .replace(
        '  trunk: [ { type: dense, units: 16, activation: relu } ]',
        '  trunk: [ { type: dense, units: 16, activation: relu }, { type: dropout, rate: 0.3 } ]',
      )
      .replace(/ {4}pooled:\n {6}layers:\n(?: {8}- .*\n){3}/, `${wide}\n`),
  );
  const written = readFileSync(workspace.experimentFile, 'utf8');
  assert.match(written, /\n {2}backend: webgpu\n/);
  assert.ok(written.includes(wide));
  assert.match(written, /type: dropout, rate: 0\.3/);
  return workspace;
}

const weights = (runDir: string) => readFileSync(join(runDir, 'model', 'weights.bin'));
const record = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;

test('a product tfjs would split along its inner dimension gives the same bits on every call', async () => {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../../src/trainer/backend/selectBackend');
  const report = await selectBackend('webgpu');
  assert.deepEqual(report.kernels, ['BatchMatMul', '_FusedMatMul']);
  const a = tf.randomUniform([16, 4608], -1, 1, 'float32', 1);
  const b = tf.randomUniform([4608, 32], -1, 1, 'float32', 2);
  const results = new Set<string>();
  for (let call = 0; call < 30; call++) {
    const product = tf.matMul(a, b);
    results.add(Buffer.from((await product.data()).buffer).toString('base64'));
    product.dispose();
  }
  assert.equal(results.size, 1, '30 calls, one result');
  tf.dispose([a, b]);
});

test('on webgpu, two runs with one seed end with the same weights, and a crashed run resumes to them', async () => {
  const workspace = await webgpuWorkspace();
  const first = await trainOrCrash(workspace);
  assert.equal(record(first).backend?.name, 'webgpu');
  const started = parseEvents(readFileSync(join(first, 'events.jsonl'), 'utf8')).find((event) => event.kind === 'started');
  assert.deepEqual(started?.kind === 'started' && started.adapter, record(first).backend?.adapter, 'the start event names the adapter');

  const second = await trainOrCrash(workspace);
  assert.ok(weights(second).equals(weights(first)), 'a second run with the same seed ends with the same weights, bit for bit');

  const crashed = await trainOrCrash(workspace, { epoch: 3, step: 4 });
  const experiment = await loadExperiment(workspace.experimentFile, { text: readFileSync(join(crashed, 'experiment.jointrain.yaml'), 'utf8') });
  const resumed = await runExperiment({ experiment, runsDir: workspace.runsDir, cacheDir: workspace.cacheDir, resume: crashed });
  assert.equal(resumed.record.status, 'completed');
  assert.equal(resumed.record.resumes?.[0]?.checkpoint, 'epoch-0002');
  assert.ok(weights(crashed).equals(weights(first)), 'the resumed run ends with the uninterrupted run’s weights, bit for bit');
});
