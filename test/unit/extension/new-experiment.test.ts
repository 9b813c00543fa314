/**
 * "New joint-training experiment" with the `vscode` API faked and a fake trainer script for
 * `scaffold`: which data, where the file goes, the question asked when a folder is ambiguous.
 */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import type * as vscode from 'vscode';
import { newExperiment } from '../../../src/extension/commands/newExperiment';
import { RunStore } from '../../../src/extension/runs/runStore';
import { answers, dialogs, fakeUri, fakeVscode, opened, resetFakeVscode, shown, workspaceFolder, type FakeUri } from './support/fakeVscode';
import { fakeServices, scriptedTrainer, tempDir } from './support/runFixtures';

beforeEach(resetFakeVscode);

const TEXT = 'version: 1\nname: mine\ndatasets: []\n';
const AMBIGUOUS = { ambiguous: { path: '/data/digits', classes: ['0', '1'], datasets: ['clean', 'scanned', 'inverted', 'sensors', 'extra'] } };

function setUp(scaffoldAnswers: unknown[]) {
  const workspace = tempDir('new-');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace)];
  const trainer = scriptedTrainer(scaffoldAnswers);
  const fakes = fakeServices(new RunStore([]), { node: trainer.node, trainerScript: trainer.script });
  const create = (clicked?: FakeUri, selected?: FakeUri[]) =>
    newExperiment(fakes.services, clicked as vscode.Uri | undefined, selected as vscode.Uri[] | undefined) as Promise<FakeUri | undefined>;
  return { ...fakes, workspace, trainer, create };
}

test('an untrusted workspace is refused: the trainer would read the data', async () => {
  const { create, trainer } = setUp([{ text: TEXT }]);
  fakeVscode.workspace.isTrusted = false;
  assert.equal(await create(fakeUri('/data/digits')), undefined);
  assert.deepEqual(shown, [
    { kind: 'warning', message: 'jointrain: creating an experiment reads the data with the trainer, which runs only in a trusted workspace.', modal: false },
  ]);
  assert.deepEqual(trainer.calls(), []);
});

test('from the palette, the data is picked in an open dialog; cancelling it, or the save dialog, creates nothing', async () => {
  const { create, workspace, trainer } = setUp([{ text: TEXT }]);
  answers.openDialog.push(undefined);
  assert.equal(await create(), undefined);
  const open = dialogs[0]?.options as { canSelectFiles: boolean; canSelectFolders: boolean; canSelectMany: boolean; defaultUri: FakeUri; openLabel: string };
  assert.deepEqual(
    [open.canSelectFiles, open.canSelectFolders, open.canSelectMany, open.defaultUri.fsPath, open.openLabel],
    [true, true, true, workspace, 'Use as datasets'],
  );
  assert.equal(dialogs.length, 1, 'no data: no save dialog');

  answers.openDialog.push([fakeUri('/data/digits')]);
  answers.saveDialog.push(undefined);
  assert.equal(await create(), undefined);
  const save = dialogs[2]?.options as { defaultUri: FakeUri; filters: unknown; saveLabel: string };
  assert.deepEqual(
    [save.defaultUri.fsPath, save.filters, save.saveLabel],
    [join(workspace, 'experiment.jointrain.yaml'), { 'jointrain experiment': ['yaml'] }, 'Create experiment'],
  );
  assert.deepEqual(trainer.calls(), []);
});

test('the data selected in the explorer is scaffolded beside the chosen file, written, opened and logged', async () => {
  const { create, workspace, trainer, log } = setUp([{ text: TEXT }]);
  answers.saveDialog.push(fakeUri(join(workspace, 'mine.yaml')));
  const target = await create(fakeUri('/data/a'), [fakeUri('/data/a'), fakeUri('/data/b.csv')]);
  const file = join(workspace, 'mine.jointrain.yaml');
  assert.equal(target?.fsPath, file, 'the .jointrain.yaml extension is added');
  assert.deepEqual(trainer.calls(), [
    { command: 'scaffold', args: ['--json', '--relative-to', workspace, '--name', 'mine', '/data/a', '/data/b.csv'], cwd: workspace },
  ]);
  assert.equal(readFileSync(file, 'utf8'), TEXT);
  assert.deepEqual(opened, [file]);
  assert.deepEqual(log.lines, [{ level: 'info', message: 'wrote mine.jointrain.yaml for 2 data source(s)' }]);
});

test('a folder of class folders beside datasets is a question: use the datasets only, or stop', async () => {
  const { create, workspace, trainer } = setUp([AMBIGUOUS, { text: TEXT }]);
  let offered: Array<{ label: string; detail: string }> = [];
  answers.quickPick.push((items) => {
    offered = items as typeof offered;
    return (items as unknown[])[0];
  });
  answers.saveDialog.push(fakeUri(join(workspace, 'digits.jointrain.yaml')));
  const target = await create(fakeUri('/data/digits'));
  assert.deepEqual(
    offered.map((item) => [item.label, item.detail]),
    [
      ['Use the datasets: clean, scanned, inverted, sensors, …', 'Leave out 0, 1 (class folders of images directly in digits)'],
      ['Cancel and pick the folders myself', 'To train on 0, 1, move them into a dataset folder first'],
    ],
  );
  assert.deepEqual(
    trainer.calls().map((call) => call.args.includes('--ignore-class-folders')),
    [false, true],
  );
  assert.equal(readFileSync(target?.fsPath ?? '', 'utf8'), TEXT);
});

test('declining the datasets-only reading creates nothing', async () => {
  const { create, workspace, trainer } = setUp([{ ambiguous: { ...AMBIGUOUS.ambiguous, classes: ['7'] } }]);
  let details: string[] = [];
  answers.quickPick.push((items) => {
    details = (items as Array<{ detail: string }>).map((item) => item.detail);
    return (items as unknown[])[1];
  });
  answers.saveDialog.push(fakeUri(join(workspace, 'digits.jointrain.yaml')));
  assert.equal(await create(fakeUri('/data/digits')), undefined);
  assert.equal(details[1], 'To train on 7, move it into a dataset folder first');
  assert.equal(trainer.calls().length, 1);
  assert.deepEqual(opened, []);
});

test('data the trainer cannot read, or a folder still ambiguous, is an error message', async () => {
  const failing = setUp([{ stderr: 'no images or CSV files found in /data/empty\n', code: 2 }]);
  answers.saveDialog.push(fakeUri(join(failing.workspace, 'x.jointrain.yaml')));
  assert.equal(await failing.create(fakeUri('/data/empty')), undefined);
  assert.deepEqual(shown.at(-1), {
    kind: 'error',
    message: 'jointrain: could not inspect the data: no images or CSV files found in /data/empty',
    modal: false,
  });

  const stubborn = setUp([AMBIGUOUS]);
  answers.quickPick.push((items) => (items as unknown[])[0]);
  answers.saveDialog.push(fakeUri(join(stubborn.workspace, 'x.jointrain.yaml')));
  assert.equal(await stubborn.create(fakeUri('/data/digits')), undefined);
  assert.deepEqual(shown.at(-1), { kind: 'error', message: 'jointrain: /data/digits is still ambiguous', modal: false });
});

test('with no workspace folder open, the save dialog starts beside the data', async () => {
  const { create } = setUp([{ text: TEXT }]);
  fakeVscode.workspace.workspaceFolders = undefined;
  answers.saveDialog.push(undefined);
  await create(fakeUri('/data/digits/clean'));
  assert.equal((dialogs[0]?.options as { defaultUri: FakeUri }).defaultUri.fsPath, '/data/digits/experiment.jointrain.yaml');
});
