/** The jointrain.* settings as the host reads them: defaults, trimming, and the runs folders they give. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import type * as vscode from 'vscode';
import { allRunsDirs, readSettings, runsDirOf } from '../../../src/extension/settings';
import { configuration, fakeVscode, resetFakeVscode, workspaceFolder } from './support/fakeVscode';

beforeEach(resetFakeVscode);

const folder = (path: string) => workspaceFolder(path) as unknown as vscode.WorkspaceFolder;

test('unset settings read as their defaults: no node path, backend auto, runs in .jointrain/runs', () => {
  assert.deepEqual(readSettings(), { nodePath: undefined, backend: 'auto', runsDirectory: '.jointrain/runs' });
});

test('values are trimmed, and blank ones count as unset', () => {
  Object.assign(configuration, { 'jointrain.nodePath': '  /opt/node22/bin/node \n', 'jointrain.backend': 'wasm', 'jointrain.runsDirectory': ' runs ' });
  assert.deepEqual(readSettings(), { nodePath: '/opt/node22/bin/node', backend: 'wasm', runsDirectory: 'runs' });
  Object.assign(configuration, { 'jointrain.nodePath': '   ', 'jointrain.runsDirectory': '\t' });
  assert.deepEqual(readSettings(), { nodePath: undefined, backend: 'wasm', runsDirectory: '.jointrain/runs' });
});

test('a relative runs folder is inside each workspace folder; an absolute one is used as is', () => {
  assert.equal(runsDirOf(folder('/ws/a')), join('/ws/a', '.jointrain/runs'));
  assert.equal(runsDirOf(folder('/ws/a'), { nodePath: undefined, backend: 'auto', runsDirectory: 'out/runs' }), join('/ws/a', 'out/runs'));
  assert.equal(runsDirOf(folder('/ws/a'), { nodePath: undefined, backend: 'auto', runsDirectory: '/shared/runs' }), '/shared/runs');
});

test('every workspace folder has its runs folder, listed once even when an absolute setting makes them one', () => {
  assert.deepEqual(allRunsDirs(), [], 'no folder open');
  fakeVscode.workspace.workspaceFolders = [workspaceFolder('/ws/a', 0), workspaceFolder('/ws/b', 1)];
  assert.deepEqual(allRunsDirs(), [join('/ws/a', '.jointrain/runs'), join('/ws/b', '.jointrain/runs')]);
  configuration['jointrain.runsDirectory'] = '/shared/runs';
  assert.deepEqual(allRunsDirs(), ['/shared/runs']);
});

test('a value of the wrong type in settings.json counts as unset instead of breaking activation', () => {
  Object.assign(configuration, { 'jointrain.nodePath': 5, 'jointrain.backend': ['wasm'], 'jointrain.runsDirectory': { path: 'x' } });
  assert.deepEqual(readSettings(), { nodePath: undefined, backend: 'auto', runsDirectory: '.jointrain/runs' });
});
