/**
 * Commands through control.jsonl across a resume: a run stopped the documented way resumes and
 * completes, commands its checkpoint obeyed are not obeyed (nor logged) again, weight changes
 * appended after the checkpoint are read again while pause/stop are not, floods of invalid lines
 * are recorded up to a cap, and a change naming `constructor` is refused instead of failing the run.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MetricRecord, RunEvent, RunRecord } from '../../src/shared/runs/format';
import { parseEvents } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import { runExperiment } from '../../src/trainer/runExperiment';
import { MAX_REJECTIONS_PER_EPOCH } from '../../src/trainer/training/runControl';
import { createTinyWorkspace, type TinyWorkspace } from '../fixtures/tinyWorkspace';

const EPOCHS = 3;
type StepRecord = Extract<MetricRecord, { kind: 'step' }>;
const line = (command: object) => `${JSON.stringify(command)}\n`;

/** Trains a new run; `atStep` may append to control.jsonl or throw (a crash) at a step. */
async function train(
  workspace: TinyWorkspace,
  atStep: (record: StepRecord, control: string) => void,
): Promise<{ runDir: string; record?: RunRecord; error?: unknown }> {
  let runDir = '';
  try {
    const result = await runExperiment({
      experiment: await loadExperiment(workspace.experimentFile),
      runsDir: workspace.runsDir,
      cacheDir: workspace.cacheDir,
      reporter: {
        onRunCreated: (dir) => (runDir = dir),
        onStep: (record) => atStep(record, join(runDir, 'control.jsonl')),
      },
    });
    return { runDir, record: result.record };
  } catch (error) {
    return { runDir, error };
  }
}

async function resume(runDir: string): Promise<RunRecord> {
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  const experiment = await loadExperiment(record.experimentPath, { text: readFileSync(join(runDir, 'experiment.jointrain.yaml'), 'utf8') });
  return (await runExperiment({ experiment, runsDir: join(runDir, '..'), cacheDir: join(runDir, '..', '..', 'cache'), resume: runDir })).record;
}

const events = (runDir: string): RunEvent[] => parseEvents(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
const kinds = (runDir: string) => events(runDir).map((event) => event.kind);

test('a run stopped through control.jsonl resumes and completes; the commands it obeyed are not obeyed or logged again', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS });
  const stopped = await train(workspace, (record, control) => {
    if (record.epoch === 2 && record.step === 1) {
      appendFileSync(
        control,
        line({ type: 'set-weights', sampling: { small: 2 } }) + line({ type: 'pause' }) + line({ type: 'resume' }) + line({ type: 'stop' }),
      );
    }
  });
  assert.equal(stopped.record?.status, 'stopped');

  const record = await resume(stopped.runDir);
  assert.equal(record.status, 'completed');
  assert.equal(record.epochs.completed, EPOCHS);
  const history = kinds(stopped.runDir);
  assert.deepEqual(
    history.filter((kind) => ['weights-requested', 'paused', 'resumed', 'stopped'].includes(kind)),
    ['weights-requested', 'paused', 'resumed', 'stopped'],
  );
  // The change requested in the stopped epoch waited in the checkpoint for the next epoch boundary.
  assert.deepEqual(
    history.slice(history.indexOf('resumed-from-checkpoint')).filter((kind) => kind !== 'checkpoint'),
    ['resumed-from-checkpoint', 'weights-applied', 'completed'],
  );
});

test('after a crash, a weight change appended after the checkpoint is read again on resume; a pause from then is not', async () => {
  const workspace = await createTinyWorkspace({ epochs: EPOCHS });
  const crashed = await train(workspace, (record, control) => {
    if (record.epoch === 2 && record.step === 1)
      appendFileSync(control, line({ type: 'set-weights', requestId: 'late', loss: { big: 0.5 } }) + line({ type: 'pause' }) + line({ type: 'resume' }));
    if (record.epoch === 2 && record.step === 2) throw new Error('simulated crash');
  });
  assert.match(String(crashed.error), /simulated crash/);

  assert.equal((await resume(crashed.runDir)).status, 'completed');
  const history = events(crashed.runDir);
  const requested = history.filter((event) => event.kind === 'weights-requested');
  assert.deepEqual(
    requested.map((event) => [event.epoch, event.step, event.requestId]),
    [[2, 0, 'late']],
    'read again when the resumed run starts epoch 2, logged once',
  );
  assert.deepEqual(
    history.filter((event) => event.kind === 'weights-applied').map((event) => event.epoch),
    [2],
  );
  assert.ok(!history.some((event) => event.kind === 'paused'), 'the pause was for the trainer that died');
});

test(`a flood of invalid commands records at most ${MAX_REJECTIONS_PER_EPOCH} per epoch, then one event saying there were more`, async () => {
  const workspace = await createTinyWorkspace({ epochs: 1 });
  const flooded = await train(workspace, (record, control) => {
    if (record.step === 1) appendFileSync(control, 'not a command\n'.repeat(5000));
  });
  assert.equal(flooded.record?.status, 'completed');
  const rejected = events(flooded.runDir).filter((event) => event.kind === 'weights-rejected');
  assert.equal(rejected.length, MAX_REJECTIONS_PER_EPOCH + 1);
  assert.match(rejected.at(-1)?.reason ?? '', new RegExp(`more than ${MAX_REJECTIONS_PER_EPOCH} invalid commands in epoch 1`));
});

test('a set-weights naming constructor or toString is rejected with a weights-rejected event and the run completes', async () => {
  const workspace = await createTinyWorkspace({ epochs: 2 });
  const run = await train(workspace, (record, control) => {
    if (record.epoch === 1 && record.step === 1)
      appendFileSync(
        control,
        line({ type: 'set-weights', sampling: { constructor: 2 } }) + line({ type: 'set-weights', loss: { toString: 1, hasOwnProperty: 1 } }),
      );
  });
  assert.equal(run.record?.status, 'completed', String(run.error));
  const rejected = events(run.runDir)
    .filter((event) => event.kind === 'weights-rejected')
    .map((event) => event.reason);
  assert.deepEqual(
    rejected.map((reason) => /unknown dataset '(\w+)'/.exec(reason)?.[1]),
    ['constructor', 'toString'],
  );
  assert.ok(!kinds(run.runDir).includes('weights-requested'));
});
