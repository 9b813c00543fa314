/**
 * The learning rate in a real run: a plateau lowers it for the next epoch, a request sets it at
 * the next boundary, each change is an event with its cause, and every epoch records the rate it
 * trained with.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

test('reduce_on_plateau halves the rate after each stalled epoch, a request overrides it at the next boundary, and epochs record the rate in force', async () => {
  const workspace = await createTinyWorkspace({ epochs: 5 });
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  // min_delta 1 on an accuracy: no epoch can improve, so every epoch after the first stalls.
  writeFileSync(
    workspace.experimentFile,
    yaml.replace('  seed: 5\n', '  seed: 5\n  lr_schedule: { type: reduce_on_plateau, monitor: val_accuracy_mean, min_delta: 1, patience: 1, factor: 0.5 }\n'),
  );
  let runDir = '';
  const { record } = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      onRunCreated: (dir) => (runDir = dir),
      onStep: (step) => {
        if (step.epoch === 3 && step.step === 2) {
          appendFileSync(join(runDir, 'control.jsonl'), `${JSON.stringify({ type: 'set-learning-rate', value: 0.02, requestId: 'lr-1' })}\n`);
        }
      },
    },
  });
  assert.equal(record.status, 'completed');
  const epochs = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).flatMap((r) => (r.kind === 'epoch' ? [r] : []));
  // Epoch 2 stalls → 0.005 for epoch 3; epoch 3 stalls → 0.0025, but the request (read in epoch 3) wins at epoch 4: 0.02; epoch 4 stalls → 0.01.
  assert.deepEqual(
    epochs.map((epoch) => epoch.learningRate),
    [0.01, 0.01, 0.005, 0.02, 0.01],
  );
  const changes = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8')).flatMap((event) =>
    event.kind === 'learning-rate' ? [[event.epoch, event.previous, event.learningRate, event.cause, event.requestId ?? null]] : [],
  );
  assert.deepEqual(changes, [
    [3, 0.01, 0.005, 'plateau', null],
    [4, 0.005, 0.0025, 'plateau', null],
    [4, 0.0025, 0.02, 'request', 'lr-1'],
    [5, 0.02, 0.01, 'plateau', null],
  ]);
});

test('max_steps ends the run mid-epoch after that many steps, completed with the reason; it cannot be resumed into more steps', async () => {
  const workspace = await createTinyWorkspace({ epochs: 5 });
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  writeFileSync(workspace.experimentFile, yaml.replace('  seed: 5\n', '  seed: 5\n  max_steps: 8\n'));
  const { runDir, record } = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
  });
  assert.equal(record.status, 'completed');
  const metrics = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));
  // Epochs of 6 steps: all of epoch 1, then 2 steps of epoch 2.
  assert.deepEqual(
    metrics.flatMap((r) => (r.kind === 'epoch' ? [[r.epoch, r.steps]] : [])),
    [
      [1, 6],
      [2, 2],
    ],
  );
  const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
  assert.deepEqual(
    events.flatMap((event) => (event.kind === 'completed' ? [[event.epoch, event.reason]] : [])),
    [[2, 'the step budget is spent (max_steps: 8)']],
  );
  assert.equal(events.filter((event) => event.kind === 'stopped').length, 0);
  assert.equal(record.epochs.completed, 2);
});
