/**
 * Training on WebGPU through Dawn, on whatever adapter this machine has — in CI, Mesa's software
 * Vulkan driver (llvmpipe), installed by scripts/webgpu/install-vulkan.sh (`npm run test:webgpu`).
 * It runs the real GPU code path: every layer type of the format is trained by the CLI on webgpu
 * and on cpu, and the two must end at the same numbers within a stated tolerance (GPU reductions
 * sum in another order, so bit-identical results are not promised). Dropout too: its masks are drawn
 * on the CPU from the run's seed, the same on both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { RunRecordSchema, type MetricRecord } from '../../src/shared/runs/format';
import { parseMetrics } from '../../src/shared/runs/readRecords';
import { everyLayerWorkspace } from '../fixtures/everyLayerWorkspace';

const CLI = resolve(__dirname, '..', '..', 'bin', 'jointrain.js');
/** Per-epoch validation losses on webgpu and cpu may differ by this much (absolute, on losses of order 1). */
const LOSS_TOLERANCE = 2e-3;

function train(experiment: string, runsDir: string, backend: string) {
  const result = spawnSync(process.execPath, [CLI, 'run', experiment, '--runs-dir', runsDir, '--set', `training.backend=${backend}`, '--json', '-q'], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `${backend}: ${result.stderr}`);
  const { runDir } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { runDir: string };
  const record = RunRecordSchema.parse(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')));
  const epochs = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).filter((m) => m.kind === 'epoch');
  return { record, epochs };
}

/** Every epoch's validation loss of every dataset, on webgpu and cpu, within LOSS_TOLERANCE. */
function assertSameLosses(gpu: MetricRecord[], cpu: MetricRecord[]): void {
  assert.equal(gpu.length, cpu.length);
  for (const [e, epoch] of gpu.entries()) {
    for (const [name, metrics] of Object.entries(epoch.kind === 'epoch' ? epoch.datasets : {})) {
      const reference = cpu[e]?.kind === 'epoch' ? cpu[e].datasets[name] : undefined;
      const a = metrics.valLoss ?? Number.NaN;
      const b = reference?.valLoss ?? Number.NaN;
      assert.ok(Math.abs(a - b) <= LOSS_TOLERANCE, `epoch ${e + 1}, ${name}: validation loss ${a} on webgpu, ${b} on cpu`);
    }
  }
}

test('every layer type trains on webgpu to the same validation losses as on cpu, and the run records the adapter', async () => {
  const workspace = await everyLayerWorkspace();
  const gpu = train(workspace.experimentFile, join(workspace.dir, 'runs-webgpu'), 'webgpu');
  const cpu = train(workspace.experimentFile, join(workspace.dir, 'runs-cpu'), 'cpu');
  assert.equal(gpu.record.backend?.name, 'webgpu');
  const adapter = gpu.record.backend?.adapter;
  assert.ok(adapter !== undefined && adapter.description.length > 0, 'the adapter is described');
  assert.equal(gpu.record.backend?.usingGpu, !adapter.software);
  assert.equal(gpu.epochs.length, 2);
  assertSameLosses(gpu.epochs, cpu.epochs);
  assert.ok(readdirSync(join(workspace.dir, 'runs-webgpu')).length === 1);
});

test('dropout on webgpu draws the masks cpu draws (from the run’s seed, on the CPU), so it ends at cpu’s validation losses too', async () => {
  const workspace = await everyLayerWorkspace();
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  writeFileSync(
    workspace.experimentFile,
    yaml.replace(
      '  trunk: [ { type: dense, units: 16, activation: relu } ]',
      '  trunk: [ { type: dense, units: 16, activation: relu }, { type: dropout, rate: 0.2 } ]',
    ),
  );
  assert.match(readFileSync(workspace.experimentFile, 'utf8'), /type: dropout, rate: 0\.2/);
  const gpu = train(workspace.experimentFile, join(workspace.dir, 'runs-webgpu'), 'webgpu');
  const cpu = train(workspace.experimentFile, join(workspace.dir, 'runs-cpu'), 'cpu');
  assert.equal(gpu.record.status, 'completed');
  assertSameLosses(gpu.epochs, cpu.epochs);
});

test('auto takes webgpu only on a hardware adapter, and says why it skipped a software one', async () => {
  const { selectBackend } = await import('../../src/trainer/backend/selectBackend');
  const report = await selectBackend('auto');
  const skipped = report.skipped.find((skip) => skip.name === 'webgpu');
  if (report.name === 'webgpu') {
    assert.equal(report.adapter?.software, false, 'a hardware adapter');
  } else {
    assert.match(skipped?.reason ?? '', /^only a software adapter, .+ \(software\): slower than the CPU backends \(backend: webgpu uses it\)$/);
    // Asked in a child process, so Dawn's driver warnings never reach the run's stderr.
    const workspace = await everyLayerWorkspace({ epochs: 1, strategy: 'uniform' });
    const run = spawnSync(
      process.execPath,
      [CLI, 'run', workspace.experimentFile, '--runs-dir', join(workspace.dir, 'runs'), '--set', 'training.backend=auto', '-q'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /artificially reduced|Warning:/);
  }
});
