/**
 * Evaluation on held-out data: test splits evaluated once when training ends (run.json → test),
 * and `jointrain evaluate` on a run's model: validation, test split or any folder or CSV.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/shared/runs/format';
import { parseMetrics } from '../../src/shared/runs/readRecords';
import { loadExperiment } from '../../src/trainer/config/loadExperiment';
import type { SplitEvaluation } from '../../src/trainer/evaluation/evaluateSplits';
import { runExperiment } from '../../src/trainer/runExperiment';
import { createTinyWorkspace } from '../fixtures/tinyWorkspace';
import { runCli } from '../unit/trainer/cli-support/captureCli';

async function trainedWithTests(): Promise<{ runDir: string; record: RunRecord; dataDir: string }> {
  const workspace = await createTinyWorkspace({ epochs: 3 });
  const yaml = readFileSync(workspace.experimentFile, 'utf8')
    // The training folder itself stands in for big's test set (48 images), and reg's table for its own.
    .replace('    validation: { split: 0.25 }\n    augment:', '    validation: { split: 0.25 }\n    test: { path: data/big }\n    augment:')
    .replace('    csv: { label: target }\n', '    csv: { label: target }\n    test: { path: data/reg.csv }\n');
  writeFileSync(workspace.experimentFile, yaml);
  const { runDir, record } = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
  });
  return { runDir, record, dataDir: join(workspace.dir, 'data') };
}

test('a run evaluates its model on each test split once training ends: counts, confusion matrix, macro-F1; regression gets its MAE', async () => {
  const { record, dataDir } = await trainedWithTests();
  assert.equal(record.status, 'completed');
  assert.deepEqual(Object.keys(record.test ?? {}).sort(), ['big', 'reg']);
  const big = record.test?.big;
  assert.equal(big?.source, join(dataDir, 'big'));
  assert.equal(big?.samples, 48);
  const confusion = big?.confusion ?? [];
  assert.equal(
    confusion.flat().reduce((sum, n) => sum + n, 0),
    48,
  );
  const diagonal = confusion.reduce((sum, row, c) => sum + (row[c] ?? 0), 0);
  assert.ok(Math.abs(diagonal / 48 - (big?.accuracy ?? NaN)) < 1e-9, 'the diagonal is the accuracy');
  assert.deepEqual(big?.classes, ['left', 'right']);
  assert.ok(big?.macroF1 !== undefined && big.macroF1 >= 0 && big.macroF1 <= 1);
  const reg = record.test?.reg;
  assert.ok(reg?.mae !== undefined && Number.isFinite(reg.mae));
  assert.equal(reg?.confusion, undefined);
});

test('`jointrain evaluate` gives the same numbers for the test split and for that folder given with --data, and prints per-class tables', async () => {
  const { runDir, record, dataDir } = await trainedWithTests();
  const asTest = await runCli(['evaluate', runDir, '--split', 'test', '--json']);
  assert.equal(asTest.code, 0, asTest.stderr);
  const parsed = JSON.parse(asTest.stdout) as { split: string; model: RunRecord['model']; datasets: SplitEvaluation[] };
  assert.equal(parsed.split, 'test');
  assert.deepEqual(parsed.model, record.model);
  const big = parsed.datasets.find((d) => d.dataset === 'big');
  assert.equal(big?.accuracy, record.test?.big?.accuracy, 'the same model on the same data');
  assert.deepEqual(big?.confusion, record.test?.big?.confusion);

  const given = await runCli(['evaluate', runDir, '--data', `big=${join(dataDir, 'big')}`, '--json']);
  const givenBig = (JSON.parse(given.stdout) as { datasets: SplitEvaluation[] }).datasets;
  assert.deepEqual(
    givenBig.map((d) => [d.dataset, d.accuracy, d.samples]),
    [['big', record.test?.big?.accuracy, 48]],
  );

  // The datasets not evaluated are not read again (their classes and shapes come from run.json): with
  // a cold decode cache, only big's images are decoded, not small's.
  const coldCache = join(runDir, '..', 'cold-cache');
  const alone = await runCli(['evaluate', runDir, '--data', `big=${join(dataDir, 'big')}`, '--json', '--cache-dir', coldCache]);
  assert.equal(alone.code, 0, alone.stderr);
  assert.deepEqual((JSON.parse(alone.stdout) as { datasets: SplitEvaluation[] }).datasets, givenBig);
  const decoded = readdirSync(join(coldCache, 'images'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => (JSON.parse(readFileSync(join(coldCache, 'images', file), 'utf8')) as { fileCount: number }).fileCount);
  assert.deepEqual(decoded, [48], 'one folder decoded: big (48 images), which is also the data given');

  const text = await runCli(['evaluate', runDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^validation \(model\/: epoch \d+, /);
  assert.match(text.stdout, /^big: 12 samples from .*data\/big \(validation split 0\.25\): loss \d\.\d{3}, accuracy \d+\.\d%, macro-F1 \d\.\d{3}$/m);
  assert.match(text.stdout, /^│class +│precision │recall +│F1 +│support │$/m);
  assert.match(text.stdout, /^│true \\ predicted │left +│right +│$/m);
  assert.match(text.stdout, /^reg: \d+ samples from .*reg\.csv \(validation split 0\.2\): loss \d\.\d{3}, MAE \d\.\d{3}$/m);
});

test('evaluate refuses what it cannot do, naming it: no test split, an unknown dataset, a malformed --data', async () => {
  const workspace = await createTinyWorkspace({ epochs: 1 });
  const { runDir } = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
  });
  const noTest = await runCli(['evaluate', runDir, '--split', 'test']);
  assert.equal(noTest.code, 1);
  assert.match(noTest.stderr, /^error: no dataset of .*tiny\.jointrain\.yaml declares a test split\nhint: add `test: \{ path: … \}` to a dataset/);
  const unknown = await runCli(['evaluate', runDir, '--data', 'nosuch=data/big']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: no dataset named 'nosuch' in .*\nhint: its datasets: big, small, table, reg\n$/);
  const malformed = await runCli(['evaluate', runDir, '--data', 'big']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /expected NAME=PATH/);
});

test('`jointrain predict` writes a row per image with the predicted class and every class’s probability, agreeing with evaluate’s confusion matrix', async () => {
  const { runDir, record, dataDir } = await trainedWithTests();
  const out = join(runDir, '..', 'predictions.csv');
  const predicted = await runCli(['predict', runDir, join(dataDir, 'big'), '--dataset', 'big', '--out', out]);
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.match(predicted.stderr, /^predictions for 48 images written to /);
  const [header, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(header, 'file,predicted,probability,p_left,p_right');
  assert.equal(rows.length, 48);
  const parsed = rows.map((row) => row.split(','));
  for (const [file, , probability, left, right] of parsed) {
    assert.match(file ?? '', /big\/(left|right)\/\d+\.png$/);
    assert.ok(Math.abs(Number(left) + Number(right) - 1) < 1e-5, 'probabilities sum to 1');
    assert.equal(Number(probability), Math.max(Number(left), Number(right)));
  }
  // The images lie in their class folders: counting predictions per true class gives the test confusion matrix.
  const counts = [
    [0, 0],
    [0, 0],
  ];
  for (const [file, predictedClass] of parsed) {
    const truth = /\/left\//.test(file ?? '') ? 0 : 1;
    const row = counts[truth] as number[];
    const column = predictedClass === 'left' ? 0 : 1;
    row[column] = (row[column] ?? 0) + 1;
  }
  assert.deepEqual(counts, record.test?.big?.confusion);

  const lines = await runCli(['predict', runDir, join(dataDir, 'big', 'left'), '--dataset', 'big', '--format', 'jsonl']);
  const first = JSON.parse(lines.stdout.split('\n')[0] ?? '') as { file: string; predicted: string; probabilities: Record<string, number> };
  assert.deepEqual(Object.keys(first.probabilities), ['left', 'right']);
  const folderForTable = await runCli(['predict', runDir, join(dataDir, 'big'), '--dataset', 'table']);
  assert.equal(folderForTable.code, 1);
  assert.match(folderForTable.stderr, /^error: \S+big is not a file: 'table' is a CSV dataset\nhint: give a CSV file with the columns a, b, c/);
});

test('`jointrain predict` on CSV rows: standardised with the training statistics run.json keeps, its MAE the test split’s; columns found by name, the label optional', async () => {
  const { runDir, record, dataDir } = await trainedWithTests();
  const features = record.datasets.find((d) => d.name === 'reg')?.features;
  assert.deepEqual(features?.columns, ['u', 'v']);
  assert.equal(features?.mean?.length, 2, 'csv.standardize is on by default: the training split’s mean and std are recorded');
  const out = join(runDir, '..', 'reg-predictions.csv');
  const predicted = await runCli(['predict', runDir, join(dataDir, 'reg.csv'), '--dataset', 'reg', '--out', out]);
  assert.equal(predicted.code, 0, predicted.stderr);
  assert.match(predicted.stderr, /^predictions for 60 rows written to /);
  const [header, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(header, 'line,label,predicted');
  assert.deepEqual(
    rows.map((row) => row.split(',')[0]),
    Array.from({ length: 60 }, (_, i) => String(i + 2)),
    'each row named by its line in the file',
  );
  const errors = rows.map((row) => row.split(',').map(Number)).map(([, label, value]) => Math.abs((value ?? 0) - (label ?? 0)));
  const mae = errors.reduce((sum, error) => sum + error, 0) / errors.length;
  assert.ok(Math.abs(mae - (record.test?.reg?.mae ?? Number.NaN)) < 1e-5, `MAE ${mae} from predict against the test split's ${record.test?.reg?.mae}`);

  // The classification table with its columns reordered and no label column: the same predictions, by name.
  const table = readFileSync(join(dataDir, 'table.csv'), 'utf8').trimEnd().split('\n');
  const reordered = join(dataDir, 'reordered.csv');
  writeFileSync(
    reordered,
    `${table
      .map((line) => line.split(','))
      .map(([a, b, c]) => [c, a, b].join(','))
      .join('\n')}\n`,
  );
  const original = await runCli(['predict', runDir, join(dataDir, 'table.csv'), '--dataset', 'table']);
  const moved = await runCli(['predict', runDir, reordered, '--dataset', 'table', '--format', 'jsonl']);
  assert.equal(moved.code, 0, moved.stderr);
  const [originalHeader, ...originalRows] = original.stdout.trimEnd().split('\n');
  assert.equal(originalHeader, 'line,label,predicted,probability,p_x,p_y');
  const movedRows = moved.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { line: string; label?: string; predicted: string; probability: number });
  assert.equal(movedRows[0]?.label, undefined, 'no label column, no label');
  assert.deepEqual(
    movedRows.map((row) => [row.line, row.predicted]),
    originalRows.map((row) => row.split(',')).map(([line, , predictedClass]) => [line, predictedClass]),
  );
  const correct = originalRows.filter((row) => row.split(',')[1] === row.split(',')[2]).length;
  assert.ok(correct >= 54, `the separable table is learned: ${correct} of 60`);
});

test('`jointrain predict` refuses a bad CSV before writing anything: the cell’s line and column, or the missing column', async () => {
  const { runDir, dataDir } = await trainedWithTests();
  const out = join(runDir, '..', 'kept.csv');
  writeFileSync(out, 'earlier results\n');
  const bad = join(dataDir, 'bad.csv');
  writeFileSync(bad, 'a,b,c\n1,2,3\n1,abc,3\n');
  const badCell = await runCli(['predict', runDir, bad, '--dataset', 'table', '--out', out]);
  assert.equal(badCell.code, 1);
  assert.equal(badCell.stderr.split('\n')[0], `error: ${bad}:3: column "b" is not a number ("abc")`);
  assert.equal(readFileSync(out, 'utf8'), 'earlier results\n', '--out is left as it was');
  writeFileSync(bad, 'a,c\n1,3\n');
  const missing = await runCli(['predict', runDir, bad, '--dataset', 'table', '--out', out]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: \S+bad\.csv: column "b" of dataset 'table' not in the header \(columns are: a, c\)\nhint: the model reads a, b, c/);
  assert.equal(readFileSync(out, 'utf8'), 'earlier results\n');
});

test('early stopping on the weakest dataset ends the run, model/ holds the epoch best for that dataset and evaluates to its score, at least the last epoch’s', async () => {
  const workspace = await createTinyWorkspace({ epochs: 30 });
  const yaml = readFileSync(workspace.experimentFile, 'utf8').replace(
    '  seed: 5\n',
    '  seed: 5\n  early_stopping: { monitor: val_accuracy_worst, patience: 2 }\n  checkpoint: { monitor: val_accuracy_worst, keep_last: 1 }\n',
  );
  writeFileSync(workspace.experimentFile, yaml);
  const { runDir, record } = await runExperiment({
    experiment: await loadExperiment(workspace.experimentFile),
    runsDir: workspace.runsDir,
    cacheDir: workspace.cacheDir,
  });
  assert.equal(record.status, 'completed');
  const epochs = parseMetrics(readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')).flatMap((r) => (r.kind === 'epoch' ? [r] : []));
  assert.ok(epochs.length < 30, `early stopping ended the run after ${epochs.length} epochs`);
  const worst = (datasets: Record<string, { valAccuracy?: number }>) =>
    Math.min(...Object.values(datasets).flatMap((d) => (d.valAccuracy === undefined ? [] : [d.valAccuracy])));
  const scores = epochs.map((epoch) => worst(epoch.datasets));
  const bestEpoch = scores.indexOf(Math.max(...scores)) + 1;
  assert.equal(record.model?.epoch, bestEpoch, `the first epoch with the best worst-dataset accuracy: ${scores.join(', ')}`);
  assert.equal(record.model?.chosen, 'best');
  assert.ok((scores[bestEpoch - 1] ?? 0) >= (scores.at(-1) ?? 1), 'the best is at least the last epoch');
  if (bestEpoch < epochs.length) assert.deepEqual(record.model?.last, { epoch: epochs.length, path: 'model-last' });
  // model/ really holds that epoch's weights: evaluated on validation it scores what that epoch recorded.
  const evaluated = await runCli(['evaluate', runDir, '--json']);
  const datasets = (JSON.parse(evaluated.stdout) as { datasets: SplitEvaluation[] }).datasets;
  const evaluatedWorst = Math.min(...datasets.flatMap((d) => (d.accuracy === undefined ? [] : [d.accuracy])));
  assert.ok(
    Math.abs(evaluatedWorst - (scores[bestEpoch - 1] ?? NaN)) < 1e-9,
    `model/ scores ${evaluatedWorst}, epoch ${bestEpoch} recorded ${scores[bestEpoch - 1]}`,
  );
});
