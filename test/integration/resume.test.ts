/**
 * Exact resume: a run that crashes mid-epoch and is resumed from its last checkpoint ends with
 * the same weights as a run that was never interrupted (wasm is deterministic), and its metrics
 * have no gaps and no duplicates. A torn newest checkpoint falls back to the one before.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MetricRecord, RunRecord } from '../../src/shared/runs/format';
import { parseEvents, parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { resumeCommand } from '../../src/trainer/cli';
import { runExperiment } from '../../src/trainer/runExperiment';
import { trainOrCrash } from '../fixtures/crashableRun';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';

const EXTRA = '  balancer: { type: dwa }\n  diagnostics: { every: 2 }\n  checkpoint: { keep_last: 3 }';
const EPOCHS = 4;

async function resume(runDir: string): Promise<RunRecord> {
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  const experiment = await loadExperiment(record.experimentPath, { text: readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8') });
  const result = await runExperiment({ experiment, runsDir: join(runDir, '..'), cacheDir: join(runDir, '..', '..', 'cache'), resume: runDir });
  return result.record;
}

const weights = (runDir: string) => readFileSync(join(runDir, 'model', 'weights.bin'));
const metrics = (runDir: string) => parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8'));

function assertNoGapsOrDuplicates(records: MetricRecord[], steps: number): void {
  const globalSteps = records.flatMap((r) => (r.kind === 'step' ? [r.globalStep] : []));
  assert.deepEqual(
    globalSteps,
    Array.from({ length: EPOCHS * steps }, (_, i) => i + 1),
  );
  assert.deepEqual(
    records.flatMap((r) => (r.kind === 'epoch' ? [r.epoch] : [])),
    [1, 2, 3, 4],
  );
}

test('a run that crashed mid-epoch, resumed from its checkpoint, ends with the weights of an uninterrupted run', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: EXTRA });
  const reference = await trainOrCrash(workspace);
  const crashed = await trainOrCrash(workspace, { epoch: 3, step: 4 });
  assert.equal((JSON.parse(readFileSync(join(crashed, 'run.json'), 'utf8')) as RunRecord).status, 'failed');

  const record = await resume(crashed);
  assert.equal(record.status, 'completed');
  assert.equal(record.resumes?.[0]?.checkpoint, 'epoch-0002');
  assert.ok(weights(crashed).equals(weights(reference)), 'final weights equal the uninterrupted run’s, bit for bit');
  assertNoGapsOrDuplicates(metrics(crashed), 6);
  // The diagnostics and the balancer's weights continue as if nothing had happened.
  const epochsOf = (dir: string) =>
    metrics(dir)
      .filter((r) => r.kind === 'epoch')
      .map((r) => JSON.stringify(r.kind === 'epoch' && Object.values(r.datasets).map((d) => [d.balancerWeight, d.valLoss])));
  assert.deepEqual(epochsOf(crashed), epochsOf(reference));
  const events = parseEvents(readFileSync(join(crashed, 'events.jsonl'), 'utf8')).map((e) => e.kind);
  assert.ok(!events.includes('failed'), 'the crash of the dropped epoch is gone with it');
  assert.equal(events.filter((k) => k === 'resumed-from-checkpoint').length, 1);
  assert.equal(events.at(-1), 'completed');
});

test('a torn newest checkpoint is passed over with a reason and the run resumes from the one before', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: EXTRA });
  const reference = await trainOrCrash(workspace);
  const crashed = await trainOrCrash(workspace, { epoch: 4, step: 1 });
  rmSync(join(crashed, 'checkpoints', 'epoch-0003', 'optimizer.bin'));

  const record = await resume(crashed);
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.resumes?.[0], { at: record.resumes?.[0]?.at, checkpoint: 'epoch-0002', skipped: ['epoch-0003 is incomplete (no optimizer.bin)'] });
  assert.ok(weights(crashed).equals(weights(reference)));
  assertNoGapsOrDuplicates(metrics(crashed), 6);
});

test('a checkpoint in the layout of version 0.1 (weights and suggestions as loose fields) resumes to the same weights', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: EXTRA });
  const reference = await trainOrCrash(workspace);
  const crashed = await trainOrCrash(workspace, { epoch: 3, step: 4 });
  const statePath = join(crashed, 'checkpoints', 'epoch-0002', 'state.json');
  type Saved = { weights: { loss: object; pending?: object; schedulesEnded: string[]; temperature: number }; suggestions: unknown[] };
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { trainer: Saved };
  const { weights: saved, suggestions, ...rest } = state.trainer;
  assert.ok(saved !== undefined && suggestions !== undefined, 'today’s layout has the weights and suggestions parts');
  const old = { ...rest, schedulesEnded: saved.schedulesEnded, lastTemperature: saved.temperature, baseLoss: saved.loss, openSuggestions: suggestions };
  writeFileSync(statePath, JSON.stringify({ ...state, trainer: saved.pending ? { ...old, pendingWeights: saved.pending } : old }));

  assert.equal((await resume(crashed)).status, 'completed');
  assert.ok(weights(crashed).equals(weights(reference)), 'final weights equal the uninterrupted run’s, bit for bit');
});

test('a run whose final model could not be written fails with the path, and a resume writes the model without training again', async () => {
  const workspace = await createTinyWorkspace({ epochs: 2 });
  let runDir = '';
  const run = runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
    reporter: {
      onRunCreated: (dir) => (runDir = dir),
      // A file where model/ goes: the model cannot be saved once training ends.
      onStep: (record) => record.epoch === 2 && record.step === 1 && writeFileSync(join(runDir, 'model'), 'in the way'),
    },
  });
  await assert.rejects(run, (error: NodeJS.ErrnoException) => typeof error.code === 'string' && (error.path ?? '').startsWith(join(runDir, 'model')));
  const failed = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.epochs.completed, 2, 'every epoch trained and checkpointed');

  rmSync(join(runDir, 'model'));
  const stepsBefore = metrics(runDir).filter((r) => r.kind === 'step').length;
  const record = await resume(runDir);
  assert.equal(record.status, 'completed');
  assert.equal(record.resumes?.[0]?.checkpoint, 'epoch-0002');
  assert.equal(metrics(runDir).filter((r) => r.kind === 'step').length, stepsBefore, 'nothing trained again');
  assert.ok(weights(runDir).length > 0);
});

test('a completed run or a folder without checkpoints cannot be resumed, and says why', async () => {
  const workspace = await createTinyWorkspace({ epochs: 1 });
  const finished = await trainOrCrash(workspace);
  // Completed, its checkpoints all there: `jointrain resume` refuses it before touching the folder.
  const runJson = readFileSync(join(finished, 'run.json'), 'utf8');
  await assert.rejects(
    resumeCommand(finished, { channel: false, stdinCommands: false, quiet: true, json: true }),
    /run \S+ has completed: there is nothing to resume/,
  );
  assert.equal(readFileSync(join(finished, 'run.json'), 'utf8'), runJson);
  rmSync(join(finished, 'checkpoints'), { recursive: true });
  await assert.rejects(resume(finished), /has no complete checkpoint to resume from/);
});

/**
 * Exact resume beyond Adam on wasm: every optimizer's slots, PCGrad's random order, the sampler's
 * state under both exhaustion rules, and the cpu backend. Each variant is one edit of the tiny
 * experiment; a run crashed in epoch 3 and resumed must end with the uninterrupted run's weights.
 */
const VARIANTS: Array<{ name: string; edit: (yaml: string) => string }> = [
  ...['sgd', 'momentum', 'rmsprop', 'adagrad'].map((type) => ({
    name: `optimizer ${type}`,
    edit: (yaml: string) => yaml.replace('optimizer: { type: adam, learning_rate: 0.01 }', `optimizer: { type: ${type}, learning_rate: 0.01 }`),
  })),
  { name: 'balancer pcgrad (random projection order)', edit: (yaml: string) => yaml.replace('  seed: 5\n', '  seed: 5\n  balancer: { type: pcgrad }\n') },
  {
    // max_step 4 and a repeat cap of 2 make every epoch end move the shares; small's augment: auto may switch on.
    name: 'the sampling balancer and augment: auto (moved shares, validation history, augmentation switched)',
    edit: (yaml: string) =>
      yaml
        .replace('  seed: 5\n', '  seed: 5\n  balancer: { type: sampling, max_step: 4, max_repeat_ratio: 2 }\n')
        .replace('    path: data/small\n', '    path: data/small\n    augment: auto\n'),
  },
  ...['all_exhausted', 'first_exhausted'].map((rule) => ({
    name: `epoch_end ${rule}`,
    edit: (yaml: string) => yaml.replace('epoch_end: { steps: 6 }', `epoch_end: ${rule}`),
  })),
  { name: 'the cpu backend', edit: (yaml: string) => yaml.replace('  backend: wasm\n', '  backend: cpu\n') },
  {
    // min_delta 1 on an accuracy: no epoch improves, so the rate halves after every epoch from the second (state to resume mid-plateau).
    name: 'reduce_on_plateau, adamw and clip_norm',
    edit: (yaml: string) =>
      yaml
        .replace('optimizer: { type: adam, learning_rate: 0.01 }', 'optimizer: { type: adamw, learning_rate: 0.01, weight_decay: 0.05, clip_norm: 0.5 }')
        .replace('  seed: 5\n', '  seed: 5\n  lr_schedule: { type: reduce_on_plateau, monitor: val_accuracy_mean, min_delta: 1, patience: 1, factor: 0.5 }\n'),
  },
  {
    name: 'a cosine schedule with warm-up and clip_value',
    edit: (yaml: string) =>
      yaml
        .replace('optimizer: { type: adam, learning_rate: 0.01 }', 'optimizer: { type: adam, learning_rate: 0.01, clip_value: 0.05 }')
        .replace('  seed: 5\n', '  seed: 5\n  lr_schedule: { type: cosine, warmup_epochs: 1, min_learning_rate: 0.001 }\n'),
  },
];

for (const variant of VARIANTS) {
  test(`exact resume with ${variant.name}: the resumed run ends with the uninterrupted run's weights, bit for bit`, async () => {
    const workspace = await createTinyWorkspace({ epochs: EPOCHS });
    const yaml = readFileSync(workspace.experimentFile, 'utf8');
    const edited = variant.edit(yaml);
    assert.notEqual(edited, yaml, 'the variant changed the experiment');
    writeFileSync(workspace.experimentFile, edited);
    const reference = await trainOrCrash(workspace);
    const crashed = await trainOrCrash(workspace, { epoch: 3, step: 2 });
    const record = await resume(crashed);
    assert.equal(record.status, 'completed');
    assert.ok(weights(crashed).equals(weights(reference)), 'final weights equal the uninterrupted run’s, bit for bit');
    assert.deepEqual(
      metrics(crashed).flatMap((r) => (r.kind === 'step' ? [r.globalStep] : [])),
      metrics(reference).flatMap((r) => (r.kind === 'step' ? [r.globalStep] : [])),
      'the same steps, no gaps, no duplicates',
    );
  });
}

test('a resume that fails before training (its cache folder lies under a file) marks the run failed and releases its lock', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS });
  const crashed = await trainOrCrash(workspace, { epoch: 2, step: 1 });
  const record = JSON.parse(readFileSync(join(crashed, 'run.json'), 'utf8')) as RunRecord;
  const experiment = await loadExperiment(record.experimentPath, { text: readFileSync(join(crashed, 'experiment.jointrain.yaml'), 'utf8') });
  const file = join(workspace.dir, 'a-file');
  writeFileSync(file, 'not a folder');
  await assert.rejects(runExperiment({ experiment, runsDir: join(crashed, '..'), cacheDir: join(file, 'cache'), resume: crashed }), /ENOTDIR/);
  const after = JSON.parse(readFileSync(join(crashed, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(after.status, 'failed');
  assert.match(after.error ?? '', /ENOTDIR/);
  assert.equal(existsSync(join(crashed, 'trainer.lock')), false, 'the lock is released');
  // Nothing was lost: a resume with a usable cache continues the run.
  assert.equal((await resume(crashed)).status, 'completed');
});

test('with dropout, two runs with one seed end with the same weights, and a crashed run resumes to them', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS, extraTraining: EXTRA });
  const text = readFileSync(workspace.experimentFile, 'utf8');
  const withDropout = text.replace(
    '  trunk: [ { type: dense, units: 16, activation: relu } ]',
    '  trunk: [ { type: dense, units: 16, activation: relu }, { type: dropout, rate: 0.3 } ]',
  );
  assert.notEqual(withDropout, text);
  writeFileSync(workspace.experimentFile, withDropout);
  const reference = await trainOrCrash(workspace);
  const again = await trainOrCrash(workspace);
  assert.ok(weights(again).equals(weights(reference)), 'the same masks, so the same weights, bit for bit');
  const crashed = await trainOrCrash(workspace, { epoch: 3, step: 4 });
  const record = await resume(crashed);
  assert.equal(record.status, 'completed');
  assert.ok(weights(crashed).equals(weights(reference)), 'the resumed run draws the masks the uninterrupted run drew');
});
