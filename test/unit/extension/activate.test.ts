/**
 * Activation as VS Code runs it, with the `vscode` API faked, a workspace with a live run whose
 * trainer channel this test serves, and a fake dist/trainer.js that validates and "runs" at once.
 */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type * as vscode from 'vscode';
import { activate, deactivate } from '../../../src/extension/activate';
import type { RunsTreeProvider } from '../../../src/extension/views/runsTreeProvider';
import {
  answers,
  configuration,
  diagnosticCollections,
  fakeUri,
  fakeVscode,
  fileWatchers,
  languageProviders,
  outputChannels,
  registered,
  resetFakeVscode,
  serializers,
  shown,
  statusBarItems,
  treeViews,
  until,
  webviewPanels,
  workspaceEvents,
  workspaceFolder,
} from './support/fakeVscode';
import { fakeTrainerScript, runRecord, tempDir, writeRun } from './support/runFixtures';

const LIVE = '20261129-100000-digits-aaaa';

let context: { extensionUri: unknown; globalState: unknown; subscriptions: Array<{ dispose(): unknown }> } | undefined;
let server: Server | undefined;

beforeEach(resetFakeVscode);
afterEach(() => {
  context?.subscriptions.forEach((subscription) => subscription.dispose());
  server?.close();
});

async function setUp() {
  const extension = tempDir('ext-');
  mkdirSync(join(extension, 'dist'));
  const template = JSON.stringify(runRecord('x', { experimentName: 'digits' }));
  fakeTrainerScript(
    join(extension, 'dist'),
    `if (command === 'validate') process.stdout.write(JSON.stringify({ issues: [] }));
else if (command === 'run') {
  const id = args[args.indexOf('--run-id') + 1];
  const runsDir = args[args.indexOf('--runs-dir') + 1];
  fs.writeFileSync(path.join(runsDir, id, 'run.json'), JSON.stringify({ ...${template}, id, pid: process.pid, status: 'completed' }));
}`,
    'trainer.js',
  );
  const workspace = tempDir('ws-');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace)];
  configuration['jointrain.nodePath'] = process.execPath;
  const channelPath = join(tempDir(), 'ch.sock');
  const sockets: Socket[] = [];
  server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server?.listen(channelPath, resolve));
  const runsDir = join(workspace, '.jointrain', 'runs');
  writeRun(
    runsDir,
    runRecord(LIVE, {
      status: 'running',
      pid: process.pid,
      epochs: { total: 4, completed: 1 },
      channel: { path: channelPath },
      backend: { name: 'wasm', requested: 'auto', usingGpu: false, skipped: [{ name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' }] },
    }),
  );
  const updates: Array<[string, unknown]> = [];
  context = {
    extensionUri: fakeUri(extension),
    globalState: { get: () => undefined, update: async (key: string, value: unknown) => void updates.push([key, value]) },
    subscriptions: [],
  };
  activate(context as unknown as vscode.ExtensionContext);
  const send = (message: unknown) => sockets[0]?.write(`${JSON.stringify(message)}\n`);
  return { extension, workspace, runsDir, sockets, send, log: outputChannels[0] };
}

const run = (command: string, ...args: unknown[]) => (registered.get(command) as (...a: unknown[]) => Promise<unknown>)(...args);

test('activation registers the commands, the Runs view, the panels’ serializer, the language features and its diagnostics', async () => {
  await setUp();
  for (const command of [
    'jointrain.startTraining',
    'jointrain.newExperiment',
    'jointrain.installNativeBackend',
    'jointrain.openRun',
    'jointrain.pauseRun',
    'jointrain.resumeRun',
    'jointrain.stopRun',
    'jointrain.setWeights',
    'jointrain.deleteRun',
    'jointrain.refreshRuns',
    'jointrain.resumeFromCheckpoint',
  ])
    assert.ok(registered.has(command), command);
  assert.deepEqual(
    outputChannels.map((channel) => [channel.name, channel.log]),
    [['jointrain', true]],
  );
  assert.deepEqual(
    diagnosticCollections.map((collection) => collection.name),
    ['jointrain', 'jointrain-data'],
  );
  assert.deepEqual(
    treeViews.map((view) => [view.id, view.options.showCollapseAll]),
    [['jointrain.runs', true]],
  );
  assert.ok(serializers.has('jointrain.run'));
  assert.deepEqual(
    languageProviders.map((provider) => provider.kind),
    ['completion', 'hover', 'codeActions'],
  );

  context?.subscriptions.forEach((subscription) => subscription.dispose());
  context = undefined;
  assert.equal(registered.has('jointrain.startTraining'), false, 'disposed with the extension');
  assert.deepEqual(languageProviders, []);
  assert.equal(statusBarItems[0]?.disposed, true);
  assert.equal(treeViews[0]?.disposed, true);
  assert.equal(deactivate(), undefined);
});

test('the runs of the workspace fill the Runs view and the status bar; a live run’s channel is attached and its messages reach them', async () => {
  const { sockets, send, log } = await setUp();
  const item = await until(() => (statusBarItems[0]?.visible ? statusBarItems[0] : undefined), 'the status bar');
  assert.equal(item.text, '$(sync~spin) digits · epoch 2 of 4 (running)');
  const tree = treeViews[0]?.options.treeDataProvider as RunsTreeProvider;
  assert.deepEqual(
    tree.getChildren().map((node) => node.label),
    ['digits'],
  );
  await until(() => fileWatchers.find((watcher) => watcher.pattern.pattern === '.jointrain/runs/**/*'), 'the runs folder watched');

  await until(() => sockets.length === 1, 'the trainer channel attached');
  send({
    type: 'step',
    epoch: 2,
    totalEpochs: 4,
    step: 7,
    stepsInEpoch: 20,
    samplesPerSecond: 50,
    datasets: { clean: { samples: 8, loss: 0.5, accuracy: 0.25 } },
  });
  await until(() => item.text.includes('step 7/20'), 'the step in the status bar');
  assert.equal(item.text, '$(sync~spin) digits · epoch 2 of 4 (running) · step 7/20 · worst clean 0.500');
  send({ type: 'event', kind: 'paused', epoch: 2, message: 'by the user' });
  send({ type: 'event', kind: 'checkpoint' });
  await until(() => log?.lines.some((line) => line.message === `run ${LIVE}: checkpoint`), 'the events logged');
  assert.ok(log?.lines.some((line) => line.message === `run ${LIVE}: paused: by the user`));
  assert.ok(log?.lines.some((line) => line.message === `attached to run ${LIVE} (pid ${process.pid})`));
});

test('a live run on wasm because tfjs-node is missing brings the offer; a run that ends is announced, with its panel on request', async () => {
  const { send, sockets } = await setUp();
  await until(() => shown.find((entry) => entry.message.includes('because @tensorflow/tfjs-node is not installed')), 'the offer');
  await until(() => sockets.length === 1, 'the trainer channel attached');
  answers.information.push('Open panel');
  send({ type: 'status', status: 'completed' });
  await until(() => webviewPanels.length === 1, 'the panel');
  assert.deepEqual(shown.at(-1), { kind: 'information', message: `jointrain: digits (${LIVE}) finished training.`, modal: false });
  assert.equal(webviewPanels[0]?.title, 'digits · 20261129-100000');
});

test('the install command reads the bundled tfjs version, or falls back to the pinned one', async () => {
  const { extension } = await setUp();
  assert.equal(await run('jointrain.installNativeBackend', '@tensorflow/tfjs-node'), 'cancelled');
  assert.deepEqual(shown.at(-1), { kind: 'warning', message: 'Install @tensorflow/tfjs-node@4.22.0?', modal: true });
  mkdirSync(join(extension, 'node_modules', '@tensorflow', 'tfjs'), { recursive: true });
  writeFileSync(join(extension, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), '{"version":"4.99.1"}');
  await run('jointrain.installNativeBackend', '@tensorflow/tfjs-node');
  assert.deepEqual(shown.at(-1), { kind: 'warning', message: 'Install @tensorflow/tfjs-node@4.99.1?', modal: true });
});

test('Start training validates and starts the bundled trainer with the configured Node; changing jointrain.nodePath takes effect', async () => {
  const { workspace, log } = await setUp();
  const experiment = fakeUri(join(workspace, 'digits.jointrain.yaml'));
  writeFileSync(experiment.fsPath, 'version: 1\n');
  const runId = (await run('jointrain.startTraining', experiment)) as string;
  assert.match(runId, /^\d{8}-\d{6}-digits-[0-9a-f]{4}$/);
  await until(
    () => log?.lines.some((line) => new RegExp(`^trainer of run ${runId} \\(pid \\d+\\) exited with code 0$`).test(line.message)),
    'the trainer’s exit',
  );
  assert.ok(log?.lines.some((line) => line.message.startsWith(`started run ${runId} (pid `)));

  configuration['jointrain.nodePath'] = join(workspace, 'no-such-node');
  workspaceEvents.changeConfiguration.fire({ affectsConfiguration: (section) => section === 'jointrain.nodePath' });
  await assert.rejects(run('jointrain.startTraining', experiment), /jointrain\.nodePath ".*no-such-node" could not be run/);
});

test('new workspace folders and a new runs folder setting are followed', async () => {
  const { workspace } = await setUp();
  await until(() => fileWatchers.length === 1, 'the first watcher');
  configuration['jointrain.runsDirectory'] = 'alt-runs';
  workspaceEvents.changeConfiguration.fire({ affectsConfiguration: (section) => section === 'jointrain.runsDirectory' });
  await until(() => fileWatchers.some((watcher) => watcher.pattern.pattern === 'alt-runs/**/*'), 'the new runs folder');
  assert.equal(fileWatchers[0]?.disposed, true, 'the old runs folder is no longer watched');

  const second = tempDir('ws2-');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace, 0), workspaceFolder(second, 1)];
  workspaceEvents.changeFolders.fire({ added: [], removed: [] });
  await until(() => fileWatchers.some((watcher) => !watcher.disposed && watcher.pattern.baseUri.fsPath === second), 'the second folder');
  workspaceEvents.changeConfiguration.fire({ affectsConfiguration: () => false });
  assert.equal(fileWatchers.filter((watcher) => !watcher.disposed).length, 2);
});
