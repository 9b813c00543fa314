/**
 * `jointrain validate --data`: every image and CSV row read as a run reads them, in this process,
 * on the tiny generated workspace. What it prints of each dataset, the problems a run would stop
 * on (every dataset's, at their places), and that a file `validate` alone accepts can still fail here.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeTinyWorkspace } from '../../fixtures/tinyWorkspace';
import { runCli, temporaryFolder } from './cli-support/captureCli';

/** 1-based line of the first line of `file` that holds `text`. */
const lineOf = (file: string, text: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text)) + 1;

test('`validate --data` prints each dataset as a run reads it, caches the decoded images for the run, and says the data is valid', async () => {
  const workspace = await writeTinyWorkspace(temporaryFolder());
  const cache = join(workspace.dir, 'cache');
  const file = workspace.experimentFile;
  const first = await runCli(['validate', '--data', '--cache-dir', cache, file]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(
    first.stdout,
    [
      'read as a run reads them:',
      // 24 and 6 images per class, 25% of each class held out (1.5 rounds to 2); 60 rows, 20% held out.
      '  big: 36 train / 12 validation, 2 classes',
      '  small: 8 train / 4 validation, 2 classes',
      '  table: 48 train / 12 validation, 2 classes',
      '  reg: 48 train / 12 validation, regression',
      `${file} and its data are valid`,
      '',
    ].join('\n'),
  );
  assert.ok(readdirSync(cache).length > 0, 'the decoded images are cached where the run will look');
  assert.equal(existsSync(workspace.runsDir), false, 'no run folder is made');

  const again = await runCli(['validate', '--data', '--cache-dir', cache, file]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^ {2}big: 36 train \/ 12 validation, 2 classes \(decoded images from the cache\)$/m);
  assert.match(again.stdout, /^ {2}small: 8 train \/ 4 validation, 2 classes \(decoded images from the cache\)$/m);
});

test('`validate --data` reports what a run would stop on in every dataset, at its place, where `validate` alone finds nothing; what a run would skip is counted', async () => {
  const workspace = await writeTinyWorkspace(temporaryFolder());
  const file = workspace.experimentFile;
  const data = join(workspace.dir, 'data');
  // One image of 13 that cannot be decoded, and 5 of 65 rows with a missing value: both over 1%.
  writeFileSync(join(data, 'small', 'left', 'broken.png'), 'not a png');
  appendFileSync(join(data, 'table.csv'), ['1,,2,x', '1,2,,y', ',1,2,x', '1,2,,x', '1,,2,y', ''].join('\n'));
  // 1 row in 151 with a word for a number: under 1%, so a run skips it and goes on.
  const regression = ['u,v,target', ...Array.from({ length: 150 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i / 150}`), 'one,0.5,0.5'];
  writeFileSync(join(data, 'reg.csv'), `${regression.join('\n')}\n`);

  assert.equal((await runCli(['validate', file])).code, 0, 'the file and its folders, CSV headers and columns are fine');
  const result = await runCli(['validate', '--data', '--cache-dir', join(workspace.dir, 'cache'), file]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout,
    [
      'read as a run reads them:',
      '  big: 36 train / 12 validation, 2 classes',
      '  reg: 120 train / 30 validation, regression, 1 row skipped (first: data/reg.csv: line 152: column "u" is not a number ("one"))',
      '',
    ].join('\n'),
  );
  const lines = result.stderr.split('\n').filter((line) => /^(error|hint|\d+ problems?)/.test(line));
  assert.deepEqual(lines, [
    `error: ${file}:${lineOf(file, 'path: data/small')}:11 datasets[1].path: dataset "small": 1 of 13 image files could not be decoded (7.7%, more than 1%): class "left": 1. First: left/broken.png: ${brokenImageReason(result.stderr)}.`,
    'hint: Fix or remove the files listed, or re-export them as png, jpeg or webp, then run again.',
    `error: ${file}:${lineOf(file, 'path: data/table.csv')}:11 datasets[2].path: dataset "table": 5 of 65 rows of data/table.csv cannot be used (more than 1%); first: line 62: column "b" is empty`,
    'hint: Fix or remove the rows listed, or choose the feature columns with csv.features.',
    `2 problems a run would stop on in the data of ${file}`,
  ]);
});

/** The decoder's words for the broken image (sharp's, which may change between its versions). */
function brokenImageReason(stderr: string): string {
  return /First: left\/broken\.png: (.*)\.$/m.exec(stderr)?.[1] ?? '(no reason printed)';
}

test('`validate --data` reports a problem found only once every dataset is read: a class weight for a class the data does not have', async () => {
  const workspace = await writeTinyWorkspace(temporaryFolder());
  const file = workspace.experimentFile;
  writeFileSync(file, readFileSync(file, 'utf8').replace('csv: { label: kind }', 'csv: { label: kind }\n    class_weights: { z: 2 }'));
  assert.equal((await runCli(['validate', file])).code, 0, 'the classes of a CSV dataset are known only from its rows');
  const result = await runCli(['validate', '--data', '--cache-dir', join(workspace.dir, 'cache'), file]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^ {2}table: 48 train \/ 12 validation, 2 classes$/m);
  assert.match(
    result.stderr,
    new RegExp(
      `^error: ${file}:${lineOf(file, 'class_weights')}:\\d+ datasets\\[2\\]\\.class_weights\\.z: class 'z' is not a class of dataset 'table' \\(classes: x, y\\)$`,
      'm',
    ),
  );
  assert.match(result.stderr, /^1 problem a run would stop on in the data of /m);
});

test('`validate --data` places a problem of a validation file at its `validation.path`', async () => {
  const workspace = await writeTinyWorkspace(temporaryFolder());
  const file = workspace.experimentFile;
  writeFileSync(join(workspace.dir, 'data', 'table-val.csv'), 'a,b,c,kind\n1,0.5,2,x\n-1,0.5,-2,z\n');
  writeFileSync(file, readFileSync(file, 'utf8').replace('csv: { label: kind }', 'csv: { label: kind }\n    validation: { path: data/table-val.csv }'));
  const result = await runCli(['validate', '--data', '--cache-dir', join(workspace.dir, 'cache'), file]);
  assert.equal(result.code, 1);
  const line = lineOf(file, 'table-val.csv');
  const column = readFileSync(file, 'utf8').split('\n')[line - 1]!.indexOf('data/table-val.csv') + 1;
  assert.match(
    result.stderr,
    new RegExp(
      `^error: ${file}:${line}:${column} datasets\\[2\\]\\.validation\\.path: dataset "table": label "z" in the validation file does not occur in the training file \\(classes: x, y\\)$`,
      'm',
    ),
  );
});

test('`validate --data` of a file with errors does not read the data; with --json it is refused (exit 2)', async () => {
  const workspace = await writeTinyWorkspace(temporaryFolder());
  const file = workspace.experimentFile;
  writeFileSync(file, readFileSync(file, 'utf8').replace('batch_size: 16', 'batch_size: 0'));
  const invalid = await runCli(['validate', '--data', '--cache-dir', join(workspace.dir, 'cache'), file]);
  assert.equal(invalid.code, 1);
  assert.equal(invalid.stdout, '');
  assert.match(invalid.stderr, new RegExp(`^1 error in ${file} \\(its data was not read: fix these first\\)$`, 'm'));
  assert.equal(existsSync(join(workspace.dir, 'cache')), false, 'no image was decoded');

  const json = await runCli(['validate', '--data', '--json', file]);
  assert.equal(json.code, 2);
  assert.match(json.stderr, /option '--data' cannot be used with option '--json'/);
});
