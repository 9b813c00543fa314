import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { localDataFiles } from '../../../src/node/dataFiles';
import { parseExperiment } from '../../../src/shared/experiment/parse';
import { dataOutsideNotes, editorBoundary, isInside, withNotes } from '../../../src/shared/language/dataLocations';
import { locatedIssue } from '../support/locatedIssue';

/** A workspace with data inside it, data beside it, and a link inside that leads outside. */
function layout() {
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-locations-')));
  const workspace = join(top, 'workspace');
  for (const dir of ['workspace/data/inside', 'elsewhere/outside', 'elsewhere/linked']) mkdirSync(join(top, dir), { recursive: true });
  symlinkSync(join(top, 'elsewhere', 'linked'), join(workspace, 'data', 'link'));
  return { top, workspace };
}

const experiment = (paths: string[]) =>
  [
    'version: 1',
    'datasets:',
    ...paths.map((path, i) => `  - { name: d${i}, type: images, path: ${path}, image: { size: [8, 8] } }`),
    'model: { stems: { image: {} }, heads: { digit: { task: classification } } }',
    '',
  ].join('\n');

async function notesFor(paths: string[], boundary: Parameters<typeof dataOutsideNotes>[3]) {
  const parsed = parseExperiment(experiment(paths), 'exp.jointrain.yaml');
  assert.ok(parsed.experiment, JSON.stringify(parsed.issues));
  return dataOutsideNotes(parsed.experiment, parsed.locator, localDataFiles(boundary.root), boundary);
}

test('data under the boundary gets no note; data beside it and a link that leads out get one naming the real path', async () => {
  const { top, workspace } = layout();
  const notes = await notesFor(['data/inside', '../elsewhere/outside', 'data/link', 'data/missing'], {
    root: workspace,
    name: 'the workspace',
    severity: 'info',
  });
  assert.deepEqual(notes.map(locatedIssue), [
    `4:37-4:57 info datasets[1].path: reads ${join(top, 'elsewhere', 'outside')}, outside the workspace (${workspace})`,
    `5:37-5:46 info datasets[2].path: reads ${join(top, 'elsewhere', 'linked')}, outside the workspace (${workspace})`,
  ]);
});

test('in an untrusted or remote workspace the note is a warning that says why', async () => {
  const { workspace } = layout();
  const [note] = await notesFor(['../elsewhere/outside'], {
    root: workspace,
    name: 'the workspace',
    severity: 'warning',
    because: 'this workspace is not trusted',
  });
  assert.equal(note?.severity, 'warning');
  assert.match(note?.message ?? '', /outside the workspace \(.*\): this workspace is not trusted$/);
});

test('inside means below the folder, not a sibling that shares its name as a prefix', () => {
  assert.ok(isInside('/w/data', '/w'));
  assert.ok(isInside('/w', '/w/'));
  assert.ok(!isInside('/w-other/data', '/w'));
  assert.ok(isInside('C:\\w\\data', 'C:\\w'));
});

test('the editor checks against the workspace folder; untrusted or remote, a note becomes a warning that says why', () => {
  assert.deepEqual(editorBoundary({ workspaceFolder: '/w', experimentDir: '/w/exp', trusted: true }), { root: '/w', name: 'the workspace', severity: 'info' });
  assert.deepEqual(editorBoundary({ experimentDir: '/loose', trusted: true }), { root: '/loose', name: "the experiment's folder", severity: 'info' });
  const untrusted = editorBoundary({ workspaceFolder: '/w', experimentDir: '/w', trusted: false });
  assert.equal(untrusted.severity, 'warning');
  assert.match(untrusted.because ?? '', /not trusted/);
  const remote = editorBoundary({ workspaceFolder: '/w', experimentDir: '/w', trusted: true, remoteName: 'ssh-remote' });
  assert.equal(remote.severity, 'warning');
  assert.match(remote.because ?? '', /remote machine \(ssh-remote\)/);
});

test('a field with an error of its own gets no note beside it', () => {
  const at = (path: (string | number)[], severity: 'error' | 'warning' | 'info') => ({
    file: 'f',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
    path,
    message: severity,
    severity,
  });
  const problems = [at(['datasets', 0, 'path'], 'error'), at(['datasets', 1, 'path'], 'warning')];
  const notes = [at(['datasets', 0, 'path'], 'info'), at(['datasets', 1, 'path'], 'info')];
  assert.deepEqual(withNotes(problems, notes), [...problems, notes[1]]);
});
