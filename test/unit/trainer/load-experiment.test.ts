import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { formatIssue } from '../../../src/shared/experiment/issues';
import { loadExperiment, validateExperimentFile } from '../../../src/trainer/config/loadExperiment';
import { ExperimentError, UserError } from '../../../src/trainer/errors';
import { locatedIssue } from '../support/locatedIssue';

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A temporary workspace; a name ending in `/` is an empty folder, any other a file with that text. */
function workspace(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'jointrain-load-')));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, name);
    if (name.endsWith('/')) {
      mkdirSync(path, { recursive: true });
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
  return root;
}

/** Line numbers: the images dataset is lines 3–8 (its path on line 5), the csv dataset 9–14 (path on 11, csv on 12). */
function experimentText(options: { images?: string[]; csv?: string; tail?: string[] } = {}): string {
  return `${[
    'version: 1',
    'datasets:',
    '  - name: clean',
    '    type: images',
    '    path: data/clean',
    '    image: { size: [28, 28], channels: 1 }',
    '    head: digit',
    '    stem: image',
    '  - name: sensors',
    '    type: csv',
    '    path: data/sensors.csv',
    options.csv ?? '    csv: { label: kind }',
    '    head: sensor',
    '    stem: table',
    ...(options.images ?? []),
    'model:',
    '  stems:',
    '    image: { layers: [ { type: flatten } ] }',
    '    table: {}',
    '  heads:',
    '    digit: { task: classification }',
    '    sensor: { task: classification }',
    ...(options.tail ?? []),
  ].join('\n')}\n`;
}

const DATA: Record<string, string> = {
  'data/clean/zero/0.png': 'not decoded here',
  'data/clean/one/1.png': 'not decoded here',
  'data/sensors.csv': 'a,b,kind\n1,2,x\n3,4,y\n',
};

/** Writes the experiment and data, loads it, and returns the positioned issues it was rejected with. */
async function rejection(text: string, files: Record<string, string>): Promise<{ root: string; issues: string[] }> {
  const root = workspace({ 'exp.jointrain.yaml': text, ...files });
  const file = join(root, 'exp.jointrain.yaml');
  let caught: unknown;
  await loadExperiment(file).catch((error: unknown) => (caught = error));
  assert.ok(caught instanceof ExperimentError, `expected an ExperimentError, got ${String(caught)}`);
  for (const issue of caught.issues) assert.equal(issue.file, file);
  assert.equal(
    caught.message,
    caught.issues
      .filter((issue) => issue.severity === 'error')
      .map(formatIssue)
      .join('\n'),
  );
  return { root, issues: caught.issues.map(locatedIssue) };
}

test('a valid experiment loads with its folder, name and field places', async () => {
  const root = workspace({ 'digits.jointrain.yaml': experimentText(), ...DATA });
  const file = join(root, 'digits.jointrain.yaml');
  const loaded = await loadExperiment(file);
  assert.equal(loaded.file, file);
  assert.equal(loaded.dir, root);
  assert.equal(loaded.name, 'digits');
  assert.deepEqual(loaded.issues, []);
  assert.equal(loaded.experiment.datasets[1]?.name, 'sensors');
  assert.equal(loaded.place(['datasets', 1, 'path']), `${file}:11:11 datasets[1].path`);
});

test('a message written at a place the experiment gave reads back as its field and its words; any other message has no field', async () => {
  const root = workspace({ 'digits.jointrain.yaml': experimentText(), ...DATA });
  const loaded = await loadExperiment(join(root, 'digits.jointrain.yaml'));
  const dataset = loaded.place(['datasets', 1]);
  const path = loaded.place(['datasets', 1, 'path']);
  assert.deepEqual(loaded.placedField(`${path}: dataset "sensors": 5 of 65 rows cannot be used`), {
    field: ['datasets', 1, 'path'],
    message: 'dataset "sensors": 5 of 65 rows cannot be used',
  });
  assert.deepEqual(loaded.placedField(`${dataset}: no rows`), { field: ['datasets', 1], message: 'no rows' });
  assert.equal(loaded.placedField('backend "webgpu" is not available'), undefined);
  assert.equal(loaded.placedField(`${loaded.file}:5:11 datasets[0].path: a place never given`), undefined);
});

test('the experiment name, when given, names the experiment', async () => {
  const root = workspace({ 'exp.yaml': `name: mixed-digits\n${experimentText()}`, ...DATA });
  assert.equal((await loadExperiment(join(root, 'exp.yaml'))).name, 'mixed-digits');
});

test('a warning does not stop loading and is returned with the experiment', async () => {
  const root = workspace({ 'exp.jointrain.yaml': experimentText({ tail: ['mixing: { strategy: uniform, temperature: 4 }'] }), ...DATA });
  const loaded = await loadExperiment(join(root, 'exp.jointrain.yaml'));
  assert.deepEqual(loaded.issues.map(locatedIssue), [
    '22:43-22:44 warning mixing.temperature: temperature is used only by the temperature strategy (strategy is "uniform"): remove it or set `strategy: temperature`',
  ]);
});

test('a missing experiment file is a user error naming the file', async () => {
  const file = join(workspace({}), 'nowhere.jointrain.yaml');
  await assert.rejects(loadExperiment(file), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.ok(!(error instanceof ExperimentError));
    assert.equal(error.message, `experiment file not found: ${file}`);
    return true;
  });
});

test('a schema error is thrown with every positioned issue', async () => {
  const { issues } = await rejection(experimentText({ tail: ['training: { epochs: 0 }'] }), DATA);
  assert.deepEqual(issues, ['22:21-22:22 error training.epochs: expected a number > 0, got 0']);
});

test('a missing images folder is an error at the dataset path', async () => {
  const { root, issues } = await rejection(experimentText(), { 'data/sensors.csv': DATA['data/sensors.csv'] ?? '' });
  assert.deepEqual(issues, [`5:11-5:21 error datasets[0].path: folder not found: ${join(root, 'data/clean')} (paths are relative to the experiment file)`]);
});

test('an images path that is a file is an error at the dataset path', async () => {
  const { root, issues } = await rejection(experimentText(), { 'data/clean': 'a file', 'data/sensors.csv': DATA['data/sensors.csv'] ?? '' });
  assert.deepEqual(issues, [
    `5:11-5:21 error datasets[0].path: ${join(root, 'data/clean')} is a file: an images dataset needs a folder with one subfolder per class`,
  ]);
});

test('an empty class folder is an error naming the class', async () => {
  const { issues } = await rejection(experimentText(), { ...DATA, 'data/clean/two/': '' });
  assert.deepEqual(issues, ['5:11-5:21 error datasets[0].path: empty class folder `two`: add images or remove the folder']);
});

test('a class folder with files but no images is an error', async () => {
  const { issues } = await rejection(experimentText(), { ...DATA, 'data/clean/two/notes.txt': 'hello' });
  assert.deepEqual(issues, ['5:11-5:21 error datasets[0].path: class folder `two` has no png, jpeg or webp images: add images or remove the folder']);
});

test('hidden entries are neither classes nor images', async () => {
  const root = workspace({ 'exp.jointrain.yaml': experimentText(), ...DATA, 'data/clean/.cache/': '', 'data/clean/one/.DS_Store': '' });
  const loaded = await loadExperiment(join(root, 'exp.jointrain.yaml'));
  assert.deepEqual(loaded.issues, []);
});

test('a class present in the validation folder but not in training is an error at the validation path', async () => {
  const validation = ['    validation: { path: data/clean-val }'];
  const text = experimentText().replace('    stem: image\n', `    stem: image\n${validation.join('\n')}\n`);
  const { issues } = await rejection(text, { ...DATA, 'data/clean-val/zero/a.png': '', 'data/clean-val/seven/b.png': '' });
  assert.deepEqual(issues, [
    '9:25-9:39 error datasets[0].validation.path: class `seven` is in the validation folder but not in training: add training images for it or remove it from validation',
  ]);
});

test('a missing validation folder is an error at the validation path', async () => {
  const text = experimentText().replace('    stem: image\n', '    stem: image\n    validation: { path: data/clean-val }\n');
  const { root, issues } = await rejection(text, DATA);
  assert.deepEqual(issues, [
    `9:25-9:39 error datasets[0].validation.path: validation folder not found: ${join(root, 'data/clean-val')} (paths are relative to the experiment file)`,
  ]);
});

test('a label column missing from the CSV header suggests the closest column', async () => {
  const { root, issues } = await rejection(experimentText({ csv: '    csv: { label: kinds }' }), DATA);
  assert.deepEqual(issues, [
    `12:19-12:24 error datasets[1].csv.label: column \`kinds\` is not in the header of ${join(root, 'data/sensors.csv')} — did you mean \`kind\`?`,
  ]);
});

test('a feature column missing from the CSV header lists the columns', async () => {
  const { root, issues } = await rejection(experimentText({ csv: '    csv: { label: kind, features: [a, weight] }' }), DATA);
  assert.deepEqual(issues, [
    `12:39-12:45 error datasets[1].csv.features[1]: column \`weight\` is not in the header of ${join(root, 'data/sensors.csv')}; columns: a, b, kind`,
  ]);
});

test('a quoted CSV header with a byte order mark and CRLF line ends is read by column name', async () => {
  const root = workspace({ 'exp.jointrain.yaml': experimentText(), ...DATA, 'data/sensors.csv': '\uFEFF"a", "b","kind"\r\n1,2,x\r\n3,4,y\r\n' });
  assert.deepEqual((await loadExperiment(join(root, 'exp.jointrain.yaml'))).issues, []);
});

test('a CSV file with fewer than 2 data rows is an error at its path', async () => {
  const { root, issues } = await rejection(experimentText(), { ...DATA, 'data/sensors.csv': 'a,b,kind\n1,2,x\n\n' });
  assert.deepEqual(issues, [`11:11-11:27 error datasets[1].path: ${join(root, 'data/sensors.csv')} has 1 data row: a dataset needs at least 2`]);
});

test('a missing CSV file is an error at its path', async () => {
  const { root, issues } = await rejection(experimentText(), { 'data/clean/zero/0.png': '', 'data/clean/one/1.png': '' });
  assert.deepEqual(issues, [
    `11:11-11:27 error datasets[1].path: file not found: ${join(root, 'data/sensors.csv')} (paths are relative to the experiment file)`,
  ]);
});

test('images of another size or channel count on the same stem are an error at the later stem, naming both datasets and shapes', async () => {
  const colour = ['  - name: colour', '    type: images', '    path: data/clean', '    image: { size: [32, 32] }', '    head: digit', '    stem: image'];
  const { issues } = await rejection(experimentText({ images: colour }), DATA);
  assert.deepEqual(issues, [
    "20:11-20:16 error datasets[2].stem: incompatible input shapes on stem 'image': dataset 'colour' gives [32,32,3] but 'clean' gives [28,28,1]: give both datasets the same preprocessing (image size and channels, or feature columns), or route them to different stems",
  ]);
});

test('CSV datasets on one stem must have as many features: declared, or every column but the label', async () => {
  const fewer = [
    '  - name: narrow',
    '    type: csv',
    '    path: data/sensors.csv',
    '    csv: { label: kind, features: [a] }',
    '    head: sensor',
    '    stem: table',
  ];
  const { issues } = await rejection(experimentText({ images: fewer }), DATA);
  assert.deepEqual(issues, [
    "20:11-20:16 error datasets[2].stem: incompatible input shapes on stem 'table': dataset 'narrow' gives [1] but 'sensors' gives [2]: give both datasets the same preprocessing (image size and channels, or feature columns), or route them to different stems",
  ]);
  const same = [
    '  - name: chosen',
    '    type: csv',
    '    path: data/sensors.csv',
    '    csv: { label: kind, features: [b, a] }',
    '    head: sensor',
    '    stem: table',
  ];
  assert.deepEqual(
    (await loadExperiment(join(workspace({ 'exp.jointrain.yaml': experimentText({ images: same }), ...DATA }), 'exp.jointrain.yaml'))).issues,
    [],
  );
});

test('a missing model file is an error at model.from', async () => {
  const text = [
    'version: 1',
    'datasets:',
    '  - name: sensors',
    '    type: csv',
    '    path: data/sensors.csv',
    '    csv: { label: kind }',
    'model: { from: models/base/model.json, inputs: { table: 0 }, outputs: { kind: 0 } }',
    '',
  ].join('\n');
  const { root, issues } = await rejection(text, DATA);
  assert.deepEqual(issues, [
    `7:16-7:38 error model.from: model file not found: ${join(root, 'models/base/model.json')} (paths are relative to the experiment file)`,
  ]);
});

test('validating a file returns its errors and warnings without throwing', async () => {
  const root = workspace({
    'exp.jointrain.yaml': experimentText({ tail: ['mixing: { strategy: uniform, temperature: 4 }'] }),
    'data/sensors.csv': DATA['data/sensors.csv'] ?? '',
    'data/clean/': '',
  });
  const issues = await validateExperimentFile(join(root, 'exp.jointrain.yaml'));
  assert.deepEqual(issues.map(locatedIssue), [
    `5:11-5:21 error datasets[0].path: no class subfolders in ${join(root, 'data/clean')}: put each class's images in a subfolder named after the class`,
    '22:43-22:44 warning mixing.temperature: temperature is used only by the temperature strategy (strategy is "uniform"): remove it or set `strategy: temperature`',
  ]);
});

test('stems that end in different shapes where they meet are an error at the odd stem’s end, with every shape named', async () => {
  const atTrunk = await rejection(experimentText({ tail: ['  trunk: [ { type: dense, units: 8 } ]'] }), DATA);
  assert.deepEqual(atTrunk.issues, [
    '18:12-18:14 error model.stems.table: the stems feeding the trunk end in different shapes (image → [784], table → [2]), so they cannot share it: end every stem with a layer of the same output shape, e.g. a dense layer with the same number of units',
  ]);
  // Without a trunk, only stems that feed one head meet.
  const more = ['  - name: more', '    type: csv', '    path: data/sensors.csv', '    csv: { label: kind }', '    head: digit', '    stem: table'];
  const atHead = await rejection(experimentText({ images: more }), DATA);
  assert.deepEqual(atHead.issues, [
    "24:12-24:14 error model.stems.table: the stems feeding head 'digit' end in different shapes (image → [784], table → [2]), so they cannot share it: end every stem with a layer of the same output shape, e.g. a dense layer with the same number of units",
  ]);
  const root = workspace({
    'exp.jointrain.yaml': experimentText({ tail: ['  trunk: [ { type: dense, units: 8 } ]'] })
      .replace('    image: { layers: [ { type: flatten } ] }', '    image: { layers: [ { type: flatten }, { type: dense, units: 16 } ] }')
      .replace('    table: {}', '    table: { layers: [ { type: dense, units: 16 } ] }'),
    ...DATA,
  });
  await loadExperiment(join(root, 'exp.jointrain.yaml'));
});
