/** Watching runs folders: which watchers are made, and how file events become (throttled) store refreshes. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { RunStore } from '../../../src/extension/runs/runStore';
import { RunsWatcher } from '../../../src/extension/runs/runsWatcher';
import { fakeUri, fakeVscode, fileWatchers, resetFakeVscode, until, workspaceFolder, type FakeUri, type FakeWorkspaceFolder } from './support/fakeVscode';
import { runRecord, tempDir, writeRun } from './support/runFixtures';

beforeEach(resetFakeVscode);
afterEach(() => mock.timers.reset());

function setUp() {
  const workspace = tempDir('watch-');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder(workspace)];
  const runsDir = join(workspace, '.jointrain', 'runs');
  const store = new RunStore([runsDir]);
  let changes = 0;
  const watcher = new RunsWatcher(store, () => changes++);
  return { workspace, runsDir, store, watcher, changes: () => changes };
}

test('a runs folder in the workspace is watched through a pattern anchored at the workspace folder, once', () => {
  const { watcher, runsDir, workspace } = setUp();
  watcher.watch(runsDir);
  watcher.watch(runsDir);
  assert.equal(fileWatchers.length, 1);
  const pattern = fileWatchers[0]?.pattern;
  assert.equal((pattern?.base as FakeWorkspaceFolder).uri.fsPath, workspace);
  assert.equal(pattern?.pattern, '.jointrain/runs/**/*');
  watcher.dispose();
  assert.equal(fileWatchers[0]?.disposed, true);
});

test('a file event refreshes its run folder, at most once per quarter second however many come; events outside runs are ignored', async () => {
  const { watcher, runsDir, store, changes } = setUp();
  mock.timers.enable({ apis: ['setTimeout'] });
  watcher.watch(runsDir);
  const fs = fileWatchers[0];
  assert.ok(fs);
  const r1 = writeRun(runsDir, runRecord('r1', { status: 'running' }));
  fs.fire('create', fakeUri(join(r1, 'run.json')));
  fs.fire('change', fakeUri(join(r1, 'metrics.jsonl')));
  fs.fire('change', fakeUri(join(r1, 'checkpoints', 'epoch-0001', 'model.json')));
  mock.timers.tick(249);
  assert.equal(store.get('r1'), undefined, 'not before the interval');
  mock.timers.tick(1);
  await until(() => changes() === 1, 'the refresh');
  assert.equal(store.get('r1')?.record.status, 'running');

  fs.fire('change', fakeUri(runsDir));
  fs.fire('change', fakeUri(join(runsDir, '..', 'settings.json')));
  const r2 = writeRun(runsDir, runRecord('r2'));
  fs.fire('delete', fakeUri(join(r2, 'control.jsonl')));
  mock.timers.tick(250);
  await until(() => store.get('r2') !== undefined, 'the second run');
  await new Promise(setImmediate);
  assert.equal(changes(), 2, 'one refresh for r2; none for the events outside a run folder');
  watcher.dispose();
});

test('a runs folder outside the workspace is created, then watched from itself', async () => {
  const { watcher } = setUp();
  const outside = join(tempDir(), 'shared', 'runs');
  watcher.watch(outside);
  await until(() => fileWatchers.length === 1, 'the watcher');
  assert.ok(existsSync(outside));
  const pattern = fileWatchers[0]?.pattern;
  assert.deepEqual([(pattern?.base as FakeUri).fsPath, pattern?.pattern], [outside, '**/*']);
  watcher.dispose();
});

test('setDirs keeps exactly the folders given; once disposed, nothing is watched or refreshed', async () => {
  const { watcher, runsDir, workspace, store, changes } = setUp();
  const other = join(workspace, 'more-runs');
  watcher.setDirs([runsDir, other]);
  assert.deepEqual(
    fileWatchers.map((w) => w.pattern.pattern),
    ['.jointrain/runs/**/*', 'more-runs/**/*'],
  );
  watcher.setDirs([other]);
  assert.deepEqual(
    fileWatchers.map((w) => w.disposed),
    [true, false],
  );

  mock.timers.enable({ apis: ['setTimeout'] });
  const r1 = writeRun(other, runRecord('r1'));
  fileWatchers[1]?.fire('change', fakeUri(join(r1, 'run.json')));
  watcher.dispose();
  mock.timers.tick(250);
  const late = join(tempDir(), 'late', 'runs');
  watcher.watch(late);
  await until(() => existsSync(late), 'the folder');
  await new Promise(setImmediate);
  assert.equal(fileWatchers.length, 2, 'no watcher after dispose');
  assert.equal(changes(), 0);
  assert.equal(store.get('r1'), undefined);
});
