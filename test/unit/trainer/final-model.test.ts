/** Which weights a run's model/ holds: the best epoch's, with the last apart; the last; a diverged run's last good one. */
import * as tf from '@tensorflow/tfjs';
import '../../fixtures/quietTfjs';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { RunRecord } from '../../../src/shared/runs/format';
import { modelChoiceText } from '../../../src/shared/runs/modelChoice';
import { fileLoadHandler, folderSaveHandler } from '../../../src/trainer/runs/modelFiles';
import type { RunFolder } from '../../../src/trainer/runs/runFolder';
import { saveFinalModel } from '../../../src/trainer/training/modelLifecycle';
import { tinyModel } from './tinyJointModel';

before(async () => {
  await tf.setBackend('cpu');
});

/** A run folder with what saveFinalModel reads and writes: its record, paths and updates. */
function fakeRun(completed: number, best?: RunRecord['best']): RunFolder & { record: RunRecord } {
  const dir = mkdtempSync(join(tmpdir(), 'jointrain-final-model-'));
  const record = { epochs: { total: 5, completed }, heads: {}, ...(best ? { best } : {}) } as unknown as RunRecord;
  const run = { dir, record, path: (name: string) => join(dir, name), update: (patch: Partial<RunRecord>) => Object.assign(run.record, patch) };
  return run as unknown as RunFolder & { record: RunRecord };
}

/** Every weight of the model set to `value`, so that a saved folder tells which epoch it holds. */
function fill(model: ReturnType<typeof tinyModel>, value: number): void {
  model.model.setWeights(model.model.getWeights().map((weight) => tf.fill(weight.shape, value)));
}

async function firstWeight(folder: string): Promise<number> {
  const loaded = await tf.loadLayersModel(fileLoadHandler(join(folder, 'model.json')));
  const value = loaded.getWeights()[0]?.dataSync()[0] as number;
  loaded.dispose();
  return value;
}

test('model/ holds the best checkpoint’s weights and model-last/ the last epoch’s when the best came earlier', async () => {
  const model = tinyModel();
  const run = fakeRun(5, { epoch: 2, monitor: 'val_accuracy_worst', value: 0.91, checkpoint: 'epoch-0002' });
  fill(model, 2);
  mkdirSync(run.path('checkpoints/epoch-0002'), { recursive: true });
  await model.model.save(folderSaveHandler(run.path('checkpoints/epoch-0002')));
  fill(model, 5);
  await saveFinalModel(model, run, undefined);
  assert.equal(await firstWeight(run.path('model')), 2);
  assert.equal(await firstWeight(run.path('model-last')), 5);
  assert.deepEqual(run.record.model, { epoch: 2, chosen: 'best', monitor: 'val_accuracy_worst', value: 0.91, last: { epoch: 5, path: 'model-last' } });
  assert.equal(modelChoiceText(run.record.model), 'model/: epoch 2, the best by val_accuracy_worst (0.91); model-last/: epoch 5, the last');
  model.model.dispose();
});

test('when the last epoch is the best, model/ holds it and a stale model-last/ of an earlier ending is removed', async () => {
  const model = tinyModel();
  const run = fakeRun(4, { epoch: 4, monitor: 'val_loss_mean', value: 0.25, checkpoint: 'epoch-0004' });
  mkdirSync(run.path('model-last'), { recursive: true });
  fill(model, 4);
  await saveFinalModel(model, run, undefined);
  assert.equal(await firstWeight(run.path('model')), 4);
  assert.equal(existsSync(run.path('model-last')), false);
  assert.deepEqual(run.record.model, { epoch: 4, chosen: 'best', monitor: 'val_loss_mean', value: 0.25 });
  model.model.dispose();
});

test('without a best checkpoint model/ holds the last epoch, said as such', async () => {
  const model = tinyModel();
  const run = fakeRun(3);
  fill(model, 3);
  await saveFinalModel(model, run, undefined);
  assert.equal(await firstWeight(run.path('model')), 3);
  assert.deepEqual(run.record.model, { epoch: 3, chosen: 'last' });
  assert.equal(modelChoiceText(run.record.model), 'model/: epoch 3, the last');
  model.model.dispose();
});

test('a diverged run’s model/ is its last good checkpoint, named as such', async () => {
  const model = tinyModel();
  const run = fakeRun(3, { epoch: 3, monitor: 'val_loss_mean', value: 0.5, checkpoint: 'epoch-0003' });
  fill(model, 1);
  mkdirSync(run.path('checkpoints/epoch-0001'), { recursive: true });
  await model.model.save(folderSaveHandler(run.path('checkpoints/epoch-0001')));
  fill(model, Number.NaN);
  await saveFinalModel(model, run, { epoch: 3, step: 2 });
  assert.equal(await firstWeight(run.path('model')), 1);
  assert.deepEqual(run.record.model, { epoch: 1, chosen: 'last-good' });
  assert.equal(run.record.best, undefined, 'a best saved after the divergence began is no model to pick');
  assert.equal(modelChoiceText(run.record.model), 'model/: epoch 1, the last good checkpoint before the divergence');
  model.model.dispose();
});
