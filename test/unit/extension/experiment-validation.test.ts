/** The trainer's `validate --json` as the host runs it, and its issues as Problems-panel diagnostics. */
import './support/registerFakeVscode';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runValidate, toDiagnostics, type ValidationIssue } from '../../../src/extension/experimentValidation';
import type { Diagnostic } from './support/fakeVscode';
import { fakeTrainerScript, tempDir } from './support/runFixtures';

const issue = (overrides: Partial<ValidationIssue>): ValidationIssue => ({
  line: 3,
  column: 5,
  endLine: 3,
  endColumn: 12,
  path: [],
  message: 'something is off',
  severity: 'error',
  ...overrides,
});

test('each issue becomes a diagnostic at its 0-based range, named by its field, with its severity, from jointrain', () => {
  const diagnostics = toDiagnostics([
    issue({ path: ['datasets', 1, 'path'], message: 'folder not found' }),
    issue({ line: 1, column: 1, endLine: 2, endColumn: 4, severity: 'warning', message: 'skipped 3 files' }),
    issue({ line: 7, column: 9, endLine: 7, endColumn: 9, severity: 'info', path: ['training', 'epochs'], message: 'outside the workspace' }),
  ]) as unknown as Diagnostic[];
  assert.deepEqual(
    diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.severity, d.message, d.source]),
    [
      [2, 4, 2, 11, 0, 'datasets[1].path: folder not found', 'jointrain'],
      [0, 0, 1, 3, 1, 'skipped 3 files', 'jointrain'],
      // An empty range still covers a character, so the squiggle shows.
      [6, 8, 6, 9, 2, 'training.epochs: outside the workspace', 'jointrain'],
    ],
  );
});

test('validate runs the trainer script with --json in the experiment’s folder and the runtime’s environment, and returns its issues', async () => {
  const dir = tempDir();
  const script = fakeTrainerScript(
    dir,
    `fs.writeFileSync(path.join(process.cwd(), 'called.json'), JSON.stringify({ command, args, marker: process.env.FAKE_MARKER }));
     process.stdout.write(JSON.stringify({ issues: [{ line: 2, column: 1, endLine: 2, endColumn: 5, path: ['name'], message: 'bad name', severity: 'error' }] }));`,
  );
  const issues = await runValidate({ command: process.execPath, env: { FAKE_MARKER: 'from-runtime' } }, script, '/ws/a.jointrain.yaml', dir);
  assert.deepEqual(issues, [{ line: 2, column: 1, endLine: 2, endColumn: 5, path: ['name'], message: 'bad name', severity: 'error' }]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'called.json'), 'utf8')), {
    command: 'validate',
    args: ['--json', '/ws/a.jointrain.yaml'],
    marker: 'from-runtime',
  });
});

test('a trainer that prints no issues list is an error that quotes its stderr, else its failure', async () => {
  const dir = tempDir();
  const crashing = fakeTrainerScript(dir, `process.stderr.write('Error: Cannot find module sharp\\n'); process.exit(1);`);
  await assert.rejects(
    runValidate({ command: process.execPath, env: {} }, crashing, '/ws/a.jointrain.yaml', dir),
    /^Error: the trainer could not validate \/ws\/a\.jointrain\.yaml: Error: Cannot find module sharp$/,
  );
  const silent = fakeTrainerScript(dir, `process.stdout.write('{"issues": "none"}');`);
  await assert.rejects(
    runValidate({ command: process.execPath, env: {} }, silent, '/ws/b.jointrain.yaml', dir),
    /could not validate \/ws\/b\.jointrain\.yaml: no output$/,
  );
  await assert.rejects(
    runValidate({ command: join(dir, 'no-such-node'), env: {} }, silent, '/ws/c.jointrain.yaml', dir),
    /could not validate \/ws\/c\.jointrain\.yaml: .*ENOENT/,
  );
});
