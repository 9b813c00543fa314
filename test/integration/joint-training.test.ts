import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
import type { RunEvent } from '../../src/shared/runs/format';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import type { EpochRecord } from '../../src/trainer/trainingReporter';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { fileLoadHandler } from '../../src/trainer/runs/modelFiles';
import type { DatasetBatch } from '../../src/trainer/loop/jointLoss';
import type { BatchPlace } from '../../src/trainer/training/epochLoop';
import { useLoadedModel } from '../fixtures/loadedModelWorkspace';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

test('a weight change requested mid-epoch applies at the next epoch boundary and is recorded', async () => {
  const workspace = await createTinyWorkspace({ epochs: 3 });
  let runDir = '';
  const epochs: EpochRecord[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      onRunCreated: (dir) => {
        runDir = dir;
      },
      onStep: (record) => {
        if (record.epoch === 1 && record.step === 2) {
          appendFileSync(
            join(runDir, 'control.jsonl'),
            `${JSON.stringify({ type: 'set-weights', requestId: 'r1', sampling: { small: 3 }, loss: { big: 0.5 } })}\n`,
          );
        }
      },
      onEpochEnd: (record) => epochs.push(record),
    },
  });
  assert.equal(result.record.status, 'completed');
  const events = parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
  const requested = events.find((event) => event.kind === 'weights-requested');
  const applied = events.find((event) => event.kind === 'weights-applied');
  assert.deepEqual(requested && { epoch: requested.epoch, step: requested.step, requestId: requested.requestId }, { epoch: 1, step: 2, requestId: 'r1' });
  assert.equal(applied?.epoch, 2);
  assert.equal(applied?.requestId, 'r1');
  assert.deepEqual(applied?.sampling, { big: 1, small: 3, table: 1, reg: 1 });
  assert.deepEqual(applied?.loss, { big: 0.5, small: 2, table: 1, reg: 1 });

  const [first, second] = epochs as [EpochRecord, EpochRecord];
  // Epoch 1 finished with the old weights (uniform: a quarter each) ...
  assert.equal(first.datasets.small?.configuredShare, 0.25);
  assert.equal(first.datasets.big?.lossWeight, 1);
  // ... epoch 2 trained with the new ones: small has 3 / 6 of the sampling weight.
  assert.equal(second.datasets.small?.configuredShare, 0.5);
  assert.equal(second.datasets.small?.samplingWeight, 3);
  assert.equal(second.datasets.big?.lossWeight, 0.5);
  assert.ok(Math.abs((second.datasets.small?.realizedShare ?? 0) - 0.5) < 0.02);
});

/**
 * The tiny workspace with `small` (the inverted images) on a head of its own: on the shared `side`
 * head the two image datasets contradict each other (a left-lit `big` image is a right-lit `small`
 * one, a little darker), so only this routing can learn every dataset.
 */
function routeInvertedToItsOwnHead(yaml: string): string {
  const small = yaml.indexOf('  - name: small');
  const routed = yaml.slice(0, small) + yaml.slice(small).replace('head: side', 'head: inverted');
  return routed.replace('    side: { task: classification }\n', '    side: { task: classification }\n    inverted: { task: classification }\n');
}

async function trainedLastEpoch(yaml: (text: string) => string, epochs: number): Promise<EpochRecord> {
  const workspace = await createTinyWorkspace({ epochs });
  writeFileSync(workspace.experimentFile, yaml(readFileSync(workspace.experimentFile, 'utf8')));
  const result = await runExperiment({ experiment: await loadExperiment(workspace.experimentFile), runsDir: workspace.runsDir, cacheDir: workspace.cacheDir });
  assert.equal(result.record.status, 'completed', result.record.error);
  return result.lastEpoch as EpochRecord;
}

test('the model learns every dataset: validation accuracy ≥ 0.9 on each classification dataset and a small MAE on the regression one', async () => {
  const last = await trainedLastEpoch(routeInvertedToItsOwnHead, 20);
  for (const name of ['big', 'small', 'table']) {
    assert.ok((last.datasets[name]?.valAccuracy ?? 0) >= 0.9, `${name}: validation accuracy ${last.datasets[name]?.valAccuracy}`);
  }
  // The targets 2u − v span [−1, 2]: predicting their mean would leave an MAE near 0.5.
  assert.ok((last.datasets.reg?.valMae ?? Infinity) < 0.1, `reg: validation MAE ${last.datasets.reg?.valMae}`);
  // Each classification dataset's confusion matrix counts its validation samples, its diagonal the accuracy.
  for (const name of ['big', 'small', 'table']) {
    const metrics = last.datasets[name];
    const confusion = metrics?.valConfusion ?? [];
    const total = confusion.flat().reduce((sum, n) => sum + n, 0);
    const diagonal = confusion.reduce((sum, row, c) => sum + (row[c] ?? 0), 0);
    assert.ok(total > 0, `${name}: a confusion matrix`);
    assert.ok(Math.abs(diagonal / total - (metrics?.valAccuracy ?? NaN)) < 1e-9, `${name}: the diagonal is the accuracy`);
  }
  assert.equal(last.datasets.reg?.valConfusion, undefined, 'no confusion matrix for regression');
});

test('the accuracy check has teeth: contradicting labels routed to one head leave a dataset unlearned', async () => {
  // The default routing sends both image datasets to `side`, where their labels contradict.
  const last = await trainedLastEpoch((yaml) => yaml, 20);
  const worst = Math.min(last.datasets.big?.valAccuracy ?? 1, last.datasets.small?.valAccuracy ?? 1);
  assert.ok(worst < 0.9, `one of the contradicting datasets stays below 0.9: big ${last.datasets.big?.valAccuracy}, small ${last.datasets.small?.valAccuracy}`);
});

test('validation metrics are reported per dataset: accuracy for classification heads, MAE for regression', async () => {
  const workspace = await createTinyWorkspace({ epochs: 2 });
  const result = await runExperiment({ experiment: await loadExperiment(workspace.experimentFile), runsDir: workspace.runsDir, cacheDir: workspace.cacheDir });
  const last = result.lastEpoch as EpochRecord;
  assert.deepEqual(Object.keys(last.datasets).sort(), ['big', 'reg', 'small', 'table']);
  for (const name of ['big', 'small', 'table']) {
    const metrics = last.datasets[name];
    assert.ok(metrics?.valAccuracy !== undefined && metrics.valAccuracy >= 0 && metrics.valAccuracy <= 1, name);
    assert.equal(metrics?.valMae, undefined);
  }
  assert.ok(last.datasets.reg?.valMae !== undefined && last.datasets.reg.valMae >= 0);
  assert.equal(last.datasets.reg?.valAccuracy, undefined);
  // The validation splits are the sizes the reports say (a quarter of each image class, rounded).
  const reports = Object.fromEntries(result.record.datasets.map((d) => [d.name, d]));
  assert.equal(reports.big?.validation.size, 12);
  assert.equal(reports.small?.validation.size, 4);
  const shares = Object.values(last.datasets).reduce((sum, d) => sum + d.lossShare, 0);
  assert.ok(Math.abs(shares - 1) < 1e-6, 'loss shares sum to 1');
});

test('the tensor count does not grow across epochs, and a finished run frees everything it allocated', async () => {
  const workspace = await createTinyWorkspace({ epochs: 4 });
  const counts: number[] = [];
  await selectBackend('wasm');
  const before = tf.memory().numTensors;
  await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: { onEpochEnd: () => counts.push(tf.memory().numTensors) },
  });
  assert.equal(counts.length, 4);
  assert.deepEqual(counts.slice(1), [counts[0], counts[0], counts[0]]);
  assert.equal(tf.memory().numTensors, before);
});

test('pause, resume and stop arrive as commands on a stream; the run ends stopped with its model saved', async () => {
  const workspace = await createTinyWorkspace({ epochs: 5 });
  const commands = new PassThrough();
  const events: RunEvent[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    commands,
    reporter: {
      onStep: (record) => {
        if (record.epoch === 2 && record.step === 1) commands.write('{"type":"pause"}\n');
      },
      onEvent: (event) => {
        events.push(event);
        if (event.kind === 'paused') commands.write('{"type":"resume"}\n{"type":"bogus"}\n');
        if (event.kind === 'resumed') commands.write('{"type":"stop"}\n');
      },
    },
  });
  commands.destroy();
  assert.equal(result.record.status, 'stopped');
  const kinds = events.map((event) => event.kind);
  assert.deepEqual(
    kinds.filter((kind) => ['paused', 'resumed', 'stopped'].includes(kind)),
    ['paused', 'resumed', 'stopped'],
  );
  const rejected = events.find((event) => event.kind === 'weights-rejected');
  assert.match(rejected?.kind === 'weights-rejected' ? rejected.reason : '', /invalid command from stdin: type: .*bogus/);
  assert.equal(result.record.epochs.completed, 2);
  assert.ok(readFileSync(join(result.runDir, 'model', 'model.json'), 'utf8').includes('"format":"layers-model"'));
});

test('a non-finite loss stops the run as diverged and names the dataset', async () => {
  const workspace = await createTinyWorkspace({ epochs: 2 });
  const rows = ['u,v,target', ...Array.from({ length: 20 }, (_, i) => `${i / 20},${(i % 3) / 3},1e30`)];
  writeFileSync(join(workspace.dir, 'data', 'reg.csv'), `${rows.join('\n')}\n`);
  const result = await runExperiment({ experiment: await loadExperiment(workspace.experimentFile), runsDir: workspace.runsDir, cacheDir: workspace.cacheDir });
  assert.equal(result.record.status, 'diverged');
  assert.match(
    result.record.error ?? '',
    /the loss of dataset 'reg' became (Infinity|NaN) at epoch 1, step 1: lower the learning rate \(now 0.01\) or check dataset 'reg'/,
  );
  const metrics = parseMetrics(readFileSync(join(result.runDir, 'metrics.jsonl'), 'utf8'));
  assert.equal(metrics.length, 0, 'no step was recorded with a non-finite loss');
});

test('an existing tfjs model trains when the experiment maps its inputs and outputs to stems and heads', async () => {
  const workspace = await createTinyWorkspace();
  await selectBackend('wasm');
  await useLoadedModel(
    workspace,
    (input) => {
      const hidden = tf.layers.dense({ units: 8, activation: 'relu' }).apply(tf.layers.flatten().apply(input)) as tf.SymbolicTensor;
      return tf.layers.dense({ units: 2, activation: 'softmax' }).apply(hidden) as tf.SymbolicTensor;
    },
    8,
  );
  const losses: number[] = [];
  const result = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: { onEpochEnd: (record) => losses.push(record.datasets.big?.valLoss ?? Number.NaN) },
  });
  assert.equal(result.record.status, 'completed');
  assert.deepEqual(result.record.heads.side?.classes, ['left', 'right']);
  assert.ok((losses.at(-1) as number) < (losses[0] as number), `validation loss falls: ${losses.join(', ')}`);
});

test('datasets with different input shapes on one stem are refused before any data is read, naming both', async () => {
  const workspace = await createTinyWorkspace();
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  const smallStart = yaml.indexOf('  - name: small');
  writeFileSync(workspace.experimentFile, yaml.slice(0, smallStart) + yaml.slice(smallStart).replace('size: [8, 8]', 'size: [6, 6]'));
  await assert.rejects(
    loadExperiment(workspace.experimentFile),
    /tiny\.jointrain\.yaml:\d+:\d+ datasets\[1\]\.stem: incompatible input shapes on stem 'image': dataset 'small' gives \[6,6,1\] but 'big' gives \[8,8,1\]/,
  );
});

/** A batch transform that turns one dataset's inputs into NaN at one step: the fault to inject. */
function poisonedAt(at: BatchPlace): (batch: DatasetBatch, place: BatchPlace) => DatasetBatch {
  return (batch, place) => {
    if (place.dataset !== at.dataset || place.epoch !== at.epoch || place.step !== at.step) return batch;
    const poisoned = tf.mul(batch.x, Number.NaN);
    batch.x.dispose();
    return { ...batch, x: poisoned };
  };
}

test('a NaN injected into each dataset in turn stops the run as diverged, naming that dataset and step, with the last good checkpoint kept', async () => {
  const workspace = await createTinyWorkspace({ epochs: 3 });
  for (const dataset of ['big', 'small', 'table', 'reg']) {
    const result = await runExperiment({
      experiment: await loadExperiment(workspace.experimentFile),
      runsDir: workspace.runsDir,
      cacheDir: workspace.cacheDir,
      transformBatch: poisonedAt({ dataset, epoch: 2, step: 3 }),
    });
    assert.equal(result.record.status, 'diverged', dataset);
    assert.match(
      result.record.error ?? '',
      new RegExp(`the loss of dataset '${dataset}' became NaN at epoch 2, step 3: lower the learning rate \\(now 0.01\\) or check dataset '${dataset}'`),
    );
    const events = parseEvents(readFileSync(join(result.runDir, 'events.jsonl'), 'utf8'));
    assert.deepEqual(
      events.filter((e) => e.kind === 'diverged').map((e) => e.kind === 'diverged' && [e.dataset, e.epoch, e.step]),
      [[dataset, 2, 3]],
    );
    assert.equal(readFileSync(join(result.runDir, 'checkpoints', 'latest'), 'utf8').trim(), 'epoch-0001', 'the last good checkpoint stays');
    const steps = parseMetrics(readFileSync(join(result.runDir, 'metrics.jsonl'), 'utf8')).filter((m) => m.kind === 'step');
    assert.equal(steps.length, 6 + 2, 'no step was recorded with a non-finite loss');
    assert.match(result.record.error ?? '', /The model \(model\/\) is the last good checkpoint, epoch-0001/);
    const [model, kept] = await Promise.all([weightsOf(join(result.runDir, 'model')), weightsOf(join(result.runDir, 'checkpoints', 'epoch-0001'))]);
    assert.ok(model.every(Number.isFinite), `${dataset}: the final model holds no NaN`);
    assert.deepEqual(model, kept, `${dataset}: the final model is the last good checkpoint`);
  }
});

/** All weights of a saved model, flattened. */
async function weightsOf(dir: string): Promise<number[]> {
  await selectBackend('wasm');
  const model = await tf.loadLayersModel(fileLoadHandler(join(dir, 'model.json')));
  const values = model.getWeights().flatMap((weight) => [...weight.dataSync()]);
  model.dispose();
  return values;
}

/** The tiny workspace without its regression dataset (an exploding MSE goes non-finite at once), at this learning rate. */
async function classificationWorkspace(learningRate: number, epochs = 3) {
  const workspace = await createTinyWorkspace({ epochs });
  const yaml = readFileSync(workspace.experimentFile, 'utf8').replace('learning_rate: 0.01', `learning_rate: ${learningRate}`);
  writeFileSync(workspace.experimentFile, yaml.replace(/  - name: reg\n[\s\S]*?head: value\n/, ''));
  return workspace;
}

test('a loss that explodes while staying finite ends the run diverged with advice, and no model is written without a good checkpoint', async () => {
  // 1e6 runs away for good; 10 blows up for a few steps and collapses into a dead network at chance accuracy.
  for (const learningRate of [1e6, 10]) {
    const workspace = await classificationWorkspace(learningRate);
    const result = await runExperiment({
      experiment: await loadExperiment(workspace.experimentFile),
      runsDir: workspace.runsDir,
      cacheDir: workspace.cacheDir,
    });
    assert.equal(result.record.status, 'diverged', `learning rate ${learningRate}`);
    assert.match(
      result.record.error ?? '',
      new RegExp(
        `the loss of dataset '(big|small|table)' exploded: smoothed, it reached [\\d.e+]+ \\(above [\\d.e+]+, 100 times its starting level [\\d.]+, for 5 steps in a row\\) at epoch 1, step \\d: lower the learning rate \\(now ${learningRate}; try a tenth of it or less\\)\\. No checkpoint was saved before the divergence, so no model was written\\.`,
      ),
    );
    const events = parseEvents(readFileSync(join(result.runDir, 'events.jsonl'), 'utf8'));
    assert.deepEqual(
      events.map((event) => event.kind),
      ['started', 'diverged'],
    );
    assert.equal(existsSync(join(result.runDir, 'model')), false, 'no model of diverged weights');
    assert.equal(result.record.best, undefined, 'no "best" checkpoint of a run that never trained well');
  }
});

test('a non-finite total caused by a loss weight, class weights or l2 names that term and its value, not a finite dataset loss', async () => {
  const cases: Array<[string, (yaml: string) => string, RegExp]> = [
    [
      'loss_weight',
      (yaml) => yaml.replace('    head: kind\n', '    head: kind\n    loss_weight: 1e40\n'),
      /^the weighted loss term of dataset 'table' became Infinity \(its mean loss [\d.]+ times loss_weight 1e\+40 and its class_weights\) at epoch 1, step 1: lower dataset 'table''s loss_weight or class_weights/,
    ],
    [
      'class_weights',
      (yaml) => yaml.replace('    head: kind\n', '    head: kind\n    class_weights: { x: 1e40 }\n'),
      /^the weighted loss term of dataset 'table' became Infinity \(its mean loss [\d.]+ times loss_weight 1 and its class_weights\) at epoch 1, step 1: lower dataset 'table''s loss_weight or class_weights/,
    ],
    [
      'l2',
      (yaml) => yaml.replace('  seed: 5\n', '  seed: 5\n  l2: 1e40\n'),
      /^the l2 regulariser became Infinity \(training\.l2 = 1e\+40 times the sum of squared kernel weights\) at epoch 1, step 1: lower training\.l2 \(now 1e\+40\) or the learning rate \(now 0\.01\)/,
    ],
  ];
  for (const [field, edit, expected] of cases) {
    const workspace = await createTinyWorkspace({ epochs: 1 });
    writeFileSync(workspace.experimentFile, edit(readFileSync(workspace.experimentFile, 'utf8')));
    const result = await runExperiment({
      experiment: await loadExperiment(workspace.experimentFile),
      runsDir: workspace.runsDir,
      cacheDir: workspace.cacheDir,
    });
    assert.equal(result.record.status, 'diverged', field);
    assert.match(result.record.error ?? '', expected, field);
  }
});
