/**
 * `jointrain validate` reports every problem of a file in one pass: a misspelt key, a wrong type and a
 * mistyped data folder together, each at its place, with its suggestion — not the data's problems
 * only once the schema's are fixed.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatIssue } from '../../../src/shared/experiment/issues';
import { validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { createTinyWorkspace } from '../../fixtures/tinyWorkspace';

test('a misspelt key, a wrong type and a mistyped folder are all reported in one pass, with positions and suggestions', async () => {
  const workspace = await createTinyWorkspace();
  const yaml = readFileSync(workspace.experimentFile, 'utf8');
  const broken = yaml
    .replace('path: data/small', 'path: data/smal')
    .replace('  batch_size: 16', '  bach_size: 16')
    .replace(/ {2}epochs: \d+/, '  epochs: ten');
  assert.notEqual(broken, yaml);
  writeFileSync(workspace.experimentFile, broken);
  const lines = (await validateExperimentFile(workspace.experimentFile)).map(formatIssue);
  const lineOf = (text: string) => broken.split('\n').findIndex((line) => line.includes(text)) + 1;
  assert.ok(
    lines.some((line) => line.includes(`:${lineOf('bach_size')}:`) && /unknown key `bach_size` — did you mean `batch_size`\?/.test(line)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((line) => line.includes(`:${lineOf('epochs: ten')}:`) && /training\.epochs: /.test(line)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some(
      (line) =>
        line.includes(`:${lineOf('path: data/smal')}:`) && /datasets\[1\]\.path: folder not found: .*smal .* — did you mean `small` \(beside it\)\?/.test(line),
    ),
    lines.join('\n'),
  );
});
