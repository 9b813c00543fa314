/**
 * `training.threads`: a run on two threads (data-parallel) ends where the same run on one thread
 * ends, up to float rounding, records the threads it used, and resumes exactly like any run.
 */
import * as tf from '@tensorflow/tfjs';
import '../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { runExperiment } from '../../src/trainer/runExperiment';
import { useLoadedModel } from '../fixtures/loadedModelWorkspace';
import { trainOrCrash } from '../fixtures/crashableRun';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

const EPOCHS = 4;
// dwa and diagnostics: loss weights that change per epoch and diagnostic steps measured beside the threads' steps.
const extra = (threads: number) => `  threads: ${threads}\n  balancer: { type: dwa }\n  diagnostics: { every: 2 }\n  checkpoint: { keep_last: 3 }`;

const record = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
const weights = (runDir: string) => readFileSync(join(runDir, 'model', 'weights.bin'));
/** Per epoch and dataset: training loss and validation loss. */
function losses(runDir: string): number[] {
  return parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).flatMap((r) =>
    r.kind === 'epoch' ? Object.values(r.datasets).flatMap((d) => [d.trainLoss, d.valLoss ?? Number.NaN]) : [],
  );
}

test('a run on two threads ends where the one-thread run ends, up to float rounding, and records its threads', async () => {
  const one = await trainOrCrash(await createTinyWorkspace({ epochs: EPOCHS, extraTraining: extra(1) }));
  const two = await trainOrCrash(await createTinyWorkspace({ epochs: EPOCHS, extraTraining: extra(2) }));
  assert.deepEqual(record(two).backend?.threads, { requested: 2, used: 2 });
  assert.deepEqual(record(one).backend?.threads, { requested: 1, used: 1 });
  assert.equal(record(two).status, 'completed');
  const a = losses(one);
  const b = losses(two);
  assert.equal(a.length, b.length);
  const worst = Math.max(...a.map((value, i) => Math.abs(value - (b[i] as number)) / Math.max(1e-3, Math.abs(value))));
  console.log(`threads 1 vs 2: largest relative difference of a per-epoch loss over ${EPOCHS} epochs: ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-5, `per-epoch losses differ by ${worst} (relative)`);
  assert.ok(!weights(one).equals(weights(two)) || worst === 0, 'rounding differs, or nothing does');
});

test('a two-thread run with dropout that crashed mid-epoch resumes to the weights of its uninterrupted run, bit for bit', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: extra(2) });
  // Each thread draws its rows' masks from the run's seed, the step and its shard number.
  const text = readFileSync(workspace.experimentFile, 'utf8');
  const trunk = '  trunk: [ { type: dense, units: 16, activation: relu } ]';
  assert.ok(text.includes(trunk));
  writeFileSync(workspace.experimentFile, text.replace(trunk, '  trunk: [ { type: dense, units: 16, activation: relu }, { type: dropout, rate: 0.3 } ]'));
  const reference = await trainOrCrash(workspace);
  const crashed = await trainOrCrash(workspace, { epoch: 3, step: 4 });
  const saved = record(crashed);
  const experiment = await loadExperiment(saved.experimentPath, { text: readFileSync(join(crashed, 'experiment.jointrain.yaml'), 'utf8') });
  const resumed = await runExperiment({ experiment, runsDir: workspace.runsDir, cacheDir: workspace.cacheDir, resume: crashed });
  assert.equal(resumed.record.status, 'completed');
  assert.equal(resumed.record.backend?.threads?.used, 2);
  assert.ok(weights(crashed).equals(weights(reference)), 'final weights equal the uninterrupted run’s, bit for bit');
  assert.deepEqual(losses(crashed), losses(reference));
});

test('a loaded tfjs model trains on two threads (each worker loads it from its file) as on one, up to float rounding', async () => {
  const runs: number[][] = [];
  for (const threads of [1, 2]) {
    const workspace = await createTinyWorkspace({ epochs: 3, extraTraining: `  threads: ${threads}` });
    await selectBackend('wasm');
    await useLoadedModel(
      workspace,
      (input) => {
        const hidden = tf.layers
          .dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
          .apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
        return tf.layers
          .dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })
          .apply(hidden) as tf.SymbolicTensor;
      },
      8,
    );
    const result = await runExperiment({
      experiment: await loadExperiment(workspace.experimentFile),
      runsDir: workspace.runsDir,
      cacheDir: workspace.cacheDir,
    });
    assert.equal(result.record.status, 'completed');
    assert.equal(result.record.backend?.threads?.used, threads);
    runs.push(losses(result.runDir));
  }
  const [one, two] = runs as [number[], number[]];
  assert.equal(one.length, two.length);
  one.forEach((value, i) => assert.ok(Math.abs(value - (two[i] as number)) <= 1e-5 * Math.max(1e-3, Math.abs(value)), `loss ${i}: ${value} vs ${two[i]}`));
});

test('threads that cannot start leave the run on one thread, saying why, instead of failing it', async () => {
  const workspace = await createTinyWorkspace({ epochs: 2, extraTraining: '  threads: 2' });
  await selectBackend('wasm');
  const modelFolder = await useLoadedModel(
    workspace,
    (input) => tf.layers.dense({ units: 2, activation: 'softmax' }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor,
    4,
  );
  const warnings: string[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      // The main thread has loaded the model; the workers, started next, find its files gone.
      onStart: () => rmSync(modelFolder, { recursive: true }),
      onWarning: (message) => warnings.push(message),
    },
  });
  assert.equal(result.record.status, 'completed');
  const threads = record(result.runDir).backend?.threads;
  assert.equal(threads?.used, 1);
  assert.equal(threads?.requested, 2);
  assert.match(
    threads?.reason ?? '',
    /^the training threads could not start \(a training thread could not start: .*model\.json.*\), so the run trains on one thread$/,
  );
  assert.deepEqual(
    warnings.filter((warning) => warning.startsWith('the training threads')),
    [threads?.reason],
  );
});
