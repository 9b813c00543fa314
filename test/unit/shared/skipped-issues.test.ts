import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DatasetReport } from '../../../src/shared/runs/format';
import { skippedIssues } from '../../../src/shared/runs/skippedIssues';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'digits.jointrain.yaml'), 'utf8');

function report(name: string, type: 'images' | 'csv', skipped: DatasetReport['skipped']): DatasetReport {
  const split = { size: 10, classes: {} };
  return { name, type, head: 'digit', stem: 'image', task: 'classification', train: split, validation: split, skipped, sampleShape: [1], fromCache: false };
}

test('skipped files become a warning at the dataset’s path, with counts per class and the first reasons', () => {
  const items = ['a.png', 'b.png', 'c.png', 'd.png'].map((file) => ({ file: `3/${file}`, className: '3', reason: 'cannot decode: bad PNG' }));
  const issues = skippedIssues(EXAMPLE, 'digits.jointrain.yaml', {
    id: 'run-1',
    datasets: [report('clean', 'images', { count: 0, byClass: {}, items: [] }), report('scanned', 'images', { count: 5, byClass: { '3': 4, '7': 1 }, items })],
  });
  assert.equal(issues.length, 1);
  const [issue] = issues as [(typeof issues)[number]];
  assert.deepEqual([issue.path, issue.severity], [['datasets', 1, 'path'], 'warning']);
  const line = EXAMPLE.split('\n')[issue.line - 1] ?? '';
  assert.equal(line.slice(issue.column - 1, issue.endColumn - 1), 'data/digits-scanned', 'the range is the path value');
  assert.equal(
    issue.message,
    'run run-1 skipped 5 files of dataset scanned (3: 4, 7: 1): 3/a.png (cannot decode: bad PNG); 3/b.png (cannot decode: bad PNG); 3/c.png (cannot decode: bad PNG); 2 more in run.json',
  );
});

test('a CSV dataset counts rows; a dataset the file no longer has, or an unparsable file, gives nothing', () => {
  const rows = { count: 1, byClass: {}, items: [{ file: 'line 7', className: '', reason: 'column heart_rate: "n/a" is not a number' }] };
  const [issue] = skippedIssues(EXAMPLE, 'x.yaml', { id: 'r', datasets: [report('sensors', 'csv', rows)] });
  assert.equal(issue?.message, 'run r skipped 1 row of dataset sensors: line 7 (column heart_rate: "n/a" is not a number)');
  assert.deepEqual(skippedIssues(EXAMPLE, 'x.yaml', { id: 'r', datasets: [report('renamed', 'csv', rows)] }), []);
  assert.deepEqual(skippedIssues('version: [', 'x.yaml', { id: 'r', datasets: [report('sensors', 'csv', rows)] }), []);
});
