/**
 * "Start joint training" with the `vscode` API faked and a fake trainer script for `validate`: trust,
 * which experiment, what the Problems panel gets, and what is asked of the trainer supervisor.
 */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { startTraining } from '../../../src/extension/commands/startTraining';
import { RunStore } from '../../../src/extension/runs/runStore';
import type { ValidationIssue } from '../../../src/extension/experimentValidation';
import { FakeTextDocument } from './support/fakeTextDocument';
import {
  answers,
  configuration,
  executed,
  fakeUri,
  fakeVscode,
  findFilesCalls,
  resetFakeVscode,
  shown,
  workspaceFiles,
  workspaceFolder,
  type Diagnostic,
} from './support/fakeVscode';
import { fakeServices, scriptedTrainer, tempDir } from './support/runFixtures';

beforeEach(resetFakeVscode);

const issue = (severity: ValidationIssue['severity'], message: string, line = 2): ValidationIssue => ({
  line,
  column: 1,
  endLine: line,
  endColumn: 5,
  path: ['training'],
  message,
  severity,
});

function setUp(issues: ValidationIssue[] = [], notice?: string) {
  const workspace = tempDir('start-');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace)];
  const trainer = scriptedTrainer([{ issues }]);
  const fakes = fakeServices(new RunStore([]), { node: { ...trainer.node, ...(notice ? { notice } : {}) }, trainerScript: trainer.script });
  const experiment = fakeUri(join(workspace, 'digits.jointrain.yaml'));
  return { ...fakes, workspace, trainer, experiment };
}

const start = (services: Parameters<typeof startTraining>[0], uri?: unknown) => startTraining(services, uri as vscode.Uri | undefined);

describe('which experiment, and whether at all', () => {
  test('an untrusted workspace is refused with a way to manage trust, and nothing is validated', async () => {
    const { services, trainer, experiment } = setUp();
    fakeVscode.workspace.isTrusted = false;
    answers.nonModalWarning.push('Manage Workspace Trust');
    assert.equal(await start(services, experiment), undefined);
    assert.deepEqual(shown, [
      {
        kind: 'warning',
        message: 'jointrain: training runs code and reads data from this workspace, so it is only available in a trusted workspace.',
        modal: false,
      },
    ]);
    assert.deepEqual(executed, [{ command: 'workbench.trust.manage', args: [] }]);
    await start(services, experiment);
    assert.equal(executed.length, 1, 'dismissed: nothing more');
    assert.deepEqual(trainer.calls(), []);
  });

  test('without a file given or open, the experiments of the workspace are offered, run snapshots left out', async () => {
    const { services, trainers, workspace } = setUp();
    assert.equal(await start(services), undefined);
    assert.deepEqual(findFilesCalls, [{ include: '**/*.jointrain.yaml', exclude: '{**/node_modules/**,**/.jointrain/**}' }]);
    assert.deepEqual(shown, [{ kind: 'warning', message: 'jointrain: no *.jointrain.yaml experiment file in this workspace.', modal: false }]);

    workspaceFiles.push(fakeUri(join(workspace, 'a.jointrain.yaml')), fakeUri(join(workspace, 'sub', 'b.jointrain.yaml')));
    let offered: string[] = [];
    let staysOpen: boolean | undefined;
    answers.quickPick.push((items, options) => {
      offered = (items as Array<{ label: string }>).map((item) => item.label);
      staysOpen = options?.ignoreFocusOut;
      return (items as unknown[])[1];
    });
    assert.equal(await start(services), 'started-run');
    assert.deepEqual(offered, ['a.jointrain.yaml', 'sub/b.jointrain.yaml']);
    assert.equal(staysOpen, true, 'the picker stays open when a live run’s redraw moves focus');
    assert.equal(trainers.started[0]?.experimentFile, join(workspace, 'sub', 'b.jointrain.yaml'));

    answers.quickPick.push(() => undefined);
    assert.equal(await start(services), undefined, 'the pick dismissed');
    assert.equal(trainers.started.length, 1);
  });

  test('the experiment in the active editor is the one trained, saved first when it has unsaved changes', async () => {
    const { services, trainers, workspace } = setUp();
    const document = new FakeTextDocument(join(workspace, 'open.jointrain.yaml'), 'version: 1\n');
    document.isDirty = true;
    fakeVscode.window.activeTextEditor = { document };
    fakeVscode.workspace.textDocuments = [document];
    await start(services);
    assert.equal(document.saved, 1);
    assert.equal(trainers.started[0]?.experimentFile, join(workspace, 'open.jointrain.yaml'));
    assert.deepEqual(findFilesCalls, []);

    fakeVscode.window.activeTextEditor = { document: new FakeTextDocument(join(workspace, 'notes.yaml'), '') };
    await start(services);
    assert.equal(findFilesCalls.length, 1, 'another file in the editor: the experiments are offered');
  });
});

describe('validation before launch', () => {
  test('errors go to the Problems panel, are logged and said, with Show Problems; nothing starts', async () => {
    const { services, trainers, diagnostics, log, experiment, workspace, trainer } = setUp([
      issue('error', 'epochs must be positive'),
      issue('warning', 'no validation data', 4),
      issue('error', 'unknown head', 6),
    ]);
    answers.error.push('Show Problems');
    assert.equal(await start(services, experiment), undefined);
    assert.deepEqual(trainer.calls(), [{ command: 'validate', args: ['--json', experiment.fsPath], cwd: workspace }]);
    const problems = (diagnostics.get(experiment) ?? []) as Diagnostic[];
    assert.deepEqual(
      problems.map((d) => [d.range.start.line, d.severity, d.message]),
      [
        [1, 0, 'training: epochs must be positive'],
        [3, 1, 'training: no validation data'],
        [5, 0, 'training: unknown head'],
      ],
    );
    assert.deepEqual(log.lines, [{ level: 'error', message: 'digits.jointrain.yaml has 2 error(s); not starting.' }]);
    assert.deepEqual(shown, [{ kind: 'error', message: 'jointrain: digits.jointrain.yaml has 2 errors. Fix them to start training.', modal: false }]);
    await new Promise(setImmediate);
    assert.deepEqual(executed, [{ command: 'workbench.actions.view.problems', args: [] }]);
    assert.deepEqual(trainers.started, []);
  });

  test('one error is said as one', async () => {
    const { services, experiment } = setUp([issue('error', 'epochs must be positive')]);
    await start(services, experiment);
    assert.equal(shown[0]?.message, 'jointrain: digits.jointrain.yaml has 1 error. Fix it to start training.');
    await new Promise(setImmediate);
    assert.deepEqual(executed, [], 'dismissed: the Problems view is not opened');
  });

  test('a trainer that cannot validate fails the command with its own words', async () => {
    const { services, experiment } = setUp();
    const broken = scriptedTrainer([{ stderr: 'Error: Cannot find module sharp', code: 1 }]);
    const { services: brokenServices } = fakeServices(services.store, { node: broken.node, trainerScript: broken.script });
    await assert.rejects(start(brokenServices, experiment), /the trainer could not validate .*digits\.jointrain\.yaml: Error: Cannot find module sharp/);
  });
});

describe('the launch', () => {
  test('a valid experiment clears its problems and starts a trainer in the runs folder of its workspace folder, with the backend setting', async () => {
    const { services, trainers, diagnostics, log, experiment, workspace, watched } = setUp(
      [issue('warning', 'no validation data')],
      'No Node.js 20+ found on PATH',
    );
    configuration['jointrain.backend'] = 'wasm';
    assert.equal(await start(services, experiment), 'started-run');
    assert.equal(diagnostics.get(experiment)?.length, 1, 'warnings stay in the Problems panel');
    const runsDir = join(workspace, '.jointrain/runs');
    assert.deepEqual(watched, [runsDir]);
    assert.equal(trainers.started.length, 1);
    const [request] = trainers.started;
    assert.deepEqual(
      { ...request, node: request?.node.command },
      { experimentFile: experiment.fsPath, runsDir, trainerScript: services.trainerScript, node: process.execPath, backend: 'wasm', cwd: workspace },
    );
    assert.deepEqual(
      log.lines.map((line) => [line.level, line.message]),
      [
        ['warn', 'No Node.js 20+ found on PATH'],
        ['info', `started run started-run (pid 4242) for digits.jointrain.yaml; log: ${join(runsDir, 'started-run')}/trainer.log`],
      ],
    );
  });

  test('a file outside any workspace folder runs in the first folder; with none open, beside the file', async () => {
    const { services, trainers, workspace } = setUp();
    configuration['jointrain.runsDirectory'] = 'out/runs';
    const elsewhere = tempDir();
    await start(services, fakeUri(join(elsewhere, 'x.jointrain.yaml')));
    assert.deepEqual([trainers.started[0]?.cwd, trainers.started[0]?.runsDir], [workspace, join(workspace, 'out/runs')]);
    fakeVscode.workspace.workspaceFolders = undefined;
    await start(services, fakeUri(join(elsewhere, 'x.jointrain.yaml')));
    assert.deepEqual([trainers.started[1]?.cwd, trainers.started[1]?.runsDir], [elsewhere, `${elsewhere}/.jointrain/runs`]);
  });
});
