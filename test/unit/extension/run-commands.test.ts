/** The Runs view's commands on one run, with the `vscode` API faked: delete, pause, reveal. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { registerRunCommands } from '../../../src/extension/commands/runCommands';
import { RunStore } from '../../../src/extension/runs/runStore';
import type { ExtensionServices } from '../../../src/extension/services';
import type { TrainerCommand } from '../../../src/shared/protocol/trainerCommands';
import type { RunRecord, RunStatus } from '../../../src/shared/runs/format';
import { answers, executed, fakeVscode, inputBoxes, opened, registered, resetFakeVscode, shown } from './support/fakeVscode';

function record(id: string, status: RunStatus, pid = 999_999_999): RunRecord {
  return {
    formatVersion: 1,
    id,
    experimentName: 'digits',
    experimentPath: '/w/digits.jointrain.yaml',
    status,
    pid,
    seed: 1,
    epochs: { total: 4, completed: 4 },
    timings: { startedAt: '2026-12-06T10:00:00Z' },
    datasets: [],
    heads: {},
  };
}

async function setUp(...runs: RunRecord[]) {
  const runsDir = mkdtempSync(join(tmpdir(), 'jointrain-commands-'));
  for (const run of runs) {
    mkdirSync(join(runsDir, run.id));
    writeFileSync(join(runsDir, run.id, 'run.json'), JSON.stringify(run));
    mkdirSync(join(runsDir, run.id, 'checkpoints', 'epoch-0001'), { recursive: true });
  }
  const store = new RunStore([runsDir]);
  await store.refreshAll();
  const sent: Array<{ runId: string; command: TrainerCommand }> = [];
  const logged: string[] = [];
  const services = {
    store,
    trainers: { send: async (runId: string, command: TrainerCommand) => (sent.push({ runId, command }), 'control-file') },
    log: { info: (line: string) => logged.push(line), warn: (line: string) => logged.push(line) },
  } as unknown as ExtensionServices;
  registerRunCommands(services, { open: () => undefined });
  return { runsDir, store, sent, logged };
}

const run = (id: string, ...args: unknown[]) => (registered.get(id) as (...a: unknown[]) => Promise<void>)(...args);

beforeEach(resetFakeVscode);

test('delete asks first (modal) and removes the run’s folder only when the user says Delete', async () => {
  const { runsDir, store } = await setUp(record('r-done', 'completed'));
  answers.warning.push(undefined);
  await run('jointrain.deleteRun', 'r-done');
  assert.ok(existsSync(join(runsDir, 'r-done')), 'cancelled: the folder stays');
  assert.deepEqual(shown, [{ kind: 'warning', message: 'Delete run r-done and its folder (checkpoints, metrics, model)?', modal: true }]);

  answers.warning.push('Delete');
  await run('jointrain.deleteRun', 'r-done');
  assert.equal(existsSync(join(runsDir, 'r-done')), false);
  assert.equal(store.get('r-done'), undefined, 'the Runs view forgets it');
});

test('a live run is not deleted: stop it first', async () => {
  const { runsDir } = await setUp(record('r-live', 'running', process.pid));
  await run('jointrain.deleteRun', 'r-live');
  assert.ok(existsSync(join(runsDir, 'r-live')));
  assert.deepEqual(shown, [{ kind: 'warning', message: 'jointrain: run r-live is running; stop it before deleting it.', modal: false }]);
});

test('a folder not named after the run it holds is never deleted recursively', async () => {
  const { runsDir, store } = await setUp(record('r-odd', 'failed'));
  renameSync(join(runsDir, 'r-odd'), join(runsDir, 'important-data'));
  await store.refreshAll();
  answers.warning.push('Delete');
  await run('jointrain.deleteRun', 'r-odd');
  assert.ok(existsSync(join(runsDir, 'important-data', 'checkpoints')));
  assert.match(shown[0]?.message ?? '', /important-data is not named after run r-odd; delete it by hand if you mean to/);
  assert.equal(shown[0]?.kind, 'error');
});

test('pause, resume and stop reach the trainer of the run chosen; without a run given, a quick pick of those that can take it', async () => {
  const { sent } = await setUp(record('r-a', 'running', process.pid), record('r-b', 'paused', process.pid), record('r-c', 'completed'));
  await run('jointrain.pauseRun', 'r-a');
  let offered: string[] = [];
  let staysOpen: boolean | undefined;
  answers.quickPick.push((items, options) => {
    offered = (items as Array<{ label: string }>).map((item) => item.label);
    staysOpen = options?.ignoreFocusOut;
    return (items as unknown[])[0];
  });
  await run('jointrain.resumeRun');
  assert.deepEqual(offered, ['r-b'], 'only the paused run can resume');
  // The Runs view redraws live rows at every epoch, which can take focus from the picker.
  assert.equal(staysOpen, true, 'the picker stays open when focus moves');
  assert.deepEqual(sent, [
    { runId: 'r-a', command: { type: 'pause' } },
    { runId: 'r-b', command: { type: 'resume' } },
  ]);
});

test('reveal opens the run folder in the OS file manager, at its run.json', async () => {
  const { runsDir } = await setUp(record('r-done', 'completed'));
  await run('jointrain.revealRunFolder', 'r-done');
  assert.deepEqual(executed, [
    { command: 'revealFileInOS', args: [{ fsPath: join(runsDir, 'r-done', 'run.json'), scheme: 'file', path: join(runsDir, 'r-done', 'run.json') }] },
  ]);
});

test('new weights typed in the palette are checked as typed, then sent to the run’s trainer with a request id', async () => {
  const dataset = (name: string): RunRecord['datasets'][number] => ({
    name,
    type: 'csv',
    head: 'h',
    stem: 's',
    task: 'classification',
    train: { size: 10, classes: {} },
    validation: { size: 2, classes: {} },
    skipped: { count: 0, byClass: {}, items: [] },
    sampleShape: [3],
    fromCache: false,
  });
  const live = { ...record('r-live', 'running', process.pid), datasets: [dataset('a'), dataset('b')] };
  const { sent } = await setUp(live);
  answers.inputBox.push('{"sampling":{"a":2}}');
  await run('jointrain.setWeights', 'r-live');
  assert.deepEqual(inputBoxes, [{ value: '{"sampling":{"a":1,"b":1},"loss":{"a":1,"b":1}}', problem: undefined }]);
  assert.equal(sent.length, 1);
  const [{ runId, command }] = sent as [{ runId: string; command: TrainerCommand }];
  assert.equal(runId, 'r-live');
  assert.ok(command.type === 'set-weights' && /^host-\d+$/.test(command.requestId ?? ''));
  assert.deepEqual(command.type === 'set-weights' && command.sampling, { a: 2 });

  // Weights that would stop every dataset are refused as typed, and nothing is sent.
  answers.inputBox.push('{"loss":{"a":0,"b":0}}');
  await run('jointrain.setWeights', 'r-live');
  assert.match(inputBoxes[1]?.problem ?? '', /loss weights would all be zero/);

  // Switching a dataset's augment: auto on travels as typed; a dataset the run lacks is refused as typed.
  const before = sent.length;
  answers.inputBox.push('{"augment":["b"]}');
  await run('jointrain.setWeights', 'r-live');
  assert.equal(inputBoxes[2]?.problem, undefined);
  const augmenting = (sent[before] as { command: TrainerCommand } | undefined)?.command;
  assert.ok(augmenting?.type === 'set-weights');
  assert.deepEqual(augmenting.augment, ['b']);
  answers.inputBox.push('{"augment":["c"]}');
  await run('jointrain.setWeights', 'r-live');
  assert.match(inputBoxes[3]?.problem ?? '', /augmentation for unknown dataset 'c'/);
});

test('the experiment snapshot opens from the run’s folder; resuming is refused in an untrusted workspace', async () => {
  const { runsDir, logged } = await setUp(record('r-failed', 'failed'));
  await run('jointrain.openExperimentSnapshot', 'r-failed');
  assert.deepEqual(opened, [join(runsDir, 'r-failed', 'experiment.jointrain.yaml')]);
  fakeVscode.workspace.isTrusted = false;
  await run('jointrain.resumeFromCheckpoint', 'r-failed');
  assert.match(shown[0]?.message ?? '', /only available in a trusted workspace/);
  assert.deepEqual(logged, [], 'no trainer was started');
});
